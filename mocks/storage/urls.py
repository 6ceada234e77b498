"""Routes of Microsoft.Storage (resource PUT/GET/DELETE go through the generic routes)."""

from __future__ import annotations

from mocks.core.routing import Route

from . import responses

ROUTES: list[Route] = [
    Route(
        "POST",
        "/subscriptions/{subscription}/providers/Microsoft.Storage/checkNameAvailability",
        responses.check_name_availability,
        "StorageAccounts_CheckNameAvailability",
        kind="read",
    ),
]
