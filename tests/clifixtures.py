"""Fixtures for driving the real CLI (``cmgdeploy.cli.main``, in-process) against the
real local Azure with CMGDEPLOY_HOME in a temporary directory. A pytest plugin loaded by
``tests/conftest.py``, so every test area (cli, up, migrate, inputs…) shares one copy."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cmgdeploy.cli import main


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.out)


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private CMGDEPLOY_HOME; no ambient Azure settings leak in."""
    path = tmp_path / "home"
    monkeypatch.setenv("CMGDEPLOY_HOME", str(path))
    for var in ("CMGDEPLOY_ENVIRONMENT", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID",
                "AZURE_CLIENT_ID", "CMGDEPLOY_SITE_DB", "NO_COLOR"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return path


@pytest.fixture()
def cli(home: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Run the CLI in-process: ``cli("status", "--name", "x")`` → Run(code, out, err)."""

    def run(*args: str) -> Run:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def add_environment_row(
    cli: Callable[..., Run], az: Any, monkeypatch: pytest.MonkeyPatch, name: str, *extra: str
) -> None:
    """Register local Azure ``az`` as AzureEnvironments row ``name``, as a user would
    (``environments add``), with its service principal in the AZURE_* variables and a
    site's DSC package (required outside ``-e local``) in CMGDEPLOY_CMG_PACKAGE."""
    use_site_package(monkeypatch)
    ident = az.identity
    monkeypatch.setenv("AZURE_TENANT_ID", ident.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", ident.client_id)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", ident.client_secret)
    result = cli("environments", "add", name, "--authority", az.url,
                 "--resource-manager", az.url + "/", "--ca-bundle",
                 str(az.ca_bundle), "--no-instance-discovery", *extra)  # fmt: skip
    assert result.code == 0, result.err


def use_site_package(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give the run a site's DSC package (CMGDEPLOY_CMG_PACKAGE), as an environment
    other than ``local`` requires; written to the current (test) directory."""
    path = write_dsc_package(Path.cwd() / "cmgdsc.zip")
    monkeypatch.setenv("CMGDEPLOY_CMG_PACKAGE", str(path))
    return path


def write_dsc_package(path: Path, configuration: str = "CmgSite") -> Path:
    """A DSC configuration package shaped like a site's cmgdsc.zip: a zip whose top-level
    script defines one configuration, plus a module folder."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{configuration}.ps1", f"Configuration {configuration}\n{{\n}}\n")
        archive.writestr("xWebAdministration/xWebAdministration.psd1", "@{}\n")
    return path


@pytest.fixture()
def cloud_env(local_azure: Any, cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch) -> str:
    """An AzureEnvironments row for the shared local Azure. Returns the row name."""
    add_environment_row(cli, local_azure, monkeypatch, "labcloud")
    return "labcloud"


@pytest.fixture()
def writes() -> Callable[[Path], int]:
    """``writes(state_dir)``: write/delete requests so far in a request log."""
    return count_writes


def count_writes(state_dir: Path) -> int:
    """Number of write/delete requests in the local Azure's request log."""
    path = Path(state_dir) / "requests.jsonl"
    if not path.exists():
        return 0
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return sum(1 for entry in lines if entry.get("kind") in ("write", "delete"))
