"""An in-memory :class:`cmgdeploy.services.azure.api.ArmApi`: plain Python, no server.

It holds groups, their resources, deployments (with their operations), scale-set
instances and public IPs as the views the boundary returns, and records every call
(``calls``), so a test can say both what a user sees and what was asked of Azure.
``poll_script`` makes a deployment change state poll after poll.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from cmgdeploy.domain.arm_views import (
    DeletedVault,
    Deployment,
    DeploymentOperation,
    GroupResource,
    Instance,
    PublicIp,
    ResourceGroup,
    ScaleSet,
    Started,
    StorageAccount,
    Subscription,
    WhatIfChange,
)
from cmgdeploy.domain.errors import AzureError, ErrorDetail
from cmgdeploy.services.template import CMG_TAG

SUBSCRIPTION = "11111111-2222-3333-4444-555555555555"
VMSS = "Microsoft.Compute/virtualMachineScaleSets"
PUBLIC_IP = "Microsoft.Network/publicIPAddresses"


def rid(group: str, rtype: str, name: str) -> str:
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{group}/providers/{rtype}/{name}"


class FakeArm:
    """One subscription's Resource Manager, in memory."""

    def __init__(self, subscription_id: str = SUBSCRIPTION) -> None:
        self.subscription_id = subscription_id
        self.credential: Any = None
        self.calls: list[str] = []
        self.groups: dict[str, ResourceGroup] = {}
        self.resources: dict[str, list[GroupResource]] = {}
        self.deployments: dict[tuple[str, str], Deployment] = {}
        self.operations: dict[tuple[str, str], list[DeploymentOperation]] = {}
        self.what_if_changes: list[WhatIfChange] = []
        self.instances: dict[tuple[str, str], list[Instance]] = {}
        self.public_ips: dict[tuple[str, str], PublicIp] = {}
        self.storage: dict[tuple[str, str], StorageAccount] = {}
        self.deleted_vaults: list[DeletedVault] = []
        self.poll_script: dict[tuple[str, str], list[Deployment]] = {}
        self.started_by_put: dict[tuple[str, str], Started] = {}
        self.providers: dict[str, str] = {}

    # -- building the state --------------------------------------------------------------
    def add_group(self, name: str, location: str = "westeurope", **tags: str) -> ResourceGroup:
        group = ResourceGroup(name, location, dict(tags), "Succeeded")
        self.groups[name.lower()] = group
        self.resources.setdefault(name.lower(), [])
        return group

    def add_resource(self, group: str, resource: GroupResource) -> None:
        self.resources.setdefault(group.lower(), []).append(resource)

    def add_cmg(
        self,
        cmg: str,
        group: str,
        *,
        deployment: str | None = None,
        deployment_state: str = "Succeeded",
        capacity: int = 2,
        size: str = "Standard_B2s",
        vmss_state: str | None = "Succeeded",
        instance_states: Iterable[str] | None = None,
        public_ip: bool = True,
        outputs: dict[str, Any] | None = None,
        error: tuple[ErrorDetail, ...] = (),
    ) -> None:
        """A CMG as ``up`` leaves it: its group, tagged resources (the scale set unless
        ``vmss_state`` is None), its instances, a deployment (when named)."""
        tag = {CMG_TAG: cmg}
        self.add_group(group, **tag)
        if vmss_state is not None:
            self.add_resource(
                group,
                GroupResource(
                    rid(group, VMSS, cmg), cmg, VMSS, vmss_state, tag,
                    principal_id="9d1c2a60-0000-4000-8000-000000000001",
                    sku_name=size, capacity=capacity,
                ),
            )  # fmt: skip
            states = list(instance_states or ["Succeeded"] * capacity)
            self.instances[(group.lower(), cmg)] = [
                Instance(str(i), f"{cmg}_{i}", state, "running" if state == "Succeeded" else None)
                for i, state in enumerate(states)
            ]
        if public_ip:
            self.add_resource(
                group, GroupResource(rid(group, PUBLIC_IP, cmg), cmg, PUBLIC_IP, "Succeeded", tag)
            )
            self.public_ips[(group.lower(), cmg)] = PublicIp(
                "20.1.2.3", f"{cmg}.westeurope.cloudapp.azure.com"
            )
        if deployment:
            default_outputs = {
                "vmssName": cmg,
                "fqdn": f"{cmg}.westeurope.cloudapp.azure.com",
                "publicIpAddress": "20.1.2.3",
            }
            succeeded = deployment_state == "Succeeded"
            self.deployments[(group.lower(), deployment)] = Deployment(
                name=deployment,
                provisioning_state=deployment_state,
                outputs=(default_outputs if outputs is None else outputs) if succeeded else {},
                parameters={"vmSize": size, "instanceCount": capacity},
                error=error,
                timestamp="2026-01-01T00:00:00Z",
                output_resources=(rid(group, VMSS, cmg), rid(group, PUBLIC_IP, cmg))
                if succeeded
                else (),
            )

    def set_instances(self, group: str, vmss: str, instances: list[Instance]) -> None:
        self.instances[(group.lower(), vmss)] = instances

    # -- subscriptions, regions, sizes, providers ------------------------------------------
    def list_subscriptions(self) -> list[Subscription]:
        self.calls.append("list_subscriptions")
        return [Subscription(self.subscription_id, "Lab", "tenant")]

    def get_subscription(self) -> Subscription:
        self.calls.append("get_subscription")
        return Subscription(self.subscription_id, "Lab", "tenant")

    def list_locations(self) -> list[str]:
        self.calls.append("list_locations")
        return ["westeurope", "northeurope"]

    def vm_size_offer(self, region: str, size: str) -> tuple[str | None, tuple[str, ...]]:
        self.calls.append("vm_size_offer")
        return None, ("V1", "V2")

    def provider_state(self, namespace: str) -> str:
        self.calls.append("provider_state")
        return self.providers.get(namespace, "Registered")

    def register_provider(self, namespace: str) -> str:
        self.calls.append("register_provider")
        self.providers[namespace] = "Registered"
        return "Registered"

    # -- resource groups and their resources -----------------------------------------------
    def get_group(self, name: str) -> ResourceGroup | None:
        self.calls.append("get_group")
        return self.groups.get(name.lower())

    def ensure_group(self, name: str, region: str, tags: dict[str, str]) -> ResourceGroup:
        self.calls.append("ensure_group")
        group = ResourceGroup(name, region, dict(tags), "Succeeded")
        self.groups[name.lower()] = group
        self.resources.setdefault(name.lower(), [])
        return group

    def delete_group(self, name: str, timeout: float | None = None) -> bool:
        self.calls.append("delete_group")
        self.groups.pop(name.lower(), None)
        self.resources.pop(name.lower(), None)
        return True

    def list_group_resources(self, group: str, missing_ok: bool = False) -> list[GroupResource]:
        self.calls.append("list_group_resources")
        if group.lower() not in self.groups:
            if missing_ok:
                return []
            raise AzureError(f"Resource group '{group}' could not be found.",
                             code="ResourceGroupNotFound")  # fmt: skip
        return list(self.resources.get(group.lower(), []))

    def tagged_groups(self, tag: str, value: str) -> list[ResourceGroup]:
        self.calls.append("tagged_groups")
        return [g for g in self.groups.values() if g.tags.get(tag) == value]

    def tagged_resources(self, tag: str, value: str) -> list[GroupResource]:
        self.calls.append("tagged_resources")
        return [r for rs in self.resources.values() for r in rs if r.tags.get(tag) == value]

    def delete_resource(
        self, rid: str, api_version: str = "", timeout: float | None = None
    ) -> bool:
        self.calls.append("delete_resource")
        for group, found in self.resources.items():
            self.resources[group] = [r for r in found if r.id.lower() != rid.lower()]
        return True

    # -- storage accounts and soft-deleted key vaults -------------------------------------
    def storage_account(self, group: str, name: str) -> StorageAccount | None:
        self.calls.append("storage_account")
        return self.storage.get((group.lower(), name))

    def storage_key(self, rid: str) -> str:
        self.calls.append("storage_key")
        return "a2V5"

    def list_deleted_vaults(self) -> list[DeletedVault]:
        self.calls.append("list_deleted_vaults")
        return list(self.deleted_vaults)

    def purge_deleted_vault(self, location: str, name: str, timeout: float | None = None) -> bool:
        self.calls.append("purge_deleted_vault")
        self.deleted_vaults = [v for v in self.deleted_vaults if v.name != name]
        return True

    # -- name checks ----------------------------------------------------------------------
    def check_storage_name(self, name: str) -> tuple[bool, str]:
        self.calls.append("check_storage_name")
        return True, ""

    def check_vault_name(self, name: str) -> tuple[bool, str]:
        self.calls.append("check_vault_name")
        return True, ""

    def check_dns_label(self, region: str, label: str) -> bool:
        self.calls.append("check_dns_label")
        return True

    # -- deployments ----------------------------------------------------------------------
    def get_deployment(self, group: str, name: str) -> Deployment | None:
        self.calls.append("get_deployment")
        return self.deployments.get((group.lower(), name))

    def find_deployment(self, group: str, name: str) -> tuple[Deployment | None, bool]:
        self.calls.append("find_deployment")
        return self.deployments.get((group.lower(), name)), group.lower() in self.groups

    def list_deployments(self, group: str) -> list[Deployment]:
        self.calls.append("list_deployments")
        return [d for (g, _), d in self.deployments.items() if g == group.lower()]

    def begin_deployment(
        self, group: str, name: str, template: dict[str, Any], parameters: dict[str, Any]
    ) -> None:
        self.calls.append("begin_deployment")
        self.deployments[(group.lower(), name)] = Deployment(name, "Accepted")

    def started(self, group: str, name: str) -> Started | None:
        return self.started_by_put.get((group.lower(), name))

    def poll_status(self, url: str, name: str) -> tuple[str, float | None]:
        self.calls.append("poll_status")
        for (group, dep_name), _ in self.deployments.items():
            if dep_name == name:
                return self._next(group, name).provisioning_state, None
        return "Accepted", None

    def poll_deployment(self, group: str, name: str) -> tuple[Deployment | None, float | None]:
        self.calls.append("poll_deployment")
        if (group.lower(), name) not in self.deployments:
            return None, None
        return self._next(group.lower(), name), None

    def _next(self, group: str, name: str) -> Deployment:
        """The deployment's next scripted state (kept once the script is used up)."""
        script = self.poll_script.get((group, name))
        if script:
            self.deployments[(group, name)] = script.pop(0)
        return self.deployments[(group, name)]

    def deployment_operations(self, group: str, name: str) -> list[DeploymentOperation]:
        self.calls.append("deployment_operations")
        return list(self.operations.get((group.lower(), name), []))

    def what_if(
        self, group: str, name: str, template: dict[str, Any], parameters: dict[str, Any]
    ) -> list[WhatIfChange]:
        self.calls.append("what_if")
        return list(self.what_if_changes)

    # -- compute and network ----------------------------------------------------------------
    def get_vmss(self, group: str, name: str) -> ScaleSet | None:
        self.calls.append("get_vmss")
        for res in self.resources.get(group.lower(), []):
            if res.type == VMSS and res.name == name:
                return ScaleSet(res.name, res.capacity or 0, res.sku_name,
                                res.provisioning_state, res.principal_id)  # fmt: skip
        return None

    def vmss_instances(self, group: str, name: str) -> list[Instance]:
        self.calls.append("vmss_instances")
        return list(self.instances.get((group.lower(), name), []))

    def get_public_ip(self, group: str, name: str) -> PublicIp | None:
        self.calls.append("get_public_ip")
        return self.public_ips.get((group.lower(), name))


def operation(
    group: str, rtype: str, name: str, state: str, *errors: ErrorDetail
) -> DeploymentOperation:
    """A deployment operation on resource ``name`` of ``rtype``."""
    return DeploymentOperation(rid(group, rtype, name), rtype, name, state, tuple(errors))


def replace(view: Any, **changes: Any) -> Any:
    return dataclasses.replace(view, **changes)
