"""migrate as Microsoft's procedure has it: the drain starts when the site has the new
CMG (confirmed by the admin), retire deletes the classic service and its storage account
and writes the site's removal steps; later runs take the target spec from the first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from migrate_lab import SOURCE, TARGET, Lab

from cmgdeploy.domain.site_records import ConnectionPoint
from cmgdeploy.services.sitedb import SiteDB

# The target options without --site-confirmed (the flag these tests give themselves).
SPEC = ("--self-signed-cert", "--site-code", "PS1",
        "--connection-point", "cp1.contoso.com", "--connection-point", "cp2.contoso.com")  # fmt: skip
BARE = ("-e", "lab", "-o", "json", "migrate", "--from-classic", SOURCE, "--to", TARGET)


def _classic_storage_deletes(lab: Lab) -> list[str]:
    return [
        r["path"]
        for r in lab.requests()
        if r["method"] == "DELETE" and "/services/storageservices/" in r["path"]
        and r["status"] < 400
    ]  # fmt: skip


def test_drain_zero_waits_for_the_site_then_retires_service_and_storage(
    lab: Lab, cli: Any, home: Path
) -> None:
    with SiteDB(home / "site.db") as db:  # the site's connection point of the classic CMG
        db.replace_connection_points(SOURCE, [ConnectionPoint("cpold.contoso.com", "PS1", SOURCE)])
    first = cli(*BARE, *SPEC, "--drain-hours", "0", "--yes")
    assert first.code == 0, first.err
    data = first.json["data"]
    # Azure says Ready, but the site does not know the new CMG yet: no drain, no retire.
    assert data["phases_run"] == ["discover", "deploy", "register", "verify", "site"]
    assert (data["phase"], data["site_confirmed"]) == ("site", None)
    assert "--site-confirmed" in data["waiting_for"]
    runbook = Path(data["site_runbook"])
    assert runbook.read_text() == data["site_steps"]
    assert (
        f"New-CMCloudManagementGateway -ServiceCertPath ($PSScriptRoot + '\\{TARGET}.pfx')"
        in (data["site_steps"])
    )
    assert (
        "-CloudManagementGatewayName 'newcmg.westeurope.cloudapp.azure.com'" in data["site_steps"]
    )
    assert lab.classic_deletes() == [] and _classic_storage_deletes(lab) == []
    with SiteDB(home / "site.db") as db:  # what migrate learned from Azure is in the site DB
        row = db.get_service(TARGET)
        assert row is not None
        assert (row.state, row.fqdn, row.instances) == (
            "Ready", "newcmg.westeurope.cloudapp.azure.com", 2)  # fmt: skip
        assert {p.ports for p in db.list_connection_points(TARGET)} == {(10124, 10125)}
    found = data["source_found"]
    assert "found classic hosted service oldcmg" in found and "storage account: oldcmg" in found
    assert "ProxyService_IN_1 ReadyRole" in found

    again = cli(*BARE, "--drain-hours", "0", "--yes")  # still not confirmed: still waiting
    assert again.code == 0 and again.json["data"]["phase"] == "site"
    assert lab.classic_deletes() == []

    # Confirmed: the drain clock starts now, 0 hours, then retire.
    done = cli(*BARE, "--drain-hours", "0", "--yes", "--site-confirmed")
    assert done.code == 0, done.err
    data = done.json["data"]
    assert data["phases_run"] == ["site", "drain", "retire"] and data["phase"] == "done"
    assert data["site_confirmed"]
    assert "storage account oldcmg" in data["deleted"]
    assert any("hosted service oldcmg" in d for d in data["deleted"])
    assert _classic_storage_deletes(lab) == [
        f"/{lab.az.identity.subscription_id}/services/storageservices/{SOURCE}"
    ]
    steps = data["site_steps"]
    assert Path(data["site_runbook"]).name == f"{TARGET}-retire-{SOURCE}.ps1"
    remove_point = steps.index(
        "Remove-CMCloudManagementGatewayConnectionPoint -SiteSystemServerName 'cpold.contoso.com'"
    )
    assert remove_point < steps.index("Remove-CMCloudManagementGateway -Name 'oldcmg.cloudapp.net'")
    assert "cp1.contoso.com" not in steps  # the new CMG's points stay
    listed = cli("-e", "lab", "-o", "json", "classic", "list").json["data"]["services"]
    assert SOURCE not in [s["name"] for s in listed]


def test_second_run_takes_the_target_spec_from_the_first(lab: Lab, cli: Any) -> None:
    first = cli(*BARE, *SPEC, "--drain-hours", "24", "--yes", "--site-confirmed")
    assert first.code == 0, first.err
    assert first.json["data"]["phase"] == "drain"
    # No spec flags, no config file, no environment variables: the journal's spec.
    second = cli(*BARE, "--drain-hours", "24", "--yes")
    assert second.code == 0, second.err
    assert second.json["data"]["phase"] == "drain" and second.json["data"]["wait_until"]
    status = cli("-e", "lab", "-o", "json", "status", "--name", TARGET).json["data"]
    assert [p["server"] for p in status["connection_points"]] == [
        "cp1.contoso.com",
        "cp2.contoso.com",
    ]


def test_another_machine_takes_the_target_spec_from_the_journal(
    lab: Lab, cli: Any, home: Path
) -> None:
    first = cli(*BARE, *SPEC, "--drain-hours", "24", "--yes", "--site-confirmed")
    assert first.code == 0, first.err
    tags = lab.group_tags() or {}
    assert '"site_code":"PS1"' in "".join(v for k, v in tags.items() if "migration-spec-" in k)
    # A machine that never ran the first step: no spec in its site database.
    with SiteDB(home / "site.db") as db, db.transaction() as conn:
        conn.execute("DELETE FROM migration_specs")
    second = cli(*BARE, "--drain-hours", "24", "--yes")
    assert second.code == 0, second.err
    assert second.json["data"]["phase"] == "drain"


def test_dry_run_shows_what_retire_would_delete(lab: Lab, cli: Any) -> None:
    dry = cli(*BARE, *SPEC, "--drain-hours", "0", "--yes", "--dry-run")
    assert dry.code == 0, dry.err
    would = dry.json["data"]["would_delete"]
    assert any(f"hosted service {SOURCE}" in w for w in would)
    assert f"its classic storage account {SOURCE}" in would
    assert lab.writes() == []


def test_discover_without_confirmation_at_a_terminal_writes_nothing(
    lab: Lab, cli: Any, monkeypatch: Any
) -> None:
    import cmgdeploy.cli.session as session

    monkeypatch.setattr(session, "is_tty", lambda: True)
    monkeypatch.setattr(session.typer, "confirm", lambda *a, **k: False)
    refused = cli(*BARE, *SPEC, "--drain-hours", "0")
    assert refused.code == 2, refused.err
    assert "was not confirmed" in refused.err
    assert lab.writes() == []
