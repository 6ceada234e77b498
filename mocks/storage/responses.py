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


def _account(cloud: Cloud, request: Request) -> dict:
    p = request.params
    return models.get_account(cloud, p["subscription"], p["group"], p["account"])


def list_keys(cloud: Cloud, request: Request) -> Response:
    """``POST …/storageAccounts/{name}/listKeys``: ``{"keys": [key1, key2]}``."""
    return Response.json(200, models.list_keys(cloud, _account(cloud, request)))


def regenerate_key(cloud: Cloud, request: Request) -> Response:
    """``POST …/storageAccounts/{name}/regenerateKey`` with ``{"keyName": "key1"}``."""
    account = _account(cloud, request)
    key_name = request.required_string("keyName")
    return Response.json(200, models.regenerate_key(cloud, account, key_name))
