"""The site database's file locks: opening it again in this process must not drop the
locks of the connections already open, or another process (another cmgdeploy command)
closing the database deletes the live WAL under them and corrupts the site data."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from cmgdeploy.domain.site_records import CmgService
from cmgdeploy.services.sitedb import SiteDB

# Another cmgdeploy command: open the site DB, read, close.
OTHER_PROCESS = """
import sys
from pathlib import Path
from cmgdeploy.services.sitedb import SiteDB
with SiteDB(Path(sys.argv[1])) as db:
    db.list_services()
"""


def test_a_second_sitedb_keeps_the_first_ones_wal_alive(tmp_path: Path) -> None:
    path = tmp_path / "site.db"
    wal = path.with_name("site.db-wal")
    first = SiteDB(path)
    first.upsert_service(CmgService("a", "local", "westeurope", 1, "Ready"))
    second = SiteDB(path)  # same file, same process
    second.upsert_service(CmgService("b", "local", "westeurope", 1, "Ready"))
    assert wal.exists()
    subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(path)], check=True, timeout=60)
    # Our connections are still open, so their WAL must still be there.
    assert wal.exists() and path.with_name("site.db-shm").exists()
    for n in range(30):
        first.upsert_service(CmgService(f"c{n}", "local", "westeurope", 1, "Ready"))
    assert second.get_service("c29") is not None
    first.close()
    second.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with SiteDB(path) as db:
        assert len(db.list_services()) == 32


def test_an_existing_site_db_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "site.db"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    SiteDB(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
