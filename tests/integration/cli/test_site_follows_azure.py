"""The site database follows Azure: commands that read a CMG's state write back what
they learned (state, fqdn, instances, connection-point ports)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cmgdeploy.services.sitedb import SiteDB

UP = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1",
      "--connection-point", "cp1.contoso.com", "--connection-point", "cp2.contoso.com",
      "--management-point", "mp1.contoso.com", "--yes")  # fmt: skip
FQDN = "nowaitcmg.westeurope.cloudapp.azure.com"


def _service(home: Path, name: str) -> Any:
    with SiteDB(home / "site.db") as db:
        return db.get_service(name)


def test_no_wait_then_watch_then_export(cli: Any, home: Path) -> None:
    started = cli("-e", "local", "-o", "json", "up", "--name", "nowaitcmg",
                  "--instances", "2", "--no-wait", *UP)  # fmt: skip
    assert started.code == 0, started.err
    assert _service(home, "nowaitcmg").state == "Provisioning"
    # Not Ready, no FQDN: the runbook cannot name it, so it is left out and the command says so.
    early = cli("-o", "json", "site", "export")
    assert early.code == 0, early.err
    assert "New-CMCloudManagementGateway" not in early.json["data"]["text"]
    assert "# WARNING: CMG nowaitcmg is left out" in early.json["data"]["text"]
    assert any("nowaitcmg is left out" in w for w in early.json["warnings"])
    assert "nowaitcmg is left out" in cli("site", "export").err

    watched = cli("-e", "local", "-o", "json", "status", "--name", "nowaitcmg", "--watch")
    assert watched.code == 0, watched.err
    assert watched.json["data"]["state"] == "Ready"

    row = _service(home, "nowaitcmg")
    assert (row.state, row.fqdn, row.instances) == ("Ready", FQDN, 2)
    shown = cli("-o", "json", "site", "show")
    (service,) = shown.json["data"]["services"]
    assert service["state"] == "Ready" and service["fqdn"] == FQDN

    script = cli("site", "export").out
    assert f"-CloudManagementGatewayName '{FQDN}'" in script
    assert "-CloudManagementGatewayName 'nowaitcmg'" not in script
    assert script.count(f" for {FQDN} (ports 10124, 10125)") == 2


def test_status_corrects_ports_and_instances_from_azure(cli: Any, home: Path) -> None:
    """A site database that fell behind (e.g. the CMG was scaled from another
    machine) is corrected by a plain `status` once the CMG is Ready."""
    assert cli("-e", "local", "up", "--name", "nowaitcmg", *UP).code == 0
    with SiteDB(home / "site.db") as db:
        db.record_observed("nowaitcmg", "local", state="Provisioning", fqdn=None,
                           instances=5, ports=(10124, 10125, 10126, 10127, 10128))  # fmt: skip
    status = cli("-e", "local", "status", "--name", "nowaitcmg")
    assert status.code == 0, status.err
    row = _service(home, "nowaitcmg")
    assert (row.state, row.fqdn, row.instances) == ("Ready", FQDN, 1)
    with SiteDB(home / "site.db") as db:
        assert {p.ports for p in db.list_connection_points("nowaitcmg")} == {(443,)}
