"""Exit codes and the one error hierarchy of cmgdeploy.

Operations raise these; only ``cmgdeploy.cli`` catches them, prints
``cmgdeploy: error: <message>`` (or the JSON envelope) and exits with ``exit_code``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    OK = 0
    AZURE_FAILED = 1  # an Azure operation failed (deployment failed, ARM error, ...)
    BAD_INPUT = 2  # bad input or usage; nothing was written to Azure
    AUTH_FAILED = 3  # authentication or authorization failed
    TIMED_OUT = 4  # gave up waiting; the Azure operation continues
    LOCKED = 5  # another run holds the lock for this CMG
    CHECK_WARNING = 10  # check: something needs attention soon (expires within --warn-days)
    CHECK_CRITICAL = 11  # check: something is expired, failed or missing
    INTERRUPTED = 130  # Ctrl-C; the Azure operation continues


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of the JSON envelope's ``errors`` list (innermost cause last)."""

    code: str
    message: str
    target: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "target": self.target}


class CmgError(Exception):
    """Base class: a message for people, an exit code, optional structured details."""

    exit_code: ExitCode = ExitCode.AZURE_FAILED
    code: str = "Error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        target: str | None = None,
        details: list[ErrorDetail] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.target = target
        self.details: list[ErrorDetail] = list(details or [])
        self.hint = hint

    def error_chain(self) -> list[ErrorDetail]:
        return [ErrorDetail(self.code, self.message, self.target), *self.details]


class InputError(CmgError):
    """Bad input: names the field, the value and what is allowed."""

    exit_code = ExitCode.BAD_INPUT
    code = "InvalidInput"

    def __init__(self, field_name: str, value: Any, allowed: str, **kw: Any) -> None:
        shown = "(empty)" if value in (None, "") else repr(value)
        super().__init__(f"{field_name}: {shown} is not valid; {allowed}", target=field_name, **kw)
        self.field_name = field_name


class UsageError(CmgError):
    exit_code = ExitCode.BAD_INPUT
    code = "UsageError"


class NotFound(CmgError):
    """The thing named does not exist (nothing was changed): exit 2, like bad input."""

    exit_code = ExitCode.BAD_INPUT
    code = "NotFound"


class AuthError(CmgError):
    exit_code = ExitCode.AUTH_FAILED
    code = "AuthenticationFailed"


class AzureError(CmgError):
    """An Azure operation failed; keeps ARM's code, message, target and details."""

    exit_code = ExitCode.AZURE_FAILED
    code = "AzureError"


class WaitTimeout(CmgError):
    exit_code = ExitCode.TIMED_OUT
    code = "Timeout"


class LockHeld(CmgError):
    exit_code = ExitCode.LOCKED
    code = "LockHeld"


class Interrupted(CmgError):
    exit_code = ExitCode.INTERRUPTED
    code = "Interrupted"


@dataclass
class Warnings:
    """Collects warnings an operation wants shown (rendered to stderr / JSON)."""

    items: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        if message not in self.items:
            self.items.append(message)
