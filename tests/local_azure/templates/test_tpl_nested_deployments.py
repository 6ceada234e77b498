"""Nested inline deployments (Microsoft.Resources/deployments) through the SDK: inner
and outer expression scope, another resource group, outputs through reference(),
what-if of the inner resources, operations, and linked templates refused loudly."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from sdkclients import Clients, sdk_clients

from mocks import LocalAzure

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
GROUP, OTHER = "nested-rg", "nested-other-rg"


@pytest.fixture(scope="module")
def clients(local_azure: LocalAzure) -> Clients:
    c = sdk_clients(local_azure)
    for group in (GROUP, OTHER):
        c.resources.resource_groups.create_or_update(group, {"location": "westeurope"})
    return c


def nsg(name: str) -> dict[str, Any]:
    return {
        "type": "Microsoft.Network/networkSecurityGroups",
        "apiVersion": "2023-09-01",
        "name": name,
        "location": "[resourceGroup().location]",
        "properties": {},
    }


def inner_scope_template() -> dict[str, Any]:
    inner = {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {"nsgName": {"type": "string"}},
        "variables": {"suffix": "-inner"},
        "resources": [nsg("[concat(parameters('nsgName'), variables('suffix'))]")],
        "outputs": {
            "nsgId": {
                "type": "string",
                "value": "[resourceId('Microsoft.Network/networkSecurityGroups', "
                "concat(parameters('nsgName'), variables('suffix')))]",
            }
        },
    }
    nested = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "innerDeployment",
        "resourceGroup": OTHER,
        "properties": {
            "mode": "Incremental",
            "expressionEvaluationOptions": {"scope": "inner"},
            "parameters": {"nsgName": {"value": "[parameters('baseName')]"}},
            "template": inner,
        },
    }
    return {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {"baseName": {"type": "string", "defaultValue": "nsgA"}},
        "resources": [nested],
        "outputs": {
            "fromNested": {
                "type": "string",
                "value": "[reference('innerDeployment').outputs.nsgId.value]",
            }
        },
    }


def outer_scope_template() -> dict[str, Any]:
    inner = {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "resources": [nsg("[variables('nsgName')]")],
    }
    return {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {"prefix": {"type": "string", "defaultValue": "outer"}},
        "variables": {"nsgName": "[concat(parameters('prefix'), '-nsg')]"},
        "resources": [
            nsg("parent-nsg"),
            {
                "type": "Microsoft.Resources/deployments",
                "apiVersion": "2022-09-01",
                "name": "outerDeployment",
                "dependsOn": ["parent-nsg"],
                "properties": {"mode": "Incremental", "template": inner},
            },
        ],
    }


def deploy(c: Clients, group: str, name: str, template: dict[str, Any]) -> Any:
    body = {"properties": {"mode": "Incremental", "template": template}}
    return c.deployments.deployments.begin_create_or_update(group, name, body).result()


def test_inner_scope_in_another_group_with_outputs(clients: Clients) -> None:
    result = deploy(clients, GROUP, "parent-inner", inner_scope_template())
    assert result.properties.provisioning_state == "Succeeded"
    nsg_id = result.properties.outputs["fromNested"]["value"]
    assert nsg_id.endswith(
        f"/resourceGroups/{OTHER}/providers/Microsoft.Network/networkSecurityGroups/nsgA-inner"
    )
    child = clients.deployments.deployments.get(OTHER, "innerDeployment")
    assert child.properties.provisioning_state == "Succeeded"
    assert child.properties.outputs["nsgId"]["value"] == nsg_id
    made = clients.resources.resources.get_by_id(nsg_id, api_version="2023-09-01")
    assert made.name == "nsgA-inner"
    ops = list(clients.deployments.deployment_operations.list(GROUP, "parent-inner"))
    targets = [
        o.properties.target_resource.resource_name for o in ops if o.properties.target_resource
    ]
    assert "innerDeployment" in targets


def test_outer_scope_sees_the_parents_parameters_and_variables(clients: Clients) -> None:
    result = deploy(clients, GROUP, "parent-outer", outer_scope_template())
    assert result.properties.provisioning_state == "Succeeded"
    names = {r.name for r in clients.resources.resources.list_by_resource_group(GROUP)}
    assert {"parent-nsg", "outer-nsg"} <= names


def test_what_if_predicts_the_inner_resources(clients: Clients) -> None:
    template = inner_scope_template()
    template["parameters"]["baseName"]["defaultValue"] = "nsgB"
    body = {"properties": {"mode": "Incremental", "template": template}}
    result = clients.deployments.deployments.begin_what_if(GROUP, "whatif-nested", body).result()
    created = {
        c.resource_id.rsplit("/", 1)[-1] for c in result.changes if c.change_type == "Create"
    }
    assert "nsgB-inner" in created
    assert not any(c.resource_id.endswith("/innerDeployment") for c in result.changes)


def test_nested_template_errors_fail_validation(clients: Clients) -> None:
    template = inner_scope_template()
    template["resources"][0]["properties"]["template"]["resources"][0]["name"] = "[noSuchFn()]"
    body = {"properties": {"mode": "Incremental", "template": template}}
    with pytest.raises(HttpResponseError) as caught:
        clients.deployments.deployments.begin_create_or_update(GROUP, "bad-nested", body).result()
    assert "noSuchFn" in str(caught.value)


def test_linked_templates_are_refused_loudly(clients: Clients) -> None:
    template = inner_scope_template()
    props = template["resources"][0]["properties"]
    del props["template"]
    props["templateLink"] = {"uri": "https://example.invalid/azuredeploy.json"}
    body = {"properties": {"mode": "Incremental", "template": template}}
    with pytest.raises(HttpResponseError) as caught:
        clients.deployments.deployments.begin_create_or_update(GROUP, "linked", body).result()
    assert caught.value.error is not None
    assert caught.value.error.code == "LocalAzureUnsupportedOperation"
    assert "templateLink" in caught.value.error.message


def test_copy_and_condition_apply_to_nested_deployments(clients: Clients) -> None:
    inner = {"$schema": SCHEMA, "contentVersion": "1.0.0.0",
             "parameters": {"n": {"type": "string"}}, "resources": [nsg("[parameters('n')]")]}  # fmt: skip
    looped = {
        "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
        "name": "[concat('looped-', copyIndex())]", "copy": {"name": "loop", "count": 2},
        "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                       "parameters": {"n": {"value": "[concat('looped-nsg-', copyIndex())]"}},
                       "template": inner},
    }  # fmt: skip
    skipped = {
        "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
        "name": "skipped", "condition": False,
        "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                       "parameters": {"n": {"value": "skipped-nsg"}}, "template": inner},
    }  # fmt: skip
    template = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [looped, skipped]}
    body = {"properties": {"mode": "Incremental", "template": template}}
    preview = clients.deployments.deployments.begin_what_if(GROUP, "loops", body).result()
    predicted = {c.resource_id.rsplit("/", 1)[-1] for c in preview.changes}
    assert {"looped-nsg-0", "looped-nsg-1"} <= predicted and "skipped-nsg" not in predicted
    assert deploy(clients, GROUP, "loops", template).properties.provisioning_state == "Succeeded"
    names = {r.name for r in clients.resources.resources.list_by_resource_group(GROUP)}
    assert {"looped-nsg-0", "looped-nsg-1"} <= names and "skipped-nsg" not in names
