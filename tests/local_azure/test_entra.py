"""Entra ID of the local Azure, driven by the unmodified azure-identity and msal."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import msal
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import (
    CertificateCredential,
    ClientSecretCredential,
    EnvironmentCredential,
    ManagedIdentityCredential,
)

from mocks import LocalAzure
from mocks.core.pki import issue_client_certificate

ARM_SCOPE = "https://management.azure.com/.default"


def secret_credential(az: LocalAzure, secret: str | None = None) -> ClientSecretCredential:
    ident = az.identity
    return ClientSecretCredential(
        ident.tenant_id,
        ident.client_id,
        secret if secret is not None else ident.client_secret,
        authority=az.url,
        disable_instance_discovery=True,
        connection_verify=az.ca_bundle,
    )


def ca_session(az: LocalAzure) -> requests.Session:
    """A session trusting only the local CA (REQUESTS_CA_BUNDLE would override verify)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = az.ca_bundle
    return session


def verified_claims(az: LocalAzure, token: str, audience: str) -> dict[str, Any]:
    """Check a token the way a relying party would: JWKS from the discovery document."""
    tenant = az.identity.tenant_id
    config = requests.get(
        f"{az.url}/{tenant}/v2.0/.well-known/openid-configuration", verify=az.ca_bundle
    ).json()
    keys = requests.get(config["jwks_uri"], verify=az.ca_bundle).json()["keys"]
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(next(k for k in keys if k["kid"] == kid)).key
    return jwt.decode(token, key, algorithms=["RS256"], audience=audience)


def test_client_secret_credential_gets_a_signed_arm_token(local_azure: LocalAzure) -> None:
    token = secret_credential(local_azure).get_token(ARM_SCOPE)
    claims = verified_claims(local_azure, token.token, "https://management.azure.com")
    ident = local_azure.identity
    assert claims["tid"] == ident.tenant_id
    assert claims["appid"] == ident.client_id
    assert claims["iss"] == f"{local_azure.url}/{ident.tenant_id}/v2.0"
    assert claims["exp"] - claims["iat"] == 3599
    assert token.expires_on > time.time() + 3000


@pytest.mark.parametrize("which", ["client_certificate", "client_certificate_pfx"])
def test_certificate_credential_pem_and_pfx(local_azure: LocalAzure, which: str) -> None:
    ident = local_azure.identity
    credential = CertificateCredential(
        ident.tenant_id,
        ident.client_id,
        local_azure.endpoint[which],
        authority=local_azure.url,
        disable_instance_discovery=True,
        connection_verify=local_azure.ca_bundle,
    )
    token = credential.get_token(ARM_SCOPE)
    assert verified_claims(local_azure, token.token, "https://management.azure.com")["appid"] == (
        ident.client_id
    )


def test_msal_pem_certificate_without_thumbprint_uses_ps256(local_azure: LocalAzure) -> None:
    ident = local_azure.identity
    pem = Path(ident.client_certificate).read_text()
    session = ca_session(local_azure)
    app = msal.ConfidentialClientApplication(
        ident.client_id,
        client_credential={"private_key": pem, "public_certificate": pem},
        authority=f"{local_azure.url}/{ident.tenant_id}",
        instance_discovery=False,
        http_client=session,
    )
    result = app.acquire_token_for_client(scopes=[ARM_SCOPE])
    assert "access_token" in result, result


def test_environment_credential(local_azure: LocalAzure, monkeypatch: pytest.MonkeyPatch) -> None:
    ident = local_azure.identity
    monkeypatch.setenv("AZURE_TENANT_ID", ident.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", ident.client_id)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", ident.client_secret)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", local_azure.url)
    credential = EnvironmentCredential(
        disable_instance_discovery=True, connection_verify=local_azure.ca_bundle
    )
    assert credential.get_token(ARM_SCOPE).token.count(".") == 2


def test_managed_identity_credential_app_service_protocol(
    local_azure: LocalAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDENTITY_ENDPOINT", local_azure.endpoint["identity_endpoint"])
    monkeypatch.setenv("IDENTITY_HEADER", local_azure.endpoint["identity_header"])
    credential = ManagedIdentityCredential(connection_verify=local_azure.ca_bundle)
    token = credential.get_token(ARM_SCOPE)
    claims = verified_claims(local_azure, token.token, "https://management.azure.com")
    assert claims["appid"] != local_azure.identity.client_id  # the machine's own identity


def test_managed_identity_wrong_header_is_refused(local_azure: LocalAzure) -> None:
    answer = requests.get(
        local_azure.endpoint["identity_endpoint"],
        params={"resource": "https://management.azure.com", "api-version": "2019-08-01"},
        headers={"X-IDENTITY-HEADER": "not-the-secret"},
        verify=local_azure.ca_bundle,
    )
    assert answer.status_code == 401
    assert "access_token" not in answer.json()


def test_wrong_secret_is_aadsts7000215(local_azure: LocalAzure) -> None:
    with pytest.raises(ClientAuthenticationError) as exc:
        secret_credential(local_azure, "not-the-secret").get_token(ARM_SCOPE)
    assert "AADSTS7000215" in str(exc.value)


def test_unknown_client_is_aadsts700016(local_azure: LocalAzure) -> None:
    ident = local_azure.identity
    credential = ClientSecretCredential(
        ident.tenant_id,
        "00000000-0000-0000-0000-000000000001",
        ident.client_secret,
        authority=local_azure.url,
        disable_instance_discovery=True,
        connection_verify=local_azure.ca_bundle,
    )
    with pytest.raises(ClientAuthenticationError) as exc:
        credential.get_token(ARM_SCOPE)
    assert "AADSTS700016" in str(exc.value)


def test_certificate_not_registered_is_aadsts700027(
    local_azure: LocalAzure, tmp_path: Path
) -> None:
    other = tmp_path / "other.pem"
    issue_client_certificate(local_azure.state_dir, "someone-else", other)
    ident = local_azure.identity
    credential = CertificateCredential(
        ident.tenant_id,
        ident.client_id,
        str(other),
        authority=local_azure.url,
        disable_instance_discovery=True,
        connection_verify=local_azure.ca_bundle,
    )
    with pytest.raises(ClientAuthenticationError) as exc:
        credential.get_token(ARM_SCOPE)
    assert "AADSTS700027" in str(exc.value)


def test_unknown_tenant_is_aadsts90002(local_azure: LocalAzure) -> None:
    answer = requests.get(
        f"{local_azure.url}/not-our-tenant.example/v2.0/.well-known/openid-configuration",
        verify=local_azure.ca_bundle,
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["error_codes"] == [90002]
    assert body["error_description"].startswith("AADSTS90002:")
    assert {"timestamp", "trace_id", "correlation_id"} <= set(body)


@pytest.mark.parametrize("alias", ["organizations", "common", "localazure.onmicrosoft.com"])
def test_tenant_aliases_discover_our_tenant(local_azure: LocalAzure, alias: str) -> None:
    config = requests.get(
        f"{local_azure.url}/{alias}/v2.0/.well-known/openid-configuration",
        verify=local_azure.ca_bundle,
    ).json()
    assert config["issuer"].split("/")[3] == local_azure.identity.tenant_id
    assert config["token_endpoint"] == f"{local_azure.url}/{alias}/oauth2/v2.0/token"


def test_azure_cli_scope_keeps_the_trailing_slash(local_azure: LocalAzure) -> None:
    ident = local_azure.identity
    answer = requests.post(
        f"{local_azure.url}/{ident.tenant_id}/oauth2/v2.0/token",
        data={
            "client_id": ident.client_id,
            "client_secret": ident.client_secret,
            "grant_type": "client_credentials",
            "scope": "https://management.core.windows.net//.default",
        },
        verify=local_azure.ca_bundle,
    )
    assert answer.status_code == 200
    claims = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "https://management.core.windows.net/"


def test_client_credentials_need_a_default_scope(local_azure: LocalAzure) -> None:
    ident = local_azure.identity
    answer = requests.post(
        f"{local_azure.url}/{ident.tenant_id}/oauth2/v2.0/token",
        data={
            "client_id": ident.client_id,
            "client_secret": ident.client_secret,
            "grant_type": "client_credentials",
            "scope": "https://management.azure.com/user_impersonation",
        },
        verify=local_azure.ca_bundle,
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_scope"


def test_device_code_flow_with_msal(local_azure_factory: Callable[..., LocalAzure]) -> None:
    az = local_azure_factory(device_code_delay=0.3)
    session = ca_session(az)
    app = msal.PublicClientApplication(
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46",  # azure-cli's public client id
        authority=f"{az.url}/organizations",
        instance_discovery=False,
        http_client=session,
    )
    flow = app.initiate_device_flow(scopes=[ARM_SCOPE])
    assert flow["user_code"] in flow["message"]
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    claims = verified_claims(az, result["access_token"], "https://management.azure.com")
    assert claims["upn"].startswith("testuser@")
    assert app.get_accounts()[0]["username"] == claims["upn"]
    # the refresh token works too (silent acquisition for another resource)
    again = app.acquire_token_silent(
        ["https://management.core.windows.net//.default"], account=app.get_accounts()[0]
    )
    assert again is not None and "access_token" in again


def test_device_code_is_pending_until_approved(
    local_azure_factory: Callable[..., LocalAzure],
) -> None:
    az = local_azure_factory(device_code_delay=30)
    tenant = az.identity.tenant_id
    start = requests.post(
        f"{az.url}/{tenant}/oauth2/v2.0/devicecode",
        data={"client_id": "some-public-client", "scope": ARM_SCOPE},
        verify=az.ca_bundle,
    ).json()
    poll = requests.post(
        f"{az.url}/{tenant}/oauth2/v2.0/token",
        data={
            "client_id": "some-public-client",
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": start["device_code"],
        },
        verify=az.ca_bundle,
    )
    assert poll.status_code == 400
    assert poll.json()["error"] == "authorization_pending"
