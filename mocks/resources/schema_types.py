"""Typed properties of the resource types the local Azure provides, from their REST API
specs (Azure/azure-rest-api-specs, see docs/SOURCES.md).

A resource provider reads a request with the schema's types: a port sent by a template
as the string ``"50101"`` is stored and returned as the integer ``50101``, ``"true"``
as ``true``.  :func:`coerce` applies that to a body before the type's own checks; a
string that is no number (or no boolean) is left as sent, for the type to refuse.
"""

from __future__ import annotations

from typing import Any

INT, BOOL = "int", "bool"

_LB_RULE = {
    "frontendPort": INT, "backendPort": INT, "idleTimeoutInMinutes": INT,
    "enableFloatingIP": BOOL, "enableTcpReset": BOOL, "disableOutboundSnat": BOOL,
}  # fmt: skip
_LB_NAT = {
    "frontendPort": INT, "backendPort": INT, "idleTimeoutInMinutes": INT,
    "frontendPortRangeStart": INT, "frontendPortRangeEnd": INT,
    "enableFloatingIP": BOOL, "enableTcpReset": BOOL,
}  # fmt: skip
_DISK = {"diskSizeGB": INT, "lun": INT}

# type (lower-case) -> {dotted path ("[]" = every item of a list): kind}
TYPED_PROPERTIES: dict[str, dict[str, str]] = {
    "microsoft.network/loadbalancers": {
        **{f"properties.loadBalancingRules[].properties.{k}": v for k, v in _LB_RULE.items()},
        **{f"properties.inboundNatRules[].properties.{k}": v for k, v in _LB_NAT.items()},
        **{f"properties.inboundNatPools[].properties.{k}": v for k, v in _LB_NAT.items()},
        "properties.probes[].properties.port": INT,
        "properties.probes[].properties.intervalInSeconds": INT,
        "properties.probes[].properties.numberOfProbes": INT,
        "properties.probes[].properties.probeThreshold": INT,
        "properties.outboundRules[].properties.allocatedOutboundPorts": INT,
        "properties.outboundRules[].properties.idleTimeoutInMinutes": INT,
        "properties.outboundRules[].properties.enableTcpReset": BOOL,
    },
    "microsoft.network/networksecuritygroups": {
        "properties.securityRules[].properties.priority": INT,
    },
    "microsoft.network/publicipaddresses": {"properties.idleTimeoutInMinutes": INT},
    "microsoft.compute/virtualmachinescalesets": {
        "sku.capacity": INT,
        "properties.overprovision": BOOL,
        "properties.singlePlacementGroup": BOOL,
        "properties.platformFaultDomainCount": INT,
        **{
            f"properties.virtualMachineProfile.storageProfile.{where}.{k}": v
            for where in ("osDisk", "dataDisks[]")
            for k, v in _DISK.items()
        },
    },
    "microsoft.compute/virtualmachines": {
        f"properties.storageProfile.{where}.{k}": v
        for where in ("osDisk", "dataDisks[]")
        for k, v in _DISK.items()
    },
    "microsoft.storage/storageaccounts": {
        "properties.supportsHttpsTrafficOnly": BOOL,
        "properties.allowBlobPublicAccess": BOOL,
        "properties.allowSharedKeyAccess": BOOL,
        "properties.isHnsEnabled": BOOL,
    },
    "microsoft.keyvault/vaults": {
        "properties.enabledForDeployment": BOOL,
        "properties.enabledForDiskEncryption": BOOL,
        "properties.enabledForTemplateDeployment": BOOL,
        "properties.enableSoftDelete": BOOL,
        "properties.enableRbacAuthorization": BOOL,
        "properties.enablePurgeProtection": BOOL,
        "properties.softDeleteRetentionInDays": INT,
    },
}


def coerce(type_name: str, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with its typed properties read as the schema's types (in place)."""
    for path, kind in TYPED_PROPERTIES.get(type_name.lower(), {}).items():
        _coerce_path(body, path.split("."), kind)
    return body


def _coerce_path(node: Any, parts: list[str], kind: str) -> None:
    if not parts or not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    key = head.removesuffix("[]")
    actual = next((k for k in node if k.lower() == key.lower()), None)
    if actual is None:
        return
    if head.endswith("[]"):
        for item in node[actual] if isinstance(node[actual], list) else []:
            _coerce_path(item, rest, kind)
    elif rest:
        _coerce_path(node[actual], rest, kind)
    else:
        node[actual] = _typed(node[actual], kind)


def _typed(value: Any, kind: str) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if kind == INT and text.lstrip("-").isdigit():
        return int(text)
    if kind == BOOL and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return value
