"""Entra ID handlers: read the request, call :mod:`.models`, render OAuth2 JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mocks.core.cloud import Cloud
from mocks.core.http import Request, Response

from . import models
from .exceptions import EntraError, ManagedIdentityError

# Entra never caches token answers; discovery documents may be cached by clients.
_NO_STORE = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}


def base_url(cloud: Cloud, request: Request) -> str:
    """The URL the client used to reach us (localhost or 127.0.0.1), for discovery."""
    host = request.header("host")
    return f"https://{host}" if host else cloud.base_url


def _answer(
    request: Request, produce: Callable[[], dict[str, Any]], headers: dict[str, str]
) -> Response:
    try:
        return Response.json(200, produce(), headers)
    except EntraError as exc:
        return Response.json(exc.status, exc.to_body(request.correlation_id), _NO_STORE)


def openid_configuration(cloud: Cloud, request: Request) -> Response:
    tenant = request.params["tenant"]
    return _answer(
        request, lambda: models.openid_configuration(cloud, base_url(cloud, request), tenant), {}
    )


def keys(cloud: Cloud, request: Request) -> Response:
    return _answer(request, lambda: models.jwks(cloud, request.params["tenant"]), {})


def token(cloud: Cloud, request: Request) -> Response:
    form = request.form()
    base = base_url(cloud, request)
    return _answer(
        request, lambda: models.token(cloud, base, request.params["tenant"], form), _NO_STORE
    )


def device_code(cloud: Cloud, request: Request) -> Response:
    form = request.form()
    base = base_url(cloud, request)
    return _answer(
        request,
        lambda: models.start_device_code(cloud, base, request.params["tenant"], form),
        _NO_STORE,
    )


def managed_identity_token(cloud: Cloud, request: Request) -> Response:
    try:
        body = models.managed_identity_token(
            cloud, request.query, request.header("x-identity-header")
        )
    except ManagedIdentityError as exc:
        return Response.json(exc.status, exc.to_body(), _NO_STORE)
    return Response.json(200, body, _NO_STORE)
