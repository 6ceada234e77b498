"""What-if: compare a template's result with what exists in the group.

Change types: Create (absent), Modify (property delta), NoChange, Deploy (exists but
its body depends on a ``reference()`` to something not yet deployed, so it cannot be
predicted), Delete (Complete mode: in the group, not in the template) and Ignore
(Incremental mode: in the group, not in the template).
Not simulated: ``resultFormat=ResourceIdOnly``, noise suppression lists, Unsupported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mocks.core import lro
from mocks.templates import Unresolved, what_if_delta

from . import deployments, models
from .provisioning import canonical_type

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud
    from mocks.templates import PlannedResource, PreparedDeployment


def start(cloud: Cloud, sub: str, group_name: str, name: str, raw: bytes) -> dict[str, Any]:
    """POST …/whatIf: validate now, answer through a Location-polled operation."""
    group = models.require_group_writable(cloud, sub, group_name)
    props = deployments.parse_request(raw)
    doc = deployments.new_doc(cloud, sub, group, name, props)
    prepared = deployments.validate_plan(cloud, doc)
    changes = _template_changes(cloud, prepared) + _untouched(cloud, doc, prepared)
    result = {"status": "Succeeded", "properties": {"changes": changes}}
    return lro.start(
        cloud,
        kind="whatif",
        subscription_id=sub,
        namespace="Microsoft.Resources",
        location=group["location"],
        target_id=doc["id"],
        duration=min(cloud.config.provisioning_seconds, 1.0),
        result=result,
    )


def _template_changes(cloud: Cloud, prepared: PreparedDeployment) -> list[dict[str, Any]]:
    def reference(rid: str, api_version: str | None, full: bool) -> dict[str, Any]:
        body = cloud.store.resource_get(rid)
        if body is None:
            raise Unresolved(rid)
        return body if full else dict(body.get("properties") or {})

    return [_change(cloud, prepared, res, reference) for res in prepared.resources]


def _change(
    cloud: Cloud, prepared: PreparedDeployment, res: PlannedResource, reference: Any
) -> dict[str, Any]:
    before = cloud.store.resource_get(res.id)
    try:
        after: dict[str, Any] | None = prepared.evaluate_resource(res, reference)
    except Unresolved:
        after = None
    if after is not None:
        # ARM names a child resource by its last segment ("vault/secret" -> "secret").
        name = res.name.split("/")[-1]
        after = {"id": res.id, **after, "name": name, "type": canonical_type(res.type)}
    if before is None:
        return {"resourceId": res.id, "changeType": "Create", "after": after or _stub(res)}
    if after is None:
        return {"resourceId": res.id, "changeType": "Deploy", "before": before}
    delta = [d for d in what_if_delta(before, after) if not _write_only(d)]
    change = {"resourceId": res.id, "before": before, "after": after}
    if delta:
        return {**change, "changeType": "Modify", "delta": delta}
    return {**change, "changeType": "NoChange"}


# Secrets Azure accepts but never returns: comparing them would always show a change.
_WRITE_ONLY = ("adminpassword", "protectedsettings", "properties.value")


def _write_only(delta: dict[str, Any]) -> bool:
    path = str(delta.get("path", "")).lower()
    return delta.get("before") is None and path.endswith(_WRITE_ONLY)


def _stub(res: PlannedResource) -> dict[str, Any]:
    return {"id": res.id, "name": res.name.split("/")[-1], "type": canonical_type(res.type)}


def _untouched(
    cloud: Cloud, doc: dict[str, Any], prepared: PreparedDeployment
) -> list[dict[str, Any]]:
    keep = [r.id.lower() for r in prepared.resources]
    change_type = "Delete" if doc["mode"] == "Complete" else "Ignore"
    out = []
    for body in models.list_group_resources(cloud, doc["subscription"], doc["group"]):
        rid = body["id"].lower()
        if rid in keep or any(rid.startswith(k + "/") for k in keep):
            continue
        out.append({"resourceId": body["id"], "changeType": change_type, "before": body})
    return out
