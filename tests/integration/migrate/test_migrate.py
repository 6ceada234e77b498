"""migrate through the real CLI: classic and ARM sources, drain, resume after SIGKILL,
failures, refused certificates, the lock and the dry run."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path
from typing import Any

from migrate_lab import CLASSIC_SLOT, GROUP, SOURCE, TARGET, TARGET_ARGS, VMSS, Lab, wait_for

from cmgdeploy.domain.site_records import ConnectionPoint
from cmgdeploy.services.locks import CmgLock
from cmgdeploy.services.sitedb import SiteDB
from mocks import CloudConfig, LocalAzure
from mocks.classic.models import seed_classic
from mocks.core.pki import issue_client_certificate
from mocks.pytest_plugin import FAST

TAG = "cmgdeploy-migration-"


def classic_state(cli: Any, name: str = SOURCE) -> str | None:
    """The classic CMG's state as `cmgdeploy classic show` reports it (None when gone)."""
    shown = cli("-e", "lab", "-o", "json", "classic", "show", name)
    return shown.json["data"]["state"] if shown.code == 0 else None


def mirror_phase(home: Path) -> str | None:
    path = home / "site.db"
    if not path.exists():
        return None
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT phase FROM migrations WHERE cmg = ?", (TARGET,)).fetchone()
    return row[0] if row else None


def test_classic_to_vmss_on_embedded_local(cli: Any, home: Path, writes: Any) -> None:
    """`-e local` (its own management certificate is the default):
    a 2-instance classic CMG in westeurope ends as a Ready 2-instance VMSS CMG there,
    connection points registered, the classic service and its records gone."""
    az = LocalAzure(home / "local-azure", config=CloudConfig(**FAST))
    seed_classic(az.cloud, SOURCE, "westeurope", 2)
    with SiteDB(home / "site.db") as db:  # the site had the classic CMG's connection point
        db.replace_connection_points(SOURCE, [ConnectionPoint("cpold.contoso.com", "PS1", SOURCE)])
    args = ("-e", "local", "-o", "json", "migrate", "--from-classic", SOURCE, "--to", TARGET,
            *TARGET_ARGS, "--drain-hours", "0", "--yes")  # fmt: skip

    first = cli(*args)
    assert first.code == 0, first.err
    data = first.json["data"]
    assert (data["phase"], data["next_phase"], data["source"], data["target"]) == (
        "done", None, SOURCE, TARGET)  # fmt: skip
    assert data["phases_run"] == [
        "discover", "deploy", "register", "verify", "site", "drain", "retire"
    ]  # fmt: skip
    status = cli("-e", "local", "-o", "json", "status", "--name", TARGET).json["data"]
    assert (status["state"], status["instances"], status["region"]) == ("Ready", 2, "westeurope")
    assert [p["server"] for p in status["connection_points"]] == [
        "cp1.contoso.com",
        "cp2.contoso.com",
    ]
    services = cli("-e", "local", "-o", "json", "classic", "list").json["data"]["services"]
    assert SOURCE not in [s["name"] for s in services]
    with SiteDB(home / "site.db") as db:
        assert db.list_connection_points(SOURCE) == ()
        assert db.get_migration(TARGET).phase == "done"

    before = writes(home / "local-azure")
    again = cli(*args)
    assert again.code == 0 and again.json["data"]["phase"] == "done"
    assert again.json["data"]["phases_run"] == []
    assert writes(home / "local-azure") == before


def test_drain_reports_time_left_and_deletes_nothing(lab: Lab, cli: Any) -> None:
    """With --drain-hours 24 the run after Ready reports the drain, exit 0;
    the classic CMG keeps serving; the group's tags hold ready_since."""
    first = cli(*lab.args("--drain-hours", "24", "--yes"))
    assert first.code == 0, first.err
    data = first.json["data"]
    assert (data["phase"], data["next_phase"]) == ("drain", "retire")
    assert 86000 < data["seconds_left"] <= 86400 and data["wait_until"]
    tags = lab.group_tags()
    assert tags is not None
    assert tags[TAG + "phase"] == "drain" and tags[TAG + "source"] == SOURCE
    assert tags[TAG + "source-kind"] == "classic"
    assert tags[TAG + "ready-since"] == data["ready_since"]

    writes = len(lab.writes())
    again = cli(*lab.args("--drain-hours", "24", "--yes"))
    assert again.code == 0 and again.json["data"]["phase"] == "drain"
    assert again.json["data"]["wait_until"] == data["wait_until"]
    assert len(lab.writes()) == writes  # waiting writes nothing to Azure
    assert lab.classic_deletes() == []
    assert classic_state(cli) == "Ready"

    dry = cli(*lab.args("--drain-hours", "0", "--yes", "--dry-run"))
    assert dry.code == 0 and dry.json["data"]["dry_run"] is True
    assert dry.json["data"]["phases_run"] == ["drain", "retire"]
    assert len(lab.writes()) == writes


def test_retire_without_consent_says_what_it_would_delete(lab: Lab, cli: Any) -> None:
    """Without --yes / allow_delete_classic, retire stops (exit 0) and names the deletions."""
    stop = cli(*lab.args("--drain-hours", "0"))
    assert stop.code == 0, stop.err
    data = stop.json["data"]
    assert (data["phase"], data["next_phase"]) == ("retire", "done")
    assert any(f"hosted service {SOURCE}" in w for w in data["would_delete"])
    assert lab.classic_deletes() == []
    assert any("below 24" in w for w in stop.json["warnings"])

    # The scheduled form: everything from the config file, no source flags.
    Path("cmgdeploy.toml").write_text(
        f'allow_delete_classic = true\n[migrate]\nfrom_classic = "{SOURCE}"\n'
        f'to = "{TARGET}"\ndrain_hours = 0\n'
    )
    done = cli("-e", "lab", "-o", "json", "migrate", *TARGET_ARGS)
    assert done.code == 0 and done.json["data"]["phase"] == "done", done.err
    assert classic_state(cli) is None


def test_sigkill_during_deploy_converges_without_duplicates(lab: Lab, cli: Any) -> None:
    """Deploy: SIGKILL while the scale set provisions; the next run attaches
    to the same deployment; one of each resource; the classic service deleted once."""
    lab.faults({"kind": "slow", "type": VMSS, "seconds": 2})
    proc = lab.spawn(*lab.args("--drain-hours", "0", "--yes"))
    try:
        wait_for(lambda: any(r["method"] == "PUT" and "/deployments/" in r["path"]
                             for r in lab.requests()))  # fmt: skip
        wait_for(lambda: mirror_phase(lab.home) == "deploy")
    finally:
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    assert (lab.group_tags() or {})[TAG + "phase"] == "deploy"
    assert classic_state(cli) == "Ready"
    lab.faults()

    done = cli(*lab.args("--drain-hours", "0", "--yes"))
    assert done.code == 0, done.err
    assert done.json["data"]["phase"] == "done"
    ids = [r["id"].lower() for r in lab.group_resources()]
    types = [r["type"] for r in lab.group_resources()]
    assert len(ids) == len(set(ids)) and VMSS in types
    deployments = lab.arm(f"/resourcegroups/{GROUP}/providers/Microsoft.Resources/deployments")
    names = sorted(d["name"] for d in deployments.json()["value"])
    # One CMG deployment, after its storage stage (the DSC package's account), not two.
    assert len(names) == 2 and names[1] == names[0] + "-storage", names
    assert len(lab.classic_deletes()) == 2  # the deployment, then the hosted service


def test_sigkill_during_retire_deletes_classic_exactly_once(lab: Lab, cli: Any) -> None:
    """Retire: SIGKILL while the classic deployment is being deleted; the
    next run waits for that deletion instead of sending another, then finishes."""
    assert cli(*lab.args("--drain-hours", "24")).code == 0
    lab.faults({"kind": "slow", "type": CLASSIC_SLOT, "seconds": 2})
    proc = lab.spawn(*lab.args("--drain-hours", "0", "--yes"))
    try:
        wait_for(lambda: lab.classic_deletes())
    finally:
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    assert mirror_phase(lab.home) == "retire"
    lab.faults()

    done = cli(*lab.args("--drain-hours", "0", "--yes"))
    assert done.code == 0, done.err
    assert done.json["data"]["phase"] == "done"
    deletes = lab.classic_deletes()
    assert len([p for p in deletes if "/deployments/" in p]) == 1
    assert len([p for p in deletes if p.endswith(f"/hostedservices/{SOURCE}")]) == 1
    assert classic_state(cli) is None


def test_failed_deployment_keeps_classic_and_resumes(lab: Lab, cli: Any) -> None:
    """An injected deployment failure → exit 1, journal at deploy with the
    error, classic still serving; after the fault is gone the next run completes."""
    lab.faults({"kind": "fail_deployment", "type": VMSS, "code": "AllocationFailed",
                "message": "Allocation failed. Please try again later.", "count": 1})  # fmt: skip
    failed = cli(*lab.args("--drain-hours", "0", "--yes"))
    assert failed.code == 1
    assert "AllocationFailed" in [e["code"] for e in failed.json["errors"]]
    tags = lab.group_tags() or {}
    assert tags[TAG + "phase"] == "deploy"
    assert "Allocation failed" in tags[TAG + "error"] and len(tags[TAG + "error"]) <= 256
    assert classic_state(cli) == "Ready" and lab.classic_deletes() == []

    lab.faults()
    done = cli(*lab.args("--drain-hours", "0", "--yes"))
    assert done.code == 0, done.err
    assert done.json["data"]["phase"] == "done"
    assert TAG + "error" not in (lab.group_tags() or {})


def test_unregistered_management_certificate_is_auth_failure(
    lab: Lab, cli: Any, tmp_path: Path
) -> None:
    """A valid but unregistered certificate → exit 3 with Service
    Management's message; no write request reached Azure."""
    stranger = tmp_path / "stranger.pem"
    issue_client_certificate(lab.az.state_dir, "stranger", stranger)
    result = cli(*lab.args("--management-cert", str(stranger), "--drain-hours", "0", "--yes"))
    assert result.code == 3
    error = result.json["errors"][0]
    assert error["code"] == "ForbiddenError"
    assert "certificate is valid and is associated with this subscription" in error["message"]
    assert lab.writes() == []
    assert lab.group_tags() is None


def test_target_not_ready_at_retire_deletes_nothing(lab: Lab, cli: Any) -> None:
    """The scale set's instances fail right before retire → exit 1, the
    classic CMG untouched, journal at retire with the error; then it completes."""
    assert cli(*lab.args("--drain-hours", "24")).code == 0
    lab.faults({"kind": "unready", "target": "vmss"})
    blocked = cli(*lab.args("--drain-hours", "0", "--yes"))
    assert blocked.code == 1
    assert blocked.json["errors"][0]["code"] == "TargetNotReady"
    assert lab.classic_deletes() == []
    assert classic_state(cli) == "Ready"
    tags = lab.group_tags() or {}
    assert tags[TAG + "phase"] == "retire" and "TargetNotReady" in tags[TAG + "error"]

    lab.faults()
    assert cli(*lab.args("--drain-hours", "0", "--yes")).json["data"]["phase"] == "done"


def test_second_run_is_locked_out(lab: Lab, cli: Any, home: Path) -> None:
    """Two runs at once: the second exits 5 naming the holder, and writes nothing."""
    with CmgLock(home / "locks", TARGET, command="migrate"):
        locked = cli(*lab.args("--drain-hours", "0"))
    assert locked.code == 5
    assert "pid" in locked.json["errors"][0]["message"]
    assert lab.writes() == []


def test_journal_names_its_source(lab: Lab, cli: Any) -> None:
    """A target whose journal belongs to another source is refused (exit 2, no write)."""
    assert cli(*lab.args("--drain-hours", "24")).code == 0
    seed_classic(lab.az.cloud, "othercmg", "westeurope", 1)
    writes = len(lab.writes())
    other = cli("-e", "lab", "-o", "json", "migrate", "--from-classic", "othercmg",
                "--to", TARGET, *TARGET_ARGS)  # fmt: skip
    assert other.code == 2 and SOURCE in other.json["errors"][0]["message"]
    assert len(lab.writes()) == writes


def test_arm_redeploy_to_new_name_and_region(lab: Lab, cli: Any) -> None:
    """`migrate --from OLD --to NEW`: same phases; the old ARM CMG is removed like `down`."""
    up_args = [a for a in TARGET_ARGS if a != "--site-confirmed"]
    up = cli("-e", "lab", "up", "--name", "armold", "--region", "westeurope",
             "--instances", "2", *up_args, "--yes")  # fmt: skip
    assert up.code == 0, up.err
    moved = cli("-e", "lab", "-o", "json", "migrate", "--from", "armold", "--to", "armnew",
                "--region", "northeurope", *TARGET_ARGS, "--drain-hours", "0", "--yes")  # fmt: skip
    assert moved.code == 0, moved.err
    assert moved.json["data"]["phase"] == "done" and moved.json["data"]["source_kind"] == "arm"
    new = cli("-e", "lab", "-o", "json", "status", "--name", "armnew").json["data"]
    assert (new["state"], new["region"], new["instances"]) == ("Ready", "northeurope", 2)
    old = cli("-e", "lab", "-o", "json", "status", "--name", "armold").json["data"]
    assert old["state"] == "NotFound"
    assert lab.arm("/resourcegroups/armold-cmg-rg").status_code == 404


def test_bad_drain_hours_is_exit_2_before_any_write(lab: Lab, cli: Any) -> None:
    result = cli(*lab.args("--drain-hours", "-1"))
    assert result.code == 2
    assert result.json["errors"][0]["target"] == "--drain-hours"
    assert lab.writes() == []


def test_target_of_an_unfinished_migration_cannot_be_a_source(lab: Lab, cli: Any) -> None:
    """Retiring a CMG that is still draining its own source would delete that migration's
    journal: `--from` such a CMG is refused (exit 2, no write) until it is done."""
    assert cli(*lab.args("--drain-hours", "24")).code == 0  # newcmg drains from oldcmg
    writes = len(lab.writes())
    chained = cli("-e", "lab", "-o", "json", "migrate", "--from", TARGET, "--to", "thirdcmg",
                  *TARGET_ARGS, "--drain-hours", "0", "--yes")  # fmt: skip
    assert chained.code == 2, chained.out
    message = chained.json["errors"][0]["message"]
    assert "unfinished migration" in message and SOURCE in message
    assert len(lab.writes()) == writes
