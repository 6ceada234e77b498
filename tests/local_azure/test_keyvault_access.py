"""Key Vault access for a scale set's managed identity in the local Azure: access policies
(in the vault and through vaults/accessPolicies add/replace/remove) and the secrets data
plane, with tokens from the managed-identity endpoint and the unmodified SDKs."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from rm_lab import clients, credential

from mocks import LocalAzure

KV_API = "2023-07-01"
VMSS_API = "2024-07-01"
ST_API = "2025-01-01"
DATA_API = "7.4"


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE is preset on this machine
    return session


def _mi_token(az: LocalAzure, principal: str) -> str:
    answer = _session().get(
        az.endpoint["identity_endpoint"],
        params={
            "resource": "https://vault.azure.net",
            "api-version": "2019-08-01",
            "principal_id": principal,
        },
        headers={"X-IDENTITY-HEADER": az.endpoint["identity_header"]},
        verify=az.ca_bundle,
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


def _read_secret(az: LocalAzure, vault: str, name: str, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return _session().get(
        f"{az.url}/keyvault/{vault}/secrets/{name}",
        params={"api-version": DATA_API},
        headers=headers,
        verify=az.ca_bundle,
        timeout=30,
    )


def _template(vault: str, account: str) -> dict[str, Any]:
    ref = "resourceId('Microsoft.Compute/virtualMachineScaleSets', 'kvvmss')"
    vmss_id = f"[{ref}]"
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"adminPassword": {"type": "securestring"}},
        "resources": [
            {
                "type": "Microsoft.Storage/storageAccounts",
                "apiVersion": ST_API,
                "name": account,
                "location": "westeurope",
                "kind": "StorageV2",
                "sku": {"name": "Standard_LRS"},
            },
            {
                "type": "Microsoft.KeyVault/vaults",
                "apiVersion": KV_API,
                "name": vault,
                "location": "westeurope",
                "properties": {
                    "tenantId": "[subscription().tenantId]",
                    "sku": {"family": "A", "name": "standard"},
                    "accessPolicies": [],
                },
            },
            {
                "type": "Microsoft.KeyVault/vaults/secrets",
                "apiVersion": KV_API,
                "name": f"{vault}/storage-connection",
                "dependsOn": [vault, account],
                "properties": {
                    "value": "[format('DefaultEndpointsProtocol=https;AccountName={0};AccountKey={1};EndpointSuffix=core.windows.net', '"
                    + account
                    + "', listKeys(resourceId('Microsoft.Storage/storageAccounts', '"
                    + account
                    + f"'), '{ST_API}').keys[0].value)]"
                },
            },
            {
                "type": "Microsoft.KeyVault/vaults/secrets",
                "apiVersion": KV_API,
                "name": f"{vault}/admin-password",
                "dependsOn": [vault],
                "properties": {"value": "[parameters('adminPassword')]"},
            },
            {
                "type": "Microsoft.Compute/virtualMachineScaleSets",
                "apiVersion": VMSS_API,
                "name": "kvvmss",
                "location": "westeurope",
                "identity": {"type": "SystemAssigned"},
                "sku": {"name": "Standard_D2s_v5", "tier": "Standard", "capacity": 1},
                "properties": {
                    "upgradePolicy": {"mode": "Manual"},
                    "virtualMachineProfile": {
                        "osProfile": {
                            "computerNamePrefix": "kvvmss",
                            "adminUsername": "cmgadmin",
                            "adminPassword": "[parameters('adminPassword')]",
                        },
                        "storageProfile": {
                            "imageReference": {
                                "publisher": "MicrosoftWindowsServer",
                                "offer": "WindowsServer",
                                "sku": "2022-datacenter-azure-edition",
                                "version": "latest",
                            }
                        },
                    },
                },
            },
            {
                "type": "Microsoft.KeyVault/vaults/accessPolicies",
                "apiVersion": KV_API,
                "name": f"{vault}/add",
                "dependsOn": [vault, vmss_id],
                "properties": {
                    "accessPolicies": [
                        {
                            "tenantId": f"[reference({ref}, '{VMSS_API}', 'Full').identity.tenantId]",
                            "objectId": f"[reference({ref}, '{VMSS_API}', 'Full').identity.principalId]",
                            "permissions": {"secrets": ["get"]},
                        }
                    ]
                },
            },
        ],
        "outputs": {
            "principal": {
                "type": "string",
                "value": f"[reference({ref}, '{VMSS_API}', 'Full').identity.principalId]",
            }
        },
    }


@pytest.fixture(scope="module")
def deployed(local_azure: LocalAzure) -> dict[str, Any]:
    rm, dm = clients(local_azure)
    group = f"kvacc-{uuid.uuid4().hex[:8]}"
    rm.resource_groups.create_or_update(group, {"location": "westeurope"})
    vault = f"kv{uuid.uuid4().hex[:12]}"
    account = f"st{uuid.uuid4().hex[:12]}"
    password = f"Pw-{uuid.uuid4().hex}!"
    body = {
        "properties": {
            "template": _template(vault, account),
            "parameters": {"adminPassword": {"value": password}},
            "mode": "Incremental",
        }
    }
    result = dm.deployments.begin_create_or_update(group, "kv", body).result()
    assert result.properties.provisioning_state == "Succeeded"
    sub = local_azure.identity.subscription_id
    return {
        "rm": rm,
        "group": group,
        "vault": vault,
        "vault_id": f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{vault}",
        "account_id": f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/{account}",
        "account": account,
        "password": password,
        "principal": result.properties.outputs["principal"]["value"],
    }


def test_scale_set_identity_reads_both_secrets(
    deployed: dict[str, Any], local_azure: LocalAzure
) -> None:
    from azure.core.rest import HttpRequest

    token = _mi_token(local_azure, deployed["principal"])
    password = _read_secret(local_azure, deployed["vault"], "admin-password", token)
    assert password.status_code == 200, password.text
    bundle = password.json()
    assert bundle["value"] == deployed["password"]
    assert bundle["id"].startswith(
        f"https://{deployed['vault']}.vault.azure.net/secrets/admin-password/"
    )
    assert bundle["attributes"]["enabled"] is True
    rm = deployed["rm"]
    keys = rm.send_request(
        HttpRequest("POST", f"{deployed['account_id']}/listKeys?api-version={ST_API}")
    ).json()["keys"]
    connection = _read_secret(local_azure, deployed["vault"], "storage-connection", token).json()
    assert connection["value"] == (
        f"DefaultEndpointsProtocol=https;AccountName={deployed['account']};"
        f"AccountKey={keys[0]['value']};EndpointSuffix=core.windows.net"
    )
    vault = rm.resources.get_by_id(deployed["vault_id"], api_version=KV_API)
    policies = vault.properties["accessPolicies"]
    assert [(p["objectId"], p["permissions"]) for p in policies] == [
        (deployed["principal"], {"secrets": ["get"]})
    ]
    log = (local_azure.state_dir / "requests.jsonl").read_text()
    assert deployed["password"] not in log and keys[0]["value"] not in log


def test_another_principal_gets_key_vaults_403(
    deployed: dict[str, Any], local_azure: LocalAzure
) -> None:
    token = credential(local_azure).get_token("https://vault.azure.net/.default").token
    answer = _read_secret(local_azure, deployed["vault"], "admin-password", token)
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["code"] == "Forbidden" and error["innererror"] == {"code": "AccessDenied"}
    assert "does not have secrets get permission on key vault" in error["message"]
    assert f"'{deployed['vault']};location=westeurope'" in error["message"]
    assert deployed["password"] not in answer.text


def test_no_token_and_wrong_audience_are_401_with_the_challenge(
    deployed: dict[str, Any], local_azure: LocalAzure
) -> None:
    bare = _read_secret(local_azure, deployed["vault"], "admin-password", None)
    assert bare.status_code == 401
    assert bare.json()["error"]["code"] == "Unauthorized"
    challenge = bare.headers["WWW-Authenticate"]
    assert 'resource="https://vault.azure.net"' in challenge
    assert f"/{local_azure.identity.tenant_id}" in challenge
    arm = credential(local_azure).get_token("https://management.azure.com/.default").token
    wrong = _read_secret(local_azure, deployed["vault"], "admin-password", arm)
    assert wrong.status_code == 401 and "AKV10022" in wrong.json()["error"]["message"]


def test_missing_secret_is_secret_not_found(
    deployed: dict[str, Any], local_azure: LocalAzure
) -> None:
    token = _mi_token(local_azure, deployed["principal"])
    answer = _read_secret(local_azure, deployed["vault"], "nosuchsecret", token)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "SecretNotFound"


def test_access_policy_add_replace_remove(
    deployed: dict[str, Any], local_azure: LocalAzure
) -> None:
    rm = deployed["rm"]
    other = str(uuid.uuid4())
    tenant = local_azure.identity.tenant_id

    def change(kind: str, perms: dict[str, list[str]]) -> list[dict[str, Any]]:
        rm.resources.begin_create_or_update_by_id(
            f"{deployed['vault_id']}/accessPolicies/{kind}",
            api_version=KV_API,
            parameters={
                "properties": {
                    "accessPolicies": [
                        {"tenantId": tenant, "objectId": other, "permissions": perms}
                    ]
                }
            },
        ).result()
        vault = rm.resources.get_by_id(deployed["vault_id"], api_version=KV_API)
        return [p for p in vault.properties["accessPolicies"] if p["objectId"] == other]

    assert change("add", {"secrets": ["get"]})[0]["permissions"] == {"secrets": ["get"]}
    assert change("add", {"secrets": ["list"], "keys": ["get"]})[0]["permissions"] == {
        "secrets": ["get", "list"],
        "keys": ["get"],
    }
    assert change("replace", {"secrets": ["set"]})[0]["permissions"] == {"secrets": ["set"]}
    assert change("remove", {"secrets": ["set"]}) == []
    # the scale set's own entry was never touched
    vault = rm.resources.get_by_id(deployed["vault_id"], api_version=KV_API)
    assert [p["objectId"] for p in vault.properties["accessPolicies"]] == [deployed["principal"]]


def test_access_policy_operation_kind_must_be_add_replace_or_remove(
    deployed: dict[str, Any], local_azure: LocalAzure
) -> None:
    from azure.core.exceptions import HttpResponseError

    rm = deployed["rm"]
    with pytest.raises(HttpResponseError) as exc:
        rm.resources.begin_create_or_update_by_id(
            f"{deployed['vault_id']}/accessPolicies/merge",
            api_version=KV_API,
            parameters={"properties": {"accessPolicies": []}},
        ).result()
    assert exc.value.status_code == 400
