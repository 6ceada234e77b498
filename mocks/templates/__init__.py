"""The ARM template engine of the local Azure (pure: no HTTP, no store).

See ``docs/CONTRACTS.md`` section 1.3 for the interface.
"""

# The function modules below register themselves in the registry of ``functions``.
from . import catalogue, functions_cidr, functions_date, functions_lambda, functions_more  # noqa: F401
from .cli_body import loads_jsonc, parse_cli_body
from .engine import DeploymentScope, PlannedResource, PreparedDeployment, prepare, template_hash
from .errors import TemplateError, Unresolved
from .functions import function_names, unique_string
from .nested import NestedRequest, is_nested_deployment, nested_request
from .whatif import what_if_delta

__all__ = [
    "DeploymentScope",
    "NestedRequest",
    "PlannedResource",
    "PreparedDeployment",
    "TemplateError",
    "Unresolved",
    "catalogue",
    "function_names",
    "is_nested_deployment",
    "loads_jsonc",
    "nested_request",
    "parse_cli_body",
    "prepare",
    "template_hash",
    "unique_string",
    "what_if_delta",
]
