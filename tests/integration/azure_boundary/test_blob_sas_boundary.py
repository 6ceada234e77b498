"""The package's Blob REST path against the local Azure: service SAS tokens from ARM's
ListServiceSas (no account key in the client) used by cmgdeploy's Put Blob and Get Blob
Properties; what the action and the Blob service refuse."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

import pytest
import requests
from azure.identity import ClientSecretCredential

from cmgdeploy.domain.errors import AzureError
from cmgdeploy.services.azure.blobsas import blob_url, held_md5, put_block_blob, sas_parameters
from mocks import LocalAzure

SCOPE = "https://management.azure.com/.default"
API = "2023-05-01"


def _arm(az: LocalAzure, method: str, path: str, body: Any = None) -> requests.Response:
    ident = az.identity
    credential = ClientSecretCredential(
        ident.tenant_id,
        ident.client_id,
        ident.client_secret,
        authority=az.url,
        connection_verify=az.ca_bundle,
        disable_instance_discovery=True,
    )
    token = credential.get_token(SCOPE).token
    return requests.request(
        method,
        f"{az.url}{path}",
        params={"api-version": API},
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        verify=az.ca_bundle,
        timeout=30,
    )


@pytest.fixture()
def account(local_azure: LocalAzure) -> tuple[str, str, str]:
    """A new storage account with a container ``pkg``: (name, account id, blob endpoint)."""
    sub = local_azure.identity.subscription_id
    group = f"/subscriptions/{sub}/resourcegroups/blobsas"
    assert _arm(local_azure, "PUT", group, {"location": "westeurope"}).ok
    name = "bs" + uuid.uuid4().hex[:16]
    path = f"{group}/providers/Microsoft.Storage/storageAccounts/{name}"
    body = {"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    made = _arm(local_azure, "PUT", path, body)
    assert made.status_code in (200, 201), made.text
    container = f"{path}/blobServices/default/containers/pkg"
    assert _arm(local_azure, "PUT", container, {"properties": {}}).status_code in (200, 201)
    return name, path, made.json()["properties"]["primaryEndpoints"]["blob"]


def _expiry(hours: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sas(az: LocalAzure, rid: str, body: dict[str, str]) -> str:
    answer = _arm(az, "POST", f"{rid}/ListServiceSas", body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["serviceSasToken"])


def test_a_write_sas_puts_and_a_read_sas_reads_the_md5(
    local_azure: LocalAzure, account: tuple[str, str, str]
) -> None:
    name, rid, endpoint = account
    ca = str(local_azure.ca_bundle)
    url = blob_url(endpoint, "pkg", "p.zip")
    read = _sas(local_azure, rid, sas_parameters(name, "pkg", "p.zip", "r", _expiry(1)))
    write = _sas(local_azure, rid, sas_parameters(name, "pkg", "p.zip", "w", _expiry(1)))
    assert held_md5(url, read, "reading", ca_bundle=ca) is None  # not there yet
    data = b"PK package"
    md5 = hashlib.md5(data).digest()  # Content-MD5 is MD5 by definition
    put_block_blob(url, write, data, md5, "uploading", ca_bundle=ca)
    assert held_md5(url, read, "reading", ca_bundle=ca) == md5
    got = requests.get(f"{url}?{read}", verify=ca, timeout=30)
    assert got.content == data
    assert got.headers["Content-Type"] == "application/zip"
    # The read SAS cannot write; a Content-MD5 that is not the body's is refused.
    with pytest.raises(AzureError) as refused:
        put_block_blob(url, read, b"changed", md5, "uploading", ca_bundle=ca)
    assert refused.value.code == "AuthorizationPermissionMismatch"
    with pytest.raises(AzureError) as corrupt:
        put_block_blob(url, write, b"changed", md5, "uploading", ca_bundle=ca)
    assert corrupt.value.code == "Md5Mismatch"
    # A SAS for another blob does not read this one.
    other = _sas(local_azure, rid, sas_parameters(name, "pkg", "other.zip", "r", _expiry(1)))
    with pytest.raises(AzureError) as wrong:
        held_md5(url, other, "reading", ca_bundle=ca)
    assert wrong.value.code == "AuthenticationFailed"


def test_a_missing_container_is_named(
    local_azure: LocalAzure, account: tuple[str, str, str]
) -> None:
    name, rid, endpoint = account
    url = blob_url(endpoint, "gone", "p.zip")
    write = _sas(local_azure, rid, sas_parameters(name, "gone", "p.zip", "w", _expiry(1)))
    with pytest.raises(AzureError) as missing:
        put_block_blob(url, write, b"x", hashlib.md5(b"x").digest(), "uploading",
                       ca_bundle=str(local_azure.ca_bundle))  # fmt: skip
    assert missing.value.code == "ContainerNotFound"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"signedResource": "x"}, "signedResource"),
        ({"signedPermission": "rz"}, "signedPermission"),
        ({"signedPermission": ""}, "signedPermission"),
        ({"signedProtocol": "http"}, "signedProtocol"),
        ({"signedExpiry": "next year"}, "signedExpiry"),
        ({"keyToSign": "key3"}, "keyToSign"),
        ({"canonicalizedResource": "/blob/someoneelse/pkg/p.zip"}, "canonicalizedResource"),
        ({"signedResource": "c"}, "canonicalizedResource"),  # a blob path for sr=c
    ],
)
def test_list_service_sas_refuses_what_azure_refuses(
    local_azure: LocalAzure, account: tuple[str, str, str], change: dict[str, str], field: str
) -> None:
    name, rid, _ = account
    body = {**sas_parameters(name, "pkg", "p.zip", "r", _expiry(1)), **change}
    answer = _arm(local_azure, "POST", f"{rid}/ListServiceSas", body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "InvalidValuesForRequestParameters"
    assert error["message"] == f"Values for request parameters are invalid: {field}."
