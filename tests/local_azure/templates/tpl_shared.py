"""What the template engine tests share (pure: no server)."""

from __future__ import annotations

from typing import Any

from mocks.templates import DeploymentScope, PreparedDeployment, prepare

SUB = "00000000-0000-0000-0000-000000000001"
TENANT = "00000000-0000-0000-0000-0000000000aa"
RG_ID = f"/subscriptions/{SUB}/resourceGroups/rg1"


def make_scope() -> DeploymentScope:
    return DeploymentScope(
        subscription_id=SUB,
        tenant_id=TENANT,
        resource_group="rg1",
        resource_group_location="westeurope",
        resource_group_tags={"owner": "ops"},
        deployment_name="dep1",
        environment={
            "name": "AzureCloud",
            "suffixes": {"storage": "core.windows.net", "keyvaultDns": ".vault.azure.net"},
        },
    )


def template(**sections: Any) -> dict:
    base: dict[str, Any] = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [],
    }
    base.update(sections)
    return base


def evaluate(expression: str, values: dict | None = None, **sections: Any) -> Any:
    """Value of one expression, evaluated as a template output."""
    tpl = template(outputs={"out": {"type": "object", "value": {"v": expression}}}, **sections)
    prepared = prepare(tpl, values or {}, make_scope())
    return prepared.evaluate_outputs(no_reference)["out"]["value"]["v"]


def no_reference(resource_id: str, api_version: str | None, full: bool) -> dict:
    raise AssertionError(f"unexpected reference({resource_id})")


def bodies(prepared: PreparedDeployment, resolver: Any = no_reference) -> dict[str, dict]:
    return {r.name: prepared.evaluate_resource(r, resolver) for r in prepared.resources}
