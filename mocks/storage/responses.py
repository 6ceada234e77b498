"""HTTP handlers of Microsoft.Storage (no logic: parse, call models, answer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mocks.core.http import Request, Response

from . import models

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud


def check_name_availability(cloud: Cloud, request: Request) -> Response:
    """``POST /subscriptions/{s}/providers/Microsoft.Storage/checkNameAvailability``."""
    name = request.required_string("name")
    return Response.json(200, models.check_name_availability(cloud, name))
