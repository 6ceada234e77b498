"""The Blob side of the Azure boundary against the local Blob service: the package upload
into an account whose container is missing, and the run lease's blob made on the
acquire's 404."""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any

import pytest
import requests
from azure.identity import ClientSecretCredential

from cmgdeploy.services.azure.blob import upload_if_changed
from cmgdeploy.services.azure.lease import BlobLease
from mocks import LocalAzure
from mocks.core import requestlog

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
    """A new storage account without any container: (name, blob endpoint, key1)."""
    sub = local_azure.identity.subscription_id
    group = f"/subscriptions/{sub}/resourcegroups/blobboundary"
    assert _arm(local_azure, "PUT", group, {"location": "westeurope"}).ok
    name = "bb" + uuid.uuid4().hex[:16]
    path = f"{group}/providers/Microsoft.Storage/storageAccounts/{name}"
    body = {"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    made = _arm(local_azure, "PUT", path, body)
    assert made.status_code in (200, 201), made.text
    key = _arm(local_azure, "POST", f"{path}/listKeys").json()["keys"][0]["value"]
    return name, made.json()["properties"]["primaryEndpoints"]["blob"], key


def test_a_new_accounts_upload_makes_a_missing_container(
    local_azure: LocalAzure, account: tuple[str, str, str]
) -> None:
    name, endpoint, key = account
    data = b"PK package"
    md5 = hashlib.md5(data).digest()  # Content-MD5 is MD5 by definition
    args = (endpoint, name, key, "cmgdsc", "cmgdsc.zip", data, md5)
    # The account is "new" (no read first), but nothing made its container: the put's
    # 404 makes it, and the put goes through.
    assert upload_if_changed(*args, ca_bundle=str(local_azure.ca_bundle), new_account=True)
    # The same content again, in a known account: read, same MD5, no upload.
    assert not upload_if_changed(*args, ca_bundle=str(local_azure.ca_bundle))


def test_the_lease_blob_is_made_on_the_acquires_404_naming_its_holder(
    local_azure: LocalAzure, account: tuple[str, str, str]
) -> None:
    name, endpoint, key = account

    def lease() -> BlobLease:
        return BlobLease(
            endpoint, name, key, "cmgdeploy-lease", "run", ca_bundle=str(local_azure.ca_bundle)
        )

    first, second = lease(), lease()
    assert first.acquire(15, {"host": "a", "pid": "1"})  # 404: container, blob, acquire
    assert second.holder() == {"host": "a", "pid": "1"}  # named by the blob's creation
    assert not second.acquire(15, {"host": "b", "pid": "2"})  # held
    first.release()
    assert second.acquire(15, {"host": "b", "pid": "2"})  # the blob exists: acquire, name
    assert first.holder() == {"host": "b", "pid": "2"}
    second.release()


def test_a_busy_blob_service_is_waited_out_by_its_retry_after(
    local_azure: LocalAzure, account: tuple[str, str, str]
) -> None:
    name, endpoint, key = account
    data = b"PK package"
    md5 = hashlib.md5(data).digest()
    args = (endpoint, name, key, "cmgdsc", "cmgdsc.zip", data, md5)
    ca_bundle = str(local_azure.ca_bundle)
    assert upload_if_changed(*args, ca_bundle=ca_bundle, new_account=True)
    mark = len(requestlog.read(local_azure.state_dir))
    local_azure.cloud.faults.set({"seed": 3, "p503": 0.6, "retry_after": 1, "scope": "all"})
    try:
        started = time.monotonic()
        assert not upload_if_changed(*args, ca_bundle=ca_bundle)  # read, same MD5
        took = time.monotonic() - started
    finally:
        local_azure.cloud.faults.set({})
    answers = [e["status"] for e in requestlog.read(local_azure.state_dir, mark)]
    assert answers[-1] == 200 and answers.count(503) >= 1, answers
    # Each 503 waited its Retry-After (1 s), not the Storage SDK's own 15 s backoff.
    assert answers.count(503) - 0.5 <= took < answers.count(503) + 5, (took, answers)
