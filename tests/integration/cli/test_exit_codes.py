"""Every exit code of the table, and known secrets absent from output, the site database
and the local Azure's request log."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from certfactory import make_pfx
from clifixtures import use_site_package

from cmgdeploy.services.locks import CmgLock
from cmgdeploy.services.paths import lock_dir

VMSS = "Microsoft.Compute/virtualMachineScaleSets"
PFX_PASSWORD = "Pfx-Exit-Codes-Password-0815!"
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


def test_lock_held_exit_5_names_the_holder(cli: Any, home: Path) -> None:
    with CmgLock(lock_dir(), "lockedcmg", command="test"):
        result = cli("-e", "local", "up", "--name", "lockedcmg", *UP)
    assert result.code == 5
    assert f"pid {os.getpid()} on host {socket.gethostname()}" in result.err
    assert "--wait-lock" in result.err


def test_sigint_during_wait_exit_130_and_azure_continues(
    cli: Any, local_azure_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real Ctrl-C (SIGINT to a CLI process) while `up` waits on a slow scale set."""
    az = local_azure_factory(faults={"targeted": [{"kind": "slow", "type": VMSS, "seconds": 120}]})
    _use(cli, az, monkeypatch)
    argv = [sys.executable, "-m", "cmgdeploy", "-e", "lab2", "--verbose", "up", "--name",
            "intcmg", "--timeout", "300", *UP]  # fmt: skip
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = _read_until(proc, f"{VMSS} intcmg: Running")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, seen + err
    assert "interrupted; the Azure operation continues" in err
    assert "status --name intcmg --watch" in err and "cmgdeploy -e " in err
    assert out == ""
    states = {doc["name"]: doc["state"] for _, doc in az.cloud.store.doc_list("deployments")}
    main = [state for name, state in states.items() if not name.endswith("-storage")]
    assert main == ["Running"]  # not cancelled: Azure goes on without us


def _read_until(proc: subprocess.Popen[str], marker: str) -> str:
    """stderr lines up to the one containing ``marker`` (the process is still running)."""
    assert proc.stderr is not None
    seen = ""
    for line in proc.stderr:
        seen += line
        if marker in line:
            return seen
    raise AssertionError(f"{marker!r} never shown; stderr:\n{seen}")


def _known_secrets(az: Any, pfx: Path, resource_group: str) -> list[str]:
    """Secrets known from outside the tool: the client secret, the PFX password, a slice
    of the PFX itself, and the VM admin password as the local Azure stores it (the
    deployment's adminPassword parameter; GET on the scale set never returns it)."""
    params = [
        doc.get("parameters") or {}
        for _, doc in az.cloud.store.doc_list("deployments")
        if str(doc.get("group", "")).lower() == resource_group
    ]
    passwords = [str(p["adminPassword"]["value"]) for p in params if "adminPassword" in p]
    assert len(passwords) == 1 and len(passwords[0]) >= 12
    pfx_b64 = base64.b64encode(pfx.read_bytes()).decode()
    return [az.identity.client_secret, PFX_PASSWORD, pfx_b64[200:260], *passwords]


def test_known_secrets_absent_from_output_site_db_and_request_log(
    cli: Any, home: Path, tmp_path: Path, local_azure_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    az = local_azure_factory()
    _use(cli, az, monkeypatch)
    pfx = make_pfx(tmp_path / "server.pfx", "secretcmg.westeurope.cloudapp.azure.com", PFX_PASSWORD)
    monkeypatch.setenv("CMGDEPLOY_SERVER_CERT_PASSWORD", PFX_PASSWORD)
    args = ("--region", "westeurope", "--site-code", "PS1", "--yes", "--server-cert", str(pfx))
    up = cli("-e", "lab2", "--verbose", "--debug", "-o", "json", "up", "--name", "secretcmg", *args)
    assert up.code == 0, up.err
    status = cli("-e", "lab2", "--verbose", "status", "--name", "secretcmg")
    assert status.code == 0, status.err
    secrets = _known_secrets(az, pfx, "secretcmg-cmg-rg")
    texts = {
        "up stdout": up.out,
        "up stderr": up.err,
        "status output": status.out + status.err,
        "site.db": (home / "site.db").read_bytes().decode("latin-1"),
        "request log": (Path(az.state_dir) / "requests.jsonl").read_text(),
    }
    found = [f"{s[:3]}… in {where}" for where, text in texts.items() for s in secrets if s in text]
    assert found == []


def _use(cli: Any, az: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_TENANT_ID", az.identity.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", az.identity.client_id)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", az.identity.client_secret)
    use_site_package(monkeypatch)
    added = cli("environments", "add", "lab2", "--authority", az.url, "--resource-manager",
                az.url + "/", "--ca-bundle", str(az.ca_bundle), "--no-instance-discovery")  # fmt: skip
    assert added.code == 0, added.err
