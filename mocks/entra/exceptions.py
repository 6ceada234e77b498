"""Entra ID (AADSTS) errors, named after what Entra reports.

The body is OAuth2's error shape plus Entra's extras: ``error``, ``error_description``
(starting ``AADSTS<code>: ``), ``error_codes``, ``timestamp``, ``trace_id``,
``correlation_id``. azure-identity raises ``ClientAuthenticationError`` carrying the
description; msal's device flow keeps polling on ``authorization_pending``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any


class EntraError(Exception):
    status = 400
    error = "invalid_request"
    aadsts = 900144

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    def to_body(self, correlation_id: str) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        trace_id = str(uuid.uuid4())
        return {
            "error": self.error,
            "error_description": (
                f"AADSTS{self.aadsts}: {self.description} Trace ID: {trace_id} "
                f"Correlation ID: {correlation_id} Timestamp: {now}"
            ),
            "error_codes": [self.aadsts],
            "timestamp": now,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
        }


class InvalidRequest(EntraError):
    """A required parameter is missing (AADSTS900144)."""


class TenantNotFound(EntraError):
    error = "invalid_tenant"
    aadsts = 90002


class ApplicationNotFound(EntraError):
    error = "unauthorized_client"
    aadsts = 700016


class InvalidClientSecret(EntraError):
    status = 401
    error = "invalid_client"
    aadsts = 7000215


class MissingClientCredential(EntraError):
    status = 401
    error = "invalid_client"
    aadsts = 7000218


class InvalidClientAssertion(EntraError):
    status = 401
    error = "invalid_client"
    aadsts = 700027


class UnsupportedGrantType(EntraError):
    error = "unsupported_grant_type"
    aadsts = 70003


class InvalidScope(EntraError):
    error = "invalid_scope"
    aadsts = 1002012


class AuthorizationPending(EntraError):
    error = "authorization_pending"
    aadsts = 70016


class ExpiredToken(EntraError):
    error = "expired_token"
    aadsts = 70020


class InvalidGrant(EntraError):
    error = "invalid_grant"
    aadsts = 70000


class ManagedIdentityError(Exception):
    """The App Service managed-identity endpoint's own error shape (not AADSTS)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def to_body(self) -> dict[str, Any]:
        return {"statusCode": self.status, "message": self.message}
