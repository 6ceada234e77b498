"""The local Blob service through the unmodified azure-storage-blob SDK (and raw HTTP
where the wire shape itself is the point)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from xml.etree import ElementTree as ET

import pytest
import requests
from azure.core import MatchConditions
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.storage.blob import (
    AccountSasPermissions,
    BlobClient,
    BlobSasPermissions,
    BlobServiceClient,
    ContainerClient,
    ContainerSasPermissions,
    ResourceTypes,
    generate_account_sas,
    generate_blob_sas,
    generate_container_sas,
)
from blob_lab import Account, make_account
from rm_lab import raw

from mocks import LocalAzure
from mocks.core.cloud import CloudConfig


@pytest.fixture()
def account(local_azure: LocalAzure) -> Account:
    return make_account(local_azure)


def _in(hours: float) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(hours=hours)


def test_arm_blob_endpoint_is_the_blob_service(local_azure: LocalAzure, account: Account) -> None:
    assert account.blob_endpoint == f"{local_azure.blob_url}/{account.name}/"
    assert local_azure.endpoint["blob_url"] == local_azure.blob_url
    assert local_azure.blob_url.startswith("https://127.0.0.1:")


def test_containers_create_properties_list_delete(account: Account) -> None:
    service = account.service()
    container = service.create_container("cmgpackages", metadata={"owner": "cmgdeploy"})
    props = container.get_container_properties()
    assert props.metadata == {"owner": "cmgdeploy"}
    assert props.etag.startswith('"0x') and props.lease.state == "available"
    assert [c.name for c in service.list_containers(include_metadata=True)] == ["cmgpackages"]
    with pytest.raises(ResourceExistsError) as exists:
        service.create_container("cmgpackages")
    assert exists.value.error_code == "ContainerAlreadyExists"
    container.delete_container()
    with pytest.raises(ResourceNotFoundError) as missing:
        container.get_container_properties()
    assert missing.value.error_code == "ContainerNotFound"


def test_bad_container_name_is_invalid_resource_name(account: Account) -> None:
    with pytest.raises(HttpResponseError) as bad:
        account.service().create_container("Bad--Name")
    assert bad.value.status_code == 400 and bad.value.error_code == "InvalidResourceName"


def test_single_put_has_content_md5_etag_and_metadata(account: Account) -> None:
    container = account.service().create_container("pkg")
    data = b"PK\x03\x04 stand-in package"
    blob = container.upload_blob(
        "cmgdsc.zip", data, metadata={"sha256": "abc", "HolderHost": "site1"}
    )
    props = blob.get_blob_properties()
    assert props.size == len(data)
    assert bytes(props.content_settings.content_md5) == hashlib.md5(data).digest()
    assert props.metadata == {"sha256": "abc", "HolderHost": "site1"}
    assert props.blob_type == "BlockBlob" and props.etag.startswith('"0x')
    assert blob.download_blob().readall() == data
    listed = list(container.list_blobs(include=["metadata"]))
    assert [(b.name, b.size, b.metadata) for b in listed] == [
        ("cmgdsc.zip", len(data), {"sha256": "abc", "HolderHost": "site1"})
    ]


def test_block_upload_and_ranged_download(account: Account) -> None:
    sizes = {"max_single_put_size": 1024 * 1024, "max_block_size": 1024 * 1024}
    sizes |= {"max_single_get_size": 1024 * 1024, "max_chunk_get_size": 1024 * 1024}
    service = account.service(**sizes)
    service.create_container("big")
    data = bytes(range(256)) * (4 * 4096 + 3)  # a bit over 4 MiB: five blocks
    blob = service.get_blob_client("big", "dir/big.bin")
    blob.upload_blob(data)
    assert blob.download_blob().readall() == data
    committed, uncommitted = blob.get_block_list("all")
    assert len(committed) == 5 and not uncommitted
    assert sum(b.size for b in committed) == len(data)
    # Put Block List sets no Content-MD5 unless the client sends x-ms-blob-content-md5.
    assert blob.get_blob_properties().content_settings.content_md5 is None


def test_list_blobs_prefix_and_delimiter(account: Account) -> None:
    container = account.service().create_container("tree")
    for name in ("a/1", "a/2", "b/1", "c"):
        container.upload_blob(name, b"x")
    assert [b.name for b in container.list_blobs(name_starts_with="a/")] == ["a/1", "a/2"]
    assert [b.name for b in container.walk_blobs(delimiter="/")] == ["a/", "b/", "c"]


def test_conditional_headers(account: Account) -> None:
    container = account.service().create_container("cond")
    blob = container.upload_blob("f", b"one")
    etag = blob.get_blob_properties().etag
    with pytest.raises(ResourceExistsError) as exists:
        container.upload_blob("f", b"two")  # overwrite=False sends If-None-Match: *
    assert exists.value.error_code == "BlobAlreadyExists"
    with pytest.raises(ResourceModifiedError) as stale:
        blob.upload_blob(
            b"two",
            overwrite=True,
            etag='"0x8D0000000000000"',
            match_condition=MatchConditions.IfNotModified,
        )
    assert stale.value.status_code == 412 and stale.value.error_code == "ConditionNotMet"
    with pytest.raises(HttpResponseError) as unchanged:
        blob.download_blob(etag=etag, match_condition=MatchConditions.IfModified).readall()
    assert unchanged.value.status_code == 304
    blob.upload_blob(
        b"two", overwrite=True, etag=etag, match_condition=MatchConditions.IfNotModified
    )
    assert blob.download_blob().readall() == b"two"


def test_set_metadata_and_properties_then_delete(account: Account) -> None:
    from azure.storage.blob import ContentSettings

    container = account.service().create_container("props")
    blob = container.upload_blob("f", b"data")
    blob.set_blob_metadata({"k": "v"})
    blob.set_http_headers(ContentSettings(content_type="application/zip"))
    props = blob.get_blob_properties()
    assert props.metadata == {"k": "v"} and props.content_settings.content_type == "application/zip"
    blob.delete_blob()
    with pytest.raises(ResourceNotFoundError) as gone:
        blob.get_blob_properties()
    assert gone.value.error_code == "BlobNotFound"


def test_wrong_key_is_authentication_failed(account: Account) -> None:
    other_key = base64.b64encode(b"k" * 64).decode()
    service = BlobServiceClient(
        account.blob_endpoint,
        credential={"account_name": account.name, "account_key": other_key},
        connection_verify=account.ca_bundle,
    )
    with pytest.raises(ClientAuthenticationError) as denied:
        service.create_container("nope")
    assert denied.value.status_code == 403 and denied.value.error_code == "AuthenticationFailed"


def test_anonymous_requests_are_refused_in_storage_xml(account: Account) -> None:
    account.service().create_container("private").upload_blob("f", b"secret")
    read = requests.get(f"{account.blob_endpoint}private/f", verify=account.ca_bundle, timeout=10)
    assert read.status_code == 409  # allowBlobPublicAccess is false
    assert read.headers["x-ms-error-code"] == "PublicAccessNotPermitted"
    error = ET.fromstring(read.content)
    assert error.tag == "Error" and error.findtext("Code") == "PublicAccessNotPermitted"
    assert "RequestId:" in (error.findtext("Message") or "")
    write = requests.put(
        f"{account.blob_endpoint}private/f",
        data=b"x",
        headers={"x-ms-blob-type": "BlockBlob"},
        verify=account.ca_bundle,
        timeout=10,
    )
    assert (write.status_code, write.headers["x-ms-error-code"]) == (
        401,
        "NoAuthenticationInformation",
    )


def test_blob_sas_reads_but_does_not_write(account: Account) -> None:
    account.service().create_container("sas").upload_blob("f", b"payload")
    sas = generate_blob_sas(
        account.name,
        "sas",
        "f",
        account_key=account.key,
        permission=BlobSasPermissions(read=True),
        expiry=_in(1),
    )
    client = BlobClient.from_blob_url(
        f"{account.blob_endpoint}sas/f?{sas}", connection_verify=account.ca_bundle
    )
    assert client.download_blob().readall() == b"payload"
    with pytest.raises(HttpResponseError) as denied:
        client.upload_blob(b"x", overwrite=True)
    assert (
        denied.value.status_code == 403
        and denied.value.error_code == "AuthorizationPermissionMismatch"
    )


def test_expired_or_tampered_sas_is_authentication_failed(account: Account) -> None:
    account.service().create_container("sas2").upload_blob("f", b"payload")
    expired = generate_blob_sas(
        account.name,
        "sas2",
        "f",
        account_key=account.key,
        permission=BlobSasPermissions(read=True),
        expiry=_in(-1),
        start=_in(-2),
    )
    fresh = generate_blob_sas(
        account.name,
        "sas2",
        "f",
        account_key=account.key,
        permission=BlobSasPermissions(read=True),
        expiry=_in(1),
    )
    tampered = fresh.replace("sp=r", "sp=rw")
    for token in (expired, tampered):
        client = BlobClient.from_blob_url(
            f"{account.blob_endpoint}sas2/f?{token}", connection_verify=account.ca_bundle
        )
        with pytest.raises(ClientAuthenticationError) as denied:
            client.download_blob().readall()
        assert denied.value.error_code == "AuthenticationFailed"
    other = generate_blob_sas(
        account.name,
        "sas2",
        "g",
        account_key=account.key,
        permission=BlobSasPermissions(read=True),
        expiry=_in(1),
    )
    client = BlobClient.from_blob_url(
        f"{account.blob_endpoint}sas2/f?{other}", connection_verify=account.ca_bundle
    )
    with pytest.raises(ClientAuthenticationError):
        client.download_blob().readall()  # signed for another blob


def test_container_sas_lists_and_writes(account: Account) -> None:
    account.service().create_container("csas")
    sas = generate_container_sas(
        account.name,
        "csas",
        account_key=account.key,
        permission=ContainerSasPermissions(read=True, write=True, list=True),
        expiry=_in(1),
    )
    container = ContainerClient.from_container_url(
        f"{account.blob_endpoint}csas?{sas}", connection_verify=account.ca_bundle
    )
    container.upload_blob("a", b"1")
    assert [b.name for b in container.list_blobs()] == ["a"]
    with pytest.raises(HttpResponseError) as denied:
        container.delete_container()  # a service SAS cannot delete the container
    assert denied.value.error_code == "AuthorizationResourceTypeMismatch"


def test_account_sas_scopes(account: Account) -> None:
    objects_only = generate_account_sas(
        account.name,
        account.key,
        ResourceTypes(object=True),
        AccountSasPermissions(read=True, write=True, create=True),
        expiry=_in(1),
    )
    service = BlobServiceClient(
        account.blob_endpoint, credential=objects_only, connection_verify=account.ca_bundle
    )
    with pytest.raises(HttpResponseError) as denied:
        service.create_container("acct")
    assert denied.value.error_code == "AuthorizationResourceTypeMismatch"
    full = generate_account_sas(
        account.name,
        account.key,
        ResourceTypes(container=True, object=True),
        AccountSasPermissions(read=True, write=True, create=True, list=True),
        expiry=_in(1),
    )
    service = BlobServiceClient(
        account.blob_endpoint, credential=full, connection_verify=account.ca_bundle
    )
    service.create_container("acct").upload_blob("f", b"1")
    assert service.get_blob_client("acct", "f").download_blob().readall() == b"1"


def test_deleting_the_account_drops_its_blobs(local_azure: LocalAzure, account: Account) -> None:
    account.service().create_container("doomed").upload_blob("f", b"1")
    assert raw(local_azure, "DELETE", account.id).status_code in (200, 202, 204)
    with pytest.raises(HttpResponseError) as gone:
        account.service().get_container_client("doomed").get_container_properties()
    assert gone.value.status_code == 404


def test_blob_port_and_blobs_survive_a_restart(tmp_path) -> None:
    state = tmp_path / "state"
    with LocalAzure(state, config=CloudConfig(provisioning_seconds=0.01)) as first:
        account = make_account(first)
        account.service().create_container("kept").upload_blob("f", b"kept")
        blob_url = first.blob_url
    with LocalAzure(state) as second:
        assert second.blob_url == blob_url  # the state dir keeps its Blob port
        assert account.service().get_blob_client("kept", "f").download_blob().readall() == b"kept"


def test_two_servers_of_one_state_dir_share_the_blob_port(tmp_path) -> None:
    state = tmp_path / "state"
    with LocalAzure(state, config=CloudConfig(provisioning_seconds=0.01)) as first:
        account = make_account(first)
        account.service().create_container("shared").upload_blob("f", b"both")
        with LocalAzure(state) as second:
            assert second.blob_url == first.blob_url and second.url != first.url
        # The second server stopped; the port still answers (the first one holds it).
        assert account.service().get_blob_client("shared", "f").download_blob().readall() == b"both"


def test_faults_on_the_blob_port_take_the_storage_shape(local_azure_factory) -> None:
    az = local_azure_factory(faults={"seed": 1, "p503": 1.0, "retry_after": 1})
    response = requests.get(f"{az.blob_url}/anyaccount/c/b", verify=az.ca_bundle, timeout=10)
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert response.headers["x-ms-error-code"] == "ServerBusy"
    assert ET.fromstring(response.content).findtext("Code") == "ServerBusy"


def test_throttling_on_the_blob_port_is_storage_s_503_server_busy(local_azure_factory) -> None:
    # Storage never answers 429: a throttled request is 503 ServerBusy, which the Storage
    # SDK retries (it does not retry 429).
    az = local_azure_factory(faults={"seed": 1, "p429": 1.0, "retry_after": 1})
    response = requests.get(f"{az.blob_url}/anyaccount/c/b", verify=az.ca_bundle, timeout=10)
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert response.headers["x-ms-error-code"] == "ServerBusy"
    assert "Operations per second is over the account limit." in response.text


def test_unknown_account_and_bad_verb(local_azure: LocalAzure, account: Account) -> None:
    response = requests.get(
        f"{local_azure.blob_url}/nosuchaccount1?comp=list", verify=local_azure.ca_bundle, timeout=10
    )
    assert (response.status_code, response.headers["x-ms-error-code"]) == (404, "ResourceNotFound")
    root = requests.get(f"{local_azure.blob_url}/", verify=local_azure.ca_bundle, timeout=10)
    assert root.status_code == 404 and "x-ms-error-code" in root.headers


def test_account_without_shared_key_access_refuses_keys_and_sas(local_azure: LocalAzure) -> None:
    account = make_account(local_azure, properties={"allowSharedKeyAccess": False})
    with pytest.raises(HttpResponseError) as keyed:
        account.service().create_container("nokeys")
    assert (keyed.value.status_code, keyed.value.error_code) == (
        403,
        "KeyBasedAuthenticationNotPermitted",
    )
    sas = generate_container_sas(
        account.name,
        "nokeys",
        account_key=account.key,
        permission=ContainerSasPermissions(list=True),
        expiry=_in(1),
    )
    container = ContainerClient.from_container_url(
        f"{account.blob_endpoint}nokeys?{sas}", connection_verify=account.ca_bundle
    )
    with pytest.raises(HttpResponseError) as signed:
        list(container.list_blobs())
    assert signed.value.error_code == "KeyBasedAuthenticationNotPermitted"


def test_empty_blob_and_partial_download(account: Account) -> None:
    container = account.service().create_container("sizes")
    empty = container.upload_blob("empty", b"")  # e.g. a lock blob
    assert empty.download_blob().readall() == b""  # the SDK's 416 InvalidRange fallback
    assert empty.get_blob_properties().size == 0
    small = container.upload_blob("small", b"abcdef")
    assert small.download_blob(offset=2, length=3).readall() == b"cde"


def test_create_only_sas_writes_new_blobs_but_never_overwrites(account: Account) -> None:
    account.service().create_container("createonly")
    sas = generate_container_sas(
        account.name,
        "createonly",
        account_key=account.key,
        permission=ContainerSasPermissions(create=True),
        expiry=_in(1),
    )
    container = ContainerClient.from_container_url(
        f"{account.blob_endpoint}createonly?{sas}", connection_verify=account.ca_bundle
    )
    container.upload_blob("new", b"1")
    with pytest.raises(HttpResponseError) as denied:
        container.upload_blob("new", b"2", overwrite=True)
    assert denied.value.error_code == "AuthorizationPermissionMismatch"


def test_request_log_names_each_blob_operation(local_azure: LocalAzure, account: Account) -> None:
    from mocks.core import requestlog

    before = len(requestlog.read(local_azure.state_dir, 0))
    account.service().create_container("logged").upload_blob("f", b"1")
    entries = requestlog.read(local_azure.state_dir, before)
    blob_entries = [e for e in entries if e["path"].startswith(f"/{account.name}/")]
    assert [(e["method"], e["operation"], e["kind"]) for e in blob_entries] == [
        ("PUT", "Blob_CreateContainer", "write"),
        ("PUT", "Blob_PutBlob", "write"),
    ]
    assert all("sig" not in json.dumps(e) and account.key not in json.dumps(e) for e in entries)


def test_a_taken_blob_port_moves_and_rewrites_the_endpoints(tmp_path) -> None:
    import socket

    state = tmp_path / "state"
    with LocalAzure(state, config=CloudConfig(provisioning_seconds=0.01)) as first:
        account = make_account(first)
        old_port = int(first.blob_url.rsplit(":", 1)[1])
    squatter = socket.socket()  # another program takes the port while no server runs
    squatter.bind(("127.0.0.1", old_port))
    squatter.listen()
    try:
        with LocalAzure(state) as second:
            assert second.blob_url != first.blob_url
            body = raw(second, "GET", account.id).json()
            assert (
                body["properties"]["primaryEndpoints"]["blob"]
                == f"{second.blob_url}/{account.name}/"
            )
    finally:
        squatter.close()


def test_sas_response_header_overrides(account: Account) -> None:
    account.service().create_container("overrides").upload_blob("f.zip", b"PK")
    sas = generate_blob_sas(
        account.name,
        "overrides",
        "f.zip",
        account_key=account.key,
        permission=BlobSasPermissions(read=True),
        expiry=_in(1),
        content_type="application/zip",
        content_disposition="attachment; filename=cmgdsc.zip",
    )
    response = requests.get(
        f"{account.blob_endpoint}overrides/f.zip?{sas}", verify=account.ca_bundle, timeout=10
    )
    assert response.status_code == 200 and response.content == b"PK"
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"] == "attachment; filename=cmgdsc.zip"
