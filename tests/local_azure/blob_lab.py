"""What the Blob service tests share: a storage account made through ARM, its key and
the unmodified azure-storage-blob SDK trusting the local CA explicitly."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from azure.storage.blob import BlobServiceClient
from rm_lab import raw

from mocks import LocalAzure

STORAGE_API = "Microsoft.Storage/storageAccounts"


@dataclass(frozen=True)
class Account:
    name: str
    id: str
    blob_endpoint: str  # primaryEndpoints.blob of the ARM account
    key: str
    ca_bundle: str

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=https;AccountName={self.name};AccountKey={self.key};"
            f"BlobEndpoint={self.blob_endpoint}"
        )

    def service(self, **kwargs: Any) -> BlobServiceClient:
        return BlobServiceClient.from_connection_string(
            self.connection_string, connection_verify=self.ca_bundle, **kwargs
        )


def make_account(
    az: LocalAzure, group: str = "blobtests", properties: dict[str, Any] | None = None
) -> Account:
    """A storage account created by an ARM PUT (as a deployment would) and its key1."""
    sub = az.identity.subscription_id
    assert raw(
        az, "PUT", f"/subscriptions/{sub}/resourcegroups/{group}", {"location": "westeurope"}
    ).ok
    name = "st" + uuid.uuid4().hex[:16]
    path = f"/subscriptions/{sub}/resourcegroups/{group}/providers/{STORAGE_API}/{name}"
    body = {"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
    if properties:
        body["properties"] = properties
    created = raw(az, "PUT", path, body)
    assert created.status_code in (200, 201), created.text
    account = created.json()
    listed = raw(az, "POST", f"{path}/listKeys")
    assert listed.status_code == 200, listed.text
    key = listed.json()["keys"][0]["value"]
    return Account(
        name=name,
        id=account["id"],
        blob_endpoint=account["properties"]["primaryEndpoints"]["blob"],
        key=key,
        ca_bundle=az.ca_bundle,
    )
