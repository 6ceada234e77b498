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
    Route(
        "GET",
        "/subscriptions/{subscription}/providers/Microsoft.KeyVault/deletedVaults",
        responses.list_deleted_vaults,
        "Vaults_ListDeleted",
    ),
    Route(
        "GET",
        "/subscriptions/{subscription}/providers/Microsoft.KeyVault/locations/{location}"
        "/deletedVaults/{name}",
        responses.get_deleted_vault,
        "Vaults_GetDeleted",
    ),
    Route(
        "POST",
        "/subscriptions/{subscription}/providers/Microsoft.KeyVault/locations/{location}"
        "/deletedVaults/{name}/purge",
        responses.purge_deleted_vault,
        "Vaults_PurgeDeleted",
    ),
    # The data plane of https://{vault}.vault.azure.net, served under the local URL (the
    # vault's "local vault URL" is {local url}/keyvault/{vault}); bearer token checked by
    # the handler (audience https://vault.azure.net), not by ARM's rules.
    Route(
        "GET",
        "/keyvault/{vault}/secrets/{secret}",
        responses.get_secret,
        "KeyVault_GetSecret",
        auth="none",
        kind="read",
    ),
    Route(
        "GET",
        "/keyvault/{vault}/secrets/{secret}/{version}",
        responses.get_secret,
        "KeyVault_GetSecretVersion",
        auth="none",
        kind="read",
    ),
]
