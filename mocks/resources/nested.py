"""The child deployments of nested ``Microsoft.Resources/deployments`` resources.

When the parent's plan reaches a nested deployment, the driver creates the child
deployment document in the target resource group (started at the same moment) and
then follows it: the parent's entry succeeds or fails with the child.  The child is
an ordinary deployment: GET, operations and outputs answer for it like for any
other, and ``reference('<nested name>').outputs`` reads its outputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mocks.templates import NestedRequest, TemplateError, Unresolved, nested_request

from . import models
from .exceptions import DeploymentActive
from .views import iso_time

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud
    from mocks.templates import PlannedResource, PreparedDeployment


def start_child(
    cloud: Cloud, parent: dict[str, Any], request: NestedRequest, at: float
) -> dict[str, Any]:
    """Create and save the child deployment for ``request`` (state Accepted at ``at``)."""
    from . import deployments

    group = models.get_group(cloud, parent["subscription"], request.resource_group)
    props: dict[str, Any] = {
        "mode": request.mode,
        "template": request.template,
        "parameters": request.parameters,
    }
    if request.template_link:
        props["templateLink"] = request.template_link
    with cloud.store.tx():
        existing = deployments.advance(cloud, parent["subscription"], group["name"], request.name)
        if existing and existing["state"] in deployments.ACTIVE:
            raise DeploymentActive(request.name, iso_time(existing["started"]))
        child = deployments.new_doc(cloud, parent["subscription"], group, request.name, props)
        child.update(started=at, correlation_id=parent["correlation_id"], parent=parent["id"])
        prepared = deployments.validate_plan(cloud, child)
        deployments.register_template_providers(cloud, parent["subscription"], prepared)
        deployments.save_planned(cloud, child, prepared)
    return child


def child_state(cloud: Cloud, entry: dict[str, Any]) -> dict[str, Any] | None:
    """The child deployment of a parent's entry, advanced to now."""
    from . import deployments

    parts = entry["id"].split("/")
    return deployments.advance(cloud, parts[2], parts[4], parts[-1])


def deployment_reference(cloud: Cloud, rid: str, full: bool) -> dict[str, Any]:
    """``reference()`` of a deployment: its properties (outputs …), or the whole body."""
    from . import deployments
    from .views import deployment_body

    parts = rid.split("/")
    doc = deployments.advance(cloud, parts[2], parts[4], parts[-1])
    if doc is None:
        raise Unresolved(rid)
    body = deployment_body(doc, cloud.now())
    return body if full else body["properties"]


def is_deployment_id(rid: str) -> bool:
    """True for ``…/providers/Microsoft.Resources/deployments/{name}``."""
    parts = rid.lower().strip("/").split("/")
    return len(parts) == 8 and parts[5:7] == ["microsoft.resources", "deployments"]


def check_children(prepared: PreparedDeployment, scope_of: Any, fetch: Any = None) -> None:
    """Validation: each nested inline template is valid too (as far as it can be known
    before deployment: parameters that read other resources are checked when it runs)."""
    from mocks.templates import is_nested_deployment, prepare

    for res in prepared.resources:
        if not is_nested_deployment(res.type):
            continue
        request = _request_if_known(prepared, res, fetch)
        if request is not None:
            prepare(request.template, request.parameters, scope_of(request))


def _request_if_known(
    prepared: PreparedDeployment, res: PlannedResource, fetch: Any
) -> NestedRequest | None:
    try:
        return nested_request(prepared, res, None, fetch)
    except Unresolved:
        return None
    except TemplateError as exc:
        if "'reference'" in exc.message or "'list" in exc.message:
            return None  # depends on what the deployment makes: known when it runs
        raise
