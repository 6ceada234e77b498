"""``cmgdeploy plan``: ARM what-if for the same inputs plus the site-database diff."""

from __future__ import annotations

from typing import Any

from cmgdeploy.domain.environments import require_cmg_supported
from cmgdeploy.domain.results import PlanChange, PlanResult
from cmgdeploy.services import site
from cmgdeploy.services.context import OpContext, open_session
from cmgdeploy.services.prepared import prepare
from cmgdeploy.services.spec import CmgSpec, region_of
from cmgdeploy.services.whatif import azure_changes


def plan(ctx: OpContext, spec: CmgSpec) -> PlanResult:
    """What ``up`` with ``spec`` would change, per resource and per site record (no write:
    a lab certificate not kept yet is a throwaway one)."""
    require_cmg_supported(ctx.env)
    prepared = prepare(ctx, spec, keep_cert=False)
    with open_session(ctx, spec.subscription) as session:
        exists = session.get_group(spec.resource_group) is not None
        azure = azure_changes(session, spec, prepared, group_exists=exists)
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


def planned_estimate(ctx: OpContext, spec: CmgSpec) -> dict[str, Any] | None:
    """``estimate`` for the CMG ``spec`` describes, at its full client capacity; None for
    a cloud without a price API, and a price API that fails or has no price is a warning
    (the plan itself does not depend on it)."""
    from cmgdeploy.commands.estimate import (
        CLIENTS_PER_VM,
        EstimateRequest,
        estimate,
        retail_prices_for,
    )
    from cmgdeploy.domain.errors import CmgError

    request = EstimateRequest(
        clients=CLIENTS_PER_VM[spec.vm_size] * spec.instances,
        region=region_of(spec),
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


def _site_deltas(changes: dict[str, tuple[Any, Any]]) -> tuple[dict[str, Any], ...]:
    return tuple(
        {"path": k, "change": "Modify", "before": b, "after": a} for k, (b, a) in changes.items()
    )
