"""Frozen results of the operations; the renderer prints them as text or JSON."""

from __future__ import annotations

import json
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

    def waiting_on(self) -> str:
        """What a CMG that is not Ready yet waits on, as people name it."""
        busy = [r for r in self.resources if r.state.lower() not in ("succeeded", "")]
        if busy:
            return f"{busy[0].type} {busy[0].name} ({busy[0].state})"
        if self.deployment_state and self.deployment_state.lower() != "succeeded":
            return f"deployment {self.deployment_name} ({self.deployment_state})"
        if self.vmss_state and self.vmss_state.lower() != "succeeded":
            return f"the scale set of {self.name} ({self.vmss_state})"
        running = sum(1 for _, st in self.instance_states if st.lower() == "succeeded")
        return f"the scale set's instances ({running}/{self.instances or 0} Succeeded)"

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
    token_expires_on: int  # epoch seconds, as the token says

    def to_dict(self) -> dict[str, Any]:
        """The token's expiry as ISO 8601 UTC (``2026-12-06T21:04:05+00:00``)."""
        import datetime as dt

        expires = dt.datetime.fromtimestamp(self.token_expires_on, dt.UTC)
        return asdict(self) | {"token_expires_on": expires.isoformat(timespec="seconds")}


@dataclass(frozen=True)
class TableResult:
    """A generic list of rows (environments list, site show...)."""

    title: str
    rows: tuple[dict[str, Any], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "rows": list(self.rows), **self.extra}


@dataclass(frozen=True)
class SiteResult:
    """``site show``: the CMG services, connection points and site roles (JSON keeps
    the connection points as ``rows`` under ``title``, as a table result has them)."""

    services: tuple[dict[str, Any], ...] = ()
    connection_points: tuple[dict[str, Any], ...] = ()
    site_roles: tuple[dict[str, Any], ...] = ()
    gateways: tuple[dict[str, Any], ...] = ()  # what the site needs to create each CMG
    entra_apps: tuple[dict[str, Any], ...] = ()  # the site's Entra app registrations

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": "Connection points",
            "rows": list(self.connection_points),
            "site_roles": list(self.site_roles),
            "services": list(self.services),
            "gateways": list(self.gateways),
            "entra_apps": list(self.entra_apps),
        }


@dataclass(frozen=True)
class TextResult:
    """A block of text (``site export``) with its format."""

    format: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"format": self.format, "text": self.text}


# -- naming things for people (shared by the renderer and confirmation questions) -------
def resource_label(target: str) -> tuple[str, str]:
    """``(type, name)`` of an ARM id (``Microsoft.KeyVault/vaults/secrets``,
    ``vault/secret`` for a child); another target ``"kind key"`` gives ``(kind, key)``."""
    if not target.startswith("/"):
        kind, _, key = target.partition(" ")
        return kind, key
    parts = target.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    if "providers" not in lowered:
        return "", parts[-1]
    at = len(lowered) - 1 - lowered[::-1].index("providers")
    rest = parts[at + 1 :]
    if len(rest) < 3:
        return ("/".join(rest), "")
    namespace, pairs = rest[0], rest[1:]
    types = [pairs[i] for i in range(0, len(pairs), 2)]
    names = [pairs[i] for i in range(1, len(pairs), 2)]
    return (f"{namespace}/{'/'.join(types)}", "/".join(names))


def value_text(value: Any) -> str:
    """A property value as people read it: ``(none)``, a plain scalar, or compact JSON."""
    if value is None:
        return "(none)"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(", ", ": "), default=str)
    return str(value)


def delta_text(delta: dict[str, Any]) -> str:
    """``path: before → after`` of one property change (``+``/``-`` for added/removed)."""
    path, change = delta.get("path") or "", str(delta.get("change") or "")
    before, after = delta.get("before"), delta.get("after")
    if change == "Create" or (before is None and after is not None):
        return f"{path}: + {value_text(after)}"
    if change == "Delete" or (after is None and before is not None):
        return f"{path}: - {value_text(before)}"
    return f"{path}: {value_text(before)} → {value_text(after)}"
