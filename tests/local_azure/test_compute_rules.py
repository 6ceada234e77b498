"""Microsoft.Compute rules of the local Azure that real Azure enforces, through the
unmodified SDKs: VM size catalogue, platform images, managed identity."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from azure.core.exceptions import HttpResponseError
from rm_lab import clients

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
    from rm_lab import credential

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
    assert gone.json()["message"] == (
        "No User Assigned or Delegated Managed Identity found for specified "
        "ClientId/ResourceId/PrincipalId."
    )


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


def dsc(version: str = "2.77", auto: bool = True, **kw: str) -> dict[str, Any]:
    props = {
        "publisher": kw.get("publisher", "Microsoft.Powershell"),
        "type": kw.get("type", "DSC"),
        "typeHandlerVersion": version,
        "autoUpgradeMinorVersion": auto,
        "settings": {"wmfVersion": "latest"},
    }
    return {"name": "Microsoft.Powershell.DSC", "properties": props}


def _create(client: Any, group: str, name: str, body: dict[str, Any]) -> Any:
    return client.virtual_machine_scale_sets.begin_create_or_update(group, name, body).result()


@pytest.mark.parametrize(
    ("extension", "message"),
    [
        (
            dsc(
                publisher="Microsoft.ConfigurationManager",
                type="CloudManagementGateway",
                version="1.0",
            ),
            "The VM extension with publisher 'Microsoft.ConfigurationManager' and type "
            "'CloudManagementGateway' could not be found in location 'westeurope'.",
        ),
        (
            dsc(version="2.80"),
            "Extension with publisher 'Microsoft.Powershell', type 'DSC', and type handler "
            "version '2.80' could not be found in the extension repository.",
        ),
        (
            dsc(version="2.9", auto=False),
            "Extension with publisher 'Microsoft.Powershell', type 'DSC', and type handler "
            "version '2.9' could not be found in the extension repository.",
        ),
        (
            dsc(version="3.0"),
            "Extension with publisher 'Microsoft.Powershell', type 'DSC', and type handler "
            "version '3.0' could not be found in the extension repository.",
        ),
    ],
)
def test_unknown_extension_or_version_is_artifact_not_found(
    compute: Any, extension: dict[str, Any], message: str
) -> None:
    client, _rm, group = compute
    with pytest.raises(HttpResponseError) as exc:
        _create(client, group, "badext", vmss_body(extensions=[extension]))
    assert exc.value.status_code == 404
    assert exc.value.error.code == "ArtifactNotFound"
    assert exc.value.error.message == message


@pytest.mark.parametrize(("version", "auto"), [("2.77", False), ("2.77", True), ("2.9", True)])
def test_published_dsc_versions_are_accepted(compute: Any, version: str, auto: bool) -> None:
    client, _rm, group = compute
    made = _create(client, group, "goodext", vmss_body(extensions=[dsc(version, auto)]))
    ext = made.virtual_machine_profile.extension_profile.extensions[0]
    assert (ext.properties.publisher, ext.properties.type, ext.properties.type_handler_version) == (
        "Microsoft.Powershell",
        "DSC",
        version,
    )


def test_other_documented_handlers_are_known(compute: Any) -> None:
    client, _rm, group = compute
    extensions = [
        dsc(publisher="Microsoft.Compute", type="CustomScriptExtension", version="1.10"),
        dsc(publisher="Microsoft.Azure.Monitor", type="AzureMonitorWindowsAgent", version="1.0"),
        dsc(publisher="Microsoft.Azure.ActiveDirectory", type="AADLoginForWindows", version="1.0"),
    ]
    for i, ext in enumerate(extensions):
        ext["name"] = f"ext{i}"
    made = _create(client, group, "manyext", vmss_body(extensions=extensions))
    assert len(made.virtual_machine_profile.extension_profile.extensions) == 3


def test_generation_2_image_on_a_generation_1_size_is_refused(compute: Any) -> None:
    client, _rm, group = compute
    with pytest.raises(HttpResponseError) as exc:
        _create(client, group, "gen2ona2", vmss_body(size="Standard_A2_v2", image=WINDOWS_2022_G2))
    assert exc.value.status_code == 400 and exc.value.error.code == "BadRequest"
    assert str(exc.value.error.message).startswith(
        "The selected VM size 'Standard_A2_v2' cannot boot Hypervisor Generation '2'."
    )
    # the Generation 1 image boots there, and a V1,V2 size takes either
    _create(client, group, "gen1ona2", vmss_body(size="Standard_A2_v2", image=WINDOWS_2022_G1))
    _create(client, group, "gen2ond2", vmss_body(size="Standard_D2s_v5", image=WINDOWS_2022_G2))
    _create(client, group, "gen1ond2", vmss_body(size="Standard_D2s_v5", image=WINDOWS_2022_G1))


def test_template_with_unknown_extension_fails_with_azures_code(
    compute: Any, local_azure: LocalAzure
) -> None:
    _client, rm, _group = compute
    _rm, dm = clients(local_azure)
    group = f"rulesext-{uuid.uuid4().hex[:8]}"
    rm.resource_groups.create_or_update(group, {"location": "westeurope"})
    body = vmss_body(
        extensions=[
            dsc(
                publisher="Microsoft.ConfigurationManager",
                type="CloudManagementGateway",
                version="1.0",
            )
        ]
    )
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": "Microsoft.Compute/virtualMachineScaleSets",
                "apiVersion": API,
                "name": "tplext",
                **body,
            }
        ],
    }
    poller = dm.deployments.begin_create_or_update(
        group, "ext", {"properties": {"template": template, "mode": "Incremental"}}
    )
    with pytest.raises(HttpResponseError):
        poller.result()
    ops = [op for op in dm.deployment_operations.list(group, "ext") if op.properties.status_message]
    codes = {
        op.properties.status_message.error.code for op in ops if op.properties.status_message.error
    }
    assert "ArtifactNotFound" in codes


def test_extension_child_resources_are_checked_too(compute: Any, local_azure: LocalAzure) -> None:
    client, rm, group = compute
    _create(client, group, "childext", vmss_body())
    base = (
        f"/subscriptions/{local_azure.identity.subscription_id}/resourceGroups/{group}"
        "/providers/Microsoft.Compute/virtualMachineScaleSets/childext/extensions"
    )
    good = {"properties": dsc()["properties"]}
    made = rm.resources.begin_create_or_update_by_id(
        f"{base}/dsc", api_version=API, parameters=good
    ).result()
    assert made.properties["type"] == "DSC"
    bad = {
        "properties": dsc(
            publisher="Microsoft.ConfigurationManager", type="CloudManagementGateway"
        )["properties"]
    }
    with pytest.raises(HttpResponseError) as exc:
        rm.resources.begin_create_or_update_by_id(
            f"{base}/cmg", api_version=API, parameters=bad
        ).result()
    assert exc.value.error.code == "ArtifactNotFound"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"vmSize": "Standard_A2_v2", "imageSku": "2022-datacenter-azure-edition"}, "BadRequest"),
        ({"cmgName": "1cmgrules"}, "VaultNameNotValid"),
    ],
)
def test_the_shipped_cmg_template_is_refused_as_azure_refuses(
    compute: Any, local_azure: LocalAzure, tmp_path: Any, overrides: dict[str, str], code: str
) -> None:
    """The local Azure itself (not cmgdeploy's preflight) refuses the pairs Azure refuses."""
    from rm_lab import cmg_parameters, cmg_template

    _client, rm, _group = compute
    _rm, dm = clients(local_azure)
    group = f"rulescmg-{uuid.uuid4().hex[:8]}"
    rm.resource_groups.create_or_update(group, {"location": "westeurope"})
    name = overrides.get("cmgName", f"cmgrules{uuid.uuid4().hex[:6]}")
    parameters = cmg_parameters(name, tmp_path)
    parameters.update({k: {"value": v} for k, v in overrides.items()})
    poller = dm.deployments.begin_create_or_update(
        group,
        "cmg",
        {
            "properties": {
                "template": cmg_template(),
                "parameters": parameters,
                "mode": "Incremental",
            }
        },
    )
    with pytest.raises(HttpResponseError):
        poller.result()
    codes = {
        op.properties.status_message.error.code
        for op in dm.deployment_operations.list(group, "cmg")
        if op.properties.status_message and op.properties.status_message.error
    }
    assert code in codes
