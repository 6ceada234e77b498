"""Fuzzing the spec loader through its real inputs: TOML text, TOML values of every
type, ``CMGDEPLOY_*`` strings, and their precedence. (``tests/unit/services/test_spec_fuzz.py``
fuzzes flag values; these go through files and environment variables.)

Every property: ``load_spec`` / ``read_config`` / ``migrate_settings`` give a
valid result or an ``InputError`` whose field is the input that was changed, spelt as
the user wrote it, and whose message contains that field name — never another exception.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmgdeploy.domain.errors import InputError
from cmgdeploy.domain.validate import MAX_INSTANCES, MIN_INSTANCES, NAME_RE, VM_SIZES
from cmgdeploy.services.config import (
    SECRET_KEYS,
    SPEC_KEYS,
    TABLES,
    TOP_KEYS,
    migrate_settings,
    resolve_settings,
)
from cmgdeploy.services.config import read_config as read_config_file
from cmgdeploy.services.spec import CmgSpec, load_spec

# Paths would probe the file system; they have their own cases in the corpus.
VALUE_KEYS = sorted({*SPEC_KEYS, "environment"} - {"server_cert", "trusted_cas"})
BASE = {"name": "contosocmg", "region": "westeurope", "site_code": "PS1"}
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

toml_scalars = st.one_of(
    st.text(max_size=30),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(["westeurope", "Standard_B2s", "P01", "true", "3", "cp1.contoso.com", "a=b"]),
)
toml_values = st.one_of(
    toml_scalars,
    st.lists(st.one_of(st.text(max_size=20), st.integers(-5, 40)), max_size=4),
    st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=10), max_size=3),
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One directory for the examples' files (hypothesis reuses it across examples)."""
    yield tmp_path_factory.mktemp("fuzz")


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes, plus DEL, which TOML also wants escaped."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(value: Any) -> str:
    """``value`` written as TOML (inline arrays and tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def write_toml(directory: Path, values: dict[str, Any], text: str = "") -> Path:
    """Write top-level ``values`` (then raw ``text``) to ``cmgdeploy.toml``."""
    path = directory / "cmgdeploy.toml"
    lines = [f"{key} = {toml_value(value)}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n" + text, encoding="utf-8")
    return path


def file_field(key: str, path: Path) -> str:
    return f"{key} (in {path})"


def assert_names(err: InputError, *fields: str) -> None:
    """The error is about one of ``fields`` and its message says so."""
    assert err.field_name in fields, (err.field_name, fields, err.message)
    assert err.field_name in err.message


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("ab=[]{}.\"'\n #,0x-_tru")), max_size=60))
def test_any_toml_text_reads_or_names_the_file(workdir: Path, text: str) -> None:
    path = workdir / "cmgdeploy.toml"
    path.write_text(text, encoding="utf-8")
    try:
        config = read_config_file(path)
    except InputError as err:
        assert err.field_name == "--config" or err.field_name.endswith(f"(in {path.absolute()})")
        assert err.field_name in err.message
        return
    assert set(config.values) <= {*TOP_KEYS, *TABLES}


@FUZZ
@given(key=st.sampled_from(VALUE_KEYS), value=toml_values)
def test_one_toml_value_is_applied_or_named(workdir: Path, key: str, value: Any) -> None:
    path = write_toml(workdir, {**BASE, key: value})
    config = read_config_file(path)
    try:
        spec = load_spec({}, {}, config)
    except InputError as err:
        # An unknown environment is found later (site DB); here only its syntax is checked.
        assert_names(err, file_field(key, config.path or path))
        return
    assert_applied(spec, key, value)


def assert_applied(spec: CmgSpec, key: str, value: Any) -> None:
    """A value that was accepted shows up in the spec (normalised)."""
    if key == "instances":
        # Digits in a string are accepted too (environment variables are strings).
        assert spec.instances == int(value) and MIN_INSTANCES <= spec.instances <= MAX_INSTANCES
    elif key == "name":
        assert spec.name == value and NAME_RE.fullmatch(value)
    elif key == "vm_size":
        assert spec.vm_size in VM_SIZES and spec.vm_size.lower() == str(value).strip().lower()
    elif key == "site_code" and value not in (None, ""):
        assert spec.site_code == str(value).strip().upper()


ENV_KEYS = [k for k in VALUE_KEYS if k != "environment"]


@FUZZ
@given(key=st.sampled_from(ENV_KEYS), value=st.text(max_size=40))
def test_one_env_string_is_applied_or_named(workdir: Path, key: str, value: str) -> None:
    """An environment variable overrides the file; a bad one is named by its variable."""
    config = read_config_file(write_toml(workdir, BASE))
    var = f"CMGDEPLOY_{key.upper()}"
    try:
        spec = load_spec({}, {var: value}, config)
    except InputError as err:
        assert_names(err, var)
        return
    if value.strip():
        assert_applied(spec, key, value)


GOOD_FLAGS = {"name": "goodcmg", "region": "northeurope", "instances": 2, "vm_size": "Standard_B2s"}


@FUZZ
@given(
    key=st.sampled_from(sorted(GOOD_FLAGS)), env_value=st.text(max_size=20), file_value=toml_values
)
def test_a_good_flag_wins_over_bad_env_and_file(
    workdir: Path, key: str, env_value: str, file_value: Any
) -> None:
    """flag > env > file: whatever the lower layers hold, a valid flag is what is used."""
    config = read_config_file(write_toml(workdir, {**BASE, key: file_value}))
    spec = load_spec({key: GOOD_FLAGS[key]}, {f"CMGDEPLOY_{key.upper()}": env_value}, config)
    assert getattr(spec, key) == GOOD_FLAGS[key]


secret_values = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=6, max_size=20)


@FUZZ
@given(
    key=st.sampled_from(sorted(SECRET_KEYS)),
    table=st.sampled_from(["", "auth", "migrate"]),
    secret=secret_values,
)
def test_a_secret_in_the_file_is_refused_without_showing_it(
    workdir: Path, key: str, table: str, secret: str
) -> None:
    value = "Zq" + secret  # no message word contains "Zq"
    text = f"[{table}]\n{key} = {toml_string(value)}\n" if table else ""
    path = write_toml(workdir, {} if table else {key: value}, text)
    with pytest.raises(InputError) as caught:
        read_config_file(path)
    dotted = f"{table}.{key}" if table else key
    assert_names(caught.value, file_field(dotted, path.absolute()))
    assert value not in caught.value.message
    assert SECRET_KEYS[key].split()[-1] in caught.value.message


@FUZZ
@given(key=st.from_regex(r"[a-z][a-z_]{0,15}", fullmatch=True), value=toml_scalars)
def test_an_unknown_key_is_named(workdir: Path, key: str, value: Any) -> None:
    known = {*TOP_KEYS, *TABLES, *SECRET_KEYS}
    path = write_toml(workdir, {key: value})
    if key in known:
        return
    with pytest.raises(InputError) as caught:
        read_config_file(path)
    assert_names(caught.value, file_field(key, path.absolute()))
    assert "unknown key" in caught.value.message


@FUZZ
@given(
    drain=st.one_of(st.none(), st.text(max_size=12)),
    to=st.one_of(st.none(), st.text(max_size=12)),
    classic=st.one_of(st.none(), st.text(max_size=12)),
)
def test_migrate_env_strings_are_applied_or_named(
    workdir: Path, drain: str | None, to: str | None, classic: str | None
) -> None:
    env = {
        name: value
        for name, value in (
            ("CMGDEPLOY_MIGRATE_DRAIN_HOURS", drain),
            ("CMGDEPLOY_MIGRATE_TO", to),
            ("CMGDEPLOY_MIGRATE_FROM_CLASSIC", classic),
        )
        if value is not None
    }
    config = read_config_file(write_toml(workdir, {}))
    try:
        result = migrate_settings(resolve_settings({}, env, config))
    except InputError as err:
        assert_names(err, *env)
        return
    assert result.drain_hours >= 0 and math.isfinite(result.drain_hours)
    assert result.to is None or NAME_RE.fullmatch(result.to)
