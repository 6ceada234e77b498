"""The plan's Azure part from what-if changes: secrets left out, one change per resource."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from fake_arm import FakeArm

from cmgdeploy.domain.arm_views import PropertyChange, WhatIfChange
from cmgdeploy.services.whatif import azure_changes

VMSS_ID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachineScaleSets/c"
SAS = "properties.virtualMachineProfile.extensionProfile.extensions[0].properties"


# What azure_changes reads of a prepared deployment and of the spec.
PREPARED = SimpleNamespace(
    deployment="cmgdeploy-c-0",
    parameters={"scaleSetPrincipalId": {"value": "p"}},
    template=SimpleNamespace(
        body={"resources": [{"type": "Microsoft.Compute/virtualMachineScaleSets"}]}
    ),
)
SPEC = SimpleNamespace(resource_group="g", name="c")


def _changes(*changes: WhatIfChange) -> list[dict[str, Any]]:
    arm = FakeArm()
    arm.what_if_changes = list(changes)
    found = azure_changes(arm, SPEC, PREPARED, group_exists=True)
    assert arm.calls == ["what_if"]  # the principal is given: no group listing first
    return [vars(c) for c in found]


def test_a_modify_of_write_only_secrets_alone_is_no_change_and_never_shown() -> None:
    token = PropertyChange(f"{SAS}.protectedSettings.configurationUrlSasToken", "Create",
                           None, "sv=2024&sig=secret")  # fmt: skip
    [change] = _changes(WhatIfChange(VMSS_ID, "Modify", (token,)))
    assert change["change"] == "NoChange"
    assert "secret" not in repr(change)


def test_other_property_changes_are_shown_beside_a_hidden_secret() -> None:
    token = PropertyChange(f"{SAS}.protectedSettings.configurationUrlSasToken", "Create",
                           None, "sig=secret")  # fmt: skip
    capacity = PropertyChange("sku.capacity", "Modify", 1, 3)
    [change] = _changes(WhatIfChange(VMSS_ID, "Modify", (token, capacity)))
    assert change["change"] == "Modify"
    assert [d["path"] for d in change["deltas"]] == ["sku.capacity"]
    assert (change["deltas"][0]["before"], change["deltas"][0]["after"]) == (1, 3)
    assert "secret" not in repr(change)


def test_a_new_group_lists_the_template_without_asking_azure() -> None:
    arm = FakeArm()
    found = azure_changes(arm, SPEC, PREPARED, group_exists=False)
    assert arm.calls == []
    assert [(c.target, c.change) for c in found] == [
        ("Microsoft.Compute/virtualMachineScaleSets (new resource group)", "Create")
    ]
