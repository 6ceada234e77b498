"""Routes of Microsoft.KeyVault (vault and secret PUT/GET/DELETE use the generic routes)."""

from __future__ import annotations

from mocks.core.routing import Route

from . import responses

ROUTES: list[Route] = [
    Route(
        "POST",
        "/subscriptions/{subscription}/providers/Microsoft.KeyVault/checkNameAvailability",
        responses.check_name_availability,
        "Vaults_CheckNameAvailability",
        kind="read",
    ),
]
