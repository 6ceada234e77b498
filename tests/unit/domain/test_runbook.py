"""The site runbook: only cmdlets and parameters of the ConfigMgr cmdlet reference,
idempotent by construction, the CMG named by its service name (the certificate's CN)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cmgdeploy.domain import runbook
from cmgdeploy.domain.runbook import Runbook, SiteCmg, SiteRemoval, render
from cmgdeploy.domain.site_records import (
    CmgService,
    ConnectionPoint,
    EntraApp,
    GatewaySettings,
    SiteRole,
    TrustedRoot,
)

REF = "MicrosoftDocs/sccm-docs-powershell-ref: sccm-ps/ConfigurationManager/"
PS = "https://learn.microsoft.com/powershell/module/"
# Every cmdlet and parameter the exporter may emit, each with the page that lists it.
# Changing the exporter to emit something else needs this list changed, with its source.
REFERENCE: dict[str, tuple[str, set[str]]] = {
    "Get-CMAADApplication": (REF + "Get-CMAADApplication.md", {"AppType", "ClientId", "TenantId"}),
    "Import-CMAADServerApplication": (
        REF + "Import-CMAADServerApplication.md",
        {
            "TenantName",
            "TenantId",
            "AppName",
            "ClientId",
            "SecretKey",
            "SecretKeyExpiry",
            "AzureEnvironmentOption",
            "AppIdUri",
        },
    ),
    "Import-CMAADClientApplication": (
        REF + "Import-CMAADClientApplication.md",
        {"ServerApp", "AppName", "ClientId"},
    ),
    "Get-CMAzureService": (REF + "Get-CMAzureService.md", {"Name"}),
    "New-CMCloudManagementAzureService": (
        REF + "New-CMCloudManagementAzureService.md",
        {"Name", "ServerApp", "ClientApp", "AzureEnvironmentOption"},
    ),
    "Get-CMCloudManagementGateway": (REF + "Get-CMCloudManagementGateway.md", {"Name"}),
    "New-CMCloudManagementGateway": (
        REF + "New-CMCloudManagementGateway.md",
        {
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
        },
    ),
    "Remove-CMCloudManagementGateway": (
        REF + "Remove-CMCloudManagementGateway.md",
        {"Name", "Force"},
    ),
    "Get-CMSiteSystemServer": (
        REF + "Get-CMSiteSystemServer.md",
        {"SiteSystemServerName", "SiteCode"},
    ),
    "New-CMSiteSystemServer": (
        REF + "New-CMSiteSystemServer.md",
        {"SiteSystemServerName", "SiteCode"},
    ),
    "Get-CMCloudManagementGatewayConnectionPoint": (
        REF + "Get-CMCloudManagementGatewayConnectionPoint.md",
        {"SiteSystemServerName", "SiteCode"},
    ),
    "Add-CMCloudManagementGatewayConnectionPoint": (
        REF + "Add-CMCloudManagementGatewayConnectionPoint.md",
        {"CloudManagementGatewayName", "SiteSystemServerName", "SiteCode"},
    ),
    "Remove-CMCloudManagementGatewayConnectionPoint": (
        REF + "Remove-CMCloudManagementGatewayConnectionPoint.md",
        {"SiteSystemServerName", "SiteCode", "Force"},
    ),
    "Get-CMManagementPoint": (
        REF + "Get-CMManagementPoint.md",
        {"SiteSystemServerName", "SiteCode"},
    ),
    "Set-CMManagementPoint": (
        REF + "Set-CMManagementPoint.md",
        {"SiteSystemServerName", "SiteCode", "EnableCloudGateway"},
    ),
    "Get-CMSoftwareUpdatePoint": (
        REF + "Get-CMSoftwareUpdatePoint.md",
        {"SiteSystemServerName", "SiteCode"},
    ),
    "Set-CMSoftwareUpdatePoint": (
        REF + "Set-CMSoftwareUpdatePoint.md",
        {"SiteSystemServerName", "SiteCode", "EnableCloudGateway"},
    ),
    "Read-Host": (PS + "microsoft.powershell.utility/read-host", {"AsSecureString", "Prompt"}),
    "Write-Warning": (PS + "microsoft.powershell.utility/write-warning", set()),
    "Out-Null": (PS + "microsoft.powershell.core/out-null", set()),
}
CMDLET = re.compile(r"(?<![\w$-])([A-Z][a-z]+-[A-Z][A-Za-z]+)\b")
PARAM = re.compile(r"(?<![\w-])-([A-Z][A-Za-z0-9]*)\b")


def _service(
    name: str = "contosocmg", region: str = "westeurope", instances: int = 2
) -> CmgService:
    return CmgService(
        name, "AzurePublicCloud", region, instances, "Ready",
        subscription="00000000-0000-0000-0000-000000000001",
        resource_group=f"{name}-cmg-rg", fqdn=f"{name}.{region}.cloudapp.azure.com",
    )  # fmt: skip


def _wildcard_cmg(**service: object) -> SiteCmg:
    svc = _service(**service)  # type: ignore[arg-type]
    gateway = GatewaySettings(
        cmg=svc.name, service_name=f"{svc.name}.contoso.com", server_cert_thumbprint="AB" * 20,
        server_cert_file="wildcard.pfx",
        trusted_roots=(TrustedRoot("CD" * 20, "root.cer", "CN=Contoso Root"),),
        verify_client_revocation=False, enforce_tls12=True, content_from_storage=False,
    )  # fmt: skip
    points = (ConnectionPoint("cp1.contoso.com", "P01", svc.name, "HTTPS", (10124, 10125)),)
    roles = (
        SiteRole("mp.contoso.com", "MP", "P01", svc.name, https=True),
        SiteRole("mp2.contoso.com", "MP", "P01", svc.name, https=False),
        SiteRole("sup.contoso.com", "SUP", "P01", svc.name),
    )
    return SiteCmg(svc, gateway, points, roles)


APPS = (
    EntraApp("AzurePublicCloud", "11111111-1111-1111-1111-111111111111", "server",
             "contoso-cmg-server", "o-1", "22222222-2222-2222-2222-222222222222",
             tenant_name="Contoso", credential_key_id="k-1", credential_end="2027-12-01T00:00:00Z",
             app_id_uri="api://11111111-1111-1111-1111-111111111111/ConfigMgrService"),
    EntraApp("AzurePublicCloud", "11111111-1111-1111-1111-111111111111", "client",
             "contoso-cmg-client", "o-2", "33333333-3333-3333-3333-333333333333"),
)  # fmt: skip


def _every_branch() -> list[str]:
    """Runbooks that together take every path of the exporter."""
    return [
        render(Runbook(cmgs=(_wildcard_cmg(),), apps=APPS)),
        render(Runbook(cmgs=(_wildcard_cmg(),))),  # no apps: interactive sign-in set
        render(Runbook(cmgs=(SiteCmg(_service("labcmg", instances=1)),))),  # lab certificate
        render(Runbook(cmgs=(_wildcard_cmg(region="uksouth"),))),  # region the reference lacks
        render(
            Runbook(removals=(SiteRemoval("oldcmg.cloudapp.net", "P01", ("cp9.contoso.com",)),))
        ),
        render(
            Runbook(apps=(APPS[0].__class__(**{**APPS[0].__dict__, "tenant_name": None}), APPS[1]))
        ),
        render(  # a record from before the Application ID URI was kept
            Runbook(apps=(APPS[0].__class__(**{**APPS[0].__dict__, "app_id_uri": None}), APPS[1]))
        ),
    ]


def _statements(script: str) -> list[str]:
    return [
        line for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


def test_the_exporter_emits_only_cmdlets_and_parameters_of_the_reference() -> None:
    seen: dict[str, set[str]] = {}
    for script in _every_branch():
        for line in _statements(script):
            # A pipeline or sub-expression starts a new command: split the line there.
            for part in re.split(r"\||\(|\{|\bif\b|=", line):
                found = CMDLET.search(part)
                if not found:
                    continue
                params = set(PARAM.findall(part[found.end() :]))
                seen.setdefault(found.group(1), set()).update(params)
    unknown = {c: p for c, p in seen.items() if c not in REFERENCE}
    assert not unknown, f"cmdlets missing from the reference list: {unknown}"
    for cmdlet, params in seen.items():
        extra = params - REFERENCE[cmdlet][1]
        assert not extra, f"{cmdlet}: parameters not on {REFERENCE[cmdlet][0]}: {extra}"
    # The list above and the exporter's own table say the same.
    assert {c: set(p) for c, (_, p) in runbook.ALLOWED_CMDLETS.items()} == {
        c: p for c, (_, p) in REFERENCE.items()
    }
    assert "-EnableSsl" not in "".join(_every_branch())


def test_every_mutating_cmdlet_is_guarded_by_a_get_check() -> None:
    """Idempotent by construction: each New/Add/Set/Remove/Import runs only inside an
    ``if`` whose condition asks a Get-… cmdlet (directly, or through a variable that
    was just assigned from one)."""
    for script in _every_branch():
        from_get: set[str] = set()
        guards: list[str] = []  # the conditions of the enclosing if blocks
        for line in _statements(script):
            text = line.strip()
            assigned = re.match(r"(\$\w+) = (Get-\w+)", text)
            if assigned:
                from_get.add(assigned.group(1))
            if text.startswith("if "):
                guards.append(text)
                continue
            if text == "} else {":
                continue
            if text == "}":
                guards.pop()
                continue
            verb = CMDLET.search(text)
            if verb and verb.group(1).startswith(runbook.MUTATING_VERBS):
                assert guards, f"unguarded: {text}"
                guard = guards[-1]
                by_variable = any(v in guard for v in from_get)
                assert "Get-CM" in guard or by_variable, f"{text} under {guard}"
        assert not guards, "unbalanced blocks"


def test_a_two_instance_cmg_with_a_wildcard_certificate() -> None:
    script = render(Runbook(cmgs=(_wildcard_cmg(),), apps=APPS))
    new = next(line for line in script.splitlines() if "New-CMCloudManagementGateway" in line)
    for part in (
        "-ServiceName 'contosocmg.contoso.com'", "-Region WestEurope", "-VMInstanceCount 2",
        "-GroupName 'contosocmg-cmg-rg'", "-SubscriptionId '00000000-0000-0000-0000-000000000001'",
        "-ServerAppClientId '22222222-2222-2222-2222-222222222222'",
        "-EnvironmentSetting AzurePublicCloud", "-CheckClientCertRevocation $false",
        "-EnforceProtocol $true", "-EnableCloudDPFunction $false", "-CARootCert $caRoots",
        "-ServiceCertPath ($PSScriptRoot + '\\wildcard.pfx')",
    ):  # fmt: skip
        assert part in new, part
    assert "Get-CMCloudManagementGateway -Name 'contosocmg.contoso.com'" in script
    assert "-CloudManagementGatewayName 'contosocmg.contoso.com'" in script
    assert "*." not in script
    assert "($PSScriptRoot + '\\root.cer') = " + runbook.ROOT_CA_STORE in script
    # The secret is asked on the site server; its expiry and ids come from the site DB.
    assert "-SecretKey $secretKey -SecretKeyExpiry ([datetime]'2027-12-01T00:00:00Z')" in script
    assert "Read-Host -AsSecureString" in script


def test_an_http_management_point_gets_a_note_and_no_ssl_switch() -> None:
    script = render(Runbook(cmgs=(_wildcard_cmg(),)))
    block = script[script.index("# management point mp2.contoso.com") :]
    assert "Enhanced HTTP" in block.splitlines()[1]
    assert "Set-CMManagementPoint -SiteSystemServerName 'mp2.contoso.com' -SiteCode 'P01' " \
        "-EnableCloudGateway $true" in block  # fmt: skip


def test_removal_removes_the_connection_point_then_the_cmg() -> None:
    script = render(
        Runbook(removals=(SiteRemoval("old.cloudapp.net", "P01", ("cp9.contoso.com",)),))
    )
    point = script.index(
        "Remove-CMCloudManagementGatewayConnectionPoint -SiteSystemServerName 'cp9"
    )
    cmg = script.index("Remove-CMCloudManagementGateway -Name 'old.cloudapp.net' -Force")
    assert point < cmg


def test_a_region_the_reference_does_not_list_is_left_to_the_console() -> None:
    script = render(Runbook(cmgs=(_wildcard_cmg(region="uksouth"),)))
    assert "New-CMCloudManagementGateway" not in script
    assert "no -Region value for uksouth" in script


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_each_listed_page_is_a_configmgr_or_powershell_page(name: str) -> None:
    page = REFERENCE[name][0]
    assert page.startswith((REF, PS)) and Path(page).name.lower().startswith(name.lower())


def test_a_cmg_not_ready_in_azure_is_left_out_with_a_warning() -> None:
    """A failed or unfinished up leaves a Provisioning row with no FQDN: its bare name is
    not a service name, so no New-CMCloudManagementGateway, its points or roles."""
    svc = CmgService(
        "contosocmg2", "AzurePublicCloud", "eastus", 1, "Provisioning",
        subscription="00000000-0000-0000-0000-000000000001", resource_group="contosocmg2-rg",
    )  # fmt: skip
    cmg = SiteCmg(svc, points=(ConnectionPoint("cp1.contoso.com", "P01", "contosocmg2", "HTTPS",
                                               (10124,)),))  # fmt: skip
    book = Runbook(cmgs=(cmg, _wildcard_cmg()))
    script = render(book)
    assert "contosocmg2" not in "".join(_statements(script))
    assert "# WARNING: CMG contosocmg2 is left out of the runbook: it is Provisioning" in script
    assert script.count("New-CMCloudManagementGateway ") == 1  # the Ready one
    assert runbook.not_ready_warnings(book) == (runbook.not_ready(cmg),)
    failed = SiteCmg(CmgService(**{**svc.__dict__, "state": "Failed"}))
    assert "it is Failed in Azure" in (runbook.not_ready(failed) or "")
