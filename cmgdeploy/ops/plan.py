"""``cmgdeploy plan``: ARM what-if for the same inputs plus the site-database diff."""

from __future__ import annotations

from typing import Any

from .. import site
from ..environments import require_cmg_supported
from ..results import PlanChange, PlanResult
from .cmgstate import ours
from .context import OpContext, open_session
from .up import prepare, scale_set_principal, with_principal


def plan(ctx: OpContext, spec: Any) -> PlanResult:
    """What ``up`` with ``spec`` would change, per resource and per site record (no write:
    a lab certificate not kept yet is a throwaway one)."""
    require_cmg_supported(ctx.env)
    prepared = prepare(ctx, spec, keep_cert=False)
    session = open_session(ctx, spec.subscription)
    try:
        exists = session.get_group(spec.resource_group) is not None
        azure = azure_changes(session, spec, prepared, group_exists=exists)
    finally:
        session.close()
    current = site.SiteConfig(
        spec.name, ctx.db.list_connection_points(spec.name), ctx.db.list_site_roles(spec.name)
    )
    site_changes = tuple(
        PlanChange("site", f"{c.kind} {c.key}", c.action.capitalize(), _site_deltas(c.changes))
        for c in site.site_diff(current, prepared.site_config)
    )
    return PlanResult(
        spec.name, prepared.deployment, azure + site_changes, planned_estimate(ctx, spec)
    )


def planned_estimate(ctx: OpContext, spec: Any) -> dict[str, Any] | None:
    """``estimate`` for the CMG ``spec`` describes, at its full client capacity; None for
    a cloud without a price API, and a price API that fails or has no price is a warning
    (the plan itself does not depend on it)."""
    from ..errors import CmgError
    from .estimate import CLIENTS_PER_VM, EstimateRequest, estimate, retail_prices_for

    request = EstimateRequest(
        clients=CLIENTS_PER_VM[spec.vm_size] * spec.instances,
        region=spec.region,
        vm_size=spec.vm_size,
        instances=spec.instances,
    )
    if not ctx.env.prices:
        return None
    try:
        prices = retail_prices_for(ctx.env)
        return estimate(prices, request, prices.endpoint).to_dict()
    except CmgError as err:
        ctx.warnings.add(f"no cost estimate: {err.message}")
        return None


def azure_changes(
    session: Any, spec: Any, prepared: Any, *, group_exists: bool
) -> tuple[PlanChange, ...]:
    """ARM what-if for ``prepared``, one change per resource (no write)."""
    if not group_exists:
        return tuple(
            PlanChange("azure", r.get("type", "") + " (new resource group)", "Create")
            for r in prepared.template.body.get("resources") or []
        )
    if "scaleSetPrincipalId" not in prepared.parameters:  # as up passes it (see up.py)
        mine = [r for r in session.list_group_resources(spec.resource_group) if ours(r, spec.name)]
        prepared = with_principal(prepared, scale_set_principal(mine))
    result = session.what_if(
        spec.resource_group, prepared.deployment, prepared.template.body, prepared.parameters
    )
    changes = (result.get("properties") or result).get("changes") or []
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


def _site_deltas(changes: dict[str, tuple[Any, Any]]) -> tuple[dict[str, Any], ...]:
    return tuple(
        {"path": k, "change": "Modify", "before": b, "after": a} for k, (b, a) in changes.items()
    )
