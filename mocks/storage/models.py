"""Microsoft.Storage/storageAccounts in the local Azure.

Simulated: name rules, global uniqueness (``names/storage``), the read-only
properties a client reads (endpoints, primary location, creation time) and
``checkNameAvailability``.  Not simulated: the data plane (blobs, queues, tables,
files), account keys (``listKeys``), secondary regions and failover, network rules
enforcement, encryption scopes.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

from mocks.core.registry import ResourceType, resource_type

from . import reservations
from .exceptions import AccountNameInvalid, StorageAccountAlreadyTaken

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

NAMES = "names/storage"
STORAGE_SUFFIX = "core.windows.net"  # the public cloud's storage endpoint suffix
SERVICES = ("blob", "queue", "table", "file", "dfs", "web")
_NAME_RE = re.compile(r"^[a-z0-9]{3,24}$")


def iso_time(epoch: float) -> str:
    """ARM's timestamp format (7 fractional digits, UTC)."""
    frac = f"{epoch % 1:.7f}"[2:]
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{frac}Z"


def name_is_valid(name: str) -> bool:
    return bool(_NAME_RE.match(name))


def primary_endpoints(name: str) -> dict[str, str]:
    """The endpoints Azure derives from the account name and the cloud's suffix."""
    hosts = {
        svc: f"{name}.{'z1.' if svc == 'web' else ''}{svc}.{STORAGE_SUFFIX}" for svc in SERVICES
    }
    return {svc: f"https://{host}/" for svc, host in hosts.items()}


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
            primaryEndpoints=primary_endpoints(name),
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
