"""Nested deployments (``Microsoft.Resources/deployments`` in a template).

ARM evaluates a nested inline template in one of two scopes
(``properties.expressionEvaluationOptions.scope``): ``outer`` (the default) — the
nested template's expressions see the parent's parameters and variables — or
``inner`` — it has its own parameters (given in ``properties.parameters``, evaluated
in the parent) and variables.  :func:`nested_request` turns the parent's resource into
the request of the child deployment: for ``outer`` scope the child template carries
the parent's parameter declarations and variables, and receives the parent's values.

Linked templates (``templateLink.uri``, ``parametersLink.uri``) are read through a
``fetch`` callable given by the caller (the local Azure reads its own Blob service); a
link it cannot serve is refused loudly (``LocalAzureUnsupportedOperation``).
Not simulated: ``templateLink.id`` (template specs), ``relativePath``, deployments to
another subscription, management-group or tenant scope.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import UNSUPPORTED, TemplateError
from .evaluator import STAGE_RUNTIME, Context, ReferenceResolver, evaluate_value

if TYPE_CHECKING:
    from .engine import PlannedResource, PreparedDeployment

DEPLOYMENTS_TYPE = "microsoft.resources/deployments"
# uri -> the JSON document there, or None when the local Azure cannot serve the URI
LinkFetcher = Callable[[str], dict | None]


def is_nested_deployment(type_name: str) -> bool:
    """True for ``Microsoft.Resources/deployments`` (any casing)."""
    return type_name.lower() == DEPLOYMENTS_TYPE


@dataclass(frozen=True)
class NestedRequest:
    """What the child deployment is asked to do."""

    name: str
    resource_group: str
    mode: str
    scope: str  # "inner" or "outer"
    template: dict
    parameters: dict
    template_link: dict | None = None


def nested_request(
    prepared: PreparedDeployment,
    res: PlannedResource,
    reference: ReferenceResolver | None,
    fetch: LinkFetcher | None = None,
) -> NestedRequest:
    """The child deployment for the planned ``Microsoft.Resources/deployments`` ``res``."""
    raw = prepared.raw_of(res)
    ctx = Context(prepared, STAGE_RUNTIME, prepared.loops_of(res), reference)
    props = raw.get("properties") or {}
    if not isinstance(props, dict):
        raise TemplateError(f"The 'properties' of deployment '{res.name}' must be an object.")
    _check_target(res, raw, ctx)
    if props.get("templateLink") or props.get("parametersLink"):
        return _linked_request(res, props, ctx, fetch)
    options = evaluate_value(props.get("expressionEvaluationOptions") or {}, ctx)
    scope = str((options or {}).get("scope", "outer")).lower()
    if scope not in ("inner", "outer"):
        raise TemplateError(
            f"The expression evaluation scope '{scope}' of deployment '{res.name}' is not "
            "valid. The allowed values are 'inner' and 'outer'."
        )
    template = props.get("template")
    if not isinstance(template, dict):
        raise TemplateError(
            f"The deployment '{res.name}' has no inline 'template' object in its properties."
        )
    mode = str(evaluate_value(props.get("mode", "Incremental"), ctx))
    if scope == "inner":
        parameters = evaluate_value(props.get("parameters") or {}, ctx)
        return NestedRequest(res.name, res.id.split("/")[4], mode, scope, template, parameters)
    child, values = _outer_template(prepared, template)
    return NestedRequest(res.name, res.id.split("/")[4], mode, scope, child, values)


def _check_target(res: PlannedResource, raw: dict, ctx: Context) -> None:
    """Nested deployments go to resource groups of this subscription in the local Azure."""
    for key in ("subscriptionId", "scope", "managementGroupId"):
        if not raw.get(key):
            continue
        value = evaluate_value(raw[key], ctx)
        if key == "subscriptionId" and value == ctx.deployment.scope.subscription_id:
            continue
        raise TemplateError(
            f"The deployment '{res.name}' targets {key} '{value}': the local Azure deploys "
            "nested templates to resource groups of the deployment's subscription only.",
            code=UNSUPPORTED,
        )


def _linked_request(
    res: PlannedResource, props: dict, ctx: Context, fetch: LinkFetcher | None
) -> NestedRequest:
    """A linked template: always its own (inner) scope, as in ARM."""
    template = _fetch_link(res.name, "templateLink", props, ctx, fetch)
    if props.get("parametersLink"):
        document = _fetch_link(res.name, "parametersLink", props, ctx, fetch)
        parameters = document.get("parameters") or {}
    else:
        parameters = evaluate_value(props.get("parameters") or {}, ctx)
    mode = str(evaluate_value(props.get("mode", "Incremental"), ctx))
    link = evaluate_value(props.get("templateLink"), ctx) if props.get("templateLink") else None
    group = res.id.split("/")[4]
    return NestedRequest(res.name, group, mode, "inner", template, parameters, link)


def _fetch_link(name: str, key: str, props: dict, ctx: Context, fetch: LinkFetcher | None) -> dict:
    link = props.get(key)
    if not link:
        raise TemplateError(f"The deployment '{name}' has no '{key}'.")
    uri = evaluate_value(link.get("uri"), ctx) if isinstance(link, dict) else None
    document = fetch(uri) if fetch is not None and isinstance(uri, str) else None
    if document is None:
        where = (
            uri if isinstance(uri, str) else (link.get("id") if isinstance(link, dict) else link)
        )
        shown = str(where).split("?", 1)[0]  # never echo a SAS token
        raise TemplateError(
            f"The deployment '{name}' uses '{key}' ('{shown}'): the local Azure only reads "
            "linked templates from its own Blob service. Put the template there or inline "
            "in 'properties.template'.",
            code=UNSUPPORTED,
        )
    return document


def _outer_template(prepared: PreparedDeployment, template: dict) -> tuple[dict, dict]:
    """Outer scope: the child sees the parent's parameters and variables."""
    for section in ("parameters", "variables"):
        if template.get(section):
            raise TemplateError(
                f"The nested template defines '{section}', which is only allowed when "
                "'expressionEvaluationOptions.scope' is 'inner'."
            )
    child = copy.deepcopy(template)
    child["parameters"] = copy.deepcopy(prepared.declared)
    child["variables"] = copy.deepcopy(prepared.template.get("variables") or {})
    values = {name: {"value": prepared.parameter_value(name)} for name in prepared.declared}
    return child, values
