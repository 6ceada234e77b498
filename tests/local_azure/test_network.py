"""Network resource types of the local Azure (unit level through the registry)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from registry_lab import delete, put

from mocks.core.cloud import Cloud
from mocks.core.errors import ArmError
from mocks.network import models as net

SUB = "00000000-0000-0000-0000-000000000001"
NET = f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Network"


@pytest.fixture
def cloud(tmp_path: Path) -> Cloud:
    return Cloud(tmp_path / "state")


def pip(cloud: Cloud, name: str, label: str | None = None, **props: Any) -> dict[str, Any]:
    if label:
        props["dnsSettings"] = {"domainNameLabel": label}
    body = {"sku": {"name": "Standard"}, "properties": props}
    return put(cloud, net.PublicIPAddress.type_name, f"{NET}/publicIPAddresses/{name}", body)


def test_public_ip_gets_unique_address_and_fqdn(cloud: Cloud) -> None:
    first = pip(cloud, "a", label="cmgone")
    second = pip(cloud, "b")
    assert first["properties"]["publicIPAllocationMethod"] == "Static"
    assert first["properties"]["dnsSettings"]["fqdn"] == "cmgone.westeurope.cloudapp.azure.com"
    assert first["properties"]["ipAddress"] != second["properties"]["ipAddress"]
    again = pip(cloud, "a", label="cmgone")  # owner re-PUT keeps its address and label
    assert again["properties"]["ipAddress"] == first["properties"]["ipAddress"]


def test_dns_label_unique_per_region(cloud: Cloud) -> None:
    pip(cloud, "a", label="cmgtwo")
    assert net.label_available(cloud, "westeurope", "cmgtwo") is False
    assert net.label_available(cloud, "northeurope", "cmgtwo") is True
    with pytest.raises(ArmError) as exc:
        pip(cloud, "b", label="cmgtwo")
    assert (exc.value.status, exc.value.code) == (400, "DnsRecordInUse")
    assert "cmgtwo.westeurope.cloudapp.azure.com is already used" in exc.value.message
    delete(cloud, f"{NET}/publicIPAddresses/a")
    assert net.label_available(cloud, "westeurope", "cmgtwo") is True


def test_standard_public_ip_must_be_static(cloud: Cloud) -> None:
    with pytest.raises(ArmError) as exc:
        pip(cloud, "c", publicIPAllocationMethod="Dynamic")
    assert exc.value.code == "StandardAndStandardV2SkuPublicIPAddressesMustBeStatic"
    basic = put(
        cloud, net.PublicIPAddress.type_name, f"{NET}/publicIPAddresses/d", {"properties": {}}
    )
    assert basic["properties"]["publicIPAllocationMethod"] == "Dynamic"
    assert "ipAddress" not in basic["properties"]


def vnet(cloud: Cloud, space: str, *subnets: tuple[str, str]) -> dict[str, Any]:
    body = {
        "properties": {
            "addressSpace": {"addressPrefixes": [space]},
            "subnets": [{"name": n, "properties": {"addressPrefix": p}} for n, p in subnets],
        }
    }
    return put(cloud, net.VirtualNetwork.type_name, f"{NET}/virtualNetworks/v", body)


def test_vnet_subnets_get_ids_and_are_served_as_children(cloud: Cloud) -> None:
    body = vnet(cloud, "10.0.0.0/16", ("cmg", "10.0.0.0/24"))
    subnet = body["properties"]["subnets"][0]
    assert subnet["id"] == f"{NET}/virtualNetworks/v/subnets/cmg"
    assert subnet["type"] == "Microsoft.Network/virtualNetworks/subnets"
    assert net.resolve(cloud, subnet["id"])["properties"]["addressPrefix"] == "10.0.0.0/24"


@pytest.mark.parametrize(
    ("space", "subnets", "code"),
    [
        ("10.0.0.1/16", [("s", "10.0.0.0/24")], "InvalidCIDRNotation"),
        ("10.0.0.0/16", [("s", "10.1.0.0/24")], "NetcfgSubnetRangeOutsideVnet"),
        (
            "10.0.0.0/16",
            [("s", "10.0.0.0/24"), ("t", "10.0.0.128/25")],
            "NetcfgSubnetRangesOverlap",
        ),
        ("10.0.0.0/16", [("s", "bogus")], "InvalidCIDRNotation"),
    ],
)
def test_vnet_prefix_errors(cloud: Cloud, space: str, subnets: list[Any], code: str) -> None:
    with pytest.raises(ArmError) as exc:
        vnet(cloud, space, *subnets)
    assert (exc.value.status, exc.value.code) == (400, code)


def test_subnet_put_alone_merges_into_network(cloud: Cloud) -> None:
    vnet(cloud, "10.0.0.0/16", ("a", "10.0.0.0/24"))
    sid = f"{NET}/virtualNetworks/v/subnets/b"
    put(cloud, net.Subnet.type_name, sid, {"properties": {"addressPrefix": "10.0.1.0/24"}})
    assert [s["name"] for s in net.subnets_of(cloud, f"{NET}/virtualNetworks/v") or []] == [
        "a",
        "b",
    ]
    with pytest.raises(ArmError) as exc:
        put(
            cloud,
            net.Subnet.type_name,
            f"{NET}/virtualNetworks/v/subnets/c",
            {"properties": {"addressPrefix": "10.0.1.0/25"}},
        )
    assert exc.value.code == "NetcfgSubnetRangesOverlap"


def rule(name: str, priority: Any, direction: str = "Inbound", port: str = "443") -> dict[str, Any]:
    return {
        "name": name,
        "properties": {
            "protocol": "Tcp",
            "access": "Allow",
            "direction": direction,
            "priority": priority,
            "sourceAddressPrefix": "Internet",
            "sourcePortRange": "*",
            "destinationAddressPrefix": "*",
            "destinationPortRange": port,
        },
    }


def nsg(cloud: Cloud, *rules: dict[str, Any]) -> dict[str, Any]:
    body = {"properties": {"securityRules": list(rules)}}
    return put(cloud, net.NetworkSecurityGroup.type_name, f"{NET}/networkSecurityGroups/n", body)


def test_nsg_rules_ids_and_default_rules(cloud: Cloud) -> None:
    body = nsg(cloud, rule("HTTPS", 100), rule("ConnectionPoint", 110, port="10124-10126"))
    props = body["properties"]
    assert props["securityRules"][1]["id"].endswith(
        "/networkSecurityGroups/n/securityRules/ConnectionPoint"
    )
    assert {r["name"] for r in props["defaultSecurityRules"]} >= {
        "DenyAllInBound",
        "AllowVnetOutBound",
    }


@pytest.mark.parametrize(
    ("rules", "code"),
    [
        ([rule("a", 99)], "SecurityRuleInvalidPriority"),
        ([rule("a", 4097)], "SecurityRuleInvalidPriority"),
        ([rule("a", 100), rule("b", 100)], "SecurityRuleConflict"),
        ([rule("a", 100, port="10126-10124")], "SecurityRuleInvalidPortRange"),
        ([rule("a", 100, port="http")], "SecurityRuleInvalidPortRange"),
    ],
)
def test_nsg_rule_errors(cloud: Cloud, rules: list[dict[str, Any]], code: str) -> None:
    with pytest.raises(ArmError) as exc:
        nsg(cloud, *rules)
    assert (exc.value.status, exc.value.code) == (400, code)


def test_same_priority_other_direction_is_fine(cloud: Cloud) -> None:
    nsg(cloud, rule("a", 100), rule("b", 100, direction="Outbound"))


def lb_body(pip_id: str, pool_ref: str = "cmg-backend", net: str = NET) -> dict[str, Any]:
    lb = f"{net}/loadBalancers/lb"
    return {
        "sku": {"name": "Standard"},
        "properties": {
            "frontendIPConfigurations": [
                {"name": "fe", "properties": {"publicIPAddress": {"id": pip_id}}}
            ],
            "backendAddressPools": [{"name": "cmg-backend"}],
            "probes": [{"name": "p", "properties": {"protocol": "Tcp", "port": 443}}],
            "loadBalancingRules": [
                {
                    "name": "https",
                    "properties": {
                        "frontendIPConfiguration": {"id": f"{lb}/frontendIPConfigurations/fe"},
                        "backendAddressPool": {"id": f"{lb}/backendAddressPools/{pool_ref}"},
                        "probe": {"id": f"{lb}/probes/p"},
                        "protocol": "Tcp",
                        "frontendPort": 443,
                        "backendPort": 443,
                    },
                }
            ],
        },
    }


def test_load_balancer_ids_and_references(cloud: Cloud) -> None:
    address = pip(cloud, "pip")
    body = put(cloud, net.LoadBalancer.type_name, f"{NET}/loadBalancers/lb", lb_body(address["id"]))
    assert body["properties"]["backendAddressPools"][0]["id"].endswith(
        "/loadBalancers/lb/backendAddressPools/cmg-backend"
    )
    with pytest.raises(ArmError) as exc:
        put(
            cloud,
            net.LoadBalancer.type_name,
            f"{NET}/loadBalancers/lb",
            lb_body(address["id"], "nope"),
        )
    assert (exc.value.status, exc.value.code) == (400, "InvalidResourceReference")
    with pytest.raises(ArmError) as exc:
        put(
            cloud,
            net.LoadBalancer.type_name,
            f"{NET}/loadBalancers/lb",
            lb_body(f"{NET}/publicIPAddresses/missing"),
        )
    assert exc.value.code == "InvalidResourceReference"


# -- through the real server with the unmodified SDK -----------------------------------------
@pytest.fixture(scope="module")
def sdk(local_azure: Any) -> Any:
    """(NetworkManagementClient, resource group name) against the session's local Azure."""
    import uuid

    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient
    from rm_lab import sdk_client

    group = f"net-{uuid.uuid4().hex[:8]}"
    sdk_client(local_azure, ResourceManagementClient).resource_groups.create_or_update(
        group, {"location": "westeurope"}
    )
    return sdk_client(local_azure, NetworkManagementClient), group


def test_sdk_public_ip_fqdn_and_dns_checks(sdk: Any) -> None:
    from azure.core.exceptions import HttpResponseError

    client, group = sdk
    label = f"cmg{group[4:]}"
    body = {
        "location": "westeurope",
        "sku": {"name": "Standard"},
        "properties": {
            "publicIPAllocationMethod": "Static",
            "dnsSettings": {"domainNameLabel": label},
        },
    }
    made = client.public_ip_addresses.begin_create_or_update(group, "pip", body).result()
    assert made.provisioning_state == "Succeeded"
    read = client.public_ip_addresses.get(group, "pip")
    assert read.dns_settings.fqdn == f"{label}.westeurope.cloudapp.azure.com"
    assert read.ip_address and read.ip_address == made.ip_address
    assert (
        client.check_dns_name_availability("westeurope", domain_name_label=label).available is False
    )
    assert (
        client.check_dns_name_availability("westeurope", domain_name_label=label + "x").available
        is True
    )
    with pytest.raises(HttpResponseError) as exc:
        client.public_ip_addresses.begin_create_or_update(group, "pip2", body).result()
    assert exc.value.error.code == "DnsRecordInUse"


def test_sdk_vnet_nsg_and_load_balancer(sdk: Any) -> None:
    from azure.core.exceptions import HttpResponseError

    client, group = sdk
    vnet = {
        "location": "westeurope",
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "cmg", "properties": {"addressPrefix": "10.0.0.0/24"}}],
        },
    }
    client.virtual_networks.begin_create_or_update(group, "vnet", vnet).result()
    subnet = client.subnets.get(group, "vnet", "cmg")
    assert subnet.address_prefix == "10.0.0.0/24" and subnet.id.endswith("/subnets/cmg")
    rules = [rule("HTTPS", 100), rule("ConnectionPoint", 110, port="10124-10125")]
    nsg = client.network_security_groups.begin_create_or_update(
        group, "nsg", {"location": "westeurope", "properties": {"securityRules": rules}}
    ).result()
    assert [r.name for r in nsg.security_rules] == ["HTTPS", "ConnectionPoint"]
    assert len(client.network_security_groups.get(group, "nsg").default_security_rules) == 6
    with pytest.raises(HttpResponseError) as exc:
        client.network_security_groups.begin_create_or_update(
            group,
            "nsg2",
            {
                "location": "westeurope",
                "properties": {"securityRules": [rule("a", 100), rule("b", 100)]},
            },
        ).result()
    assert exc.value.error.code == "SecurityRuleConflict"
    pip = client.public_ip_addresses.begin_create_or_update(
        group,
        "lbpip",
        {
            "location": "westeurope",
            "sku": {"name": "Standard"},
            "public_ip_allocation_method": "Static",
        },
    ).result()
    lb_sdk = lb_body(pip.id, net=pip.id.rsplit("/publicIPAddresses/", 1)[0])
    lb_sdk["location"] = "westeurope"
    lb = client.load_balancers.begin_create_or_update(group, "lb", lb_sdk).result()
    assert lb.load_balancing_rules[0].probe.id.endswith("/loadBalancers/lb/probes/p")
    assert client.load_balancers.get(group, "lb").backend_address_pools[0].name == "cmg-backend"


def test_sdk_subnets_of_a_missing_group_or_network(sdk: Any) -> None:
    from azure.core.exceptions import ResourceNotFoundError

    client, group = sdk
    with pytest.raises(ResourceNotFoundError) as no_group:
        list(client.subnets.list("no-such-group", "vnet"))
    assert no_group.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceNotFoundError) as no_group_get:
        client.subnets.get("no-such-group", "vnet", "default")
    assert no_group_get.value.error.code == "ResourceGroupNotFound"
    with pytest.raises(ResourceNotFoundError) as no_vnet:
        list(client.subnets.list(group, "no-such-vnet"))
    assert no_vnet.value.error.code == "ResourceNotFound"
