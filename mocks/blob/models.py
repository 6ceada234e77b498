"""Containers, block blobs and leases of the local Blob service, in the SQLite store.

State (document collections, keys lower-case safe):

* ``blob/containers`` ``{account}/{container}``: name, times, ETag, metadata, lease;
* ``blob/blobs`` ``{account}/{container}/{hex(name)}``: properties, metadata, the
  committed block list, lease (blob names are case-sensitive, so keys hold them hex);
* ``blob/content`` (same key): the bytes, base64;
* ``blob/blocks`` ``{blob key}/{hex(block id)}``: uncommitted blocks.

An account is served when a storage account of that name exists in ARM; its keys
are the ARM account's ``key1``/``key2``. Deleting the account drops its blobs.

Not simulated: page and append blobs, snapshots and versions, soft delete, tiers
(always Hot), blob tags and index, immutability, copy, encryption scopes, container
ACLs and stored access policies, the ``$root`` container, static website, CORS and
service properties.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from mocks.storage import models as storage

from . import leases
from .exceptions import (
    BlobAlreadyExists,
    BlobNotFound,
    ConditionNotMet,
    ContainerAlreadyExists,
    ContainerNotFound,
    InvalidBlobOrBlock,
    InvalidBlockId,
    InvalidBlockList,
    InvalidHeaderValue,
    InvalidRange,
    InvalidResourceName,
    Md5Mismatch,
    PublicAccessNotPermitted,
    ResourceNotFound,
)

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

CONTAINERS = "blob/containers"
BLOBS = "blob/blobs"
CONTENT = "blob/content"
BLOCKS = "blob/blocks"
_CONTAINER_RE = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
MAX_BLOCK_ID_BYTES = 64
CONTENT_SETTINGS = (
    "content_type",
    "content_encoding",
    "content_language",
    "content_disposition",
    "cache_control",
)


class NotModified(Exception):
    """A read whose If-None-Match / If-Modified-Since condition says "not modified" (304)."""

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__("not modified")
        self.headers = headers


@dataclass(frozen=True)
class Account:
    """A storage account as the Blob service sees it."""

    name: str
    keys: list[str]
    allow_public_access: bool
    allow_shared_key: bool = True


def resolve_account(cloud: Cloud, name: str) -> Account:
    """The ARM storage account ``name``; 404 ResourceNotFound if there is none (in Azure
    its host name would not resolve at all)."""
    body = storage.account_by_name(cloud, name)
    if body is None:
        raise ResourceNotFound()
    keys = [k["value"] for k in storage.list_keys(cloud, body)["keys"]]
    props = body.get("properties") or {}
    return Account(
        name=body["name"],
        keys=keys,
        allow_public_access=bool(props.get("allowBlobPublicAccess", False)),
        # Absent (null) means allowed, as in Azure.
        allow_shared_key=props.get("allowSharedKeyAccess") is not False,
    )


def drop_account(cloud: Cloud, account: str) -> None:
    """Forget every container, blob and block of ``account``."""
    with cloud.store.tx():
        for collection in (CONTAINERS, BLOBS, CONTENT, BLOCKS):
            for key, _ in cloud.store.doc_list(collection, f"{account}/"):
                cloud.store.doc_delete(collection, key)


# -- dates, ETags, keys, names, metadata ------------------------------------------------
def http_date(epoch: float) -> str:
    return formatdate(epoch, usegmt=True)


def new_etag() -> str:
    return f'"0x8D{secrets.token_hex(7).upper()}"'


def _container_key(account: str, container: str) -> str:
    return f"{account}/{container}"


def _blob_key(account: str, container: str, name: str) -> str:
    return f"{account}/{container}/{name.encode().hex()}"


def check_container_name(name: str) -> None:
    if not _CONTAINER_RE.match(name):
        raise InvalidResourceName()


def metadata_from(headers: dict[str, str]) -> dict[str, str]:
    """``x-ms-meta-<name>`` headers; a name keeps the case it was sent with when the
    caller passes it so (responses.py does: Azure preserves metadata-name case)."""
    prefix = "x-ms-meta-"
    return {k[len(prefix) :]: v for k, v in headers.items() if k.lower().startswith(prefix)}


# -- conditional headers ------------------------------------------------------------------
def _parse_http_date(name: str, value: str) -> float:
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        raise InvalidHeaderValue(extra={"HeaderName": name, "HeaderValue": value}) from None


def _check_lease_and_conditions(
    cloud: Cloud,
    record: dict[str, Any],
    headers: dict[str, str],
    *,
    container: bool,
    write: bool,
    read: bool = False,
) -> None:
    """The request's lease id against the record's lease, then its conditional headers."""
    leases.check_access(
        record.get("lease"),
        headers.get("x-ms-lease-id", ""),
        cloud.now(),
        container=container,
        write=write,
    )
    check_conditions(record, headers, read=read)


def check_conditions(
    record: dict[str, Any] | None, headers: dict[str, str], *, read: bool, create: bool = False
) -> None:
    """If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since.

    Reads answer 304 (``NotModified``) where the condition says "not modified"; other
    failures are 412 ConditionNotMet; ``If-None-Match: *`` on a write that would
    overwrite is 409 BlobAlreadyExists."""
    etag = record["etag"] if record else None
    modified = int(record["last_modified"]) if record else None
    if_match = headers.get("if-match")
    if if_match and (etag is None or (if_match.strip() != "*" and etag not in _etags(if_match))):
        raise ConditionNotMet()
    if_none = headers.get("if-none-match")
    if if_none and etag is not None and (if_none.strip() == "*" or etag in _etags(if_none)):
        if read:
            raise NotModified({"ETag": etag})
        if create and if_none.strip() == "*":
            raise BlobAlreadyExists()
        raise ConditionNotMet()
    since = headers.get("if-modified-since")
    if since and modified is not None and modified <= _parse_http_date("If-Modified-Since", since):
        if read:
            raise NotModified({"ETag": str(etag)})
        raise ConditionNotMet()
    until = headers.get("if-unmodified-since")
    if until and modified is not None and modified > _parse_http_date("If-Unmodified-Since", until):
        raise ConditionNotMet()


def _etags(value: str) -> set[str]:
    return {v.strip() for v in value.split(",") if v.strip()}


# -- containers -------------------------------------------------------------------------
def get_container(cloud: Cloud, account: str, container: str) -> dict[str, Any]:
    record = cloud.store.doc_get(CONTAINERS, _container_key(account, container))
    if record is None:
        raise ContainerNotFound()
    return dict(record)


def create_container(
    cloud: Cloud, account: Account, container: str, headers: dict[str, str]
) -> dict[str, Any]:
    check_container_name(container)
    public = headers.get("x-ms-blob-public-access")
    if public and public not in ("container", "blob"):
        raise InvalidHeaderValue(
            extra={"HeaderName": "x-ms-blob-public-access", "HeaderValue": public}
        )
    if public and not account.allow_public_access:
        raise PublicAccessNotPermitted()
    now = cloud.now()
    record = {
        "name": container,
        "created": now,
        "last_modified": now,
        "etag": new_etag(),
        "metadata": metadata_from(headers),
        "public_access": public,
        "lease": dict(leases.AVAILABLE),
    }
    with cloud.store.tx():
        key = _container_key(account.name, container)
        if cloud.store.doc_get(CONTAINERS, key) is not None:
            raise ContainerAlreadyExists()
        cloud.store.doc_put(CONTAINERS, key, record)
    return record


def set_container_metadata(
    cloud: Cloud, account: str, container: str, headers: dict[str, str]
) -> dict[str, Any]:
    with cloud.store.tx():
        record = get_container(cloud, account, container)
        now = cloud.now()
        _check_lease_and_conditions(cloud, record, headers, container=True, write=False)
        record.update(metadata=metadata_from(headers), last_modified=now, etag=new_etag())
        cloud.store.doc_put(CONTAINERS, _container_key(account, container), record)
    return record


def delete_container(cloud: Cloud, account: str, container: str, headers: dict[str, str]) -> None:
    with cloud.store.tx():
        record = get_container(cloud, account, container)
        _check_lease_and_conditions(cloud, record, headers, container=True, write=True)
        prefix = f"{account}/{container}/"
        for collection in (BLOBS, CONTENT, BLOCKS):
            for key, _ in cloud.store.doc_list(collection, prefix):
                cloud.store.doc_delete(collection, key)
        cloud.store.doc_delete(CONTAINERS, _container_key(account, container))


def list_containers(
    cloud: Cloud, account: str, prefix: str, marker: str, limit: int
) -> tuple[list[dict[str, Any]], str]:
    """Containers by name from ``marker`` on; (page, next marker or "")."""
    records = [
        r
        for _, r in cloud.store.doc_list(CONTAINERS, f"{account}/")
        if r["name"].startswith(prefix)
    ]
    return _page(sorted(records, key=lambda r: r["name"]), marker, limit)


def _page(
    records: list[dict[str, Any]], marker: str, limit: int
) -> tuple[list[dict[str, Any]], str]:
    records = [r for r in records if r["name"] >= marker] if marker else records
    page, rest = records[:limit], records[limit:]
    return page, (rest[0]["name"] if rest else "")


def lease_container(
    cloud: Cloud, account: str, container: str, headers: dict[str, str]
) -> tuple[dict[str, Any], int, dict[str, str]]:
    with cloud.store.tx():
        record = get_container(cloud, account, container)
        check_conditions(record, headers, read=False)
        record["lease"], status, extra = leases.apply(record["lease"], headers, cloud.now())
        cloud.store.doc_put(CONTAINERS, _container_key(account, container), record)
    return record, status, extra


# -- blobs ------------------------------------------------------------------------------
def find_blob(cloud: Cloud, account: str, container: str, name: str) -> dict[str, Any] | None:
    get_container(cloud, account, container)
    record = cloud.store.doc_get(BLOBS, _blob_key(account, container, name))
    return dict(record) if record else None


def get_blob(cloud: Cloud, account: str, container: str, name: str) -> dict[str, Any]:
    record = find_blob(cloud, account, container, name)
    if record is None:
        raise BlobNotFound()
    return record


def read_content(cloud: Cloud, account: str, container: str, name: str) -> bytes:
    doc = cloud.store.doc_get(CONTENT, _blob_key(account, container, name)) or {}
    return base64.b64decode(doc.get("data", ""))


def _check_write(
    cloud: Cloud, existing: dict[str, Any] | None, headers: dict[str, str], *, create: bool = True
) -> None:
    lease_id = headers.get("x-ms-lease-id", "")
    if existing is not None:
        leases.check_access(
            existing.get("lease"), lease_id, cloud.now(), container=False, write=True
        )
    elif lease_id:
        leases.check_access(None, lease_id, cloud.now(), container=False, write=True)
    check_conditions(existing, headers, read=False, create=create)


def content_settings(headers: dict[str, str], *, prefix: str) -> dict[str, str | None]:
    """Content-Type & co. from ``prefix`` headers (``x-ms-blob-`` for block lists and
    Set Blob Properties; Put Blob also takes the standard headers)."""
    names = {
        "content_type": "content-type",
        "content_encoding": "content-encoding",
        "content_language": "content-language",
        "content_disposition": "content-disposition",
        "cache_control": "cache-control",
    }
    out: dict[str, str | None] = {}
    for field, header in names.items():
        value = headers.get(f"x-ms-blob-{header}")
        if value is None and prefix == "":
            value = headers.get(header)
        out[field] = value
    if not out["content_type"]:
        out["content_type"] = "application/octet-stream"
    return out


def _md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()


def _store_blob(
    cloud: Cloud,
    account: str,
    container: str,
    name: str,
    data: bytes,
    existing: dict[str, Any] | None,
    fields: dict[str, Any],
) -> dict[str, Any]:
    now = cloud.now()
    record = {
        "name": name,
        "created": existing["created"] if existing else now,
        "last_modified": now,
        "etag": new_etag(),
        "size": len(data),
        "lease": leases.after_write(existing.get("lease") if existing else None, now),
        **fields,
    }
    key = _blob_key(account, container, name)
    cloud.store.doc_put(BLOBS, key, record)
    cloud.store.doc_put(CONTENT, key, {"data": base64.b64encode(data).decode()})
    for block_key, _ in cloud.store.doc_list(BLOCKS, key + "/"):
        cloud.store.doc_delete(BLOCKS, block_key)
    return record


def put_blob(
    cloud: Cloud, account: str, container: str, name: str, data: bytes, headers: dict[str, str]
) -> dict[str, Any]:
    """Put Blob (block blob): the whole content in one request."""
    sent_md5 = headers.get("content-md5")
    computed = _md5(data)
    if sent_md5 and sent_md5 != computed:
        raise Md5Mismatch()
    with cloud.store.tx():
        existing = find_blob(cloud, account, container, name)
        _check_write(cloud, existing, headers)
        fields: dict[str, Any] = {
            **content_settings(headers, prefix=""),
            "content_md5": headers.get("x-ms-blob-content-md5") or computed,
            "metadata": metadata_from(headers),
            "blocks": [],
        }
        return _store_blob(cloud, account, container, name, data, existing, fields)


def _decode_block_id(block_id: str) -> bytes:
    try:
        raw = base64.b64decode(block_id, validate=True)
    except ValueError:
        raise InvalidBlockId() from None
    if not raw or len(raw) > MAX_BLOCK_ID_BYTES:
        raise InvalidBlockId()
    return raw


def put_block(
    cloud: Cloud,
    account: str,
    container: str,
    name: str,
    block_id: str,
    data: bytes,
    headers: dict[str, str],
) -> str:
    """Put Block: an uncommitted block; returns its Content-MD5."""
    raw = _decode_block_id(block_id)
    sent_md5 = headers.get("content-md5")
    computed = _md5(data)
    if sent_md5 and sent_md5 != computed:
        raise Md5Mismatch()
    with cloud.store.tx():
        existing = find_blob(cloud, account, container, name)
        if existing is not None:
            leases.check_access(
                existing.get("lease"),
                headers.get("x-ms-lease-id", ""),
                cloud.now(),
                container=False,
                write=True,
            )
        key = _blob_key(account, container, name)
        lengths = {
            len(base64.b64decode(d["id"])) for _, d in cloud.store.doc_list(BLOCKS, key + "/")
        }
        lengths |= {len(base64.b64decode(b[0])) for b in (existing or {}).get("blocks", [])}
        if lengths and lengths != {len(raw)}:
            raise InvalidBlobOrBlock()
        cloud.store.doc_put(
            BLOCKS, f"{key}/{raw.hex()}", {"id": block_id, "data": base64.b64encode(data).decode()}
        )
    return computed


def put_block_list(
    cloud: Cloud,
    account: str,
    container: str,
    name: str,
    wanted: list[tuple[str, str]],
    headers: dict[str, str],
) -> dict[str, Any]:
    """Put Block List: commit ``wanted`` ([(Latest|Committed|Uncommitted, id)])."""
    with cloud.store.tx():
        existing = find_blob(cloud, account, container, name)
        _check_write(cloud, existing, headers)
        key = _blob_key(account, container, name)
        uncommitted = {
            d["id"]: base64.b64decode(d["data"]) for _, d in cloud.store.doc_list(BLOCKS, key + "/")
        }
        committed = _committed_blocks(cloud, account, container, name, existing)
        parts: list[tuple[str, bytes]] = []
        for kind, block_id in wanted:
            data = _pick_block(kind, block_id, uncommitted, committed)
            parts.append((block_id, data))
        data = b"".join(p for _, p in parts)
        settings = content_settings(headers, prefix="x-ms-blob-")
        fields = {
            **settings,
            "content_md5": headers.get("x-ms-blob-content-md5"),
            "metadata": metadata_from(headers),
            "blocks": [[block_id, len(p)] for block_id, p in parts],
        }
        return _store_blob(cloud, account, container, name, data, existing, fields)


def _pick_block(
    kind: str, block_id: str, uncommitted: dict[str, bytes], committed: dict[str, bytes]
) -> bytes:
    order = {
        "Latest": (uncommitted, committed),
        "Uncommitted": (uncommitted,),
        "Committed": (committed,),
    }[kind]
    for source in order:
        if block_id in source:
            return source[block_id]
    raise InvalidBlockList()


def _committed_blocks(
    cloud: Cloud, account: str, container: str, name: str, existing: dict[str, Any] | None
) -> dict[str, bytes]:
    if not existing or not existing.get("blocks"):
        return {}
    content = read_content(cloud, account, container, name)
    out, offset = {}, 0
    for block_id, size in existing["blocks"]:
        out[block_id] = content[offset : offset + size]
        offset += size
    return out


def block_list(
    cloud: Cloud, account: str, container: str, name: str, which: str
) -> tuple[list[list[Any]], list[list[Any]]]:
    """Get Block List: (committed [[id, size]], uncommitted [[id, size]])."""
    existing = find_blob(cloud, account, container, name)
    key = _blob_key(account, container, name)
    pending = [
        [d["id"], len(base64.b64decode(d["data"]))]
        for _, d in cloud.store.doc_list(BLOCKS, key + "/")
    ]
    if existing is None and not pending:
        raise BlobNotFound()
    committed = list((existing or {}).get("blocks", [])) if which in ("committed", "all") else []
    return committed, (pending if which in ("uncommitted", "all") else [])


def read_blob(
    cloud: Cloud, account: str, container: str, name: str, headers: dict[str, str]
) -> tuple[dict[str, Any], bytes]:
    record = get_blob(cloud, account, container, name)
    _check_lease_and_conditions(cloud, record, headers, container=False, write=False, read=True)
    return record, read_content(cloud, account, container, name)


def byte_range(headers: dict[str, str], size: int) -> tuple[int, int] | None:
    """(first, last) of ``x-ms-range`` / ``Range``, or None; 416 InvalidRange past the end."""
    raw = headers.get("x-ms-range") or headers.get("range")
    if not raw:
        return None
    match = re.fullmatch(r"bytes=(\d+)-(\d*)", raw.strip())
    if not match:
        return None  # Azure ignores a malformed range and returns the whole blob
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) else size - 1
    if first >= size or last < first:
        raise InvalidRange()
    return first, min(last, size - 1)


def set_metadata(
    cloud: Cloud, account: str, container: str, name: str, headers: dict[str, str]
) -> dict[str, Any]:
    return _update_blob(
        cloud, account, container, name, headers, {"metadata": metadata_from(headers)}
    )


def set_properties(
    cloud: Cloud, account: str, container: str, name: str, headers: dict[str, str]
) -> dict[str, Any]:
    settings: dict[str, Any] = content_settings(headers, prefix="x-ms-blob-")
    settings["content_md5"] = headers.get("x-ms-blob-content-md5")
    return _update_blob(cloud, account, container, name, headers, settings)


def _update_blob(
    cloud: Cloud,
    account: str,
    container: str,
    name: str,
    headers: dict[str, str],
    fields: dict[str, Any],
) -> dict[str, Any]:
    with cloud.store.tx():
        record = get_blob(cloud, account, container, name)
        _check_write(cloud, record, headers, create=False)
        now = cloud.now()
        record.update(fields, last_modified=now, etag=new_etag())
        record["lease"] = leases.after_write(record.get("lease"), now)
        cloud.store.doc_put(BLOBS, _blob_key(account, container, name), record)
    return record


def delete_blob(
    cloud: Cloud, account: str, container: str, name: str, headers: dict[str, str]
) -> None:
    with cloud.store.tx():
        record = get_blob(cloud, account, container, name)
        _check_lease_and_conditions(cloud, record, headers, container=False, write=True)
        key = _blob_key(account, container, name)
        cloud.store.doc_delete(BLOBS, key)
        cloud.store.doc_delete(CONTENT, key)
        for block_key, _ in cloud.store.doc_list(BLOCKS, key + "/"):
            cloud.store.doc_delete(BLOCKS, block_key)


def list_blobs(
    cloud: Cloud, account: str, container: str, prefix: str, delimiter: str, marker: str, limit: int
) -> tuple[list[dict[str, Any]], list[str], str]:
    """List Blobs: (blobs, prefixes under ``delimiter``, next marker or "")."""
    get_container(cloud, account, container)
    records = [
        r
        for _, r in cloud.store.doc_list(BLOBS, f"{account}/{container}/")
        if r["name"].startswith(prefix)
    ]
    entries: dict[str, dict[str, Any]] = {}
    for record in records:
        rest = record["name"][len(prefix) :]
        if delimiter and delimiter in rest:
            folder = prefix + rest.split(delimiter, 1)[0] + delimiter
            entries.setdefault(folder, {"name": folder, "prefix": True})
        else:
            entries[record["name"]] = record
    page, next_marker = _page(sorted(entries.values(), key=lambda r: r["name"]), marker, limit)
    blobs = [r for r in page if not r.get("prefix")]
    prefixes = [r["name"] for r in page if r.get("prefix")]
    return blobs, prefixes, next_marker


def lease_blob(
    cloud: Cloud, account: str, container: str, name: str, headers: dict[str, str]
) -> tuple[dict[str, Any], int, dict[str, str]]:
    with cloud.store.tx():
        record = get_blob(cloud, account, container, name)
        check_conditions(record, headers, read=False)
        record["lease"], status, extra = leases.apply(record.get("lease"), headers, cloud.now())
        cloud.store.doc_put(BLOBS, _blob_key(account, container, name), record)
    return record, status, extra
