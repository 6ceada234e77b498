"""A deployment's timeline is the clock's: polled every 0.1 s or every 2 s, the same
deployment finishes at the same server time (its duration from the PUT)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sdkclients import Clients, sdk_clients

from mocks import LocalAzure

PROVISIONING_SECONDS = 0.4
LEVELS = 3


def chained_nsgs() -> dict[str, Any]:
    """Three network security groups, each depending on the previous one."""
    resources = []
    for level in range(LEVELS):
        nsg: dict[str, Any] = {
            "type": "Microsoft.Network/networkSecurityGroups",
            "apiVersion": "2023-09-01",
            "name": f"nsg{level}",
            "location": "westeurope",
            "properties": {},
        }
        if level:
            nsg["dependsOn"] = [f"nsg{level - 1}"]
        resources.append(nsg)
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": resources,
    }


def _seconds(iso_duration: str) -> float:
    return float(iso_duration.removeprefix("PT").removesuffix("S"))


def test_polling_rate_does_not_change_when_a_deployment_finishes(
    local_azure_factory: Callable[..., LocalAzure],
) -> None:
    azure = local_azure_factory(provisioning_seconds=PROVISIONING_SECONDS)
    c: Clients = sdk_clients(azure)
    body = {"properties": {"mode": "Incremental", "template": chained_nsgs()}}
    intervals = {"fast-rg": 0.1, "slow-rg": 2.0}
    for group in intervals:
        c.resources.resource_groups.create_or_update(group, {"location": "westeurope"})
        c.deployments.deployments.begin_create_or_update(group, "chain", body, polling=False)
    next_read = dict.fromkeys(intervals, time.monotonic())
    finished: dict[str, Any] = {}
    while len(finished) < len(intervals):
        group = min((g for g in intervals if g not in finished), key=next_read.__getitem__)
        time.sleep(max(0.0, next_read[group] - time.monotonic()))
        props = c.deployments.deployments.get(group, "chain").properties
        if props.provisioning_state in ("Succeeded", "Failed"):
            finished[group] = props
        next_read[group] += intervals[group]
    fast, slow = (finished[g] for g in intervals)
    assert fast.provisioning_state == slow.provisioning_state == "Succeeded"
    fast_s, slow_s = _seconds(fast.duration), _seconds(slow.duration)
    assert abs(fast_s - slow_s) <= intervals["fast-rg"], (fast_s, slow_s)
    assert fast_s >= LEVELS * PROVISIONING_SECONDS - 0.01
    assert slow_s < intervals["slow-rg"]  # not stretched to the slow reader's reads


def scale_set_behind_an_nsg() -> dict[str, Any]:
    """A network security group, then a one-instance scale set (a vnet inline)."""
    template = chained_nsgs()
    template["resources"] = template["resources"][:1]
    template["resources"] += [
        {
            "type": "Microsoft.Network/virtualNetworks",
            "apiVersion": "2023-09-01",
            "name": "vnet",
            "location": "westeurope",
            "dependsOn": ["nsg0"],
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "default", "properties": {"addressPrefix": "10.0.0.0/24"}}],
            },
        },
        {
            "type": "Microsoft.Compute/virtualMachineScaleSets",
            "apiVersion": "2024-03-01",
            "name": "vmss",
            "location": "westeurope",
            "dependsOn": ["vnet"],
            "sku": {"name": "Standard_B2s", "tier": "Standard", "capacity": 1},
            "properties": {
                "upgradePolicy": {"mode": "Manual"},
                "virtualMachineProfile": {
                    "storageProfile": {
                        "imageReference": {
                            "publisher": "MicrosoftWindowsServer",
                            "offer": "WindowsServer",
                            "sku": "2022-datacenter",
                            "version": "latest",
                        }
                    },
                    "osProfile": {
                        "computerNamePrefix": "vm",
                        "adminUsername": "azureuser",
                        "adminPassword": "Example-Passw0rd-1",
                    },
                    "networkProfile": {
                        "networkInterfaceConfigurations": [
                            {
                                "name": "nic",
                                "properties": {
                                    "primary": True,
                                    "ipConfigurations": [
                                        {
                                            "name": "ip",
                                            "properties": {
                                                "subnet": {
                                                    "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'default')]"
                                                }
                                            },
                                        }
                                    ],
                                },
                            }
                        ]
                    },
                },
            },
        },
    ]
    return template


def test_scale_set_instances_run_on_the_deployment_s_clock_not_the_reader_s(
    local_azure_factory: Callable[..., LocalAzure],
) -> None:
    azure = local_azure_factory(provisioning_seconds=PROVISIONING_SECONDS)
    c: Clients = sdk_clients(azure)
    c.resources.resource_groups.create_or_update("late-rg", {"location": "westeurope"})
    body = {"properties": {"mode": "Incremental", "template": scale_set_behind_an_nsg()}}
    c.deployments.deployments.begin_create_or_update("late-rg", "d", body, polling=False)
    # Nobody reads until well after the three levels (nsg, vnet, scale set) and the
    # instances' own provisioning are over: the instance must already be running.
    time.sleep(5 * PROVISIONING_SECONDS + 0.5)
    assert c.deployments.deployments.get("late-rg", "d").properties.provisioning_state == (
        "Succeeded"
    )
    view = compute_client(azure).virtual_machine_scale_set_vms.get_instance_view(
        "late-rg", "vmss", "0"
    )
    codes = [s.code for s in view.statuses or []]
    assert "PowerState/running" in codes, codes


def compute_client(azure: LocalAzure) -> Any:
    from azure.identity import ClientSecretCredential
    from azure.mgmt.compute import ComputeManagementClient

    from mocks import read_endpoint

    ep = read_endpoint(azure.state_dir)
    assert ep is not None
    credential = ClientSecretCredential(
        ep["tenant_id"], ep["client_id"], ep["client_secret"], authority=ep["url"],
        disable_instance_discovery=True, connection_verify=ep["ca_bundle"],
    )  # fmt: skip
    return ComputeManagementClient(
        credential, ep["subscription_id"], base_url=ep["url"],
        credential_scopes=["https://management.azure.com/.default"],
        connection_verify=ep["ca_bundle"],
    )  # fmt: skip
