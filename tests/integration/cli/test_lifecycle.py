"""The CMG lifecycle (up, status, plan, scale, down) through the real CLI against the
real local Azure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from armcheck import arm, group_path, tagged_resources
from requestlog import RequestLog

from cmgdeploy.domain.results import resource_label

UP = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1",
      "--connection-point", "cp1.contoso.com", "--management-point", "mp1.contoso.com", "--yes")  # fmt: skip


def test_embedded_local_up_gives_ready_cmg_and_status_json(cli: Any, home: Path) -> None:
    """`-e local up` starts the embedded local Azure; status JSON is Ready."""
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
    """A row added with `environments add` (no special path for local)."""
    e = ("-e", cloud_env)
    assert cli(*e, "up", "--name", "lifecmg", *UP).code == 0

    before = writes(local_azure.state_dir)
    log = RequestLog(local_azure.state_dir)
    mark = log.mark()
    again = cli(*e, "up", "--name", "lifecmg", *UP)
    assert again.code == 0 and "no changes" in again.out
    assert writes(local_azure.state_dir) == before
    # No redundant calls: the deployment (which says the group exists; its outputs hold
    # the fqdn and IP), cmgdeploy's resources of the group, the instances — each once;
    # with the sign-in (2 Entra requests) 5 in all, and no subscription list (the site
    # database recorded the subscription).
    requests = log.since(mark)
    arm_reads = [r for r in requests if r.path.startswith("/subscriptions")]
    assert len(arm_reads) == 3, arm_reads
    assert len(requests) <= 6, requests

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

    _assert_plan_is_capacity_delta(cli, e)

    down = cli(*e, "down", "--name", "lifecmg", "--yes")
    assert down.code == 0, down.err
    gone = cli(*e, "-o", "json", "status", "--name", "lifecmg")
    assert gone.json["data"]["state"] == "NotFound"
    _assert_nothing_left(cli, e, local_azure, "lifecmg")


def _assert_plan_is_capacity_delta(cli: Any, e: tuple[str, ...]) -> None:
    """After `scale 3`, a plan for 2 instances is exactly that delta (the
    scale set's capacity, the connection point's ports); everything else unchanged."""
    plan = cli(*e, "-o", "json", "plan", "--name", "lifecmg", "--instances", "2", *UP[:-1])
    assert plan.code == 0, plan.err
    changes = plan.json["data"]["changes"]
    moving = {
        resource_label(c["target"]): (c["change"], [(d["path"], d["before"], d["after"])
                                                    for d in c["deltas"]])
        for c in changes
        if c["change"] not in ("NoChange", "Ignore")
    }  # fmt: skip
    # The capacity, and exactly what follows from it: the channel ports.
    assert moving == {
        ("Microsoft.Compute/virtualMachineScaleSets", "lifecmg"): (
            "Modify", [("sku.capacity", 3, 2)]),
        ("Microsoft.Network/networkSecurityGroups", "lifecmg-nsg"): (
            "Modify", [("properties.securityRules[1].properties.destinationPortRange",
                        "10124-10126", "10124-10125")]),
        ("Microsoft.Network/loadBalancers", "lifecmg-lb"): (
            "Modify", [("properties.inboundNatRules[0].properties.frontendPortRangeEnd",
                        10126, 10125)]),
        ("connection_point", "cp1.contoso.com"): (
            "Modify", [("ports", [10124, 10125, 10126], [10124, 10125])]),
        # Its value comes from listKeys(), which what-if does not call: "Deploy", not
        # a known change (as Azure's what-if answers).
        ("Microsoft.KeyVault/vaults/secrets", "lifecmg/storage-connection-string"): (
            "Deploy", []),
    }  # fmt: skip
    text = cli(*e, "plan", "--name", "lifecmg", "--instances", "2", *UP[:-1])
    assert text.code == 0, text.err
    assert "/subscriptions/" not in text.out and "lifecmg-nsg" in text.out
    assert "sku.capacity:" in text.out


def _assert_nothing_left(cli: Any, e: tuple[str, ...], local_azure: Any, name: str) -> None:
    """down as Azure and the site database see it, not only `status`."""
    group = arm(local_azure, "GET", group_path(f"{name}-cmg-rg"))
    assert group.status_code == 404, group.text
    assert group.json()["error"]["code"] == "ResourceGroupNotFound"
    assert tagged_resources(local_azure, name) == []
    site = cli(*e, "-o", "json", "site", "show").json["data"]
    assert [p for p in site["rows"] if p["cmg"] == name] == []
    assert [r for r in site["site_roles"] if r["cmg"] == name] == []
    assert [s for s in site["services"] if s["name"] == name] == []


def _assert_channel_ports(local_azure: Any, name: str, nsg_range: str, nat_end: int) -> None:
    """This CMG's NSG, inbound NAT rule (V2) and scale set, read by id through ARM."""
    network = group_path(f"{name}-cmg-rg") + "/providers/Microsoft.Network"
    nsg = arm(local_azure, "GET", f"{network}/networkSecurityGroups/{name}-nsg", "2023-09-01")
    assert nsg.status_code == 200, nsg.text
    ranges = [
        r["properties"].get("destinationPortRange")
        for r in nsg.json()["properties"]["securityRules"]
    ]
    assert nsg_range in ranges, ranges
    lb = arm(local_azure, "GET", f"{network}/loadBalancers/{name}-lb", "2023-09-01")
    assert lb.status_code == 200, lb.text
    rules = lb.json()["properties"]["inboundNatRules"]
    assert [(r["properties"]["frontendPortRangeStart"], r["properties"]["frontendPortRangeEnd"])
            for r in rules] == [(10124, nat_end)]  # fmt: skip
    vmss_id = (
        group_path(f"{name}-cmg-rg")
        + f"/providers/Microsoft.Compute/virtualMachineScaleSets/{name}"
    )
    vmss = arm(local_azure, "GET", vmss_id, "2024-03-01")
    assert vmss.json()["sku"]["capacity"] == 3


def test_down_keeps_group_with_foreign_resources(
    cli: Any, cloud_env: str, local_azure: Any
) -> None:
    """A group that holds something else is kept, our resources go."""
    e = ("-e", cloud_env)
    assert cli(*e, "up", "--name", "keepcmg", *UP).code == 0
    _put_foreign_resource(local_azure, "keepcmg-cmg-rg")
    down = cli(*e, "-o", "json", "down", "--name", "keepcmg", "--yes")
    assert down.code == 0, down.err
    data = down.json["data"]
    assert data["deleted_group"] is False
    assert len(data["kept_resources"]) == 1 and "foreignstore" in data["kept_resources"][0]
    site = cli(*e, "-o", "json", "site", "show").json["data"]
    assert [p for p in site["rows"] if p["cmg"] == "keepcmg"] == []
    assert [r for r in site["site_roles"] if r["cmg"] == "keepcmg"] == []
    assert [s for s in site["services"] if s["name"] == "keepcmg"] == []
    group = arm(local_azure, "GET", group_path("keepcmg-cmg-rg"))
    assert group.status_code == 200  # kept: it holds the foreign account
    assert tagged_resources(local_azure, "keepcmg") == []


def _put_foreign_resource(local_azure: Any, group: str) -> None:
    import requests

    from cmgdeploy.services.azure.auth import get_token, make_credential
    from cmgdeploy.services.local import ResolvedEnvironment

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
