"""The store's file locks: opening the database again in this process (a second Store,
as ``python -m mocks serve`` once did) must not drop the locks of the connections
already open, or another process closing the database deletes the live WAL under them
and the state is corrupted for good ("database disk image is malformed")."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import requests
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.resources import ResourceManagementClient

from mocks import read_endpoint
from mocks.core.store import Store

# What `python -m mocks faults|seed-classic|reset` does to the file: open, read, close.
OTHER_PROCESS = """
import sys
from pathlib import Path
from mocks.core.store import Store
store = Store(Path(sys.argv[1]))
store.doc_get("faults", "settings")
store.close()
"""


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def test_a_second_store_keeps_the_first_ones_wal_alive(tmp_path: Path) -> None:
    path = tmp_path / "cloud.db"
    wal = path.with_name("cloud.db-wal")
    first = Store(path)
    first.doc_put("things", "a", {"n": 1})
    second = Store(path)  # same file, same process
    second.doc_put("things", "b", {"n": 2})
    assert wal.exists()
    subprocess.run([sys.executable, "-c", OTHER_PROCESS, str(path)], check=True, timeout=60)
    # Our connections are still open, so their WAL must still be there.
    assert wal.exists() and path.with_name("cloud.db-shm").exists()
    for n in range(3, 40):
        first.doc_put("things", f"k{n}", {"n": n})
    assert second.doc_get("things", "k39") == {"n": 39}
    first.close()
    second.close()
    assert integrity(path) == "ok"
    reopened = Store(path)
    assert len(reopened.doc_list("things")) == 39
    reopened.close()


def test_an_existing_database_is_made_private_without_opening_it(tmp_path: Path) -> None:
    path = tmp_path / "cloud.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    Store(path).close()
    assert path.stat().st_mode & 0o777 == 0o600


def mocks_cli(state: Path, *args: str) -> None:
    """``python -m mocks <args>`` in its own process, as a user would run it."""
    cmd = [sys.executable, "-m", "mocks", args[0], "--state-dir", str(state), *args[1:]]
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


def resource_client(state: Path) -> ResourceManagementClient:
    info = read_endpoint(state)
    assert info is not None
    credential = ClientSecretCredential(
        info["tenant_id"],
        info["client_id"],
        info["client_secret"],
        authority=info["url"],
        disable_instance_discovery=True,
        connection_verify=info["ca_bundle"],
    )
    return ResourceManagementClient(
        credential,
        info["subscription_id"],
        base_url=info["url"],
        credential_scopes=["https://management.azure.com/.default"],
        connection_verify=info["ca_bundle"],
    )


def test_admin_commands_while_serving_leave_the_server_state_intact(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mocks", "serve", "--state-dir", str(tmp_path), "--seed", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        ca = str(tmp_path / "ca.pem")
        rm = resource_client(tmp_path)
        rm.resource_groups.create_or_update("before-rg", {"location": "westeurope"})
        mocks_cli(tmp_path, "faults", "--set", '{"seed": 9}')
        mocks_cli(tmp_path, "seed-classic", "--name", "clicmg", "--region", "westeurope")
        # The server's connections are open, so their WAL must have survived.
        assert (tmp_path / "cloud.db-wal").exists() and (tmp_path / "cloud.db-shm").exists()
        for n in range(20):  # writes through the server after the other processes left
            rm.resource_groups.create_or_update(f"after{n}-rg", {"location": "westeurope"})
        names = {g.name for g in rm.resource_groups.list()}
        assert {"before-rg", "after19-rg"} <= names
        faults = requests.get(f"{url}/_localazure/faults", verify=ca)
        assert faults.json()["faults"] == {"seed": 9}
        seeded = requests.post(
            f"{url}/_localazure/seed-classic",
            json={"name": "othercmg", "region": "westus", "instances": 1},
            verify=ca,
        )
        assert seeded.status_code == 201
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert integrity(tmp_path / "cloud.db") == "ok"
