"""What-if: compare a template's result with what exists in the group.

Change types: Create (absent), Modify (property delta), NoChange, Deploy (exists but
its body depends on a ``reference()`` to something not yet deployed, so it cannot be
predicted), Delete (Complete mode: in the group, not in the template) and Ignore
(Incremental mode: in the group, not in the template).
Nested inline deployments are expanded: their resources are predicted like the
parent's (in the nested deployment's resource group), the deployment itself is not
listed.  A nested deployment whose parameters read resources not deployed yet is
predicted as far as its template allows without them.
Not simulated: ``resultFormat=ResourceIdOnly``, noise suppression lists, Unsupported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mocks.core import lro
from mocks.templates import (
    TemplateError,
    Unresolved,
    is_nested_deployment,
    nested_request,
    prepare,
    what_if_delta,
)

from . import deployments, models, schema_types
from .provisioning import resource_or_inline_child, type_of_id

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud
    from mocks.templates import PlannedResource, PreparedDeployment


def start(cloud: Cloud, sub: str, group_name: str, name: str, raw: bytes) -> dict[str, Any]:
    """POST …/whatIf: validate now, answer through a Location-polled operation."""
    group = models.require_group_writable(cloud, sub, group_name)
    props = deployments.parse_request(raw, cloud)
    doc = deployments.new_doc(cloud, sub, group, name, props)
    prepared = deployments.validate_plan(cloud, doc)
    changes = _template_changes(cloud, doc, prepared)
    changes += _untouched(cloud, doc, prepared, {c["resourceId"].lower() for c in changes})
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


def _template_changes(
    cloud: Cloud, doc: dict[str, Any], prepared: PreparedDeployment
) -> list[dict[str, Any]]:
    def reference(rid: str, api_version: str | None, full: bool) -> dict[str, Any]:
        body = resource_or_inline_child(cloud, rid)
        if body is None:
            raise Unresolved(rid)
        return body if full else dict(body.get("properties") or {})

    changes: list[dict[str, Any]] = []
    for res in prepared.resources:
        if is_nested_deployment(res.type):
            changes += _nested_changes(cloud, doc, prepared, res, reference)
        else:
            changes.append(_change(cloud, prepared, res, reference))
    return changes


def _nested_changes(
    cloud: Cloud, doc: dict[str, Any], prepared: PreparedDeployment, res: Any, reference: Any
) -> list[dict[str, Any]]:
    try:
        request = nested_request(prepared, res, reference, deployments.link_fetcher(cloud))
    except (Unresolved, TemplateError):
        return []  # its inputs come from resources this deployment makes: not predictable
    child_doc = {**doc, "group": request.resource_group, "name": request.name}
    child_doc["mode"] = request.mode
    scope = deployments.child_scope(cloud, doc, request)
    child = prepare(request.template, request.parameters, scope)
    return _template_changes(cloud, child_doc, child)


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
        after = {"id": res.id, **after, "name": name, "type": type_of_id(res.id)}
        after = schema_types.coerce(res.type, after)  # as the provider would read it
    if before is None:
        return {"resourceId": res.id, "changeType": "Create", "after": after or _stub(res)}
    if after is None:
        return {"resourceId": res.id, "changeType": "Deploy", "before": before}
    delta = _without_write_only(what_if_delta(before, after))
    change = {"resourceId": res.id, "before": before, "after": after}
    if delta:
        return {**change, "changeType": "Modify", "delta": delta}
    return {**change, "changeType": "NoChange"}


# Secrets Azure accepts but never returns: comparing them would always show a change.
_WRITE_ONLY = ("adminpassword", "protectedsettings", "properties.value")


def _without_write_only(deltas: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The deltas less write-only ones, at any depth (an extension's protectedSettings
    sits in an array element); a parent left with no children is dropped too."""
    kept = []
    for delta in deltas:
        if _write_only(delta):
            continue
        if delta.get("children"):
            children = _without_write_only(delta["children"])
            if not children:
                continue
            delta = {**delta, "children": children}
        kept.append(delta)
    return kept


def _write_only(delta: dict[str, Any]) -> bool:
    path = str(delta.get("path", "")).lower()
    return delta.get("before") is None and path.endswith(_WRITE_ONLY)


def _stub(res: PlannedResource) -> dict[str, Any]:
    return {"id": res.id, "name": res.name.split("/")[-1], "type": type_of_id(res.id)}


def _untouched(
    cloud: Cloud, doc: dict[str, Any], prepared: PreparedDeployment, predicted: set[str]
) -> list[dict[str, Any]]:
    keep = [r.id.lower() for r in prepared.resources] + sorted(predicted)
    change_type = "Delete" if doc["mode"] == "Complete" else "Ignore"
    out = []
    for body in models.list_group_resources(cloud, doc["subscription"], doc["group"]):
        rid = body["id"].lower()
        if rid in keep or any(rid.startswith(k + "/") for k in keep):
            continue
        out.append({"resourceId": body["id"], "changeType": change_type, "before": body})
    return out
