"""Inbound NAT rules V2 (a frontend port range on a backend pool) in the local Azure,
through the unmodified azure-mgmt-network and azure-mgmt-compute clients."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from rm_lab import clients, credential

from mocks import LocalAzure

NET = "Microsoft.Network"


@pytest.fixture(scope="module")
def env(local_azure: LocalAzure) -> Iterator[dict[str, Any]]:
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.network import NetworkManagementClient

    kwargs: dict[str, Any] = {
        "base_url": local_azure.url,
        "credential_scopes": ["https://management.azure.com/.default"],
        "connection_verify": local_azure.ca_bundle,
        "polling_interval": 0.05,
    }
    sub = local_azure.identity.subscription_id
    cred = credential(local_azure)
    rm, _dm = clients(local_azure)
    group = f"nat-{uuid.uuid4().hex[:8]}"
    rm.resource_groups.create_or_update(group, {"location": "westeurope"})
    net = NetworkManagementClient(cred, sub, **kwargs)
    compute = ComputeManagementClient(cred, sub, **kwargs)
    from azure.mgmt.network.models import (
        AddressSpace,
        PublicIPAddress,
        PublicIPAddressSku,
        Subnet,
        VirtualNetwork,
    )

    net.virtual_networks.begin_create_or_update(
        group,
        "vnet",
        VirtualNetwork(
            location="westeurope",
            address_space=AddressSpace(address_prefixes=["10.0.0.0/16"]),
            subnets=[Subnet(name="default", address_prefix="10.0.0.0/24")],
        ),
    ).result()
    net.public_ip_addresses.begin_create_or_update(
        group,
        "pip",
        PublicIPAddress(
            location="westeurope",
            sku=PublicIPAddressSku(name="Standard"),
            public_ip_allocation_method="Static",
        ),
    ).result()
    yield {"net": net, "compute": compute, "group": group, "sub": sub}


def lb_id(env: dict[str, Any], name: str) -> str:
    return f"/subscriptions/{env['sub']}/resourceGroups/{env['group']}/providers/{NET}/loadBalancers/{name}"


def make_lb(env: dict[str, Any], name: str, rule: dict[str, Any]) -> Any:
    base = lb_id(env, name)
    pip = f"/subscriptions/{env['sub']}/resourceGroups/{env['group']}/providers/{NET}/publicIPAddresses/pip"
    from azure.mgmt.network.models import (
        BackendAddressPool,
        FrontendIPConfiguration,
        InboundNatRule,
        LoadBalancer,
        LoadBalancerSku,
        PublicIPAddress,
        SubResource,
    )

    fields = dict(rule)
    pool = fields.pop("backend_address_pool", None)
    model = LoadBalancer(
        location="westeurope",
        sku=LoadBalancerSku(name="Standard"),
        frontend_ip_configurations=[
            FrontendIPConfiguration(name="fe", public_ip_address=PublicIPAddress(id=pip))
        ],
        backend_address_pools=[BackendAddressPool(name="pool")],
        inbound_nat_rules=[
            InboundNatRule(
                name="rdp",
                frontend_ip_configuration=SubResource(id=f"{base}/frontendIPConfigurations/fe"),
                protocol="Tcp",
                backend_port=3389,
                backend_address_pool=SubResource(id=pool["id"]) if pool else None,
                **fields,
            )
        ],
    )
    return env["net"].load_balancers.begin_create_or_update(env["group"], name, model).result()


def vmss(env: dict[str, Any], name: str, lb: str, capacity: int) -> Any:
    group = f"/subscriptions/{env['sub']}/resourceGroups/{env['group']}/providers/{NET}"
    ipc = {
        "name": "ipc",
        "properties": {
            "subnet": {"id": f"{group}/virtualNetworks/vnet/subnets/default"},
            "loadBalancerBackendAddressPools": [
                {"id": f"{lb_id(env, lb)}/backendAddressPools/pool"}
            ],
        },
    }
    body = {
        "location": "westeurope",
        "sku": {"name": "Standard_D2s_v5", "tier": "Standard", "capacity": capacity},
        "properties": {
            "upgradePolicy": {"mode": "Manual"},
            "virtualMachineProfile": {
                "osProfile": {
                    "computerNamePrefix": name,
                    "adminUsername": "cmgadmin",
                    "adminPassword": "Secret-Passw0rd!",
                },
                "storageProfile": {
                    "imageReference": {
                        "publisher": "MicrosoftWindowsServer",
                        "offer": "WindowsServer",
                        "sku": "2022-datacenter-azure-edition",
                        "version": "latest",
                    }
                },
                "networkProfile": {
                    "networkInterfaceConfigurations": [
                        {"name": "nic", "properties": {"primary": True, "ipConfigurations": [ipc]}}
                    ]
                },
            },
        },
    }
    return (
        env["compute"]
        .virtual_machine_scale_sets.begin_create_or_update(env["group"], name, body)
        .result()
    )


def test_v2_rule_maps_each_instance_to_a_port(env: dict[str, Any]) -> None:
    from azure.mgmt.network.models import QueryInboundNatRulePortMappingRequest, SubResource

    made = make_lb(env, "lbv2", {"frontend_port_range_start": 50000, "frontend_port_range_end": 50002,
                                 "backend_address_pool": {"id": f"{lb_id(env, 'lbv2')}/backendAddressPools/pool"}})  # fmt: skip
    rule = made.inbound_nat_rules[0]
    assert (rule.frontend_port_range_start, rule.frontend_port_range_end) == (50000, 50002)
    assert rule.backend_address_pool.id.endswith("/backendAddressPools/pool")
    vmss(env, "natok", "lbv2", 3)
    ports = []
    for instance in ("0", "1", "2"):
        ipc = (
            f"/subscriptions/{env['sub']}/resourceGroups/{env['group']}/providers/Microsoft.Compute"
            f"/virtualMachineScaleSets/natok/virtualMachines/{instance}/networkInterfaces/nic/ipConfigurations/ipc"
        )
        result = (
            env["net"]
            .load_balancers.begin_list_inbound_nat_rule_port_mappings(
                env["group"],
                "lbv2",
                "pool",
                QueryInboundNatRulePortMappingRequest(ip_configuration=SubResource(id=ipc)),
            )
            .result()
        )
        (mapping,) = result.inbound_nat_rule_port_mappings
        assert mapping.inbound_nat_rule_name == "rdp" and mapping.backend_port == 3389
        ports.append(mapping.frontend_port)
    assert ports == [50000, 50001, 50002]


def test_v2_range_smaller_than_the_instances_is_refused(env: dict[str, Any]) -> None:
    make_lb(env, "lbsmall", {"frontend_port_range_start": 50000, "frontend_port_range_end": 50001,
                             "backend_address_pool": {"id": f"{lb_id(env, 'lbsmall')}/backendAddressPools/pool"}})  # fmt: skip
    with pytest.raises(HttpResponseError) as exc:
        vmss(env, "nattoo", "lbsmall", 3)
    assert exc.value.error.code == "InboundNatPoolFrontendPortRangeSmallerThanRequestedPorts"
    assert "has 2 ports, fewer than the 3" in str(exc.value.error.message)


def test_v2_rule_needs_both_range_ends(env: dict[str, Any]) -> None:
    with pytest.raises(HttpResponseError) as exc:
        make_lb(env, "lbnoend", {"frontend_port_range_start": 50000,
                                 "backend_address_pool": {"id": f"{lb_id(env, 'lbnoend')}/backendAddressPools/pool"}})  # fmt: skip
    assert exc.value.error.code == "MissedInboundNatRuleV2Properties"


def test_frontend_port_and_range_together_are_refused(env: dict[str, Any]) -> None:
    with pytest.raises(HttpResponseError) as exc:
        make_lb(env, "lbboth", {"frontend_port": 22, "frontend_port_range_start": 50000,
                                "frontend_port_range_end": 50010})  # fmt: skip
    assert (
        exc.value.error.code
        == "UnsupportedSetOfInboundNatRulePropertiesWhenFrontendPortIsSpecified"
    )


def test_v2_rule_pool_must_be_the_load_balancers_own(env: dict[str, Any]) -> None:
    with pytest.raises(HttpResponseError) as exc:
        make_lb(env, "lbother", {"frontend_port_range_start": 50000, "frontend_port_range_end": 50010,
                                 "backend_address_pool": {"id": f"{lb_id(env, 'lbv2')}/backendAddressPools/pool"}})  # fmt: skip
    assert exc.value.error.code == "InvalidResourceReference"
