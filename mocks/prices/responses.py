"""Retail Prices handlers: read the query, call :mod:`.models`, answer JSON."""

from __future__ import annotations

from mocks.core.cloud import Cloud
from mocks.core.http import Request, Response

from . import models
from .exceptions import InvalidFilter


def list_prices(cloud: Cloud, request: Request) -> Response:
    raw_skip = request.query.get("$skip", "0")
    if not raw_skip.isdigit():
        raise InvalidFilter(f"$skip must be a non-negative integer, not {raw_skip!r}.")
    body = models.query(
        cloud.base_url,
        request.query.get("$filter"),
        request.query.get("currencycode"),
        int(raw_skip),
    )
    return Response.json(200, body)
