"""The settings table is the one declaration: options, file keys, precedence, identity,
output and the documented list all follow it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cmgdeploy.cli import command
from cmgdeploy.domain import settings
from cmgdeploy.domain.errors import InputError
from cmgdeploy.services.config import ConfigFile, read_config, resolve_settings, settings_of
from cmgdeploy.services.spec import CmgSpec, load_spec, spec_from
from cmgdeploy.services.targetspec import spec_inputs

REPO = Path(__file__).resolve().parents[3]
GOOD = {"name": "contosocmg", "region": "westeurope", "site_code": "PS1"}
# A value of each kind that its validator accepts, other than the default.
SAMPLES: dict[str, Any] = {
    "name": "othercmg",
    "region": "northeurope",
    "resource_group": "other-rg",
    "environment": "local",
    "subscription": "0b1f6471-1bf0-4dda-aec3-cb9272f09590",
    "instances": 3,
    "vm_size": "Standard_B2s",
    "image_sku": "2022-datacenter-azure-edition",
    "verify_client_revocation": False,
    "enforce_tls12": False,
    "content_from_storage": True,
    "site_code": "PS2",
    "connection_points": ["cp9.contoso.com"],
    "management_points": ["mp9.contoso.com"],
    "software_update_points": ["sup9.contoso.com"],
    "tags": ["owner=it"],
}


def test_contracts_lists_the_table() -> None:
    doc = (REPO / "docs" / "CONTRACTS.md").read_text(encoding="utf-8")
    begin, end = "<!-- settings table: begin -->\n", "\n<!-- settings table: end -->"
    assert begin in doc and end in doc
    listed = doc.split(begin, 1)[1].split(end, 1)[0]
    assert listed == settings.contracts_table(), (
        "docs/CONTRACTS.md is not the settings table: run scripts/gen_settings_doc.py"
    )


def test_every_spec_setting_is_a_field_or_loaded_from_the_table() -> None:
    fields = set(CmgSpec.__dataclass_fields__)
    for row in settings.spec_rows():
        if row.key not in fields:  # a setting without a field of its own: kept in `more`
            assert row.kind in ("text", "int", "number", "flag", "switch", "list", "path")
    assert not [r.key for r in settings.SETTINGS if r.secret and r.option], "a secret flag"


@pytest.mark.parametrize(
    ("command_path", "skip"), [(("up",), ()), (("plan",), ()), (("migrate",), ("name",))]
)
def test_spec_commands_have_every_option_of_the_table(
    command_path: tuple[str, ...], skip: tuple[str, ...]
) -> None:
    cmd = command().commands[command_path[0]]
    opts = {opt for p in cmd.params for opt in p.opts}
    for row in settings.cli_rows():
        assert (row.flag_label in opts) == (row.key not in skip), row.key


def test_precedence_is_flag_env_file_default_for_every_setting(tmp_path: Path) -> None:
    for row in settings.SETTINGS:
        if row.secret or row.env_var is None or row.toml_key is None:
            continue
        table, _, leaf = row.toml_key.rpartition(".")
        values: dict[str, Any] = {leaf: "file"}
        config = ConfigFile(path=tmp_path / "c.toml", values={table: values} if table else values)
        env = {row.env_var: "env"}
        assert resolve_settings({row.key: "flag"}, env, config).value(row.key) == "flag"
        assert resolve_settings({}, env, config).value(row.key) == "env"
        file_value = resolve_settings({}, {}, config).get(row.key)
        assert (file_value.value, file_value.source) == ("file", config.label(row.toml_key))
        assert resolve_settings({}, {}, ConfigFile()).value(row.key) == row.default


def test_secrets_come_from_the_environment_only(tmp_path: Path) -> None:
    for row in settings.SETTINGS:
        if not row.secret:
            continue
        given = resolve_settings({row.key: "flag"}, {}, ConfigFile())
        assert given.value(row.key) is None, row.key
        assert resolve_settings({}, {str(row.env_var): "S3cret"}, ConfigFile()).value(row.key)
        assert "S3cret" not in repr(resolve_settings({}, {str(row.env_var): "S3cret"}))
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'{row.key} = "S3cret"\n')
        with pytest.raises(InputError) as info:
            read_config(cfg)
        assert str(row.env_var) in info.value.message and "S3cret" not in info.value.message


def test_every_file_key_of_the_table_is_accepted_and_others_named(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    for row in settings.SETTINGS:
        if row.toml_key is None:
            continue
        table, _, leaf = row.toml_key.rpartition(".")
        cfg.write_text(f"[{table}]\n{leaf} = 1\n" if table else f"{leaf} = 1\n")
        assert read_config(cfg).get(row.toml_key) == 1
    cfg.write_text("trial_tagg = 1\n")
    with pytest.raises(InputError) as info:
        read_config(cfg)
    assert (
        info.value.field_name == f"trial_tagg (in {cfg})" and "allowed keys" in info.value.message
    )


def test_identity_changes_with_each_identity_setting_and_only_those() -> None:
    base = load_spec(GOOD, {}, None)
    for key, value in SAMPLES.items():
        row = settings.row(key)
        changed = load_spec({**GOOD, key: value}, {}, None)
        assert (changed.input_hash() != base.input_hash()) == row.identity, key
        assert key in changed.to_dict()


def test_the_kept_inputs_rebuild_the_same_deployment() -> None:
    """migrate keeps the target spec; a later run must deploy the very same thing."""
    for key, value in SAMPLES.items():
        if key in ("name", "environment"):
            continue
        spec = load_spec({**GOOD, key: value}, {}, None)
        again = spec_from(settings_of({**spec_inputs(spec), "name": spec.name}, {}))
        assert again.input_hash() == spec.input_hash(), key
        assert again.to_dict() == spec.to_dict(), key


def test_template_parameter_names_come_from_the_table() -> None:
    from cmgdeploy.services.template import PARAMETER_FIELDS

    assert {r.parameter: r.key for r in settings.parameter_rows()} == PARAMETER_FIELDS


def test_a_required_parameter_left_out_names_its_setting() -> None:
    from cmgdeploy.services.template import load_template, validate_parameters

    template = load_template()
    with pytest.raises(InputError) as info:
        validate_parameters(template, {})  # cmgName, the first, has no default
    assert info.value.field_name == "name"
    assert "give --name, CMGDEPLOY_NAME or name in the config file" in info.value.message


def test_a_new_spec_setting_needs_only_its_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """A row alone gives a setting its option, variable, file key, place in the
    identity, in the output and in the kept spec, and its template parameter."""
    from cmgdeploy.cli.options import spec_params

    extra = settings.Row(
        "trial_tag", "text", "spec", "A trial value.", option="spec", identity=True,
        parameter="trialTag",
    )  # fmt: skip
    rows = (*settings.SETTINGS, extra)
    monkeypatch.setattr(settings, "SETTINGS", rows)
    monkeypatch.setattr(settings, "BY_KEY", {r.key: r for r in rows})
    plain = load_spec(GOOD, {}, None)
    given = load_spec(GOOD, {"CMGDEPLOY_TRIAL_TAG": "x"}, None)
    flagged = load_spec({**GOOD, "trial_tag": "y"}, {"CMGDEPLOY_TRIAL_TAG": "x"}, None)
    assert (plain.value("trial_tag"), given.value("trial_tag")) == (None, "x")
    assert flagged.value("trial_tag") == "y"
    assert given.input_hash() != plain.input_hash() != flagged.input_hash()
    assert given.to_dict()["trial_tag"] == "x" and spec_inputs(given)["trial_tag"] == "x"
    assert "trial_tag" in settings.file_keys()[""]
    assert {r.parameter for r in settings.parameter_rows()} >= {"trialTag"}
    options = spec_params.__wrapped__("up")  # type: ignore[attr-defined]
    assert "--trial-tag" in {opt for p in options for opt in p.opts}
    with pytest.raises(InputError) as info:  # its kind is checked: text
        load_spec(GOOD, {}, ConfigFile(path=Path("/etc/c.toml"), values={"trial_tag": 5}))
    assert (info.value.field_name, info.value.message) == (
        "trial_tag (in /etc/c.toml)",
        "trial_tag (in /etc/c.toml): 5 is not valid; text",
    )
