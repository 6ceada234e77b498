"""Template semantics ARM users rely on, through the SDK: short-name dependsOn between
sibling children, reference() to a subnet declared inline in its virtual network,
newGuid() defaults evaluated once per deployment, and schema types ("100" → 100)."""

from __future__ import annotations

from typing import Any

import pytest
from sdkclients import Clients, sdk_clients

from mocks import LocalAzure

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
GROUP = "semantics-rg"
NET_API = "2023-09-01"


@pytest.fixture(scope="module")
def clients(local_azure: LocalAzure) -> Clients:
    c = sdk_clients(local_azure)
    c.resources.resource_groups.create_or_update(GROUP, {"location": "westeurope"})
    return c


def deploy(c: Clients, name: str, template: dict[str, Any]) -> Any:
    body = {"properties": {"mode": "Incremental", "template": template}}
    result = c.deployments.deployments.begin_create_or_update(GROUP, name, body).result()
    assert result.properties.provisioning_state == "Succeeded", result.properties.error
    return result


def template(resources: list, outputs: dict | None = None, **sections: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", **sections,
            "resources": resources, "outputs": outputs or {}}  # fmt: skip


def subnet(name: str, prefix: str, **extra: Any) -> dict[str, Any]:
    return {"type": "subnets", "apiVersion": NET_API, "name": name,
            "properties": {"addressPrefix": prefix}, **extra}  # fmt: skip


def test_child_depends_on_sibling_by_short_name(clients: Clients) -> None:
    vnet = {
        "type": "Microsoft.Network/virtualNetworks", "apiVersion": NET_API, "name": "vnet-short",
        "location": "westeurope",
        "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}},
        "resources": [
            subnet("first", "10.1.0.0/24", dependsOn=["vnet-short"]),
            subnet("second", "10.1.1.0/24", dependsOn=["vnet-short", "first"]),
        ],
    }  # fmt: skip
    deploy(clients, "short-names", template([vnet]))
    ops = list(clients.deployments.deployment_operations.list(GROUP, "short-names"))
    done = {
        o.properties.target_resource.resource_name: o.properties.timestamp
        for o in ops
        if o.properties.target_resource  # the outputs operation has none
    }
    assert done["vnet-short/first"] <= done["vnet-short/second"]


def test_reference_to_a_subnet_declared_inline(clients: Clients) -> None:
    vnet = {
        "type": "Microsoft.Network/virtualNetworks", "apiVersion": NET_API, "name": "vnet-inline",
        "location": "westeurope",
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.2.0.0/16"]},
            "subnets": [{"name": "default", "properties": {"addressPrefix": "10.2.0.0/24"}}],
        },
    }  # fmt: skip
    subnet_id = (
        "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet-inline', 'default')]"
    )
    outputs = {
        "prefix": {"type": "string", "value": f"[reference({subnet_id[1:-1]}).addressPrefix]"}
    }
    result = deploy(clients, "inline-subnet", template([vnet], outputs))
    assert result.properties.outputs["prefix"]["value"] == "10.2.0.0/24"


def test_new_guid_default_is_evaluated_once_per_deployment(clients: Clients) -> None:
    nsgs = []
    for level in range(3):
        nsg = {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": NET_API,
               "name": f"guid-nsg{level}", "location": "westeurope",
               "tags": {"run": "[parameters('runId')]"}, "properties": {}}  # fmt: skip
        if level:
            nsg["dependsOn"] = [f"guid-nsg{level - 1}"]
        nsgs.append(nsg)
    params = {"runId": {"type": "string", "defaultValue": "[newGuid()]"}}
    outputs = {"runId": {"type": "string", "value": "[parameters('runId')]"}}
    result = deploy(clients, "guid-once", template(nsgs, outputs, parameters=params))
    run_id = result.properties.outputs["runId"]["value"]
    tags = {r.tags["run"] for r in clients.resources.resources.list_by_resource_group(GROUP)
            if r.name.startswith("guid-nsg")}  # fmt: skip
    assert tags == {run_id}


def test_property_strings_are_read_with_the_schemas_types(clients: Clients) -> None:
    rule = {"name": "https", "properties": {
        "priority": "[string(1000)]", "protocol": "Tcp", "access": "Allow", "direction": "Inbound",
        "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*",
        "destinationPortRange": "443"}}  # fmt: skip
    nsg = {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": NET_API,
           "name": "typed-nsg", "location": "westeurope", "properties": {"securityRules": [rule]}}  # fmt: skip
    deploy(clients, "typed", template([nsg]))
    rid = f"/subscriptions/{clients.subscription_id}/resourceGroups/{GROUP}/providers/Microsoft.Network/networkSecurityGroups/typed-nsg"
    body = clients.resources.resources.get_by_id(rid, api_version=NET_API)
    stored = body.properties["securityRules"][0]["properties"]
    assert stored["priority"] == 1000
    assert stored["destinationPortRange"] == "443"  # a string in the schema: kept


def test_extension_resources_by_scope_and_by_the_older_providers_form(clients: Clients) -> None:
    nsg = {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": NET_API,
           "name": "ext-nsg", "location": "westeurope", "properties": {}}  # fmt: skip
    reader = "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]"
    props = {"roleDefinitionId": reader, "principalId": "11111111-2222-3333-4444-555555555555"}
    by_scope = {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
                "name": "[guid('scoped')]", "scope": "Microsoft.Network/networkSecurityGroups/ext-nsg",
                "properties": props}  # fmt: skip
    older = {"type": "Microsoft.Network/networkSecurityGroups/providers/roleAssignments",
             "apiVersion": "2022-04-01", "name": "[concat('ext-nsg/Microsoft.Authorization/', guid('older'))]",
             "dependsOn": ["ext-nsg"], "properties": props}  # fmt: skip
    deploy(clients, "extensions", template([nsg, by_scope, older]))
    nsg_id = f"/subscriptions/{clients.subscription_id}/resourceGroups/{GROUP}/providers/Microsoft.Network/networkSecurityGroups/ext-nsg"
    ops = list(clients.deployments.deployment_operations.list(GROUP, "extensions"))
    ids = {o.properties.target_resource.id for o in ops if o.properties.target_resource}
    assignments = sorted(i for i in ids if "/roleAssignments/" in i)
    assert len(assignments) == 2
    for rid in assignments:
        assert rid.startswith(f"{nsg_id}/providers/Microsoft.Authorization/roleAssignments/")
        read = clients.resources.resources.get_by_id(rid, api_version="2022-04-01")
        assert read.properties["principalId"] == props["principalId"]
    body = {"properties": {"mode": "Incremental", "template": template([nsg, by_scope, older])}}
    again = clients.deployments.deployments.begin_what_if(GROUP, "extensions", body).result()
    assert {c.change_type for c in again.changes if "/roleAssignments/" in c.resource_id} == {
        "NoChange"
    }


def test_symbolic_names_reference_and_references(clients: Clients) -> None:
    nsgs = {
        "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": NET_API,
        "name": "[format('sym-nsg{0}', copyIndex())]", "location": "westeurope",
        "copy": {"name": "nsgLoop", "count": 2}, "properties": {},
    }  # fmt: skip
    vnet = {
        "type": "Microsoft.Network/virtualNetworks", "apiVersion": NET_API, "name": "sym-vnet",
        "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}},
    }  # fmt: skip
    tpl = {
        "$schema": SCHEMA, "languageVersion": "2.0", "contentVersion": "1.0.0.0",
        "resources": {"nsgs": nsgs, "vnet": vnet},
        "outputs": {
            "prefix": {"type": "array", "value": "[reference('vnet').addressSpace.addressPrefixes]"},
            "states": {"type": "array",
                       "value": "[map(references('nsgs'), lambda('n', lambdaVariables('n').provisioningState))]"},
        },
    }  # fmt: skip
    result = deploy(clients, "symbolic", tpl)
    assert result.properties.outputs["prefix"]["value"] == ["10.9.0.0/16"]
    assert result.properties.outputs["states"]["value"] == ["Succeeded", "Succeeded"]
