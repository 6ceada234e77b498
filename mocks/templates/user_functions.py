"""User-defined functions (the template's ``functions`` section), called as
``namespace.name(args)``.

As ARM documents: a function sees only its own parameters (``parameters('x')``); it
cannot use the template's variables or parameters, ``reference()``/``list*``, or
default parameter values; it may call other user-defined functions; its output is
checked against the declared type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import params as _params
from .errors import TemplateError
from .evaluator import Context, evaluate_value

if TYPE_CHECKING:
    from .engine import PreparedDeployment

HELP = "Please see https://aka.ms/arm-user-defined-functions for usage details."
_NOT_IN_FUNCTIONS = {"variables", "reference", "references", "utcnow", "newguid"}


def declarations(template: dict) -> dict[str, dict]:
    """``{"namespace.name" (lower-case): member}`` of the template's functions."""
    out: dict[str, dict] = {}
    for group in template.get("functions") or []:
        if not isinstance(group, dict) or not isinstance(group.get("namespace"), str):
            raise TemplateError(
                f"The template 'functions' must be objects with a 'namespace'. {HELP}"
            )
        for name, member in (group.get("members") or {}).items():
            out[f"{group['namespace']}.{name}".lower()] = member
    return out


class _FunctionScope:
    """What a user-defined function's expressions see: its arguments as parameters."""

    def __init__(self, deployment: PreparedDeployment, name: str, values: dict[str, Any]) -> None:
        self._deployment = deployment
        self._name = name
        self._values = {k.lower(): v for k, v in values.items()}

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._deployment, attr)

    def parameter_value(self, name: str) -> Any:
        if name.lower() not in self._values:
            raise TemplateError(
                f"The template function '{self._name}' has no parameter '{name}': a "
                f"user-defined function can only use its own parameters. {HELP}"
            )
        return self._values[name.lower()]

    def variable_value(self, name: str) -> Any:
        raise TemplateError(
            f"The template function '{self._name}' uses variables('{name}'): a user-defined "
            f"function cannot use the template's variables. {HELP}"
        )


def call_user_function(name: str, args: list[Any], ctx: Context) -> Any:
    """Evaluate ``namespace.name(args)`` declared in the template."""
    member = ctx.deployment.user_functions.get(name.lower())
    if member is None:
        raise TemplateError(
            f"The template function '{name}' is not defined in the template's 'functions'. {HELP}"
        )
    declared = member.get("parameters") or []
    if len(args) != len(declared):
        raise TemplateError(
            f"The template function '{name}' expects '{len(declared)}' argument(s) while "
            f"'{len(args)}' were provided. {HELP}"
        )
    values = {}
    for definition, value in zip(declared, args, strict=True):
        values[definition["name"]] = _params.check_value(definition["name"], definition, value)
    scope = _FunctionScope(ctx.deployment, name, values)
    inner = Context(scope, ctx.stage)  # type: ignore[arg-type]
    output = member.get("output") or {}
    result = evaluate_value(output.get("value"), inner)
    _params.check_output_type(name, str(output.get("type", "string")).lower(), result)
    return result


def forbidden_inside(function_name: str) -> bool:
    """Functions a user-defined function may not call."""
    key = function_name.lower()
    return key in _NOT_IN_FUNCTIONS or key.startswith("list")
