"""Every exit code of the table, and secrets absent from output and the site database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cmgdeploy.locks import CmgLock
from cmgdeploy.paths import lock_dir

UP = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1", "--yes")


def test_help_lists_commands_without_importing_the_sdks(cli: Any) -> None:
    import subprocess
    import sys

    code = "import sys; from cmgdeploy.cli import main; main(['--help']); print('azure.core' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("False")
    for command in ("up", "plan", "status", "scale", "down", "auth", "environments", "site"):
        assert f"  {command} " in out.stdout


def test_usage_error_exit_2_with_json_envelope(cli: Any) -> None:
    result = cli("-o", "json", "scale", "--name", "abc", "--instances", "many")
    assert result.code == 2
    assert result.json["ok"] is False and result.json["errors"][0]["code"] == "UsageError"


def test_bad_input_exit_2_names_field(cli: Any) -> None:
    result = cli("-e", "local", "up", "--name", "Bad-Name", *UP)
    assert result.code == 2
    assert "Bad-Name" in result.err and "lowercase" in result.err


def test_wrong_secret_exit_3_with_entra_message(
    cli: Any, cloud_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-the-secret-123")
    result = cli("-e", cloud_env, "-o", "json", "auth", "check")
    assert result.code == 3
    assert "AADSTS" in result.json["errors"][0]["message"]
    assert "not-the-secret-123" not in result.out + result.err


def test_auth_check_shows_principal(cli: Any, cloud_env: str, local_azure: Any) -> None:
    result = cli("-e", cloud_env, "-o", "json", "auth", "check")
    assert result.code == 0, result.err
    data = result.json["data"]
    assert data["tenant_id"] == local_azure.identity.tenant_id
    assert data["subscription_id"] == local_azure.identity.subscription_id
    assert local_azure.identity.client_secret not in result.out


def test_failed_deployment_exit_1_shows_innermost_cause(
    cli: Any, local_azure_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    faults = {"targeted": [{"kind": "fail_deployment", "type": "Microsoft.Compute/virtualMachineScaleSets",
                            "code": "AllocationFailed", "message": "no capacity here", "count": 1}]}  # fmt: skip
    az = local_azure_factory(faults=faults)
    _use(cli, az, monkeypatch)
    result = cli("-e", "lab2", "-o", "json", "up", "--name", "failcmg", *UP)
    assert result.code == 1
    codes = [e["code"] for e in result.json["errors"]]
    assert codes[0] == "DeploymentFailed" and "AllocationFailed" in codes
    assert "no capacity here" in result.err


def test_timeout_exit_4_says_how_to_resume(
    cli: Any, local_azure_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    az = local_azure_factory(provisioning_seconds=30)
    _use(cli, az, monkeypatch)
    result = cli("-e", "lab2", "up", "--name", "slowcmg", "--timeout", "1", *UP)
    assert result.code == 4
    assert "status --name slowcmg" in result.err


def test_lock_held_exit_5(cli: Any, home: Path) -> None:
    with CmgLock(lock_dir(), "lockedcmg", command="test"):
        result = cli("-e", "local", "up", "--name", "lockedcmg", *UP)
    assert result.code == 5


def test_interrupt_exit_130(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import cmgdeploy.ops.up as up_module

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(up_module, "up", interrupted)
    result = cli("-e", "local", "up", "--name", "intcmg", *UP)
    assert result.code == 130
    assert "continues" in result.err and "cmgdeploy status" in result.err


def test_secrets_absent_from_output_and_site_db(cli: Any, home: Path) -> None:
    from cmgdeploy.redact import _SECRETS

    up = cli("-e", "local", "--verbose", "-o", "json", "up", "--name", "secretcmg", *UP)
    assert up.code == 0, up.err
    endpoint = (
        json.loads((home / "local-azure" / "endpoint.json").read_text())
        if (home / "local-azure" / "endpoint.json").exists()
        else {}
    )
    secrets = {s for s in _SECRETS if len(s) >= 8} | {endpoint.get("client_secret", "x" * 40)}
    assert secrets
    site_db = (home / "site.db").read_bytes().decode("latin-1")
    log = (home / "local-azure" / "requests.jsonl").read_text()
    for secret in secrets:
        assert secret not in up.out and secret not in up.err
        assert secret not in site_db and secret not in log


def _use(cli: Any, az: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_TENANT_ID", az.identity.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", az.identity.client_id)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", az.identity.client_secret)
    added = cli("environments", "add", "lab2", "--authority", az.url, "--resource-manager",
                az.url + "/", "--ca-bundle", str(az.ca_bundle), "--no-instance-discovery")  # fmt: skip
    assert added.code == 0, added.err
