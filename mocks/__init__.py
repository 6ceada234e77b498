"""A local Azure on 127.0.0.1: Entra ID, Resource Manager, Microsoft Graph, classic
Service Management, and Blob storage on a second port.

In-process use (tests, the tool's embedded mode)::

    from mocks import LocalAzure
    with LocalAzure(state_dir) as az:
        az.url, az.ca_bundle, az.identity, az.endpoint

Standalone: ``python -m mocks serve --state-dir DIR``. See ``mocks/README.md``.
"""

from __future__ import annotations

import importlib
import os
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from mocks.cmgservice.listeners import close_all as close_service_endpoints
from mocks.core import bootstrap
from mocks.core.cloud import Cloud, CloudConfig, Identity
from mocks.core.server import (
    LocalAzureHTTPServer,
    check_loopback,
    make_blob_server,
    make_server,
)

__all__ = ["CloudConfig", "LocalAzure", "read_endpoint"]


def read_endpoint(state_dir: Path | str) -> dict[str, Any] | None:
    """``endpoint.json`` of the state dir if the server process named in it is alive."""
    return bootstrap.read_endpoint(Path(state_dir))


class LocalAzure:
    """One local Azure (one state dir) served from a background thread of this process.

    Bootstraps the state dir (PKI, identity) on construction. ``config``, when given,
    becomes the persisted configuration of the state dir; ``run_config`` (CloudConfig
    field names) applies to this server only and is never persisted; ``faults`` (the
    faults JSON) replaces its fault settings. ``embedded``: started by cmgdeploy for one command —
    marked so in ``endpoint.json``, where other processes will not adopt it.
    """

    def __init__(
        self,
        state_dir: Path | str,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        config: CloudConfig | None = None,
        faults: dict[str, Any] | None = None,
        embedded: bool = False,
        run_config: dict[str, Any] | None = None,
    ) -> None:
        check_loopback(host)
        self.host, self.port = host, port
        # An embedded server lives for one command of this process: endpoint.json says
        # so, and other processes start their own instead of adopting it.
        self.embedded = embedded
        self.cloud = Cloud(Path(state_dir))
        self.cloud.run_config = dict(run_config or {})
        bootstrap.ensure(self.cloud)
        if config is not None:
            bootstrap.save_config(self.cloud, config)
        if faults is not None:
            self.cloud.faults.set(faults)
        bootstrap.refresh_config(self.cloud)
        self._server: LocalAzureHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._blob_server: LocalAzureHTTPServer | None = None
        self._blob_thread: threading.Thread | None = None

    @property
    def state_dir(self) -> Path:
        return self.cloud.state_dir

    @property
    def url(self) -> str:
        return self.cloud.base_url

    @property
    def blob_url(self) -> str:
        """The Blob service: ``https://127.0.0.1:BLOBPORT`` (accounts are path-style)."""
        return self.cloud.blob_url

    @property
    def ca_bundle(self) -> str:
        return str(self.cloud.state_dir / "ca.pem")

    @property
    def identity(self) -> Identity:
        return self.cloud.identity

    @property
    def endpoint(self) -> dict[str, Any]:
        """What ``endpoint.json`` says (url, ca_bundle, tenant, subscription, credentials)."""
        return bootstrap.endpoint_info(self.cloud, self.url, os.getpid(), embedded=self.embedded)

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> LocalAzure:
        """Listen and serve from a daemon thread; writes ``endpoint.json``."""
        if self._server is not None:
            return self
        self._server = make_server(self.cloud, self.host, self.port)
        self._blob_server = make_blob_server(self.cloud, self.host)
        self._thread = _serving(self._server, f"local-azure-{self.url}")
        self._blob_thread = _serving(self._blob_server, f"local-azure-blob-{self.blob_url}")
        # Accounts made while another server (another Blob port) ran point here now.
        importlib.import_module("mocks.storage.models").refresh_blob_endpoints(
            self.cloud, self.blob_url
        )
        bootstrap.write_endpoint(self.cloud, self.url, embedded=self.embedded)
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and mark ``endpoint.json`` stopped."""
        server, self._server = self._server, None
        if server is None:
            return
        for each, thread in ((server, self._thread), (self._blob_server, self._blob_thread)):
            if each is None:
                continue
            each.shutdown()
            each.close_connections()
            each.server_close()
            if thread is not None:
                thread.join(timeout=5)
        self._blob_server = None
        close_service_endpoints(self.cloud)
        bootstrap.mark_stopped(self.cloud.state_dir, os.getpid(), self.url)

    def __enter__(self) -> LocalAzure:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _serving(server: LocalAzureHTTPServer, name: str) -> threading.Thread:
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
    )
    thread.start()
    return thread
