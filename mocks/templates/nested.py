"""Nested deployments (``Microsoft.Resources/deployments`` in a template).

ARM evaluates a nested inline template in one of two scopes
(``properties.expressionEvaluationOptions.scope``): ``outer`` (the default) — the
nested template's expressions see the parent's parameters and variables — or
``inner`` — it has its own parameters (given in ``properties.parameters``, evaluated
in the parent) and variables.  :func:`nested_request` turns the parent's resource into
the request of the child deployment: for ``outer`` scope the child template carries
the parent's parameter declarations and variables, and receives the parent's values.

Not simulated: ``templateLink`` (linked templates: refused loudly), deployments to
another subscription, management-group or tenant scope.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import UNSUPPORTED, TemplateError
from .evaluator import STAGE_RUNTIME, Context, ReferenceResolver, evaluate_value

if TYPE_CHECKING:
    from .engine import PlannedResource, PreparedDeployment

DEPLOYMENTS_TYPE = "microsoft.resources/deployments"


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


def nested_request(
    prepared: PreparedDeployment, res: PlannedResource, reference: ReferenceResolver | None
) -> NestedRequest:
    """The child deployment for the planned ``Microsoft.Resources/deployments`` ``res``."""
    raw = prepared.raw_of(res)
    ctx = Context(prepared, STAGE_RUNTIME, prepared.loops_of(res), reference)
    props = raw.get("properties") or {}
    if not isinstance(props, dict):
        raise TemplateError(f"The 'properties' of deployment '{res.name}' must be an object.")
    refuse_links(res.name, props)
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


def refuse_links(name: str, props: dict) -> None:
    """Linked templates are not fetched by the local Azure: say so, naming the link."""
    for key in ("templateLink", "parametersLink"):
        link = props.get(key)
        if link:
            where = link.get("uri") or link.get("id") if isinstance(link, dict) else link
            raise TemplateError(
                f"The deployment '{name}' uses '{key}' ('{where}'): the local Azure does not "
                "fetch linked templates. Put the template inline in 'properties.template'.",
                code=UNSUPPORTED,
            )


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
