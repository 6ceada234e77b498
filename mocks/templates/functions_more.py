"""Template functions added to ARM after the first set: ``float``, ``tryGet``,
``indexFromEnd``, ``tryIndexFromEnd``, ``shallowMerge``, ``flatten``, ``pickZones``, the
management-group functions, ``references`` (languageVersion 2.0 resource collections),
and ``providers``, which the local Azure refuses loudly.

``pickZones`` answers from the local Azure's compute region data: zonal resource
types get zone "1" (then "2", "3" …) in regions with availability zones, others [].
"""

from __future__ import annotations

from typing import Any

from .errors import TemplateError
from .evaluator import STAGE_RUNTIME, Context, type_name
from .functions import (
    _fail,
    _split_type_and_names,
    _want,
    function,
    provider_path,
    unsupported_function,
)

# Types whose resources can be placed in availability zones (the ARM schemas give
# them a "zones" property).
ZONAL_TYPES = {
    "microsoft.compute/virtualmachines",
    "microsoft.compute/virtualmachinescalesets",
    "microsoft.compute/disks",
    "microsoft.network/publicipaddresses",
    "microsoft.network/natgateways",
}


@function("float", 1, 1)
def _float(ctx: Context, args: list[Any]) -> float:
    value = args[0]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        return float(_want("float", value, str, int).strip())
    except ValueError:
        raise _fail("float", f"the value '{value}' cannot be converted to a float.") from None


@function("tryGet", 2)
def _try_get(ctx: Context, args: list[Any]) -> Any:
    current = args[0]
    for key in args[1:]:
        current = _step(current, key)
        if current is None:
            return None
    return current


def _step(value: Any, key: Any) -> Any:
    if isinstance(value, dict):
        key = _want("tryGet", key, str)
        return next((v for k, v in value.items() if k.lower() == key.lower()), None)
    if isinstance(value, list):
        index = _want("tryGet", key, int)
        return value[index] if 0 <= index < len(value) else None
    if value is None:
        return None
    raise _fail("tryGet", f"the value of type '{type_name(value)}' is not an object or array.")


@function("indexFromEnd", 2, 2)
def _index_from_end(ctx: Context, args: list[Any]) -> Any:
    items = _want("indexFromEnd", args[0], list)
    position = _want("indexFromEnd", args[1], int)
    if not 1 <= position <= len(items):
        raise _fail(
            "indexFromEnd",
            f"the reverse index '{position}' is out of range: it must be between '1' and "
            f"'{len(items)}' (the length of the array).",
        )
    return items[-position]


@function("tryIndexFromEnd", 2, 2)
def _try_index_from_end(ctx: Context, args: list[Any]) -> Any:
    items = _want("tryIndexFromEnd", args[0], list)
    position = _want("tryIndexFromEnd", args[1], int)
    return items[-position] if 1 <= position <= len(items) else None


@function("shallowMerge", 1, 1)
def _shallow_merge(ctx: Context, args: list[Any]) -> dict:
    merged: dict[str, Any] = {}
    for item in _want("shallowMerge", args[0], list):
        merged.update(_want("shallowMerge", item, dict))
    return merged


@function("flatten", 1, 1)
def _flatten(ctx: Context, args: list[Any]) -> list:
    out: list = []
    for item in _want("flatten", args[0], list):
        out.extend(_want("flatten", item, list))
    return out


@function("pickZones", 3, 5)
def _pick_zones(ctx: Context, args: list[Any]) -> list[str]:
    namespace, rtype, location = (_want("pickZones", a, str) for a in args[:3])
    count = _want("pickZones", args[3], int) if len(args) > 3 else 1
    offset = _want("pickZones", args[4], int) if len(args) > 4 else 0
    if f"{namespace}/{rtype}".lower() not in ZONAL_TYPES:
        return []
    zones = region_zones(location)
    if not zones:
        return []
    return [zones[(offset + i) % len(zones)] for i in range(min(count, len(zones)))]


def region_zones(location: str) -> list[str]:
    """The availability zones of a region in the local Azure's compute data."""
    from mocks.compute import skus
    from mocks.resources import catalog

    region = catalog.normalize_location(location)
    if not catalog.is_region(region):
        return []
    no_zones: set[str] = getattr(skus, "NO_ZONES", set())
    return [] if region in no_zones else ["1", "2", "3"]


@function("managementGroup", 0, 0)
def _management_group(ctx: Context, args: list[Any]) -> dict:
    raise TemplateError(
        "The template function 'managementGroup' is not expected at this location. It can "
        "only be used in a deployment to a management group."
    )


@function("managementGroupResourceId", 3)
def _management_group_resource_id(ctx: Context, args: list[Any]) -> str:
    prefix, rtype, names = _split_type_and_names("managementGroupResourceId", args)
    if len(prefix) != 1:
        raise _fail(
            "managementGroupResourceId",
            "outside a management group deployment, the management group name must be the "
            "first argument.",
        )
    group = prefix[0]
    return f"/providers/Microsoft.Management/managementGroups/{group}/{provider_path(rtype, names)}"


@function("providers", 1, 2)
def _providers(ctx: Context, args: list[Any]) -> dict:
    raise unsupported_function("providers", " (deprecated in ARM; read the provider instead)")


@function("references", 1, 2)
def _references(ctx: Context, args: list[Any]) -> list:
    symbolic = _want("references", args[0], str)
    kind = _want("references", args[1], str) if len(args) > 1 else "Properties"
    if kind.lower() not in ("full", "properties"):
        raise _fail("references", f"the second argument '{kind}' must be 'Full' or 'Properties'.")
    if ctx.stage != STAGE_RUNTIME or ctx.resolver is None:
        raise TemplateError(
            "The template function 'references' is not expected at this location. Please see "
            "https://aka.ms/arm-function-references for usage details."
        )
    ids = ctx.deployment.collection_ids(symbolic)
    return [ctx.resolver(rid, None, kind.lower() == "full") for rid in ids]
