"""Linked templates: a templateLink to a blob on the local Azure's Blob service
deploys (top level and nested); a missing blob is ARM's InvalidContentLink; a link
anywhere else is refused loudly, naming it without its SAS token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.storage.blob import BlobServiceClient
from sdkclients import Clients, sdk_clients, storage_key

from mocks import LocalAzure

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
GROUP, ACCOUNT, CONTAINER = "linked-rg", "linkedtemplates01", "templates"


def nsg_template() -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {"nsgName": {"type": "string"}},
        "resources": [{
            "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01",
            "name": "[parameters('nsgName')]", "location": "[resourceGroup().location]",
            "properties": {},
        }],
        "outputs": {"link": {"type": "string", "value": "[deployment().properties.templateLink.uri]"}},
    }  # fmt: skip


@pytest.fixture(scope="module")
def linked(local_azure: LocalAzure) -> tuple[Clients, str]:
    c = sdk_clients(local_azure)
    c.resources.resource_groups.create_or_update(GROUP, {"location": "westeurope"})
    storage = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [{
        "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01", "name": ACCOUNT,
        "location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}]}  # fmt: skip
    body = {"properties": {"mode": "Incremental", "template": storage}}
    c.deployments.deployments.begin_create_or_update(GROUP, "storage", body).result()
    account_id = f"/subscriptions/{c.subscription_id}/resourceGroups/{GROUP}/providers/Microsoft.Storage/storageAccounts/{ACCOUNT}"
    endpoint = f"{local_azure.blob_url}/{ACCOUNT}/"
    service = BlobServiceClient(
        endpoint,
        credential={"account_name": ACCOUNT, "account_key": storage_key(local_azure, account_id)},
        connection_verify=local_azure.ca_bundle,
    )
    service.create_container(CONTAINER)
    blob = service.get_blob_client(CONTAINER, "nsg.json")
    blob.upload_blob(json.dumps(nsg_template()))
    return c, f"{endpoint}{CONTAINER}/nsg.json"


def test_top_level_template_link_on_the_local_blob_service(linked: tuple[Clients, str]) -> None:
    c, uri = linked
    body = {"properties": {"mode": "Incremental", "templateLink": {"uri": uri + "?sv=2024&sig=abc"},
                           "parameters": {"nsgName": {"value": "linked-top"}}}}  # fmt: skip
    result = c.deployments.deployments.begin_create_or_update(GROUP, "top", body).result()
    assert result.properties.provisioning_state == "Succeeded"
    assert result.properties.outputs["link"]["value"] == uri  # without the SAS token
    names = {r.name for r in c.resources.resources.list_by_resource_group(GROUP)}
    assert "linked-top" in names


def test_nested_template_link_on_the_local_blob_service(linked: tuple[Clients, str]) -> None:
    c, uri = linked
    parent = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [{
        "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "linkedNsg",
        "properties": {"mode": "Incremental", "templateLink": {"uri": uri},
                       "parameters": {"nsgName": {"value": "linked-nested"}}}}],
        "outputs": {"childLink": {"type": "string",
                                  "value": "[reference('linkedNsg').outputs.link.value]"}}}  # fmt: skip
    body = {"properties": {"mode": "Incremental", "template": parent}}
    result = c.deployments.deployments.begin_create_or_update(GROUP, "nested", body).result()
    assert result.properties.provisioning_state == "Succeeded"
    assert result.properties.outputs["childLink"]["value"] == uri


def test_missing_blob_is_invalid_content_link(linked: tuple[Clients, str]) -> None:
    c, uri = linked
    body = {"properties": {"mode": "Incremental",
                           "templateLink": {"uri": uri.replace("nsg.json", "absent.json")}}}  # fmt: skip
    with pytest.raises(HttpResponseError) as caught:
        c.deployments.deployments.begin_create_or_update(GROUP, "absent", body).result()
    assert caught.value.error is not None and caught.value.error.code == "InvalidContentLink"


def test_link_elsewhere_is_refused_loudly(linked: tuple[Clients, str]) -> None:
    c, _uri = linked
    body = {"properties": {"mode": "Incremental", "templateLink": {
        "uri": "https://raw.githubusercontent.com/x/azuredeploy.json?sig=secret"}}}  # fmt: skip
    with pytest.raises(HttpResponseError) as caught:
        c.deployments.deployments.begin_create_or_update(GROUP, "elsewhere", body).result()
    assert caught.value.error is not None
    assert caught.value.error.code == "LocalAzureUnsupportedOperation"
    assert "raw.githubusercontent.com" in caught.value.error.message
    assert "secret" not in caught.value.error.message
