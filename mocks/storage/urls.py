"""Routes of Microsoft.Storage (resource PUT/GET/DELETE go through the generic routes)."""

from __future__ import annotations

from mocks.core.routing import Route

from . import responses

_ACCOUNT = (
    "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Storage"
    "/storageAccounts/{account}"
)

ROUTES: list[Route] = [
    Route("POST", _ACCOUNT + "/listKeys", responses.list_keys, "StorageAccounts_ListKeys"),
    Route(
        "POST",
        _ACCOUNT + "/regenerateKey",
        responses.regenerate_key,
        "StorageAccounts_RegenerateKey",
    ),
    Route(
        "POST",
        "/subscriptions/{subscription}/providers/Microsoft.Storage/checkNameAvailability",
        responses.check_name_availability,
        "StorageAccounts_CheckNameAvailability",
        kind="read",
    ),
]
