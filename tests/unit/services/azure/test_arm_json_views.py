"""ARM's JSON → the views the boundary returns (the shapes the REST reference documents)."""

from __future__ import annotations

from cmgdeploy.domain.errors import ErrorDetail
from cmgdeploy.services.azure import views

GROUP_ID = "/subscriptions/sub/resourceGroups/contoso-cmg-rg"
VMSS_ID = f"{GROUP_ID}/providers/Microsoft.Compute/virtualMachineScaleSets/contosocmg"


def test_deployment_values_error_chain_and_output_resources() -> None:
    body = {
        "id": f"{GROUP_ID}/providers/Microsoft.Resources/deployments/d1",
        "name": "d1",
        "properties": {
            "provisioningState": "Failed",
            "timestamp": "2026-01-01T10:00:00.1234567Z",
            "duration": "PT3M1.5S",
            "outputs": {"fqdn": {"type": "String", "value": "contosocmg.example"}},
            "parameters": {
                "instanceCount": {"type": "Int", "value": 2},
                "adminPassword": {"type": "SecureString"},
            },
            "outputResources": [{"id": VMSS_ID}],
            "error": {
                "code": "DeploymentFailed",
                "message": "At least one resource deployment operation failed.",
                "details": [{"code": "Conflict", "message": "busy", "target": "vmss"}],
            },
        },
    }
    dep = views.deployment(body)
    assert (dep.name, dep.provisioning_state, dep.duration) == ("d1", "Failed", "PT3M1.5S")
    assert dep.timestamp == "2026-01-01T10:00:00.1234567Z"
    assert dep.outputs == {"fqdn": "contosocmg.example"}
    assert dep.parameters == {"instanceCount": 2, "adminPassword": None}
    assert dep.output_resources == (VMSS_ID,)
    assert dep.error == (
        ErrorDetail("DeploymentFailed", "At least one resource deployment operation failed."),
        ErrorDetail("Conflict", "busy", "vmss"),
    )


def test_running_deployment_has_no_outputs_or_error() -> None:
    dep = views.deployment({"name": "d1", "properties": {"provisioningState": "Running"}})
    assert (dep.outputs, dep.parameters, dep.error, dep.output_resources) == ({}, {}, (), ())


def test_deployment_operation_target_and_status_message() -> None:
    op = views.deployment_operation(
        {
            "operationId": "1",
            "properties": {
                "provisioningState": "Failed",
                "targetResource": {
                    "id": VMSS_ID,
                    "resourceType": "Microsoft.Compute/virtualMachineScaleSets",
                    "resourceName": "contosocmg",
                },
                "statusMessage": {"error": {"code": "SkuNotAvailable", "message": "no B2s"}},
            },
        }
    )
    assert (op.resource_id, op.resource_name, op.provisioning_state) == (
        VMSS_ID, "contosocmg", "Failed"
    )  # fmt: skip
    assert op.resource_type == "Microsoft.Compute/virtualMachineScaleSets"
    assert op.error == (ErrorDetail("SkuNotAvailable", "no B2s"),)
    assert op.status_message == "no B2s"
    assert views.deployment_operation({"properties": {}}).status_message is None


def test_group_resource_list_entry_with_expanded_provisioning_state() -> None:
    res = views.group_resource(
        {
            "id": VMSS_ID,
            "name": "contosocmg",
            "type": "Microsoft.Compute/virtualMachineScaleSets",
            "provisioningState": "Updating",  # $expand=provisioningState puts it here
            "tags": {"cmgdeploy-cmg": "contosocmg"},
            "sku": {"name": "Standard_B2s", "tier": "Standard", "capacity": 3},
            "identity": {"type": "SystemAssigned", "principalId": "p-1"},
        }
    )
    assert res.provisioning_state == "Updating"
    assert (res.sku_name, res.capacity, res.principal_id) == ("Standard_B2s", 3, "p-1")
    assert res.tags == {"cmgdeploy-cmg": "contosocmg"}
    bare = views.group_resource({"id": "x", "name": "n", "type": "t"})
    assert (bare.capacity, bare.sku_name, bare.principal_id, bare.tags) == (None, None, "", {})


def test_scale_set_body() -> None:
    vmss = views.scale_set(
        {
            "name": "contosocmg",
            "sku": {"name": "Standard_B2s", "capacity": 2},
            "identity": {"principalId": "p-1"},
            "properties": {"provisioningState": "Succeeded"},
        }
    )
    assert (vmss.name, vmss.capacity, vmss.size) == ("contosocmg", 2, "Standard_B2s")
    assert (vmss.provisioning_state, vmss.principal_id) == ("Succeeded", "p-1")


def test_instance_power_state_and_error_statuses() -> None:
    inst = views.instance(
        {
            "instanceId": "3",
            "properties": {
                "provisioningState": "Failed",
                "instanceView": {
                    "statuses": [
                        {"code": "ProvisioningState/failed/VMExtensionProvisioningError",
                         "level": "Error", "displayStatus": "Provisioning failed",
                         "message": "DSC failed"},
                        {"code": "PowerState/stopped", "level": "Info"},
                        {"code": "ProvisioningState/failed", "level": "Error",
                         "displayStatus": "Provisioning failed"},
                    ]
                },
            },
        },
        "contosocmg",
    )  # fmt: skip
    assert (inst.instance_id, inst.name) == ("3", "contosocmg_3")  # no name: set's + id
    assert (inst.provisioning_state, inst.power_state) == ("Failed", "stopped")
    assert inst.errors == (
        ErrorDetail("ProvisioningState/failed/VMExtensionProvisioningError", "DSC failed",
                    "contosocmg_3"),
        ErrorDetail("ProvisioningState/failed", "Provisioning failed", "contosocmg_3"),
    )  # fmt: skip


def test_group_public_ip_storage_account_deleted_vault_subscription() -> None:
    group = views.resource_group(
        {"name": "rg", "location": "westeurope", "tags": {"a": "b"},
         "properties": {"provisioningState": "Succeeded"}}
    )  # fmt: skip
    assert (group.name, group.location, group.tags, group.provisioning_state) == (
        "rg", "westeurope", {"a": "b"}, "Succeeded"
    )  # fmt: skip
    ip = views.public_ip(
        {"properties": {"ipAddress": "20.1.2.3", "dnsSettings": {"fqdn": "x.cloudapp.net"}}}
    )
    assert (ip.address, ip.fqdn) == ("20.1.2.3", "x.cloudapp.net")
    assert (views.public_ip({"properties": {}}).address, views.public_ip({}).fqdn) == (None, None)
    account = views.storage_account(
        {"id": "sa", "properties": {"provisioningState": "Succeeded",
                                    "primaryEndpoints": {"blob": "https://sa.blob/"}}}
    )  # fmt: skip
    assert (account.id, account.provisioning_state, account.blob_endpoint) == (
        "sa", "Succeeded", "https://sa.blob/"
    )  # fmt: skip
    vault = views.deleted_vault(
        {"name": "kv", "properties": {"location": "westeurope", "vaultId": f"{GROUP_ID}/kv",
                                      "tags": {"cmgdeploy-cmg": "kv"},
                                      "purgeProtectionEnabled": True,
                                      "scheduledPurgeDate": "2026-04-01T00:00:00Z"}}
    )  # fmt: skip
    assert (vault.name, vault.location, vault.purge_protection) == ("kv", "westeurope", True)
    assert vault.vault_id == f"{GROUP_ID}/kv" and vault.tags == {"cmgdeploy-cmg": "kv"}
    assert vault.scheduled_purge_date == "2026-04-01T00:00:00Z"
    sub = views.subscription({"subscriptionId": "s", "displayName": "Lab", "tenantId": "t"})
    assert (sub.subscription_id, sub.display_name, sub.tenant_id) == ("s", "Lab", "t")


def test_what_if_change_flattens_its_property_deltas_to_full_paths() -> None:
    body = {
        "resourceId": f"{GROUP_ID}/providers/Microsoft.Network/networkSecurityGroups/nsg",
        "changeType": "Modify",
        "delta": [
            {
                "path": "properties.securityRules",
                "propertyChangeType": "Array",
                "children": [
                    {
                        "path": "1",
                        "propertyChangeType": "Modify",
                        "children": [
                            {
                                "path": "properties.destinationPortRange",
                                "propertyChangeType": "Modify",
                                "before": "10124",
                                "after": "10124-10126",
                            }
                        ],
                    }
                ],
            },
            {"path": "tags.owner", "propertyChangeType": "Create", "after": "ops"},
        ],
    }
    change = views.what_if_change(body)
    assert change.change_type == "Modify"
    assert change.resource_id.endswith("/networkSecurityGroups/nsg")
    assert [(p.path, p.change, p.before, p.after) for p in change.properties] == [
        ("properties.securityRules[1].properties.destinationPortRange", "Modify",
         "10124", "10124-10126"),
        ("tags.owner", "Create", None, "ops"),
    ]  # fmt: skip
    assert views.what_if_change({"resourceId": "x", "changeType": "Create"}).properties == ()
