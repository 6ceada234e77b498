"""Entra ID routes (no bearer token: these are where tokens come from).

``kind="read"`` keeps sign-in out of the "writes" fault scope and the ARM buckets.
"""

from __future__ import annotations

from mocks.core.routing import Route

from . import responses

ROUTES = [
    Route(
        "GET",
        "/{tenant}/v2.0/.well-known/openid-configuration",
        responses.openid_configuration,
        "Entra_OpenIdConfiguration",
        auth="none",
        kind="read",
    ),
    Route(
        "GET",
        "/{tenant}/discovery/v2.0/keys",
        responses.keys,
        "Entra_Keys",
        auth="none",
        kind="read",
    ),
    Route(
        "POST",
        "/{tenant}/oauth2/v2.0/token",
        responses.token,
        "Entra_Token",
        auth="none",
        kind="read",
    ),
    Route(
        "POST",
        "/{tenant}/oauth2/v2.0/devicecode",
        responses.device_code,
        "Entra_DeviceCode",
        auth="none",
        kind="read",
    ),
    Route(
        "GET",
        "/msi/token",
        responses.managed_identity_token,
        "ManagedIdentity_Token",
        auth="none",
        kind="read",
    ),
]
