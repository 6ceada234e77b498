"""Microsoft.Compute/virtualMachineScaleSets in the local Azure.

Simulated: VM size availability per region (:mod:`mocks.compute.skus`), capacity
0–1000, read-only properties (``uniqueId``, ``timeCreated``, Uniform orchestration),
secrets never returned (``adminPassword``, ``customData``, extension
``protectedSettings``), platform images and their Hyper-V generation against the
size, VM extension handlers and versions (:mod:`mocks.compute.catalog`), Key Vault
certificate checks (vault enabled for deployment, secret exists), network references
(subnet, backend pool, inbound NAT pool or NAT rule V2 large enough for the capacity),
system-assigned managed identity, and instances kept in step with ``sku.capacity`` (ids
0, 1, 2 … never reused; scale-in removes the highest).  Instances are records in the
document collection ``compute/vmss-instances`` (not ARM resources of their own, so
they never show up in group listings), each provisioning on the clock like the
scale set.  The targeted fault ``unready`` (target ``vmss``, optional ``name``)
makes instances report ``ProvisioningState/failed`` and ``PowerState/stopped``.

Not simulated: rolling upgrades and upgrade policy semantics, zones and fault
domains, Flexible orchestration, custom/gallery images, disks, NICs as resources,
autoscale, extension execution (extensions report success), spot/priority, health probes.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from mocks.core.errors import (
    InvalidResourceReference,
    ParentResourceNotFound,
    ResourceNotFound,
    UnsupportedOperation,
)
from mocks.core.registry import ResourceType, resource_type
from mocks.entra.models import register_managed_identity, unregister_managed_identity
from mocks.keyvault.models import secret_exists
from mocks.network.models import nat_rules_v2_for_pool, port_range_size, resolve
from mocks.resources.catalog import REGION_NAMES, is_region
from mocks.resources.deployments import advance_group
from mocks.resources.models import get_group, group_of
from mocks.resources.provisioning import ResourceRef, merge_patch, start_operation, write_resource
from mocks.storage.models import iso_time

from . import catalog, skus
from .exceptions import (
    InboundNatPoolFrontendPortRangeSmallerThanRequestedPorts,
    InvalidParameter,
    KeyVaultAccessForbidden,
    KeyVaultSecretDoesNotExist,
    LocationNotAvailableForResourceType,
    SkuNotAvailable,
)

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

VMSS_TYPE = "Microsoft.Compute/virtualMachineScaleSets"
VM_TYPE = VMSS_TYPE + "/virtualMachines"
INSTANCES = "compute/vmss-instances"  # vmss id -> {"next": int, "instances": [...]}
MAX_CAPACITY = 1000


def _subscription(rid: str) -> str:
    return rid.strip("/").split("/")[1]


# -- validation -------------------------------------------------------------------------------
def check_sku(rid: str, body: dict[str, Any]) -> None:
    """VM size offered in the region, capacity within Azure's bounds."""
    location = body.get("location", "")
    if not is_region(location):
        raise LocationNotAvailableForResourceType(
            f"The provided location '{location}' is not available for resource type "
            f"'{VMSS_TYPE}'. List of available regions for the resource type is "
            f"'{','.join(REGION_NAMES)}'."
        )
    sku = body.get("sku") or {}
    capacity = sku.get("capacity", 2)
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise InvalidParameter(
            "The value of parameter sku.capacity is invalid.", target="sku.capacity"
        )
    if not 0 <= capacity <= MAX_CAPACITY:
        raise InvalidParameter(
            f"The value {capacity} of parameter sku.capacity is out of range. The value must "
            f"be between 0 and {MAX_CAPACITY}, inclusive.",
            target="sku.capacity",
        )
    size = str(sku.get("name", ""))
    if not skus.is_available(size, location):
        raise SkuNotAvailable(size, location, _subscription(rid))


def _vault_host(url: str) -> str:
    return (urlparse(url).hostname or "").lower()


def check_secret(cloud: Cloud, vault_id: str, url: str) -> None:
    """A VM certificate from Key Vault: the vault allows deployment and holds the secret."""
    vault = cloud.store.resource_get(vault_id)
    props = (vault or {}).get("properties") or {}
    if vault is None or not props.get("enabledForDeployment"):
        raise KeyVaultAccessForbidden(url, vault_id)
    if _vault_host(url) != _vault_host(props.get("vaultUri", "")):
        raise KeyVaultAccessForbidden(url, vault_id)
    parts = urlparse(url).path.strip("/").split("/")
    if len(parts) not in (2, 3) or parts[0].lower() != "secrets":
        raise KeyVaultSecretDoesNotExist(url)
    version = parts[2] if len(parts) == 3 else None
    if not secret_exists(cloud, vault["id"], parts[1], version):
        raise KeyVaultSecretDoesNotExist(url)


def check_secrets(cloud: Cloud, profile: dict[str, Any]) -> None:
    for group in (profile.get("osProfile") or {}).get("secrets") or []:
        vault_id = (group.get("sourceVault") or {}).get("id", "")
        for cert in group.get("vaultCertificates") or []:
            check_secret(cloud, vault_id, cert.get("certificateUrl", ""))


def _ip_configurations(profile: dict[str, Any]) -> list[dict[str, Any]]:
    nics = (profile.get("networkProfile") or {}).get("networkInterfaceConfigurations") or []
    return [
        ipc.get("properties") or {}
        for nic in nics
        for ipc in (nic.get("properties") or {}).get("ipConfigurations") or []
    ]


def check_network(cloud: Cloud, rid: str, profile: dict[str, Any], capacity: int) -> None:
    """Referenced subnets/pools exist; each NAT pool, and each inbound NAT rule V2 on a
    backend pool the scale set joins, has a frontend port per instance."""
    for ipc in _ip_configurations(profile):
        refs = [(ipc.get("subnet") or {}).get("id")]
        pools = [p.get("id") for p in ipc.get("loadBalancerBackendAddressPools") or []]
        for ref in filter(None, refs + pools):
            if resolve(cloud, ref) is None:
                raise InvalidResourceReference(ref, rid)
        for pool in filter(None, pools):
            for rule in nat_rules_v2_for_pool(cloud, pool):
                size = port_range_size(rule.get("properties") or {})
                if size < capacity:
                    raise InboundNatPoolFrontendPortRangeSmallerThanRequestedPorts(
                        rule["id"], size, capacity
                    )
        for ref in filter(
            None, (p.get("id") for p in ipc.get("loadBalancerInboundNatPools") or [])
        ):
            _check_nat_pool(cloud, rid, ref, capacity)


def _check_nat_pool(cloud: Cloud, rid: str, ref: str, capacity: int) -> None:
    pool = resolve(cloud, ref)
    if pool is None:
        raise InvalidResourceReference(ref, rid)
    props = pool.get("properties") or {}
    size = (
        int(props.get("frontendPortRangeEnd", 0)) - int(props.get("frontendPortRangeStart", 0)) + 1
    )
    if size < capacity:
        raise InboundNatPoolFrontendPortRangeSmallerThanRequestedPorts(ref, size, capacity)


def strip_secrets(profile: dict[str, Any]) -> None:
    """Drop what Azure never returns on GET: passwords, custom data, protected settings."""
    os_profile = profile.get("osProfile") or {}
    os_profile.pop("adminPassword", None)
    os_profile.pop("customData", None)
    for ext in (profile.get("extensionProfile") or {}).get("extensions") or []:
        (ext.get("properties") or {}).pop("protectedSettings", None)
        (ext.get("properties") or {}).pop("protectedSettingsFromKeyVault", None)


def check_image(profile: dict[str, Any]) -> dict[str, Any] | None:
    """A marketplace image must exist (404 PlatformImageNotFound)."""
    ref = (profile.get("storageProfile") or {}).get("imageReference") or {}
    return catalog.find_image_or_fail(ref)


# -- managed identity --------------------------------------------------------------------------
def apply_identity(
    cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
) -> None:
    """``identity: {type: SystemAssigned}`` gets a ``principalId`` (stable for the
    resource's life) and the tenant's ``tenantId``, registered with Entra so the
    managed-identity endpoint issues tokens for it.  ``None`` or no identity removes
    it; user-assigned identities are not simulated (refused loudly)."""
    identity = body.get("identity")
    old = ((existing or {}).get("identity") or {}).get("principalId")
    kind = str((identity or {}).get("type") or "None")
    kinds = {k.strip().lower() for k in kind.split(",")}
    if "userassigned" in kinds or (identity or {}).get("userAssignedIdentities"):
        raise UnsupportedOperation(
            f"The local Azure does not support identity type '{kind}' on {rid}: only "
            "SystemAssigned identities are simulated."
        )
    if kinds == {"none"}:
        body.pop("identity", None)
        if old:
            unregister_managed_identity(cloud, old)
        return
    if kinds != {"systemassigned"}:
        raise InvalidParameter(
            "The value of parameter identity.type is invalid.", target="identity.type"
        )
    principal = old or str(uuid.uuid4())
    register_managed_identity(cloud, principal, rid)
    body["identity"] = {
        "type": "SystemAssigned",
        "principalId": principal,
        "tenantId": cloud.identity.tenant_id,
    }


def drop_identity(cloud: Cloud, body: dict[str, Any]) -> None:
    principal = (body.get("identity") or {}).get("principalId")
    if principal:
        unregister_managed_identity(cloud, principal)


# -- the resource type ---------------------------------------------------------------------------
@resource_type
class VirtualMachineScaleSet(ResourceType):
    """A Uniform scale set whose instances follow ``sku.capacity``."""

    type_name = VMSS_TYPE

    def normalize(
        self, cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        check_sku(rid, body)
        body["sku"]["name"] = skus.canonical_size(body["sku"]["name"])
        body["sku"].setdefault("tier", "Standard")
        body["sku"].setdefault("capacity", 2)
        props = body.setdefault("properties", {})
        profile = props.setdefault("virtualMachineProfile", {})
        image = check_image(profile)
        catalog.check_generation(image, body["sku"]["name"])
        catalog.check_extensions(_extensions(body), body["location"])
        check_secrets(cloud, profile)
        check_network(cloud, rid, profile, body["sku"]["capacity"])
        apply_identity(cloud, rid, body, existing)
        strip_secrets(profile)
        old = (existing or {}).get("properties") or {}
        props["uniqueId"] = old.get("uniqueId") or str(uuid.uuid4())
        props["timeCreated"] = old.get("timeCreated") or iso_time(cloud.now())
        props.setdefault("orchestrationMode", "Uniform")
        props.setdefault("upgradePolicy", {"mode": "Manual"})
        props.setdefault("overprovision", True)
        props.setdefault("singlePlacementGroup", True)
        return body

    def after_put(self, cloud: Cloud, body: dict[str, Any], at: float | None = None) -> None:
        sync_instances(cloud, body, at)

    def on_delete(self, cloud: Cloud, body: dict[str, Any]) -> None:
        cloud.store.doc_delete(INSTANCES, body["id"])
        drop_identity(cloud, body)


# -- instances -----------------------------------------------------------------------------------
def sync_instances(
    cloud: Cloud, vmss: dict[str, Any], at: float | None = None
) -> list[dict[str, Any]]:
    """Add or remove instance records so their number equals ``sku.capacity``.

    ``at`` is when the scale set was written (a deployment passes the moment its plan
    reached it), so new instances run at the same time however late anyone reads."""
    capacity = int(vmss["sku"]["capacity"])
    written = cloud.now() if at is None else at
    ready_at = written + cloud.provisioning_seconds(VMSS_TYPE)
    with cloud.store.tx():
        record = cloud.store.doc_get(INSTANCES, vmss["id"]) or {"next": 0, "instances": []}
        instances = sorted(record["instances"], key=lambda i: int(i["instanceId"]))
        while len(instances) < capacity:
            instances.append(
                {
                    "instanceId": str(record["next"]),
                    "vmId": str(uuid.uuid4()),
                    "created": written,
                    "ready_at": ready_at,
                }
            )
            record["next"] += 1
        record["instances"] = instances[:capacity]  # scale-in removes the highest ids
        cloud.store.doc_put(INSTANCES, vmss["id"], record)
    return list(record["instances"])


def list_vmss(cloud: Cloud, sub: str, group_name: str) -> list[dict[str, Any]]:
    """Scale sets of a resource group (404 ResourceGroupNotFound for a missing group)."""
    group = get_group(cloud, sub, group_name)
    advance_group(cloud, sub, group["name"])  # a running deployment may have made some
    return cloud.store.resource_list(sub, group["name"], VMSS_TYPE)


def find_vmss(cloud: Cloud, rid: str) -> dict[str, Any]:
    """The scale set ``rid`` as its routes see it: 404 ResourceGroupNotFound for a
    missing group, then 404 ResourceNotFound."""
    group_of(cloud, rid)
    return get_vmss(cloud, rid)


def get_vmss(cloud: Cloud, rid: str) -> dict[str, Any]:
    vmss = cloud.store.resource_get(rid)
    if vmss is None or vmss.get("type", "").lower() != VMSS_TYPE.lower():
        parts = rid.strip("/").split("/")
        raise ResourceNotFound.in_group(f"{VMSS_TYPE}/{parts[-1]}", parts[3])
    return vmss


def instance_records(cloud: Cloud, vmss: dict[str, Any]) -> list[dict[str, Any]]:
    record = cloud.store.doc_get(INSTANCES, vmss["id"]) or {"instances": []}
    return list(record["instances"])


def _unready(cloud: Cloud, vmss: dict[str, Any]) -> bool:
    """The targeted fault ``unready`` for scale sets (all, or the one named)."""
    flag = getattr(getattr(cloud, "faults", None), "flag", None)
    entry = flag("unready", "vmss") if callable(flag) else None
    if not entry:
        return False
    return not entry.get("name") or str(entry["name"]).lower() == vmss["name"].lower()


def _status(
    code: str, display: str, level: str = "Info", when: float | None = None
) -> dict[str, Any]:
    status: dict[str, Any] = {"code": code, "level": level, "displayStatus": display}
    if when is not None:
        status["time"] = iso_time(when)
    return status


def instance_state(cloud: Cloud, vmss: dict[str, Any], inst: dict[str, Any]) -> str:
    """Succeeded, Creating or Failed (the ``unready`` fault)."""
    if _unready(cloud, vmss):
        return "Failed"
    return "Creating" if cloud.now() < float(inst["ready_at"]) else "Succeeded"


def _instance_statuses(state: str, since: float) -> list[dict[str, Any]]:
    provisioning = {
        "Succeeded": _status("ProvisioningState/succeeded", "Provisioning succeeded", when=since),
        "Creating": _status("ProvisioningState/creating", "Creating"),
        "Failed": _status("ProvisioningState/failed", "Provisioning failed", "Error", since),
    }[state]
    power = {
        "Succeeded": _status("PowerState/running", "VM running"),
        "Creating": _status("PowerState/starting", "VM starting"),
        "Failed": _status("PowerState/stopped", "VM stopped"),
    }[state]
    return [provisioning, power]


def _extensions(vmss: dict[str, Any]) -> list[dict[str, Any]]:
    profile = (vmss.get("properties") or {}).get("virtualMachineProfile") or {}
    return list((profile.get("extensionProfile") or {}).get("extensions") or [])


def _extension_code(state: str) -> tuple[str, str, str]:
    return {
        "Succeeded": ("ProvisioningState/succeeded", "Provisioning succeeded", "Info"),
        "Creating": ("ProvisioningState/transitioning", "Transitioning", "Info"),
        "Failed": ("ProvisioningState/failed", "Provisioning failed", "Error"),
    }[state]


def vm_instance_view(cloud: Cloud, vmss: dict[str, Any], inst: dict[str, Any]) -> dict[str, Any]:
    """``GET …/virtualMachines/{id}/instanceView``."""
    state = instance_state(cloud, vmss, inst)
    code, display, level = _extension_code(state)
    extensions = []
    for ext in _extensions(vmss):
        props = ext.get("properties") or {}
        extensions.append(
            {
                "name": ext.get("name", ""),
                "type": f"{props.get('publisher', '')}.{props.get('type', '')}",
                "typeHandlerVersion": props.get("typeHandlerVersion", ""),
                "statuses": [_status(code, display, level)],
            }
        )
    return {
        "platformUpdateDomain": int(inst["instanceId"]) % 5,
        "platformFaultDomain": int(inst["instanceId"]) % 2,
        "computerName": computer_name(vmss, inst["instanceId"]),
        "vmAgent": {"vmAgentVersion": "2.7.41491.1102", "statuses": []},
        "extensions": extensions,
        "statuses": _instance_statuses(state, float(inst["ready_at"])),
    }


def computer_name(vmss: dict[str, Any], instance_id: str) -> str:
    """Azure's naming: the prefix plus the instance id in base 36, six digits."""
    profile = (vmss.get("properties") or {}).get("virtualMachineProfile") or {}
    prefix = (profile.get("osProfile") or {}).get("computerNamePrefix") or vmss["name"][:9]
    digits, n = "", int(instance_id)
    while True:
        n, rem = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rem] + digits
        if n == 0:
            break
    return prefix + digits.rjust(6, "0")


def vm_body(
    cloud: Cloud, vmss: dict[str, Any], inst: dict[str, Any], expand: bool = False
) -> dict[str, Any]:
    """One ``VirtualMachineScaleSetVM`` as ``GET …/virtualMachines[/{id}]`` returns it."""
    profile = (vmss.get("properties") or {}).get("virtualMachineProfile") or {}
    os_profile = profile.get("osProfile") or {}
    props: dict[str, Any] = {
        "latestModelApplied": True,
        "vmId": inst["vmId"],
        "hardwareProfile": {"vmSize": vmss["sku"]["name"]},
        "osProfile": {
            "computerName": computer_name(vmss, inst["instanceId"]),
            "adminUsername": os_profile.get("adminUsername", ""),
            "secrets": os_profile.get("secrets", []),
        },
        "provisioningState": instance_state(cloud, vmss, inst),
        "timeCreated": iso_time(float(inst["created"])),
    }
    if expand:
        props["instanceView"] = vm_instance_view(cloud, vmss, inst)
    return {
        "id": f"{vmss['id']}/virtualMachines/{inst['instanceId']}",
        "name": f"{vmss['name']}_{inst['instanceId']}",
        "type": VM_TYPE,
        "location": vmss["location"],
        "tags": vmss.get("tags", {}),
        "instanceId": inst["instanceId"],
        "sku": {"name": vmss["sku"]["name"], "tier": vmss["sku"].get("tier", "Standard")},
        "properties": props,
    }


def find_instance(cloud: Cloud, vmss: dict[str, Any], instance_id: str) -> dict[str, Any]:
    for inst in instance_records(cloud, vmss):
        if inst["instanceId"] == instance_id:
            return inst
    raise ResourceNotFound(
        f"The Resource '{VM_TYPE}/{vmss['name']}/{instance_id}' under resource group "
        f"'{vmss['id'].split('/')[4]}' was not found."
    )


def _counts(codes: list[str]) -> list[dict[str, Any]]:
    return [{"code": code, "count": codes.count(code)} for code in sorted(set(codes))]


def vmss_instance_view(cloud: Cloud, vmss: dict[str, Any]) -> dict[str, Any]:
    """``GET …/virtualMachineScaleSets/{n}/instanceView``: counts per status code."""
    views = [vm_instance_view(cloud, vmss, i) for i in instance_records(cloud, vmss)]
    codes = [
        s["code"] for v in views for s in v["statuses"] if s["code"].startswith("Provisioning")
    ]
    extensions = []
    for ext in _extensions(vmss):
        ext_codes = [
            s["code"]
            for v in views
            for e in v["extensions"]
            if e["name"] == ext.get("name")
            for s in e["statuses"]
        ]
        extensions.append({"name": ext.get("name", ""), "statusesSummary": _counts(ext_codes)})
    state = (vmss.get("properties") or {}).get("provisioningState", "Succeeded")
    display = "Provisioning succeeded" if state == "Succeeded" else state
    return {
        "virtualMachine": {"statusesSummary": _counts(codes)},
        "extensions": extensions,
        "statuses": [_status(f"ProvisioningState/{state.lower()}", display, when=cloud.now())],
    }


# -- inbound NAT rule V2 port mappings ---------------------------------------------------------
def _pool_members(cloud: Cloud, pool_id: str) -> list[tuple[dict[str, Any], dict[str, Any], str]]:
    """(scale set, instance, ipConfiguration id) of every instance in ``pool_id``, in
    scale-set then instance order."""
    sub = pool_id.strip("/").split("/")[1]
    members = []
    for vmss in sorted(cloud.store.resource_list(sub, type_name=VMSS_TYPE), key=lambda v: v["id"]):
        profile = (vmss.get("properties") or {}).get("virtualMachineProfile") or {}
        nics = (profile.get("networkProfile") or {}).get("networkInterfaceConfigurations") or []
        for nic in nics:
            for ipc in (nic.get("properties") or {}).get("ipConfigurations") or []:
                pools = (ipc.get("properties") or {}).get("loadBalancerBackendAddressPools") or []
                if not any(str(p.get("id", "")).lower() == pool_id.lower() for p in pools):
                    continue
                for inst in sorted(
                    instance_records(cloud, vmss), key=lambda i: int(i["instanceId"])
                ):
                    ipc_id = (
                        f"{vmss['id']}/virtualMachines/{inst['instanceId']}/networkInterfaces/"
                        f"{nic.get('name', '')}/ipConfigurations/{ipc.get('name', '')}"
                    )
                    members.append((vmss, inst, ipc_id))
    return members


def nat_rule_port_mappings(
    cloud: Cloud, pool_id: str, ip_configuration: str
) -> list[dict[str, Any]]:
    """``queryInboundNatRulePortMapping``: the frontend port each V2 rule on the pool gives
    the member whose ipConfiguration id is ``ip_configuration`` (range start + its position
    among the pool's instances)."""
    members = _pool_members(cloud, pool_id)
    position = next(
        (
            i
            for i, (_v, _inst, ipc) in enumerate(members)
            if ipc.lower() == ip_configuration.lower()
        ),
        None,
    )
    if position is None:
        raise ResourceNotFound(f"Resource {ip_configuration} not found.")
    out = []
    for rule in nat_rules_v2_for_pool(cloud, pool_id):
        props = rule.get("properties") or {}
        out.append(
            {
                "inboundNatRuleName": rule.get("name", ""),
                "protocol": props.get("protocol", "Tcp"),
                "frontendPort": int(props["frontendPortRangeStart"]) + position,
                "backendPort": int(props.get("backendPort", 0)),
            }
        )
    return out


# -- updates (PATCH) ---------------------------------------------------------------------
def update_vmss(
    cloud: Cloud, rid: str, patch: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``PATCH`` a scale set (capacity, tags …): returns the stored body and its operation.

    Written like a PUT of the merged body, so PUT and PATCH share validation, the
    Updating state and the provisioning time."""
    existing = get_vmss(cloud, rid)
    allowed = {
        k: v
        for k, v in patch.items()
        if k in ("sku", "tags", "properties", "identity", "zones", "plan")
    }
    ref = ResourceRef.from_id(existing["id"])
    body, _created = write_resource(cloud, ref, merge_patch(existing, allowed))
    return body, start_operation(cloud, ref, body, kind="compute.vmss.update")


# -- virtual machines -----------------------------------------------------------------------
@resource_type
class VirtualMachine(ResourceType):
    """``Microsoft.Compute/virtualMachines``: stored as given except for its managed
    identity (``SystemAssigned`` gets ``principalId``/``tenantId`` like a scale set's).
    Size, image and extension checks apply to scale sets only."""

    type_name = "Microsoft.Compute/virtualMachines"

    def normalize(
        self, cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        if "identity" in body or (existing or {}).get("identity"):
            apply_identity(cloud, rid, body, existing)
        return body

    def on_delete(self, cloud: Cloud, body: dict[str, Any]) -> None:
        drop_identity(cloud, body)


# -- extensions as child resources ----------------------------------------------------------
class _ExtensionChild(ResourceType):
    """An extension PUT as a child resource (``…/extensions/{name}``): the handler and
    version must be published (ArtifactNotFound), in the parent's region.  Stored as a
    child; not merged into a scale set's ``extensionProfile``."""

    def normalize(
        self, cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        parent_id = rid.rsplit("/extensions/", 1)[0]
        parent = cloud.store.resource_get(parent_id)
        if parent is None:
            raise ParentResourceNotFound(parent_id.rstrip("/").split("/")[-1])
        location = parent.get("location", body.get("location", ""))
        catalog.resolve_extension(body.get("properties") or {}, location)
        body["location"] = location
        (body.get("properties") or {}).pop("protectedSettings", None)
        (body.get("properties") or {}).pop("protectedSettingsFromKeyVault", None)
        return body


@resource_type
class VirtualMachineExtension(_ExtensionChild):
    type_name = "Microsoft.Compute/virtualMachines/extensions"


@resource_type
class VirtualMachineScaleSetExtension(_ExtensionChild):
    type_name = "Microsoft.Compute/virtualMachineScaleSets/extensions"
