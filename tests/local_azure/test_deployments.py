"""Template deployments in the local Azure, through the real server and the unmodified
DeploymentsMgmtClient: the driver, operations, validate, what-if, cancel, Complete mode."""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient
from rm_lab import clients, error_code, raw

from mocks import CloudConfig, LocalAzure

SLOW_TYPE = "Microsoft.Compute/snapshots"  # provisions for minutes in these tests

TEMPLATE: dict[str, Any] = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {
        "count": {"type": "int", "defaultValue": 2, "minValue": 1, "maxValue": 4},
        "tier": {"type": "string", "defaultValue": "gold", "allowedValues": ["gold", "silver"]},
    },
    "resources": [
        {
            "type": "Microsoft.Compute/disks",
            "apiVersion": "2024-03-02",
            "name": "[concat('disk', copyIndex())]",
            "location": "[resourceGroup().location]",
            "copy": {"name": "disks", "count": "[parameters('count')]"},
            "properties": {"diskSizeGB": 4},
        },
        {
            "type": "Microsoft.Network/networkInterfaces",
            "apiVersion": "2024-05-01",
            "name": "nic",
            "location": "[resourceGroup().location]",
            "dependsOn": ["disks"],
            "properties": {
                "tier": "[parameters('tier')]",
                "firstDisk": "[reference(resourceId('Microsoft.Compute/disks', 'disk0')).diskSizeGB]",
            },
        },
    ],
    "outputs": {
        "nicId": {
            "type": "string",
            "value": "[resourceId('Microsoft.Network/networkInterfaces', 'nic')]",
        },
        "size": {
            "type": "int",
            "value": "[reference(resourceId('Microsoft.Network/networkInterfaces', 'nic')).firstDisk]",
        },
    },
}


def props(template: dict[str, Any], mode: str = "Incremental", **params: Any) -> dict[str, Any]:
    parameters = {k: {"value": v} for k, v in params.items()}
    return {"properties": {"template": template, "parameters": parameters, "mode": mode}}


@pytest.fixture(scope="module")
def az(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAzure]:
    config = CloudConfig(
        provisioning_seconds=0.05,
        poll_retry_after=0.05,
        provisioning_overrides={SLOW_TYPE: 600},
    )
    with LocalAzure(tmp_path_factory.mktemp("dep"), config=config) as local:
        yield local


@pytest.fixture(scope="module")
def sdk(az: LocalAzure) -> tuple[ResourceManagementClient, DeploymentsMgmtClient]:
    return clients(az)


@pytest.fixture
def group(request: pytest.FixtureRequest, sdk: Any) -> str:
    name = re.sub(r"[^A-Za-z0-9-]+", "-", request.node.name)[:60].strip("-")
    sdk[0].resource_groups.create_or_update(name, {"location": "westeurope"})
    return name


def test_template_deploys_in_dependency_order_with_outputs(sdk: Any, group: str) -> None:
    rm, dm = sdk
    result = dm.deployments.begin_create_or_update(group, "main", props(TEMPLATE)).result()
    assert result.properties.provisioning_state == "Succeeded"
    assert result.properties.outputs["size"] == {"type": "Int", "value": 4}
    assert result.properties.outputs["nicId"]["value"].endswith("/networkInterfaces/nic")
    assert result.properties.parameters["tier"] == {"type": "String", "value": "gold"}
    names = sorted(r.name for r in rm.resources.list_by_resource_group(group))
    assert names == ["disk0", "disk1", "nic"]
    nic = rm.resources.get_by_id(
        result.properties.outputs["nicId"]["value"], api_version="2024-05-01"
    )
    assert nic.properties["firstDisk"] == 4
    ops = {
        op.properties.target_resource.resource_name: op.properties
        for op in dm.deployment_operations.list(group, "main")
        if op.properties.target_resource
    }
    assert set(ops) == {"disk0", "disk1", "nic"}
    assert {o.provisioning_operation for o in ops.values()} == {"Create"}
    assert {o.status_code for o in ops.values()} == {"Created"}
    # The NIC waited for both disks (dependsOn the copy loop).
    assert all(ops["nic"].timestamp >= ops[d].timestamp for d in ("disk0", "disk1"))
    deps = result.properties.dependencies
    assert {d.resource_name for d in deps[0].depends_on} == {"disk0", "disk1"}


def test_deployment_get_list_and_delete_keep_resources(sdk: Any, group: str) -> None:
    rm, dm = sdk
    dm.deployments.begin_create_or_update(group, "one", props(TEMPLATE, count=1)).result()
    assert dm.deployments.check_existence(group, "one")
    assert [d.name for d in dm.deployments.list_by_resource_group(group)] == ["one"]
    assert dm.deployments.get(group, "one").properties.duration.startswith("PT")
    dm.deployments.begin_delete(group, "one").result()
    assert not dm.deployments.check_existence(group, "one")
    assert len(list(rm.resources.list_by_resource_group(group))) == 2  # disk0 + nic stay


@pytest.mark.parametrize(
    ("template_change", "params", "expected"),
    [
        (None, {"count": 9}, "less than or equal to '4'"),
        ("cycle", {}, "Circular dependency"),
        ("unknown-function", {}, "noSuchFunction"),
    ],
)
def test_validate_failures_carry_arm_codes(
    sdk: Any, group: str, template_change: str | None, params: dict[str, Any], expected: str
) -> None:
    _rm, dm = sdk
    template = copy.deepcopy(TEMPLATE)
    if template_change == "cycle":
        template["resources"][0]["dependsOn"] = [
            "[resourceId('Microsoft.Network/networkInterfaces', 'nic')]"
        ]
    elif template_change == "unknown-function":
        template["resources"][1]["properties"]["tier"] = "[noSuchFunction('x')]"
    with pytest.raises(HttpResponseError) as exc:
        dm.deployments.begin_validate(group, "v", props(template, **params)).result()
    assert exc.value.status_code == 400
    assert error_code(exc) == "InvalidTemplate"  # ARM's code for all three
    assert expected.lower() in str(exc.value.error.message).lower()
    with pytest.raises(HttpResponseError) as put_exc:
        dm.deployments.begin_create_or_update(group, "v", props(template, **params)).result()
    assert error_code(put_exc) == error_code(exc)


def test_validate_success_lists_the_resources(sdk: Any, group: str) -> None:
    _rm, dm = sdk
    result = dm.deployments.begin_validate(group, "ok", props(TEMPLATE, count=3)).result()
    assert result.properties.provisioning_state == "Succeeded"
    assert len(result.properties.validated_resources) == 4
    assert not dm.deployments.check_existence(group, "ok")  # validate does not deploy


def test_deployment_registers_the_providers_its_template_names(sdk: Any, group: str) -> None:
    # ARM: "resource providers defined in the template are registered automatically".
    rm, dm = sdk
    assert rm.providers.get("Microsoft.ClassicCompute").registration_state == "NotRegistered"
    classic = {
        "type": "Microsoft.ClassicCompute/domainNames",
        "apiVersion": "2016-11-01",
        "name": "classicsvc",
        "location": "westeurope",
        "properties": {},
    }
    template = {**TEMPLATE, "resources": [classic], "outputs": {}}
    result = dm.deployments.begin_create_or_update(group, "reg", props(template)).result()
    assert result.properties.provisioning_state == "Succeeded"
    assert rm.providers.get("Microsoft.ClassicCompute").registration_state == "Registered"
    assert [r.name for r in rm.resources.list_by_resource_group(group)] == ["classicsvc"]


def test_what_if_reports_create_modify_nochange_and_ignore(sdk: Any, group: str) -> None:
    rm, dm = sdk
    dm.deployments.begin_create_or_update(group, "base", props(TEMPLATE, count=1)).result()
    extra = rm.resources.get_by_id(
        rm.resources.list_by_resource_group(group).next().id, api_version="2024-03-02"
    ).id.replace("disk0", "stray")
    rm.resources.begin_create_or_update_by_id(
        extra, parameters={"location": "westeurope", "properties": {}}, api_version="2024-03-02"
    ).result()
    result = dm.deployments.begin_what_if(
        group, "base", props(TEMPLATE, count=2, tier="silver")
    ).result()
    changes = {c.resource_id.rsplit("/", 1)[-1]: c for c in result.changes}
    assert changes["disk0"].change_type == "NoChange"
    assert changes["disk1"].change_type == "Create"
    assert changes["nic"].change_type == "Modify"
    paths = [d.path for d in changes["nic"].delta]
    assert any("tier" in p for p in paths)
    assert changes["stray"].change_type == "Ignore"
    complete = dm.deployments.begin_what_if(group, "base", props(TEMPLATE, "Complete")).result()
    assert {c.resource_id.rsplit("/", 1)[-1]: c.change_type for c in complete.changes}[
        "stray"
    ] == "Delete"


def test_complete_mode_deletes_what_the_template_lacks(sdk: Any, group: str) -> None:
    rm, dm = sdk
    dm.deployments.begin_create_or_update(group, "full", props(TEMPLATE, count=2)).result()
    result = dm.deployments.begin_create_or_update(
        group, "full", props(TEMPLATE, "Complete", count=1)
    ).result()
    assert result.properties.provisioning_state == "Succeeded"
    assert sorted(r.name for r in rm.resources.list_by_resource_group(group)) == ["disk0", "nic"]
    deletes = [
        op.properties
        for op in dm.deployment_operations.list(group, "full")
        if op.properties.provisioning_operation == "Delete"
    ]
    assert [d.target_resource.resource_name for d in deletes] == ["disk1"]


def test_cancel_running_deployment_and_active_conflicts(sdk: Any, group: str) -> None:
    _rm, dm = sdk
    slow = {**TEMPLATE, "outputs": {}, "resources": [{
        "type": SLOW_TYPE, "apiVersion": "2024-03-02", "name": "snap",
        "location": "westeurope", "properties": {},
    }]}  # fmt: skip
    poller = dm.deployments.begin_create_or_update(group, "slow", props(slow))
    assert dm.deployments.get(group, "slow").properties.provisioning_state == "Running"
    with pytest.raises(ResourceExistsError) as active:
        dm.deployments.begin_create_or_update(group, "slow", props(slow))
    assert error_code(active) == "DeploymentActive"
    with pytest.raises(ResourceExistsError) as undeletable:
        dm.deployments.begin_delete(group, "slow")  # ARM: a running deployment stays
    assert error_code(undeletable) == "DeploymentActive"
    assert dm.deployments.get(group, "slow").properties.provisioning_state == "Running"
    dm.deployments.cancel(group, "slow")
    assert dm.deployments.get(group, "slow").properties.provisioning_state == "Canceled"
    with pytest.raises(HttpResponseError):
        poller.result()  # the status turned Canceled
    with pytest.raises(ResourceExistsError) as again:
        dm.deployments.cancel(group, "slow")
    assert error_code(again) == "DeploymentCannotBeCancelled"
    dm.deployments.begin_delete(group, "slow").result()  # once it is over, it can go
    assert not dm.deployments.check_existence(group, "slow")


def test_deployment_status_knows_its_operation_ids(az: LocalAzure, group: str) -> None:
    base = (
        f"/subscriptions/{az.identity.subscription_id}/resourcegroups/{group}/providers/"
        "Microsoft.Resources/deployments/st"
    )
    put = raw(az, "PUT", base, props(TEMPLATE, count=1))
    assert put.status_code == 201
    status_path = put.headers["Azure-AsyncOperation"].split("?")[0].removeprefix(az.url)
    assert status_path.lower().startswith(base.lower() + "/operationstatuses/")
    known = raw(az, "GET", status_path)
    assert known.status_code == 200 and known.json()["status"] in ("Running", "Succeeded")
    bogus = raw(az, "GET", base + "/operationStatuses/bogus")
    assert bogus.status_code == 404
    assert bogus.json()["error"]["code"] == "OperationNotFound"


def test_targeted_fault_fails_the_resource_and_the_deployment(
    az: LocalAzure, sdk: Any, group: str
) -> None:
    _rm, dm = sdk
    az.cloud.faults.set({"targeted": [{
        "kind": "fail_deployment", "type": "Microsoft.Network/networkInterfaces",
        "code": "AllocationFailed", "message": "No capacity.", "count": 1,
    }]})  # fmt: skip
    try:
        with pytest.raises(HttpResponseError) as exc:
            dm.deployments.begin_create_or_update(group, "bad", props(TEMPLATE)).result()
    finally:
        az.cloud.faults.set({})
    assert error_code(exc) == "DeploymentFailed"
    dep = dm.deployments.get(group, "bad")
    assert dep.properties.provisioning_state == "Failed"
    details = dep.properties.error.details
    assert [(d.code, d.target.rsplit("/", 1)[-1]) for d in details] == [("AllocationFailed", "nic")]
    failed = [
        op.properties
        for op in dm.deployment_operations.list(group, "bad")
        if op.properties.provisioning_state == "Failed"
    ]
    assert failed[0].status_message.error.code == "AllocationFailed"


def test_cmg_template_deploys_and_redeploy_what_if_is_no_change(
    az: LocalAzure, sdk: Any, group: str
) -> None:
    rm, dm = sdk
    rm.providers.register("Microsoft.KeyVault")
    assert wait_for(
        lambda: rm.providers.get("Microsoft.KeyVault").registration_state == "Registered"
    )
    root = Path(__file__).resolve().parents[2] / "arm_templates"
    template = json.loads((root / "cmg.json").read_text())
    example = json.loads((root / "cmg.parameters.example.json").read_text())
    body = {"properties": {"template": template, "parameters": example.get("parameters", example)}}
    result = dm.deployments.begin_create_or_update(group, "cmg", body).result()
    assert result.properties.provisioning_state == "Succeeded"
    assert result.properties.outputs["fqdn"]["value"].endswith(".westeurope.cloudapp.azure.com")
    types = {r.type for r in rm.resources.list_by_resource_group(group)}
    assert "Microsoft.Compute/virtualMachineScaleSets" in types
    # As cmgdeploy redeploys: with the scale set's identity, so the vault keeps its policy.
    principal = result.properties.outputs["scaleSetPrincipalId"]["value"]
    again = {**example.get("parameters", example), "scaleSetPrincipalId": {"value": principal}}
    body = {"properties": {"template": template, "parameters": again}}
    what_if = dm.deployments.begin_what_if(group, "cmg-again", body).result()
    changes = {c.resource_id.rsplit("/", 1)[-1]: c.change_type for c in what_if.changes}
    # listKeys() is not called by what-if: that secret is "Deploy" (may change), as in Azure.
    assert changes.pop("storage-connection-string") == "Deploy"
    assert set(changes.values()) == {"NoChange"}


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()
