"""The local Azure's store keeps every value sealed at rest under the state dir's key."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from mocks.core.sealing import KEY_FILE, SealError
from mocks.core.store import Store

SECRET = "Very-Secret-Admin-Password-123!"


def _raw(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT value FROM documents UNION ALL SELECT body FROM resources")
        return "\n".join(str(v) for (v,) in rows.fetchall())
    finally:
        db.close()


def test_values_are_sealed_on_disk_and_read_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "cloud.db")
    store.doc_put("deployments", "d1", {"parameters": {"adminPassword": {"value": SECRET}}})
    store.resource_put({"id": "/subscriptions/s/resourceGroups/g/providers/A.B/c/n",
                        "type": "A.B/c", "properties": {"value": SECRET}})  # fmt: skip
    store.meta_set("identity", {"client_secret": SECRET})
    store.close()
    assert SECRET not in (tmp_path / "cloud.db").read_bytes().decode("latin-1")
    assert SECRET not in _raw(tmp_path / "cloud.db")
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600

    again = Store(tmp_path / "cloud.db")  # another process would read it the same way
    assert again.doc_get("deployments", "d1")["parameters"]["adminPassword"]["value"] == SECRET
    assert again.meta_get("identity") == {"client_secret": SECRET}
    (res,) = again.resource_list("s")
    assert res["properties"]["value"] == SECRET


def test_plain_values_of_an_older_store_are_still_read(tmp_path: Path) -> None:
    store = Store(tmp_path / "cloud.db")
    with store.tx() as db:
        db.execute(
            "INSERT INTO documents (collection, key, value, updated) VALUES ('c', 'k', ?, 0)",
            ('{"a": 1}',),
        )
    assert store.doc_get("c", "k") == {"a": 1}


def test_another_key_cannot_open_the_values(tmp_path: Path) -> None:
    store = Store(tmp_path / "cloud.db")
    store.doc_put("c", "k", {"a": SECRET})
    store.close()
    (tmp_path / KEY_FILE).unlink()
    other = Store(tmp_path / "cloud.db")  # makes a new key
    with pytest.raises(SealError, match=KEY_FILE):
        other.doc_get("c", "k")
