"""Transport-neutral request and response objects shared by every provider.

The HTTPS server (``mocks.core.server``) turns each wire request into a
:class:`Request`, the router picks a handler, and the handler returns a
:class:`Response`.  Handlers never touch sockets, so the same handlers serve the
standalone server, the in-process server and tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Principal:
    """Who a validated bearer token (or management certificate) belongs to."""

    tenant_id: str
    client_id: str
    subscription_ids: tuple[str, ...] = ()
    kind: str = "ServicePrincipal"  # or "ManagementCertificate"


@dataclass
class Request:
    method: str
    path: str  # decoded path without the query string, as sent (case preserved)
    query: dict[str, str]  # first value of each query parameter; keys lower-cased
    headers: dict[str, str]  # keys lower-cased
    body: bytes = b""
    client_cert_der: bytes | None = None  # TLS client certificate, if one was presented
    params: dict[str, str] = field(default_factory=dict)  # filled in by the router
    raw_path: str = ""  # the path as sent (percent-encoded), for signatures over it
    raw_query: str = ""  # the query string as sent
    client_ip: str = ""  # the peer's address
    # Set by handlers that serve several operations on one route (the Blob service):
    # the request log names this operation instead of the route's.
    operation: str = ""
    # Header names as sent (case kept), for services that preserve it (blob metadata).
    raw_headers: list[tuple[str, str]] = field(default_factory=list)
    principal: Principal | None = None  # filled in by the authenticating layer
    request_id: str = ""
    correlation_id: str = ""

    @staticmethod
    def parse_query(raw: str) -> dict[str, str]:
        return {k.lower(): v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """The body as JSON; an empty body is ``{}``. Raises ValueError if malformed."""
        if not self.body.strip():
            return {}
        return json.loads(self.body.decode("utf-8-sig"))

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; 400 InvalidRequestContent if it is anything else."""
        from .errors import InvalidRequestContent

        try:
            body = self.json()
        except ValueError as exc:
            raise InvalidRequestContent(
                f"The request content was invalid and could not be deserialized: '{exc}'."
            ) from exc
        if not isinstance(body, dict):
            raise InvalidRequestContent("The request content must be a JSON object.")
        return body

    def required_string(self, name: str) -> str:
        """A string property of the JSON body; 400 InvalidRequestContent if missing."""
        from .errors import InvalidRequestContent

        value = self.json_object().get(name)
        if not isinstance(value, str):
            raise InvalidRequestContent(
                f"The request content is missing the required property '{name}'."
            )
        return value

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, obj: Any, headers: dict[str, str] | None = None) -> Response:
        hdrs = {"Content-Type": "application/json; charset=utf-8"}
        hdrs.update(headers or {})
        return cls(status, json.dumps(obj).encode(), hdrs)

    @classmethod
    def xml(cls, status: int, text: str, headers: dict[str, str] | None = None) -> Response:
        hdrs = {"Content-Type": "application/xml; charset=utf-8"}
        hdrs.update(headers or {})
        return cls(status, text.encode(), hdrs)

    @classmethod
    def empty(cls, status: int, headers: dict[str, str] | None = None) -> Response:
        return cls(status, b"", dict(headers or {}))
