"""What cmgdeploy reads of Azure Resource Manager, as frozen values.

The Azure boundary (``cmgdeploy.services.azure``) parses ARM's JSON into these; the
services and commands read their fields, never the wire shape (``properties``,
camelCase). Each holds only what cmgdeploy uses of the resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cmgdeploy.domain.errors import ErrorDetail


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    display_name: str = ""
    tenant_id: str = ""


@dataclass(frozen=True)
class ResourceGroup:
    name: str
    location: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    provisioning_state: str = ""


@dataclass(frozen=True)
class GroupResource:
    """One entry of a group's resource list (read with its provisioning state)."""

    id: str
    name: str
    type: str
    provisioning_state: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    principal_id: str = ""  # the system-assigned identity, when the resource has one
    sku_name: str | None = None
    capacity: int | None = None  # the SKU's capacity (a scale set's instance count)


@dataclass(frozen=True)
class Deployment:
    """A resource-group deployment. ``outputs`` and ``parameters`` map each name to its
    value; ``error`` is ARM's error chain, outermost first (empty when none)."""

    name: str
    provisioning_state: str = ""
    outputs: Mapping[str, Any] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    error: tuple[ErrorDetail, ...] = ()
    timestamp: str = ""  # ISO 8601, as ARM gives it
    duration: str = ""  # ISO 8601 duration (PT1M2.5S)
    output_resources: tuple[str, ...] = ()  # ids of the resources it wrote


@dataclass(frozen=True)
class DeploymentOperation:
    """One deployment operation: a target resource and how its provisioning went
    (``error``: its status message's error chain, outermost first)."""

    resource_id: str
    resource_type: str
    resource_name: str
    provisioning_state: str = ""
    error: tuple[ErrorDetail, ...] = ()

    @property
    def status_message(self) -> str | None:
        """The status message's error message, when the operation has one."""
        return (self.error[0].message or None) if self.error else None


@dataclass(frozen=True)
class ScaleSet:
    name: str
    capacity: int = 0
    size: str | None = None
    provisioning_state: str = ""
    principal_id: str = ""


@dataclass(frozen=True)
class Instance:
    """A scale set VM with its instance view (``errors``: its error-level statuses,
    each with the instance's name as target)."""

    instance_id: str
    name: str
    provisioning_state: str = ""
    power_state: str | None = None  # running, stopped, deallocated...
    errors: tuple[ErrorDetail, ...] = ()


@dataclass(frozen=True)
class PublicIp:
    address: str | None = None
    fqdn: str | None = None


@dataclass(frozen=True)
class StorageAccount:
    id: str
    provisioning_state: str = ""
    blob_endpoint: str | None = None


@dataclass(frozen=True)
class DeletedVault:
    """A soft-deleted key vault (it holds its global name until purged)."""

    name: str
    location: str = ""
    vault_id: str = ""  # the id the vault had (names its resource group)
    tags: Mapping[str, str] = field(default_factory=dict)
    purge_protection: bool = False
    scheduled_purge_date: str | None = None


@dataclass(frozen=True)
class PropertyChange:
    """One changed property of a what-if change, by its full path
    (``properties.securityRules[1].properties.destinationPortRange``)."""

    path: str
    change: str  # Create | Delete | Modify | Array | NoEffect (propertyChangeType)
    before: Any = None
    after: Any = None


@dataclass(frozen=True)
class WhatIfChange:
    """What ARM's what-if says a deployment would do to one resource."""

    resource_id: str
    change_type: str  # Create | Delete | Ignore | NoChange | Modify | Deploy | Unsupported
    properties: tuple[PropertyChange, ...] = ()  # every changed leaf property


@dataclass(frozen=True)
class Started:
    """What a deployment PUT answered: where to poll and how long to wait first."""

    status_url: str | None
    retry_after: float | None
