"""what_if_delta and the lenient deployment body parser (azure-cli's quirk)."""

from __future__ import annotations

import json

import pytest

from mocks.templates import TemplateError, parse_cli_body, what_if_delta

STORED_NSG = {
    "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n",
    "name": "n",
    "location": "westeurope",
    "tags": {"managed-by": "cmgdeploy"},
    "properties": {
        "provisioningState": "Succeeded",
        "resourceGuid": "1234",
        "securityRules": [
            {
                "name": "HTTPS",
                "id": "/x/HTTPS",
                "properties": {
                    "priority": 100,
                    "destinationPortRange": "443",
                    "provisioningState": "Succeeded",
                },
            },
            {
                "name": "ConnectionPoint",
                "properties": {"priority": 110, "destinationPortRange": "10124-10125"},
            },
        ],
    },
}


def test_nonexistent_resource_has_no_delta() -> None:
    assert what_if_delta(None, {"properties": {"a": 1}}) == []


def test_identical_request_ignores_provider_added_fields() -> None:
    after = {
        "name": "n",
        "location": "West Europe",
        "tags": {"managed-by": "cmgdeploy"},
        "properties": {
            "securityRules": [
                {"name": "HTTPS", "properties": {"priority": 100, "destinationPortRange": "443"}},
                {
                    "name": "ConnectionPoint",
                    "properties": {"priority": 110, "destinationPortRange": "10124-10125"},
                },
            ]
        },
    }
    assert what_if_delta(STORED_NSG, after) == []


def test_array_element_modified_added_and_removed() -> None:
    grow = {
        "properties": {
            "securityRules": [
                {"name": "HTTPS", "properties": {"priority": 100, "destinationPortRange": "443"}},
                {
                    "name": "ConnectionPoint",
                    "properties": {"priority": 110, "destinationPortRange": "10124-10126"},
                },
                {"name": "Extra", "properties": {"priority": 120}},
            ]
        }
    }
    delta = what_if_delta(STORED_NSG, grow)
    assert delta == [
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
                            "before": "10124-10125",
                            "after": "10124-10126",
                        },
                    ],
                },
                {
                    "path": "2",
                    "propertyChangeType": "Create",
                    "after": {"name": "Extra", "properties": {"priority": 120}},
                },
            ],
        }
    ]
    shrink = {"properties": {"securityRules": [{"name": "HTTPS", "properties": {"priority": 100}}]}}
    children = what_if_delta(STORED_NSG, shrink)[0]["children"]
    assert children == [
        {
            "path": "1",
            "propertyChangeType": "Delete",
            "before": STORED_NSG["properties"]["securityRules"][1],
        }
    ]


def test_scalar_modify_create_and_write_only() -> None:
    before = {
        "sku": {"name": "Standard_A2_v2", "capacity": 1},
        "properties": {"virtualMachineProfile": {"osProfile": {"adminUsername": "a"}}},
    }
    after = {
        "sku": {"name": "Standard_A2_v2", "capacity": 3},
        "tags": {"new": "1"},
        "properties": {
            "virtualMachineProfile": {"osProfile": {"adminUsername": "a", "adminPassword": "pw"}}
        },
    }
    assert what_if_delta(before, after) == [
        {"path": "sku.capacity", "propertyChangeType": "Modify", "before": 1, "after": 3},
        {"path": "tags", "propertyChangeType": "Create", "after": {"new": "1"}},
        {
            "path": "properties.virtualMachineProfile.osProfile.adminPassword",
            "propertyChangeType": "NoEffect",
            "after": "pw",
        },
    ]


def test_bool_is_not_equal_to_int() -> None:
    assert what_if_delta({"a": 1}, {"a": True}) == [
        {"path": "a", "propertyChangeType": "Modify", "before": 1, "after": True}
    ]


# --- parse_cli_body -----------------------------------------------------------------

TEMPLATE_TEXT = """{
  // a line comment with "quotes" and template: inside
  "$schema": "https://schema.management.azure.com/x#", /* block
  comment */
  "contentVersion": "1.0.0.0",
  "resources": [ { "type": "A.B/c", "name": "n//not-a-comment", "apiVersion": "1", }, ],
}"""


def test_plain_json_body() -> None:
    body = {"properties": {"mode": "Incremental", "template": {"resources": []}}}
    assert parse_cli_body(json.dumps(body).encode()) == body


def test_azure_cli_spliced_template() -> None:
    head = json.dumps(
        {"properties": {"parameters": {"x": {"value": "template: not me"}}, "mode": "Incremental"}}
    )
    raw = (head[:-2] + ", template:" + TEMPLATE_TEXT + "}}").encode()
    body = parse_cli_body(raw)
    assert body["properties"]["mode"] == "Incremental"
    assert body["properties"]["parameters"] == {"x": {"value": "template: not me"}}
    assert body["properties"]["template"]["resources"][0]["name"] == "n//not-a-comment"
    assert body["properties"]["template"]["contentVersion"] == "1.0.0.0"


def test_azure_cli_spliced_template_with_empty_properties_and_bom() -> None:
    raw = b'{"properties": {, template:\xef\xbb\xbf{"resources": []}}}'
    assert parse_cli_body(raw) == {"properties": {"template": {"resources": []}}}


def test_jsonc_body() -> None:
    raw = b'{"properties": {"template": {"a": [1, 2,], /* c */ "b": "//x"}, }, }'
    assert parse_cli_body(raw) == {"properties": {"template": {"a": [1, 2], "b": "//x"}}}


@pytest.mark.parametrize("raw", [b"not json", b'{"properties": {, template:{"a": }}', b"[1]"])
def test_garbage_is_invalid_request_content(raw: bytes) -> None:
    with pytest.raises(TemplateError) as caught:
        parse_cli_body(raw)
    assert caught.value.code == "InvalidRequestContent"
