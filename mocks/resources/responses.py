"""HTTP handlers of the Resource Manager core: read the request, call the model,
write ARM's response.  No behaviour lives here (see models.py, deployments.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mocks.core import lro
from mocks.core.errors import ArmError, UnsupportedOperation
from mocks.core.http import Request, Response

from . import catalog, deployments, models, provisioning, whatif
from .exceptions import OperationNotFound
from .provisioning import ResourceRef
from .views import deployment_body, operations

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud


def _listing(items: list[dict[str, Any]]) -> Response:
    return Response.json(200, {"value": items})


def _api_version(request: Request) -> str:
    return request.query.get("api-version", "")


def _exists(request: Request, body: dict[str, Any], status: int = 200) -> Response:
    """GET answers the body; HEAD (routed to the GET handler) answers 204."""
    if request.method == "HEAD":
        return Response.empty(204)
    return Response.json(status, body)


# -- metadata, subscriptions, tenants, locations -------------------------------------------
def metadata_endpoints(cloud: Cloud, request: Request) -> Response:
    return Response.json(200, models.metadata_endpoints(cloud, _api_version(request)))


def list_subscriptions(cloud: Cloud, request: Request) -> Response:
    return _listing(models.list_subscriptions(cloud))


def get_subscription(cloud: Cloud, request: Request) -> Response:
    return Response.json(200, models.subscription_body(cloud, request.params["sub"]))


def list_tenants(cloud: Cloud, request: Request) -> Response:
    return _listing([models.tenant_body(cloud)])


def list_locations(cloud: Cloud, request: Request) -> Response:
    sub = request.params["sub"]
    models.require_subscription(cloud, sub)
    return _listing(catalog.location_entries(sub))


# -- providers ----------
def list_providers(cloud: Cloud, request: Request) -> Response:
    sub = request.params["sub"]
    models.require_subscription(cloud, sub)
    return _listing(models.list_providers(cloud, sub))


def get_provider(cloud: Cloud, request: Request) -> Response:
    sub, ns = request.params["sub"], request.params["ns"]
    models.require_subscription(cloud, sub)
    models.require_known_namespace(ns)
    return Response.json(200, models.provider_body(cloud, sub, ns))


def register_provider(cloud: Cloud, request: Request) -> Response:
    sub = request.params["sub"]
    models.require_subscription(cloud, sub)
    return Response.json(200, models.register_provider(cloud, sub, request.params["ns"]))


def unregister_provider(cloud: Cloud, request: Request) -> Response:
    sub = request.params["sub"]
    models.require_subscription(cloud, sub)
    return Response.json(200, models.unregister_provider(cloud, sub, request.params["ns"]))


# -- resource groups ----------
def list_groups(cloud: Cloud, request: Request) -> Response:
    flt = request.query.get("$filter", "")
    return _listing(models.list_groups(cloud, request.params["sub"], flt))


def put_group(cloud: Cloud, request: Request) -> Response:
    p = request.params
    group, created = models.create_or_update_group(cloud, p["sub"], p["rg"], request.json_object())
    return Response.json(201 if created else 200, group)


def get_group(cloud: Cloud, request: Request) -> Response:
    return _exists(request, models.get_group(cloud, request.params["sub"], request.params["rg"]))


def patch_group(cloud: Cloud, request: Request) -> Response:
    p = request.params
    return Response.json(
        200, models.update_group_tags(cloud, p["sub"], p["rg"], request.json_object())
    )


def delete_group(cloud: Cloud, request: Request) -> Response:
    op = models.delete_group(cloud, request.params["sub"], request.params["rg"])
    return Response.empty(202, lro.initial_headers(cloud, op, async_header=False))


def export_group_template(cloud: Cloud, request: Request) -> Response:
    raise UnsupportedOperation(
        "The local Azure does not support POST …/resourcegroups/{rg}/exportTemplate."
    )


def list_group_resources(cloud: Cloud, request: Request) -> Response:
    sub, rg = request.params["sub"], request.params["rg"]
    models.get_group(cloud, sub, rg)
    deployments.advance_group(cloud, sub, rg)
    flt = request.query.get("$filter", "")
    return _listing(models.list_group_resources(cloud, sub, rg, flt))


def list_subscription_resources(cloud: Cloud, request: Request) -> Response:
    flt = request.query.get("$filter", "")
    return _listing(models.list_subscription_resources(cloud, request.params["sub"], flt))


# -- generic long-running operation status ----------
def operation_status(cloud: Cloud, request: Request) -> Response:
    op = _operation(cloud, request)
    return Response.json(200, lro.status_body(op), lro.poll_headers(cloud))


def operation_result(cloud: Cloud, request: Request) -> Response:
    op = _operation(cloud, request)
    if op["status"] not in lro.TERMINAL:
        headers = {"Location": lro.result_url(cloud, op), **lro.poll_headers(cloud)}
        return Response.empty(202, headers)
    if op["status"] == "Failed":
        err = op.get("error") or {}
        raise ArmError(err.get("message", "The operation failed."), code=err.get("code"))
    if op.get("result") is not None:
        return Response.json(200, op["result"])
    return Response.empty(204)


def _operation(cloud: Cloud, request: Request) -> dict[str, Any]:
    op = lro.get(cloud, request.params["op"])
    if op is None or op["subscription_id"].lower() != request.params["sub"].lower():
        raise OperationNotFound(request.params["op"])
    return op


# -- deployments ----------
def _dep_args(request: Request) -> tuple[str, str, str]:
    p = request.params
    return p["sub"], p["rg"], p["name"]


def put_deployment(cloud: Cloud, request: Request) -> Response:
    sub, rg, name = _dep_args(request)
    doc, created = deployments.create_or_update(
        cloud, sub, rg, name, request.body, request.correlation_id
    )
    headers = {
        "Azure-AsyncOperation": deployments.status_url(cloud, doc),
        "Retry-After": str(max(1, int(cloud.config.initial_retry_after))),
    }
    return Response.json(201 if created else 200, deployment_body(doc, cloud.now()), headers)


def get_deployment(cloud: Cloud, request: Request) -> Response:
    doc = deployments.get(cloud, *_dep_args(request))
    return _exists(request, deployment_body(doc, cloud.now()))


def list_deployments(cloud: Cloud, request: Request) -> Response:
    p = request.params
    docs = deployments.list_group(cloud, p["sub"], p["rg"])
    return _listing([deployment_body(d, cloud.now()) for d in docs])


def delete_deployment(cloud: Cloud, request: Request) -> Response:
    op = deployments.delete(cloud, *_dep_args(request))
    if op is None:
        return Response.empty(204)
    return Response.empty(202, lro.initial_headers(cloud, op, async_header=False))


def validate_deployment(cloud: Cloud, request: Request) -> Response:
    sub, rg, name = _dep_args(request)
    try:
        return Response.json(200, deployments.validate(cloud, sub, rg, name, request.body))
    except deployments.ValidationFailed as failed:
        return Response.json(400, failed.error.to_body())


def what_if_deployment(cloud: Cloud, request: Request) -> Response:
    sub, rg, name = _dep_args(request)
    op = whatif.start(cloud, sub, rg, name, request.body)
    return Response.empty(202, lro.initial_headers(cloud, op, async_header=False))


def cancel_deployment(cloud: Cloud, request: Request) -> Response:
    deployments.cancel(cloud, *_dep_args(request))
    return Response.empty(204)


def export_deployment_template(cloud: Cloud, request: Request) -> Response:
    doc = deployments.get(cloud, *_dep_args(request))
    return Response.json(200, {"template": doc["template"]})


def deployment_status(cloud: Cloud, request: Request) -> Response:
    sub, rg, name = _dep_args(request)
    body = deployments.status(cloud, sub, rg, name, request.params["op"])
    return Response.json(200, body, lro.poll_headers(cloud))


def list_deployment_operations(cloud: Cloud, request: Request) -> Response:
    doc = deployments.get(cloud, *_dep_args(request))
    return _listing(operations(doc, cloud.now()))


def get_deployment_operation(cloud: Cloud, request: Request) -> Response:
    doc = deployments.get(cloud, *_dep_args(request))
    for op in operations(doc, cloud.now()):
        if op["operationId"].lower() == request.params["op"].lower():
            return Response.json(200, op)
    raise ArmError(
        f"Deployment operation '{request.params['op']}' could not be found.",
        code="DeploymentOperationNotFound",
        status=404,
    )


# -- generic resources by id ----------
def _ref(cloud: Cloud, request: Request) -> ResourceRef:
    p = request.params
    ref = ResourceRef.parse(p["sub"], p["rg"], p["rest"])
    group = models.get_group(cloud, ref.subscription, ref.group)
    ref.group = group["name"]
    deployments.advance_group(cloud, ref.subscription, ref.group)
    return ref


def get_resource(cloud: Cloud, request: Request) -> Response:
    ref = _ref(cloud, request)
    if ref.is_collection:
        provisioning.require_known_type(ref.type_name, _api_version(request))
        return _listing(provisioning.list_children(cloud, ref))
    body = cloud.store.resource_get(ref.resource_id())
    if body is None:
        provisioning.require_known_type(ref.type_name, _api_version(request))
    return _exists(request, provisioning.get_resource(cloud, ref))


def put_resource(cloud: Cloud, request: Request) -> Response:
    ref = _writable_ref(cloud, request)
    body, created = provisioning.write_resource(cloud, ref, request.json_object())
    return _accepted_write(cloud, ref, body, 201 if created else 200)


def patch_resource(cloud: Cloud, request: Request) -> Response:
    ref = _writable_ref(cloud, request)
    existing = provisioning.get_resource(cloud, ref)
    merged = provisioning.merge_patch(existing, request.json_object())
    body, _created = provisioning.write_resource(cloud, ref, merged)
    return _accepted_write(cloud, ref, body, 200)


def _writable_ref(cloud: Cloud, request: Request) -> ResourceRef:
    ref = _ref(cloud, request)
    if ref.is_collection:
        raise UnsupportedOperation(
            f"The local Azure does not support {request.method} {request.path}."
        )
    models.require_group_writable(cloud, ref.subscription, ref.group)
    provisioning.require_known_type(ref.type_name, _api_version(request))
    models.require_registered(cloud, ref.subscription, ref.type_name)
    return ref


def _accepted_write(cloud: Cloud, ref: ResourceRef, body: dict[str, Any], status: int) -> Response:
    op = lro.start(
        cloud,
        kind="provisioning",
        subscription_id=ref.subscription,
        namespace=ref.namespace,
        location=body.get("location") or "global",
        target_id=body["id"],
        duration=provisioning.provisioning_seconds(cloud, ref.type_name),
    )
    return Response.json(status, body, lro.initial_headers(cloud, op, location=False))


def delete_resource(cloud: Cloud, request: Request) -> Response:
    ref = _ref(cloud, request)
    body = provisioning.delete_resource(cloud, ref)
    if body is None:
        return Response.empty(204)
    op = lro.start(
        cloud,
        kind="resource-delete",
        subscription_id=ref.subscription,
        namespace=ref.namespace,
        location=body.get("location") or "global",
        target_id=body["id"],
        duration=provisioning.provisioning_seconds(cloud, ref.type_name),
    )
    return Response.empty(202, lro.initial_headers(cloud, op, async_header=False))
