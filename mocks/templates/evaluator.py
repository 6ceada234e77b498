"""Evaluation of expressions and template values in a context.

A :class:`Context` says what an expression may see: parameters, variables, the
deployment scope, the copy loops it sits in, and (at deployment time only) the
``reference()`` resolver.  ``evaluate_value`` walks template JSON, evaluating every
``[…]`` string and expanding property ``copy`` arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import TemplateError
from .expressions import Call, Index, Literal, Member, Node, is_expression, parse_template_string
from .expressions import unescape_literal as _unescape

if TYPE_CHECKING:
    from .engine import PreparedDeployment

# reference(id, apiVersion, full) at deployment time.  The driver's resolver also has
# ``list_action(id, function name, apiVersion, body)`` for the list* functions.
ReferenceResolver = Callable[[str, str | None, bool], dict]

# Where an expression is evaluated; decides which functions are allowed.
STAGE_PARAMETER_DEFAULT = "parameter-default"
STAGE_VALIDATION = "validation"  # names, conditions, counts, variables, dependsOn
STAGE_RUNTIME = "runtime"  # resource bodies and outputs
STAGE_DISCOVERY = "discovery"  # finding implicit dependencies: be forgiving


class Context:
    """Everything an expression can see at one place in the template."""

    def __init__(
        self,
        deployment: PreparedDeployment,
        stage: str,
        loops: dict[str, int] | None = None,
        resolver: ReferenceResolver | None = None,
        lambdas: dict[str, Any] | None = None,
    ) -> None:
        self.deployment = deployment
        self.stage = stage
        self.loops = dict(loops or {})
        self.resolver = resolver
        self.lambdas = dict(lambdas or {})

    def with_loop(self, name: str, index: int) -> Context:
        """A child context inside the copy loop ``name`` at ``index``."""
        loops = dict(self.loops)
        loops[name.lower()] = index
        loops[""] = index
        return Context(self.deployment, self.stage, loops, self.resolver, self.lambdas)

    def with_lambda(self, values: dict[str, Any]) -> Context:
        """A child context where ``lambdaVariables(name)`` sees ``values``."""
        lambdas = {**self.lambdas, **{k.lower(): v for k, v in values.items()}}
        return Context(self.deployment, self.stage, self.loops, self.resolver, lambdas)

    def copy_index(self, name: str | None) -> int:
        """``copyIndex()`` / ``copyIndex('loop')`` in this context."""
        key = (name or "").lower()
        if key in self.loops:
            return self.loops[key]
        if self.stage == STAGE_DISCOVERY:
            return 0  # only ids are wanted here; any index will do
        if name:
            raise TemplateError(
                f"The template function 'copyIndex' has an invalid copy loop name '{name}'. "
                "The copy loop name must be the name of an enclosing copy loop."
            )
        raise TemplateError("The template function 'copyIndex' is not expected at this location.")


def evaluate_node(node: Node, ctx: Context) -> Any:
    """Evaluate one expression tree."""
    from .functions import call_function  # the registry imports this module

    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Call):
        return call_function(node, ctx)
    if isinstance(node, Member):
        return member(evaluate_node(node.target, ctx), node.name)
    if isinstance(node, Index):
        return index(evaluate_node(node.target, ctx), evaluate_node(node.index, ctx))
    raise TemplateError(f"Unknown expression node {node!r}")


def member(value: Any, name: str) -> Any:
    """``value.name``; ARM looks properties up case-insensitively."""
    if not isinstance(value, dict):
        raise TemplateError(
            f"The language expression property '{name}' can't be evaluated, property name "
            f"must be a string or the value must be an object."
        )
    if name in value:
        return value[name]
    for key, item in value.items():
        if key.lower() == name.lower():
            return item
    available = ", ".join(value)
    raise TemplateError(
        f"The language expression property '{name}' doesn't exist, available properties "
        f"are '{available}'."
    )


def index(value: Any, key: Any) -> Any:
    """``value[key]``: array position or property name."""
    if isinstance(value, list):
        if not isinstance(key, int) or isinstance(key, bool):
            raise TemplateError(
                f"The language expression property array index '{key}' is not valid: "
                "it must be an integer."
            )
        if not 0 <= key < len(value):
            raise TemplateError(
                f"The language expression property array index '{key}' is out of bounds."
            )
        return value[key]
    if isinstance(value, dict) and isinstance(key, str):
        return member(value, key)
    raise TemplateError(
        f"The language expression property '{key}' can't be evaluated on a value of type "
        f"'{type_name(value)}'."
    )


def type_name(value: Any) -> str:
    """ARM's name for the JSON type of ``value`` (as in its error messages)."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    return "Object"


def evaluate_string(value: str, ctx: Context) -> Any:
    """A template string: its expression's value, or the (unescaped) literal."""
    if is_expression(value):
        return evaluate_node(parse_template_string(value), ctx)
    return _unescape(value)


def evaluate_value(value: Any, ctx: Context) -> Any:
    """Evaluate template JSON: strings, arrays, objects (with property ``copy``)."""
    if isinstance(value, str):
        return evaluate_string(value, ctx)
    if isinstance(value, list):
        return [evaluate_value(item, ctx) for item in value]
    if isinstance(value, dict):
        return _evaluate_object(value, ctx)
    return value


def _evaluate_object(value: dict, ctx: Context) -> dict:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "copy" and isinstance(item, list):
            out.update(expand_copy_array(item, ctx))
        else:
            out[key] = evaluate_value(item, ctx)
    return out


def expand_copy_array(loops: list, ctx: Context) -> dict[str, list]:
    """Property/variable ``copy``: ``[{name, count, input}]`` → ``{name: [inputs…]}``."""
    out: dict[str, list] = {}
    for loop in loops:
        if not isinstance(loop, dict) or "name" not in loop or "count" not in loop:
            raise TemplateError(
                "The copy property must be an array of objects with 'name', 'count' and "
                "'input' properties."
            )
        name = str(evaluate_value(loop["name"], ctx))
        count = copy_count(evaluate_value(loop["count"], ctx), name)
        out[name] = [
            evaluate_value(loop.get("input"), ctx.with_loop(name, i)) for i in range(count)
        ]
    return out


def copy_count(count: Any, name: str) -> int:
    """Check a copy loop's ``count`` the way ARM does (an integer 0..800)."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise TemplateError(
            f"The copy count for '{name}' must be an integer; actual type '{type_name(count)}'."
        )
    if not 0 <= count <= 800:
        raise TemplateError(
            f"The copy count '{count}' for '{name}' is not valid. The count must be "
            "between 0 and 800."
        )
    return count
