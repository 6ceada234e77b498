"""The Azure CLI check's parameters file keeps up with ``arm_templates/cmg.json``.

``tests/azcli/make_parameters.py`` (also used by ``scripts/bench.py``) writes the
parameters az deploys the CMG template with. The check itself is outside the default
run, so a template parameter added without a default would break it unseen; this
catches that in the default run, with no server and no Azure CLI.
"""

from __future__ import annotations

import importlib.util
import json
import stat
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def mp() -> ModuleType:
    path = ROOT / "tests" / "azcli" / "make_parameters.py"
    spec = importlib.util.spec_from_file_location("azcli_make_parameters", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_template_parameter_without_a_default_gets_a_valid_value(
    mp: ModuleType, tmp_path: Path
) -> None:
    out = tmp_path / "cmg.parameters.json"
    argv = ["make_parameters.py", "--out", str(out), "--work", str(tmp_path)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", argv)
        assert mp.main() == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # it holds secrets
    written = json.loads(out.read_text())["parameters"]
    declared = json.loads((ROOT / "arm_templates" / "cmg.json").read_text())["parameters"]
    required = {name for name, decl in declared.items() if "defaultValue" not in decl}
    assert required <= set(written)
    assert set(written) <= set(declared)
    values = {name: p["value"] for name, p in written.items()}
    assert not [v for v in values.values() if isinstance(v, str) and "REPLACE-WITH" in v]
    # The DSC parameters describe the package the file was made for.
    assert (values["dscScript"], values["dscFunction"]) == ("CmgStandIn.ps1", "CmgStandIn")
    assert len(values["dscPackageHash"]) == 64


def test_a_missing_or_bad_value_names_the_parameter(mp: ModuleType) -> None:
    with pytest.raises(ValueError, match=r"no value for the parameters .*dscPackageHash"):
        mp.cmg_parameters({"cmgName": "abc"})
    complete = {
        "cmgName": "abc",
        "serverCertificateSecret": "x",
        "adminPassword": "y",
        **dict.fromkeys(("dscPackageSasToken", "dscPackageHash", "dscScript", "dscFunction"), "z"),
    }
    assert mp.cmg_parameters(complete)["cmgName"] == {"value": "abc"}
    with pytest.raises(ValueError, match=r"parameter vmSize: .*'Standard_XL'.* one of"):
        mp.cmg_parameters({**complete, "vmSize": "Standard_XL"})
