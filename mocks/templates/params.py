"""Template parameters: supplied values, defaults and ARM's checks.

Checks, in ARM's order and with its codes/messages: unknown supplied parameters,
missing values, JSON type, ``allowedValues``, ``minValue``/``maxValue``,
``minLength``/``maxLength``.  Secure parameter values never appear in messages.
Key Vault references (``{"reference": …}``) are resolved by the deployment driver
before the engine sees the parameters.
"""

from __future__ import annotations

from typing import Any

from .errors import TemplateError

PARAMETER_FILES_HELP = (
    "Please see https://aka.ms/resource-manager-parameter-files for usage details."
)

# Template type (lower-case) -> (ARM's JToken name, Python check)
_TYPES: dict[str, tuple[str, Any]] = {
    "string": ("String", str),
    "securestring": ("String", str),
    "int": ("Integer", int),
    "bool": ("Boolean", bool),
    "object": ("Object", dict),
    "secureobject": ("Object", dict),
    "array": ("Array", list),
}
DISPLAY_TYPES = {
    "string": "String",
    "securestring": "SecureString",
    "int": "Int",
    "bool": "Bool",
    "object": "Object",
    "secureobject": "SecureObject",
    "array": "Array",
}


def is_secure(definition: dict) -> bool:
    """True for ``securestring``/``secureObject`` parameters."""
    return str(definition.get("type", "")).lower() in ("securestring", "secureobject")


def check_declarations(declared: dict) -> None:
    """Every declared parameter has a known type."""
    for name, definition in declared.items():
        kind = str(definition.get("type", "")).lower() if isinstance(definition, dict) else ""
        if kind not in _TYPES:
            raise TemplateError(
                f"The template parameter '{name}' has an invalid type '{kind}'. The allowed "
                f"types are '{', '.join(DISPLAY_TYPES.values())}'."
            )


def check_supplied_names(declared: dict, supplied: dict) -> None:
    """Parameters given for the deployment must all exist in the template."""
    known = {name.lower() for name in declared}
    unknown = [name for name in supplied if name.lower() not in known]
    if unknown:
        raise TemplateError(
            f"The template parameters '{', '.join(unknown)}' in the parameters file are not "
            "valid; they are not present in the original template and can therefore not be "
            "provided at deployment time. The only supported parameters for this template "
            f"are '{', '.join(declared)}'. Please see https://aka.ms/arm-pass-parameter-values "
            "for usage details."
        )


def supplied_value(name: str, supplied: dict) -> tuple[bool, Any]:
    """``(True, value)`` when the deployment gives the parameter, else ``(False, None)``."""
    for key, entry in supplied.items():
        if key.lower() != name.lower():
            continue
        if not isinstance(entry, dict) or ("value" not in entry and "reference" not in entry):
            raise TemplateError(
                f"The value of deployment parameter '{name}' is null or not an object with a "
                f"'value' property. {PARAMETER_FILES_HELP}"
            )
        if "value" not in entry:  # the deployment driver resolves Key Vault references
            raise TemplateError(
                f"The deployment parameter '{name}' uses a Key Vault reference that was not "
                "resolved before the template was evaluated.",
                code="LocalAzureUnsupportedOperation",
            )
        return True, entry["value"]
    return False, None


def missing(name: str) -> TemplateError:
    """ARM's error for a parameter with neither a value nor a default."""
    return TemplateError(
        f"The value for the template parameter '{name}' at line '1' and column '1' is not "
        f"provided. {PARAMETER_FILES_HELP}",
        target=name,
    )


def check_value(name: str, definition: dict, value: Any) -> Any:
    """Check one parameter value against its declaration; returns the value."""
    kind = str(definition.get("type", "")).lower()
    _check_type(kind, value)
    shown = "" if is_secure(definition) else f" '{_show(value)}'"
    _check_allowed(name, definition, value, shown)
    _check_range(name, definition, value, shown)
    _check_length(name, definition, value, shown)
    return value


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _check_type(kind: str, value: Any) -> None:
    token, python_type = _TYPES[kind]
    ok = isinstance(value, python_type) and (python_type is bool or not isinstance(value, bool))
    if not ok:
        from .evaluator import type_name

        raise TemplateError(
            f"Template parameter JToken type is not valid. Expected '{token}'. Actual "
            f"'{type_name(value)}'. {PARAMETER_FILES_HELP}"
        )


def _check_allowed(name: str, definition: dict, value: Any, shown: str) -> None:
    allowed = definition.get("allowedValues")
    if not isinstance(allowed, list):
        return
    values = value if isinstance(value, list) else [value]
    if all(v in allowed for v in values):
        return
    listing = ",".join(_show(v) for v in allowed)
    raise TemplateError(
        f"The provided value{shown} for the template parameter '{name}' is not valid. The "
        f"parameter value is not part of the allowed value(s): '{listing}'.",
        target=name,
    )


def _check_range(name: str, definition: dict, value: Any, shown: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        return
    low, high = definition.get("minValue"), definition.get("maxValue")
    if isinstance(low, int) and value < low:
        raise TemplateError(
            f"The provided value{shown} for the template parameter '{name}' is not valid. "
            f"The value must be greater than or equal to '{low}'.",
            target=name,
        )
    if isinstance(high, int) and value > high:
        raise TemplateError(
            f"The provided value{shown} for the template parameter '{name}' is not valid. "
            f"The value must be less than or equal to '{high}'.",
            target=name,
        )


def _check_length(name: str, definition: dict, value: Any, shown: str) -> None:
    if not isinstance(value, str | list):
        return
    low, high = definition.get("minLength"), definition.get("maxLength")
    if isinstance(low, int) and len(value) < low:
        raise TemplateError(
            f"The provided value{shown} for the template parameter '{name}' is not valid. "
            f"The value length '{len(value)}' is less than the minimum length '{low}'.",
            target=name,
        )
    if isinstance(high, int) and len(value) > high:
        raise TemplateError(
            f"The provided value{shown} for the template parameter '{name}' is not valid. "
            f"The value length '{len(value)}' is greater than the maximum length '{high}'.",
            target=name,
        )


def check_output_type(name: str, kind: str, value: Any) -> None:
    """An output's value must match its declared type (as ARM checks)."""
    if kind not in _TYPES:
        raise TemplateError(f"The template output '{name}' has an invalid type '{kind}'.")
    try:
        _check_type(kind, value)
    except TemplateError:
        from .evaluator import type_name

        raise TemplateError(
            f"The template output '{name}' is not valid: Template output JToken type is not "
            f"valid. Expected '{_TYPES[kind][0]}'. Actual '{type_name(value)}'."
        ) from None
