"""The DSC package: read from the site's zip, the local stand-in, and its place in the
deployment's identity."""

from __future__ import annotations

import dataclasses
import hashlib
import zipfile
from pathlib import Path

import pytest
from clifixtures import write_dsc_package

from cmgdeploy.domain.errors import InputError
from cmgdeploy.services.dscpackage import load_package, stand_in_package
from cmgdeploy.services.spec import CmgSpec, with_package


def test_script_and_configuration_are_read_from_the_zip(tmp_path: Path) -> None:
    path = write_dsc_package(tmp_path / "cmgdsc.zip", configuration="CmgSite")
    package = load_package(path)
    assert (package.script, package.function) == ("CmgSite.ps1", "CmgSite")
    assert package.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert package.content_md5 == hashlib.md5(path.read_bytes(), usedforsecurity=False).digest()
    assert "data" not in repr(package)


@pytest.mark.parametrize(
    "entries",
    [{}, {"readme.txt": "x"}, {"a.ps1": "# no configuration"},
     {"a.ps1": "Configuration A {}", "b.ps1": "Configuration B {}"}],
)  # fmt: skip
def test_a_zip_without_exactly_one_configuration_is_refused(
    tmp_path: Path, entries: dict[str, str]
) -> None:
    path = tmp_path / "pkg.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    with pytest.raises(InputError) as caught:
        load_package(path, "--cmg-package")
    assert caught.value.field_name == "--cmg-package"
    assert r"inboxes\cloudmgr.box\cmgdsc.zip" in caught.value.message


def test_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cmgdsc.zip"
    path.write_text("not a zip")
    with pytest.raises(InputError, match="cmg_package"):
        load_package(path)


def test_stand_in_is_a_real_zip_with_the_same_bytes_every_time(tmp_path: Path) -> None:
    first, second = stand_in_package(), stand_in_package()
    assert first.data == second.data and first.stand_in
    path = tmp_path / "standin.zip"
    path.write_bytes(first.data)
    again = load_package(path)
    assert (again.script, again.function) == (first.script, first.function)


def test_package_is_part_of_the_deployment_identity(tmp_path: Path) -> None:
    spec = CmgSpec(name="hashcmg", region="westeurope", resource_group="rg", site_code="PS1")
    site = load_package(write_dsc_package(tmp_path / "a.zip", configuration="One"))
    other = load_package(write_dsc_package(tmp_path / "b.zip", configuration="Two"))
    hashes = {
        dataclasses.replace(spec, package=p).input_hash() for p in (site, other, stand_in_package())
    }
    assert len(hashes) == 3


def test_package_required_outside_local_and_stand_in_on_local() -> None:
    spec = CmgSpec(name="needcmg", region="westeurope", resource_group="rg")
    with pytest.raises(InputError) as caught:
        with_package(spec, "AzurePublicCloud")
    assert caught.value.field_name == "cmg_package"
    assert "--cmg-package, CMGDEPLOY_CMG_PACKAGE or cmg_package" in caught.value.message
    local = with_package(spec, "local")
    assert local.package is not None and local.package.stand_in
    assert any("stand-in DSC package" in w for w in local.warnings)


def test_package_from_flag_env_or_config_file(tmp_path: Path) -> None:
    from cmgdeploy.services.config import read_config
    from cmgdeploy.services.spec import load_spec

    write_dsc_package(tmp_path / "flag.zip", configuration="FromFlag")
    write_dsc_package(tmp_path / "env.zip", configuration="FromEnv")
    site = tmp_path / "site"
    site.mkdir()
    write_dsc_package(site / "cmgdsc.zip", configuration="FromFile")
    config = site / "cmgdeploy.toml"
    config.write_text('cmg_package = "cmgdsc.zip"\n')  # relative to the file
    base = {"name": "pkgcmg", "region": "westeurope", "site_code": "PS1"}
    cfg = read_config(config)
    env = {"CMGDEPLOY_CMG_PACKAGE": str(tmp_path / "env.zip")}
    flagged = load_spec({**base, "cmg_package": str(tmp_path / "flag.zip")}, env, cfg)
    assert flagged.package is not None and flagged.package.function == "FromFlag"
    from_env = load_spec(base, env, cfg)
    assert from_env.package is not None and from_env.package.function == "FromEnv"
    from_file = load_spec(base, {}, cfg)
    assert from_file.package is not None and from_file.package.function == "FromFile"
    with pytest.raises(InputError) as caught:
        load_spec({**base, "cmg_package": str(tmp_path / "missing.zip")}, {}, None)
    assert caught.value.field_name == "--cmg-package" and "missing.zip" in caught.value.message
