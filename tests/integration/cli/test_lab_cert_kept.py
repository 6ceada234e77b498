"""A lab certificate (``--self-signed-cert``) is kept in ``certs/<name>.pem`` only for a
CMG whose deployment started (so ``down`` removes it): ``plan`` writes none, and an
``up`` failing before any Azure write removes the one it made."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from clifixtures import use_site_package

from cmgdeploy.services.locks import CmgLock
from cmgdeploy.services.paths import lock_dir

SITE = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1")


def kept(home: Path) -> list[str]:
    """File names under CMGDEPLOY_HOME/certs."""
    folder = home / "certs"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_plan_with_self_signed_cert_keeps_no_certificate(
    cli: Callable[..., Any], cloud_env: str, home: Path
) -> None:
    result = cli("-e", cloud_env, "-o", "json", "plan", "--name", "plancert1", *SITE)
    assert result.code == 0, result.err
    assert result.json["ok"] is True
    assert any("self-signed server certificate" in w for w in result.json["warnings"])
    assert kept(home) == []


def test_up_keeps_its_certificate_and_plan_reuses_it(
    cli: Callable[..., Any], cloud_env: str, home: Path
) -> None:
    up = cli("-e", cloud_env, "-o", "json", "up", "--name", "keepcert1", *SITE, "--yes")
    assert up.code == 0, up.err
    assert kept(home) == ["keepcert1.pem"]
    pem = (home / "certs" / "keepcert1.pem").read_bytes()
    plan = cli("-e", cloud_env, "-o", "json", "plan", "--name", "keepcert1", *SITE)
    assert plan.code == 0, plan.err
    # The kept certificate is the deployed one: nothing to change in Azure.
    azure = [c for c in plan.json["data"]["changes"] if c["scope"] == "azure"]
    assert azure and {c["change"] for c in azure} <= {"NoChange", "Ignore", "Deploy"}
    # "Deploy" only where what-if cannot know (a value from listKeys()).
    deploy = [c["target"] for c in azure if c["change"] == "Deploy"]
    assert all(t.endswith("/secrets/storage-connection-string") for t in deploy), deploy
    assert (home / "certs" / "keepcert1.pem").read_bytes() == pem
    with CmgLock(lock_dir(), "keepcert1", command="test"):
        held = cli("-e", cloud_env, "up", "--name", "keepcert1", *SITE, "--yes")
    assert held.code == 5
    assert (home / "certs" / "keepcert1.pem").read_bytes() == pem  # not this run's to remove


def test_up_failing_on_a_taken_name_leaves_no_certificate(
    cli: Callable[..., Any],
    cloud_env: str,
    local_azure: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    writes: Callable[[Path], int],
) -> None:
    first = cli("-e", cloud_env, "up", "--name", "takencert1", *SITE, "--yes")
    assert first.code == 0, first.err
    other = _other_home(cli, local_azure, tmp_path, monkeypatch)
    before = writes(local_azure.state_dir)
    # Another group: the first CMG's vault, DNS label and resources are not ours there.
    taken = cli("-e", "labcloud", "-o", "json", "up", "--name", "takencert1",
                "--resource-group", "takencert1-other-rg", *SITE, "--yes")  # fmt: skip
    assert taken.code == 1
    assert taken.json["errors"][0]["code"] in ("VaultAlreadyExists", "DnsRecordInUse")
    assert writes(local_azure.state_dir) == before  # failed before any Azure write
    assert kept(other) == []


def test_up_failing_on_a_held_lock_leaves_no_certificate(
    cli: Callable[..., Any], cloud_env: str, home: Path
) -> None:
    with CmgLock(lock_dir(), "lockcert1", command="test"):
        held = cli("-e", cloud_env, "up", "--name", "lockcert1", *SITE, "--yes")
    assert held.code == 5
    assert kept(home) == []


def _other_home(
    cli: Callable[..., Any], az: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A second CMGDEPLOY_HOME (another admin's machine) with the same cloud added."""
    home = tmp_path / "other-home"
    monkeypatch.setenv("CMGDEPLOY_HOME", str(home))
    use_site_package(monkeypatch)
    added = cli("environments", "add", "labcloud", "--authority", az.url, "--resource-manager",
                az.url + "/", "--ca-bundle", str(az.ca_bundle), "--no-instance-discovery")  # fmt: skip
    assert added.code == 0, added.err
    return home
