"""Every template function, as a template author sees its result."""

from __future__ import annotations

import base64
import re

import pytest
from tpl_shared import RG_ID, SUB, TENANT, evaluate

from mocks.templates import TemplateError

CASES = [
    ("[concat('a', 'b', 1)]", "ab1"),
    ("[concat(createArray(1), createArray(2, 3))]", [1, 2, 3]),
    ("[format('{0}-{1:D3}-{2}', 'x', 7, true)]", "x-007-True"),
    ("[format('{{literal}} {0,4}|{0,-4}|', 'ab')]", "{literal}   ab|ab  |"),
    ("[toLower('AbC')]", "abc"),
    ("[toUpper('AbC')]", "ABC"),
    ("[trim('  x  ')]", "x"),
    ("[replace('a-b-c', '-', '')]", "abc"),
    ("[substring('abcdef', 2, 3)]", "cde"),
    ("[substring('abcdef', 4)]", "ef"),
    ("[padLeft(7, 3, '0')]", "007"),
    ("[split('a,b;c', createArray(',', ';'))]", ["a", "b", "c"]),
    ("[split('a.b', '.')]", ["a", "b"]),
    ("[join(createArray('a', 'b'), '+')]", "a+b"),
    ("[string(createObject('a', 1))]", '{"a":1}'),
    ("[string(false)]", "False"),
    ("[int('42')]", 42),
    ("[bool('TRUE')]", True),
    ("[bool(0)]", False),
    ("[json('{\"a\": [1]}').a[0]]", 1),
    ("[json('null')]", None),
    ("[base64('hi')]", "aGk="),
    ("[base64ToString('aGk=')]", "hi"),
    ("[base64ToJson('eyJhIjogMn0=').a]", 2),
    ("[dataUri('Hello')]", "data:text/plain;charset=utf8;base64,SGVsbG8="),
    ("[dataUriToString('data:text/plain;charset=utf8;base64,SGVsbG8=')]", "Hello"),
    ("[uri('https://x.test/a/b', 'c')]", "https://x.test/a/c"),
    ("[uri('https://x.test/a/', 'c')]", "https://x.test/a/c"),
    ("[uriComponent('a b/c')]", "a%20b%2Fc"),
    ("[uriComponentToString('a%20b')]", "a b"),
    ("[startsWith('Hello', 'he')]", True),
    ("[endsWith('Hello', 'LO')]", True),
    ("[indexOf('Hello', 'L')]", 2),
    ("[lastIndexOf('Hello', 'l')]", 3),
    ("[indexOf('Hello', 'z')]", -1),
    ("[if(equals(1, 1), 'yes', 'no')]", "yes"),
    ("[if(false(), reference('nowhere').x, 'lazy')]", "lazy"),
    ("[equals(createArray(1, 'a'), createArray(1, 'a'))]", True),
    ("[equals('A', 'a')]", False),
    ("[not(true)]", False),
    ("[and(true, true, false)]", False),
    ("[or(false, true)]", True),
    ("[greater(3, 2)]", True),
    ("[greater('b', 'a')]", True),
    ("[greaterOrEquals(2, 2)]", True),
    ("[less(1, 2)]", True),
    ("[lessOrEquals(3, 2)]", False),
    ("[add(2, 3)]", 5),
    ("[sub(2, 3)]", -1),
    ("[mul(4, 3)]", 12),
    ("[div(7, 2)]", 3),
    ("[div(-7, 2)]", -3),
    ("[mod(7, 3)]", 1),
    ("[mod(-7, 3)]", -1),
    ("[min(4, 2, 9)]", 2),
    ("[max(createArray(4, 2, 9))]", 9),
    ("[range(10124, 3)]", [10124, 10125, 10126]),
    ("[empty('')]", True),
    ("[empty(createObject())]", True),
    ("[empty(createArray(1))]", False),
    ("[empty(null())]", True),
    ("[contains('abc', 'b')]", True),
    ("[contains(createObject('Key', 1), 'key')]", True),
    ("[contains(createArray(1, 2), 3)]", False),
    ("[length('abc')]", 3),
    ("[length(createArray(1, 2))]", 2),
    ("[length(createObject('a', 1))]", 1),
    (
        "[union(createObject('a', 1, 'n', createObject('x', 1)), createObject('b', 2, 'n', createObject('y', 2)))]",
        {"a": 1, "n": {"x": 1, "y": 2}, "b": 2},
    ),
    ("[union(createArray(1, 2), createArray(2, 3))]", [1, 2, 3]),
    ("[intersection(createArray(1, 2, 3), createArray(3, 2, 5))]", [2, 3]),
    ("[intersection(createObject('a', 1, 'b', 2), createObject('a', 1, 'b', 3))]", {"a": 1}),
    ("[createArray('a', 1)]", ["a", 1]),
    ("[array('x')]", ["x"]),
    ("[array(createArray(1))]", [1]),
    ("[createObject('a', 1, 'b', createArray())]", {"a": 1, "b": []}),
    ("[first(createArray(5, 6))]", 5),
    ("[first('xyz')]", "x"),
    ("[last(createArray(5, 6))]", 6),
    ("[last('')]", ""),
    ("[take('abcdef', 9)]", "abcdef"),
    ("[take(createArray(1, 2, 3), 2)]", [1, 2]),
    ("[skip('abcdef', 4)]", "ef"),
    ("[skip(createArray(1, 2, 3), 2)]", [3]),
    ("[coalesce(null(), null(), 'c', 'd')]", "c"),
    ("[items(createObject('b', 2, 'a', 1))]", [{"key": "a", "value": 1}, {"key": "b", "value": 2}]),
    ("[objectKeys(createObject('b', 2, 'a', 1))]", ["b", "a"]),
    ("[resourceGroup().location]", "westeurope"),
    ("[resourceGroup().id]", RG_ID),
    ("[resourceGroup().name]", "rg1"),
    ("[resourceGroup().tags.owner]", "ops"),
    ("[resourceGroup().properties.provisioningState]", "Succeeded"),
    ("[subscription().subscriptionId]", SUB),
    ("[subscription().tenantId]", TENANT),
    ("[subscription().id]", f"/subscriptions/{SUB}"),
    ("[tenant().tenantId]", TENANT),
    ("[deployment().name]", "dep1"),
    ("[environment().suffixes.storage]", "core.windows.net"),
    ("[environment().Suffixes.Storage]", "core.windows.net"),
    (
        "[resourceId('Microsoft.Network/publicIPAddresses', 'pip')]",
        f"{RG_ID}/providers/Microsoft.Network/publicIPAddresses/pip",
    ),
    (
        "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'sn')]",
        f"{RG_ID}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/sn",
    ),
    (
        "[resourceId('otherrg', 'Microsoft.Storage/storageAccounts', 'st')]",
        f"/subscriptions/{SUB}/resourceGroups/otherrg/providers/Microsoft.Storage/storageAccounts/st",
    ),
    (
        "[resourceId('s2', 'rg2', 'Microsoft.Storage/storageAccounts', 'st')]",
        "/subscriptions/s2/resourceGroups/rg2/providers/Microsoft.Storage/storageAccounts/st",
    ),
    (
        "[subscriptionResourceId('Microsoft.Resources/resourceGroups', 'rg9')]",
        f"/subscriptions/{SUB}/providers/Microsoft.Resources/resourceGroups/rg9",
    ),
    (
        "[tenantResourceId('Microsoft.Management/managementGroups', 'mg')]",
        "/providers/Microsoft.Management/managementGroups/mg",
    ),
    ("[true()]", True),
    ("[null()]", None),
    ("[[not an expression]", "[not an expression]"),
    ("plain text", "plain text"),
    ("[concat('it''s', ' ok')]", "it's ok"),
    ("[createArray(10, 20, 30)[1]]", 20),
    ("[createObject('a', createObject('b', 'deep')).a.b]", "deep"),
    ("[createObject('k', 1)['k']]", 1),
]


@pytest.mark.parametrize(("expression", "expected"), CASES)
def test_function_results(expression: str, expected: object) -> None:
    assert evaluate(expression) == expected


def test_unique_string_is_13_lowercase_chars_and_deterministic() -> None:
    first = evaluate("[uniqueString(resourceGroup().id, 'x')]")
    assert re.fullmatch(r"[a-z0-9]{13}", first)
    assert evaluate("[uniqueString(resourceGroup().id, 'x')]") == first
    assert evaluate("[uniqueString(resourceGroup().id, 'y')]") != first


def test_guid_is_deterministic_uuid() -> None:
    value = evaluate("[guid('a', 'b')]")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", value)
    assert value == evaluate("[guid('a', 'b')]") != evaluate("[guid('a', 'c')]")


def test_deployment_template_hash_is_numeric() -> None:
    assert evaluate("[deployment().properties.templateHash]").isdigit()


def test_utc_now_allowed_only_in_parameter_defaults() -> None:
    params = {"stamp": {"type": "string", "defaultValue": "[utcNow('yyyyMMdd')]"}}
    assert re.fullmatch(r"\d{8}", evaluate("[parameters('stamp')]", parameters=params))
    with pytest.raises(TemplateError, match="utcNow' is not expected at this location"):
        evaluate("[utcNow()]")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("[substring('abc', 2, 5)]", "must refer to a location within the string"),
        ("[div(1, 0)]", "divisor must not be zero"),
        ("[add('1', 2)]", "'add'"),
        ("[int('x')]", "cannot be converted to an integer"),
        ("[createObject('a')]", "even number of arguments"),
        ("[resourceId('a', 'b')]", "multi-segmented argument"),
        ("[resourceId('Microsoft.Network/virtualNetworks/subnets', 'onlyone')]", "multi-segmented"),
        ("[createArray(1)[5]]", "index '5' is out of bounds"),
        ("[createObject('a', 1).b]", "property 'b' doesn't exist, available properties are 'a'"),
        ("[toLower()]", "function requires exactly '1' argument(s)"),
        ("[copyIndex()]", "copyIndex' is not expected at this location"),
        ("[base64ToString('%%%')]", "not a valid base64 string"),
        ("[listKeys('x', '2020-01-01')]", "could not find template resource"),
    ],
)
def test_function_errors_are_invalid_template(expression: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        evaluate(expression)
    assert caught.value.code in ("InvalidTemplate", "DeploymentOutputEvaluationFailed")
    assert message in caught.value.message


def test_base64_round_trip_of_arbitrary_text() -> None:
    text = "pfx:\u00e9"
    encoded = base64.b64encode(text.encode()).decode()
    assert evaluate(f"[base64ToString('{encoded}')]") == text
