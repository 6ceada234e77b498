"""Routes of Microsoft.Compute; PUT/GET/DELETE of a scale set use the generic routes."""

from __future__ import annotations

from mocks.core.routing import Route

from . import responses

_GROUP = "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Compute"
_VMSS = _GROUP + "/virtualMachineScaleSets/{vmss}"

ROUTES: list[Route] = [
    Route(
        "GET",
        "/subscriptions/{subscription}/providers/Microsoft.Compute/skus",
        responses.list_skus,
        "ResourceSkus_List",
    ),
    Route(
        "GET",
        _GROUP + "/virtualMachineScaleSets",
        responses.list_vmss,
        "VirtualMachineScaleSets_List",
    ),
    Route("PATCH", _VMSS, responses.update_vmss, "VirtualMachineScaleSets_Update"),
    Route(
        "GET",
        _VMSS + "/instanceView",
        responses.vmss_instance_view,
        "VirtualMachineScaleSets_GetInstanceView",
    ),
    Route(
        "GET",
        _VMSS + "/virtualMachines",
        responses.list_instances,
        "VirtualMachineScaleSetVMs_List",
    ),
    Route(
        "GET",
        _VMSS + "/virtualMachines/{instance}",
        responses.get_instance,
        "VirtualMachineScaleSetVMs_Get",
    ),
    Route(
        "GET",
        _VMSS + "/virtualMachines/{instance}/instanceView",
        responses.instance_view,
        "VirtualMachineScaleSetVMs_GetInstanceView",
    ),
    *[
        Route(
            "POST",
            _VMSS + f"/{action}",
            responses.unsupported_action,
            f"VirtualMachineScaleSets_{action}",
        )
        for action in ("restart", "start", "powerOff", "deallocate", "reimage", "redeploy")
    ],
]
