"""Read a CMG's live state from Azure and the site database into a :class:`CmgStatus`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cmgdeploy.domain.results import CmgStatus, ResourceState
from cmgdeploy.domain.site_records import CmgService
from cmgdeploy.services.context import OpContext, open_session
from cmgdeploy.services.template import CMG_TAG

VMSS_TYPE = "microsoft.compute/virtualmachinescalesets"
PUBLIC_IP_TYPE = "microsoft.network/publicipaddresses"
TERMINAL = {"succeeded", "failed", "canceled"}
GROUPS_API = "2021-04-01"
# States ``status --watch`` stops at: nothing more will happen without another command.
SETTLED_STATES = ("Ready", "Error", "NotFound", "Incomplete")


def ours(resource: dict[str, Any], cmg: str) -> bool:
    """True when ``resource`` carries cmgdeploy's tag for CMG ``cmg``."""
    return (resource.get("tags") or {}).get(CMG_TAG) == cmg


def owned_resources(
    session: Any, group: str, cmg: str, *, group_known: bool = False
) -> dict[str, dict[str, Any]]:
    """cmgdeploy's resources for ``cmg`` in ``group`` by lower-case type: one list call
    ({} when the group does not exist; ``group_known``: the caller knows it does)."""
    owned: dict[str, dict[str, Any]] = {}
    listed = session.list_group_resources(group, missing_ok=not group_known)
    for res in listed or []:
        if ours(res, cmg):
            owned.setdefault(str(res.get("type", "")).lower(), res)
    return owned


def find_owned(session: Any, group: str, cmg: str, type_lower: str) -> dict[str, Any] | None:
    """The first resource of ``type_lower`` in ``group`` tagged for ``cmg``."""
    return owned_resources(session, group, cmg).get(type_lower)


@dataclass(frozen=True)
class Prefetch:
    """Reads this run already made, reused by the first status read instead of asking
    Azure the same questions again: the deployment, and cmgdeploy's resources of the
    group (None after a deployment this run just watched succeed — its outputs and
    parameters hold the scale set's name and capacity and the public IP)."""

    deployment: dict[str, Any] | None
    owned: dict[str, dict[str, Any]] | None


def deployment_state(deployment: dict[str, Any] | None) -> str | None:
    if deployment is None:
        return None
    return str((deployment.get("properties") or {}).get("provisioningState") or "") or None


def resource_states(operations: list[dict[str, Any]]) -> tuple[ResourceState, ...]:
    """Each target resource's latest provisioning state from deployment operations."""
    states: dict[str, ResourceState] = {}
    for op in operations:
        props = op.get("properties") or {}
        target = props.get("targetResource") or {}
        if not target.get("id"):
            continue
        error = ((props.get("statusMessage") or {}).get("error") or {}).get("message")
        states[str(target["id"]).lower()] = ResourceState(
            type=str(target.get("resourceType", "")),
            name=str(target.get("resourceName", "")),
            state=str(props.get("provisioningState", "")),
            error=error,
        )
    return tuple(states.values())


def overall_state(dep_state: str | None, vmss: dict[str, Any] | None, instances: list[Any]) -> str:
    """Ready | Provisioning | Error | Deleting | Incomplete | NotFound from what Azure
    shows (Incomplete: the deployment succeeded but its scale set is gone)."""
    vmss_state = _prov(vmss)
    if dep_state and dep_state.lower() in ("failed", "canceled"):
        return "Error"
    if vmss is None:
        # A finished deployment without its scale set: a `down` that stopped half-way
        # (or a scale set deleted by hand). Nothing will bring it back by waiting.
        if dep_state and dep_state.lower() == "succeeded":
            return "Incomplete"
        return "Provisioning" if dep_state else "NotFound"
    if vmss_state.lower() == "deleting":
        return "Deleting"
    if vmss_state.lower() == "failed" or any(_prov(i).lower() == "failed" for i in instances):
        return "Error"
    settled = dep_state is None or dep_state.lower() == "succeeded"
    if settled and vmss_state.lower() == "succeeded" and _all_running(instances, vmss):
        return "Ready"
    return "Provisioning"


def _prov(resource: dict[str, Any] | None) -> str:
    """The provisioning state of a full resource body, or of a list entry read with
    ``$expand=provisioningState`` (where ARM puts it beside the id, not in properties)."""
    found = ((resource or {}).get("properties") or {}).get("provisioningState")
    return str(found or (resource or {}).get("provisioningState") or "")


def _all_running(instances: list[dict[str, Any]], vmss: dict[str, Any]) -> bool:
    capacity = int((vmss.get("sku") or {}).get("capacity") or 0)
    ok = [i for i in instances if _prov(i).lower() == "succeeded"]
    return len(ok) >= capacity


def read_status(
    ctx: OpContext, session: Any, svc: CmgService, known: Prefetch | None = None
) -> CmgStatus:
    """Azure's and the site database's view of ``svc``, with the overall state.

    Requests: the deployment (unless known), cmgdeploy's resources of the group (one
    list with their provisioning state; skipped after a deployment this run watched
    succeed), the scale set's instances. The fqdn and public IP come from the
    deployment's outputs; the deployment operations are read only while it has not
    succeeded (per-resource progress or errors)."""
    group = svc.resource_group or ""
    if known is not None:
        dep, owned = known.deployment, known.owned
    else:
        dep = session.get_deployment(group, svc.deployment_name) if svc.deployment_name else None
        owned = owned_resources(session, group, svc.name, group_known=dep is not None)
    succeeded = (deployment_state(dep) or "").lower() == "succeeded"
    vmss = owned.get(VMSS_TYPE) if owned is not None else _vmss_from_outputs(dep)
    instances = session.vmss_instances(group, vmss["name"]) if vmss else []
    outputs = _outputs(dep)
    ip: dict[str, Any] | None = None
    if not outputs.get("fqdn") and owned and owned.get(PUBLIC_IP_TYPE):
        ip = session.get_public_ip(group, owned[PUBLIC_IP_TYPE]["name"])  # no outputs yet
    else:
        ip = {"properties": {"ipAddress": outputs.get("publicIpAddress") or None,
                             "dnsSettings": {"fqdn": outputs.get("fqdn") or None}}}  # fmt: skip
    if dep is not None and not succeeded:
        resources = resource_states(session.deployment_operations(group, svc.deployment_name))
    elif owned is not None:
        resources = _owned_states(owned)
    else:
        resources = _output_resource_states(dep)
    return _status(ctx, svc, dep, vmss, instances, ip, resources)


def _outputs(dep: dict[str, Any] | None) -> dict[str, Any]:
    """The deployment's output values by name ({} before it succeeds)."""
    raw = ((dep or {}).get("properties") or {}).get("outputs") or {}
    return {k: (v or {}).get("value") for k, v in raw.items() if isinstance(v, dict)}


def _parameter(dep: dict[str, Any] | None, name: str) -> Any:
    raw = ((dep or {}).get("properties") or {}).get("parameters") or {}
    return (raw.get(name) or {}).get("value")


def _vmss_from_outputs(dep: dict[str, Any] | None) -> dict[str, Any] | None:
    """The scale set as a succeeded deployment left it: its name (output), capacity and
    size (parameters), provisioning state Succeeded (a deployment succeeds only when
    each of its resources did)."""
    name = _outputs(dep).get("vmssName")
    if (deployment_state(dep) or "").lower() != "succeeded" or not name:
        return None
    sku = {"name": _parameter(dep, "vmSize"), "capacity": _parameter(dep, "instanceCount")}
    return {"name": name, "sku": sku, "properties": {"provisioningState": "Succeeded"}}


def _owned_states(owned: dict[str, dict[str, Any]]) -> tuple[ResourceState, ...]:
    return tuple(
        ResourceState(
            type=str(res.get("type", "")),
            name=str(res.get("name", "")),
            state=_prov(res),
        )
        for res in owned.values()
    )


def _output_resource_states(dep: dict[str, Any] | None) -> tuple[ResourceState, ...]:
    """Each resource a succeeded deployment wrote (``outputResources``), Succeeded."""
    found = []
    for ref in ((dep or {}).get("properties") or {}).get("outputResources") or []:
        parts = str(ref.get("id", "")).split("/providers/", 1)[-1].split("/")
        if len(parts) < 3:
            continue
        rtype = "/".join([parts[0], *parts[1::2]])
        found.append(ResourceState(type=rtype, name="/".join(parts[2::2]), state="Succeeded"))
    return tuple(found)


def _status(
    ctx: OpContext,
    svc: CmgService,
    dep: dict[str, Any] | None,
    vmss: dict[str, Any] | None,
    instances: list[dict[str, Any]],
    ip: dict[str, Any] | None,
    resources: tuple[ResourceState, ...],
) -> CmgStatus:
    dep_state = deployment_state(dep)
    ip_props = (ip or {}).get("properties") or {}
    errors = _deployment_errors(dep)
    return CmgStatus(
        name=svc.name,
        state=overall_state(dep_state, vmss, instances),
        environment=svc.environment,
        region=svc.region,
        resource_group=svc.resource_group,
        subscription=svc.subscription,
        instances=int((vmss.get("sku") or {}).get("capacity") or 0) if vmss else svc.instances,
        vm_size=str((vmss.get("sku") or {}).get("name")) if vmss else svc.vm_size,
        fqdn=(ip_props.get("dnsSettings") or {}).get("fqdn") or svc.fqdn,
        public_ip=ip_props.get("ipAddress"),
        deployment_name=svc.deployment_name,
        deployment_state=dep_state,
        vmss_state=_prov(vmss) or None,
        instance_states=tuple((str(i.get("instanceId", "")), _prov(i)) for i in instances),
        connection_points=_points(ctx, svc.name),
        site_roles=_roles(ctx, svc.name),
        resources=resources,
        errors=errors,
    )


def _deployment_errors(dep: dict[str, Any] | None) -> tuple[dict[str, Any], ...]:
    from cmgdeploy.services.azure.translate import detail_chain

    error = ((dep or {}).get("properties") or {}).get("error")
    return tuple(d.to_dict() for d in detail_chain(error)) if error else ()


def _points(ctx: OpContext, cmg: str) -> tuple[dict[str, Any], ...]:
    return tuple(
        {
            "server": p.server,
            "site_code": p.site_code,
            "protocol": p.protocol,
            "ports": list(p.ports),
        }
        for p in ctx.db.list_connection_points(cmg)
    )


def _roles(ctx: OpContext, cmg: str) -> tuple[dict[str, Any], ...]:
    return tuple(
        {"server": r.server, "role": r.role, "https": r.https, "cmg_enabled": r.cmg_enabled}
        for r in ctx.db.list_site_roles(cmg)
    )


def not_found(ctx: OpContext, name: str) -> CmgStatus:
    """The status of a CMG the site database does not know."""
    return CmgStatus(
        name=name, state="NotFound", environment=ctx.env.name, region=None,
        resource_group=None, subscription=None, instances=None, vm_size=None, fqdn=None,
        public_ip=None, deployment_name=None, deployment_state=None, vmss_state=None,
    )  # fmt: skip


# -- finding a CMG in Azure when the site database does not know it ---------------------
def locate_in_azure(ctx: OpContext, name: str) -> CmgService | None:
    """CMG ``name`` as Azure shows it (another machine's or a lost site database):
    found by the ``cmgdeploy-cmg=<name>`` tag on a group or a resource, else by the
    default group ``<name>-cmg-rg``; None when Azure has nothing of it."""
    session = open_session(ctx, None)
    try:
        return find_in_azure(ctx, session, name)
    finally:
        session.close()


def find_in_azure(ctx: OpContext, session: Any, name: str) -> CmgService | None:
    """:func:`locate_in_azure` on an open session."""
    group = _tagged_group(session, name) or _group_of_tagged_resource(session, name)
    if group is None:
        group = session.get_group(f"{name}-cmg-rg")
        if group is None or not _has_owned(session, group["name"], name):
            return None
    rg = str(group["name"])
    return CmgService(
        name=name,
        environment=ctx.env.name,
        region=str(group.get("location") or ""),
        instances=0,
        state="Unknown",
        subscription=session.subscription_id,
        resource_group=rg,
        deployment_name=_latest_deployment(session, rg, name),
        created_rg=ours(group, name),
    )


def _tag_filter(name: str) -> str:
    return f"tagName eq '{CMG_TAG}' and tagValue eq '{name}'"


def _tagged_group(session: Any, name: str) -> dict[str, Any] | None:
    path = f"/subscriptions/{session.subscription_id}/resourcegroups"
    _, body, _ = session.raw("GET", path, GROUPS_API, **{"$filter": _tag_filter(name)})
    groups = [g for g in body.get("value") or [] if ours(g, name)]
    return groups[0] if groups else None


def _group_of_tagged_resource(session: Any, name: str) -> dict[str, Any] | None:
    path = f"/subscriptions/{session.subscription_id}/resources"
    _, body, _ = session.raw("GET", path, GROUPS_API, **{"$filter": _tag_filter(name)})
    for res in body.get("value") or []:
        parts = str(res.get("id", "")).split("/")
        if ours(res, name) and len(parts) > 4 and parts[3].lower() == "resourcegroups":
            return session.get_group(parts[4])
    return None


def _has_owned(session: Any, group: str, name: str) -> bool:
    return any(ours(r, name) for r in session.list_group_resources(group))


def _latest_deployment(session: Any, group: str, name: str) -> str | None:
    """The newest ``cmgdeploy-<name>-…`` deployment in ``group`` (up names them so)."""
    path = (
        f"/subscriptions/{session.subscription_id}/resourcegroups/{group}"
        "/providers/Microsoft.Resources/deployments"
    )
    _, body, _ = session.raw("GET", path, GROUPS_API)
    ours_ = [
        d
        for d in body.get("value") or []
        if str(d.get("name", "")).startswith(f"cmgdeploy-{name}-")
    ]
    ours_.sort(key=lambda d: str((d.get("properties") or {}).get("timestamp") or ""))
    return str(ours_[-1]["name"]) if ours_ else None
