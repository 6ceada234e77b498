"""The ``local`` environment: find the running local Azure, or start one in-process.

The state directory is ``$CMGDEPLOY_HOME/local-azure``. A server started by
``python -m mocks serve`` (or a test's LocalAzure) is found through its
``endpoint.json`` when its pid is alive and its URL answers; otherwise one is started
in this process for the duration of the command, marked embedded there so that another
cmgdeploy run never adopts it (it would vanish when this command ends). The tool uses
the values exactly as it would use any other environment's: this module only resolves
them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import ssl
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cmgdeploy.domain.errors import CmgError
from cmgdeploy.domain.redact import register_secret

ENDPOINT_FILE = "endpoint.json"


@dataclass(frozen=True)
class LocalEndpoint:
    """Where the local Azure answers and its test identities (the secret is not in repr)."""

    url: str
    ca_bundle: str
    tenant_id: str
    subscription_id: str
    client_id: str
    client_secret: str = field(repr=False)
    client_certificate: str = ""
    management_certificate: str = ""
    # The server's health answer: its settings now (``settings``), its run's own
    # (``run_settings``) and the state dir's faults.
    health: dict[str, Any] = field(default_factory=dict, compare=False)
    prices: str = ""
    service_endpoints: str = ""
    graph: str = ""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _health(url: str, ca_bundle: str) -> dict[str, Any] | None:
    """The health answer of ``url`` over TLS verified with ``ca_bundle`` (``{}`` when it
    answered with something else), or None when nothing answers."""
    context = ssl.create_default_context(cafile=ca_bundle)
    try:
        with urllib.request.urlopen(
            f"{url}/_localazure/health", context=context, timeout=3
        ) as answer:
            body = json.loads(answer.read() or b"{}")
            return body if isinstance(body, dict) else {}
    except urllib.error.HTTPError:
        return {}  # it answered, even if not with 200
    except (OSError, ValueError):
        return None


def _endpoint_from(data: dict[str, Any]) -> LocalEndpoint:
    register_secret(data.get("client_secret"))
    return LocalEndpoint(
        url=str(data["url"]).rstrip("/"),
        ca_bundle=str(data["ca_bundle"]),
        tenant_id=str(data["tenant_id"]),
        subscription_id=str(data["subscription_id"]),
        client_id=str(data["client_id"]),
        client_secret=str(data.get("client_secret", "")),
        client_certificate=str(data.get("client_certificate", "")),
        management_certificate=str(data.get("management_certificate", "")),
        prices=_on_server(data, "prices"),
        service_endpoints=_on_server(data, "service_endpoints"),
        graph=_on_server(data, "graph_url"),
    )


def _on_server(data: dict[str, Any], key: str) -> str:
    """A URL endpoint.json gives under ``key``, on the server this process uses (the
    file names one server's URLs; another live server of the state dir has the same
    paths on its own origin)."""
    value = str(data.get(key) or "")
    named = str(data.get("named_url") or data["url"]).rstrip("/")
    return str(data["url"]).rstrip("/") + value[len(named) :] if value.startswith(named) else value


def _adoptable(server: dict[str, Any]) -> bool:
    """A server this process may use: alive, and not embedded in another cmgdeploy
    process (that one stops when its command ends, under our feet)."""
    pid = server.get("pid")
    if not isinstance(pid, int) or not _pid_alive(pid):
        return False
    return not server.get("embedded") or pid == os.getpid()


def find_running(state_dir: Path) -> LocalEndpoint | None:
    """A local Azure serving ``state_dir`` that is running, answers and outlives this
    command: the one ``endpoint.json`` names, or another it lists under ``others``
    (several servers may serve one state dir; they share its CA and identity)."""
    path = Path(state_dir) / ENDPOINT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "url" not in data:
        return None
    others = data.get("others")
    servers = (
        [data, *(o for o in others if isinstance(o, dict))] if isinstance(others, list) else [data]
    )
    for server in servers:
        if not _adoptable(server) or not server.get("url"):
            continue
        endpoint = _endpoint_from({**data, "url": server["url"], "named_url": data["url"]})
        health = _health(endpoint.url, endpoint.ca_bundle)
        if health is not None:
            return dataclasses.replace(endpoint, health=health)
    return None


# A resource that takes this long or longer makes a CMG deployment visibly slow.
SLOW_PROVISIONING_SECONDS = 1.0


def slowdown_warning(health: dict[str, Any], state_dir: Path) -> str | None:
    """Why deployments on this local Azure will be slow, if they will (None otherwise)."""
    settings = health.get("settings") or {}
    overrides = settings.get("provisioning_overrides") or {}
    seconds = float(settings.get("provisioning_seconds") or 0)
    slowest = max([seconds, *map(float, overrides.values())])
    if slowest < SLOW_PROVISIONING_SECONDS:
        return None
    faults = health.get("faults") or {}
    if "provisioning_seconds" in (health.get("run_settings") or {}):
        cause = "set for this server run by `python -m mocks serve --provisioning-seconds`"
    elif "provisioning_seconds" in faults or any(
        t.get("kind") == "slow" for t in faults.get("targeted") or [] if isinstance(t, dict)
    ):
        cause = f"by its faults (`python -m mocks faults --state-dir {state_dir} --clear`)"
    else:
        cause = "kept in its state dir's configuration"
    shown = f"{seconds:g} s per resource" if slowest == seconds else f"up to {slowest:g} s"
    return (
        f"the local Azure at {state_dir} is slowed: provisioning takes {shown}, {cause}; "
        f"`python -m mocks endpoint --state-dir {state_dir}` shows its settings"
    )


@contextlib.contextmanager
def local_azure(state_dir: Path) -> Iterator[LocalEndpoint]:
    """The running local Azure for ``state_dir``, or one started here until the block ends."""
    running = find_running(state_dir)
    if running is not None:
        yield running
        return
    try:
        import importlib

        local_azure_class = importlib.import_module("mocks").LocalAzure
    except ImportError as exc:
        raise CmgError(
            f"the local Azure (package mocks) is not installed: {exc}",
            code="LocalAzureMissing",
            hint="install cmgdeploy from a clone with `bash scripts/setup.sh`",
        ) from None
    # Embedded: endpoint.json says this server ends with this command, so a concurrent
    # cmgdeploy run starts its own on the same state dir instead of adopting it.
    with local_azure_class(Path(state_dir), port=0, embedded=True) as server:
        cloud = server.cloud
        health = {
            "settings": cloud.config.to_dict(),
            "run_settings": dict(cloud.run_config),
            "faults": cloud.faults.settings(),
        }
        yield dataclasses.replace(_endpoint_from(dict(server.endpoint)), health=health)


@dataclass(frozen=True)
class ResolvedEnvironment:
    """An AzureEnvironments row with its run-time values: live URLs for ``local`` and
    the default identity (tenant, subscription, service principal) when it has one."""

    row: Any
    authority: str
    resource_manager: str
    audience: str
    ca_bundle: str | None
    tenant_id: str | None = None
    subscription_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    client_certificate: str | None = None
    management_certificate: str | None = None
    local_service_management: str | None = None
    warnings: tuple[str, ...] = ()  # about this environment, for the command's output
    local_prices: str | None = None
    # Where the environment publishes which address stands for a service's DNS name
    # and port (``{"endpoints": [{host, port, address, local_port}]}``); None: DNS.
    address_map: str | None = None
    local_graph: str | None = None

    @property
    def name(self) -> str:
        return str(self.row.name)

    @property
    def instance_discovery(self) -> bool:
        return bool(self.row.instance_discovery)

    @property
    def storage_suffix(self) -> str:
        return str(self.row.storage_suffix)

    @property
    def public_ip_suffix(self) -> str:
        return str(self.row.public_ip_suffix)

    @property
    def graph(self) -> str | None:
        """The Microsoft Graph endpoint (no trailing slash), or None when unknown."""
        return self.local_graph or getattr(self.row, "graph", None) or None

    @property
    def graph_audience(self) -> str | None:
        """The audience of Graph tokens: the row's Graph URL; the local Azure's Entra
        issues them for the public Graph audience."""
        return None if self.local_graph else getattr(self.row, "graph", None)

    @property
    def prices(self) -> str | None:
        """The cloud's Azure Retail Prices API, or None when it documents none."""
        return self.local_prices or getattr(self.row, "prices", None) or None

    @property
    def service_management(self) -> str | None:
        return self.local_service_management or self.row.service_management or None


def _is_local(row: Any) -> bool:
    return str(row.name).lower() == "local" and not row.resource_manager


@contextlib.contextmanager
def resolve_environment(row: Any, state_dir: Path) -> Iterator[ResolvedEnvironment]:
    """The row as used for one command; for ``local``, the local Azure in ``state_dir``."""
    if not _is_local(row):
        yield ResolvedEnvironment(
            row, row.authority, row.resource_manager, row.audience, row.ca_bundle
        )
        return
    with local_azure(state_dir) as ep:
        yield ResolvedEnvironment(
            row,
            authority=ep.url,
            resource_manager=ep.url + "/",
            audience=ep.url,
            ca_bundle=ep.ca_bundle,
            tenant_id=ep.tenant_id,
            subscription_id=ep.subscription_id,
            client_id=ep.client_id,
            client_secret=ep.client_secret,
            client_certificate=ep.client_certificate,
            management_certificate=ep.management_certificate,
            local_service_management=ep.url + "/",
            warnings=tuple(w for w in [slowdown_warning(ep.health, Path(state_dir))] if w),
            local_prices=ep.prices or None,
            address_map=ep.service_endpoints or None,
            local_graph=ep.graph or None,
        )
