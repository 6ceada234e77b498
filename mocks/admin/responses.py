"""Control API handlers (``/_localazure/…``): parse, call :mod:`.models`, answer JSON."""

from __future__ import annotations

from typing import Any

from mocks.core.cloud import Cloud
from mocks.core.http import Request, Response

from . import models
from .exceptions import InvalidControlRequest


def _body(request: Request) -> Any:
    try:
        return request.json()
    except ValueError as exc:
        raise InvalidControlRequest(f"the body is not valid JSON: {exc}") from None


def reset(cloud: Cloud, request: Request) -> Response:
    return Response.json(200, models.reset(cloud))


def get_faults(cloud: Cloud, request: Request) -> Response:
    return Response.json(200, models.get_faults(cloud))


def put_faults(cloud: Cloud, request: Request) -> Response:
    return Response.json(200, models.set_faults(cloud, _body(request)))


def delete_faults(cloud: Cloud, request: Request) -> Response:
    return Response.json(200, models.clear_faults(cloud))


def get_requests(cloud: Cloud, request: Request) -> Response:
    try:
        since = int(request.query.get("since", "0"))
    except ValueError:
        raise InvalidControlRequest("'since' must be an integer line number") from None
    return Response.json(200, models.requests_since(cloud, since))


def seed_classic(cloud: Cloud, request: Request) -> Response:
    return Response.json(201, models.seed_classic(cloud, _body(request)))


def health(cloud: Cloud, request: Request) -> Response:
    return Response.json(200, models.health(cloud))


def get_config(cloud: Cloud, request: Request) -> Response:
    return Response.json(200, models.get_config(cloud))


def put_config(cloud: Cloud, request: Request) -> Response:
    return Response.json(200, models.set_config(cloud, _body(request)))


def set_password_dates(cloud: Cloud, request: Request) -> Response:
    """Move an app registration's password credential dates (expiry checks)."""
    body = _body(request)
    result = models.set_password_dates(cloud, request.params["app"], request.params["key_id"], body)
    return Response.json(200, result)
