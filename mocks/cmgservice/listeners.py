"""Loopback TLS listeners for the CMG services of one running local Azure.

:func:`reconcile` opens a listener (127.0.0.1, a free port) per service endpoint, serving
that CMG's server certificate, and closes those of CMGs that are gone or changed;
:func:`close_all` closes them when the server stops. Each accepted connection completes
the TLS handshake and is closed (no HTTP is spoken). The published map says which
loopback port stands for which ``fqdn:port``: the CMG's public DNS name does not
resolve on this machine.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import tempfile
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .models import ServiceSpec, deployed_services

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

HANDSHAKE_TIMEOUT = 5.0


class _Listener:
    """One loopback TLS port standing for ``fqdn:port``."""

    def __init__(self, context: ssl.SSLContext, fqdn: str, port: int) -> None:
        self.fqdn, self.port = fqdn, port
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.local_port = int(self.sock.getsockname()[1])
        self.context = context
        self.thread = threading.Thread(
            target=self._serve, name=f"cmg-endpoint-{fqdn}:{port}", daemon=True
        )
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._handshake, args=(conn,), daemon=True).start()

    def _handshake(self, conn: socket.socket) -> None:
        conn.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError):  # the client refused the certificate, or went away
            conn.close()
            return
        tls.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(timeout=2)


class _Service:
    """The listeners of one CMG service (one per endpoint port)."""

    def __init__(self, spec: ServiceSpec) -> None:
        self.spec = spec
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        # The chain and key live in a 0600 file only while the context loads them.
        with tempfile.NamedTemporaryFile(suffix=".pem") as pem:
            Path(pem.name).chmod(0o600)
            pem.write(spec.pem)
            pem.flush()
            context.load_cert_chain(pem.name)
        self.listeners = [_Listener(context, spec.fqdn, port) for port in spec.ports]

    def close(self) -> None:
        for listener in self.listeners:
            listener.close()


class _Registry:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.services: dict[str, _Service] = {}


_REGISTRIES: weakref.WeakKeyDictionary[Cloud, _Registry] = weakref.WeakKeyDictionary()
_GLOBAL = threading.Lock()


def _registry(cloud: Cloud) -> _Registry:
    with _GLOBAL:
        return _REGISTRIES.setdefault(cloud, _Registry())


def reconcile(cloud: Cloud) -> list[dict[str, Any]]:
    """Open/close listeners to match the store; the map ``[{host, port, address,
    local_port}]`` (``host:port`` is reached at ``address:local_port``)."""
    wanted = {spec.key: spec for spec in deployed_services(cloud)}
    registry = _registry(cloud)
    with registry.lock:
        for key in list(registry.services):
            if (
                key not in wanted
                or registry.services[key].spec.fingerprint != wanted[key].fingerprint
            ):
                registry.services.pop(key).close()
        for key, spec in wanted.items():
            if key not in registry.services:
                registry.services[key] = _Service(spec)
        return [
            {
                "host": lst.fqdn,
                "port": lst.port,
                "address": "127.0.0.1",
                "local_port": lst.local_port,
            }
            for service in registry.services.values()
            for lst in service.listeners
        ]


def close_all(cloud: Cloud) -> None:
    """Close every listener of ``cloud`` (the server is stopping)."""
    registry = _registry(cloud)
    with registry.lock:
        for service in registry.services.values():
            service.close()
        registry.services.clear()
