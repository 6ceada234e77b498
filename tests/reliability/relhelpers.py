"""Helpers of the reliability tests: a lab environment and ArmSession on a local Azure,
and a tiny scripted HTTP server for answers the local Azure never gives."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from cmgdeploy.azure.arm import ArmSession
from cmgdeploy.azure.auth import make_credential
from mocks import LocalAzure


@dataclass(frozen=True)
class LabEnvironment:
    """An environment (EnvironmentLike) pointing at one local Azure."""

    authority: str
    resource_manager: str
    audience: str
    ca_bundle: str
    name: str = "lab"
    instance_discovery: bool = False


@dataclass(frozen=True)
class SecretAuth:
    """Sign-in settings as config.AuthSettings has them (secret method)."""

    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)
    method: str = "secret"
    effective_method: str = "secret"
    client_certificate: str | None = None
    client_certificate_password: str | None = None


def lab_environment(az: LocalAzure) -> LabEnvironment:
    return LabEnvironment(az.url, az.url + "/", az.url + "/", str(az.ca_bundle))


def arm_session(az: LocalAzure, credential: Any = None) -> ArmSession:
    """An ArmSession on the local Azure's subscription, signed in with its SP's secret."""
    env = lab_environment(az)
    ident = az.identity
    auth = SecretAuth(ident.tenant_id, ident.client_id, ident.client_secret)
    cred = credential or make_credential(env, auth)
    return ArmSession(env, cred, ident.subscription_id)


@dataclass
class Scripted:
    """A plain-HTTP server on 127.0.0.1 answering from a script: (status, headers)."""

    script: list[tuple[int, dict[str, str]]]
    hits: list[tuple[float, str, str]] = field(default_factory=list)  # (monotonic, method, path)
    url: str = ""

    def next_answer(self) -> tuple[int, dict[str, str]]:
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]


def handler_for(scripted: Scripted) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            scripted.hits.append((time.monotonic(), self.command, self.path))
            status, headers = scripted.next_answer()
            body = b'{"error": {"code": "Scripted%d", "message": "scripted"}}' % status
            self.send_response(status)
            for key, value in {**headers, "Content-Type": "application/json"}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_DELETE = _answer

        def log_message(self, *args: Any) -> None:
            return None

    return Handler
