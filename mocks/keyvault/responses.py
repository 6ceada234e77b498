"""HTTP handlers of Microsoft.KeyVault (no logic: parse, call models, answer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mocks.core.http import Request, Response

from . import models
from .exceptions import InvalidRequestContent

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud


def check_name_availability(cloud: Cloud, request: Request) -> Response:
    """``POST /subscriptions/{s}/providers/Microsoft.KeyVault/checkNameAvailability``."""
    body = request.json_object()
    name = body.get("name")
    if not isinstance(name, str):
        raise InvalidRequestContent("The request content is missing the required property 'name'.")
    return Response.json(200, models.check_name_availability(cloud, name))
