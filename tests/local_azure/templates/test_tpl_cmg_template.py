"""arm_templates/cmg.json through the engine, as the deployment driver uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tpl_shared import RG_ID, bodies, make_scope
from tpl_shared import TENANT as SCOPE_TENANT

from mocks.templates import TemplateError, prepare

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = json.loads((ROOT / "arm_templates" / "cmg.json").read_text())
EXAMPLE = json.loads((ROOT / "arm_templates" / "cmg.parameters.example.json").read_text())
SECRET_URI = "https://cmgtest.vault.azure.net/secrets/servercert/0123abcd"


def params(instances: int, **overrides: object) -> dict:
    values = {
        "cmgName": "cmgtest",
        "instanceCount": instances,
        "serverCertificateSecret": "c2VjcmV0LXBmeA==",
        "dscPackageSasToken": "sv=2024-08-04&sig=c2FzLXNpZw%3D%3D",
        "dscPackageHash": "ab" * 32,
        "dscScript": "CmgStandIn.ps1",
        "dscFunction": "CmgStandIn",
        "adminPassword": "Sup3r-secret-pw!",
        "tags": {"env": "lab"},
        **overrides,
    }
    return {k: {"value": v} for k, v in values.items()}


class FakeStore:
    """Stored resources as the providers expose them (properties only unless full), and
    the storage account's listKeys action."""

    def __call__(self, resource_id: str, api_version: str | None, full: bool) -> dict:
        if "/storageAccounts/" in resource_id:
            props: dict = {"primaryEndpoints": {"blob": "https://cmgtest.blob.core.windows.net/"}}
        elif "/secrets/" in resource_id:
            props = {"secretUri": SECRET_URI.rsplit("/", 1)[0], "secretUriWithVersion": SECRET_URI}
        elif "/publicIPAddresses/" in resource_id:
            props = {
                "ipAddress": "20.1.2.3",
                "dnsSettings": {
                    "domainNameLabel": "cmgtest",
                    "fqdn": "cmgtest.westeurope.cloudapp.azure.com",
                },
            }
        elif "/virtualMachineScaleSets/" in resource_id:
            identity = {"type": "SystemAssigned", "principalId": PRINCIPAL, "tenantId": TENANT}
            return {"id": resource_id, "identity": identity, "properties": {}} if full else {}
        else:
            raise AssertionError(f"unexpected reference to {resource_id}")
        return {"id": resource_id, "properties": props} if full else props

    def list_action(self, resource_id: str, name: str, api_version: str, body: object) -> dict:
        assert name == "listKeys" and resource_id.endswith("/storageAccounts/cmgtest")
        return {"keys": [{"keyName": "key1", "value": ACCOUNT_KEY, "permissions": "FULL"}]}


fake_store = FakeStore()
PRINCIPAL = "11111111-2222-3333-4444-555555555555"
TENANT = "66666666-7777-8888-9999-000000000000"
ACCOUNT_KEY = "a2V5MQ=="


def by_type(prepared: object, instances_bodies: dict[str, dict]) -> dict[str, dict]:
    return {body["type"]: body for body in instances_bodies.values()}


@pytest.fixture(params=[1, 3], ids=["one-instance", "three-instances"])
def deployed(request: pytest.FixtureRequest) -> tuple[int, dict[str, dict], dict]:
    prepared = prepare(TEMPLATE, params(request.param), make_scope())
    all_bodies = bodies(prepared, fake_store)
    return request.param, by_type(prepared, all_bodies), prepared.evaluate_outputs(fake_store)


def test_example_parameters_file_is_valid() -> None:
    prepared = prepare(TEMPLATE, EXAMPLE["parameters"], make_scope())
    assert len(prepared.resources) == 11


def test_seven_resources_of_configmgr_layout() -> None:
    """ConfigMgr's seven top-level resources, the storage account always; plus the
    vault's secrets (children of the vault)."""
    prepared = prepare(TEMPLATE, params(1), make_scope())
    top = sorted(r.type for r in prepared.resources if r.type.count("/") == 1)
    assert top == [
        "Microsoft.Compute/virtualMachineScaleSets",
        "Microsoft.KeyVault/vaults",
        "Microsoft.Network/loadBalancers",
        "Microsoft.Network/networkSecurityGroups",
        "Microsoft.Network/publicIPAddresses",
        "Microsoft.Network/virtualNetworks",
        "Microsoft.Storage/storageAccounts",
    ]
    secrets = sorted(r.name for r in prepared.resources if r.type.endswith("/secrets"))
    assert secrets == [
        "cmgtest/servercert",
        "cmgtest/storage-connection-string",
        "cmgtest/vm-admin-password",
    ]


def test_order_puts_dependencies_first() -> None:
    prepared = prepare(TEMPLATE, params(1), make_scope())
    order = [r.type for r in prepared.resources]
    # The scale set comes after everything it uses; only the vault's access policy for
    # its identity comes after it.
    assert order[-2:] == [
        "Microsoft.Compute/virtualMachineScaleSets",
        "Microsoft.KeyVault/vaults/accessPolicies",
    ]
    assert order.index("Microsoft.KeyVault/vaults") < order.index(
        "Microsoft.KeyVault/vaults/secrets"
    )
    assert order.index("Microsoft.Network/publicIPAddresses") < order.index(
        "Microsoft.Network/loadBalancers"
    )
    vmss = prepared.resources[-2]
    assert (
        f"{RG_ID}/providers/Microsoft.KeyVault/vaults/cmgtest/secrets/servercert" in vmss.depends_on
    )
    assert vmss.id == f"{RG_ID}/providers/Microsoft.Compute/virtualMachineScaleSets/cmgtest"


def test_every_resource_tagged(deployed: tuple) -> None:
    """Every resource that takes tags (an access policy change is no resource of its own)."""
    _, resources, _ = deployed
    for rtype, body in resources.items():
        if rtype == "Microsoft.KeyVault/vaults/accessPolicies":
            assert "tags" not in body
            continue
        assert body["tags"] == {"env": "lab", "managed-by": "cmgdeploy", "cmgdeploy-cmg": "cmgtest"}


def test_nsg_rules_follow_instance_count(deployed: tuple) -> None:
    instances, resources, _ = deployed
    rules = {
        r["name"]: r["properties"]
        for r in resources["Microsoft.Network/networkSecurityGroups"]["properties"]["securityRules"]
    }
    assert rules["HTTPS"]["destinationPortRange"] == "443"
    assert rules["HTTPS"]["priority"] == 100
    if instances == 1:
        assert set(rules) == {"HTTPS"}
    else:
        assert rules["ConnectionPoint"]["destinationPortRange"] == "10124-10126"
        assert rules["ConnectionPoint"]["priority"] == 110


def test_load_balancer_nat_rule_v2_follows_instance_count(deployed: tuple) -> None:
    """Inbound NAT rule V2: a frontend port range on the backend pool (no NAT pools)."""
    instances, resources, _ = deployed
    lb = resources["Microsoft.Network/loadBalancers"]
    assert lb["sku"]["name"] == "Standard"
    assert lb["properties"]["probes"][0]["name"] == "https-probe"
    assert lb["properties"]["loadBalancingRules"][0]["properties"]["frontendPort"] == 443
    assert "inboundNatPools" not in lb["properties"]
    rules = lb["properties"]["inboundNatRules"]
    ipconfig = resources["Microsoft.Compute/virtualMachineScaleSets"]["properties"][
        "virtualMachineProfile"
    ]["networkProfile"]["networkInterfaceConfigurations"][0]["properties"]["ipConfigurations"][0][
        "properties"
    ]
    assert "loadBalancerInboundNatPools" not in ipconfig
    pool_id = f"{RG_ID}/providers/Microsoft.Network/loadBalancers/cmgtest-lb/backendAddressPools/cmg-backend"
    assert ipconfig["loadBalancerBackendAddressPools"] == [{"id": pool_id}]
    if instances == 1:
        assert rules == []
    else:
        (rule,) = rules
        props = rule["properties"]
        assert rule["name"] == "connection-point"
        assert (props["frontendPortRangeStart"], props["frontendPortRangeEnd"]) == (10124, 10126)
        assert props["backendPort"] == 443 and props["protocol"] == "Tcp"
        assert props["backendAddressPool"] == {"id": pool_id}


def test_scale_set_body(deployed: tuple) -> None:
    instances, resources, _ = deployed
    vmss = resources["Microsoft.Compute/virtualMachineScaleSets"]
    assert vmss["sku"] == {"name": "Standard_A2_v2", "tier": "Standard", "capacity": instances}
    assert vmss["identity"] == {"type": "SystemAssigned"}
    assert vmss["properties"]["overprovision"] is False
    profile = vmss["properties"]["virtualMachineProfile"]
    assert profile["storageProfile"]["imageReference"] == {
        "publisher": "MicrosoftWindowsServer",
        "offer": "WindowsServer",
        "sku": "2022-datacenter",
        "version": "latest",
    }
    assert profile["osProfile"]["computerNamePrefix"] == "cmgtest"
    assert profile["osProfile"]["secrets"][0]["vaultCertificates"] == [
        {"certificateUrl": SECRET_URI, "certificateStore": "My"}
    ]
    assert (
        profile["osProfile"]["secrets"][0]["sourceVault"]["id"]
        == f"{RG_ID}/providers/Microsoft.KeyVault/vaults/cmgtest"
    )
    (extension,) = profile["extensionProfile"]["extensions"]
    props = extension["properties"]
    assert (props["publisher"], props["type"], props["typeHandlerVersion"]) == (
        "Microsoft.Powershell",
        "DSC",
        "2.77",
    )
    assert props["autoUpgradeMinorVersion"] is True
    assert props["forceUpdateTag"] == "ab" * 32
    assert props["settings"]["configuration"] == {
        "url": "https://cmgtest.blob.core.windows.net/cmgdsc/cmgdsc.zip",
        "script": "CmgStandIn.ps1",
        "function": "CmgStandIn",
    }
    assert props["protectedSettings"] == {
        "configurationUrlSasToken": "sv=2024-08-04&sig=c2FzLXNpZw%3D%3D"
    }


def test_outputs(deployed: tuple) -> None:
    instances, _, outputs = deployed
    assert outputs["fqdn"]["value"] == "cmgtest.westeurope.cloudapp.azure.com"
    assert outputs["publicIpAddress"]["value"] == "20.1.2.3"
    expected_ports = [443] if instances == 1 else [10124, 10125, 10126]
    assert outputs["connectionPointPorts"] == {"type": "Array", "value": expected_ports}
    assert outputs["storageAccountName"]["value"] == "cmgtest"
    assert outputs["blobEndpoint"]["value"] == "https://cmgtest.blob.core.windows.net/"
    assert (
        outputs["dscPackageUrl"]["value"]
        == "https://cmgtest.blob.core.windows.net/cmgdsc/cmgdsc.zip"
    )


def test_image_follows_parameter() -> None:
    prepared = prepare(TEMPLATE, params(1, imageSku="2022-datacenter-azure-edition"), make_scope())
    vmss = bodies(prepared, fake_store)["cmgtest"]
    image = vmss["properties"]["virtualMachineProfile"]["storageProfile"]["imageReference"]
    assert image["sku"] == "2022-datacenter-azure-edition"


def test_vault_holds_admin_password_and_storage_connection_string() -> None:
    prepared = prepare(TEMPLATE, params(1), make_scope())
    made = bodies(prepared, fake_store)
    assert made["cmgtest/vm-admin-password"]["properties"]["value"] == "Sup3r-secret-pw!"
    assert made["cmgtest/storage-connection-string"]["properties"]["value"] == (
        f"DefaultEndpointsProtocol=https;AccountName=cmgtest;AccountKey={ACCOUNT_KEY};"
        "EndpointSuffix=core.windows.net"
    )


def test_scale_set_identity_gets_secret_get_on_the_vault() -> None:
    prepared = prepare(TEMPLATE, params(1), make_scope())
    (policy,) = [r for r in prepared.resources if r.type.endswith("/accessPolicies")]
    assert policy.name == "cmgtest/add"
    vmss_id = f"{RG_ID}/providers/Microsoft.Compute/virtualMachineScaleSets/cmgtest"
    assert vmss_id in policy.depends_on
    body = prepared.evaluate_resource(policy, fake_store)
    assert body["properties"]["accessPolicies"] == [
        {"tenantId": SCOPE_TENANT, "objectId": PRINCIPAL, "permissions": {"secrets": ["get"]}}
    ]


def test_vault_keeps_the_identity_policy_when_redeployed() -> None:
    """A vault PUT replaces its access policies: on a redeployment the vault itself
    carries the existing scale set's policy, so its access never lapses."""
    first = bodies(prepare(TEMPLATE, params(1), make_scope()), fake_store)["cmgtest"]
    again = prepare(TEMPLATE, params(1, scaleSetPrincipalId=PRINCIPAL), make_scope())
    vault = next(r for r in again.resources if r.type == "Microsoft.KeyVault/vaults")
    assert vault.id.endswith("/vaults/cmgtest") and first is not None
    assert again.evaluate_resource(vault, fake_store)["properties"]["accessPolicies"] == [
        {"tenantId": SCOPE_TENANT, "objectId": PRINCIPAL, "permissions": {"secrets": ["get"]}}
    ]
    initial = prepare(TEMPLATE, params(1), make_scope())
    vault = next(r for r in initial.resources if r.type == "Microsoft.KeyVault/vaults")
    assert initial.evaluate_resource(vault, fake_store)["properties"]["accessPolicies"] == []


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"instanceCount": 17},
            "'instanceCount' is not valid. The value must be less than or equal to '16'",
        ),
        (
            {"vmSize": "Standard_D2s_v3"},
            "not part of the allowed value(s): 'Standard_B2s,Standard_A2_v2,Standard_A4_v2'",
        ),
        ({"cmgName": "ab"}, "'cmgName' is not valid"),
        (
            {"imageSku": "2022-datacenter-g2"},
            "not part of the allowed value(s): '2022-datacenter,2022-datacenter-azure-edition'",
        ),
    ],
)
def test_parameter_constraints(override: dict, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        prepare(TEMPLATE, params(1, **override), make_scope())
    assert caught.value.code == "InvalidTemplate"
    assert message in caught.value.message


def test_secrets_not_in_display_parameters() -> None:
    shown = json.dumps(prepare(TEMPLATE, params(1), make_scope()).parameters_for_display())
    assert "Sup3r-secret-pw!" not in shown and "c2VjcmV0LXBmeA==" not in shown
    assert "c2FzLXNpZw" not in shown
