"""Storage account keys in the local Azure: listKeys/regenerateKey through the unmodified
SDK pipeline, and the template function listKeys() in a deployment."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from azure.core.rest import HttpRequest
from rm_lab import clients

from mocks import LocalAzure

API = "2025-01-01"
STORAGE = "Microsoft.Storage/storageAccounts"


@pytest.fixture()
def sdk(local_azure: LocalAzure) -> Any:
    return clients(local_azure)


def _send(rm: Any, method: str, path: str, body: Any = None) -> Any:
    return rm.send_request(HttpRequest(method, f"{path}?api-version={API}", json=body))


def _account(rm: Any, sub: str) -> tuple[str, str, str]:
    group = f"stk-{uuid.uuid4().hex[:8]}"
    rm.resource_groups.create_or_update(group, {"location": "westeurope"})
    name = f"stk{uuid.uuid4().hex[:12]}"
    rid = f"/subscriptions/{sub}/resourceGroups/{group}/providers/{STORAGE}/{name}"
    body = {"location": "westeurope", "kind": "StorageV2", "sku": {"name": "Standard_LRS"}}
    rm.resources.begin_create_or_update_by_id(rid, api_version=API, parameters=body).result()
    return group, name, rid


def test_list_keys_are_two_stable_full_keys_and_regenerate_replaces_one(
    sdk: Any, local_azure: LocalAzure
) -> None:
    rm, _ = sdk
    _group, _name, rid = _account(rm, local_azure.identity.subscription_id)
    first = _send(rm, "POST", rid + "/listKeys")
    assert first.status_code == 200
    keys = first.json()["keys"]
    assert [k["keyName"] for k in keys] == ["key1", "key2"]
    assert {k["permissions"] for k in keys} == {"FULL"}
    assert all(len(base64.b64decode(k["value"])) == 64 for k in keys)
    assert keys[0]["value"] != keys[1]["value"]
    assert _send(rm, "POST", rid + "/listKeys").json()["keys"] == keys  # stable

    regen = _send(rm, "POST", rid + "/regenerateKey", {"keyName": "key2"})
    assert regen.status_code == 200
    after = regen.json()["keys"]
    assert after[0] == keys[0] and after[1]["value"] != keys[1]["value"]
    assert _send(rm, "POST", rid + "/listKeys").json()["keys"] == after

    bad = _send(rm, "POST", rid + "/regenerateKey", {"keyName": "key3"})
    assert bad.status_code == 400


def test_list_keys_of_missing_account_is_404_and_keys_never_logged(
    sdk: Any, local_azure: LocalAzure
) -> None:
    rm, _ = sdk
    sub = local_azure.identity.subscription_id
    group, _name, rid = _account(rm, sub)
    missing = f"/subscriptions/{sub}/resourceGroups/{group}/providers/{STORAGE}/nosuchacct1"
    answer = _send(rm, "POST", missing + "/listKeys")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "ResourceNotFound"
    nogroup = f"/subscriptions/{sub}/resourceGroups/no-such-group/providers/{STORAGE}/x/listKeys"
    assert _send(rm, "POST", nogroup).json()["error"]["code"] == "ResourceGroupNotFound"
    keys = _send(rm, "POST", rid + "/listKeys").json()["keys"]
    log = (local_azure.state_dir / "requests.jsonl").read_text()
    assert "listKeys" in log
    assert all(k["value"] not in log for k in keys)


def test_template_list_keys_builds_a_connection_string(sdk: Any, local_azure: LocalAzure) -> None:
    rm, dm = sdk
    group = f"stkt-{uuid.uuid4().hex[:8]}"
    rm.resource_groups.create_or_update(group, {"location": "westeurope"})
    name = f"stkt{uuid.uuid4().hex[:12]}"
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": STORAGE,
                "apiVersion": API,
                "name": name,
                "location": "westeurope",
                "kind": "StorageV2",
                "sku": {"name": "Standard_LRS"},
            },
        ],
        "outputs": {
            "connection": {
                "type": "string",
                "value": "[format('DefaultEndpointsProtocol=https;AccountName={0};AccountKey={1};EndpointSuffix=core.windows.net', '"
                + name
                + "', listKeys(resourceId('Microsoft.Storage/storageAccounts', '"
                + name
                + "'), '"
                + API
                + "').keys[0].value)]",
            },
            "secondName": {
                "type": "string",
                "value": "[listKeys('" + name + "', '" + API + "').keys[1].keyName]",
            },
        },
    }
    body = {"properties": {"template": template, "mode": "Incremental"}}
    result = dm.deployments.begin_create_or_update(group, "keys", body).result()
    assert result.properties.provisioning_state == "Succeeded"
    rid = f"/subscriptions/{local_azure.identity.subscription_id}/resourceGroups/{group}/providers/{STORAGE}/{name}"
    key1 = _send(rm, "POST", rid + "/listKeys").json()["keys"][0]["value"]
    outputs = result.properties.outputs
    assert outputs["connection"]["value"].endswith(
        f"AccountName={name};AccountKey={key1};EndpointSuffix=core.windows.net"
    )
    assert outputs["secondName"]["value"] == "key2"


def test_template_list_action_without_provider_support_is_loud(
    sdk: Any, local_azure: LocalAzure
) -> None:
    rm, dm = sdk
    group = f"stku-{uuid.uuid4().hex[:8]}"
    rm.resource_groups.create_or_update(group, {"location": "westeurope"})
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": "Microsoft.Network/networkSecurityGroups",
                "apiVersion": "2024-05-01",
                "name": "nsg1",
                "location": "westeurope",
                "properties": {},
            }
        ],
        "outputs": {
            "x": {"type": "object", "value": "[listSecrets('nsg1', '2024-05-01')]"},
        },
    }
    body = {"properties": {"template": template, "mode": "Incremental"}}
    poller = dm.deployments.begin_create_or_update(group, "unsupported", body)
    with pytest.raises(Exception) as exc:
        poller.result()
    assert "listSecrets" in str(exc.value)
    assert "LocalAzureUnsupportedOperation" in str(exc.value)
    failed = dm.deployments.get(group, "unsupported").properties
    assert failed.provisioning_state == "Failed"
    assert failed.error.code == "LocalAzureUnsupportedOperation"
