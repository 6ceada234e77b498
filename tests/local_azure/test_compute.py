"""Compute resource types of the local Azure (unit level through the registry)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from registry_lab import put

from mocks.compute import models as cm
from mocks.compute import skus
from mocks.core.cloud import Cloud, CloudConfig
from mocks.core.errors import ArmError
from mocks.keyvault.models import Secret, Vault
from mocks.network.models import LoadBalancer, PublicIPAddress

SUB = "00000000-0000-0000-0000-000000000001"
RG = f"/subscriptions/{SUB}/resourceGroups/rg1/providers"
VMSS_ID = f"{RG}/Microsoft.Compute/virtualMachineScaleSets/cmgone"


class ClockCloud(Cloud):
    """A cloud whose clock the test moves (no sleeping)."""

    def __init__(self, state_dir: Path) -> None:
        self.t = 1_800_000_000.0
        super().__init__(state_dir, CloudConfig(provisioning_seconds=5))

    def now(self) -> float:
        return self.t


@pytest.fixture
def cloud(tmp_path: Path) -> ClockCloud:
    return ClockCloud(tmp_path / "state")


def vmss(
    cloud: Cloud, size: str = "Standard_A2_v2", capacity: Any = 1, **kw: Any
) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "osProfile": {
            "computerNamePrefix": "cmgone",
            "adminUsername": "cmgadmin",
            "adminPassword": "P@ssw0rd-secret",
            **kw.pop("os", {}),
        },
        "extensionProfile": {
            "extensions": [
                {
                    "name": "CMGService",
                    "properties": {
                        "publisher": "Microsoft.Powershell",
                        "type": "DSC",
                        "typeHandlerVersion": "2.77",
                        "protectedSettings": {"key": "hidden-value"},
                    },
                }
            ]
        },
        **kw.pop("profile", {}),
    }
    body = {
        "sku": {"name": size, "tier": "Standard", "capacity": capacity},
        "properties": {"virtualMachineProfile": profile},
        **kw,
    }
    return put(cloud, cm.VMSS_TYPE, VMSS_ID, body)


def test_vmss_fills_read_only_fields_and_hides_secrets(cloud: ClockCloud) -> None:
    body = vmss(cloud)
    props = body["properties"]
    assert props["orchestrationMode"] == "Uniform"
    assert len(props["uniqueId"]) == 36 and props["timeCreated"].endswith("Z")
    assert "P@ssw0rd-secret" not in str(body) and "hidden-value" not in str(body)
    again = vmss(cloud)
    assert again["properties"]["uniqueId"] == props["uniqueId"]


@pytest.mark.parametrize(
    ("size", "region"),
    [
        ("Standard_A4_v2", "westus3"),
        ("Standard_B2s", "swedencentral"),
        ("Standard_Z9", "westeurope"),
    ],
)
def test_vmss_size_not_offered_is_sku_not_available(
    cloud: ClockCloud, size: str, region: str
) -> None:
    with pytest.raises(ArmError) as exc:
        vmss(cloud, size=size, location=region)
    assert (exc.value.status, exc.value.code) == (409, "SkuNotAvailable")
    assert (
        f"The requested VM size '{size}' is not available in location '{region}'"
        in exc.value.message
    )


@pytest.mark.parametrize("capacity", [-1, 1001, "many"])
def test_vmss_capacity_out_of_range(cloud: ClockCloud, capacity: Any) -> None:
    with pytest.raises(ArmError) as exc:
        vmss(cloud, capacity=capacity)
    assert (exc.value.status, exc.value.code) == (400, "InvalidParameter")


def test_vmss_capacity_string_is_read_as_the_schemas_integer(cloud: ClockCloud) -> None:
    assert vmss(cloud, capacity="3")["sku"]["capacity"] == 3


def test_skus_table_restrictions_and_filter() -> None:
    west3 = {e["name"]: e for e in skus.list_skus("westus3")}
    assert west3["Standard_A4_v2"]["restrictions"][0]["reasonCode"] == "NotAvailableForSubscription"
    assert west3["Standard_A2_v2"]["restrictions"] == []
    assert {c["name"]: c["value"] for c in west3["Standard_A4_v2"]["capabilities"]}["vCPUs"] == "4"
    assert all(e["locations"] == ["westus3"] for e in west3.values())
    assert len(skus.list_skus()) > len(west3)


def instance_ids(cloud: Cloud) -> list[str]:
    return [
        i["instanceId"] for i in cm.instance_records(cloud, cloud.store.resource_get(VMSS_ID) or {})
    ]


def test_instances_follow_capacity_ids_never_reused(cloud: ClockCloud) -> None:
    vmss(cloud, capacity=3)
    assert instance_ids(cloud) == ["0", "1", "2"]
    cm.update_vmss(cloud, VMSS_ID, {"sku": {"capacity": 1}})
    assert instance_ids(cloud) == ["0"]
    body, op = cm.update_vmss(cloud, VMSS_ID, {"sku": {"capacity": 3}, "tags": {"k": "v"}})
    assert instance_ids(cloud) == ["0", "3", "4"]
    assert body["properties"]["provisioningState"] == "Updating" and body["tags"] == {"k": "v"}
    assert op["target_id"] == VMSS_ID


def test_instance_views_move_with_the_clock(cloud: ClockCloud) -> None:
    vmss(cloud, capacity=2)
    stored = cloud.store.resource_get(VMSS_ID) or {}
    view = cm.vmss_instance_view(cloud, stored)
    assert view["virtualMachine"]["statusesSummary"] == [
        {"code": "ProvisioningState/creating", "count": 2}
    ]
    cloud.t += 6
    stored = cloud.store.resource_get(VMSS_ID) or {}
    assert stored["properties"]["provisioningState"] == "Succeeded"
    view = cm.vmss_instance_view(cloud, stored)
    assert view["virtualMachine"]["statusesSummary"] == [
        {"code": "ProvisioningState/succeeded", "count": 2}
    ]
    assert view["extensions"] == [
        {
            "name": "CMGService",
            "statusesSummary": [{"code": "ProvisioningState/succeeded", "count": 2}],
        }
    ]
    vm = cm.vm_body(cloud, stored, cm.instance_records(cloud, stored)[1], expand=True)
    assert vm["name"] == "cmgone_1" and vm["instanceId"] == "1"
    assert vm["properties"]["osProfile"]["computerName"] == "cmgone000001"
    codes = [s["code"] for s in vm["properties"]["instanceView"]["statuses"]]
    assert codes == ["ProvisioningState/succeeded", "PowerState/running"]


def test_unready_fault_stops_instances(cloud: ClockCloud) -> None:
    vmss(cloud, capacity=2)
    cloud.t += 6
    cloud.faults.set({"targeted": [{"kind": "unready", "target": "vmss", "name": "CMGONE"}]})
    stored = cloud.store.resource_get(VMSS_ID) or {}
    view = cm.vm_instance_view(cloud, stored, cm.instance_records(cloud, stored)[0])
    assert [s["code"] for s in view["statuses"]] == [
        "ProvisioningState/failed",
        "PowerState/stopped",
    ]
    cloud.faults.set({"targeted": [{"kind": "unready", "target": "vmss", "name": "other"}]})
    view = cm.vm_instance_view(cloud, stored, cm.instance_records(cloud, stored)[0])
    assert view["statuses"][1]["code"] == "PowerState/running"


def _with_cert(cloud: ClockCloud, url: str, vault_id: str) -> dict[str, Any]:
    secrets = [
        {
            "sourceVault": {"id": vault_id},
            "vaultCertificates": [{"certificateUrl": url, "certificateStore": "My"}],
        }
    ]
    return vmss(cloud, os={"secrets": secrets})


def test_certificate_from_key_vault_checks(cloud: ClockCloud) -> None:
    vault_id = f"{RG}/Microsoft.KeyVault/vaults/cmgone"
    put(
        cloud,
        Vault.type_name,
        vault_id,
        {"properties": {"tenantId": "t", "enabledForDeployment": False}},
    )
    secret = put(
        cloud, Secret.type_name, vault_id + "/secrets/servercert", {"properties": {"value": "pfx"}}
    )
    url = secret["properties"]["secretUriWithVersion"]
    with pytest.raises(ArmError) as exc:
        _with_cert(cloud, url, vault_id)
    assert (exc.value.status, exc.value.code) == (400, "KeyVaultAccessForbidden")
    put(
        cloud,
        Vault.type_name,
        vault_id,
        {"properties": {"tenantId": "t", "enabledForDeployment": True}},
    )
    with pytest.raises(ArmError) as exc:
        _with_cert(cloud, url.replace("servercert", "missing"), vault_id)
    assert (exc.value.status, exc.value.code) == (400, "KeyVaultSecretDoesNotExist")
    assert _with_cert(cloud, url, vault_id)["properties"]["virtualMachineProfile"]["osProfile"][
        "secrets"
    ]


def test_nat_pool_must_cover_capacity(cloud: ClockCloud) -> None:
    pip = put(
        cloud,
        PublicIPAddress.type_name,
        f"{RG}/Microsoft.Network/publicIPAddresses/pip",
        {"sku": {"name": "Standard"}},
    )
    lb_id = f"{RG}/Microsoft.Network/loadBalancers/lb"
    fe = {"id": f"{lb_id}/frontendIPConfigurations/fe"}
    lb = {
        "sku": {"name": "Standard"},
        "properties": {
            "frontendIPConfigurations": [
                {"name": "fe", "properties": {"publicIPAddress": {"id": pip["id"]}}}
            ],
            "inboundNatPools": [
                {
                    "name": "cp",
                    "properties": {
                        "frontendIPConfiguration": fe,
                        "protocol": "Tcp",
                        "frontendPortRangeStart": 10124,
                        "frontendPortRangeEnd": 10125,
                        "backendPort": 443,
                    },
                }
            ],
        },
    }
    put(cloud, LoadBalancer.type_name, lb_id, lb)
    nic = {
        "networkProfile": {
            "networkInterfaceConfigurations": [
                {
                    "name": "nic",
                    "properties": {
                        "ipConfigurations": [
                            {
                                "name": "ip",
                                "properties": {
                                    "loadBalancerInboundNatPools": [
                                        {"id": f"{lb_id}/inboundNatPools/cp"}
                                    ]
                                },
                            }
                        ]
                    },
                }
            ]
        }
    }
    vmss(cloud, capacity=2, profile=nic)
    with pytest.raises(ArmError) as exc:
        cm.update_vmss(cloud, VMSS_ID, {"sku": {"capacity": 3}})
    assert (exc.value.status, exc.value.code) == (
        400,
        "InboundNatPoolFrontendPortRangeSmallerThanRequestedPorts",
    )
    assert instance_ids(cloud) == ["0", "1"]  # the refused update changed nothing


# -- through the real server with the unmodified SDK -----------------------------------------
@pytest.fixture(scope="module")
def sdk(local_azure: Any) -> Any:
    """(ComputeManagementClient, resource group name) against the session's local Azure."""
    import uuid

    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient
    from rm_lab import sdk_client

    group = f"cmp-{uuid.uuid4().hex[:8]}"
    sdk_client(local_azure, ResourceManagementClient).resource_groups.create_or_update(
        group, {"location": "westeurope"}
    )
    return sdk_client(local_azure, ComputeManagementClient), group


def _vmss_json(size: str, capacity: int, location: str = "westeurope") -> dict[str, Any]:
    return {
        "location": location,
        "sku": {"name": size, "tier": "Standard", "capacity": capacity},
        "properties": {
            "upgradePolicy": {"mode": "Automatic"},
            "virtualMachineProfile": {
                "osProfile": {
                    "computerNamePrefix": "cmgsdk",
                    "adminUsername": "cmgadmin",
                    "adminPassword": "Secret-Passw0rd!",
                },
                "extensionProfile": {
                    "extensions": [
                        {
                            "name": "CMGService",
                            "properties": {
                                "publisher": "Microsoft.Powershell",
                                "type": "DSC",
                                "typeHandlerVersion": "2.77",
                                "autoUpgradeMinorVersion": True,
                            },
                        }
                    ]
                },
            },
        },
    }


def test_sdk_vmss_create_scale_and_instance_views(sdk: Any) -> None:
    client, group = sdk
    made = client.virtual_machine_scale_sets.begin_create_or_update(
        group, "cmgsdk", _vmss_json("Standard_A2_v2", 1)
    ).result()
    assert made.provisioning_state == "Succeeded" and made.sku.capacity == 1
    assert made.virtual_machine_profile.os_profile.admin_password is None
    scaled = client.virtual_machine_scale_sets.begin_update(
        group, "cmgsdk", {"sku": {"capacity": 3}}
    ).result()
    assert scaled.sku.capacity == 3 and scaled.provisioning_state == "Succeeded"
    vms = list(client.virtual_machine_scale_set_vms.list(group, "cmgsdk", expand="instanceView"))
    assert [vm.instance_id for vm in vms] == ["0", "1", "2"]
    view = client.virtual_machine_scale_sets.get_instance_view(group, "cmgsdk")
    summary = {s.code: s.count for s in view.virtual_machine.statuses_summary}
    assert sum(summary.values()) == 3
    one = client.virtual_machine_scale_set_vms.get_instance_view(group, "cmgsdk", "2")
    assert one.statuses[0].code.startswith("ProvisioningState/")
    listed = list(client.virtual_machine_scale_sets.list(group))
    assert [v.name for v in listed] == ["cmgsdk"]


def test_sdk_skus_and_sku_not_available(sdk: Any) -> None:
    from azure.core.exceptions import HttpResponseError

    client, group = sdk
    entries = list(client.resource_skus.list(filter="location eq 'westus3'"))
    a4 = next(e for e in entries if e.name == "Standard_A4_v2")
    assert a4.restrictions[0].reason_code == "NotAvailableForSubscription"
    assert a4.restrictions[0].values_property == ["westus3"]
    with pytest.raises(HttpResponseError) as exc:
        client.virtual_machine_scale_sets.begin_create_or_update(
            group, "toolarge", _vmss_json("Standard_A4_v2", 1, "westus3")
        ).result()
    assert exc.value.status_code == 409 and exc.value.error.code == "SkuNotAvailable"


def test_sdk_scale_set_routes_in_a_missing_group_are_resource_group_not_found(
    sdk: Any,
) -> None:
    from azure.core.exceptions import ResourceNotFoundError

    client, _group = sdk
    calls = [
        lambda: list(client.virtual_machine_scale_sets.list("no-such-group")),
        lambda: client.virtual_machine_scale_sets.get_instance_view("no-such-group", "v"),
        lambda: list(client.virtual_machine_scale_set_vms.list("no-such-group", "v")),
    ]
    for call in calls:
        with pytest.raises(ResourceNotFoundError) as exc:
            call()
        assert exc.value.error is not None and exc.value.error.code == "ResourceGroupNotFound"
