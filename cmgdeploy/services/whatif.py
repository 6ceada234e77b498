"""ARM what-if for a prepared deployment, as plan changes (secret properties left out)."""

from __future__ import annotations

from typing import Any

from cmgdeploy.domain.results import PlanChange
from cmgdeploy.services.azure.api import ArmApi
from cmgdeploy.services.cmgstate import ours
from cmgdeploy.services.prepared import Prepared, scale_set_principal, with_principal
from cmgdeploy.services.spec import CmgSpec


def azure_changes(
    session: ArmApi, spec: CmgSpec, prepared: Prepared, *, group_exists: bool
) -> tuple[PlanChange, ...]:
    """ARM what-if for ``prepared``, one change per resource (no write)."""
    if not group_exists:
        return tuple(
            PlanChange("azure", r.get("type", "") + " (new resource group)", "Create")
            for r in prepared.template.body.get("resources") or []
        )
    if "scaleSetPrincipalId" not in prepared.parameters:  # as up passes it (commands/up.py)
        mine = [r for r in session.list_group_resources(spec.resource_group) if ours(r, spec.name)]
        prepared = with_principal(prepared, scale_set_principal(mine))
    changes = session.what_if(
        spec.resource_group, prepared.deployment, prepared.template.body, prepared.parameters
    )
    return tuple(_change(c) for c in changes)


def _change(change: dict[str, Any]) -> PlanChange:
    """One what-if change; a Modify whose only deltas are write-only is no change."""
    kind = str(change.get("changeType", ""))
    deltas = tuple(_flat(change.get("delta") or []))
    if kind == "Modify" and change.get("delta") and not deltas:
        kind = "NoChange"
    return PlanChange("azure", str(change.get("resourceId", "")), kind, deltas)


# Write-only properties: Azure never returns them, so what-if always shows them as
# added; they hold secrets (the DSC package's SAS token) that must not be printed.
WRITE_ONLY = ("protectedSettings", "protectedSettingsFromKeyVault")


def _flat(delta: list[dict[str, Any]], parent: str = "") -> list[dict[str, Any]]:
    """Property deltas flattened to ``{"path", "change", "before", "after"}``; a child's
    path is its full path (``properties.securityRules[1]``: what-if gives array items
    the index alone, under their parent). Write-only secret properties are left out."""
    out: list[dict[str, Any]] = []
    for d in delta:
        if any(part in WRITE_ONLY for part in str(d.get("path", "")).split(".")):
            continue
        path = _joined(parent, str(d.get("path") or ""))
        if d.get("children"):
            out.extend(_flat(d["children"], path))
        else:
            out.append(
                {"path": path, "change": d.get("propertyChangeType"),
                 "before": d.get("before"), "after": d.get("after")}
            )  # fmt: skip
    return out


def _joined(parent: str, path: str) -> str:
    if not parent:
        return path
    return f"{parent}[{path}]" if path.isdigit() else f"{parent}.{path}"
