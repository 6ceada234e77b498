"""Microsoft.Storage/storageAccounts in the local Azure.

Simulated: name rules, global uniqueness (``names/storage``), the read-only
properties a client reads (endpoints, primary location, creation time),
``checkNameAvailability`` and the account keys: ``listKeys`` answers ``key1`` and
``key2`` (64 random bytes, base64, as Azure's), stable for the account's life (kept
in the document collection ``storage/keys``, never logged) and replaced one at a time
by ``regenerateKey``; a new account of the same name gets new keys.  The template
function ``listKeys()`` reads the same keys (:func:`list_keys`).  Not simulated:
Kerberos keys (``$expand=kerb``), ``allowSharedKeyAccess: false`` refusing key use,
secondary regions and failover, network rules enforcement, encryption scopes.
``primaryEndpoints.blob`` names the local Blob service of :mod:`mocks.blob` (path-style,
``https://127.0.0.1:PORT/<account>/``) when one is running; that service checks Shared
Key and SAS signatures with these keys, and the account's blobs go with it.
"""

from __future__ import annotations

import base64
import importlib
import re
import secrets
import time
from typing import TYPE_CHECKING, Any

from mocks.core.errors import ResourceNotFound
from mocks.core.registry import ResourceType, resource_type
from mocks.resources.models import get_group

from . import reservations
from .exceptions import AccountNameInvalid, InvalidRequestContent, StorageAccountAlreadyTaken

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

NAMES = "names/storage"
KEYS = (
    "storage/keys"  # account id (lower-case) -> {"uid", "keys": [{keyName, value, creationTime}]}
)
KEY_NAMES = ("key1", "key2")
STORAGE_SUFFIX = "core.windows.net"  # the public cloud's storage endpoint suffix
SERVICES = ("blob", "queue", "table", "file", "dfs", "web")
_NAME_RE = re.compile(r"^[a-z0-9]{3,24}$")


def iso_time(epoch: float) -> str:
    """ARM's timestamp format (7 fractional digits, UTC)."""
    frac = f"{epoch % 1:.7f}"[2:]
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{frac}Z"


def name_is_valid(name: str) -> bool:
    return bool(_NAME_RE.match(name))


def primary_endpoints(name: str, blob_url: str = "") -> dict[str, str]:
    """The endpoints Azure derives from the account name and the cloud's suffix; the
    blob endpoint is the local Blob service's (path-style) when ``blob_url`` is set."""
    hosts = {
        svc: f"{name}.{'z1.' if svc == 'web' else ''}{svc}.{STORAGE_SUFFIX}" for svc in SERVICES
    }
    endpoints = {svc: f"https://{host}/" for svc, host in hosts.items()}
    if blob_url:
        endpoints["blob"] = f"{blob_url}/{name}/"
    return endpoints


def account_by_name(cloud: Cloud, name: str) -> dict[str, Any] | None:
    """The live storage account named ``name`` (any subscription), or None."""
    owner = reservations.owner_of(cloud, NAMES, name)
    return cloud.store.resource_get(owner) if owner else None


def refresh_blob_endpoints(cloud: Cloud, blob_url: str) -> int:
    """Point every stored account's ``primaryEndpoints.blob`` at ``blob_url`` (the
    Blob service of the server now starting); returns how many changed."""
    changed = 0
    for _name, rid in cloud.store.doc_list(NAMES):
        body = cloud.store.resource_get(str(rid))
        props = (body or {}).get("properties") or {}
        endpoints = props.get("primaryEndpoints")
        # A transient body keeps its clock (ready_at): only settled ones are rewritten.
        if not body or not isinstance(endpoints, dict):
            continue
        if props.get("provisioningState") != "Succeeded":
            continue
        wanted = f"{blob_url}/{body['name']}/"
        if endpoints.get("blob") != wanted:
            endpoints["blob"] = wanted
            cloud.store.resource_put(body)
            changed += 1
    return changed


def check_name_availability(cloud: Cloud, name: str) -> dict[str, Any]:
    """The body of ``POST …/Microsoft.Storage/checkNameAvailability``."""
    if not name_is_valid(name):
        return {
            "nameAvailable": False,
            "reason": "AccountNameInvalid",
            "message": AccountNameInvalid(name).message,
        }
    if reservations.owner_of(cloud, NAMES, name) is not None:
        return {
            "nameAvailable": False,
            "reason": "AlreadyExists",
            "message": StorageAccountAlreadyTaken(name).message,
        }
    return {"nameAvailable": True}


def _default_properties(body: dict[str, Any], now: float) -> dict[str, Any]:
    kind = body.get("kind") or "StorageV2"
    defaults: dict[str, Any] = {
        "supportsHttpsTrafficOnly": True,
        "minimumTlsVersion": "TLS1_2",
        "allowBlobPublicAccess": False,
        "encryption": {
            "keySource": "Microsoft.Storage",
            "services": {"blob": {"enabled": True, "keyType": "Account"}},
        },
        "creationTime": iso_time(now),
    }
    if kind in ("StorageV2", "BlobStorage"):
        defaults["accessTier"] = "Hot"
    return defaults


@resource_type
class StorageAccount(ResourceType):
    """A storage account: validated name, globally unique, endpoints filled in."""

    type_name = "Microsoft.Storage/storageAccounts"

    def normalize(
        self, cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        name = body["name"]
        if not name_is_valid(name):
            raise AccountNameInvalid(name)
        body.setdefault("sku", {"name": "Standard_LRS"})
        body["sku"].setdefault(
            "tier", "Premium" if "Premium" in body["sku"]["name"] else "Standard"
        )
        body.setdefault("kind", "StorageV2")
        props = dict(_default_properties(body, cloud.now()))
        if existing:
            props["creationTime"] = existing["properties"].get(
                "creationTime", props["creationTime"]
            )
        props.update(body.get("properties") or {})
        props.update(
            primaryEndpoints=primary_endpoints(name, cloud.blob_url),
            primaryLocation=body["location"],
            statusOfPrimary="available",
        )
        body["properties"] = props
        # Reserve last: every validation above must pass before the name is taken.
        if not reservations.reserve(cloud, NAMES, name, rid):
            raise StorageAccountAlreadyTaken(name)
        return body

    def on_delete(self, cloud: Cloud, body: dict[str, Any]) -> None:
        reservations.release(cloud, NAMES, body["name"], body["id"])
        cloud.store.doc_delete(KEYS, body["id"].lower())
        # The account's containers and blobs go with it (Blob service state).
        importlib.import_module("mocks.blob.models").drop_account(cloud, body["name"])

    def invoke_action(
        self, cloud: Cloud, body: dict[str, Any], action: str, payload: Any
    ) -> dict[str, Any] | None:
        if action.lower() == "listkeys":
            return list_keys(cloud, body)
        return None


@resource_type
class BlobContainer(ResourceType):
    """A blob container written through ARM (``blobServices/default/containers``): the same
    container the Blob service serves (created there when missing, deleted with it).
    ``blobServices/default`` itself is implicit: it exists while the account does."""

    type_name = "Microsoft.Storage/storageAccounts/blobServices/containers"

    def normalize(
        self, cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        props = body.setdefault("properties", {})
        props.setdefault("publicAccess", "None")
        body.pop("tags", None)  # a container has no tags in its REST schema
        return body

    def after_put(self, cloud: Cloud, body: dict[str, Any], at: float | None = None) -> None:
        blobs = importlib.import_module("mocks.blob.models")
        errors = importlib.import_module("mocks.blob.exceptions")
        account, container = _account_and_container(body["id"])
        try:
            blobs.create_container(cloud, blobs.resolve_account(cloud, account), container, {})
        except errors.ContainerAlreadyExists:
            pass  # a PUT of an existing container changes nothing in the Blob service

    def on_delete(self, cloud: Cloud, body: dict[str, Any]) -> None:
        blobs = importlib.import_module("mocks.blob.models")
        errors = importlib.import_module("mocks.blob.exceptions")
        account, container = _account_and_container(body["id"])
        try:
            blobs.delete_container(cloud, account, container, {})
        except errors.ContainerNotFound:
            pass  # gone with its account already


def _account_and_container(rid: str) -> tuple[str, str]:
    """``…/storageAccounts/{account}/blobServices/default/containers/{container}``."""
    parts = rid.split("/")
    return parts[-5], parts[-1]


def implicit_parent(cloud: Cloud, parent_id: str) -> dict[str, Any] | None:
    """The account that stands for its implicit ``blobServices/default`` child (it has no
    record of its own); None for any other id."""
    head, _, tail = parent_id.rpartition("/blobServices/")
    if tail.lower() != "default" or "/storageaccounts/" not in head.lower():
        return None
    return cloud.store.resource_get(head)


# -- account keys --------------------------------------------------------------------------------
def _new_key(cloud: Cloud, key_name: str) -> dict[str, Any]:
    value = base64.b64encode(secrets.token_bytes(64)).decode()
    return {"keyName": key_name, "value": value, "creationTime": iso_time(cloud.now())}


def _keys_record(cloud: Cloud, account: dict[str, Any]) -> dict[str, Any]:
    """The account's keys, made on first use; an account re-created under the same id
    (a new ``creationTime``) gets new ones."""
    uid = (account.get("properties") or {}).get("creationTime", "")
    record = cloud.store.doc_get(KEYS, account["id"].lower())
    if not record or record.get("uid") != uid:
        record = {"uid": uid, "keys": [_new_key(cloud, n) for n in KEY_NAMES]}
        cloud.store.doc_put(KEYS, account["id"].lower(), record)
    return dict(record)


def _keys_body(record: dict[str, Any]) -> dict[str, Any]:
    return {"keys": [{**key, "permissions": "FULL"} for key in record["keys"]]}


def list_keys(cloud: Cloud, account: dict[str, Any]) -> dict[str, Any]:
    """``StorageAccountListKeysResult`` of a stored account: ``{"keys": [key1, key2]}``."""
    with cloud.store.tx():
        return _keys_body(_keys_record(cloud, account))


def regenerate_key(cloud: Cloud, account: dict[str, Any], key_name: str) -> dict[str, Any]:
    """``regenerateKey``: a new value for ``key1`` or ``key2``; the other is kept."""
    if key_name.lower() not in KEY_NAMES:
        raise InvalidRequestContent(
            f"The value '{key_name}' of keyName is invalid. Allowed values: key1, key2.",
            target="keyName",
        )
    with cloud.store.tx():
        record = _keys_record(cloud, account)
        record["keys"] = [
            _new_key(cloud, key["keyName"]) if key["keyName"] == key_name.lower() else key
            for key in record["keys"]
        ]
        cloud.store.doc_put(KEYS, account["id"].lower(), record)
        return _keys_body(record)


def get_account(cloud: Cloud, sub: str, group: str, name: str) -> dict[str, Any]:
    """The stored account for a route: 404 ResourceGroupNotFound, then ResourceNotFound."""
    get_group(cloud, sub, group)
    rid = f"/subscriptions/{sub}/resourceGroups/{group}/providers/{StorageAccount.type_name}/{name}"
    account = cloud.store.resource_get(rid)
    if account is None or account.get("type", "").lower() != StorageAccount.type_name.lower():
        raise ResourceNotFound.in_group(f"{StorageAccount.type_name}/{name}", group)
    return account
