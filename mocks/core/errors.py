"""ARM-shaped errors.

Provider ``exceptions.py`` modules subclass :class:`ArmError` with classes named
exactly after Azure's error codes (moto's convention), e.g. ``ResourceGroupNotFound``.
The server renders any ArmError as ``{"error": {"code", "message", "target",
"details", "additionalInfo"}}`` with its status and headers.
"""

from __future__ import annotations

from typing import Any


class ArmError(Exception):
    status = 400
    code = "BadRequest"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        target: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.target = target
        self.details = details or []
        self.headers = headers or {}

    def to_error(self) -> dict[str, Any]:
        """The inner ``error`` object (also used nested in deployment failures)."""
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            err["target"] = self.target
        if self.details:
            err["details"] = self.details
        return err

    def to_body(self) -> dict[str, Any]:
        return {"error": self.to_error()}


class NotFound(ArmError):
    status = 404
    code = "ResourceNotFound"


class ResourceNotFound(NotFound):
    """Nothing stored at a resource id (used by the generic routes and the providers)."""

    code = "ResourceNotFound"

    @classmethod
    def in_group(cls, type_and_name: str, group: str) -> ResourceNotFound:
        """ARM's wording for ``{type}/{name}`` missing from a resource group."""
        return cls(
            f"The Resource '{type_and_name}' under resource group '{group}' was not found. "
            "For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        )


class ParentResourceNotFound(NotFound):
    """A child resource (subnet, secret …) written under a parent that does not exist."""

    code = "ParentResourceNotFound"

    def __init__(self, parent: str) -> None:
        super().__init__(
            "Can not perform requested operation on nested resource. Parent resource "
            f"'{parent}' not found."
        )


class InvalidResourceReference(ArmError):
    """A body refers by id to a resource (subnet, pool …) that does not exist."""

    status = 400
    code = "InvalidResourceReference"

    def __init__(self, ref: str, by: str) -> None:
        super().__init__(
            f"Resource {ref} referenced by resource {by} was not found. Please make sure that "
            "the referenced resource exists, and that both resources are in the same region."
        )


class UnsupportedOperation(ArmError):
    """Loud answer for anything the local Azure does not speak (never a silent 200)."""

    status = 400
    code = "LocalAzureUnsupportedOperation"


class InvalidRequestContent(ArmError):
    status = 400
    code = "InvalidRequestContent"


class AuthenticationFailed(ArmError):
    status = 401
    code = "AuthenticationFailed"


class ExpiredAuthenticationToken(ArmError):
    status = 401
    code = "ExpiredAuthenticationToken"


class InvalidAuthenticationToken(ArmError):
    status = 401
    code = "InvalidAuthenticationToken"


class InvalidAuthenticationTokenAudience(ArmError):
    status = 401
    code = "InvalidAuthenticationTokenAudience"


class AuthorizationFailed(ArmError):
    status = 403
    code = "AuthorizationFailed"


class Conflict(ArmError):
    status = 409
    code = "Conflict"


class MissingSubscriptionRegistration(ArmError):
    status = 409
    code = "MissingSubscriptionRegistration"


class TooManyRequests(ArmError):
    status = 429
    code = "SubscriptionRequestsThrottled"
