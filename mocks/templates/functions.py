"""The template functions: a registry from (case-insensitive) name to implementation.

Each implementation takes the evaluated arguments (``if``, ``and``, ``or`` and
``coalesce`` take the unevaluated nodes: ARM evaluates them lazily).  ``list*``
functions (``listKeys`` …) are resource actions: at deployment time they go to the
resolver's ``list_action`` hook (the deployment driver asks the resource's provider),
like ``reference()``.  More functions register from ``functions_date``,
``functions_cidr``, ``functions_lambda`` and ``functions_more``; ``namespace.name(…)``
calls the template's user-defined functions (``user_functions``).  ``uniqueString``
does not reproduce Azure's exact values (same shape, deterministic).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

from .errors import UNSUPPORTED, TemplateError, Unresolved
from .evaluator import (
    STAGE_DISCOVERY,
    STAGE_PARAMETER_DEFAULT,
    STAGE_RUNTIME,
    Context,
    evaluate_node,
    type_name,
)
from .expressions import Call, Node

Impl = Callable[[Context, list[Any]], Any]
LazyImpl = Callable[[Context, tuple[Node, ...]], Any]

FUNCTIONS: dict[str, tuple[Impl, int, int | None]] = {}
SPELLINGS: dict[str, str] = {}  # lower-case name -> ARM's spelling
LAZY_FUNCTIONS: dict[str, tuple[LazyImpl, int, int | None]] = {}
LIST_PREFIX = "list"  # listKeys, listSecrets, listAccountSas …: resource actions


def function(name: str, min_args: int = 0, max_args: int | None = None) -> Callable[[Impl], Impl]:
    """Register a template function taking evaluated arguments."""

    def register(impl: Impl) -> Impl:
        FUNCTIONS[name.lower()] = (impl, min_args, max_args)
        SPELLINGS[name.lower()] = name
        return impl

    return register


def lazy_function(
    name: str, min_args: int = 0, max_args: int | None = None
) -> Callable[[LazyImpl], LazyImpl]:
    """Register a template function that evaluates its own arguments."""

    def register(impl: LazyImpl) -> LazyImpl:
        LAZY_FUNCTIONS[name.lower()] = (impl, min_args, max_args)
        SPELLINGS[name.lower()] = name
        return impl

    return register


def is_known_function(name: str) -> bool:
    """True when the engine implements the function (any case)."""
    key = name.lower()
    return key in FUNCTIONS or key in LAZY_FUNCTIONS


def unknown_function(name: str) -> TemplateError:
    """ARM's error for a function it does not know."""
    return TemplateError(
        f"The template function '{name}' is not valid. Please see "
        "https://aka.ms/arm-functions for usage details."
    )


def unsupported_function(name: str, why: str = "") -> TemplateError:
    """A real ARM function that the local Azure does not simulate (loud, named)."""
    return TemplateError(
        f"The template function '{name}' is not supported by the local Azure{why}.",
        code=UNSUPPORTED,
    )


def _check_arity(name: str, count: int, min_args: int, max_args: int | None) -> None:
    if count < min_args or (max_args is not None and count > max_args):
        if max_args == min_args:
            wanted = f"exactly '{min_args}'"
        elif max_args is None:
            wanted = f"at least '{min_args}'"
        else:
            wanted = f"between '{min_args}' and '{max_args}'"
        raise TemplateError(
            f"Unable to evaluate template language function '{name}': function requires "
            f"{wanted} argument(s) while '{count}' were provided. Please see "
            "https://aka.ms/arm-functions for usage details."
        )


def call_function(node: Call, ctx: Context) -> Any:
    """Evaluate a call node."""
    key = node.name.lower()
    if key in LAZY_FUNCTIONS:
        lazy, lo, hi = LAZY_FUNCTIONS[key]
        _check_arity(node.name, len(node.args), lo, hi)
        return lazy(ctx, node.args)
    if "." in key:
        from .user_functions import call_user_function

        return call_user_function(node.name, [evaluate_node(a, ctx) for a in node.args], ctx)
    if key not in FUNCTIONS:
        if key.startswith(LIST_PREFIX) and len(key) > len(LIST_PREFIX):
            args = [evaluate_node(arg, ctx) for arg in node.args]
            _check_arity(node.name, len(args), 2, 3)
            return list_action(ctx, node.name, args)
        raise unknown_function(node.name)
    impl, lo, hi = FUNCTIONS[key]
    _check_arity(node.name, len(node.args), lo, hi)
    return impl(ctx, [evaluate_node(arg, ctx) for arg in node.args])


def _fail(name: str, why: str) -> TemplateError:
    return TemplateError(f"Unable to evaluate template language function '{name}': {why}")


def _want(name: str, value: Any, *kinds: type) -> Any:
    ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
    if not ok:
        wanted = " or ".join(type_name(k()) if k is not type(None) else "Null" for k in kinds)
        raise _fail(
            name, f"the argument of type '{type_name(value)}' is not valid; expected {wanted}."
        )
    return value


def to_string(value: Any) -> str:
    """ARM's ``string()``: JSON for objects/arrays, ``True``/``False`` for booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


# --- deployment values --------------------------------------------------------------


@function("parameters", 1, 1)
def _parameters(ctx: Context, args: list[Any]) -> Any:
    return ctx.deployment.parameter_value(_want("parameters", args[0], str))


@function("variables", 1, 1)
def _variables(ctx: Context, args: list[Any]) -> Any:
    if ctx.stage == STAGE_PARAMETER_DEFAULT:
        raise TemplateError("The template function 'variables' is not expected at this location.")
    return ctx.deployment.variable_value(_want("variables", args[0], str))


@function("copyIndex", 0, 2)
def _copy_index(ctx: Context, args: list[Any]) -> int:
    name: str | None = None
    offset = 0
    for arg in args:
        if isinstance(arg, str):
            name = arg
        else:
            offset = _want("copyIndex", arg, int)
    return ctx.copy_index(name) + offset


@function("resourceGroup", 0, 0)
def _resource_group(ctx: Context, args: list[Any]) -> dict:
    scope = ctx.deployment.scope
    return {
        "id": f"/subscriptions/{scope.subscription_id}/resourceGroups/{scope.resource_group}",
        "name": scope.resource_group,
        "type": "Microsoft.Resources/resourceGroups",
        "location": scope.resource_group_location,
        "tags": dict(scope.resource_group_tags),
        "properties": {"provisioningState": "Succeeded"},
    }


@function("subscription", 0, 0)
def _subscription(ctx: Context, args: list[Any]) -> dict:
    scope = ctx.deployment.scope
    return {
        "id": f"/subscriptions/{scope.subscription_id}",
        "subscriptionId": scope.subscription_id,
        "tenantId": scope.tenant_id,
        "displayName": scope.subscription_display_name,
    }


@function("tenant", 0, 0)
def _tenant(ctx: Context, args: list[Any]) -> dict:
    tenant_id = ctx.deployment.scope.tenant_id
    return {
        "countryCode": ctx.deployment.scope.tenant_country_code,
        "displayName": ctx.deployment.scope.tenant_display_name,
        "id": f"/tenants/{tenant_id}",
        "tenantId": tenant_id,
    }


@function("deployment", 0, 0)
def _deployment(ctx: Context, args: list[Any]) -> dict:
    dep = ctx.deployment
    properties: dict[str, Any] = {}
    if dep.scope.template_link:
        properties["templateLink"] = dict(dep.scope.template_link)
    properties.update(
        template=json.loads(json.dumps(dep.template)),
        templateHash=dep.template_hash,
        parameters=json.loads(json.dumps(dep.supplied)),
        mode=dep.scope.mode,
        provisioningState="Accepted",
    )
    result: dict[str, Any] = {"name": dep.scope.deployment_name}
    if not dep.scope.resource_group:
        result["location"] = dep.scope.deployment_location
    result["properties"] = properties
    return result


@function("environment", 0, 0)
def _environment(ctx: Context, args: list[Any]) -> dict:
    return json.loads(json.dumps(ctx.deployment.scope.environment))


@function("newGuid", 0, 0)
def _new_guid(ctx: Context, args: list[Any]) -> str:
    if ctx.stage not in (STAGE_PARAMETER_DEFAULT, STAGE_DISCOVERY):
        raise TemplateError(
            "The template function 'newGuid' is not expected at this location. It can only "
            "be used in the default value of a parameter."
        )
    return ctx.deployment.new_guid()


# --- resource ids and reference -----------------------------------------------------

_TYPE_RE = re.compile(r"^[A-Za-z0-9]+(\.[A-Za-z0-9]+)+/[^/]+(/[^/]+)*$")


def _split_type_and_names(name: str, args: list[Any]) -> tuple[list[str], str, list[str]]:
    strings = [_want(name, a, str) for a in args]
    for pos, arg in enumerate(strings):
        rtype = arg.strip("/")  # ARM accepts 'Microsoft.Network/publicIPAddresses/'
        if _TYPE_RE.match(rtype):
            names = [seg for n in strings[pos + 1 :] for seg in n.split("/")]
            type_segments = rtype.split("/")[1:]
            if len(names) != len(type_segments):
                break
            return strings[:pos], rtype, names
    raise _fail(
        name,
        "function requires exactly one multi-segmented argument which must be resource "
        "type including resource provider namespace, followed by one name per type "
        f"segment. Current function arguments '{', '.join(strings)}'. Please see "
        "https://aka.ms/arm-resourceid for usage details.",
    )


def provider_path(type_name_: str, names: list[str]) -> str:
    """``providers/NS/t1/n1/t2/n2`` for a resource type and its name segments."""
    parts = type_name_.split("/")
    path = f"providers/{parts[0]}"
    for seg_type, seg_name in zip(parts[1:], names, strict=True):
        path += f"/{seg_type}/{seg_name}"
    return path


@function("resourceId", 2)
def _resource_id(ctx: Context, args: list[Any]) -> str:
    prefix, rtype, names = _split_type_and_names("resourceId", args)
    scope = ctx.deployment.scope
    if len(prefix) > 2:
        raise _fail("resourceId", "too many arguments before the resource type.")
    sub = prefix[0] if len(prefix) == 2 else scope.subscription_id
    rg = prefix[-1] if prefix else scope.resource_group
    return f"/subscriptions/{sub}/resourceGroups/{rg}/{provider_path(rtype, names)}"


@function("subscriptionResourceId", 2)
def _subscription_resource_id(ctx: Context, args: list[Any]) -> str:
    prefix, rtype, names = _split_type_and_names("subscriptionResourceId", args)
    if len(prefix) > 1:
        raise _fail("subscriptionResourceId", "too many arguments before the resource type.")
    sub = prefix[0] if prefix else ctx.deployment.scope.subscription_id
    return f"/subscriptions/{sub}/{provider_path(rtype, names)}"


@function("tenantResourceId", 2)
def _tenant_resource_id(ctx: Context, args: list[Any]) -> str:
    prefix, rtype, names = _split_type_and_names("tenantResourceId", args)
    if prefix:
        raise _fail("tenantResourceId", "unexpected arguments before the resource type.")
    return f"/{provider_path(rtype, names)}"


@function("extensionResourceId", 3)
def _extension_resource_id(ctx: Context, args: list[Any]) -> str:
    base = _want("extensionResourceId", args[0], str).rstrip("/")
    _, rtype, names = _split_type_and_names("extensionResourceId", args[1:])
    return f"{base}/{provider_path(rtype, names)}"


@function("reference", 1, 3)
def _reference(ctx: Context, args: list[Any]) -> Any:
    target = _want("reference", args[0], str)
    api_version = _want("reference", args[1], str) if len(args) > 1 else None
    full = len(args) > 2 and str(args[2]).lower() == "full"
    if ctx.stage != STAGE_RUNTIME or ctx.resolver is None:
        raise TemplateError(
            "The template function 'reference' is not expected at this location. Please see "
            "https://aka.ms/arm-functions#reference for usage details."
        )
    resource_id = ctx.deployment.resolve_reference_target(target)
    result = ctx.resolver(resource_id, api_version, full)
    if result is None:
        raise Unresolved(resource_id)
    return result


def list_action(ctx: Context, name: str, args: list[Any]) -> Any:
    """``listKeys(resourceNameOrId, apiVersion[, body])`` and the other ``list*``: the
    action's answer for the resource, through the resolver's ``list_action`` hook."""
    target = _want(name, args[0], str)
    api_version = _want(name, args[1], str)
    if ctx.stage != STAGE_RUNTIME or ctx.resolver is None:
        raise TemplateError(
            f"The template function '{name}' is not expected at this location. Please see "
            "https://aka.ms/arm-functions#list for usage details."
        )
    resource_id = ctx.deployment.resolve_reference_target(target)
    invoke = getattr(ctx.resolver, "list_action", None)
    if invoke is None:  # what-if: the action's answer is not known before deployment
        raise Unresolved(resource_id)
    return invoke(resource_id, name, api_version, args[2] if len(args) > 2 else None)


# --- logical and comparison ---------------------------------------------------------


@lazy_function("if", 3, 3)
def _if(ctx: Context, nodes: tuple[Node, ...]) -> Any:
    condition = evaluate_node(nodes[0], ctx)
    _want("if", condition, bool)
    return evaluate_node(nodes[1] if condition else nodes[2], ctx)


@lazy_function("and", 2)
def _and(ctx: Context, nodes: tuple[Node, ...]) -> bool:
    return all(_want("and", evaluate_node(n, ctx), bool) for n in nodes)


@lazy_function("or", 2)
def _or(ctx: Context, nodes: tuple[Node, ...]) -> bool:
    return any(_want("or", evaluate_node(n, ctx), bool) for n in nodes)


@lazy_function("coalesce", 1)
def _coalesce(ctx: Context, nodes: tuple[Node, ...]) -> Any:
    for node in nodes:
        value = evaluate_node(node, ctx)
        if value is not None:
            return value
    return None


@function("not", 1, 1)
def _not(ctx: Context, args: list[Any]) -> bool:
    return not _want("not", args[0], bool)


@function("true", 0, 0)
def _true(ctx: Context, args: list[Any]) -> bool:
    return True


@function("false", 0, 0)
def _false(ctx: Context, args: list[Any]) -> bool:
    return False


@function("null", 0, 0)
def _null(ctx: Context, args: list[Any]) -> None:
    return None


@function("equals", 2, 2)
def _equals(ctx: Context, args: list[Any]) -> bool:
    left, right = args
    if isinstance(left, bool) != isinstance(right, bool):
        return False
    return bool(left == right)


def _comparable(name: str, args: list[Any]) -> tuple[Any, Any]:
    left, right = args
    both_number = all(isinstance(a, int | float) and not isinstance(a, bool) for a in args)
    if both_number:
        return left, right
    if not all(isinstance(a, str) for a in args):
        raise _fail(name, "the arguments must both be integers or both be strings.")
    return culture_sort_key(left), culture_sort_key(right)


def culture_sort_key(text: str) -> tuple[str, str]:
    """Order strings as ARM's culture-aware comparison does: case-insensitively first,
    then a lower-case letter before its upper-case form (so ``greater('A', 'a')``)."""
    return text.casefold(), text.swapcase()


@function("greater", 2, 2)
def _greater(ctx: Context, args: list[Any]) -> bool:
    left, right = _comparable("greater", args)
    return bool(left > right)


@function("greaterOrEquals", 2, 2)
def _greater_or_equals(ctx: Context, args: list[Any]) -> bool:
    left, right = _comparable("greaterOrEquals", args)
    return bool(left >= right)


@function("less", 2, 2)
def _less(ctx: Context, args: list[Any]) -> bool:
    left, right = _comparable("less", args)
    return bool(left < right)


@function("lessOrEquals", 2, 2)
def _less_or_equals(ctx: Context, args: list[Any]) -> bool:
    left, right = _comparable("lessOrEquals", args)
    return bool(left <= right)


# --- numbers ------------------------------------------------------------------------


def _ints(name: str, args: list[Any]) -> list[int]:
    return [_want(name, a, int) for a in args]


@function("add", 2, 2)
def _add(ctx: Context, args: list[Any]) -> int:
    a, b = _ints("add", args)
    return a + b


@function("sub", 2, 2)
def _sub(ctx: Context, args: list[Any]) -> int:
    a, b = _ints("sub", args)
    return a - b


@function("mul", 2, 2)
def _mul(ctx: Context, args: list[Any]) -> int:
    a, b = _ints("mul", args)
    return a * b


@function("div", 2, 2)
def _div(ctx: Context, args: list[Any]) -> int:
    a, b = _ints("div", args)
    if b == 0:
        raise _fail("div", "the divisor must not be zero.")
    # .NET integer division truncates toward zero (Python's // floors).
    return (abs(a) // abs(b)) * (1 if (a < 0) == (b < 0) else -1)


@function("mod", 2, 2)
def _mod(ctx: Context, args: list[Any]) -> int:
    a, b = _ints("mod", args)
    if b == 0:
        raise _fail("mod", "the divisor must not be zero.")
    # The remainder takes the dividend's sign, as in .NET.
    return a - b * _div(ctx, args)


def _numbers_or_array(name: str, args: list[Any]) -> list[int]:
    values = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    if not values:
        raise _fail(name, "the array must not be empty.")
    return _ints(name, values)


@function("min", 1)
def _min(ctx: Context, args: list[Any]) -> int:
    return min(_numbers_or_array("min", args))


@function("max", 1)
def _max(ctx: Context, args: list[Any]) -> int:
    return max(_numbers_or_array("max", args))


@function("int", 1, 1)
def _int(ctx: Context, args: list[Any]) -> int:
    value = args[0]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(_want("int", value, str).strip())
    except ValueError:
        raise _fail("int", f"the value '{value}' cannot be converted to an integer.") from None


@function("bool", 1, 1)
def _bool(ctx: Context, args: list[Any]) -> bool:
    value = args[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = _want("bool", value, str).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise _fail("bool", f"the value '{value}' cannot be converted to a boolean.")


@function("range", 2, 2)
def _range(ctx: Context, args: list[Any]) -> list[int]:
    start, count = _ints("range", args)
    if count < 0 or count > 10000:
        raise _fail("range", "the count must be between 0 and 10000.")
    return list(range(start, start + count))


# --- strings ------------------------------------------------------------------------


@function("concat", 1)
def _concat(ctx: Context, args: list[Any]) -> Any:
    if all(isinstance(a, list) for a in args):
        return [item for a in args for item in a]
    if any(isinstance(a, list | dict) for a in args):
        raise _fail("concat", "all arguments must be arrays, or none of them objects/arrays.")
    return "".join(to_string(a) for a in args)


@function("string", 1, 1)
def _string(ctx: Context, args: list[Any]) -> str:
    return to_string(args[0])


@function("toLower", 1, 1)
def _to_lower(ctx: Context, args: list[Any]) -> str:
    return str(_want("toLower", args[0], str)).lower()


@function("toUpper", 1, 1)
def _to_upper(ctx: Context, args: list[Any]) -> str:
    return str(_want("toUpper", args[0], str)).upper()


@function("trim", 1, 1)
def _trim(ctx: Context, args: list[Any]) -> str:
    return str(_want("trim", args[0], str)).strip()


@function("replace", 3, 3)
def _replace(ctx: Context, args: list[Any]) -> str:
    text, old, new = (_want("replace", a, str) for a in args)
    return str(text).replace(old, new) if old else str(text)


@function("substring", 2, 3)
def _substring(ctx: Context, args: list[Any]) -> str:
    text = _want("substring", args[0], str)
    start = _want("substring", args[1], int)
    length = _want("substring", args[2], int) if len(args) > 2 else len(text) - start
    if start < 0 or length < 0 or start + length > len(text):
        raise _fail(
            "substring",
            "The index and length parameters must refer to a location within the string. "
            f"The index parameter: '{start}', the length parameter: '{length}', the length "
            f"of the string parameter: '{len(text)}'.",
        )
    return str(text[start : start + length])


@function("padLeft", 2, 3)
def _pad_left(ctx: Context, args: list[Any]) -> str:
    value = to_string(args[0])
    width = _want("padLeft", args[1], int)
    pad = _want("padLeft", args[2], str) if len(args) > 2 else " "
    if len(pad) != 1:
        raise _fail("padLeft", "the padding character must be a single character.")
    return value.rjust(width, pad)


@function("split", 2, 2)
def _split(ctx: Context, args: list[Any]) -> list[str]:
    text = _want("split", args[0], str)
    delimiters = args[1] if isinstance(args[1], list) else [_want("split", args[1], str)]
    pattern = "|".join(re.escape(_want("split", d, str)) for d in delimiters if d)
    return re.split(pattern, text) if pattern else [text]


@function("join", 2, 2)
def _join(ctx: Context, args: list[Any]) -> str:
    items = _want("join", args[0], list)
    return str(_want("join", args[1], str)).join(to_string(i) for i in items)


@function("format", 1)
def _format(ctx: Context, args: list[Any]) -> str:
    return dotnet_format(_want("format", args[0], str), args[1:])


_FORMAT_ITEM = re.compile(r"\{\{|\}\}|\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}")


def dotnet_format(pattern: str, values: list[Any]) -> str:
    """.NET composite formatting (``{0}``, ``{0,5}``, ``{0:D3}``, ``{0:N2}``, ``{0:X}``)."""

    def item(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        position = int(match.group(1))
        if position >= len(values):
            raise _fail("format", "Index (zero based) must be less than the argument count.")
        text = _format_value(values[position], match.group(3) or "")
        align = int(match.group(2) or 0)
        return text.rjust(align) if align > 0 else text.ljust(-align)

    return _FORMAT_ITEM.sub(item, pattern)


def _format_value(value: Any, spec: str) -> str:
    """.NET standard numeric format strings (invariant culture) for numbers."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not spec or not number:
        return to_string(value)
    kind, precision = spec[0], spec[1:]
    if not precision.isdigit() and precision:
        raise _fail("format", f"the format specifier '{spec}' is not a valid numeric format.")
    formatter = _NUMERIC_FORMATS.get(kind.upper())
    if formatter is None or (kind.upper() in "DX" and not isinstance(value, int)):
        raise _fail("format", f"the format specifier '{spec}' is not valid for '{value}'.")
    text = formatter(value, int(precision) if precision else None)
    return text.lower() if kind in "xe" else text


def _fixed(value: float, digits: int | None, grouping: bool = False) -> str:
    places = 2 if digits is None else digits
    return f"{value:,.{places}f}" if grouping else f"{value:.{places}f}"


def _exponent(value: float, digits: int | None) -> str:
    mantissa, _, power = f"{value:.{6 if digits is None else digits}E}".partition("E")
    sign, number = power[0], power[1:].lstrip("0") or "0"
    return f"{mantissa}E{sign}{number.zfill(3)}"


def _decimal(value: int, digits: int | None) -> str:
    text = str(abs(value)).zfill(digits or 0)
    return "-" + text if value < 0 else text


def _hex(value: int, digits: int | None) -> str:
    return f"{value & 0xFFFFFFFFFFFFFFFF if value < 0 else value:X}".zfill(digits or 0)


def _general(value: float, digits: int | None) -> str:
    if isinstance(value, int) and digits is None:
        return str(value)
    return f"{value:.{digits or 15}G}"


_NUMERIC_FORMATS: dict[str, Callable[[Any, int | None], str]] = {
    "C": lambda v, d: ("-" if v < 0 else "") + "\u00a4" + _fixed(abs(v), d, grouping=True),
    "D": _decimal,
    "E": _exponent,
    "F": _fixed,
    "G": _general,
    "N": lambda v, d: _fixed(v, d, grouping=True),
    "P": lambda v, d: _fixed(v * 100, d, grouping=True) + " %",
    "R": lambda v, d: to_string(v) if isinstance(v, int) else repr(float(v)),
    "X": _hex,
}


@function("startsWith", 2, 2)
def _starts_with(ctx: Context, args: list[Any]) -> bool:
    text, prefix = (str(_want("startsWith", a, str)).lower() for a in args)
    return text.startswith(prefix)


@function("endsWith", 2, 2)
def _ends_with(ctx: Context, args: list[Any]) -> bool:
    text, suffix = (str(_want("endsWith", a, str)).lower() for a in args)
    return text.endswith(suffix)


@function("indexOf", 2, 2)
def _index_of(ctx: Context, args: list[Any]) -> int:
    if isinstance(args[0], list):
        hits = [i for i, item in enumerate(args[0]) if _equals(ctx, [item, args[1]])]
        return hits[0] if hits else -1
    text, find = (str(_want("indexOf", a, str)).lower() for a in args)
    return text.find(find)


@function("lastIndexOf", 2, 2)
def _last_index_of(ctx: Context, args: list[Any]) -> int:
    if isinstance(args[0], list):
        hits = [i for i, item in enumerate(args[0]) if _equals(ctx, [item, args[1]])]
        return hits[-1] if hits else -1
    text, find = (str(_want("lastIndexOf", a, str)).lower() for a in args)
    return text.rfind(find)


@function("base64", 1, 1)
def _base64(ctx: Context, args: list[Any]) -> str:
    return base64.b64encode(str(_want("base64", args[0], str)).encode()).decode()


def _b64decode(name: str, value: Any) -> str:
    try:
        return base64.b64decode(_want(name, value, str), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise _fail(name, "the value is not a valid base64 string.") from None


@function("base64ToString", 1, 1)
def _base64_to_string(ctx: Context, args: list[Any]) -> str:
    return _b64decode("base64ToString", args[0])


@function("base64ToJson", 1, 1)
def _base64_to_json(ctx: Context, args: list[Any]) -> Any:
    return _parse_json("base64ToJson", _b64decode("base64ToJson", args[0]))


@function("json", 1, 1)
def _json(ctx: Context, args: list[Any]) -> Any:
    return _parse_json("json", _want("json", args[0], str))


def _parse_json(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:  # ARM's JSON reader also takes single-quoted strings and bare property names
        return json.loads(lenient_json_to_strict(text))
    except ValueError:
        raise _fail(name, "the value is not valid JSON.") from None


_LENIENT_TOKEN = re.compile(
    r"""'((?:[^'\\]|\\.)*)'|"(?:[^"\\]|\\.)*"|([A-Za-z_$][A-Za-z0-9_$]*)(\s*:)|[^'"A-Za-z_$]+|."""
)


def lenient_json_to_strict(text: str) -> str:
    """Rewrite single-quoted strings and bare property names as strict JSON."""

    def one(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            inner = match.group(1).replace("\\'", "'")
            return json.dumps(json.loads('"' + inner.replace('"', '\\"') + '"'))
        if match.group(2) is not None:
            return json.dumps(match.group(2)) + match.group(3)
        return match.group(0)

    return _LENIENT_TOKEN.sub(one, text)


@function("dataUri", 1, 1)
def _data_uri(ctx: Context, args: list[Any]) -> str:
    encoded = base64.b64encode(to_string(args[0]).encode()).decode()
    return f"data:text/plain;charset=utf8;base64,{encoded}"


@function("dataUriToString", 1, 1)
def _data_uri_to_string(ctx: Context, args: list[Any]) -> str:
    text = _want("dataUriToString", args[0], str)
    head, _, payload = text.partition(",")
    if not head.startswith("data:"):
        raise _fail("dataUriToString", "the value is not a data URI.")
    if head.endswith(";base64"):
        return _b64decode("dataUriToString", payload)
    return urllib.parse.unquote(payload)


@function("uri", 2, 2)
def _uri(ctx: Context, args: list[Any]) -> str:
    base, relative = (_want("uri", a, str) for a in args)
    if not urllib.parse.urlparse(base).scheme:
        raise _fail("uri", f"the base URI '{base}' is not an absolute URI.")
    return urllib.parse.urljoin(base, relative)


@function("uriComponent", 1, 1)
def _uri_component(ctx: Context, args: list[Any]) -> str:
    return urllib.parse.quote(_want("uriComponent", args[0], str), safe="")


@function("uriComponentToString", 1, 1)
def _uri_component_to_string(ctx: Context, args: list[Any]) -> str:
    return urllib.parse.unquote(_want("uriComponentToString", args[0], str))


_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


@function("uniqueString", 1)
def _unique_string(ctx: Context, args: list[Any]) -> str:
    return unique_string(*(_want("uniqueString", a, str) for a in args))


def unique_string(*values: str) -> str:
    """13 lowercase base32 characters from a 64-bit hash of the values.

    Same shape and determinism as ARM's ``uniqueString`` (MurmurHash64-based), but
    not Azure's exact values.
    """
    digest = hashlib.sha256("-".join(values).encode()).digest()
    number = int.from_bytes(digest[:8], "big")
    return (
        "".join(_BASE32[(number >> (59 - 5 * i)) & 31] for i in range(12))
        + _BASE32[(number & 0xF) << 1]
    )


_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")


@function("guid", 1)
def _guid(ctx: Context, args: list[Any]) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, "-".join(_want("guid", a, str) for a in args)))


# --- arrays and objects -------------------------------------------------------------


@function("createArray", 0)
def _create_array(ctx: Context, args: list[Any]) -> list:
    return list(args)


@function("array", 1, 1)
def _array(ctx: Context, args: list[Any]) -> list:
    return list(args[0]) if isinstance(args[0], list) else [args[0]]


@function("createObject", 0)
def _create_object(ctx: Context, args: list[Any]) -> dict:
    if len(args) % 2:
        raise _fail("createObject", "the function requires an even number of arguments.")
    return {_want("createObject", k, str): v for k, v in zip(args[::2], args[1::2], strict=True)}


@function("empty", 1, 1)
def _empty(ctx: Context, args: list[Any]) -> bool:
    value = args[0]
    if value is None:
        return True
    return len(_want("empty", value, str, list, dict)) == 0


@function("length", 1, 1)
def _length(ctx: Context, args: list[Any]) -> int:
    return len(_want("length", args[0], str, list, dict))


@function("contains", 2, 2)
def _contains(ctx: Context, args: list[Any]) -> bool:
    container, item = args
    if isinstance(container, dict):
        return any(k.lower() == to_string(item).lower() for k in container)
    if isinstance(container, list):
        return any(_equals(ctx, [c, item]) for c in container)
    return to_string(item) in _want("contains", container, str)


def deep_union(left: dict, right: dict) -> dict:
    """ARM's object ``union``: later values win; nested objects merge recursively."""
    out = dict(left)
    for key, value in right.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_union(out[key], value)
        else:
            out[key] = value
    return out


@function("union", 1)
def _union(ctx: Context, args: list[Any]) -> Any:
    if all(isinstance(a, dict) for a in args):
        result: dict = {}
        for arg in args:
            result = deep_union(result, arg)
        return result
    if all(isinstance(a, list) for a in args):
        merged: list = []
        for item in (i for a in args for i in a):
            if item not in merged:
                merged.append(item)
        return merged
    raise _fail("union", "all arguments must be objects, or all arrays.")


@function("intersection", 2)
def _intersection(ctx: Context, args: list[Any]) -> Any:
    if all(isinstance(a, dict) for a in args):
        first = args[0]
        return {k: v for k, v in first.items() if all(o.get(k, object()) == v for o in args)}
    if all(isinstance(a, list) for a in args):
        out: list = []
        for item in args[0]:
            if all(item in other for other in args[1:]) and item not in out:
                out.append(item)
        return out
    raise _fail("intersection", "all arguments must be objects, or all arrays.")


@function("first", 1, 1)
def _first(ctx: Context, args: list[Any]) -> Any:
    value = _want("first", args[0], str, list)
    if not value:
        return "" if isinstance(value, str) else None
    return value[0]


@function("last", 1, 1)
def _last(ctx: Context, args: list[Any]) -> Any:
    value = _want("last", args[0], str, list)
    if not value:
        return "" if isinstance(value, str) else None
    return value[-1]


@function("take", 2, 2)
def _take(ctx: Context, args: list[Any]) -> Any:
    value = _want("take", args[0], str, list)
    return value[: max(0, _want("take", args[1], int))]


@function("skip", 2, 2)
def _skip(ctx: Context, args: list[Any]) -> Any:
    value = _want("skip", args[0], str, list)
    return value[max(0, _want("skip", args[1], int)) :]


@function("items", 1, 1)
def _items(ctx: Context, args: list[Any]) -> list[dict]:
    value = _want("items", args[0], dict)
    return [{"key": k, "value": value[k]} for k in sorted(value, key=str.lower)]


@function("objectKeys", 1, 1)
def _object_keys(ctx: Context, args: list[Any]) -> list[str]:
    return list(_want("objectKeys", args[0], dict))


def function_names() -> list[str]:
    """Every supported function name in ARM's spelling (for mocks/COVERAGE.md)."""
    return sorted(SPELLINGS.values(), key=str.lower)
