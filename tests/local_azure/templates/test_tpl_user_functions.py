"""User-defined functions: namespace.name(args), their own parameters only, nesting,
type checks and ARM's restrictions."""

from __future__ import annotations

from typing import Any

import pytest
from tpl_shared import make_scope, no_reference, template

from mocks.templates import TemplateError, prepare, unique_string

RG_ID = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg1"


def functions(**members: Any) -> list[dict[str, Any]]:
    return [{"namespace": "contoso", "members": members}]


UNIQUE_NAME = {
    "parameters": [{"name": "namePrefix", "type": "string"}],
    "output": {
        "type": "string",
        "value": "[concat(toLower(parameters('namePrefix')), uniqueString(resourceGroup().id))]",
    },
}


def outputs_of(tpl: dict[str, Any], values: dict | None = None) -> dict[str, Any]:
    prepared = prepare(tpl, values or {}, make_scope())
    return {k: v["value"] for k, v in prepared.evaluate_outputs(no_reference).items()}


def test_the_docs_unique_name_function() -> None:
    tpl = template(
        functions=functions(uniqueName=UNIQUE_NAME),
        parameters={"storageNamePrefix": {"type": "string", "defaultValue": "Store"}},
        outputs={"name": {"type": "string",
                          "value": "[contoso.uniqueName(parameters('storageNamePrefix'))]"}},
    )  # fmt: skip
    assert outputs_of(tpl) == {"name": "store" + unique_string(RG_ID)}


def test_a_function_calls_another_and_checks_its_types() -> None:
    double = {"parameters": [{"name": "x", "type": "int"}],
              "output": {"type": "int", "value": "[mul(parameters('x'), 2)]"}}  # fmt: skip
    quad = {"parameters": [{"name": "x", "type": "int"}],
            "output": {"type": "int", "value": "[contoso.double(contoso.double(parameters('x')))]"}}  # fmt: skip
    tpl = template(functions=functions(double=double, quad=quad),
                   outputs={"q": {"type": "int", "value": "[contoso.quad(3)]"}})  # fmt: skip
    assert outputs_of(tpl) == {"q": 12}
    bad = template(functions=functions(double=double),
                   outputs={"q": {"type": "int", "value": "[contoso.double('3')]"}})  # fmt: skip
    with pytest.raises(TemplateError, match="Expected 'Integer'"):
        outputs_of(bad)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[variables('v')]", "cannot call 'variables'"),
        ("[reference('x').id]", "cannot call 'reference'"),
        ("[parameters('other')]", "can only use its own parameters"),
    ],
)
def test_what_a_user_defined_function_cannot_do(value: str, message: str) -> None:
    member = {
        "parameters": [{"name": "p", "type": "string"}],
        "output": {"type": "string", "value": value},
    }
    tpl = template(
        functions=functions(f=member),
        variables={"v": "x"},
        parameters={"other": {"type": "string", "defaultValue": "o"}},
        outputs={"o": {"type": "string", "value": "[contoso.f('a')]"}},
    )
    with pytest.raises(TemplateError, match=message):
        outputs_of(tpl)


def test_an_undeclared_namespaced_function_is_arms_not_valid() -> None:
    tpl = template(outputs={"o": {"type": "string", "value": "[other.f()]"}})
    with pytest.raises(TemplateError, match=r"The template function 'other\.f' is not valid"):
        outputs_of(tpl)


def test_argument_count_is_checked() -> None:
    tpl = template(functions=functions(uniqueName=UNIQUE_NAME),
                   outputs={"o": {"type": "string", "value": "[contoso.uniqueName('a', 'b')]"}})  # fmt: skip
    with pytest.raises(TemplateError, match="expects '1' argument"):
        outputs_of(tpl)
