"""The virtual machine sizes the local Azure offers, per region (``Resource SKUs - List``).

The sizes and their capabilities come from ``data/vm_sizes.json`` (Microsoft's size
pages: Av2, Bv1, Bsv2, Dv2, Dv3, Dsv3, Dv4, Dsv4, Dv5, Dsv5; see its ``source``).  Every
size is offered in every region of :data:`mocks.resources.catalog.REGION_NAMES` except
where the file's ``restrictions`` say ``NotAvailableForSubscription`` (the local Azure's
own choice, to exercise ``SkuNotAvailable``).  Real Azure's list is far larger and
varies by region and over time.
"""

from __future__ import annotations

import re
from typing import Any

from mocks.resources.catalog import REGION_NAMES

from . import catalog
from .exceptions import InvalidRequestContent

OS_VHD_SIZE_MB = 1047552  # as the Resource SKUs example reports it

# Regions without availability zones in this table (all others have zones 1-3).
NO_ZONES = {"westus", "ukwest", "northcentralus", "westcentralus", "canadaeast"}


def _sizes() -> dict[str, dict[str, Any]]:
    return catalog.sizes()


def _restrictions() -> dict[str, list[str]]:
    return catalog.restrictions()


def canonical_size(size: str) -> str | None:
    """The table's spelling of ``size`` (ARM matches VM sizes case-insensitively)."""
    return next((name for name in _sizes() if name.lower() == size.lower()), None)


def is_available(size: str, region: str) -> bool:
    name = canonical_size(size)
    region = region.replace(" ", "").lower()
    return (
        name is not None and region in REGION_NAMES and region not in _restrictions().get(name, [])
    )


def _flag(value: bool) -> str:
    return "True" if value else "False"


def _capabilities(row: dict[str, Any]) -> list[dict[str, str]]:
    """The capability list of one size, named as ARM names them."""
    pairs = [
        ("MaxResourceVolumeMB", str(int(row["tempDiskGiB"]) * 1024)),
        ("OSVhdSizeMB", str(OS_VHD_SIZE_MB)),
        ("vCPUs", str(row["vCPUs"])),
        ("HyperVGenerations", row["hyperVGenerations"]),
        ("MemoryGB", f"{float(row['memoryGB']):g}"),
        ("MaxDataDiskCount", str(row["maxDataDisks"])),
        ("LowPriorityCapable", "True"),
        ("PremiumIO", _flag(row["premiumIO"])),
        ("vCPUsAvailable", str(row["vCPUs"])),
        ("EphemeralOSDiskSupported", _flag(row["ephemeralOSDisk"])),
        ("AcceleratedNetworkingEnabled", _flag(row["acceleratedNetworking"])),
        ("MaxNetworkInterfaces", str(row["maxNics"])),
    ]
    return [{"name": name, "value": value} for name, value in pairs]


def sku_entry(size: str, region: str) -> dict[str, Any]:
    """One ``ResourceSku`` (Azure lists one entry per size and region)."""
    row = _sizes()[size]
    zones = [] if region in NO_ZONES else ["1", "2", "3"]
    entry: dict[str, Any] = {
        "resourceType": "virtualMachines",
        "name": size,
        "tier": "Standard",
        "size": size.split("_", 1)[1],
        "family": row["family"],
        "locations": [region],
        "locationInfo": [{"location": region, "zones": zones, "zoneDetails": []}],
        "capabilities": _capabilities(row),
        "restrictions": [],
    }
    if region in _restrictions().get(size, []):
        entry["restrictions"] = [
            {
                "type": "Location",
                "values": [region],
                "restrictionInfo": {"locations": [region]},
                "reasonCode": "NotAvailableForSubscription",
            }
        ]
    return entry


def list_skus(location: str | None = None) -> list[dict[str, Any]]:
    """All entries, or only those of ``location`` (``$filter=location eq 'x'``)."""
    regions = REGION_NAMES if location is None else [location.replace(" ", "").lower()]
    return [sku_entry(size, r) for size in _sizes() for r in regions if r in REGION_NAMES]


_LOCATION_FILTER = re.compile(r"^\s*location\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)


def list_skus_filtered(flt: str) -> list[dict[str, Any]]:
    """``Resource Skus - List`` with its ``$filter``: none, or ``location eq 'x'`` (else 400)."""
    match = _LOCATION_FILTER.match(flt)
    if flt and not match:
        raise InvalidRequestContent(f"The filter '{flt}' is not supported: use location eq 'x'.")
    return list_skus(match.group(1) if match else None)
