"""The site database as a ConfigMgr admin uses it (PowerShell export) and the
AzureEnvironments table's add / show / remove, through the real CLI."""

from __future__ import annotations

from typing import Any

UP = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1", "--yes",
      "--connection-point", "cp1.contoso.com", "--management-point", "mp1.contoso.com",
      "--software-update-point", "sup1.contoso.com")  # fmt: skip


def test_site_export_writes_the_configmgr_cmdlets(cli: Any, cloud_env: str) -> None:
    assert cli("-e", cloud_env, "up", "--name", "sitecmg", *UP).code == 0
    exported = cli("-e", cloud_env, "site", "export", "--format", "powershell")
    assert exported.code == 0, exported.err
    script = exported.out
    fqdn = "sitecmg.westeurope.cloudapp.azure.com"
    assert (
        f"Add-CMCloudManagementGatewayConnectionPoint -CloudManagementGatewayName '{fqdn}' "
        "-SiteSystemServerName 'cp1.contoso.com' -SiteCode 'PS1'"
    ) in script
    assert "Set-CMManagementPoint -SiteSystemServerName 'mp1.contoso.com'" in script
    assert "Set-CMSoftwareUpdatePoint -SiteSystemServerName 'sup1.contoso.com'" in script
    assert script.count("-EnableCloudGateway $true") == 2
    roles = cli("-e", cloud_env, "-o", "json", "site", "show").json["data"]
    mine = [r for r in roles["site_roles"] if r.get("cmg") in (None, "sitecmg")]
    assert {(r["server"], r["role"]) for r in mine} >= {
        ("mp1.contoso.com", "MP"), ("sup1.contoso.com", "SUP")
    }  # fmt: skip


def test_environment_add_show_remove(cli: Any, local_azure: Any) -> None:
    added = cli("environments", "add", "partner", "--authority", local_azure.url,
                "--resource-manager", local_azure.url + "/", "--ca-bundle",
                str(local_azure.ca_bundle), "--no-instance-discovery")  # fmt: skip
    assert added.code == 0, added.err
    shown = cli("-o", "json", "environments", "show", "partner")
    assert shown.code == 0
    row = shown.json["data"]
    assert row["resource_manager"] == local_azure.url + "/"
    assert row["instance_discovery"] is False and row["is_builtin"] is False
    assert cli("environments", "remove", "partner").code == 0
    gone = cli("environments", "show", "partner")
    assert gone.code == 2 and "partner" in gone.err
    builtin = cli("environments", "remove", "AzurePublicCloud")
    assert builtin.code == 2 and "built-in" in builtin.err
