"""Key Vault references in deployment parameters: read from a vault enabled for
template deployment; refused with ARM's codes otherwise; never stored."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from sdkclients import Clients, sdk_clients

from mocks import LocalAzure

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
GROUP = "kvref-rg"
SECRET = "Sup3r-Secret-Value!"


def vault_template(name: str, enabled: bool, tenant: str) -> dict[str, Any]:
    vault = {
        "type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": name,
        "location": "westeurope",
        "properties": {"tenantId": tenant, "sku": {"family": "A", "name": "standard"},
                       "accessPolicies": [], "enabledForTemplateDeployment": enabled},
    }  # fmt: skip
    secret = {
        "type": "Microsoft.KeyVault/vaults/secrets", "apiVersion": "2023-07-01",
        "name": f"{name}/adminPassword", "dependsOn": [name], "properties": {"value": SECRET},
    }  # fmt: skip
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [vault, secret]}


@pytest.fixture(scope="module")
def clients(local_azure: LocalAzure) -> Clients:
    c = sdk_clients(local_azure)
    c.resources.resource_groups.create_or_update(GROUP, {"location": "westeurope"})
    for name, enabled in (("kvref-enabled-01", True), ("kvref-closed-01", False)):
        body = {"properties": {"mode": "Incremental",
                               "template": vault_template(name, enabled, c.tenant_id)}}  # fmt: skip
        c.deployments.deployments.begin_create_or_update(GROUP, name, body).result()
    return c


def using_reference(c: Clients, vault: str, secret: str = "adminPassword") -> dict[str, Any]:
    vault_id = f"/subscriptions/{c.subscription_id}/resourceGroups/{GROUP}/providers/Microsoft.KeyVault/vaults/{vault}"
    template = {
        "$schema": SCHEMA, "contentVersion": "1.0.0.0",
        "parameters": {"password": {"type": "securestring"}},
        "resources": [],
        "outputs": {"length": {"type": "int", "value": "[length(parameters('password'))]"}},
    }  # fmt: skip
    reference = {"keyVault": {"id": vault_id}, "secretName": secret}
    return {"properties": {"mode": "Incremental", "template": template,
                           "parameters": {"password": {"reference": reference}}}}  # fmt: skip


def test_reference_reads_the_secret_when_deploying(
    clients: Clients, local_azure: LocalAzure
) -> None:
    dm = clients.deployments.deployments
    result = dm.begin_create_or_update(
        GROUP, "uses-ref", using_reference(clients, "kvref-enabled-01")
    ).result()
    assert result.properties.outputs["length"]["value"] == len(SECRET)
    assert result.properties.parameters["password"] == {"type": "SecureString"}


@pytest.mark.parametrize(
    ("vault", "secret", "code"),
    [
        ("kvref-closed-01", "adminPassword", "KeyVaultParameterReferenceSecretRetrieveFailed"),
        ("kvref-enabled-01", "absent", "KeyVaultParameterReferenceSecretRetrieveFailed"),
        ("kvref-missing-01", "adminPassword", "KeyVaultParameterReferenceNotFound"),
    ],
)
def test_unreadable_references_fail_with_arms_codes(
    clients: Clients, vault: str, secret: str, code: str
) -> None:
    body = using_reference(clients, vault, secret)
    with pytest.raises(HttpResponseError) as caught:
        clients.deployments.deployments.begin_create_or_update(GROUP, "bad-ref", body).result()
    assert caught.value.error is not None and caught.value.error.code == code
    assert SECRET not in str(caught.value)
