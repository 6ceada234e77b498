"""Azure's name rules in the local Azure, through a template deployment with the
unmodified SDK: each refusal carries Azure's code on the failed deployment operation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from rm_lab import clients

from mocks import LocalAzure

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def _resource(kind: str, name: str) -> dict[str, Any]:
    if kind == "vault":
        return {
            "type": "Microsoft.KeyVault/vaults",
            "apiVersion": "2023-07-01",
            "name": name,
            "location": "westeurope",
            "properties": {
                "tenantId": "[subscription().tenantId]",
                "sku": {"family": "A", "name": "standard"},
                "accessPolicies": [],
            },
        }
    if kind == "label":
        return {
            "type": "Microsoft.Network/publicIPAddresses",
            "apiVersion": "2024-05-01",
            "name": "pip",
            "location": "westeurope",
            "sku": {"name": "Standard"},
            "properties": {
                "publicIPAllocationMethod": "Static",
                "dnsSettings": {"domainNameLabel": name},
            },
        }
    return {
        "type": "Microsoft.Storage/storageAccounts",
        "apiVersion": "2025-01-01",
        "name": name,
        "location": "westeurope",
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS"},
    }


@pytest.mark.parametrize(
    ("kind", "name", "code"),
    [
        ("vault", "1cmgvault", "VaultNameNotValid"),
        ("vault", "cmg--vault", "VaultNameNotValid"),
        ("vault", "cmgvault-", "VaultNameNotValid"),
        ("vault", "ab", "VaultNameNotValid"),
        ("label", "1cmg", "InvalidDomainNameLabel"),
        ("label", "Cmg", "InvalidDomainNameLabel"),
        ("label", "cmg-", "InvalidDomainNameLabel"),
        ("storage", "CmgStore", "AccountNameInvalid"),
        ("storage", "cmg-store", "AccountNameInvalid"),
    ],
)
def test_bad_names_fail_the_deployment_with_azures_code(
    local_azure: LocalAzure, kind: str, name: str, code: str
) -> None:
    rm, dm = clients(local_azure)
    group = f"names-{uuid.uuid4().hex[:8]}"
    rm.resource_groups.create_or_update(group, {"location": "westeurope"})
    template = {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "resources": [_resource(kind, name)],
    }
    poller = dm.deployments.begin_create_or_update(
        group, "names", {"properties": {"template": template, "mode": "Incremental"}}
    )
    with pytest.raises(HttpResponseError):
        poller.result()
    errors = [
        op.properties.status_message.error
        for op in dm.deployment_operations.list(group, "names")
        if op.properties.status_message and op.properties.status_message.error
    ]
    assert [e.code for e in errors] == [code]
    assert name in str(errors[0].message)


@pytest.mark.parametrize(
    ("kind", "name"), [("vault", "cmg-vault-1"), ("label", "cmg-1a"), ("storage", "1cmgstore")]
)
def test_good_names_deploy(local_azure: LocalAzure, kind: str, name: str) -> None:
    rm, dm = clients(local_azure)
    group = f"names-{uuid.uuid4().hex[:8]}"
    rm.resource_groups.create_or_update(group, {"location": "westeurope"})
    name = f"{name}{uuid.uuid4().hex[:6]}"  # names are global (labels: per region)
    template = {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "resources": [_resource(kind, name)],
    }
    result = dm.deployments.begin_create_or_update(
        group, "names", {"properties": {"template": template, "mode": "Incremental"}}
    ).result()
    assert result.properties.provisioning_state == "Succeeded"
