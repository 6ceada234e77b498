"""`status` reads Azure, not only the site database: another machine's CMG is found by
its tag/default group, and a half-deleted CMG reads Incomplete (watch stops)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from armcheck import arm, group_path, wait_gone

UP = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1", "--yes")
VMSS_API = "2024-03-01"


def _add_env(cli: Any, local_azure: Any, db: Path) -> None:
    added = cli("--site-db", str(db), "environments", "add", "labcloud", "--authority",
                local_azure.url, "--resource-manager", local_azure.url + "/", "--ca-bundle",
                str(local_azure.ca_bundle), "--no-instance-discovery")  # fmt: skip
    assert added.code == 0, added.err


def test_status_finds_cmg_missing_from_the_site_db(
    cli: Any, cloud_env: str, local_azure: Any, tmp_path: Path
) -> None:
    """A Ready CMG deployed from another site database is Ready, not NotFound."""
    assert cli("-e", cloud_env, "up", "--name", "elsecmg", *UP).code == 0
    other = tmp_path / "other.db"
    _add_env(cli, local_azure, other)
    seen = cli("--site-db", str(other), "-e", cloud_env, "-o", "json", "status",
               "--name", "elsecmg")  # fmt: skip
    assert seen.code == 0, seen.err
    data = seen.json["data"]
    assert data["state"] == "Ready"
    assert data["resource_group"] == "elsecmg-cmg-rg"
    assert data["fqdn"] == "elsecmg.westeurope.cloudapp.azure.com"
    assert data["deployment_state"] == "Succeeded"
    nothing = cli("--site-db", str(other), "-e", cloud_env, "-o", "json", "status",
                  "--name", "nosuchcmg")  # fmt: skip
    assert nothing.json["data"]["state"] == "NotFound"


def test_half_deleted_cmg_is_incomplete_and_watch_stops(
    cli: Any, cloud_env: str, local_azure: Any
) -> None:
    """Scale set gone, deployment Succeeded: Incomplete (not Provisioning), and
    `status --watch` returns at once instead of waiting for the timeout."""
    e = ("-e", cloud_env)
    assert cli(*e, "up", "--name", "halfcmg", *UP).code == 0
    vmss = (
        group_path("halfcmg-cmg-rg")
        + "/providers/Microsoft.Compute/virtualMachineScaleSets/halfcmg"
    )
    deleted = arm(local_azure, "DELETE", vmss, VMSS_API)
    assert deleted.status_code in (200, 202, 204), deleted.text
    wait_gone(local_azure, vmss, VMSS_API)
    status = cli(*e, "-o", "json", "status", "--name", "halfcmg")
    assert status.json["data"]["state"] == "Incomplete"
    watched = cli(*e, "-o", "json", "status", "--name", "halfcmg", "--watch", "--timeout", "30")
    assert watched.code == 0, watched.err
    assert watched.json["data"]["state"] == "Incomplete"


def test_down_removes_cmg_missing_from_the_site_db(
    cli: Any, cloud_env: str, local_azure: Any, tmp_path: Path
) -> None:
    """`down` from another site database finds the CMG in Azure and deletes it all."""
    from armcheck import tagged_resources

    assert cli("-e", cloud_env, "up", "--name", "farcmg", *UP).code == 0
    other = tmp_path / "other.db"
    _add_env(cli, local_azure, other)
    down = cli("--site-db", str(other), "-e", cloud_env, "-o", "json", "down",
               "--name", "farcmg", "--yes")  # fmt: skip
    assert down.code == 0, down.err
    assert down.json["data"]["deleted_group"] is True
    assert arm(local_azure, "GET", group_path("farcmg-cmg-rg")).status_code == 404
    assert tagged_resources(local_azure, "farcmg") == []
