"""The functions added to the engine, their edge cases and their errors."""

from __future__ import annotations

import re

import pytest
from tpl_shared import SUB, evaluate, make_scope, no_reference, template

from mocks.resources import schema_types
from mocks.templates import TemplateError, prepare

CASES = [
    ("[json('{''a'': ''b''}').a]", "b"),
    ("[json('{a: [1, ''x'']}').a[1]]", "x"),
    ("[resourceId('Microsoft.Network/publicIPAddresses/', 'pip')]",
     f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/pip"),
    ("[greater('b', 'A')]", True),
    ("[less('a', 'A')]", True),
    ("[lessOrEquals('abc', 'ABC')]", True),
    ("[indexOf(createArray('a', 'A'), 'A')]", 1),
    ("[lastIndexOf(createArray(1, 2, 1), 1)]", 2),
    ("[indexOf('abcABC', 'C')]", 2),
    ("[dateTimeAdd('2020-01-31T00:00:00Z', 'P1M')]", "2020-02-29T00:00:00Z"),
    ("[dateTimeAdd('20200131T000000Z', 'PT90M', 'yyyy-MM-dd HH:mm')]", "2020-01-31 01:30"),
    ("[dateTimeAdd('2020-04-07T14:53:14Z', '-P1W', 'dddd, dd MMMM yyyy')]", "Tuesday, 31 March 2020"),
    ("[dateTimeToEpoch('1970-01-02T00:00:00Z')]", 86400),
    ("[dateTimeFromEpoch(0)]", "1970-01-01T00:00:00Z"),
    ("[parseCidr('192.168.1.0/31').firstUsable]", "192.168.1.0"),
    ("[cidrSubnet('10.0.0.0/16', 24, 255)]", "10.0.255.0/24"),
    ("[cidrHost('192.168.1.0/24', 253)]", "192.168.1.254"),
    ("[tryGet(createObject('a', createArray(1, 2)), 'a', 5)]", None),
    ("[tryGet(createObject('A', 1), 'a')]", 1),
    ("[indexFromEnd(createArray(1, 2, 3), 1)]", 3),
    ("[tryIndexFromEnd(createArray(1), 0)]", None),
    ("[shallowMerge(createArray(createObject('a', createObject('x', 1)), createObject('a', createObject('y', 2))))]",
     {"a": {"y": 2}}),
    ("[flatten(createArray(createArray(1), createArray(2, 3)))]", [1, 2, 3]),
    ("[float('2.5')]", 2.5),
    ("[map(createArray(1, 2), lambda('x', mul(lambdaVariables('x'), 10)))]", [10, 20]),
    ("[groupBy(createArray('ab', 'ac', 'b'), lambda('s', first(lambdaVariables('s'))))]",
     {"a": ["ab", "ac"], "b": ["b"]}),
    ("[mapValues(createObject('a', 1), lambda('v', add(lambdaVariables('v'), 1)))]", {"a": 2}),
    ("[reduce(createArray(1, 2, 3), 0, lambda('c', 'n', add(lambdaVariables('c'), lambdaVariables('n'))))]", 6),
    ("[map(createArray(1), lambda('x', map(createArray(2), lambda('y', add(lambdaVariables('x'), lambdaVariables('y'))))))]",
     [[3]]),
    ("[pickZones('Microsoft.Compute', 'virtualMachines', 'westeurope', 3)]", ["1", "2", "3"]),
    ("[pickZones('Microsoft.Compute', 'virtualMachines', 'westeurope', 2, 1)]", ["2", "3"]),
    ("[tenant().displayName]", "Local Azure"),
    ("[format('{0:C}', 1234)]", "\u00a41,234.00"),
    ("[format('{0:P1}', 1)]", "100.0 %"),
    ("[format('{0:E2}', 1234)]", "1.23E+003"),
    ("[format('{0:F3}', 2)]", "2.000"),
    ("[format('{0:x4}', 255)]", "00ff"),
    ("[format('{0:D5}', -42)]", "-00042"),
    ("[format('{0:N2}', float('1234.5'))]", "1,234.50"),
    ("[environment().suffixes.storage]", "core.windows.net"),
]  # fmt: skip


@pytest.mark.parametrize(("expression", "expected"), CASES)
def test_function_values(expression: str, expected: object) -> None:
    assert evaluate(expression) == expected


ERRORS = [
    ("[lambda('x', 1)]", "'lambda' is not expected at this location"),
    ("[map(createArray(1), 5)]", "must be a lambda function"),
    ("[filter(createArray(1), lambda('x', 1))]", "must return a Boolean"),
    ("[map(createArray(1), lambda('x', 'y', 1))]", "must declare '1' variable(s)"),
    (
        "[map(createArray(1), lambda('x', lambdaVariables('z')))]",
        "invalid lambda variable name 'z'",
    ),
    ("[parseCidr('10.0.0.0/33')]", "'10.0.0.0/33' is not a valid CIDR notation"),
    ("[cidrSubnet('10.0.0.0/24', 16, 0)]", "the new CIDR '16' must be between '24' and '32'"),
    ("[cidrSubnet('10.0.0.0/24', 25, 2)]", "subnet index '2' is out of range"),
    ("[cidrHost('10.0.0.0/30', 2)]", "host index '2' is out of range"),
    ("[dateTimeAdd('yesterday', 'P1D')]", "'yesterday' is not a valid date time"),
    ("[dateTimeAdd('2020-01-01T00:00:00Z', '1 day')]", "'1 day' is not a valid ISO 8601 duration"),
    ("[indexFromEnd(createArray(1), 2)]", "reverse index '2' is out of range"),
    ("[json('{bad')]", "not valid JSON"),
    ("[greater(1, 'a')]", "both be integers or both be strings"),
    ("[format('{0:D2}', float('1.5'))]", "the format specifier 'D2' is not valid for '1.5'"),
    ("[format('{0:Q}', 1)]", "the format specifier 'Q' is not valid"),
]


@pytest.mark.parametrize(("expression", "message"), ERRORS)
def test_function_errors_name_the_value(expression: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        evaluate(expression)
    assert message in caught.value.message


def test_utc_now_formats_in_parameter_defaults() -> None:
    scope = make_scope()
    scope.started = 1586271194.0  # 2020-04-07 14:53:14 UTC
    formats = {
        "default": "",
        "u": "u",
        "custom": "yyyy-MM-dd'T'HH:mm:ss.fffK",
        "short": "d",
        "t12": "h:mm tt",
    }
    params = {
        name: {"type": "string", "defaultValue": f"[utcNow('{fmt}')]" if fmt else "[utcNow()]"}
        for name, fmt in formats.items()
    }
    params["custom"]["defaultValue"] = "[utcNow('yyyy-MM-dd''T''HH:mm:ss.fffK')]"
    outputs = {n: {"type": "string", "value": f"[parameters('{n}')]"} for n in params}
    prepared = prepare(template(parameters=params, outputs=outputs), {}, scope)
    values = {k: v["value"] for k, v in prepared.evaluate_outputs(no_reference).items()}
    assert values == {
        "default": "20200407T145314Z",
        "u": "2020-04-07 14:53:14Z",
        "custom": "2020-04-07T14:53:14.000Z",
        "short": "04/07/2020",
        "t12": "2:53 PM",
    }


def test_new_guid_defaults_repeat_for_the_same_deployment_seed() -> None:
    def run(seed: str) -> str:
        scope = make_scope()
        scope.guid_seed = seed
        tpl = template(
            parameters={"g": {"type": "string", "defaultValue": "[newGuid()]"}},
            outputs={"g": {"type": "string", "value": "[parameters('g')]"}},
        )
        return str(prepare(tpl, {}, scope).evaluate_outputs(no_reference)["g"]["value"])

    first = run("deployment-a")
    assert first == run("deployment-a") != run("deployment-b")
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first
    )


def test_load_balancer_port_strings_become_the_schemas_integers() -> None:
    body = {"properties": {"loadBalancingRules": [{"name": "r", "properties": {
        "frontendPort": "50101", "backendPort": "443", "enableFloatingIP": "false",
        "protocol": "Tcp"}}]}}  # fmt: skip
    rule = schema_types.coerce("Microsoft.Network/loadBalancers", body)["properties"]
    props = rule["loadBalancingRules"][0]["properties"]
    assert props == {
        "frontendPort": 50101,
        "backendPort": 443,
        "enableFloatingIP": False,
        "protocol": "Tcp",
    }


def test_a_string_that_is_no_number_is_left_for_the_provider_to_refuse() -> None:
    body = {"properties": {"securityRules": [{"properties": {"priority": "high"}}]}}
    coerced = schema_types.coerce("Microsoft.Network/networkSecurityGroups", body)
    assert coerced["properties"]["securityRules"][0]["properties"]["priority"] == "high"
