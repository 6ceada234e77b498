"""Entra ID throttled or unreachable at sign-in is "Azure failed" (exit 1), not an
authentication failure (exit 3); a real refusal stays exit 3; SDK log lines never reach
stderr raw."""

from __future__ import annotations

import socket
from typing import Any

import pytest


def _add(cli: Any, name: str, url: str, ca_bundle: str) -> None:
    added = cli("environments", "add", name, "--authority", url, "--resource-manager",
                url + "/", "--ca-bundle", ca_bundle, "--no-instance-discovery")  # fmt: skip
    assert added.code == 0, added.err


@pytest.fixture()
def throttled(local_azure_factory: Any, cli: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A local Azure answering 429 (Retry-After 0) to every request, as row `busy`."""
    az = local_azure_factory(faults={"seed": 3, "p429": 1.0, "retry_after": 0, "scope": "all"})
    ident = az.identity
    monkeypatch.setenv("AZURE_TENANT_ID", ident.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", ident.client_id)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", ident.client_secret)
    _add(cli, "busy", az.url, str(az.ca_bundle))
    return az


def test_throttled_sign_in_is_exit_1_and_says_so(cli: Any, throttled: Any) -> None:
    run = cli("-e", "busy", "-o", "json", "status", "--name", "somecmg")
    assert run.code == 1, run.err
    error = run.json["errors"][0]
    assert error["code"] == "SignInUnavailable"
    assert "Entra ID was throttled (HTTP 429)" in error["message"]
    # Only our own rendered error line: no raw azure-identity warning on stderr.
    assert "get_token failed" not in run.err
    assert all(line.startswith("cmgdeploy:") or line.startswith("  ") or not line.strip()
               for line in run.err.splitlines()), run.err  # fmt: skip
    assert throttled.identity.client_secret not in run.out + run.err


def test_unreachable_authority_is_exit_1(
    cli: Any, local_azure: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ident = local_azure.identity
    monkeypatch.setenv("AZURE_TENANT_ID", ident.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", ident.client_id)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", ident.client_secret)
    _add(cli, "nowhere", f"https://127.0.0.1:{port}", str(local_azure.ca_bundle))
    run = cli("-e", "nowhere", "-o", "json", "auth", "check")
    assert run.code == 1, run.err
    assert run.json["errors"][0]["code"] == "SignInUnavailable"
    assert "unreachable" in run.json["errors"][0]["message"]


def test_wrong_secret_is_still_exit_3(
    cli: Any, local_azure: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ident = local_azure.identity
    monkeypatch.setenv("AZURE_TENANT_ID", ident.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", ident.client_id)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "Wrong-secret-123")
    _add(cli, "refuses", local_azure.url, str(local_azure.ca_bundle))
    run = cli("-e", "refuses", "-o", "json", "auth", "check")
    assert run.code == 3, run.err
    assert (
        "invalid_client" in run.json["errors"][0]["message"]
        or "AADSTS" in (run.json["errors"][0]["message"])
    )
    assert "get_token failed" not in run.err
