"""The virtual machine sizes the local Azure offers, per region (``Resource SKUs - List``).

A fixed table (documented in COVERAGE.md): every size is offered in every region of
:data:`mocks.resources.catalog.REGION_NAMES` except where :data:`RESTRICTIONS` says
``NotAvailableForSubscription``.  Real Azure's list is far larger and changes over time.
"""

from __future__ import annotations

import re
from typing import Any

from mocks.resources.catalog import REGION_NAMES

from .exceptions import InvalidRequestContent

# name -> (family, vCPUs, MemoryGB)
SIZES: dict[str, tuple[str, int, float]] = {
    "Standard_B1s": ("standardBSFamily", 1, 1),
    "Standard_B2s": ("standardBSFamily", 2, 4),
    "Standard_B2ms": ("standardBSFamily", 2, 8),
    "Standard_A1_v2": ("standardAv2Family", 1, 2),
    "Standard_A2_v2": ("standardAv2Family", 2, 4),
    "Standard_A4_v2": ("standardAv2Family", 4, 8),
    "Standard_A8_v2": ("standardAv2Family", 8, 16),
    "Standard_D2s_v3": ("standardDSv3Family", 2, 8),
    "Standard_D4s_v3": ("standardDSv3Family", 4, 16),
    "Standard_D2s_v5": ("standardDSv5Family", 2, 8),
    "Standard_F2s_v2": ("standardFSv2Family", 2, 4),
}

# size -> regions where the subscription may not deploy it
RESTRICTIONS: dict[str, set[str]] = {
    "Standard_A4_v2": {"westus3"},
    "Standard_B2s": {"swedencentral"},
    "Standard_A8_v2": {"brazilsouth", "southafricanorth"},
    "Standard_D2s_v5": {"ukwest", "koreacentral"},
}

# Regions without availability zones in this table (all others have zones 1-3).
NO_ZONES = {"westus", "ukwest", "northcentralus", "westcentralus", "canadaeast"}


def canonical_size(size: str) -> str | None:
    """The table's spelling of ``size`` (ARM matches VM sizes case-insensitively)."""
    return next((name for name in SIZES if name.lower() == size.lower()), None)


def is_available(size: str, region: str) -> bool:
    name = canonical_size(size)
    region = region.replace(" ", "").lower()
    return (
        name is not None and region in REGION_NAMES and region not in RESTRICTIONS.get(name, set())
    )


def sku_entry(size: str, region: str) -> dict[str, Any]:
    """One ``ResourceSku`` (Azure lists one entry per size and region)."""
    family, vcpus, memory = SIZES[size]
    zones = [] if region in NO_ZONES else ["1", "2", "3"]
    entry: dict[str, Any] = {
        "resourceType": "virtualMachines",
        "name": size,
        "tier": "Standard",
        "size": size.split("_", 1)[1],
        "family": family,
        "locations": [region],
        "locationInfo": [{"location": region, "zones": zones, "zoneDetails": []}],
        "capabilities": [
            {"name": "vCPUs", "value": str(vcpus)},
            {"name": "MemoryGB", "value": f"{memory:g}"},
            {"name": "MaxDataDiskCount", "value": str(vcpus * 2)},
            {"name": "LowPriorityCapable", "value": "True"},
        ],
        "restrictions": [],
    }
    if region in RESTRICTIONS.get(size, set()):
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
    return [sku_entry(size, r) for size in SIZES for r in regions if r in REGION_NAMES]


_LOCATION_FILTER = re.compile(r"^\s*location\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)


def list_skus_filtered(flt: str) -> list[dict[str, Any]]:
    """``Resource Skus - List`` with its ``$filter``: none, or ``location eq 'x'`` (else 400)."""
    match = _LOCATION_FILTER.match(flt)
    if flt and not match:
        raise InvalidRequestContent(f"The filter '{flt}' is not supported: use location eq 'x'.")
    return list_skus(match.group(1) if match else None)
