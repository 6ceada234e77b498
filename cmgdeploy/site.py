"""Site rules: connection points and MP/SUP roles for a CMG, their diff, PowerShell export.

Facts (cmg-facts.md): a VMSS CMG's connection point talks HTTPS on 443 with one
instance and on 10124+i (instance i) with two or more; one connection point serves
up to four instances; high availability wants two of each; since 1802 a
CMG-enabled management point must use HTTPS.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cmgdeploy import validate
from cmgdeploy.sitedb import CmgService, ConnectionPoint, SiteRole

if TYPE_CHECKING:
    from cmgdeploy.spec import CmgSpec

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

    def to_dict(self) -> dict[str, Any]:
        return {
            "cmg": self.cmg,
            "connection_points": [p.to_dict() for p in self.connection_points],
            "site_roles": [r.to_dict() for r in self.site_roles],
        }


def plan_site(spec: CmgSpec) -> SiteConfig:
    """The connection points and roles ``spec`` asks for (HTTP management points refused)."""
    site_code = spec.site_code or DEFAULT_SITE_CODE
    ports = connection_point_ports(spec.instances)
    points = tuple(
        ConnectionPoint(server=s, site_code=site_code, cmg=spec.name, ports=ports)
        for s in spec.connection_points
    )
    roles = tuple(
        _role(s, "MP", site_code, spec.name, allow_http=False) for s in spec.management_points
    ) + tuple(
        _role(s, "SUP", site_code, spec.name, allow_http=True) for s in spec.software_update_points
    )
    return SiteConfig(cmg=spec.name, connection_points=points, site_roles=roles)


def _role(value: str, role: str, site_code: str, cmg: str, *, allow_http: bool) -> SiteRole:
    field_name = "management_points" if role == "MP" else "software_update_points"
    server, https = validate.site_system(value, field_name, allow_http=allow_http)
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


def _diff(kind: str, before: dict[str, dict], after: dict[str, dict]) -> tuple[SiteChange, ...]:
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


def ps_quote(value: str) -> str:
    """A PowerShell single-quoted literal: only ``'`` needs escaping (as ``''``).

    Single quotes do no variable or sub-expression expansion. PowerShell also treats
    the typographic quotes U+2018/U+2019/U+201A/U+201B as single quotes, so they are
    doubled too.
    """
    out = "".join(ch * 2 if ch in "'\u2018\u2019\u201a\u201b" else ch for ch in value)
    return f"'{out}'"


def export_powershell(
    services: Iterable[CmgService],
    points: Iterable[ConnectionPoint],
    roles: Iterable[SiteRole],
) -> str:
    """ConfigMgr cmdlets that make a real site match the site database.

    Run from the site drive (``PS XYZ:\\>``) on a site server with the ConfigMgr
    module loaded. The CMG name used is the service's fqdn when known (the console
    shows the service name), else its name.
    """
    names = {svc.name: svc.fqdn or svc.name for svc in services}
    lines = [
        "# Generated by cmgdeploy: configure the site for its cloud management gateways.",
        "# Run in a ConfigMgr PowerShell session on the site drive (e.g. PS P01:\\>).",
        "$ErrorActionPreference = 'Stop'",
    ]
    for point in points:
        lines += _connection_point_lines(point, names.get(point.cmg, point.cmg))
    for role in roles:
        lines += _role_lines(role)
    return "\n".join(lines) + "\n"


def _connection_point_lines(point: ConnectionPoint, cmg_name: str) -> list[str]:
    server, site = ps_quote(point.server), ps_quote(point.site_code)
    return [
        "",
        f"# CMG connection point for {cmg_name} (ports {', '.join(map(str, point.ports))})",
        f"if (-not (Get-CMSiteSystemServer -SiteSystemServerName {server} -SiteCode {site})) {{",
        f"    New-CMSiteSystemServer -SiteSystemServerName {server} -SiteCode {site} | Out-Null",
        "}",
        "Add-CMCloudManagementGatewayConnectionPoint"
        f" -CloudManagementGatewayName {ps_quote(cmg_name)}"
        f" -SiteSystemServerName {server} -SiteCode {site}",
    ]


def _role_lines(role: SiteRole) -> list[str]:
    server, site = ps_quote(role.server), ps_quote(role.site_code)
    enabled = "$true" if role.cmg_enabled else "$false"
    if role.role == "MP":
        ssl = " -EnableSsl $true" if role.https else ""
        return [
            "",
            f"# management point {role.server}: allow CMG traffic",
            f"Set-CMManagementPoint -SiteSystemServerName {server} -SiteCode {site}{ssl}"
            f" -EnableCloudGateway {enabled}",
        ]
    return [
        "",
        f"# software update point {role.server}: allow CMG traffic",
        f"Set-CMSoftwareUpdatePoint -SiteSystemServerName {server} -SiteCode {site}"
        f" -EnableCloudGateway {enabled}",
    ]
