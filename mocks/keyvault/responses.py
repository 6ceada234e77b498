"""HTTP handlers of Microsoft.KeyVault (no logic: parse, call models, answer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mocks.core import lro
from mocks.core.http import Request, Response

from . import models

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud


def check_name_availability(cloud: Cloud, request: Request) -> Response:
    """``POST /subscriptions/{s}/providers/Microsoft.KeyVault/checkNameAvailability``."""
    name = request.required_string("name")
    return Response.json(200, models.check_name_availability(cloud, name))


def list_deleted_vaults(cloud: Cloud, request: Request) -> Response:
    """``GET /subscriptions/{s}/providers/Microsoft.KeyVault/deletedVaults``."""
    value = models.list_deleted_vaults(cloud, request.params["subscription"])
    return Response.json(200, {"value": value})


def get_deleted_vault(cloud: Cloud, request: Request) -> Response:
    """``GET …/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}``."""
    p = request.params
    body = models.get_deleted_vault(cloud, p["subscription"], p["location"], p["name"])
    return Response.json(200, body)


def purge_deleted_vault(cloud: Cloud, request: Request) -> Response:
    """``POST …/deletedVaults/{name}/purge``: 202 with ``Location`` to poll."""
    p = request.params
    op = models.purge_deleted_vault(cloud, p["subscription"], p["location"], p["name"])
    return Response.empty(202, lro.initial_headers(cloud, op, async_header=False))


def get_secret(cloud: Cloud, request: Request) -> Response:
    """``GET {local url}/keyvault/{vault}/secrets/{name}[/{version}]?api-version=7.4`` —
    the data plane of ``https://{vault}.vault.azure.net`` (SecretBundle)."""
    p = request.params
    body = models.get_secret_bundle(
        cloud,
        p["vault"],
        p["secret"],
        p.get("version"),
        request.query.get("api-version", ""),
        request.header("authorization"),
    )
    return Response.json(200, body)
