"""Microsoft Graph handlers: authorize, parse, call :mod:`.models`, answer OData JSON.

Errors raised here are rendered by the server in Graph's shape (route family
"graph"), with ``innerError.request-id`` and the caller's ``client-request-id``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mocks.core.http import Request, Response

from . import models
from .exceptions import Request_BadRequest

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud


def _root(request: Request, cloud: Cloud) -> str:
    host = request.header("host")
    return f"https://{host}/v1.0" if host else f"{cloud.base_url}/v1.0"


def _headers(request: Request) -> dict[str, str]:
    headers = {"request-id": request.request_id, "OData-Version": "4.0"}
    if request.header("client-request-id"):
        headers["client-request-id"] = request.header("client-request-id")
    return headers


UNREADABLE = (
    "Unable to read JSON request payload. Please ensure Content-Type header is set and "
    "payload is of valid JSON format."
)


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request.json()
    except ValueError:
        raise Request_BadRequest(UNREADABLE) from None
    if not isinstance(body, dict):
        raise Request_BadRequest(UNREADABLE)
    return body


def _entity(
    request: Request, cloud: Cloud, status: int, collection: str, item: dict[str, Any]
) -> Response:
    body = {"@odata.context": f"{_root(request, cloud)}/$metadata#{collection}/$entity", **item}
    return Response.json(status, body, _headers(request))


def _collection(
    request: Request, cloud: Cloud, collection: str, items: list[dict[str, Any]]
) -> Response:
    body = {"@odata.context": f"{_root(request, cloud)}/$metadata#{collection}", "value": items}
    return Response.json(200, body, _headers(request))


def _authorized(
    handler: Callable[[Cloud, Request], Response],
) -> Callable[[Cloud, Request], Response]:
    def wrapped(cloud: Cloud, request: Request) -> Response:
        models.authorize(cloud, request.header("authorization"))
        return handler(cloud, request)

    wrapped.__doc__ = handler.__doc__
    wrapped.__name__ = handler.__name__
    wrapped.__module__ = handler.__module__
    return wrapped


def _app_id(cloud: Cloud, request: Request) -> str:
    """The object id from ``/applications/{id}`` or ``/applications(appId='…')``."""
    if "appid" in request.params:
        return str(models.application_by_app_id(cloud, request.params["appid"])["id"])
    return request.params["id"]


@_authorized
def create_application(cloud: Cloud, request: Request) -> Response:
    """``POST /v1.0/applications``."""
    return _entity(
        request, cloud, 201, "applications", models.create_application(cloud, _body(request))
    )


@_authorized
def list_applications(cloud: Cloud, request: Request) -> Response:
    """``GET /v1.0/applications[?$filter=…]``."""
    return _collection(
        request,
        cloud,
        "applications",
        models.list_applications(cloud, request.query.get("$filter", "")),
    )


@_authorized
def get_application(cloud: Cloud, request: Request) -> Response:
    return _entity(
        request, cloud, 200, "applications", models.get_application(cloud, _app_id(cloud, request))
    )


@_authorized
def update_application(cloud: Cloud, request: Request) -> Response:
    models.update_application(cloud, _app_id(cloud, request), _body(request))
    return Response.empty(204, _headers(request))


@_authorized
def delete_application(cloud: Cloud, request: Request) -> Response:
    models.delete_application(cloud, _app_id(cloud, request))
    return Response.empty(204, _headers(request))


@_authorized
def add_password(cloud: Cloud, request: Request) -> Response:
    credential = models.add_password(cloud, _app_id(cloud, request), _body(request))
    body = {
        "@odata.context": f"{_root(request, cloud)}/$metadata#microsoft.graph.passwordCredential",
        **credential,
    }
    return Response.json(200, body, {**_headers(request), "Cache-Control": "no-store"})


@_authorized
def remove_password(cloud: Cloud, request: Request) -> Response:
    models.remove_password(cloud, _app_id(cloud, request), _body(request))
    return Response.empty(204, _headers(request))


@_authorized
def create_service_principal(cloud: Cloud, request: Request) -> Response:
    sp = models.create_service_principal(cloud, _body(request))
    return _entity(request, cloud, 201, "servicePrincipals", sp)


@_authorized
def list_service_principals(cloud: Cloud, request: Request) -> Response:
    items = models.list_service_principals(cloud, request.query.get("$filter", ""))
    return _collection(request, cloud, "servicePrincipals", items)


@_authorized
def get_service_principal(cloud: Cloud, request: Request) -> Response:
    return _entity(
        request,
        cloud,
        200,
        "servicePrincipals",
        models.get_service_principal(cloud, request.params["id"]),
    )


@_authorized
def delete_service_principal(cloud: Cloud, request: Request) -> Response:
    models.delete_service_principal(cloud, request.params["id"])
    return Response.empty(204, _headers(request))
