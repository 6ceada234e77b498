"""What the site knows about its CMGs: the records the site database keeps.

A CMG service, its connection points and MP/SUP roles, the gateway settings the site
needs to create it, the Entra apps and the mirror of a migration journal. Plain frozen
values: :mod:`cmgdeploy.services.sitedb` stores them, the runbook renders them."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any


def utcnow_iso() -> str:
    """Now in UTC, ISO-8601 with seconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class CmgService:
    """A CMG cmgdeploy manages (or a classic one registered for a migration)."""

    name: str
    environment: str
    region: str
    instances: int
    state: str
    subscription: str | None = None
    resource_group: str | None = None
    vm_size: str | None = None
    fqdn: str | None = None
    input_hash: str | None = None
    deployment_name: str | None = None
    created_rg: bool = False
    kind: str = "arm"
    updated: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ConnectionPoint:
    """A CMG connection point: the on-premises server that opens the channel to a CMG."""

    server: str
    site_code: str
    cmg: str
    protocol: str = "HTTPS"
    ports: tuple[int, ...] = (443,)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ports": list(self.ports)}


@dataclass(frozen=True)
class SiteRole:
    """A management point (MP) or software update point (SUP) enabled for a CMG."""

    server: str
    role: str
    site_code: str
    cmg: str
    https: bool = True
    cmg_enabled: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TrustedRoot:
    """A trusted root (or intermediate) CA certificate the CMG is given: the file the
    runbook imports and its thumbprint."""

    thumbprint: str
    file: str
    subject: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GatewaySettings:
    """What the site needs to create a CMG: the service name (the server certificate's
    CN, a wildcard's ``*`` replaced by the CMG name), the certificate, the trusted roots
    and the switches ConfigMgr sets on it (CRL check, TLS 1.2, content)."""

    cmg: str
    service_name: str
    server_cert_thumbprint: str | None = None
    server_cert_file: str | None = None
    trusted_roots: tuple[TrustedRoot, ...] = ()
    verify_client_revocation: bool = True
    enforce_tls12: bool = True
    content_from_storage: bool = False
    updated: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "trusted_roots": [r.to_dict() for r in self.trusted_roots]}


@dataclass(frozen=True)
class EntraApp:
    """An Entra app registration the site uses for its CMG: the server (web) app or the
    client (native) app. Only the secret's key id and end time are kept, never the secret."""

    environment: str
    tenant_id: str
    role: str  # "server" | "client"
    display_name: str
    object_id: str
    app_id: str
    tenant_name: str | None = None
    credential_key_id: str | None = None
    credential_end: str | None = None
    app_id_uri: str | None = None  # the app's Application ID URI (identifierUris[0])
    updated: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MigrationRecord:
    """Mirror of a migration journal (the journal itself lives in Azure tags)."""

    cmg: str
    source: str
    source_kind: str
    phase: str
    next_phase: str | None = None
    ready_since: str | None = None
    wait_until: str | None = None
    error: str | None = None
    updated: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
