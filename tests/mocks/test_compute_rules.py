"""Microsoft.Compute rules of the local Azure that real Azure enforces, through the
unmodified SDKs: VM size catalogue, platform images, managed identity."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from azure.core.exceptions import HttpResponseError
from rm_helpers import clients

from mocks import LocalAzure

API = "2024-07-01"
WINDOWS_2022_G2 = {
    "publisher": "MicrosoftWindowsServer",
    "offer": "WindowsServer",
    "sku": "2022-datacenter-azure-edition",
    "version": "latest",
}
WINDOWS_2022_G1 = {**WINDOWS_2022_G2, "sku": "2022-datacenter"}


@pytest.fixture(scope="module")
def compute(local_azure: LocalAzure) -> Iterator[tuple[Any, Any, str]]:
    """(ComputeManagementClient, ResourceManagementClient, group) on the session's server."""
    from azure.mgmt.compute import ComputeManagementClient

    rm, _dm = clients(local_azure)
    group = f"rules-{uuid.uuid4().hex[:8]}"
    rm.resource_groups.create_or_update(group, {"location": "westeurope"})
    from rm_helpers import credential

    client = ComputeManagementClient(
        credential(local_azure),
        local_azure.identity.subscription_id,
        base_url=local_azure.url,
        credential_scopes=["https://management.azure.com/.default"],
        connection_verify=local_azure.ca_bundle,
        polling_interval=0.05,
    )
    yield client, rm, group


def vmss_body(
    size: str = "Standard_D2s_v5",
    image: dict[str, Any] | None = None,
    extensions: list[dict[str, Any]] | None = None,
    identity: dict[str, Any] | None = None,
) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "osProfile": {
            "computerNamePrefix": "rules",
            "adminUsername": "cmgadmin",
            "adminPassword": "Secret-Passw0rd!",
        },
        "storageProfile": {
            "imageReference": image or WINDOWS_2022_G2,
            "osDisk": {"createOption": "FromImage", "caching": "ReadWrite"},
        },
    }
    if extensions is not None:
        profile["extensionProfile"] = {"extensions": extensions}
    body: dict[str, Any] = {
        "location": "westeurope",
        "sku": {"name": size, "tier": "Standard", "capacity": 1},
        "properties": {"upgradePolicy": {"mode": "Manual"}, "virtualMachineProfile": profile},
    }
    if identity is not None:
        body["identity"] = identity
    return body


def caps(entry: Any) -> dict[str, str]:
    return {c.name: c.value for c in entry.capabilities}


def test_resource_skus_carry_the_documented_capabilities(compute: Any) -> None:
    client, _rm, _group = compute
    entries = {e.name: e for e in client.resource_skus.list(filter="location eq 'westeurope'")}
    for size in ("Standard_D1_v2", "Standard_D2_v3", "Standard_D2_v4", "Standard_B2s_v2"):
        assert size in entries
    a2 = caps(entries["Standard_A2_v2"])
    assert a2["HyperVGenerations"] == "V1" and a2["vCPUs"] == "2" and a2["MemoryGB"] == "4"
    assert a2["MaxResourceVolumeMB"] == "20480" and a2["PremiumIO"] == "False"
    d2sv5 = caps(entries["Standard_D2s_v5"])
    assert d2sv5["HyperVGenerations"] == "V1,V2" and d2sv5["PremiumIO"] == "True"
    assert d2sv5["MaxResourceVolumeMB"] == "0"
    assert caps(entries["Standard_D1_v2"])["MemoryGB"] == "3.5"
    assert caps(entries["Standard_D2_v3"])["HyperVGenerations"] == "V1"
    assert entries["Standard_D2s_v3"].family == "standardDSv3Family"
    assert entries["Standard_D2s_v3"].locations == ["westeurope"]


def test_unknown_platform_image_is_platform_image_not_found(compute: Any) -> None:
    client, _rm, group = compute
    image = {**WINDOWS_2022_G2, "sku": "2022-datacenter-invented"}
    with pytest.raises(HttpResponseError) as exc:
        client.virtual_machine_scale_sets.begin_create_or_update(
            group, "noimage", vmss_body(image=image)
        ).result()
    assert exc.value.status_code == 404
    assert exc.value.error.code == "PlatformImageNotFound"
    assert "MicrosoftWindowsServer:WindowsServer:2022-datacenter-invented:latest" in str(
        exc.value.error.message
    )


def _identity_token(az: LocalAzure, **selector: str) -> Any:
    import requests

    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE is preset on this machine
    return session.get(
        az.endpoint["identity_endpoint"],
        params={"resource": "https://vault.azure.net", "api-version": "2019-08-01", **selector},
        headers={"X-IDENTITY-HEADER": az.endpoint["identity_header"]},
        verify=az.ca_bundle,
        timeout=30,
    )


def _claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_system_assigned_identity_is_stable_and_gets_tokens(
    compute: Any, local_azure: LocalAzure
) -> None:
    client, _rm, group = compute
    made = client.virtual_machine_scale_sets.begin_create_or_update(
        group, "withid", vmss_body(identity={"type": "SystemAssigned"})
    ).result()
    assert made.identity.type == "SystemAssigned"
    principal, tenant = made.identity.principal_id, made.identity.tenant_id
    assert uuid.UUID(principal) and tenant == local_azure.identity.tenant_id
    again = client.virtual_machine_scale_sets.begin_create_or_update(
        group, "withid", vmss_body(identity={"type": "SystemAssigned"})
    ).result()
    assert again.identity.principal_id == principal
    assert client.virtual_machine_scale_sets.get(group, "withid").identity.principal_id == principal

    answer = _identity_token(local_azure, principal_id=principal)
    assert answer.status_code == 200, answer.text
    claims = _claims(answer.json()["access_token"])
    assert claims["oid"] == principal and claims["aud"] == "https://vault.azure.net"
    assert (
        _claims(_identity_token(local_azure, object_id=principal).json()["access_token"])["oid"]
        == principal
    )

    client.virtual_machine_scale_sets.begin_delete(group, "withid").result()
    gone = _identity_token(local_azure, principal_id=principal)
    assert gone.status_code == 400


def test_user_assigned_identity_is_refused_loudly(compute: Any) -> None:
    client, _rm, group = compute
    identity = {
        "type": "UserAssigned",
        "userAssignedIdentities": {
            f"/subscriptions/{uuid.uuid4()}/resourceGroups/x/providers/"
            "Microsoft.ManagedIdentity/userAssignedIdentities/mine": {}
        },
    }
    with pytest.raises(HttpResponseError) as exc:
        client.virtual_machine_scale_sets.begin_create_or_update(
            group, "userid", vmss_body(identity=identity)
        ).result()
    assert exc.value.error.code == "LocalAzureUnsupportedOperation"


def test_reference_full_shows_the_scale_set_identity(compute: Any, local_azure: LocalAzure) -> None:
    _client, rm, _group = compute
    _rm, dm = clients(local_azure)
    group = f"rulesref-{uuid.uuid4().hex[:8]}"
    rm.resource_groups.create_or_update(group, {"location": "westeurope"})
    body = vmss_body(identity={"type": "SystemAssigned"})
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": "Microsoft.Compute/virtualMachineScaleSets",
                "apiVersion": API,
                "name": "refvmss",
                **body,
            }
        ],
        "outputs": {
            "principal": {
                "type": "string",
                "value": "[reference(resourceId('Microsoft.Compute/virtualMachineScaleSets', 'refvmss'), '"
                + API
                + "', 'Full').identity.principalId]",
            },
            "tenant": {
                "type": "string",
                "value": "[reference('refvmss', '" + API + "', 'Full').identity.tenantId]",
            },
        },
    }
    result = dm.deployments.begin_create_or_update(
        group, "ref", {"properties": {"template": template, "mode": "Incremental"}}
    ).result()
    outputs = result.properties.outputs
    stored = rm.resources.get_by_id(
        f"/subscriptions/{local_azure.identity.subscription_id}/resourceGroups/{group}"
        "/providers/Microsoft.Compute/virtualMachineScaleSets/refvmss",
        api_version=API,
    )
    assert outputs["principal"]["value"] == stored.identity.principal_id
    assert outputs["tenant"]["value"] == local_azure.identity.tenant_id


def test_virtual_machine_gets_a_system_assigned_identity(
    compute: Any, local_azure: LocalAzure
) -> None:
    _client, rm, group = compute
    vm_id = (
        f"/subscriptions/{local_azure.identity.subscription_id}/resourceGroups/{group}"
        "/providers/Microsoft.Compute/virtualMachines/vmid"
    )
    body = {
        "location": "westeurope",
        "identity": {"type": "SystemAssigned"},
        "properties": {"hardwareProfile": {"vmSize": "Standard_D2s_v5"}},
    }
    made = rm.resources.begin_create_or_update_by_id(
        vm_id, api_version=API, parameters=body
    ).result()
    principal = made.identity.principal_id
    assert uuid.UUID(principal) and made.identity.tenant_id == local_azure.identity.tenant_id
    token = _identity_token(local_azure, principal_id=principal)
    assert _claims(token.json()["access_token"])["oid"] == principal
    rm.resources.begin_delete_by_id(vm_id, api_version=API).result()
    assert _identity_token(local_azure, principal_id=principal).status_code == 400
