"""HTTP handlers of the Resource Manager core: read the request, call the model,
write ARM's response.  No behaviour lives here (see models.py, deployments.py,
provisioning.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mocks.core import lro
from mocks.core.errors import UnsupportedOperation
from mocks.core.http import Request, Response

from . import catalog, deployments, models, provisioning, whatif
from .views import deployment_body

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

    from .provisioning import ResourceRef


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
    op = models.find_operation(cloud, request.params["sub"], request.params["op"])
    return Response.json(200, lro.status_body(op), lro.poll_headers(cloud))


def operation_result(cloud: Cloud, request: Request) -> Response:
    op = models.find_operation(cloud, request.params["sub"], request.params["op"])
    if models.operation_pending(op):
        headers = {"Location": lro.result_url(cloud, op), **lro.poll_headers(cloud)}
        return Response.empty(202, headers)
    result = models.operation_result(op)
    return Response.empty(204) if result is None else Response.json(200, result)


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
    return _listing(deployments.list_operations(cloud, *_dep_args(request)))


def get_deployment_operation(cloud: Cloud, request: Request) -> Response:
    op = deployments.get_operation(cloud, *_dep_args(request), request.params["op"])
    return Response.json(200, op)


# -- generic resources by id ----------
def _ref(cloud: Cloud, request: Request) -> ResourceRef:
    p = request.params
    return deployments.resource_ref(cloud, p["sub"], p["rg"], p["rest"])


def _writable_ref(cloud: Cloud, request: Request) -> ResourceRef:
    ref = _ref(cloud, request)
    operation = f"{request.method} {request.path}"
    provisioning.require_writable(cloud, ref, _api_version(request), operation)
    return ref


def get_resource(cloud: Cloud, request: Request) -> Response:
    ref = _ref(cloud, request)
    if ref.is_collection:
        return _listing(provisioning.list_collection(cloud, ref, _api_version(request)))
    return _exists(request, provisioning.read_resource(cloud, ref, _api_version(request)))


def put_resource(cloud: Cloud, request: Request) -> Response:
    ref = _writable_ref(cloud, request)
    body, created, op = provisioning.put_resource(cloud, ref, request.json_object())
    headers = lro.initial_headers(cloud, op, location=False)
    return Response.json(201 if created else 200, body, headers)


def patch_resource(cloud: Cloud, request: Request) -> Response:
    ref = _writable_ref(cloud, request)
    existing = provisioning.get_resource(cloud, ref)
    body, op = provisioning.patch_resource(cloud, ref, existing, request.json_object())
    return Response.json(200, body, lro.initial_headers(cloud, op, location=False))


def delete_resource(cloud: Cloud, request: Request) -> Response:
    op = provisioning.start_delete(cloud, _ref(cloud, request))
    if op is None:
        return Response.empty(204)
    return Response.empty(202, lro.initial_headers(cloud, op, async_header=False))
