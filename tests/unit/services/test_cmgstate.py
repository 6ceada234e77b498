"""A CMG's state as a user sees it (``status``, ``up``'s wait and failure), computed from
what the Azure boundary returns: driven through the in-memory ArmApi (no server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_arm import PUBLIC_IP, VMSS, FakeArm, operation, replace

from cmgdeploy.commands.up import _fail_if_error
from cmgdeploy.domain.arm_views import Deployment, Instance, ScaleSet, Started
from cmgdeploy.domain.environments import BUILTIN_ENVIRONMENTS
from cmgdeploy.domain.errors import AzureError, ErrorDetail, WaitTimeout
from cmgdeploy.domain.site_records import CmgService
from cmgdeploy.services.cmgstate import (
    Prefetch,
    find_in_azure,
    instance_errors,
    overall_state,
    read_status,
    resource_states,
)
from cmgdeploy.services.context import OpContext
from cmgdeploy.services.local import ResolvedEnvironment
from cmgdeploy.services.progress import deployment_failed, wait_for_deployment
from cmgdeploy.services.sitedb import SiteDB

GROUP = "contoso-cmg-rg"
CMG = "contosocmg"
DEPLOYMENT = "cmgdeploy-contosocmg-0123456789"


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[OpContext]:
    row = BUILTIN_ENVIRONMENTS[0]
    env = ResolvedEnvironment(row, row.authority, row.resource_manager, row.audience, None)
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    with SiteDB(tmp_path / "site.db") as db:
        yield OpContext(env=env, db=db, home=tmp_path, timeout=600.0,
                        clock=lambda: clock[0], sleep=sleep)  # fmt: skip


def service(deployment: str | None = DEPLOYMENT, instances: int = 2) -> CmgService:
    return CmgService(
        name=CMG, environment="AzurePublicCloud", region="westeurope", instances=instances,
        state="Provisioning", subscription="sub", resource_group=GROUP, vm_size="Standard_B2s",
        deployment_name=deployment,
    )  # fmt: skip


def instances(*states: str) -> list[Instance]:
    return [Instance(str(i), f"{CMG}_{i}", s) for i, s in enumerate(states)]


# -- overall_state ---------------------------------------------------------------------------
SCALE_SET = ScaleSet(CMG, capacity=2, size="Standard_B2s", provisioning_state="Succeeded")


@pytest.mark.parametrize(
    ("dep_state", "vmss", "vms", "expected"),
    [
        ("Succeeded", SCALE_SET, instances("Succeeded", "Succeeded"), "Ready"),
        (None, SCALE_SET, instances("Succeeded", "Succeeded"), "Ready"),
        ("Succeeded", SCALE_SET, instances("Succeeded", "Creating"), "Provisioning"),
        ("Succeeded", SCALE_SET, instances("Succeeded"), "Provisioning"),
        ("Running", SCALE_SET, instances("Succeeded", "Succeeded"), "Provisioning"),
        ("Failed", SCALE_SET, instances("Succeeded", "Succeeded"), "Error"),
        ("Canceled", None, [], "Error"),
        ("Succeeded", replace(SCALE_SET, provisioning_state="Failed"), [], "Error"),
        ("Succeeded", SCALE_SET, instances("Succeeded", "Failed"), "Error"),
        ("Succeeded", replace(SCALE_SET, provisioning_state="Deleting"), [], "Deleting"),
        ("Succeeded", None, [], "Incomplete"),
        ("Running", None, [], "Provisioning"),
        (None, None, [], "NotFound"),
    ],
)
def test_overall_state(
    dep_state: str | None, vmss: ScaleSet | None, vms: list[Instance], expected: str
) -> None:
    assert overall_state(dep_state, vmss, vms) == expected


# -- read_status -------------------------------------------------------------------------------
def test_ready_cmg_reads_three_things_and_shows_outputs(ctx: OpContext) -> None:
    arm = FakeArm()
    arm.add_cmg(CMG, GROUP, deployment=DEPLOYMENT)
    status = read_status(ctx, arm, service())
    assert status.state == "Ready"
    assert (status.instances, status.vm_size) == (2, "Standard_B2s")
    assert status.fqdn == f"{CMG}.westeurope.cloudapp.azure.com"
    assert status.public_ip == "20.1.2.3"
    assert status.deployment_state == "Succeeded" and status.vmss_state == "Succeeded"
    assert status.instance_states == (("0", "Succeeded"), ("1", "Succeeded"))
    assert {(r.type, r.state) for r in status.resources} == {
        (VMSS, "Succeeded"), (PUBLIC_IP, "Succeeded")
    }  # fmt: skip
    assert status.errors == ()
    # The deployment, the group's resources, the instances: no operations, no IP read.
    assert arm.calls == ["get_deployment", "list_group_resources", "vmss_instances"]


def test_running_deployment_shows_each_resource_from_its_operations(ctx: OpContext) -> None:
    arm = FakeArm()
    arm.add_cmg(CMG, GROUP, deployment=DEPLOYMENT, deployment_state="Running",
                vmss_state="Creating", instance_states=["Creating"])  # fmt: skip
    arm.operations[(GROUP, DEPLOYMENT)] = [
        operation(GROUP, PUBLIC_IP, CMG, "Succeeded"),
        operation(GROUP, VMSS, CMG, "Running"),
    ]
    status = read_status(ctx, arm, service())
    assert status.state == "Provisioning"
    assert status.deployment_state == "Running"
    assert [(r.name, r.state) for r in status.resources] == [(CMG, "Succeeded"), (CMG, "Running")]
    assert status.waiting_on() == f"{VMSS} {CMG} (Running)"
    assert "deployment_operations" in arm.calls
    # No outputs yet: the public IP is read for the fqdn.
    assert "get_public_ip" in arm.calls and status.fqdn == f"{CMG}.westeurope.cloudapp.azure.com"


def test_failed_deployment_is_error_with_its_error_chain(ctx: OpContext) -> None:
    arm = FakeArm()
    chain = (
        ErrorDetail("DeploymentFailed", "At least one resource deployment operation failed."),
        ErrorDetail("Conflict", "The scale set could not be created.", "vmss"),
    )
    arm.add_cmg(CMG, GROUP, deployment=DEPLOYMENT, deployment_state="Failed", error=chain)
    arm.operations[(GROUP, DEPLOYMENT)] = [
        operation(GROUP, VMSS, CMG, "Failed", ErrorDetail("Conflict", "quota exceeded")),
    ]
    status = read_status(ctx, arm, service())
    assert status.state == "Error"
    assert [e["code"] for e in status.errors] == ["DeploymentFailed", "Conflict"]
    assert status.resources[0].error == "quota exceeded"


def test_scale_set_gone_after_success_is_incomplete(ctx: OpContext) -> None:
    arm = FakeArm()
    arm.add_cmg(CMG, GROUP, deployment=DEPLOYMENT, vmss_state=None)
    status = read_status(ctx, arm, service())
    assert status.state == "Incomplete"
    assert status.vmss_state is None and status.instance_states == ()
    assert status.instances == 2  # the site database's count stands


def test_nothing_in_azure_is_not_found(ctx: OpContext) -> None:
    status = read_status(ctx, FakeArm(), service(deployment=None))
    assert status.state == "NotFound"
    assert status.deployment_state is None and status.fqdn is None


def test_failed_instance_is_error_naming_the_instance(ctx: OpContext) -> None:
    arm = FakeArm()
    arm.add_cmg(CMG, GROUP, deployment=DEPLOYMENT)
    broken = Instance(
        "1", f"{CMG}_1", "Failed", "stopped",
        (ErrorDetail("ProvisioningState/failed/VMExtensionProvisioningError",
                     "DSC configuration failed", f"{CMG}_1"),),
    )  # fmt: skip
    arm.set_instances(GROUP, CMG, [Instance("0", f"{CMG}_0", "Succeeded", "running"), broken])
    status = read_status(ctx, arm, service())
    assert status.state == "Error"
    assert status.instance_states == (("0", "Succeeded"), ("1", "Failed"))
    assert instance_errors(arm, GROUP, CMG) == list(broken.errors)
    with pytest.raises(AzureError) as raised:
        _fail_if_error(arm, status)
    err = raised.value
    assert err.code == "CmgNotReady"
    assert "DSC configuration failed" in err.message and f"{CMG}_1" in err.message
    assert err.details[-1].target == f"{CMG}_1"


def test_error_without_any_detail_names_the_scale_set_state(ctx: OpContext) -> None:
    arm = FakeArm()
    arm.add_cmg(CMG, GROUP, deployment=DEPLOYMENT, vmss_state="Failed")
    status = read_status(ctx, arm, service())
    assert status.state == "Error"
    with pytest.raises(AzureError, match="scale set state Failed"):
        _fail_if_error(arm, status)


def test_instance_errors_without_scale_set_is_empty() -> None:
    arm = FakeArm()
    arm.add_group(GROUP)
    assert instance_errors(arm, GROUP, CMG) == []


def test_after_a_watched_deployment_the_outputs_stand_for_the_group_listing(
    ctx: OpContext,
) -> None:
    arm = FakeArm()
    arm.add_cmg(CMG, GROUP, deployment=DEPLOYMENT, capacity=3)
    dep = arm.deployments[(GROUP, DEPLOYMENT)]
    status = read_status(ctx, arm, service(), Prefetch(dep, None))
    assert status.state == "Ready" and status.instances == 3
    assert {r.type for r in status.resources} == {VMSS, PUBLIC_IP}  # its outputResources
    assert arm.calls == ["vmss_instances"]


def test_fewer_instances_than_capacity_waits_on_them(ctx: OpContext) -> None:
    arm = FakeArm()
    arm.add_cmg(CMG, GROUP, deployment=DEPLOYMENT, capacity=3,
                instance_states=["Succeeded", "Creating", "Creating"])  # fmt: skip
    status = read_status(ctx, arm, service(instances=3))
    assert status.state == "Provisioning"
    assert status.waiting_on() == "the scale set's instances (1/3 Succeeded)"


# -- deployment state --------------------------------------------------------------------------
def test_resource_states_keeps_each_resources_latest_state() -> None:
    ops = [
        operation(GROUP, VMSS, CMG, "Running"),
        operation(GROUP, VMSS, CMG, "Succeeded"),
        replace(operation(GROUP, PUBLIC_IP, CMG, "Accepted"), resource_id=""),  # no target
    ]
    assert [(r.name, r.state) for r in resource_states(ops)] == [(CMG, "Succeeded")]


def test_deployment_failed_puts_the_failed_resources_cause_last() -> None:
    dep = Deployment(
        DEPLOYMENT, "Failed",
        error=(ErrorDetail("DeploymentFailed", "At least one resource deployment failed."),),
    )  # fmt: skip
    ops = [
        operation(GROUP, PUBLIC_IP, CMG, "Succeeded"),
        operation(GROUP, VMSS, CMG, "Failed",
                  ErrorDetail("ResourceDeploymentFailure", "outer"),
                  ErrorDetail("SkuNotAvailable", "Standard_B2s is not available")),
    ]  # fmt: skip
    err = deployment_failed(DEPLOYMENT, dep, ops)
    assert err.code == "DeploymentFailed"
    assert err.message == (
        f"deployment {DEPLOYMENT} Failed: Standard_B2s is not available (SkuNotAvailable, "
        f"{ops[1].resource_id})"
    )
    assert [d.code for d in err.details] == ["ResourceDeploymentFailure", "SkuNotAvailable"]


def test_deployment_failed_without_deployment_or_error() -> None:
    err = deployment_failed(DEPLOYMENT, None, [operation(GROUP, VMSS, CMG, "Failed")])
    assert err.code == "DeploymentFailed"
    assert err.message.startswith(f"deployment {DEPLOYMENT} failed: ")
    assert err.details[-1].code == "Unknown"


def test_wait_follows_an_attached_deployment_until_it_succeeds(ctx: OpContext) -> None:
    arm = FakeArm()
    arm.add_cmg(CMG, GROUP, deployment=DEPLOYMENT)
    done = arm.deployments[(GROUP, DEPLOYMENT)]
    arm.poll_script[(GROUP, DEPLOYMENT)] = [
        Deployment(DEPLOYMENT, "Accepted"), Deployment(DEPLOYMENT, "Running"), done,
    ]  # fmt: skip
    assert wait_for_deployment(ctx, arm, GROUP, DEPLOYMENT, CMG) == done
    assert arm.calls == ["poll_deployment"] * 3  # no operations read without progress shown


def test_wait_on_a_started_deployment_uses_its_status_url(ctx: OpContext) -> None:
    arm = FakeArm()
    arm.add_cmg(CMG, GROUP, deployment=DEPLOYMENT)
    done = arm.deployments[(GROUP, DEPLOYMENT)]
    arm.started_by_put[(GROUP, DEPLOYMENT)] = Started("https://status", 2.0)
    arm.poll_script[(GROUP, DEPLOYMENT)] = [Deployment(DEPLOYMENT, "Running"), done]
    assert wait_for_deployment(ctx, arm, GROUP, DEPLOYMENT, CMG) == done
    assert arm.calls == ["poll_status", "poll_status", "get_deployment"]
    assert ctx.clock() >= 2.0  # the PUT's Retry-After was slept first


def test_wait_raises_the_failed_resources_error(ctx: OpContext) -> None:
    arm = FakeArm()
    arm.add_cmg(CMG, GROUP, deployment=DEPLOYMENT)
    arm.poll_script[(GROUP, DEPLOYMENT)] = [Deployment(DEPLOYMENT, "Failed")]
    arm.operations[(GROUP, DEPLOYMENT)] = [
        operation(GROUP, VMSS, CMG, "Failed", ErrorDetail("OperationNotAllowed", "quota")),
    ]
    with pytest.raises(AzureError, match=r"Failed: quota \(OperationNotAllowed"):
        wait_for_deployment(ctx, arm, GROUP, DEPLOYMENT, CMG)


def test_wait_gives_up_at_the_deadline(ctx: OpContext) -> None:
    arm = FakeArm()
    arm.add_cmg(CMG, GROUP, deployment=DEPLOYMENT, deployment_state="Running")
    with pytest.raises(WaitTimeout, match="gave up waiting after 600 s"):
        wait_for_deployment(ctx, arm, GROUP, DEPLOYMENT, CMG)


# -- finding a CMG in Azure ----------------------------------------------------------------------
def test_found_by_its_tagged_group_with_the_newest_deployment(ctx: OpContext) -> None:
    arm = FakeArm()
    arm.add_cmg(CMG, GROUP, deployment=DEPLOYMENT)
    newer = replace(arm.deployments[(GROUP, DEPLOYMENT)], name=f"cmgdeploy-{CMG}-new",
                    timestamp="2026-02-01T00:00:00Z")  # fmt: skip
    arm.deployments[(GROUP, newer.name)] = newer
    arm.deployments[(GROUP, "someone-else")] = replace(newer, name="someone-else",
                                                       timestamp="2027-01-01T00:00:00Z")  # fmt: skip
    svc = find_in_azure(ctx, arm, CMG)
    assert svc is not None
    assert (svc.resource_group, svc.region, svc.created_rg) == (GROUP, "westeurope", True)
    assert svc.deployment_name == newer.name and svc.subscription == arm.subscription_id


def test_found_by_a_tagged_resource_in_a_group_of_someone_else(ctx: OpContext) -> None:
    arm = FakeArm()
    arm.add_cmg(CMG, GROUP, deployment=DEPLOYMENT)
    arm.groups[GROUP] = replace(arm.groups[GROUP], tags={})  # the group is not ours
    svc = find_in_azure(ctx, arm, CMG)
    assert svc is not None and svc.resource_group == GROUP and svc.created_rg is False
    assert arm.calls[:3] == ["tagged_groups", "tagged_resources", "get_group"]


def test_nothing_tagged_and_no_default_group_is_none(ctx: OpContext) -> None:
    arm = FakeArm()
    arm.add_group("unrelated-rg")
    assert find_in_azure(ctx, arm, CMG) is None
