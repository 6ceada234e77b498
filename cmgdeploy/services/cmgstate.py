"""Read a CMG's live state from Azure and the site database into a :class:`CmgStatus`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cmgdeploy.domain.arm_views import (
    Deployment,
    DeploymentOperation,
    GroupResource,
    Instance,
    PublicIp,
    ResourceGroup,
    ScaleSet,
)
from cmgdeploy.domain.errors import ErrorDetail
from cmgdeploy.domain.results import CmgStatus, ResourceState
from cmgdeploy.domain.site_records import CmgService
from cmgdeploy.services.azure.api import ArmApi
from cmgdeploy.services.context import OpContext, open_session
from cmgdeploy.services.template import CMG_TAG

VMSS_TYPE = "microsoft.compute/virtualmachinescalesets"
PUBLIC_IP_TYPE = "microsoft.network/publicipaddresses"
TERMINAL = {"succeeded", "failed", "canceled"}
# States ``status --watch`` stops at: nothing more will happen without another command.
SETTLED_STATES = ("Ready", "Error", "NotFound", "Incomplete")


def ours(resource: GroupResource | ResourceGroup, cmg: str) -> bool:
    """True when ``resource`` carries cmgdeploy's tag for CMG ``cmg``."""
    return resource.tags.get(CMG_TAG) == cmg


def owned_resources(
    session: ArmApi, group: str, cmg: str, *, group_known: bool = False
) -> dict[str, GroupResource]:
    """cmgdeploy's resources for ``cmg`` in ``group`` by lower-case type: one list call
    ({} when the group does not exist; ``group_known``: the caller knows it does)."""
    owned: dict[str, GroupResource] = {}
    for res in session.list_group_resources(group, missing_ok=not group_known):
        if ours(res, cmg):
            owned.setdefault(res.type.lower(), res)
    return owned


def find_owned(session: ArmApi, group: str, cmg: str, type_lower: str) -> GroupResource | None:
    """The first resource of ``type_lower`` in ``group`` tagged for ``cmg``."""
    return owned_resources(session, group, cmg).get(type_lower)


@dataclass(frozen=True)
class Prefetch:
    """Reads this run already made, reused by the first status read instead of asking
    Azure the same questions again: the deployment, and cmgdeploy's resources of the
    group (None after a deployment this run just watched succeed — its outputs and
    parameters hold the scale set's name and capacity and the public IP)."""

    deployment: Deployment | None
    owned: dict[str, GroupResource] | None


def deployment_state(deployment: Deployment | None) -> str | None:
    if deployment is None:
        return None
    return deployment.provisioning_state or None


def resource_states(operations: list[DeploymentOperation]) -> tuple[ResourceState, ...]:
    """Each target resource's latest provisioning state from deployment operations."""
    states: dict[str, ResourceState] = {}
    for op in operations:
        if not op.resource_id:
            continue
        states[op.resource_id.lower()] = ResourceState(
            type=op.resource_type,
            name=op.resource_name,
            state=op.provisioning_state,
            error=op.status_message,
        )
    return tuple(states.values())


def overall_state(dep_state: str | None, vmss: ScaleSet | None, instances: list[Instance]) -> str:
    """Ready | Provisioning | Error | Deleting | Incomplete | NotFound from what Azure
    shows (Incomplete: the deployment succeeded but its scale set is gone)."""
    if dep_state and dep_state.lower() in ("failed", "canceled"):
        return "Error"
    if vmss is None:
        # A finished deployment without its scale set: a `down` that stopped half-way
        # (or a scale set deleted by hand). Nothing will bring it back by waiting.
        if dep_state and dep_state.lower() == "succeeded":
            return "Incomplete"
        return "Provisioning" if dep_state else "NotFound"
    vmss_state = vmss.provisioning_state.lower()
    if vmss_state == "deleting":
        return "Deleting"
    if vmss_state == "failed" or any(i.provisioning_state.lower() == "failed" for i in instances):
        return "Error"
    settled = dep_state is None or dep_state.lower() == "succeeded"
    if settled and vmss_state == "succeeded" and _all_running(instances, vmss):
        return "Ready"
    return "Provisioning"


def _all_running(instances: list[Instance], vmss: ScaleSet) -> bool:
    ok = [i for i in instances if i.provisioning_state.lower() == "succeeded"]
    return len(ok) >= vmss.capacity


def instance_errors(session: ArmApi, group: str, cmg: str) -> list[ErrorDetail]:
    """The error-level instance-view statuses of the CMG's scale set's instances, each
    naming its instance; [] without a scale set."""
    vmss = find_owned(session, group, cmg, VMSS_TYPE)
    if vmss is None:
        return []
    return [err for inst in session.vmss_instances(group, vmss.name) for err in inst.errors]


def read_status(
    ctx: OpContext, session: ArmApi, svc: CmgService, known: Prefetch | None = None
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
    vmss = _scale_set(owned.get(VMSS_TYPE)) if owned is not None else _vmss_from_outputs(dep)
    instances = session.vmss_instances(group, vmss.name) if vmss else []
    outputs = dep.outputs if dep is not None else {}
    ip: PublicIp | None
    if not outputs.get("fqdn") and owned and owned.get(PUBLIC_IP_TYPE):
        ip = session.get_public_ip(group, owned[PUBLIC_IP_TYPE].name)  # no outputs yet
    else:
        ip = PublicIp(outputs.get("publicIpAddress") or None, outputs.get("fqdn") or None)
    if dep is not None and not succeeded:
        resources = resource_states(session.deployment_operations(group, svc.deployment_name or ""))
    elif owned is not None:
        resources = _owned_states(owned)
    else:
        resources = _output_resource_states(dep)
    return _status(ctx, svc, dep, vmss, instances, ip, resources)


def _scale_set(res: GroupResource | None) -> ScaleSet | None:
    """The scale set as the group's resource list shows it."""
    if res is None:
        return None
    return ScaleSet(
        name=res.name,
        capacity=res.capacity or 0,
        size=res.sku_name,
        provisioning_state=res.provisioning_state,
        principal_id=res.principal_id,
    )


def _vmss_from_outputs(dep: Deployment | None) -> ScaleSet | None:
    """The scale set as a succeeded deployment left it: its name (output), capacity and
    size (parameters), provisioning state Succeeded (a deployment succeeds only when
    each of its resources did)."""
    if dep is None or dep.provisioning_state.lower() != "succeeded":
        return None
    name = dep.outputs.get("vmssName")
    if not name:
        return None
    size = dep.parameters.get("vmSize")
    return ScaleSet(
        name=str(name),
        capacity=int(dep.parameters.get("instanceCount") or 0),
        size=str(size) if size is not None else None,
        provisioning_state="Succeeded",
    )


def _owned_states(owned: dict[str, GroupResource]) -> tuple[ResourceState, ...]:
    return tuple(
        ResourceState(type=res.type, name=res.name, state=res.provisioning_state)
        for res in owned.values()
    )


def _output_resource_states(dep: Deployment | None) -> tuple[ResourceState, ...]:
    """Each resource a succeeded deployment wrote (``outputResources``), Succeeded."""
    found = []
    for rid in dep.output_resources if dep is not None else ():
        parts = rid.split("/providers/", 1)[-1].split("/")
        if len(parts) < 3:
            continue
        rtype = "/".join([parts[0], *parts[1::2]])
        found.append(ResourceState(type=rtype, name="/".join(parts[2::2]), state="Succeeded"))
    return tuple(found)


def _status(
    ctx: OpContext,
    svc: CmgService,
    dep: Deployment | None,
    vmss: ScaleSet | None,
    instances: list[Instance],
    ip: PublicIp | None,
    resources: tuple[ResourceState, ...],
) -> CmgStatus:
    dep_state = deployment_state(dep)
    return CmgStatus(
        name=svc.name,
        state=overall_state(dep_state, vmss, instances),
        environment=svc.environment,
        region=svc.region,
        resource_group=svc.resource_group,
        subscription=svc.subscription,
        instances=vmss.capacity if vmss else svc.instances,
        vm_size=vmss.size if vmss else svc.vm_size,
        fqdn=(ip.fqdn if ip else None) or svc.fqdn,
        public_ip=ip.address if ip else None,
        deployment_name=svc.deployment_name,
        deployment_state=dep_state,
        vmss_state=(vmss.provisioning_state if vmss else "") or None,
        instance_states=tuple((i.instance_id, i.provisioning_state) for i in instances),
        connection_points=_points(ctx, svc.name),
        site_roles=_roles(ctx, svc.name),
        resources=resources,
        errors=tuple(d.to_dict() for d in dep.error) if dep is not None else (),
    )


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
    with open_session(ctx, None) as session:
        return find_in_azure(ctx, session, name)


def find_in_azure(ctx: OpContext, session: ArmApi, name: str) -> CmgService | None:
    """:func:`locate_in_azure` on an open session."""
    group = _tagged_group(session, name) or _group_of_tagged_resource(session, name)
    if group is None:
        group = session.get_group(f"{name}-cmg-rg")
        if group is None or not _has_owned(session, group.name, name):
            return None
    return CmgService(
        name=name,
        environment=ctx.env.name,
        region=group.location,
        instances=0,
        state="Unknown",
        subscription=session.subscription_id,
        resource_group=group.name,
        deployment_name=_latest_deployment(session, group.name, name),
        created_rg=ours(group, name),
    )


def _tagged_group(session: ArmApi, name: str) -> ResourceGroup | None:
    groups = [g for g in session.tagged_groups(CMG_TAG, name) if ours(g, name)]
    return groups[0] if groups else None


def _group_of_tagged_resource(session: ArmApi, name: str) -> ResourceGroup | None:
    for res in session.tagged_resources(CMG_TAG, name):
        parts = res.id.split("/")
        if ours(res, name) and len(parts) > 4 and parts[3].lower() == "resourcegroups":
            return session.get_group(parts[4])
    return None


def _has_owned(session: ArmApi, group: str, name: str) -> bool:
    return any(ours(r, name) for r in session.list_group_resources(group))


def _latest_deployment(session: ArmApi, group: str, name: str) -> str | None:
    """The newest ``cmgdeploy-<name>-…`` deployment in ``group`` (up names them so)."""
    ours_ = [d for d in session.list_deployments(group) if d.name.startswith(f"cmgdeploy-{name}-")]
    ours_.sort(key=lambda d: d.timestamp)
    return ours_[-1].name if ours_ else None
