"""HTTP handlers of Microsoft.Compute (no logic: parse, call models, answer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mocks.core import lro
from mocks.core.errors import UnsupportedOperation
from mocks.core.http import Request, Response

from . import models, skus

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud


def _vmss_id(request: Request) -> str:
    p = request.params
    return (
        f"/subscriptions/{p['subscription']}/resourceGroups/{p['group']}"
        f"/providers/{models.VMSS_TYPE}/{p['vmss']}"
    )


def list_skus(cloud: Cloud, request: Request) -> Response:
    """``GET /subscriptions/{s}/providers/Microsoft.Compute/skus[?$filter=location eq 'x']``."""
    value = skus.list_skus_filtered(request.query.get("$filter", ""))
    return Response.json(200, {"value": value})


def update_vmss(cloud: Cloud, request: Request) -> Response:
    """``PATCH …/virtualMachineScaleSets/{n}``: 200 Updating + Azure-AsyncOperation."""
    body, op = models.update_vmss(cloud, _vmss_id(request), request.json_object())
    return Response.json(200, body, lro.initial_headers(cloud, op, location=False))


def list_vmss(cloud: Cloud, request: Request) -> Response:
    """``GET …/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachineScaleSets``."""
    p = request.params
    return Response.json(200, {"value": models.list_vmss(cloud, p["subscription"], p["group"])})


def vmss_instance_view(cloud: Cloud, request: Request) -> Response:
    """``GET …/virtualMachineScaleSets/{n}/instanceView``."""
    vmss = models.find_vmss(cloud, _vmss_id(request))
    return Response.json(200, models.vmss_instance_view(cloud, vmss))


def list_instances(cloud: Cloud, request: Request) -> Response:
    """``GET …/virtualMachineScaleSets/{n}/virtualMachines[?$expand=instanceView]``."""
    vmss = models.find_vmss(cloud, _vmss_id(request))
    expand = request.query.get("$expand", "").lower() == "instanceview"
    value = [models.vm_body(cloud, vmss, i, expand) for i in models.instance_records(cloud, vmss)]
    return Response.json(200, {"value": value})


def get_instance(cloud: Cloud, request: Request) -> Response:
    """``GET …/virtualMachineScaleSets/{n}/virtualMachines/{instanceId}``."""
    vmss = models.find_vmss(cloud, _vmss_id(request))
    inst = models.find_instance(cloud, vmss, request.params["instance"])
    expand = request.query.get("$expand", "").lower() == "instanceview"
    return Response.json(200, models.vm_body(cloud, vmss, inst, expand))


def instance_view(cloud: Cloud, request: Request) -> Response:
    """``GET …/virtualMachineScaleSets/{n}/virtualMachines/{instanceId}/instanceView``."""
    vmss = models.find_vmss(cloud, _vmss_id(request))
    inst = models.find_instance(cloud, vmss, request.params["instance"])
    return Response.json(200, models.vm_instance_view(cloud, vmss, inst))


def unsupported_action(cloud: Cloud, request: Request) -> Response:
    """Power actions on scale sets are not simulated: say so loudly."""
    raise UnsupportedOperation(
        f"The local Azure does not support {request.method} {request.path} "
        "(scale set power actions are not simulated)."
    )
