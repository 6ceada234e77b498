"""Service Management errors, named after the codes the real API returns.

Service Management answers errors as XML, not ARM JSON::

    <Error xmlns="http://schemas.microsoft.com/windowsazure">
      <Code>ResourceNotFound</Code><Message>The hosted service does not exist.</Message>
    </Error>

The handlers in ``responses.py`` catch :class:`ClassicError` and render that body.
The classes subclass :class:`~mocks.core.errors.ArmError` only so that one escaping a
handler still carries the right HTTP status.
"""

from __future__ import annotations

from mocks.core.errors import ArmError

AUTH_FAILED_MESSAGE = (
    "The server failed to authenticate the request. Verify that the certificate is valid "
    "and is associated with this subscription."
)


class ClassicError(ArmError):
    """Base class of Service Management errors (rendered as XML)."""

    status = 400
    code = "BadRequest"


class MissingOrIncorrectVersionHeader(ClassicError):
    status = 400
    code = "MissingOrIncorrectVersionHeader"

    def __init__(self) -> None:
        super().__init__("The versioning header is not specified or was specified incorrectly.")


class ForbiddenError(ClassicError):
    status = 403
    code = "ForbiddenError"

    def __init__(self) -> None:
        super().__init__(AUTH_FAILED_MESSAGE)


class ResourceNotFound(ClassicError):
    status = 404
    code = "ResourceNotFound"


class ConflictError(ClassicError):
    status = 409
    code = "ConflictError"


class BadRequest(ClassicError):
    status = 400
    code = "BadRequest"
