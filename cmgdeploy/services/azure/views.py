"""ARM's JSON (wire shape, camelCase) → the frozen views of :mod:`cmgdeploy.domain.arm_views`.

The one place that knows where ARM puts what cmgdeploy reads: ``properties``, a list
entry's ``provisioningState`` beside its id (``$expand=provisioningState``), output and
parameter values, instance-view statuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cmgdeploy.domain.arm_views import (
    DeletedVault,
    Deployment,
    DeploymentOperation,
    GroupResource,
    Instance,
    PropertyChange,
    PublicIp,
    ResourceGroup,
    ScaleSet,
    StorageAccount,
    Subscription,
    WhatIfChange,
)
from cmgdeploy.domain.errors import ErrorDetail
from cmgdeploy.services.azure.translate import detail_chain


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _props(body: Mapping[str, Any]) -> dict[str, Any]:
    return _dict(body.get("properties"))


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _tags(value: Any) -> dict[str, str]:
    return {str(k): _str(v) for k, v in _dict(value).items()}


def _int(value: Any) -> int | None:
    try:
        return None if value is None or value == "" else int(value)
    except (TypeError, ValueError):
        return None


def provisioning_state(body: Mapping[str, Any]) -> str:
    """A full resource body's ``properties.provisioningState``, or a list entry's (read
    with ``$expand=provisioningState``, where ARM puts it beside the id)."""
    return _str(_props(body).get("provisioningState") or body.get("provisioningState"))


def _values(raw: Any) -> dict[str, Any]:
    """``{"name": {"type": ..., "value": v}}`` → ``{"name": v}``."""
    return {str(k): v.get("value") for k, v in _dict(raw).items() if isinstance(v, dict)}


def subscription(body: Mapping[str, Any]) -> Subscription:
    return Subscription(
        subscription_id=_str(body.get("subscriptionId")),
        display_name=_str(body.get("displayName")),
        tenant_id=_str(body.get("tenantId")),
    )


def resource_group(body: Mapping[str, Any]) -> ResourceGroup:
    return ResourceGroup(
        name=_str(body.get("name")),
        location=_str(body.get("location")),
        tags=_tags(body.get("tags")),
        provisioning_state=provisioning_state(body),
    )


def group_resource(body: Mapping[str, Any]) -> GroupResource:
    sku = _dict(body.get("sku"))
    return GroupResource(
        id=_str(body.get("id")),
        name=_str(body.get("name")),
        type=_str(body.get("type")),
        provisioning_state=provisioning_state(body),
        tags=_tags(body.get("tags")),
        principal_id=_str(_dict(body.get("identity")).get("principalId")),
        sku_name=_str(sku["name"]) if sku.get("name") is not None else None,
        capacity=_int(sku.get("capacity")),
    )


def deployment(body: Mapping[str, Any]) -> Deployment:
    props = _props(body)
    error = props.get("error")
    return Deployment(
        name=_str(body.get("name")),
        provisioning_state=_str(props.get("provisioningState")),
        outputs=_values(props.get("outputs")),
        parameters=_values(props.get("parameters")),
        error=tuple(detail_chain(error)) if error else (),
        timestamp=_str(props.get("timestamp")),
        duration=_str(props.get("duration")),
        output_resources=tuple(
            _str(ref.get("id")) for ref in props.get("outputResources") or [] if ref.get("id")
        ),
    )


def deployment_operation(body: Mapping[str, Any]) -> DeploymentOperation:
    props = _props(body)
    target = _dict(props.get("targetResource"))
    error = _dict(props.get("statusMessage")).get("error")
    return DeploymentOperation(
        resource_id=_str(target.get("id")),
        resource_type=_str(target.get("resourceType")),
        resource_name=_str(target.get("resourceName")),
        provisioning_state=_str(props.get("provisioningState")),
        error=tuple(detail_chain(error)) if error else (),
    )


def scale_set(body: Mapping[str, Any]) -> ScaleSet:
    """A scale set's full body (``GET`` of the scale set)."""
    sku = _dict(body.get("sku"))
    return ScaleSet(
        name=_str(body.get("name")),
        capacity=_int(sku.get("capacity")) or 0,
        size=_str(sku["name"]) if sku.get("name") is not None else None,
        provisioning_state=provisioning_state(body),
        principal_id=_str(_dict(body.get("identity")).get("principalId")),
    )


def instance(body: Mapping[str, Any], scale_set_name: str) -> Instance:
    """A scale set VM read with ``$expand=instanceView``; its error-level statuses carry
    its name (``<scale set>_<instance id>`` when ARM gives none)."""
    props = _props(body)
    view = _dict(props.get("instanceView") or body.get("instanceView"))
    instance_id = _str(body.get("instanceId"))
    name = _str(body.get("name")) or f"{scale_set_name}_{instance_id}"
    power: str | None = None
    errors: list[ErrorDetail] = []
    for status in view.get("statuses") or []:
        code = _str(status.get("code"))
        if code.lower().startswith("powerstate/"):
            power = code.split("/", 1)[1]
        if _str(status.get("level")).lower() == "error":
            message = status.get("message") or status.get("displayStatus") or "failed"
            errors.append(ErrorDetail(code, _str(message), name))
    return Instance(
        instance_id=instance_id,
        name=name,
        provisioning_state=provisioning_state(body),
        power_state=power,
        errors=tuple(errors),
    )


def public_ip(body: Mapping[str, Any]) -> PublicIp:
    props = _props(body)
    return PublicIp(
        address=props.get("ipAddress") or None,
        fqdn=_dict(props.get("dnsSettings")).get("fqdn") or None,
    )


def storage_account(body: Mapping[str, Any]) -> StorageAccount:
    props = _props(body)
    endpoint = _dict(props.get("primaryEndpoints")).get("blob")
    return StorageAccount(
        id=_str(body.get("id")),
        provisioning_state=_str(props.get("provisioningState")),
        blob_endpoint=_str(endpoint) if endpoint else None,
    )


def deleted_vault(body: Mapping[str, Any]) -> DeletedVault:
    props = _props(body)
    purge_date = props.get("scheduledPurgeDate")
    return DeletedVault(
        name=_str(body.get("name")),
        location=_str(props.get("location")),
        vault_id=_str(props.get("vaultId")),
        tags=_tags(props.get("tags")),
        purge_protection=bool(props.get("purgeProtectionEnabled")),
        scheduled_purge_date=_str(purge_date) if purge_date else None,
    )


def what_if_change(body: Mapping[str, Any]) -> WhatIfChange:
    """A what-if change with its property deltas flattened to leaves: a child's path is
    its full path (what-if gives an array item its index alone, under its parent)."""
    return WhatIfChange(
        resource_id=_str(body.get("resourceId")),
        change_type=_str(body.get("changeType")),
        properties=tuple(_leaves(body.get("delta") or [], "")),
    )


def _leaves(delta: list[Any], parent: str) -> list[PropertyChange]:
    out: list[PropertyChange] = []
    for d in delta:
        d = _dict(d)
        path = _joined(parent, _str(d.get("path")))
        if d.get("children"):
            out.extend(_leaves(d["children"], path))
        else:
            change = _str(d.get("propertyChangeType"))
            out.append(PropertyChange(path, change, d.get("before"), d.get("after")))
    return out


def _joined(parent: str, path: str) -> str:
    if not parent:
        return path
    return f"{parent}[{path}]" if path.isdigit() else f"{parent}.{path}"
