"""The site database: round trips, schema versioning, cascades, file mode, no secrets."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from cmgdeploy.domain.errors import UsageError
from cmgdeploy.domain.site_records import CmgService, ConnectionPoint, MigrationRecord, SiteRole
from cmgdeploy.services.sitedb import SCHEMA_VERSION, SiteDB


@pytest.fixture
def db(tmp_path: Path):
    with SiteDB(tmp_path / "home" / "site.db") as opened:
        yield opened


def service(name: str = "contosocmg", **kw: object) -> CmgService:
    fields: dict[str, object] = {
        "name": name,
        "environment": "local",
        "region": "westeurope",
        "instances": 2,
        "state": "Ready",
        "subscription": "0b1f6471-1bf0-4dda-aec3-cb9272f09590",
        "resource_group": f"{name}-cmg-rg",
        "vm_size": "Standard_A2_v2",
        "fqdn": f"{name}.westeurope.cloudapp.azure.com",
        "input_hash": "ab" * 32,
        "deployment_name": f"cmgdeploy-{name}-1",
        "created_rg": True,
    }
    fields.update(kw)
    return CmgService(**fields)  # type: ignore[arg-type]


def test_schema_version_and_file_mode(tmp_path: Path, db: SiteDB) -> None:
    assert db.schema_version == SCHEMA_VERSION >= 1
    assert stat.S_IMODE(db.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.path.parent.stat().st_mode) == 0o700
    assert db._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.upsert_service(service())
    for suffix in ("-wal", "-shm"):
        side = db.path.with_name(db.path.name + suffix)
        assert side.exists() and stat.S_IMODE(side.stat().st_mode) == 0o600


def test_reopen_keeps_data_and_version(tmp_path: Path) -> None:
    path = tmp_path / "site.db"
    with SiteDB(path) as first:
        first.upsert_service(service())
    with SiteDB(path) as second:
        assert second.schema_version == SCHEMA_VERSION
        assert second.get_service("contosocmg") == service()


def test_newer_schema_refused(tmp_path: Path) -> None:
    path = tmp_path / "site.db"
    SiteDB(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(UsageError, match="newer than this cmgdeploy"):
        SiteDB(path)


def test_builtin_environments_seeded(db: SiteDB) -> None:
    names = [env.name for env in db.list_environments()]
    assert names[:4] == ["AzurePublicCloud", "AzureUSGovernmentCloud", "AzureChinaCloud", "local"]
    gov = db.get_environment("azureusgovernmentcloud")
    assert (
        gov is not None and gov.authority == "https://login.microsoftonline.us" and gov.is_builtin
    )


def test_service_round_trip_and_update(db: SiteDB) -> None:
    stored = db.upsert_service(service())
    assert stored.updated and db.get_service("contosocmg") == service()
    db.upsert_service(service(instances=3, state="Provisioning"))
    got = db.get_service("contosocmg")
    assert (
        got is not None
        and got.instances == 3
        and got.state == "Provisioning"
        and got.created_rg is True
    )
    assert db.get_service("absent") is None
    assert [s.name for s in db.list_services()] == ["contosocmg"]


def test_connection_points_and_roles_round_trip(db: SiteDB) -> None:
    points = [ConnectionPoint("cp1.contoso.com", "P01", "contosocmg", "HTTPS", (10124, 10125))]
    roles = [
        SiteRole("mp.contoso.com", "MP", "P01", "contosocmg"),
        SiteRole("sup.contoso.com", "SUP", "P01", "contosocmg", https=False),
    ]
    db.replace_site("contosocmg", points, roles)
    assert db.list_connection_points("contosocmg") == tuple(points)
    assert set(db.list_site_roles("contosocmg")) == set(roles)
    db.replace_connection_points("contosocmg", [])
    assert db.list_connection_points() == ()


def test_replace_is_one_transaction(db: SiteDB) -> None:
    db.replace_connection_points("a", [ConnectionPoint("cp1.contoso.com", "P01", "a")])
    dup = ConnectionPoint("cp2.contoso.com", "P01", "a")
    with pytest.raises(sqlite3.IntegrityError):
        db.replace_connection_points("a", [dup, dup])
    # the failed replace left the previous rows in place
    assert [p.server for p in db.list_connection_points("a")] == ["cp1.contoso.com"]


def test_delete_service_cascades_only_its_rows(db: SiteDB) -> None:
    for name in ("one", "two"):
        db.upsert_service(service(name))
        db.replace_site(
            name,
            [ConnectionPoint("cp.contoso.com", "P01", name)],
            [SiteRole("mp.contoso.com", "MP", "P01", name)],
        )
    assert db.delete_service("one") is True
    assert db.get_service("one") is None and db.list_connection_points("one") == ()
    assert db.list_site_roles("one") == ()
    assert len(db.list_connection_points("two")) == 1 and len(db.list_site_roles("two")) == 1
    assert db.delete_service("one") is False


def test_migration_journal_mirror(db: SiteDB) -> None:
    record = MigrationRecord(
        "newcmg", "oldcmg", "classic", "drain", "retire", "2024-01-01T00:00:00+00:00"
    )
    db.put_migration(record)
    assert db.get_migration("newcmg") == record
    db.put_migration(MigrationRecord("newcmg", "oldcmg", "classic", "done"))
    got = db.get_migration("newcmg")
    assert got is not None and got.phase == "done" and got.ready_since is None
    assert len(db.list_migrations()) == 1 and db.delete_migration("newcmg")


def test_wrong_cmg_in_record_refused(db: SiteDB) -> None:
    with pytest.raises(ValueError):
        db.replace_connection_points("a", [ConnectionPoint("cp.contoso.com", "P01", "b")])


def test_no_secrets_in_schema(db: SiteDB) -> None:
    columns = " ".join(
        row[0] for row in db._conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table'")
    ).lower()
    for word in ("password", "secret", "token", "pfx", "private"):
        assert word not in columns


def test_existing_directory_mode_untouched(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    SiteDB(tmp_path / "site.db").close()
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "site.db").stat().st_mode) == 0o600


WRITER = """
import sys
from pathlib import Path
from cmgdeploy.domain.site_records import CmgService, ConnectionPoint
from cmgdeploy.services.sitedb import SiteDB
with SiteDB(Path(sys.argv[1])) as db:
    for i in range(40):
        name = f"{sys.argv[2]}{i}"
        db.upsert_service(CmgService(name, "local", "westeurope", 1, "Ready"))
        db.replace_connection_points(name, [ConnectionPoint("cp.contoso.com", "P01", name)])
"""


def test_concurrent_processes(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "site.db"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), p]) for p in ("a", "b")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with SiteDB(path) as db:
        assert len(db.list_services()) == 80 and len(db.list_connection_points()) == 80


def test_open_waits_for_another_process_holding_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cause of a flaky test_concurrent_processes: a command opening the site DB while
    # another holds the write lock on a file not yet in WAL mode failed at once with
    # "database is locked" (SQLite skips the busy handler for `journal_mode=WAL`).
    import cmgdeploy.services.sitedb as sitedb

    path = tmp_path / "site.db"
    other = sqlite3.connect(path, isolation_level=None)  # the other process's connection
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE theirs (x)")
    waits: list[float] = []

    def other_commits(seconds: float) -> None:  # the other process finishes while we wait
        waits.append(seconds)
        if other.in_transaction:
            other.execute("COMMIT")

    monkeypatch.setattr("time.sleep", other_commits)
    with SiteDB(path) as db:
        assert db.schema_version == sitedb.SCHEMA_VERSION
        db.upsert_service(CmgService("a", "local", "westeurope", 1, "Ready"))
    assert waits and not other.in_transaction
    other.close()


def test_a_directory_given_as_the_site_database_keeps_its_mode(tmp_path: Path) -> None:
    """A directory passed by mistake (``--site-db /tmp``) is refused, never made 0600."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    with pytest.raises(Exception):  # noqa: B017 - whichever error, the mode must stay
        SiteDB(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
