"""Errors raised by the ARM template engine.

ARM reports template problems as ``InvalidTemplate`` (400) with a message that
quotes the offending function, parameter or resource; the deployment handlers turn
:class:`TemplateError` into that ARM error body unchanged.
"""

from __future__ import annotations

VALIDATION_PREFIX = "Deployment template validation failed: "
# The code of a real ARM feature that the local Azure does not simulate (named, loud).
UNSUPPORTED = "LocalAzureUnsupportedOperation"


class TemplateError(Exception):
    """A template or parameter problem, with ARM's error code and message."""

    def __init__(
        self, message: str, code: str = "InvalidTemplate", target: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.target = target

    def to_error(self) -> dict[str, str]:
        """ARM's inner ``error`` object for this problem."""
        err = {"code": self.code, "message": self.message}
        if self.target:
            err["target"] = self.target
        return err


class Unresolved(Exception):
    """``reference()`` named a resource that does not exist yet (what-if/validate)."""

    def __init__(self, resource_id: str) -> None:
        super().__init__(resource_id)
        self.resource_id = resource_id


def validation_failed(inner: str, target: str | None = None) -> TemplateError:
    """The error ARM gives when template validation (before any write) fails."""
    return TemplateError(f"{VALIDATION_PREFIX}'{inner}'", target=target)
