"""Site rules: connection points, MP/SUP roles and gateway settings for a CMG, their
diff, and the site runbook (PowerShell, built by runbook.py).

Facts (docs/SOURCES.md: "Template resources" for the ports, "Cost estimate" for the
sizing, "Site side" for the rest): a VMSS CMG's connection point talks HTTPS on 443
with one instance and on 10124+i (instance i) with two or more; one connection point
serves up to four instances; high availability wants two of each; a CMG-enabled
management point is HTTPS, or HTTP on an Enhanced HTTP site; the service name is the
server certificate's CN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cmgdeploy.domain import validate
from cmgdeploy.domain.runbook import Runbook, SiteCmg, SiteRemoval
from cmgdeploy.domain.site_records import ConnectionPoint, GatewaySettings, SiteRole, TrustedRoot
from cmgdeploy.services import certs
from cmgdeploy.services.sitedb import SiteDB

if TYPE_CHECKING:
    from cmgdeploy.services.certs import ServerCertificate
    from cmgdeploy.services.spec import CmgSpec

FIRST_CHANNEL_PORT = 10124
INSTANCES_PER_CONNECTION_POINT = 4
DEFAULT_SITE_CODE = "P01"


def connection_point_ports(instances: int) -> tuple[int, ...]:
    """The CMG ports a connection point uses: (443,) for 1 instance, 10124… for 2+."""
    validate.instances(instances)
    if instances == 1:
        return (443,)
    return tuple(range(FIRST_CHANNEL_PORT, FIRST_CHANNEL_PORT + instances))


@dataclass(frozen=True)
class SiteConfig:
    """What the site database should hold for one CMG."""

    cmg: str
    connection_points: tuple[ConnectionPoint, ...] = ()
    site_roles: tuple[SiteRole, ...] = ()
    gateway: GatewaySettings | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "cmg": self.cmg,
            "connection_points": [p.to_dict() for p in self.connection_points],
            "site_roles": [r.to_dict() for r in self.site_roles],
            "gateway": self.gateway.to_dict() if self.gateway else None,
        }


def plan_site(spec: CmgSpec, cert: ServerCertificate | None = None) -> SiteConfig:
    """The connection points, roles and (with the certificate) gateway settings ``spec``
    asks for. HTTP management points are accepted: an Enhanced HTTP site serves CMG
    traffic through them (``site_warnings`` says so)."""
    site_code = spec.site_code or DEFAULT_SITE_CODE
    ports = connection_point_ports(spec.instances)
    points = tuple(
        ConnectionPoint(server=s, site_code=site_code, cmg=spec.name, ports=ports)
        for s in spec.connection_points
    )
    roles = tuple(_role(s, "MP", site_code, spec.name) for s in spec.management_points) + tuple(
        _role(s, "SUP", site_code, spec.name) for s in spec.software_update_points
    )
    gateway = gateway_settings(spec, cert) if cert is not None else None
    return SiteConfig(cmg=spec.name, connection_points=points, site_roles=roles, gateway=gateway)


def _role(value: str, role: str, site_code: str, cmg: str) -> SiteRole:
    field_name = "management_points" if role == "MP" else "software_update_points"
    server, https = validate.site_system(value, field_name, allow_http=True)
    return SiteRole(server=server, role=role, site_code=site_code, cmg=cmg, https=https)


def site_warnings(spec: CmgSpec) -> list[str]:
    """Warnings about the connection points for ``spec.instances``."""
    count = len(spec.connection_points)
    wanted = math.ceil(spec.instances / INSTANCES_PER_CONNECTION_POINT)
    warnings = []
    if count == 0:
        warnings.append(
            "no connection point given: clients cannot reach the site through this CMG "
            "until a CMG connection point is added (--connection-point)"
        )
    elif count < wanted:
        warnings.append(
            f"{spec.instances} instances want at least {wanted} connection points "
            f"(one serves up to {INSTANCES_PER_CONNECTION_POINT} instances); {count} given"
        )
    for server in spec.management_points:
        if server.startswith("http://"):
            warnings.append(
                f"management point {server[len('http://') :]} is HTTP: CMG traffic through it "
                "needs Enhanced HTTP on the site (the runbook says so; it does not enable HTTPS)"
            )
    if spec.instances >= 2 and count == 1:
        warnings.append(
            "high availability needs at least 2 instances and 2 connection points; "
            "add another --connection-point"
        )
    return warnings


@dataclass(frozen=True)
class SiteChange:
    """One row of the site diff: action ∈ create|modify|delete, with changed fields."""

    kind: str  # "connection_point" | "site_role"
    action: str
    key: str
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "action": self.action,
            "key": self.key,
            "changes": {k: {"before": b, "after": a} for k, (b, a) in self.changes.items()},
        }


def site_diff(current: SiteConfig, desired: SiteConfig) -> tuple[SiteChange, ...]:
    """What ``plan`` shows for the site database: creates, modifies, deletes."""
    points = _diff(
        "connection_point",
        {p.server.lower(): p.to_dict() for p in current.connection_points},
        {p.server.lower(): p.to_dict() for p in desired.connection_points},
    )
    roles = _diff(
        "site_role",
        {f"{r.role} {r.server.lower()}": r.to_dict() for r in current.site_roles},
        {f"{r.role} {r.server.lower()}": r.to_dict() for r in desired.site_roles},
    )
    return points + roles


def _diff(
    kind: str, before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]
) -> tuple[SiteChange, ...]:
    changes: list[SiteChange] = []
    for key in sorted(after.keys() - before.keys()):
        changes.append(SiteChange(kind, "create", key))
    for key in sorted(before.keys() & after.keys()):
        delta = {
            name: (before[key].get(name), value)
            for name, value in after[key].items()
            if before[key].get(name) != value
        }
        if delta:
            changes.append(SiteChange(kind, "modify", key, delta))
    for key in sorted(before.keys() - after.keys()):
        changes.append(SiteChange(kind, "delete", key))
    return tuple(changes)


def gateway_settings(spec: CmgSpec, cert: ServerCertificate) -> GatewaySettings:
    """What the site needs to create the CMG of ``spec`` deployed with ``cert``.

    The service name is the certificate's CN (for ``*.contoso.com``, the CMG name in
    place of ``*``); the trusted roots are the ``--trusted-ca`` files with their
    thumbprints (read locally, no Azure call)."""
    roots = tuple(
        TrustedRoot(thumbprint=ca.thumbprint, file=ca.path.name, subject=ca.subject)
        for ca in certs.load_ca_certificates(spec.trusted_cas)
    )
    return GatewaySettings(
        cmg=spec.name,
        service_name=certs.service_name(cert.subject_cn, spec.name),
        server_cert_thumbprint=cert.thumbprint,
        server_cert_file=spec.server_cert.name if spec.server_cert else None,
        trusted_roots=roots,
        verify_client_revocation=spec.verify_client_revocation,
        enforce_tls12=spec.enforce_tls12,
        content_from_storage=spec.content_from_storage,
    )


def site_runbook(db: SiteDB) -> Runbook:
    """The runbook for every ARM CMG in the site database, with the Entra apps, and the
    removal of each classic CMG whose migration is ready to retire or retired."""
    cmgs = tuple(
        SiteCmg(
            svc,
            db.get_gateway(svc.name),
            db.list_connection_points(svc.name),
            db.list_site_roles(svc.name),
        )
        for svc in db.list_services()
        if svc.kind == "arm"
    )
    removals = tuple(
        removal_of(db, m.source)
        for m in db.list_migrations()
        if m.phase in ("retire", "done") and m.source_kind == "classic"
    )
    return Runbook(cmgs=cmgs, apps=db.list_entra_apps(), removals=removals)


def cmg_runbook(db: SiteDB, cmg: str) -> Runbook:
    """The runbook that creates CMG ``cmg`` in the site (with the Entra apps recorded)."""
    svc = db.get_service(cmg)
    cmgs = () if svc is None else (
        SiteCmg(svc, db.get_gateway(cmg), db.list_connection_points(cmg), db.list_site_roles(cmg)),
    )  # fmt: skip
    env = svc.environment if svc else None
    return Runbook(cmgs=cmgs, apps=db.list_entra_apps(env))


def runbook_of_removal(db: SiteDB, cmg: str, fqdn: str | None = None) -> Runbook:
    """The runbook that removes CMG ``cmg`` (known to the site as ``fqdn``) from the site."""
    note = (
        "If the site knows the old CMG by another service name (a custom domain), put that "
        "name in the Get-/Remove-CMCloudManagementGateway lines below."
    )
    return Runbook(removals=(removal_of(db, cmg, fqdn),), notes=(note,))


def removal_of(db: SiteDB, cmg: str, fqdn: str | None = None) -> SiteRemoval:
    """The site steps that remove CMG ``cmg``: its connection points that serve no other
    CMG, then the CMG itself (by its service name)."""
    points = db.list_connection_points(cmg)
    others = {p.server.lower() for p in db.list_connection_points() if p.cmg != cmg}
    gateway = db.get_gateway(cmg)
    svc = db.get_service(cmg)
    name = gateway.service_name if gateway else (fqdn or (svc.fqdn if svc else None))
    return SiteRemoval(
        service_name=name or f"{cmg}.cloudapp.net",
        site_code=points[0].site_code if points else None,
        points=tuple(p.server for p in points if p.server.lower() not in others),
    )
