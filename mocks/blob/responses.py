"""HTTP handlers of the Blob service: authorize, call :mod:`.models`, answer (XML).

Three routes (account, container, blob); the operation is chosen by method and the
``restype``/``comp`` query parameters, as the Blob REST API does.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from mocks.core.http import Request, Response

from . import auth, leases, models
from .auth import Operation
from .exceptions import (
    AuthorizationPermissionMismatch,
    InvalidQueryParameterValue,
    InvalidXmlDocument,
    LocalAzureUnsupportedOperation,
    UnsupportedHttpVerb,
)

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

DEFAULT_VERSION = "2025-11-05"
DEFAULT_MAX_RESULTS = 5000
Handler = Callable[["Cloud", Request, models.Account], Response]


# -- plumbing ---------------------------------------------------------------------------
def _headers(request: Request, extra: dict[str, str] | None = None) -> dict[str, str]:
    headers = {
        "x-ms-version": request.header("x-ms-version") or DEFAULT_VERSION,
        "Date": models.http_date(time.time()),
        "Server": "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0",
    }
    if request.header("x-ms-client-request-id"):
        headers["x-ms-client-request-id"] = request.header("x-ms-client-request-id")
    headers.update(extra or {})
    return headers


def model_headers(request: Request) -> dict[str, str]:
    """The request's headers for :mod:`.models`: names lower-cased, except the
    ``x-ms-meta-`` ones, which keep their case (metadata names are case-preserving)."""
    headers = {k: v for k, v in request.headers.items() if not k.startswith("x-ms-meta-")}
    for name, value in request.raw_headers or list(request.headers.items()):
        if name.lower().startswith("x-ms-meta-"):
            headers["x-ms-meta-" + name[len("x-ms-meta-") :]] = value
    return headers


def _xml(
    request: Request, status: int, root: ET.Element, extra: dict[str, str] | None = None
) -> Response:
    text = '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode")
    return Response(
        status,
        text.encode(),
        _headers(request, {"Content-Type": "application/xml", **(extra or {})}),
    )


def _empty(request: Request, status: int, extra: dict[str, str] | None = None) -> Response:
    return Response.empty(status, _headers(request, extra))


def _sub(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = str(text)
    return element


def _serve(
    cloud: Cloud, request: Request, table: dict[tuple[str, str], tuple[Operation, Handler]]
) -> Response:
    account = models.resolve_account(cloud, request.params["account"].lower())
    method = "GET" if request.method == "HEAD" else request.method
    key = (method, request.query.get("comp", ""))
    if key not in table:
        if any(m == method for m, _ in table):
            raise LocalAzureUnsupportedOperation(
                f"The local Azure's Blob service does not support {request.method} with "
                f"comp='{key[1]}' here."
            )
        raise UnsupportedHttpVerb()
    op, handler = table[key]
    request.operation = f"Blob_{op.name}"
    auth.authorize(
        cloud,
        request,
        account.name,
        account.keys,
        op,
        allow_public_access=account.allow_public_access,
        allow_shared_key=account.allow_shared_key,
    )
    try:
        return handler(cloud, request, account)
    except models.NotModified as exc:
        return _empty(request, 304, exc.headers)


def _max_results(request: Request) -> int:
    raw = request.query.get("maxresults", "")
    if not raw:
        return DEFAULT_MAX_RESULTS
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidQueryParameterValue(
            extra={"QueryParameterName": "maxresults", "QueryParameterValue": raw}
        )
    return min(int(raw), DEFAULT_MAX_RESULTS)


def _service_endpoint(request: Request, account: str) -> str:
    return f"https://{request.header('host')}/{account}/"


def _meta_headers(metadata: dict[str, str]) -> dict[str, str]:
    return {f"x-ms-meta-{k}": v for k, v in metadata.items()}


def _meta_xml(parent: ET.Element, metadata: dict[str, str]) -> None:
    element = _sub(parent, "Metadata")
    for k, v in metadata.items():
        _sub(element, k, v)


def _lease_xml(parent: ET.Element, lease: dict[str, Any] | None, now: float) -> None:
    headers = leases.response_headers(lease, now)
    _sub(parent, "LeaseStatus", headers["x-ms-lease-status"])
    _sub(parent, "LeaseState", headers["x-ms-lease-state"])
    if "x-ms-lease-duration" in headers:
        _sub(parent, "LeaseDuration", headers["x-ms-lease-duration"])


# -- account ----------------------------------------------------------------------------
def list_containers(cloud: Cloud, request: Request, account: models.Account) -> Response:
    q = request.query
    page, next_marker = models.list_containers(
        cloud, account.name, q.get("prefix", ""), q.get("marker", ""), _max_results(request)
    )
    root = ET.Element(
        "EnumerationResults", ServiceEndpoint=_service_endpoint(request, account.name)
    )
    for name in ("prefix", "marker", "maxresults"):
        if q.get(name):
            _sub(
                root,
                {"prefix": "Prefix", "marker": "Marker", "maxresults": "MaxResults"}[name],
                q[name],
            )
    containers = _sub(root, "Containers")
    with_metadata = "metadata" in q.get("include", "")
    for record in page:
        element = _sub(containers, "Container")
        _sub(element, "Name", record["name"])
        props = _sub(element, "Properties")
        _sub(props, "Last-Modified", models.http_date(record["last_modified"]))
        _sub(props, "Etag", record["etag"])
        _lease_xml(props, record.get("lease"), cloud.now())
        if record.get("public_access"):
            _sub(props, "PublicAccess", record["public_access"])
        _sub(props, "HasImmutabilityPolicy", "false")
        _sub(props, "HasLegalHold", "false")
        if with_metadata:
            _meta_xml(element, record.get("metadata") or {})
    _sub(root, "NextMarker", next_marker or None)
    return _xml(request, 200, root)


ACCOUNT_OPS: dict[tuple[str, str], tuple[Operation, Handler]] = {
    ("GET", "list"): (Operation("ListContainers", "service", "l", ""), list_containers),
}


def account_op(cloud: Cloud, request: Request) -> Response:
    """``/{account}``: List Containers."""
    return _serve(cloud, request, ACCOUNT_OPS)


# -- container --------------------------------------------------------------------------
def _container_headers(cloud: Cloud, record: dict[str, Any]) -> dict[str, str]:
    return {
        "ETag": record["etag"],
        "Last-Modified": models.http_date(record["last_modified"]),
    }


def create_container(cloud: Cloud, request: Request, account: models.Account) -> Response:
    record = models.create_container(
        cloud, account, request.params["container"], model_headers(request)
    )
    return _empty(request, 201, _container_headers(cloud, record))


def container_properties(cloud: Cloud, request: Request, account: models.Account) -> Response:
    record = models.get_container(cloud, account.name, request.params["container"])
    lease_id = request.header("x-ms-lease-id")
    leases.check_access(record.get("lease"), lease_id, cloud.now(), container=True, write=False)
    headers = {
        **_container_headers(cloud, record),
        **_meta_headers(record.get("metadata") or {}),
        **leases.response_headers(record.get("lease"), cloud.now()),
        "x-ms-has-immutability-policy": "false",
        "x-ms-has-legal-hold": "false",
    }
    if record.get("public_access"):
        headers["x-ms-blob-public-access"] = record["public_access"]
    return _empty(request, 200, headers)


def set_container_metadata(cloud: Cloud, request: Request, account: models.Account) -> Response:
    record = models.set_container_metadata(
        cloud, account.name, request.params["container"], model_headers(request)
    )
    return _empty(request, 200, _container_headers(cloud, record))


def delete_container(cloud: Cloud, request: Request, account: models.Account) -> Response:
    models.delete_container(
        cloud, account.name, request.params["container"], model_headers(request)
    )
    return _empty(request, 202)


def lease_container(cloud: Cloud, request: Request, account: models.Account) -> Response:
    record, status, extra = models.lease_container(
        cloud, account.name, request.params["container"], model_headers(request)
    )
    return _empty(request, status, {**_container_headers(cloud, record), **extra})


def list_blobs(cloud: Cloud, request: Request, account: models.Account) -> Response:
    q, container = request.query, request.params["container"]
    blobs, prefixes, next_marker = models.list_blobs(
        cloud,
        account.name,
        container,
        q.get("prefix", ""),
        q.get("delimiter", ""),
        q.get("marker", ""),
        _max_results(request),
    )
    root = ET.Element(
        "EnumerationResults",
        ServiceEndpoint=_service_endpoint(request, account.name),
        ContainerName=container,
    )
    for name, tag in (
        ("prefix", "Prefix"),
        ("marker", "Marker"),
        ("maxresults", "MaxResults"),
        ("delimiter", "Delimiter"),
    ):
        if q.get(name):
            _sub(root, tag, q[name])
    items = _sub(root, "Blobs")
    with_metadata = "metadata" in q.get("include", "")
    for record in blobs:
        _blob_item(cloud, items, record, with_metadata)
    for prefix in prefixes:
        _sub(_sub(items, "BlobPrefix"), "Name", prefix)
    _sub(root, "NextMarker", next_marker or None)
    return _xml(request, 200, root)


def _blob_item(
    cloud: Cloud, parent: ET.Element, record: dict[str, Any], with_metadata: bool
) -> None:
    element = _sub(parent, "Blob")
    _sub(element, "Name", record["name"])
    props = _sub(element, "Properties")
    _sub(props, "Creation-Time", models.http_date(record["created"]))
    _sub(props, "Last-Modified", models.http_date(record["last_modified"]))
    _sub(props, "Etag", record["etag"])
    _sub(props, "Content-Length", record["size"])
    _sub(props, "Content-Type", record.get("content_type") or "application/octet-stream")
    _sub(props, "Content-Encoding", record.get("content_encoding"))
    _sub(props, "Content-Language", record.get("content_language"))
    _sub(props, "Content-MD5", record.get("content_md5"))
    _sub(props, "Content-Disposition", record.get("content_disposition"))
    _sub(props, "Cache-Control", record.get("cache_control"))
    _sub(props, "BlobType", "BlockBlob")
    _sub(props, "AccessTier", "Hot")
    _sub(props, "AccessTierInferred", "true")
    _lease_xml(props, record.get("lease"), cloud.now())
    _sub(props, "ServerEncrypted", "true")
    if with_metadata:
        _meta_xml(element, record.get("metadata") or {})


CONTAINER_OPS: dict[tuple[str, str], tuple[Operation, Handler]] = {
    ("PUT", ""): (Operation("CreateContainer", "container", "cw", ""), create_container),
    ("GET", ""): (Operation("GetContainerProperties", "container", "r", "r"), container_properties),
    ("GET", "metadata"): (
        Operation("GetContainerMetadata", "container", "r", "r"),
        container_properties,
    ),
    ("PUT", "metadata"): (
        Operation("SetContainerMetadata", "container", "w", ""),
        set_container_metadata,
    ),
    ("DELETE", ""): (Operation("DeleteContainer", "container", "d", ""), delete_container),
    ("GET", "list"): (Operation("ListBlobs", "container", "l", "l"), list_blobs),
    ("PUT", "lease"): (Operation("LeaseContainer", "container", "w", "w"), lease_container),
}


def container_op(cloud: Cloud, request: Request) -> Response:
    """``/{account}/{container}?restype=container``: the container operations."""
    if request.query.get("restype") != "container":
        raise LocalAzureUnsupportedOperation(
            "The local Azure's Blob service does not simulate the $root container; container "
            "operations need restype=container."
        )
    return _serve(cloud, request, CONTAINER_OPS)


# -- blob -------------------------------------------------------------------------------
def _blob_args(request: Request, account: models.Account) -> tuple[str, str, str]:
    return account.name, request.params["container"], request.params["blob"]


def _blob_headers(cloud: Cloud, record: dict[str, Any]) -> dict[str, str]:
    return {"ETag": record["etag"], "Last-Modified": models.http_date(record["last_modified"])}


def _written(cloud: Cloud, request: Request, record: dict[str, Any], md5: str | None) -> Response:
    extra = {**_blob_headers(cloud, record), "x-ms-request-server-encrypted": "true"}
    if md5:
        extra["Content-MD5"] = md5
    return _empty(request, 201, extra)


def _create_only_sas(cloud: Cloud, request: Request, account: models.Account) -> None:
    """A SAS that may create but not write: refused when the blob exists already."""
    permissions = request.query.get("sp", "")
    if request.header("authorization") or "w" in permissions or "c" not in permissions:
        return
    if models.find_blob(cloud, *_blob_args(request, account)) is not None:
        raise AuthorizationPermissionMismatch()


def put_blob(cloud: Cloud, request: Request, account: models.Account) -> Response:
    _create_only_sas(cloud, request, account)
    blob_type = request.header("x-ms-blob-type")
    if blob_type != "BlockBlob":
        raise LocalAzureUnsupportedOperation(
            "The local Azure's Blob service simulates block blobs only "
            f"(x-ms-blob-type: '{blob_type}')."
        )
    record = models.put_blob(
        cloud, *_blob_args(request, account), request.body, model_headers(request)
    )
    return _written(cloud, request, record, record.get("content_md5"))


def put_block(cloud: Cloud, request: Request, account: models.Account) -> Response:
    block_id = request.query.get("blockid", "")
    md5 = models.put_block(
        cloud, *_blob_args(request, account), block_id, request.body, model_headers(request)
    )
    return _empty(request, 201, {"Content-MD5": md5, "x-ms-request-server-encrypted": "true"})


def put_block_list(cloud: Cloud, request: Request, account: models.Account) -> Response:
    _create_only_sas(cloud, request, account)
    try:
        root = ET.fromstring(request.body or b"<BlockList/>")
    except ET.ParseError:
        raise InvalidXmlDocument() from None
    wanted = [(child.tag, (child.text or "").strip()) for child in root]
    if root.tag != "BlockList" or any(
        k not in ("Latest", "Committed", "Uncommitted") for k, _ in wanted
    ):
        raise InvalidXmlDocument()
    record = models.put_block_list(
        cloud, *_blob_args(request, account), wanted, model_headers(request)
    )
    return _written(cloud, request, record, None)


def get_block_list(cloud: Cloud, request: Request, account: models.Account) -> Response:
    which = request.query.get("blocklisttype", "committed").lower()
    if which not in ("committed", "uncommitted", "all"):
        raise InvalidQueryParameterValue(
            extra={"QueryParameterName": "blocklisttype", "QueryParameterValue": which}
        )
    committed, uncommitted = models.block_list(cloud, *_blob_args(request, account), which)
    root = ET.Element("BlockList")
    for tag, blocks in (("CommittedBlocks", committed), ("UncommittedBlocks", uncommitted)):
        section = _sub(root, tag)
        for block_id, size in blocks:
            block = _sub(section, "Block")
            _sub(block, "Name", block_id)
            _sub(block, "Size", size)
    return _xml(request, 200, root)


def _properties_headers(cloud: Cloud, record: dict[str, Any]) -> dict[str, str]:
    headers = {
        **_blob_headers(cloud, record),
        "x-ms-creation-time": models.http_date(record["created"]),
        "x-ms-blob-type": "BlockBlob",
        "Content-Type": record.get("content_type") or "application/octet-stream",
        "Accept-Ranges": "bytes",
        "x-ms-server-encrypted": "true",
        **_meta_headers(record.get("metadata") or {}),
        **leases.response_headers(record.get("lease"), cloud.now()),
    }
    optional = {
        "Content-Encoding": "content_encoding",
        "Content-Language": "content_language",
        "Content-Disposition": "content_disposition",
        "Cache-Control": "cache_control",
    }
    headers.update({h: record[f] for h, f in optional.items() if record.get(f)})
    return headers


SAS_RESPONSE_HEADERS = {
    "rscc": "Cache-Control",
    "rscd": "Content-Disposition",
    "rsce": "Content-Encoding",
    "rscl": "Content-Language",
    "rsct": "Content-Type",
}


def _sas_overrides(request: Request) -> dict[str, str]:
    """Response headers a service SAS sets (``rscc``…``rsct``; they are signed)."""
    if "sig" not in request.query or request.header("authorization"):
        return {}
    return {h: request.query[q] for q, h in SAS_RESPONSE_HEADERS.items() if request.query.get(q)}


def get_blob(cloud: Cloud, request: Request, account: models.Account) -> Response:
    record, data = models.read_blob(cloud, *_blob_args(request, account), model_headers(request))
    headers = {**_properties_headers(cloud, record), **_sas_overrides(request)}
    if request.method == "HEAD":
        headers.update({"x-ms-access-tier": "Hot", "x-ms-access-tier-inferred": "true"})
        if record.get("content_md5"):
            headers["Content-MD5"] = record["content_md5"]
        response = _empty(request, 200, headers)
        response.headers["Content-Length"] = str(record["size"])
        return response
    span = models.byte_range(request.headers, len(data))
    if span is None:
        if record.get("content_md5"):
            headers["Content-MD5"] = record["content_md5"]
        return Response(200, data, _headers(request, headers))
    first, last = span
    part = data[first : last + 1]
    headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
    if record.get("content_md5"):
        headers["x-ms-blob-content-md5"] = record["content_md5"]
    if request.header("x-ms-range-get-content-md5").lower() == "true":
        headers["Content-MD5"] = base64.b64encode(
            hashlib.md5(part, usedforsecurity=False).digest()
        ).decode()
    return Response(206, part, _headers(request, headers))


def blob_metadata(cloud: Cloud, request: Request, account: models.Account) -> Response:
    record, _ = models.read_blob(cloud, *_blob_args(request, account), model_headers(request))
    return _empty(
        request,
        200,
        {**_blob_headers(cloud, record), **_meta_headers(record.get("metadata") or {})},
    )


def set_blob_metadata(cloud: Cloud, request: Request, account: models.Account) -> Response:
    record = models.set_metadata(cloud, *_blob_args(request, account), model_headers(request))
    return _empty(
        request, 200, {**_blob_headers(cloud, record), "x-ms-request-server-encrypted": "true"}
    )


def set_blob_properties(cloud: Cloud, request: Request, account: models.Account) -> Response:
    record = models.set_properties(cloud, *_blob_args(request, account), model_headers(request))
    return _empty(request, 200, _blob_headers(cloud, record))


def delete_blob(cloud: Cloud, request: Request, account: models.Account) -> Response:
    models.delete_blob(cloud, *_blob_args(request, account), model_headers(request))
    return _empty(request, 202, {"x-ms-delete-type-permanent": "true"})


def lease_blob(cloud: Cloud, request: Request, account: models.Account) -> Response:
    record, status, extra = models.lease_blob(
        cloud, *_blob_args(request, account), model_headers(request)
    )
    return _empty(request, status, {**_blob_headers(cloud, record), **extra})


BLOB_OPS: dict[tuple[str, str], tuple[Operation, Handler]] = {
    # A SAS with "c" (create) but not "w" may write a new blob, never overwrite one.
    ("PUT", ""): (Operation("PutBlob", "blob", "cw", "cw"), put_blob),
    ("PUT", "block"): (Operation("PutBlock", "blob", "cw", "cw"), put_block),
    ("PUT", "blocklist"): (Operation("PutBlockList", "blob", "cw", "cw"), put_block_list),
    ("GET", "blocklist"): (Operation("GetBlockList", "blob", "r", "r"), get_block_list),
    ("GET", ""): (Operation("GetBlob", "blob", "r", "r"), get_blob),
    ("GET", "metadata"): (Operation("GetBlobMetadata", "blob", "r", "r"), blob_metadata),
    ("PUT", "metadata"): (Operation("SetBlobMetadata", "blob", "w", "w"), set_blob_metadata),
    ("PUT", "properties"): (Operation("SetBlobProperties", "blob", "w", "w"), set_blob_properties),
    ("DELETE", ""): (Operation("DeleteBlob", "blob", "d", "d"), delete_blob),
    ("PUT", "lease"): (Operation("LeaseBlob", "blob", "w", "w"), lease_blob),
}


def blob_op(cloud: Cloud, request: Request) -> Response:
    """``/{account}/{container}/{blob}``: the block blob operations."""
    return _serve(cloud, request, BLOB_OPS)
