"""ARM what-if for a prepared deployment, as plan changes (secret properties left out)."""

from __future__ import annotations

import re

from cmgdeploy.domain.arm_views import WhatIfChange
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


def _change(change: WhatIfChange) -> PlanChange:
    """One what-if change without its write-only properties; a Modify whose only
    property changes are write-only is no change."""
    shown = [p for p in change.properties if not _write_only(p.path)]
    kind = change.change_type
    if kind == "Modify" and change.properties and not shown:
        kind = "NoChange"
    deltas = tuple(
        {"path": p.path, "change": p.change, "before": p.before, "after": p.after} for p in shown
    )
    return PlanChange("azure", change.resource_id, kind, deltas)


# Write-only properties: Azure never returns them, so what-if always shows them as
# added; they hold secrets (the DSC package's SAS token) that must not be printed.
WRITE_ONLY = ("protectedSettings", "protectedSettingsFromKeyVault")


def _write_only(path: str) -> bool:
    """A property under a write-only one (``…extensions[0].properties.protectedSettings…``)."""
    return any(part in WRITE_ONLY for part in re.split(r"[.\[\]]+", path))
