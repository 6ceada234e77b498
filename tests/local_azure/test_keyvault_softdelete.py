"""Key Vault soft delete through the real server and the unmodified SDK pipeline:
deletedVaults list/get, purge (202 + Location), the name held until purged, recover."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.polling import LROPoller
from azure.core.rest import HttpRequest

API = "2023-07-01"


@pytest.fixture()
def rm(local_azure: Any) -> Any:
    from azure.identity import ClientSecretCredential
    from azure.mgmt.resource.resources import ResourceManagementClient

    ident = local_azure.identity
    cred = ClientSecretCredential(ident.tenant_id, ident.client_id, ident.client_secret,
                                  authority=local_azure.url, disable_instance_discovery=True,
                                  connection_verify=local_azure.ca_bundle)  # fmt: skip
    return ResourceManagementClient(cred, ident.subscription_id, base_url=local_azure.url,
                                    credential_scopes=["https://management.azure.com/.default"],
                                    connection_verify=local_azure.ca_bundle,
                                    polling_interval=0.05)  # fmt: skip


def _send(rm: Any, method: str, path: str, body: Any = None) -> Any:
    return rm.send_request(HttpRequest(method, f"{path}?api-version={API}", json=body))


def _register(rm: Any, namespace: str) -> None:
    rm.providers.register(namespace)
    deadline = time.monotonic() + 30
    while rm.providers.get(namespace).registration_state != "Registered":
        assert time.monotonic() < deadline, f"{namespace} never registered"
        time.sleep(0.02)  # polling a condition


def _vault(rm: Any, sub: str, tags: dict[str, str], **props: Any) -> tuple[str, str, dict]:
    group = f"kvsd-{uuid.uuid4().hex[:8]}"
    rm.resource_groups.create_or_update(group, {"location": "westeurope"})
    _register(rm, "Microsoft.KeyVault")
    name = f"kvsd{uuid.uuid4().hex[:10]}"
    vid = f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{name}"
    body = {"location": "westeurope", "tags": tags,
            "properties": {"tenantId": sub, "sku": {"family": "A", "name": "standard"},
                           "accessPolicies": [], **props}}  # fmt: skip
    rm.resources.begin_create_or_update_by_id(vid, api_version=API, parameters=body).result()
    rm.resources.begin_delete_by_id(vid, api_version=API).result()
    return name, vid, body


def _available(rm: Any, sub: str, name: str) -> bool:
    path = f"/subscriptions/{sub}/providers/Microsoft.KeyVault/checkNameAvailability"
    return bool(_send(rm, "POST", path, {"name": name}).json()["nameAvailable"])


def test_deleted_vault_is_listed_holds_its_name_and_purge_frees_it(
    rm: Any, local_azure: Any
) -> None:
    sub = local_azure.identity.subscription_id
    name, vid, body = _vault(rm, sub, {"cmgdeploy-cmg": "x"})
    listed = _send(rm, "GET", f"/subscriptions/{sub}/providers/Microsoft.KeyVault/deletedVaults")
    mine = [v for v in listed.json()["value"] if v["name"] == name]
    assert len(mine) == 1 and mine[0]["type"] == "Microsoft.KeyVault/deletedVaults"
    props = mine[0]["properties"]
    assert props["vaultId"] == vid and props["location"] == "westeurope"
    assert props["tags"] == {"cmgdeploy-cmg": "x"} and props["purgeProtectionEnabled"] is False
    assert props["scheduledPurgeDate"] > props["deletionDate"]
    one = _send(rm, "GET", mine[0]["id"])
    assert one.status_code == 200 and one.json() == mine[0]

    assert not _available(rm, sub, name)
    with pytest.raises(HttpResponseError) as exc:
        rm.resources.begin_create_or_update_by_id(vid, api_version=API, parameters=body).result()
    assert exc.value.status_code == 409 and exc.value.error.code == "ConflictError"
    assert "deleted state" in exc.value.error.message

    purge = _send(rm, "POST", mine[0]["id"] + "/purge")
    assert purge.status_code == 202 and "operationResults" in purge.headers["Location"]
    assert _available(rm, sub, name)
    gone = _send(rm, "GET", mine[0]["id"])
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "ResourceNotFound"
    again = rm.resources.begin_create_or_update_by_id(vid, api_version=API, parameters=body)
    assert isinstance(again, LROPoller) and again.result().name == name


def test_recover_and_purge_protection(rm: Any, local_azure: Any) -> None:
    sub = local_azure.identity.subscription_id
    name, vid, body = _vault(rm, sub, {}, enablePurgeProtection=True)
    deleted = f"/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/{name}"
    refused = _send(rm, "POST", deleted + "/purge")
    assert refused.status_code == 405 and refused.json()["error"]["code"] == "MethodNotAllowed"

    body["properties"]["createMode"] = "recover"
    made = rm.resources.begin_create_or_update_by_id(vid, api_version=API, parameters=body)
    assert "createMode" not in made.result().properties
    assert _send(rm, "GET", deleted).status_code == 404
