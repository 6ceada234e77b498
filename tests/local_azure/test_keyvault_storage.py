"""Key Vault and Storage resource types of the local Azure (unit level, no server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from registry_lab import delete, put

from mocks.core.cloud import Cloud
from mocks.core.errors import ArmError
from mocks.keyvault import models as kv
from mocks.storage import models as st

SUB = "00000000-0000-0000-0000-000000000001"
OTHER_SUB = "00000000-0000-0000-0000-000000000002"


def rid(name: str, type_path: str, sub: str = SUB, rg: str = "rg1") -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{type_path}/{name}"


@pytest.fixture
def cloud(tmp_path: Path) -> Cloud:
    return Cloud(tmp_path / "state")


def code_of(exc: pytest.ExceptionInfo[ArmError]) -> tuple[int, str]:
    return exc.value.status, exc.value.code


# -- storage ---------------------------------------------------------------------------------
def test_storage_account_gets_endpoints_and_defaults(cloud: Cloud) -> None:
    body = put(
        cloud,
        st.StorageAccount.type_name,
        rid("cmgstore1", "Microsoft.Storage/storageAccounts"),
        {},
    )
    props = body["properties"]
    assert props["primaryEndpoints"]["blob"] == "https://cmgstore1.blob.core.windows.net/"
    assert props["primaryLocation"] == "westeurope"
    assert body["sku"] == {"name": "Standard_LRS", "tier": "Standard"}
    assert body["kind"] == "StorageV2"
    assert props["provisioningState"] == "Creating"


@pytest.mark.parametrize("name", ["ab", "UpperCase1", "with-dash", "a" * 25])
def test_storage_account_bad_name_is_account_name_invalid(cloud: Cloud, name: str) -> None:
    with pytest.raises(ArmError) as exc:
        put(cloud, st.StorageAccount.type_name, rid(name, "Microsoft.Storage/storageAccounts"), {})
    assert code_of(exc) == (400, "AccountNameInvalid")
    assert st.check_name_availability(cloud, name)["reason"] == "AccountNameInvalid"


def test_storage_name_is_global_owner_may_reput_and_delete_frees(cloud: Cloud) -> None:
    mine = rid("cmgshared", "Microsoft.Storage/storageAccounts")
    theirs = rid("cmgshared", "Microsoft.Storage/storageAccounts", sub=OTHER_SUB, rg="x")
    put(cloud, st.StorageAccount.type_name, mine, {})
    put(cloud, st.StorageAccount.type_name, mine, {"tags": {"a": "b"}})  # owner re-PUT
    with pytest.raises(ArmError) as exc:
        put(cloud, st.StorageAccount.type_name, theirs, {})
    assert code_of(exc) == (409, "StorageAccountAlreadyTaken")
    assert exc.value.message == "The storage account named cmgshared is already taken."
    check = st.check_name_availability(cloud, "cmgshared")
    assert check["nameAvailable"] is False and check["reason"] == "AlreadyExists"
    delete(cloud, mine)
    assert st.check_name_availability(cloud, "cmgshared") == {"nameAvailable": True}
    put(cloud, st.StorageAccount.type_name, theirs, {})


# -- key vault ---------------------------------------------------------------------------------
def vault(cloud: Cloud, name: str, sub: str = SUB, **props: Any) -> dict[str, Any]:
    return put(
        cloud,
        kv.Vault.type_name,
        rid(name, "Microsoft.KeyVault/vaults", sub=sub),
        {"properties": {"tenantId": "t", "sku": {"family": "A", "name": "standard"}, **props}},
    )


def test_vault_uri_and_defaults(cloud: Cloud) -> None:
    body = vault(cloud, "CmgVault1", enabledForDeployment=True)
    assert body["properties"]["vaultUri"] == "https://cmgvault1.vault.azure.net/"
    assert body["properties"]["enabledForDeployment"] is True
    assert body["properties"]["enableSoftDelete"] is True


@pytest.mark.parametrize("name", ["ab", "1abc", "abc-", "a--b", "a" * 25, "under_score"])
def test_vault_bad_name_is_vault_name_not_valid(cloud: Cloud, name: str) -> None:
    with pytest.raises(ArmError) as exc:
        vault(cloud, name)
    assert code_of(exc) == (400, "VaultNameNotValid")
    assert kv.check_name_availability(cloud, name)["reason"] == "AccountNameInvalid"


def test_vault_name_global_and_held_after_soft_delete(cloud: Cloud) -> None:
    body = vault(cloud, "cmgvault")
    with pytest.raises(ArmError) as exc:
        vault(cloud, "CMGVAULT", sub=OTHER_SUB)
    assert code_of(exc) == (409, "VaultAlreadyExists")
    delete(cloud, body["id"])
    assert kv.check_name_availability(cloud, "cmgvault")["reason"] == "AlreadyExists"
    with pytest.raises(ArmError):
        vault(cloud, "cmgvault", sub=OTHER_SUB)
    # The same subscription conflicts unless it asks to recover it.
    with pytest.raises(ArmError) as exc:
        vault(cloud, "cmgvault")
    assert code_of(exc) == (409, "ConflictError")
    vault(cloud, "cmgvault", createMode="recover")
    assert cloud.store.doc_get(kv.DELETED, "cmgvault") is None


def secret(cloud: Cloud, vault_name: str, name: str, value: str | None) -> dict[str, Any]:
    props = {} if value is None else {"value": value}
    sid = rid(vault_name, "Microsoft.KeyVault/vaults") + f"/secrets/{name}"
    return put(cloud, kv.Secret.type_name, sid, {"properties": props})


def test_secret_value_never_returned_and_versions_follow_value(cloud: Cloud) -> None:
    vault(cloud, "cmgvault2")
    first = secret(cloud, "cmgvault2", "servercert", "s3cr3t-value")
    stored = cloud.store.resource_get(first["id"])
    assert stored is not None and "s3cr3t-value" not in str(stored)
    uri = first["properties"]["secretUri"]
    assert uri == "https://cmgvault2.vault.azure.net/secrets/servercert"
    v1 = first["properties"]["secretUriWithVersion"]
    assert v1.startswith(uri + "/") and len(v1.rsplit("/", 1)[1]) == 32
    same = secret(cloud, "cmgvault2", "servercert", "s3cr3t-value")
    assert same["properties"]["secretUriWithVersion"] == v1
    changed = secret(cloud, "cmgvault2", "servercert", "other")
    assert changed["properties"]["secretUriWithVersion"] != v1


def test_secret_without_vault_is_parent_not_found(cloud: Cloud) -> None:
    with pytest.raises(ArmError) as exc:
        secret(cloud, "novault", "s", "v")
    assert code_of(exc) == (404, "ParentResourceNotFound")


# -- through the real server with the unmodified SDK -----------------------------------------
@pytest.fixture(scope="module")
def sdk(local_azure: Any) -> Any:
    """(ResourceManagementClient, subscription, group) against the session's local Azure."""
    import uuid

    from azure.identity import ClientSecretCredential
    from azure.mgmt.resource.resources import ResourceManagementClient

    ident = local_azure.identity
    cred = ClientSecretCredential(
        ident.tenant_id,
        ident.client_id,
        ident.client_secret,
        authority=local_azure.url,
        disable_instance_discovery=True,
        connection_verify=local_azure.ca_bundle,
    )
    rm = ResourceManagementClient(
        cred,
        ident.subscription_id,
        base_url=local_azure.url,
        credential_scopes=["https://management.azure.com/.default"],
        connection_verify=local_azure.ca_bundle,
        polling_interval=0.05,
    )
    group = f"kvs-{uuid.uuid4().hex[:8]}"
    rm.resource_groups.create_or_update(group, {"location": "westeurope"})
    rm.providers.register("Microsoft.KeyVault")
    return rm, ident.subscription_id, group


def _check_name(rm: Any, sub: str, namespace: str, type_name: str, name: str) -> dict[str, Any]:
    from azure.core.rest import HttpRequest

    request = HttpRequest(
        "POST",
        f"/subscriptions/{sub}/providers/{namespace}/checkNameAvailability?api-version=2023-05-01",
        json={"name": name, "type": type_name},
    )
    response = rm.send_request(request)
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def test_sdk_storage_account_and_name_checks(sdk: Any) -> None:
    import uuid

    from azure.core.exceptions import HttpResponseError

    rm, sub, group = sdk
    name = f"cmg{uuid.uuid4().hex[:12]}"
    check = _check_name(rm, sub, "Microsoft.Storage", "Microsoft.Storage/storageAccounts", name)
    assert check["nameAvailable"] is True
    rid = f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/{name}"
    body = {"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    made = rm.resources.begin_create_or_update_by_id(
        rid, api_version="2023-05-01", parameters=body
    ).result()
    # The local Blob service, path-style (test_blob.py covers it).
    blob = made.properties["primaryEndpoints"]["blob"]
    assert blob.startswith("https://127.0.0.1:") and blob.endswith(f"/{name}/")
    check = _check_name(rm, sub, "Microsoft.Storage", "Microsoft.Storage/storageAccounts", name)
    assert (check["nameAvailable"], check["reason"]) == (False, "AlreadyExists")
    other = f"/subscriptions/{sub}/resourceGroups/{group}x/providers/Microsoft.Storage/storageAccounts/{name}"
    rm.resource_groups.create_or_update(group + "x", {"location": "westeurope"})
    with pytest.raises(HttpResponseError) as exc:
        rm.resources.begin_create_or_update_by_id(
            other, api_version="2023-05-01", parameters=body
        ).result()
    assert exc.value.status_code == 409 and exc.value.error.code == "StorageAccountAlreadyTaken"
    bad = _check_name(rm, sub, "Microsoft.Storage", "Microsoft.Storage/storageAccounts", "Bad-Name")
    assert bad["reason"] == "AccountNameInvalid"


def test_sdk_vault_secret_and_name_checks(sdk: Any) -> None:
    import uuid

    from azure.core.exceptions import HttpResponseError

    rm, sub, group = sdk
    name = f"cmgkv{uuid.uuid4().hex[:10]}"
    vid = f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{name}"
    props = {"tenantId": sub, "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}
    body = {"location": "westeurope", "properties": {**props, "enabledForDeployment": True}}
    made = rm.resources.begin_create_or_update_by_id(
        vid, api_version="2023-07-01", parameters=body
    ).result()
    assert made.properties["vaultUri"] == f"https://{name}.vault.azure.net/"
    secret = rm.resources.begin_create_or_update_by_id(
        vid + "/secrets/servercert",
        api_version="2023-07-01",
        parameters={"properties": {"value": "pfx-secret-value"}},
    ).result()
    read = rm.resources.get_by_id(vid + "/secrets/servercert", api_version="2023-07-01")
    assert "value" not in read.properties
    assert read.properties["secretUriWithVersion"] == secret.properties["secretUriWithVersion"]
    check = _check_name(rm, sub, "Microsoft.KeyVault", "Microsoft.KeyVault/vaults", name)
    assert (check["nameAvailable"], check["reason"]) == (False, "AlreadyExists")
    rm.resource_groups.create_or_update(group + "y", {"location": "westeurope"})
    other = vid.replace(f"/resourceGroups/{group}/", f"/resourceGroups/{group}y/")
    with pytest.raises(HttpResponseError) as exc:
        rm.resources.begin_create_or_update_by_id(
            other, api_version="2023-07-01", parameters=body
        ).result()
    assert exc.value.status_code == 409 and exc.value.error.code == "VaultAlreadyExists"
