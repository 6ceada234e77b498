"""Turn SDK exceptions into cmgdeploy errors, keeping ARM's code, message and details."""

from __future__ import annotations

import re
from typing import Any

from cmgdeploy.domain.errors import AuthError, AzureError, CmgError, ErrorDetail
from cmgdeploy.domain.redact import redact

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
        return sign_in_failure(exc)
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


# Entra ID answers that mean "not now" rather than "no": throttling, outages, no route.
_UNAVAILABLE_CODES = ("temporarily_unavailable", "server_error", "service_unavailable")
_HTTP_STATUS = re.compile(r"HTTP status: (\d{3})")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _status_of(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(exc, "status_code", None) or getattr(response, "status_code", None)
    if isinstance(status, int):
        return status
    match = _HTTP_STATUS.search(str(exc))
    return int(match.group(1)) if match else None


def sign_in_unavailable(exc: BaseException) -> str | None:
    """Why Entra ID could not answer (``"throttled (HTTP 429)"``, ``"unavailable (HTTP
    503)"``, ``"unreachable"``), or None when the failure is a real refusal."""
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError

    for link in _chain(exc):
        if isinstance(link, ServiceRequestError | ServiceResponseError | ConnectionError):
            return "unreachable"
        status = _status_of(link)
        if status == 429:
            return "throttled (HTTP 429)"
        if status is not None and status >= 500:
            return f"unavailable (HTTP {status})"
        if any(code in str(link) for code in _UNAVAILABLE_CODES):
            return "unavailable"
    return None


def sign_in_failure(exc: BaseException) -> CmgError:
    """A failed token request: Entra ID throttled/down/unreachable → :class:`AzureError`
    (exit 1: try again later); a refusal (invalid_client, unknown tenant...) →
    :class:`AuthError` (exit 3)."""
    why = sign_in_unavailable(exc)
    if why is None:
        return sign_in_error(exc if isinstance(exc, Exception) else Exception(str(exc)))
    return AzureError(
        f"sign-in did not complete: Entra ID was {why}; nothing was changed",
        code="SignInUnavailable",
        hint="run the command again later (the credentials were not refused)",
    )
