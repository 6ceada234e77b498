"""The site runbook: ConfigMgr PowerShell that makes a real site match the site database.

An admin runs it unchanged on the site server, from the site drive (``PS P01:\\>``)
with the ConfigMgr module loaded. Every step is idempotent: each mutating cmdlet
sits under a ``Get-…`` check, so a second run changes nothing. Only cmdlets and
parameters of the ConfigMgr cmdlet reference are used (``ALLOWED_CMDLETS`` maps each to
its page; a test fails when the runbook emits anything else). Secrets (the PFX
password, the server app's secret) are asked with ``Read-Host -AsSecureString`` on the
site server: the runbook never holds one.

What ConfigMgr itself must do (and cmgdeploy cannot): keep the CMG object, its
connection point and the Entra apps in its own site database, and sign clients'
tokens for the CMG. ``New-CMCloudManagementGateway`` is the only documented way to
make the site know a CMG; ConfigMgr's cloud manager then owns the deployment in the
resource group it names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cmgdeploy.domain.site_records import (
    CmgService,
    ConnectionPoint,
    EntraApp,
    GatewaySettings,
    SiteRole,
    TrustedRoot,
)

REFERENCE = "sccm-ps/ConfigurationManager/"  # MicrosoftDocs/sccm-docs-powershell-ref
POWERSHELL = "https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/"

# Every cmdlet the runbook may emit -> (its reference page, the parameters it may use).
ALLOWED_CMDLETS: dict[str, tuple[str, frozenset[str]]] = {
    "Get-CMAADApplication": (
        REFERENCE + "Get-CMAADApplication.md",
        frozenset({"AppType", "ClientId", "TenantId"}),
    ),
    "Import-CMAADServerApplication": (
        REFERENCE + "Import-CMAADServerApplication.md",
        frozenset(
            [
                "TenantName",
                "TenantId",
                "AppName",
                "ClientId",
                "SecretKey",
                "SecretKeyExpiry",
                "AzureEnvironmentOption",
                "AppIdUri",
            ]
        ),
    ),
    "Import-CMAADClientApplication": (
        REFERENCE + "Import-CMAADClientApplication.md",
        frozenset({"ServerApp", "AppName", "ClientId"}),
    ),
    "Get-CMAzureService": (REFERENCE + "Get-CMAzureService.md", frozenset({"Name"})),
    "New-CMCloudManagementAzureService": (
        REFERENCE + "New-CMCloudManagementAzureService.md",
        frozenset({"Name", "ServerApp", "ClientApp", "AzureEnvironmentOption"}),
    ),
    "Get-CMCloudManagementGateway": (
        REFERENCE + "Get-CMCloudManagementGateway.md",
        frozenset({"Name"}),
    ),
    "New-CMCloudManagementGateway": (
        REFERENCE + "New-CMCloudManagementGateway.md",
        frozenset(
            [
                "ServiceCertPath",
                "ServiceCertPassword",
                "ServiceName",
                "EnvironmentSetting",
                "SubscriptionId",
                "ServerAppClientId",
                "GroupName",
                "IsUsingExistingGroup",
                "Region",
                "VMInstanceCount",
                "CheckClientCertRevocation",
                "EnforceProtocol",
                "EnableCloudDPFunction",
                "CARootCert",
                "Force",
            ]
        ),
    ),
    "Remove-CMCloudManagementGateway": (
        REFERENCE + "Remove-CMCloudManagementGateway.md",
        frozenset({"Name", "Force"}),
    ),
    "Get-CMSiteSystemServer": (
        REFERENCE + "Get-CMSiteSystemServer.md",
        frozenset({"SiteSystemServerName", "SiteCode"}),
    ),
    "New-CMSiteSystemServer": (
        REFERENCE + "New-CMSiteSystemServer.md",
        frozenset({"SiteSystemServerName", "SiteCode"}),
    ),
    "Get-CMCloudManagementGatewayConnectionPoint": (
        REFERENCE + "Get-CMCloudManagementGatewayConnectionPoint.md",
        frozenset({"SiteSystemServerName", "SiteCode"}),
    ),
    "Add-CMCloudManagementGatewayConnectionPoint": (
        REFERENCE + "Add-CMCloudManagementGatewayConnectionPoint.md",
        frozenset({"CloudManagementGatewayName", "SiteSystemServerName", "SiteCode"}),
    ),
    "Remove-CMCloudManagementGatewayConnectionPoint": (
        REFERENCE + "Remove-CMCloudManagementGatewayConnectionPoint.md",
        frozenset({"SiteSystemServerName", "SiteCode", "Force"}),
    ),
    "Get-CMManagementPoint": (
        REFERENCE + "Get-CMManagementPoint.md",
        frozenset({"SiteSystemServerName", "SiteCode"}),
    ),
    "Set-CMManagementPoint": (
        REFERENCE + "Set-CMManagementPoint.md",
        frozenset({"SiteSystemServerName", "SiteCode", "EnableCloudGateway"}),
    ),
    "Get-CMSoftwareUpdatePoint": (
        REFERENCE + "Get-CMSoftwareUpdatePoint.md",
        frozenset({"SiteSystemServerName", "SiteCode"}),
    ),
    "Set-CMSoftwareUpdatePoint": (
        REFERENCE + "Set-CMSoftwareUpdatePoint.md",
        frozenset({"SiteSystemServerName", "SiteCode", "EnableCloudGateway"}),
    ),
    # Windows PowerShell's own cmdlets (Microsoft.PowerShell.Utility / Core).
    "Read-Host": (POWERSHELL + "read-host", frozenset({"AsSecureString", "Prompt"})),
    "Write-Warning": (POWERSHELL + "write-warning", frozenset()),
    "Out-Null": (
        "https://learn.microsoft.com/powershell/module/microsoft.powershell.core/out-null",
        frozenset(),
    ),
}

# Values the reference lists for -EnvironmentSetting / -AzureEnvironmentOption.
CONFIGMGR_ENVIRONMENTS = ("AzurePublicCloud", "AzureUSGovernmentCloud")
# Values the reference lists for New-CMCloudManagementGateway -Region (AzureRegion).
CONFIGMGR_REGIONS = {
    name.lower(): name
    for name in (
        "EastUS",
        "SouthCentralUS",
        "WestEurope",
        "SoutheastAsia",
        "WestUS2",
        "WestCentralUS",
    )
}
# The documented value of the -CARootCert hashtable (New-CMCloudManagementGateway example 1).
ROOT_CA_STORE = (
    "[Microsoft.ConfigurationManagement.AdminConsole.AzureServices.CertificateStore]::RootCA"
)
MUTATING_VERBS = ("New-", "Add-", "Set-", "Remove-", "Import-")


def ps_quote(value: str) -> str:
    """A PowerShell single-quoted literal: only ``'`` needs escaping (as ``''``).

    Single quotes do no variable or sub-expression expansion. PowerShell also treats
    the typographic quotes U+2018/U+2019/U+201A/U+201B as single quotes, so they are
    doubled too.
    """
    out = "".join(ch * 2 if ch in "'\u2018\u2019\u201a\u201b" else ch for ch in value)
    return f"'{out}'"


def ps_bool(value: bool) -> str:
    return "$true" if value else "$false"


@dataclass(frozen=True)
class SiteCmg:
    """One CMG as the runbook creates it: its row, gateway settings, points and roles."""

    service: CmgService
    gateway: GatewaySettings | None = None
    points: tuple[ConnectionPoint, ...] = ()
    roles: tuple[SiteRole, ...] = ()

    @property
    def service_name(self) -> str:
        """The name the site knows the CMG by (the server certificate's CN)."""
        if self.gateway is not None:
            return self.gateway.service_name
        return self.service.fqdn or self.service.name


@dataclass(frozen=True)
class SiteRemoval:
    """An old CMG to remove from the site, with the connection point servers only it used."""

    service_name: str
    site_code: str | None = None
    points: tuple[str, ...] = ()


@dataclass(frozen=True)
class Runbook:
    """Everything one runbook covers."""

    cmgs: tuple[SiteCmg, ...] = ()
    apps: tuple[EntraApp, ...] = ()
    removals: tuple[SiteRemoval, ...] = ()
    notes: tuple[str, ...] = field(default=())


def render(book: Runbook) -> str:
    """The runbook's PowerShell text."""
    lines = [
        "# Generated by cmgdeploy: configure the ConfigMgr site for its cloud management gateways.",
        "# Run it on the site server in a ConfigMgr PowerShell session on the site drive",
        "# (e.g. PS P01:\\>). Every step checks with Get-... first: running it again is safe.",
        "# Copy the server certificate PFX and the trusted root .cer files next to this file.",
        "$ErrorActionPreference = 'Stop'",
    ]
    lines += [f"# {note}" for note in book.notes]
    lines += _app_lines(book.apps)
    for cmg in book.cmgs:
        reason = not_ready(cmg)
        if reason:  # no service name yet: nothing the site could be given
            lines += ["", f"# WARNING: {reason}"]
            continue
        lines += _cmg_lines(cmg, _server_app(book.apps, cmg.service.environment))
        for point in cmg.points:
            lines += _connection_point_lines(point, cmg.service_name)
        for role in cmg.roles:
            lines += _role_lines(role)
    for removal in book.removals:
        lines += _removal_lines(removal)
    return "\n".join(lines) + "\n"


def not_ready(cmg: SiteCmg) -> str | None:
    """Why the site cannot be given CMG ``cmg`` yet, or None. New-CMCloudManagementGateway's
    ``-ServiceName`` is the certificate's CN, the CMG's FQDN: a CMG that is not Ready in
    Azure (a failed or unfinished ``up``) has none recorded, and its bare name is not one."""
    svc = cmg.service
    if svc.state == "Ready" and (cmg.gateway is not None or svc.fqdn):
        return None
    return (
        f"CMG {svc.name} is left out of the runbook: it is {svc.state} in Azure and has no "
        f"service name (FQDN) recorded yet; run `cmgdeploy up` or `cmgdeploy status --name "
        f"{svc.name}` until it is Ready, then export again"
    )


def not_ready_warnings(book: Runbook) -> tuple[str, ...]:
    """The CMGs :func:`render` leaves out, for the command's warnings."""
    return tuple(w for cmg in book.cmgs if (w := not_ready(cmg)))


# -- Entra apps ---------------------------------------------------------------------------
def _server_app(apps: Iterable[EntraApp], environment: str) -> EntraApp | None:
    """The server app recorded for the CMG's environment (its client id goes to
    New-CMCloudManagementGateway -ServerAppClientId)."""
    return next(
        (a for a in apps if a.role == "server" and a.environment.lower() == environment.lower()),
        None,
    )


def _app_lines(apps: Iterable[EntraApp]) -> list[str]:
    server = next((a for a in apps if a.role == "server"), None)
    client = next((a for a in apps if a.role == "client"), None)
    if server is None or client is None:
        return []
    tenant = ps_quote(server.tenant_id)
    env = _environment_option(server.environment, "-AzureEnvironmentOption")
    lines = [
        "",
        f"# Entra apps: server (web) app {server.display_name}, client (native) app "
        f"{client.display_name}",
    ]
    if server.tenant_name:
        lines.append(f"$tenantName = {ps_quote(server.tenant_name)}")
    else:
        lines.append("$tenantName = Read-Host -Prompt 'Name of the Microsoft Entra tenant'")
    app_id_uri = f" -AppIdUri {ps_quote(server.app_id_uri)}" if server.app_id_uri else ""
    if not server.app_id_uri:
        lines.append(
            "# The server app's Application ID URI is not recorded (run `cmgdeploy site apps`"
            " again to record it); the import below leaves it out."
        )
    lines += [
        f"$serverApp = Get-CMAADApplication -AppType ServerApplication"
        f" -ClientId {ps_quote(server.app_id)} -TenantId {tenant}",
        "if (-not $serverApp) {",
        f"    $secretKey = Read-Host -AsSecureString -Prompt {ps_quote(_secret_prompt(server))}",
        "    $serverApp = Import-CMAADServerApplication -TenantName $tenantName"
        f" -TenantId {tenant} -AppName {ps_quote(server.display_name)}"
        f" -ClientId {ps_quote(server.app_id)} -SecretKey $secretKey"
        f" -SecretKeyExpiry ([datetime]{ps_quote(server.credential_end or '')}){app_id_uri}{env}",
        "}",
        f"$clientApp = Get-CMAADApplication -AppType ClientApplication"
        f" -ClientId {ps_quote(client.app_id)} -TenantId {tenant}",
        "if (-not $clientApp) {",
        "    $clientApp = Import-CMAADClientApplication -ServerApp $serverApp"
        f" -AppName {ps_quote(client.display_name)} -ClientId {ps_quote(client.app_id)}",
        "}",
        "if (-not (Get-CMAzureService -Name $tenantName)) {",
        "    New-CMCloudManagementAzureService -Name $tenantName -ServerApp $serverApp"
        f" -ClientApp $clientApp{env} | Out-Null",
        "}",
    ]
    return lines


def _secret_prompt(app: EntraApp) -> str:
    return (
        f"Client secret of the Entra server app {app.display_name} ({app.app_id}), "
        f"key id {app.credential_key_id or 'unknown'}"
    )


def _environment_option(environment: str, parameter: str) -> str:
    for name in CONFIGMGR_ENVIRONMENTS:
        if environment.lower() == name.lower():
            return f" {parameter} {name}"
    return ""


# -- the CMG --------------------------------------------------------------------------------
def _cmg_lines(cmg: SiteCmg, server_app: EntraApp | None) -> list[str]:
    svc, gw = cmg.service, cmg.gateway
    name = ps_quote(cmg.service_name)
    head = [
        "",
        f"# CMG {svc.name}: service name {cmg.service_name}, {svc.region}, "
        f"{svc.instances} instance(s), resource group {svc.resource_group}",
    ]
    problem = _cannot_create(cmg)
    if problem:
        return [*head, f"if (-not (Get-CMCloudManagementGateway -Name {name})) {{",
                f"    Write-Warning {ps_quote(problem)}", "}"]  # fmt: skip
    cert_file = gw.server_cert_file if gw and gw.server_cert_file else f"{svc.name}.pfx"
    roots = [r for r in (gw.trusted_roots if gw else ())]
    body = [
        f"    $serviceCertPassword = Read-Host -AsSecureString -Prompt "
        f"{ps_quote('Password of the server certificate ' + cert_file)}",
    ]
    if roots:
        pairs = "; ".join(f"{_beside_runbook(r.file)} = {ROOT_CA_STORE}" for r in roots)
        body.append(f"    $caRoots = @{{ {pairs} }}")
    params = _new_cmg_params(cmg, cert_file, roots, server_app)
    body.append("    New-CMCloudManagementGateway " + " ".join(params))
    notes = []
    if gw is None or not gw.server_cert_file:
        notes.append(
            f"# The CMG was deployed with a lab (self-signed) certificate: export it as "
            f"{cert_file} first, or use the PKI certificate the clients trust."
        )
    return [*head, *notes, f"if (-not (Get-CMCloudManagementGateway -Name {name})) {{", *body, "}"]


def _beside_runbook(file: str) -> str:
    """A file next to the runbook: ``($PSScriptRoot + '\\name')``."""
    return f"($PSScriptRoot + {ps_quote(chr(92) + file)})"


def _cannot_create(cmg: SiteCmg) -> str | None:
    svc = cmg.service
    if svc.region.lower() not in CONFIGMGR_REGIONS:
        return (
            f"Create CMG {cmg.service_name} in the console (Cloud Management Gateway, Create): "
            f"the cmdlet reference lists no -Region value for {svc.region}"
        )
    if not svc.subscription or not svc.resource_group:
        return f"CMG {svc.name} has no subscription or resource group recorded; run cmgdeploy up"
    return None


def _new_cmg_params(
    cmg: SiteCmg, cert_file: str, roots: list[TrustedRoot], server_app: EntraApp | None
) -> list[str]:
    svc, gw = cmg.service, cmg.gateway
    params = [
        f"-ServiceCertPath {_beside_runbook(cert_file)}",
        "-ServiceCertPassword $serviceCertPassword",
        f"-ServiceName {ps_quote(cmg.service_name)}",
    ]
    env = _environment_option(svc.environment, "-EnvironmentSetting")
    if env:
        params.append(env.strip())
    params.append(f"-SubscriptionId {ps_quote(svc.subscription or '')}")
    if server_app is not None:
        params.append(f"-ServerAppClientId {ps_quote(server_app.app_id)}")
        params.append(f"-GroupName {ps_quote(svc.resource_group or '')}")
    else:
        group = ps_quote(svc.resource_group or "")
        params.append(f"-GroupName {group} -IsUsingExistingGroup $true")
    params += [
        f"-Region {CONFIGMGR_REGIONS[svc.region.lower()]}",
        f"-VMInstanceCount {svc.instances}",
        f"-CheckClientCertRevocation {ps_bool(gw.verify_client_revocation if gw else True)}",
        f"-EnforceProtocol {ps_bool(gw.enforce_tls12 if gw else True)}",
        f"-EnableCloudDPFunction {ps_bool(gw.content_from_storage if gw else False)}",
    ]
    if roots:
        params.append("-CARootCert $caRoots")
    params.append("-Force")  # a certificate with several DNS names would otherwise prompt
    return params


# -- connection points and roles --------------------------------------------------------------
def _connection_point_lines(point: ConnectionPoint, service_name: str) -> list[str]:
    server, site = ps_quote(point.server), ps_quote(point.site_code)
    where = f"-SiteSystemServerName {server} -SiteCode {site}"
    return [
        "",
        f"# CMG connection point on {point.server} for {service_name} "
        f"(ports {', '.join(map(str, point.ports))})",
        f"if (-not (Get-CMSiteSystemServer {where})) {{",
        f"    New-CMSiteSystemServer {where} | Out-Null",
        "}",
        f"if ((Get-CMCloudManagementGateway -Name {ps_quote(service_name)}) -and"
        f" -not (Get-CMCloudManagementGatewayConnectionPoint {where})) {{",
        "    Add-CMCloudManagementGatewayConnectionPoint"
        f" -CloudManagementGatewayName {ps_quote(service_name)} {where} | Out-Null",
        "}",
    ]


def _role_lines(role: SiteRole) -> list[str]:
    server, site = ps_quote(role.server), ps_quote(role.site_code)
    where = f"-SiteSystemServerName {server} -SiteCode {site}"
    enabled = ps_bool(role.cmg_enabled)
    noun, label = ("ManagementPoint", "management point")
    if role.role == "SUP":
        noun, label = ("SoftwareUpdatePoint", "software update point")
    lines = ["", f"# {label} {role.server}: allow CMG traffic"]
    missing = f"{role.server} is no {label} of site {role.site_code}: add the role first"
    if role.role == "MP" and not role.https:
        lines.append(
            "# This management point is HTTP: CMG traffic through it needs the site's Enhanced "
            "HTTP (Site properties, Communication Security); HTTPS is not switched on here."
        )
    return [
        *lines,
        f"if (Get-CM{noun} {where}) {{",
        f"    Set-CM{noun} {where} -EnableCloudGateway {enabled}",
        "} else {",
        f"    Write-Warning {ps_quote(missing)}",
        "}",
    ]


def _removal_lines(removal: SiteRemoval) -> list[str]:
    name = ps_quote(removal.service_name)
    lines = [
        "",
        f"# Remove the old CMG {removal.service_name} from the site (Microsoft's procedure: "
        "after the new CMG has served clients for at least a day)",
    ]
    for server in removal.points:
        where = f"-SiteSystemServerName {ps_quote(server)}"
        if removal.site_code:
            where += f" -SiteCode {ps_quote(removal.site_code)}"
        lines += [
            f"if (Get-CMCloudManagementGatewayConnectionPoint {where}) {{",
            f"    Remove-CMCloudManagementGatewayConnectionPoint {where} -Force",
            "}",
        ]
    lines += [
        f"if (Get-CMCloudManagementGateway -Name {name}) {{",
        f"    Remove-CMCloudManagementGateway -Name {name} -Force",
        "}",
    ]
    return lines
