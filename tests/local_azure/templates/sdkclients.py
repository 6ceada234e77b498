"""SDK clients for the tests' shared local Azure (TLS verified against its CA)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from azure.identity import ClientSecretCredential
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient

from mocks import LocalAzure, read_endpoint

SCOPE = "https://management.azure.com/.default"


@dataclass
class Clients:
    """The resource and deployment clients, plus the ids templates see."""

    resources: ResourceManagementClient
    deployments: DeploymentsMgmtClient
    subscription_id: str
    tenant_id: str


def sdk_clients(local_azure: LocalAzure) -> Clients:
    ep = read_endpoint(local_azure.state_dir)
    assert ep is not None
    credential = ClientSecretCredential(
        ep["tenant_id"], ep["client_id"], ep["client_secret"], authority=ep["url"],
        disable_instance_discovery=True, connection_verify=ep["ca_bundle"],
    )  # fmt: skip
    kw: dict[str, Any] = {"base_url": ep["url"], "credential_scopes": [SCOPE],
                          "connection_verify": ep["ca_bundle"], "polling_interval": 0.05}  # fmt: skip
    sub = ep["subscription_id"]
    return Clients(
        ResourceManagementClient(credential, sub, **kw),
        DeploymentsMgmtClient(credential, sub, **kw),
        sub,
        ep["tenant_id"],
    )


def storage_key(local_azure: LocalAzure, account_id: str) -> str:
    """key1 of a storage account (POST …/listKeys over verified TLS)."""
    import requests

    ep = read_endpoint(local_azure.state_dir)
    assert ep is not None
    credential = ClientSecretCredential(
        ep["tenant_id"], ep["client_id"], ep["client_secret"], authority=ep["url"],
        disable_instance_discovery=True, connection_verify=ep["ca_bundle"],
    )  # fmt: skip
    token = credential.get_token(SCOPE).token
    answer = requests.post(
        f"{ep['url']}{account_id}/listKeys?api-version=2023-01-01",
        headers={"Authorization": f"Bearer {token}"},
        verify=ep["ca_bundle"],
        timeout=30,
    )
    answer.raise_for_status()
    return str(answer.json()["keys"][0]["value"])
