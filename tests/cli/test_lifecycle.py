"""Issue 3 acceptance 1–5 through the real CLI against the real local Azure."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

UP = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1",
      "--connection-point", "cp1.contoso.com", "--management-point", "mp1.contoso.com", "--yes")  # fmt: skip


def test_embedded_local_up_gives_ready_cmg_and_status_json(cli: Any, home: Path) -> None:
    """Acceptance 1: `-e local up` starts the embedded local Azure; status JSON is Ready."""
    up = cli("-e", "local", "up", "--name", "contosocmg", *UP)
    assert up.code == 0, up.err
    status = cli("-e", "local", "-o", "json", "status", "--name", "contosocmg")
    assert status.code == 0, status.err
    data = status.json["data"]
    assert data["state"] == "Ready"
    assert data["fqdn"] == "contosocmg.westeurope.cloudapp.azure.com"
    assert data["instances"] == 1
    assert data["connection_points"][0]["server"] == "cp1.contoso.com"
    assert data["connection_points"][0]["ports"] == [443]
    assert data["site_roles"] == [
        {"server": "mp1.contoso.com", "role": "MP", "https": True, "cmg_enabled": True}
    ]


def test_lifecycle_on_added_environment(
    cli: Any, cloud_env: str, local_azure: Any, writes: Any
) -> None:
    """Acceptance 2–5 on a row added with `environments add` (no special path for local)."""
    e = ("-e", cloud_env)
    assert cli(*e, "up", "--name", "lifecmg", *UP).code == 0

    before = writes(local_azure.state_dir)
    again = cli(*e, "up", "--name", "lifecmg", *UP)
    assert again.code == 0 and "no changes" in again.out
    assert writes(local_azure.state_dir) == before

    scaled = cli(*e, "-o", "json", "scale", "--name", "lifecmg", "--instances", "3")
    assert scaled.code == 0, scaled.err
    data = scaled.json["data"]
    assert data["instances"] == 3 and data["state"] == "Ready"
    assert data["connection_points"][0]["ports"] == [10124, 10125, 10126]
    _assert_channel_ports(local_azure, "lifecmg", "10124-10126", 10126)

    before = writes(local_azure.state_dir)
    too_many = cli(*e, "-o", "json", "scale", "--name", "lifecmg", "--instances", "17")
    assert too_many.code == 2
    assert "1 to 16" in too_many.json["errors"][0]["message"]
    assert writes(local_azure.state_dir) == before

    plan = cli(*e, "-o", "json", "plan", "--name", "lifecmg", "--instances", "2", *UP[:-1])
    assert plan.code == 0, plan.err
    changes = plan.json["data"]["changes"]
    vmss = [c for c in changes if "virtualMachineScaleSets" in c["target"]]
    assert {"path": "sku.capacity", "change": "Modify", "before": 3, "after": 2} in vmss[0][
        "deltas"
    ]
    site = [c for c in changes if c["scope"] == "site"]
    assert site[0]["deltas"][0]["after"] == [10124, 10125]

    down = cli(*e, "down", "--name", "lifecmg", "--yes")
    assert down.code == 0, down.err
    gone = cli(*e, "-o", "json", "status", "--name", "lifecmg")
    assert gone.json["data"]["state"] == "NotFound"


def _assert_channel_ports(local_azure: Any, name: str, nsg_range: str, nat_end: int) -> None:
    """NSG and NAT pool as stored by the local Azure (read from its SQLite store)."""
    db = sqlite3.connect(Path(local_azure.state_dir) / "cloud.db")
    text = "\n".join(str(row) for row in db.execute("SELECT * FROM resources"))
    assert nsg_range in text
    assert f"'frontendPortRangeEnd': {nat_end}" in text.replace('"', "'")


def test_down_keeps_group_with_foreign_resources(
    cli: Any, cloud_env: str, local_azure: Any
) -> None:
    """Acceptance 4: a group that holds something else is kept, our resources go."""
    e = ("-e", cloud_env)
    assert cli(*e, "up", "--name", "keepcmg", *UP).code == 0
    _put_foreign_resource(local_azure, "keepcmg-cmg-rg")
    down = cli(*e, "-o", "json", "down", "--name", "keepcmg", "--yes")
    assert down.code == 0, down.err
    data = down.json["data"]
    assert data["deleted_group"] is False
    assert len(data["kept_resources"]) == 1 and "foreignstore" in data["kept_resources"][0]
    assert cli(*e, "-o", "json", "site", "show").json["data"]["rows"] == []


def _put_foreign_resource(local_azure: Any, group: str) -> None:
    import requests

    from cmgdeploy.azure.auth import get_token, make_credential
    from cmgdeploy.local import ResolvedEnvironment

    env = ResolvedEnvironment(
        type("Row", (), {"name": "t", "instance_discovery": False})(),
        local_azure.url, local_azure.url + "/", local_azure.url, str(local_azure.ca_bundle),
        local_azure.identity.tenant_id, None, local_azure.identity.client_id,
        local_azure.identity.client_secret,
    )  # fmt: skip
    token = get_token(make_credential(env, None), env).token
    sub = local_azure.identity.subscription_id
    rid = f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/foreignstore"
    response = requests.put(
        f"{local_azure.url}{rid}?api-version=2023-05-01",
        json={"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"},
        headers={"Authorization": f"Bearer {token}"},
        verify=str(local_azure.ca_bundle),
        timeout=30,
    )
    assert response.status_code in (200, 201, 202), response.text
