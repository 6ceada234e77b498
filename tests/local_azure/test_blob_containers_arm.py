"""Blob containers written through ARM (``blobServices/default/containers``) are the Blob
service's containers: a template can make the container a client then writes into."""

from __future__ import annotations

from blob_lab import make_account
from rm_lab import raw

from mocks import LocalAzure

API = "2023-05-01"


def test_an_arm_container_is_the_blob_services_own_and_is_deleted_with_it(
    local_azure: LocalAzure,
) -> None:
    account = make_account(local_azure, group="armcontainers")
    path = f"{account.id}/blobServices/default/containers/packages?api-version={API}"
    made = raw(local_azure, "PUT", path, {"properties": {}})
    assert made.status_code in (200, 201), made.text
    body = made.json()
    assert body["type"] == "Microsoft.Storage/storageAccounts/blobServices/containers"
    assert body["properties"]["publicAccess"] == "None"
    assert "tags" not in body

    service = account.service()
    assert [c.name for c in service.list_containers()] == ["packages"]
    service.get_blob_client("packages", "a.zip").upload_blob(b"zip")  # usable at once
    again = raw(local_azure, "PUT", path, {"properties": {}})  # an idempotent re-PUT
    assert again.status_code in (200, 201), again.text
    assert service.get_blob_client("packages", "a.zip").download_blob().readall() == b"zip"

    assert raw(local_azure, "DELETE", path).status_code in (200, 202, 204)
    assert [c.name for c in service.list_containers()] == []


def test_an_arm_container_needs_its_account(local_azure: LocalAzure) -> None:
    account = make_account(local_azure, group="armcontainers")
    missing = account.id.rsplit("/", 1)[0] + "/nosuchaccount1"
    path = f"{missing}/blobServices/default/containers/packages?api-version={API}"
    answer = raw(local_azure, "PUT", path, {"properties": {}})
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"]["code"] == "ParentResourceNotFound"
