"""Frozen results of the operations; the renderer prints them as text or JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ResourceState:
    """One resource of the deployment and its provisioning state."""

    type: str
    name: str
    state: str
    error: str | None = None


@dataclass(frozen=True)
class CmgStatus:
    """What ``up``, ``status`` and ``scale`` report about one CMG."""

    name: str
    state: str  # Ready | Provisioning | Error | Deleting | NotFound
    environment: str
    region: str | None
    resource_group: str | None
    subscription: str | None
    instances: int | None
    vm_size: str | None
    fqdn: str | None
    public_ip: str | None
    deployment_name: str | None
    deployment_state: str | None
    vmss_state: str | None
    instance_states: tuple[tuple[str, str], ...] = ()
    connection_points: tuple[dict[str, Any], ...] = ()
    site_roles: tuple[dict[str, Any], ...] = ()
    resources: tuple[ResourceState, ...] = ()
    changed: bool = False
    summary: str = ""
    errors: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["instance_states"] = [{"instance": i, "state": s} for i, s in self.instance_states]
        data["connection_points"] = list(self.connection_points)
        data["site_roles"] = list(self.site_roles)
        data["resources"] = [asdict(r) for r in self.resources]
        data["errors"] = list(self.errors)
        return data


@dataclass(frozen=True)
class PlanChange:
    """One line of ``plan``: a resource or site record and what would happen to it."""

    scope: str  # "azure" | "site"
    target: str
    change: str  # Create | Modify | Delete | NoChange | ...
    deltas: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class PlanResult:
    name: str
    deployment_name: str
    changes: tuple[PlanChange, ...] = ()
    estimate: dict[str, Any] | None = None  # the monthly cost (estimate's JSON), if priced

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "deployment_name": self.deployment_name,
            "changes": [asdict(c) for c in self.changes],
            "estimate": self.estimate,
        }


@dataclass(frozen=True)
class DownResult:
    name: str
    deleted_resources: tuple[str, ...] = ()
    kept_resources: tuple[str, ...] = ()
    deleted_group: bool = False
    resource_group: str | None = None
    site_records_removed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {
            "deleted_resources": list(self.deleted_resources),
            "kept_resources": list(self.kept_resources),
        }


@dataclass(frozen=True)
class AuthCheckResult:
    environment: str
    tenant_id: str
    subscription_id: str
    subscription_name: str
    principal: str
    principal_type: str
    token_expires_on: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TableResult:
    """A generic list of rows (environments list, site show...)."""

    title: str
    rows: tuple[dict[str, Any], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "rows": list(self.rows), **self.extra}


@dataclass(frozen=True)
class TextResult:
    """A block of text (``site export``) with its format."""

    format: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format, "text": self.text}
