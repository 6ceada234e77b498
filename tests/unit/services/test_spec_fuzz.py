"""Fuzzing the spec parser: any text in any field gives a valid spec or an InputError."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cmgdeploy.domain.errors import InputError
from cmgdeploy.domain.validate import NAME_RE
from cmgdeploy.services.config import SPEC_KEYS, ConfigFile
from cmgdeploy.services.spec import load_spec

text = st.text(max_size=40)
values = st.one_of(text, st.integers(-5, 40), st.booleans(), st.lists(text, max_size=3))
# server_cert/trusted_cas are file paths: fuzzing them would probe the file system.
KEYS = [k for k in SPEC_KEYS if k not in ("server_cert", "trusted_cas")]


@settings(max_examples=300, deadline=None)
@given(flags=st.dictionaries(st.sampled_from(KEYS), values, max_size=5), env_value=text)
def test_only_input_errors(flags: dict[str, Any], env_value: str) -> None:
    base = {"name": "contosocmg", "region": "westeurope"}
    try:
        spec = load_spec({**base, **flags}, {"CMGDEPLOY_INSTANCES": env_value}, ConfigFile())
    except InputError as err:
        assert err.field_name and "is not valid" in err.message
        return
    assert NAME_RE.fullmatch(spec.name) and 1 <= spec.instances <= 16
