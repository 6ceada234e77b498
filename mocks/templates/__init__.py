"""The ARM template engine of the local Azure (pure: no HTTP, no store).

See ``docs/CONTRACTS.md`` section 1.3 for the interface.
"""

from .cli_body import loads_jsonc, parse_cli_body
from .engine import DeploymentScope, PlannedResource, PreparedDeployment, prepare, template_hash
from .errors import TemplateError, Unresolved
from .functions import function_names, unique_string
from .whatif import what_if_delta

__all__ = [
    "DeploymentScope",
    "PlannedResource",
    "PreparedDeployment",
    "TemplateError",
    "Unresolved",
    "function_names",
    "loads_jsonc",
    "parse_cli_body",
    "prepare",
    "template_hash",
    "unique_string",
    "what_if_delta",
]
