"""Errors of Microsoft Graph, named after Graph's codes.

Rendered as ``{"error": {"code", "message", "innerError": {"date", "request-id",
"client-request-id"}}}`` (plus ``details`` when given), Graph's error resource.
"""

from __future__ import annotations

from typing import Any

from mocks.core.errors import ArmError


class GraphError(ArmError):
    status = 400
    code = "Request_BadRequest"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message, details=details)


class Request_BadRequest(GraphError):
    status = 400
    code = "Request_BadRequest"


class Request_ResourceNotFound(GraphError):
    status = 404
    code = "Request_ResourceNotFound"

    def __init__(self, object_id: str) -> None:
        super().__init__(
            f"Resource '{object_id}' does not exist or one of its queried reference-property "
            "objects are not present."
        )


class InvalidUniqueTenantIdentifierAsPerAppPolicy(GraphError):
    """A new identifier URI without the tenant ID, the app ID or a verified domain, refused
    by the tenant's default app management policy (message: Entra's
    identifier-uri-restrictions page; the code as Graph answers it, the page names none)."""

    status = 400
    code = "InvalidUniqueTenantIdentifierAsPerAppPolicy"

    def __init__(self, uri: str) -> None:
        super().__init__(
            f"Failed to add identifier URI {uri}. All newly added URIs must contain a tenant "
            "verified domain, tenant ID, or app ID, as per the default tenant policy of your "
            "organization. See https://aka.ms/identifier-uri-addition-error for more "
            "information on this error."
        )


class Request_UnsupportedQuery(GraphError):
    status = 400
    code = "Request_UnsupportedQuery"


class Request_MultipleObjectsWithSameKeyValue(GraphError):
    status = 409
    code = "Request_MultipleObjectsWithSameKeyValue"


class InvalidAuthenticationToken(GraphError):
    status = 401
    code = "InvalidAuthenticationToken"


class Authorization_RequestDenied(GraphError):
    status = 403
    code = "Authorization_RequestDenied"

    def __init__(self) -> None:
        super().__init__("Insufficient privileges to complete the operation.")
