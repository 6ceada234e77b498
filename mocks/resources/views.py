"""JSON shapes of deployments and deployment operations, from their documents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

ACTIVE = {"Accepted", "Running"}


def iso_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_duration(seconds: float) -> str:
    return f"PT{max(seconds, 0):.3f}S"


def _elapsed(start: float, end: float | None, now: float) -> str:
    return iso_duration((end if end is not None else now) - start)


def _target(entry: dict[str, Any]) -> dict[str, Any]:
    target = {"id": entry["id"], "resourceType": entry["type"], "resourceName": entry["name"]}
    if entry.get("api_version"):
        target["apiVersion"] = entry["api_version"]
    return target


def _dependencies(doc: dict[str, Any]) -> list[dict[str, Any]]:
    by_id = {e["id"].lower(): e for e in doc["resources"]}
    out = []
    for entry in doc["resources"]:
        deps = [by_id[d.lower()] for d in entry["depends_on"] if d.lower() in by_id]
        if deps:
            out.append({**_target(entry), "dependsOn": [_target(d) for d in deps]})
    for item in out:
        item.pop("apiVersion", None)
        for dep in item["dependsOn"]:
            dep.pop("apiVersion", None)
    return out


def _providers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    by_ns: dict[str, dict[str, list[str]]] = {}
    for entry in doc["resources"]:
        namespace, _, rest = entry["type"].partition("/")
        by_ns.setdefault(namespace, {}).setdefault(rest, [])
        loc = doc["group_location"]
        if loc not in by_ns[namespace][rest]:
            by_ns[namespace][rest].append(loc)
    return [
        {
            "namespace": ns,
            "resourceTypes": [{"resourceType": t, "locations": locs} for t, locs in types.items()],
        }
        for ns, types in by_ns.items()
    ]


def deployment_body(doc: dict[str, Any], now: float | None = None) -> dict[str, Any]:
    """The extended deployment (``DeploymentExtended``) ARM returns on GET."""
    now = doc["started"] if now is None else now
    props: dict[str, Any] = {
        "templateHash": doc["template_hash"],
        "parameters": doc.get("display_parameters") or {},
        "mode": doc["mode"],
        "provisioningState": doc["state"],
        "timestamp": iso_time(doc["ended"] or doc["started"]),
        "duration": _elapsed(doc["started"], doc["ended"], now),
        "correlationId": doc["correlation_id"],
        "providers": _providers(doc),
        "dependencies": _dependencies(doc),
        **doc.get("echo", {}),
    }
    if doc["state"] == "Succeeded":
        props["outputs"] = doc.get("outputs") or {}
        props["outputResources"] = [{"id": e["id"]} for e in doc["resources"]]
    if doc.get("error"):
        props["error"] = doc["error"]
    return {
        "id": doc["id"],
        "name": doc["name"],
        "type": "Microsoft.Resources/deployments",
        "tags": {},
        "properties": props,
    }


def operations(doc: dict[str, Any], now: float) -> list[dict[str, Any]]:
    """Deployment operations: one per started resource, Complete-mode delete, outputs."""
    started = [e for e in [*doc["resources"], *doc["deletes"]] if e.get("operation_id")]
    ops = [_resource_operation(doc, e, now) for e in started]
    if doc.get("outputs_op"):
        ops.append(_outputs_operation(doc))
    return ops


def _resource_operation(doc: dict[str, Any], entry: dict[str, Any], now: float) -> dict[str, Any]:
    state = entry["state"]
    props: dict[str, Any] = {
        "provisioningOperation": entry["operation"],
        "provisioningState": state if state != "Running" else "Running",
        "timestamp": iso_time(entry.get("ended") or entry["started"]),
        "duration": _elapsed(entry["started"], entry.get("ended"), now),
        "trackingId": entry["operation_id"].lower(),
        "targetResource": _target(entry),
    }
    if entry.get("status_code"):
        props["statusCode"] = entry["status_code"]
    if entry.get("error"):
        props["statusMessage"] = {"status": "Failed", "error": entry["error"]}
    elif state == "Succeeded":
        props["statusMessage"] = {"status": "Succeeded"}
    return _operation(doc, entry["operation_id"], props)


def _outputs_operation(doc: dict[str, Any]) -> dict[str, Any]:
    op = doc["outputs_op"]
    props = {
        "provisioningOperation": "EvaluateDeploymentOutput",
        "provisioningState": "Succeeded",
        "timestamp": iso_time(op["ended"]),
        "duration": iso_duration(op["ended"] - op["started"]),
        "trackingId": op["operation_id"].lower(),
        "statusCode": "OK",
        "statusMessage": {"status": "Succeeded"},
    }
    return _operation(doc, op["operation_id"], props)


def _operation(doc: dict[str, Any], op_id: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"{doc['id']}/operations/{op_id}", "operationId": op_id, "properties": props}
