"""What the Resource Manager tests share: a local Azure and the unmodified SDKs."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import requests
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient
from certfactory import make_pfx

from mocks import LocalAzure

SCOPE = "https://management.azure.com/.default"
ROOT = Path(__file__).resolve().parents[2]


def credential(az: LocalAzure) -> ClientSecretCredential:
    ident = az.identity
    return ClientSecretCredential(
        ident.tenant_id,
        ident.client_id,
        ident.client_secret,
        authority=az.url,
        connection_verify=az.ca_bundle,
        disable_instance_discovery=True,
    )


def sdk_client(az: LocalAzure, client_class: Any) -> Any:
    """An SDK management client on the local Azure, trusting its CA explicitly
    (REQUESTS_CA_BUNDLE is preset here), polling fast."""
    return client_class(
        credential(az),
        az.identity.subscription_id,
        base_url=az.url,
        credential_scopes=[SCOPE],
        connection_verify=az.ca_bundle,
        polling_interval=0.05,
    )


def clients(az: LocalAzure) -> tuple[ResourceManagementClient, DeploymentsMgmtClient]:
    """The resource and deployment clients (see :func:`sdk_client`)."""
    return sdk_client(az, ResourceManagementClient), sdk_client(az, DeploymentsMgmtClient)


def raw(az: LocalAzure, method: str, path: str, body: Any = None) -> requests.Response:
    """One ARM request with a real token, without the SDK's retry/registration policies."""
    token = credential(az).get_token(SCOPE).token
    return requests.request(
        method,
        f"{az.url}{path}",
        params={"api-version": "2025-04-01"},
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        verify=az.ca_bundle,
        timeout=30,
    )


def error_code(exc: Any) -> str:
    return str(exc.value.error.code)


def cmg_template() -> dict[str, Any]:
    """The tool's CMG template, as shipped."""
    return dict(json.loads((ROOT / "arm_templates" / "cmg.json").read_text()))


def cmg_parameters(name: str, tmp_path: Path) -> dict[str, Any]:
    pfx = make_pfx(tmp_path / "server.pfx", f"{name}.westeurope.cloudapp.azure.com", "pfx-pw")
    secret = {"data": base64.b64encode(pfx.read_bytes()).decode(), "dataType": "pfx",
              "password": "pfx-pw"}  # fmt: skip
    values: dict[str, Any] = {
        "cmgName": name,
        "serverCertificateSecret": base64.b64encode(json.dumps(secret).encode()).decode(),
        "dscPackageSasToken": "sv=2024-08-04&sr=b&sp=r&sig=dGVzdA%3D%3D",
        "dscPackageHash": "0" * 64,
        "dscScript": "CmgStandIn.ps1",
        "dscFunction": "CmgStandIn",
        "adminPassword": "Aa1!-a-generated-test-password",
    }
    return {key: {"value": value} for key, value in values.items()}
