"""Sign-in methods other than the service principal secret, through the real CLI against
the local Azure's Entra ID: device code (a person at a terminal) and managed identity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def test_device_code_prompt_goes_to_stderr_and_json_stays_clean(
    cloud_env: str, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CMGDEPLOY_AUTH_METHOD", "device-code")
    monkeypatch.delenv("AZURE_CLIENT_SECRET")
    result = cli("-e", cloud_env, "-o", "json", "auth", "check")
    assert result.code == 0, result.err
    assert result.json["data"]["principal_type"] == "user"  # the person, not the app
    assert "/devicelogin" in result.err and "enter the code" in result.err
    assert "devicelogin" not in result.out


def test_managed_identity_through_identity_endpoint(
    cloud_env: str, cli: Callable[..., Any], local_azure: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = local_azure.endpoint
    monkeypatch.setenv("CMGDEPLOY_AUTH_METHOD", "managed-identity")
    monkeypatch.setenv("IDENTITY_ENDPOINT", endpoint["identity_endpoint"])
    monkeypatch.setenv("IDENTITY_HEADER", endpoint["identity_header"])
    monkeypatch.delenv("AZURE_CLIENT_SECRET")
    # AZURE_CLIENT_ID names a user-assigned identity to a managed-identity credential;
    # the service principal's id is no identity of this machine.
    monkeypatch.delenv("AZURE_CLIENT_ID")
    result = cli("-e", cloud_env, "-o", "json", "auth", "check")
    assert result.code == 0, result.err
    data = result.json["data"]
    assert data["principal_type"] == "service principal"
    assert data["subscription_id"] == local_azure.identity.subscription_id


def test_wrong_managed_identity_header_is_an_auth_failure(
    cloud_env: str, cli: Callable[..., Any], local_azure: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CMGDEPLOY_AUTH_METHOD", "managed-identity")
    monkeypatch.setenv("IDENTITY_ENDPOINT", local_azure.endpoint["identity_endpoint"])
    monkeypatch.setenv("IDENTITY_HEADER", "not-the-header")
    result = cli("-e", cloud_env, "auth", "check")
    assert result.code == 3, result.err
    assert "Traceback" not in result.err


def test_default_method_signs_in_through_environment_credential(
    cloud_env: str, cli: Callable[..., Any], local_azure: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # AZURE_TENANT_ID/CLIENT_ID/CLIENT_SECRET are set by cloud_env: the chain's
    # EnvironmentCredential signs in, at the row's authority (no instance discovery).
    monkeypatch.setenv("CMGDEPLOY_AUTH_METHOD", "default")
    result = cli("-e", cloud_env, "-o", "json", "auth", "check")
    assert result.code == 0, result.err
    data = result.json["data"]
    assert data["principal_type"] == "service principal"
    assert data["tenant_id"] == local_azure.identity.tenant_id


def test_auto_without_secret_says_which_sign_in_to_configure(
    cloud_env: str, cli: Callable[..., Any], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The row has no default identity and no secret is set: auto falls back to the
    # DefaultAzureCredential chain, which finds nothing (no Azure CLI sign-in either).
    monkeypatch.delenv("AZURE_CLIENT_SECRET")
    monkeypatch.delenv("CMGDEPLOY_AUTH_METHOD", raising=False)
    monkeypatch.setenv("AZURE_CONFIG_DIR", str(tmp_path / "no-az-login"))
    for var in (
        "IDENTITY_ENDPOINT",
        "IDENTITY_HEADER",
        "MSI_ENDPOINT",
        "AZURE_FEDERATED_TOKEN_FILE",
    ):
        monkeypatch.delenv(var, raising=False)
    result = cli("-e", cloud_env, "-o", "json", "auth", "check")
    assert result.code == 3, result.err
    error = result.json["errors"][0]
    assert error["code"] == "NoSignInConfigured"
    assert "AZURE_CLIENT_SECRET" in str(error)
    # The likely fix first (a forgotten `-e local`), and never a secret in the config file.
    assert "`-e local`" in error["hint"]
    assert "[auth] client_secret" not in str(error)
    assert "TypeError" not in result.err + result.out
