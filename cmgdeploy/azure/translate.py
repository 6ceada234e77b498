"""Turn SDK exceptions into cmgdeploy errors, keeping ARM's code, message and details."""

from __future__ import annotations

from typing import Any

from ..errors import AuthError, AzureError, CmgError, ErrorDetail
from ..redact import redact

# ARM codes that mean "you are not allowed", whatever the HTTP status says.
AUTH_CODES = {
    "AuthorizationFailed",
    "AuthenticationFailed",
    "InvalidAuthenticationToken",
    "InvalidAuthenticationTokenTenant",
    "ExpiredAuthenticationToken",
    "LinkedAuthorizationFailed",
}


def detail_chain(error: Any) -> list[ErrorDetail]:
    """Flatten an ARM error object (dict or azure-core ODataV4Format), outermost first."""
    if error is None:
        return []
    if not isinstance(error, dict):
        error = _odata_to_dict(error)
    head = ErrorDetail(
        str(error.get("code") or "Unknown"),
        redact(str(error.get("message") or "")),
        error.get("target"),
    )
    chain = [head]
    for inner in error.get("details") or []:
        chain.extend(detail_chain(inner))
    return chain


def _odata_to_dict(error: Any) -> dict[str, Any]:
    return {
        "code": getattr(error, "code", None),
        "message": getattr(error, "message", None),
        "target": getattr(error, "target", None),
        "details": list(getattr(error, "details", None) or []),
    }


def translate(exc: Exception, *, doing: str) -> CmgError:
    """A :class:`CmgError` for an SDK exception raised while ``doing`` something."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    if isinstance(exc, CmgError):
        return exc
    if isinstance(exc, ClientAuthenticationError) and exc.response is None:
        return sign_in_error(exc)
    if isinstance(exc, HttpResponseError):
        return _http_error(exc, doing)
    if isinstance(exc, ServiceRequestError | ServiceResponseError):
        return AzureError(
            f"{doing}: could not reach Azure: {redact(str(exc))}",
            code="ConnectionFailed",
            hint="check the environment's URLs, the network and the CA bundle",
        )
    return AzureError(f"{doing}: {redact(str(exc))}", code=type(exc).__name__)


def _http_error(exc: Any, doing: str) -> CmgError:
    chain = detail_chain(exc.error) if exc.error is not None else []
    status = exc.status_code
    if not chain:
        chain = [ErrorDetail(f"Http{status}", redact(exc.reason or str(exc)), None)]
    head, rest = chain[0], chain[1:]
    cls = AuthError if status in (401, 403) or head.code in AUTH_CODES else AzureError
    return cls(
        f"{doing}: {head.message} ({head.code})",
        code=head.code,
        target=head.target,
        details=rest,
    )


def sign_in_error(exc: Exception) -> AuthError:
    """Entra's refusal (wrong secret/certificate, unknown app...) as an AuthError."""
    message = redact(getattr(exc, "message", None) or str(exc))
    return AuthError(
        f"sign-in failed: {message}",
        code="AuthenticationFailed",
        hint="check the tenant, client id and the secret or certificate",
    )
