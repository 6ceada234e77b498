"""HTTP handlers of Microsoft.KeyVault (no logic: parse, call models, answer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mocks.core.http import Request, Response

from . import models
from .exceptions import InvalidRequestContent

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud


def check_name_availability(cloud: Cloud, request: Request) -> Response:
    """``POST /subscriptions/{s}/providers/Microsoft.KeyVault/checkNameAvailability``."""
    body = _json_object(request)
    name = body.get("name")
    if not isinstance(name, str):
        raise InvalidRequestContent("The request content is missing the required property 'name'.")
    return Response.json(200, models.check_name_availability(cloud, name))


def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = request.json()
    except ValueError as exc:
        raise InvalidRequestContent(f"The request content was invalid: {exc}") from exc
    if not isinstance(body, dict):
        raise InvalidRequestContent("The request content must be a JSON object.")
    return body
