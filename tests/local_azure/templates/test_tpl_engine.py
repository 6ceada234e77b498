"""prepare(): parameters, variables, copy loops, conditions, order, cycles, outputs."""

from __future__ import annotations

from typing import Any

import pytest
from tpl_shared import RG_ID, bodies, evaluate, make_scope, no_reference, template

from mocks.templates import TemplateError, Unresolved, prepare

VMSIZE = {
    "type": "string",
    "allowedValues": ["Standard_B2s", "Standard_A2_v2"],
    "defaultValue": "Standard_A2_v2",
}


def pip(name: str, **extra: Any) -> dict:
    return {
        "type": "Microsoft.Network/publicIPAddresses",
        "apiVersion": "2023-09-01",
        "name": name,
        "location": "westeurope",
        **extra,
    }


def plan(resources: list, values: dict | None = None, **sections: Any) -> Any:
    return prepare(template(resources=resources, **sections), values or {}, make_scope())


# --- parameters -----------------------------------------------------------------------


def test_missing_parameter_names_it() -> None:
    with pytest.raises(TemplateError) as caught:
        plan([], parameters={"cmgName": {"type": "string"}})
    assert caught.value.code == "InvalidTemplate"
    assert caught.value.message.startswith("Deployment template validation failed: ")
    assert (
        "The value for the template parameter 'cmgName' at line '1' and column '1' is not provided"
        in caught.value.message
    )


def test_allowed_values_lists_them() -> None:
    with pytest.raises(TemplateError) as caught:
        plan([], {"vmSize": {"value": "Standard_D2"}}, parameters={"vmSize": VMSIZE})
    assert caught.value.code == "InvalidTemplate"
    assert (
        "The provided value 'Standard_D2' for the template parameter 'vmSize' is not valid. "
        "The parameter value is not part of the allowed value(s): 'Standard_B2s,Standard_A2_v2'"
    ) in caught.value.message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "The value must be greater than or equal to '1'"),
        (17, "The value must be less than or equal to '16'"),
        ("3", "Template parameter JToken type is not valid. Expected 'Integer'. Actual 'String'"),
    ],
)
def test_int_range_and_type(value: Any, message: str) -> None:
    params = {"n": {"type": "int", "minValue": 1, "maxValue": 16}}
    with pytest.raises(TemplateError) as caught:
        plan([], {"n": {"value": value}}, parameters=params)
    assert caught.value.code == "InvalidTemplate"
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ab", "length '2' is less than the minimum length '3'"),
        ("a" * 25, "length '25' is greater than the maximum length '24'"),
    ],
)
def test_string_length(value: str, message: str) -> None:
    params = {"cmgName": {"type": "string", "minLength": 3, "maxLength": 24}}
    with pytest.raises(TemplateError) as caught:
        plan([], {"cmgName": {"value": value}}, parameters=params)
    assert (
        f"The provided value '{value}' for the template parameter 'cmgName'" in caught.value.message
    )
    assert message in caught.value.message


def test_secure_values_never_appear_in_errors() -> None:
    params = {"pw": {"type": "securestring", "minLength": 12}}
    with pytest.raises(TemplateError) as caught:
        plan([], {"pw": {"value": "hunter2"}}, parameters=params)
    assert "hunter2" not in caught.value.message
    assert "for the template parameter 'pw' is not valid" in caught.value.message


def test_unknown_parameter_supplied() -> None:
    with pytest.raises(TemplateError) as caught:
        plan([], {"bogus": {"value": 1}}, parameters={"vmSize": VMSIZE})
    assert (
        "The template parameters 'bogus' in the parameters file are not valid; they are not present in the original template"
        in caught.value.message
    )


def test_defaults_may_use_other_parameters_and_scope() -> None:
    params = {
        "name": {"type": "string"},
        "label": {
            "type": "string",
            "defaultValue": "[concat(parameters('name'), '-', resourceGroup().location)]",
        },
    }
    assert (
        evaluate("[parameters('label')]", {"name": {"value": "x"}}, parameters=params)
        == "x-westeurope"
    )


def test_parameters_for_display_hides_secure_values() -> None:
    params = {"pw": {"type": "securestring"}, "n": {"type": "int", "defaultValue": 2}}
    prepared = plan([], {"pw": {"value": "hunter2"}}, parameters=params)
    assert prepared.parameters_for_display() == {
        "pw": {"type": "SecureString"},
        "n": {"type": "Int", "value": 2},
    }
    assert prepared.parameters["pw"] == "hunter2"


# --- expressions at validation time -------------------------------------------------


def test_unknown_function_is_named() -> None:
    with pytest.raises(TemplateError) as caught:
        plan([pip("[foo('x')]")])
    assert caught.value.code == "InvalidTemplate"
    assert (
        "The template function 'foo' is not valid. Please see https://aka.ms/arm-functions for usage details."
        in caught.value.message
    )


def test_unknown_function_in_properties_fails_before_any_write() -> None:
    with pytest.raises(TemplateError, match="'frobnicate' is not valid"):
        plan([pip("p", properties={"x": "[frobnicate()]"})])


def test_bad_syntax_is_invalid_template() -> None:
    with pytest.raises(TemplateError) as caught:
        plan([pip("[concat('a', ]")])
    assert caught.value.code == "InvalidTemplate"
    assert "Unable to parse language expression" in caught.value.message


def test_reference_not_allowed_in_names() -> None:
    with pytest.raises(TemplateError, match="'reference' is not expected at this location"):
        plan([pip("[reference('x').name]")])


def test_variables_with_copy_and_nested_variables() -> None:
    variables = {
        "prefix": "web",
        "names": "[concat(variables('prefix'), '-names')]",
        "copy": [{"name": "disks", "count": 3, "input": {"lun": "[copyIndex('disks')]"}}],
        "withProp": {
            "copy": [{"name": "items", "count": 2, "input": "[concat('i', copyIndex('items'))]"}]
        },
    }
    assert evaluate("[variables('names')]", variables=variables) == "web-names"
    assert evaluate("[variables('disks')]", variables=variables) == [
        {"lun": 0},
        {"lun": 1},
        {"lun": 2},
    ]
    assert evaluate("[variables('withProp')]", variables=variables) == {"items": ["i0", "i1"]}


def test_unknown_and_circular_variables() -> None:
    with pytest.raises(TemplateError, match="The template variable 'nope' is not found"):
        evaluate("[variables('nope')]")
    with pytest.raises(TemplateError, match="circular reference"):
        evaluate("[variables('a')]", variables={"a": "[variables('b')]", "b": "[variables('a')]"})


# --- resources ----------------------------------------------------------------------


def test_resource_copy_loop_and_copy_index_offset() -> None:
    prepared = plan(
        [
            pip(
                "[concat('pip', copyIndex(1))]",
                copy={"name": "pips", "count": 3, "mode": "Serial", "batchSize": 1},
            )
        ]
    )
    assert [r.name for r in prepared.resources] == ["pip1", "pip2", "pip3"]
    assert prepared.resources[0].id == f"{RG_ID}/providers/Microsoft.Network/publicIPAddresses/pip1"


def test_copy_count_zero_and_too_many() -> None:
    assert plan([pip("[concat('p', copyIndex())]", copy={"name": "c", "count": 0})]).resources == []
    with pytest.raises(TemplateError, match="between 0 and 800"):
        plan([pip("[concat('p', copyIndex())]", copy={"name": "c", "count": 801})])


def test_property_copy_loop() -> None:
    nsg = {
        "type": "Microsoft.Network/networkSecurityGroups",
        "apiVersion": "2023-09-01",
        "name": "nsg",
        "properties": {
            "copy": [
                {
                    "name": "securityRules",
                    "count": 2,
                    "input": {
                        "name": "[concat('r', copyIndex('securityRules'))]",
                        "properties": {"priority": "[add(100, copyIndex('securityRules'))]"},
                    },
                }
            ],
            "flag": True,
        },
    }
    body = bodies(plan([nsg]))["nsg"]
    assert body["properties"] == {
        "securityRules": [
            {"name": "r0", "properties": {"priority": 100}},
            {"name": "r1", "properties": {"priority": 101}},
        ],
        "flag": True,
    }


def test_condition_false_drops_resource_and_its_dependency() -> None:
    prepared = plan(
        [pip("a", condition="[equals(1, 2)]"), pip("b", dependsOn=["a"])],
    )
    assert [r.name for r in prepared.resources] == ["b"]
    assert prepared.resources[0].depends_on == []


def test_explicit_dependencies_order_resources() -> None:
    prepared = plan(
        [
            pip("c", dependsOn=["[resourceId('Microsoft.Network/publicIPAddresses', 'b')]"]),
            pip("b", dependsOn=["Microsoft.Network/publicIPAddresses/a"]),
            pip("a"),
        ]
    )
    assert [r.name for r in prepared.resources] == ["a", "b", "c"]
    assert prepared.resources[2].depends_on == [
        f"{RG_ID}/providers/Microsoft.Network/publicIPAddresses/b"
    ]


def test_depends_on_copy_loop_name_waits_for_every_instance() -> None:
    prepared = plan(
        [
            pip("last", dependsOn=["pips"]),
            pip("[concat('p', copyIndex())]", copy={"name": "pips", "count": 2}),
        ]
    )
    assert [r.name for r in prepared.resources] == ["p0", "p1", "last"]
    assert len(prepared.resources[2].depends_on) == 2


def test_implicit_dependency_from_reference_and_resource_id() -> None:
    prepared = plan(
        [
            pip(
                "user",
                properties={
                    "ip": "[reference('src').ipAddress]",
                    "other": "[variables('otherId')]",
                },
            ),
            pip("src"),
            pip("other"),
        ],
        variables={"otherId": "[resourceId('Microsoft.Network/publicIPAddresses', 'other')]"},
    )
    assert [r.name for r in prepared.resources] == ["src", "other", "user"]
    assert set(prepared.resources[2].depends_on) == {
        f"{RG_ID}/providers/Microsoft.Network/publicIPAddresses/src",
        f"{RG_ID}/providers/Microsoft.Network/publicIPAddresses/other",
    }


def test_circular_dependency_is_invalid_template() -> None:
    with pytest.raises(TemplateError) as caught:
        plan([pip("a", dependsOn=["b"]), pip("b", dependsOn=["a"]), pip("free")])
    assert caught.value.code == "InvalidTemplate"
    assert (
        "Deployment template validation failed: 'Circular dependency detected on resource: '/subscriptions/"
        in caught.value.message
    )


def test_depends_on_unknown_resource() -> None:
    with pytest.raises(TemplateError, match="The resource 'ghost' is not defined in the template"):
        plan([pip("a", dependsOn=["ghost"])])


def test_duplicate_resource() -> None:
    with pytest.raises(TemplateError, match="is defined multiple times"):
        plan([pip("a"), pip("a")])


def test_child_resources_nested_and_by_type() -> None:
    vault = {
        "type": "Microsoft.KeyVault/vaults",
        "apiVersion": "2023-07-01",
        "name": "kv",
        "resources": [
            {
                "type": "secrets",
                "apiVersion": "2023-07-01",
                "name": "nested",
                "properties": {"value": "x"},
            }
        ],
    }
    secret = {
        "type": "Microsoft.KeyVault/vaults/secrets",
        "apiVersion": "2023-07-01",
        "name": "kv/flat",
    }
    prepared = plan([secret, vault])
    names = [r.name for r in prepared.resources]
    assert names[0] == "kv" and set(names[1:]) == {"kv/nested", "kv/flat"}
    flat = next(r for r in prepared.resources if r.name == "kv/flat")
    assert flat.id == f"{RG_ID}/providers/Microsoft.KeyVault/vaults/kv/secrets/flat"
    assert flat.type == "Microsoft.KeyVault/vaults/secrets"
    assert flat.depends_on == [f"{RG_ID}/providers/Microsoft.KeyVault/vaults/kv"]
    assert bodies(prepared)["kv/nested"]["type"] == "Microsoft.KeyVault/vaults/secrets"


def test_wrong_name_segments() -> None:
    with pytest.raises(TemplateError, match="has incorrect segment lengths"):
        plan([{"type": "Microsoft.KeyVault/vaults/secrets", "apiVersion": "x", "name": "justone"}])


def test_evaluate_resource_with_reference_resolver() -> None:
    prepared = plan(
        [
            pip("src"),
            pip(
                "user",
                tags={
                    "t": "[reference('src').ipAddress]",
                    "full": "[reference(resourceId('Microsoft.Network/publicIPAddresses', 'src'), '2023-09-01', 'Full').sku.name]",
                },
            ),
        ]
    )
    calls: list[tuple] = []

    def resolver(rid: str, api: str | None, full: bool) -> dict:
        calls.append((rid, api, full))
        stored = {"sku": {"name": "Standard"}, "properties": {"ipAddress": "10.1.2.3"}}
        return stored if full else stored["properties"]

    body = prepared.evaluate_resource(prepared.resources[1], resolver)
    assert body == {
        "name": "user",
        "type": "Microsoft.Network/publicIPAddresses",
        "location": "westeurope",
        "tags": {"t": "10.1.2.3", "full": "Standard"},
    }
    assert calls[0] == (f"{RG_ID}/providers/Microsoft.Network/publicIPAddresses/src", None, False)
    assert calls[1][1:] == ("2023-09-01", True)


def test_unresolved_reference_propagates() -> None:
    prepared = plan([pip("src"), pip("user", tags={"t": "[reference('src').ipAddress]"})])

    def missing(rid: str, api: str | None, full: bool) -> dict:
        raise Unresolved(rid)

    with pytest.raises(Unresolved) as caught:
        prepared.evaluate_resource(prepared.resources[1], missing)
    assert caught.value.resource_id.endswith("/publicIPAddresses/src")


def test_runtime_expression_error_names_the_resource() -> None:
    prepared = plan([pip("src"), pip("user", tags={"t": "[reference('src').nothing]"})])
    with pytest.raises(TemplateError) as caught:
        prepared.evaluate_resource(
            prepared.resources[1], lambda rid, api, full: {"ipAddress": "1.1.1.1"}
        )
    assert "Unable to process template language expressions for resource" in caught.value.message
    assert "property 'nothing' doesn't exist" in caught.value.message


# --- outputs ------------------------------------------------------------------------


def test_outputs_condition_copy_and_types() -> None:
    outputs = {
        "shown": {"type": "string", "value": "x"},
        "hidden": {"condition": "[equals(1, 2)]", "type": "string", "value": "y"},
        "ports": {"type": "array", "copy": {"count": 3, "input": "[add(10124, copyIndex())]"}},
        "secret": {"type": "securestring", "value": "s3cret"},
    }
    result = plan([], outputs=outputs).evaluate_outputs(no_reference)
    assert result == {
        "shown": {"type": "String", "value": "x"},
        "ports": {"type": "Array", "value": [10124, 10125, 10126]},
        "secret": {"type": "SecureString"},
    }


def test_output_type_mismatch() -> None:
    with pytest.raises(TemplateError, match=r"Expected 'Integer'\. Actual 'String'"):
        plan([], outputs={"n": {"type": "int", "value": "x"}}).evaluate_outputs(no_reference)
