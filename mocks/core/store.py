"""SQLite state of the local Azure.

One file (``<state-dir>/cloud.db``) in WAL mode, so a restarted server, several
server processes and ``python -m mocks`` admin commands all see one cloud.
Every write happens inside :meth:`Store.tx` (``BEGIN IMMEDIATE``), which
serialises writers across threads and processes.

Two kinds of record:

* **resources** — ARM resources keyed by their id (case-insensitive), with the
  subscription, resource group and type broken out for listing.  Resource groups
  themselves are rows of type ``Microsoft.Resources/resourceGroups``.  A row may
  carry ``ready_at``: while the clock is before it the resource reports the
  provisioning state it was stored with (Creating/Updating/Deleting); after it,
  :meth:`resource_get` reports ``Succeeded`` (or removes a resource that was
  ``Deleting``) and writes that back — only if the row is unchanged since it was
  read, so a read never undoes a concurrent PUT/PATCH or deletes a re-created
  resource.  That lazy, clock-driven state machine needs no background thread and
  survives restarts.
* **documents** — any other JSON state, by (collection, key): deployments,
  long-running operations, provider registrations, classic services, identities,
  fault settings, throttle buckets.

Every value (meta, documents, resource bodies) is stored sealed: encrypted with the
state dir's ``store.key`` (:mod:`mocks.core.sealing`), so the database file holds no
secret in clear.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .sealing import KEY_FILE, Sealer

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated REAL NOT NULL,
    PRIMARY KEY (collection, key)
);
CREATE TABLE IF NOT EXISTS resources (
    id_key TEXT PRIMARY KEY,
    subscription TEXT NOT NULL,
    resource_group TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    ready_at REAL,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_by_group ON resources (subscription, resource_group);
"""

_TRANSIENT = {"Creating", "Updating", "Deleting", "Accepted", "Running"}


class _Raced(Exception):
    """A concurrent write changed the row between the read and the settle write-back."""


def parse_resource_id(rid: str) -> tuple[str, str]:
    """(subscription, resource group) of an ARM id, lower-cased; '' where absent."""
    parts = rid.strip("/").split("/")
    low = [p.lower() for p in parts]
    return _segment_after(parts, low, "subscriptions"), _segment_after(parts, low, "resourcegroups")


def _segment_after(parts: list[str], low: list[str], name: str) -> str:
    # A collection path (".../resourcegroups") has no segment after the name.
    if name not in low or low.index(name) + 1 >= len(parts):
        return ""
    return parts[low.index(name) + 1].lower()


class Store:
    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self.clock = clock
        self._local = threading.local()
        # Every value is sealed at rest (mocks.core.sealing) with the key next to it.
        self._sealer = Sealer(self.path.with_name(KEY_FILE))
        # Private before SQLite opens it (and sealed values besides: see sealing).
        create_private(self.path)
        # executescript() commits any open transaction itself, so it runs on its own
        # (every statement is IF NOT EXISTS, safe to repeat from several processes).
        self._conn().executescript(_SCHEMA)
        with self.tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )

    # -- connections and transactions -------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            self._local.depth = 0
        return conn

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested calls join the outer one."""
        conn = self._conn()
        if self._local.depth:
            self._local.depth += 1
            try:
                yield conn
            finally:
                self._local.depth -= 1
            return
        conn.execute("BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            self._local.depth = 0

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- meta ---------------------------------------------------------------------------
    def meta_get(self, key: str) -> Any:
        row = self._conn().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return self._load(row[0]) if row else None

    def meta_set(self, key: str, value: Any) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (key, self._dump(value)),
            )

    # -- documents ------------------------------------------------------------------------
    def doc_get(self, collection: str, key: str) -> Any:
        row = (
            self._conn()
            .execute(
                "SELECT value FROM documents WHERE collection=? AND key=?",
                (collection, key.lower()),
            )
            .fetchone()
        )
        return self._load(row[0]) if row else None

    def doc_put(self, collection: str, key: str, value: Any) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT INTO documents (collection, key, value, updated) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(collection, key) DO UPDATE SET value=excluded.value, "
                "updated=excluded.updated",
                (collection, key.lower(), self._dump(value), self.clock()),
            )

    def doc_delete(self, collection: str, key: str) -> bool:
        with self.tx() as db:
            cur = db.execute(
                "DELETE FROM documents WHERE collection=? AND key=?", (collection, key.lower())
            )
            return cur.rowcount > 0

    def doc_list(self, collection: str, prefix: str = "") -> list[tuple[str, Any]]:
        rows = (
            self._conn()
            .execute(
                "SELECT key, value FROM documents WHERE collection=? AND key LIKE ? "
                "ESCAPE '\\' ORDER BY key",
                (collection, _like_prefix(prefix.lower())),
            )
            .fetchall()
        )
        return [(k, self._load(v)) for k, v in rows]

    # -- resources --------------------------------------------------------------------------
    def resource_put(self, body: dict[str, Any], ready_at: float | None = None) -> None:
        """Insert or replace an ARM resource; ``body`` must have ``id`` and ``type``."""
        rid = body["id"]
        sub, rg = parse_resource_id(rid)
        now = self.clock()
        with self.tx() as db:
            db.execute(
                "INSERT INTO resources (id_key, subscription, resource_group, type, body, "
                "ready_at, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id_key) DO UPDATE SET body=excluded.body, type=excluded.type, "
                "ready_at=excluded.ready_at, updated=excluded.updated",
                (rid.lower(), sub, rg, body["type"].lower(), self._dump(body), ready_at, now, now),
            )

    def resource_get(self, rid: str) -> dict[str, Any] | None:
        """The resource as the clock sees it (see module docstring), or None."""
        while (row := self._resource_row(rid)) is not None:
            try:
                return self._settle(rid, row[0], row[1])
            except _Raced:
                continue  # a writer got in first: report what it wrote
        return None

    def _resource_row(self, rid: str) -> tuple[str, float | None] | None:
        return (
            self._conn()
            .execute("SELECT body, ready_at FROM resources WHERE id_key=?", (rid.lower(),))
            .fetchone()
        )

    def resource_delete(self, rid: str) -> bool:
        with self.tx() as db:
            cur = db.execute("DELETE FROM resources WHERE id_key=?", (rid.lower(),))
            return cur.rowcount > 0

    def resource_list(
        self,
        subscription: str,
        resource_group: str | None = None,
        type_name: str | None = None,
        id_prefix: str | None = None,
    ) -> list[dict[str, Any]]:
        sql = "SELECT id_key, body, ready_at FROM resources WHERE subscription=?"
        args: list[Any] = [subscription.lower()]
        if resource_group is not None:
            sql += " AND resource_group=?"
            args.append(resource_group.lower())
        if type_name is not None:
            sql += " AND type=?"
            args.append(type_name.lower())
        if id_prefix is not None:
            sql += " AND id_key LIKE ? ESCAPE '\\'"
            args.append(_like_prefix(id_prefix.lower()))
        rows = self._conn().execute(sql + " ORDER BY created, id_key", args).fetchall()
        out = []
        for id_key, body, ready_at in rows:
            try:
                settled = self._settle(id_key, body, ready_at)
            except _Raced:
                settled = self.resource_get(id_key)
            if settled is not None:
                out.append(settled)
        return out

    def _settle(self, rid: str, text: str, ready_at: float | None) -> dict[str, Any] | None:
        """Apply the clock to a transient provisioning state (see module docstring).

        Reads happen outside a transaction, so the write-back is conditional on the row
        still holding what was read: a PUT/PATCH/DELETE that got in between wins, and
        the :class:`_Raced` exception tells the caller to read again instead of undoing it.
        """
        body: dict[str, Any] = self._load(text)
        if ready_at is None or self.clock() < ready_at:
            return body
        props = body.get("properties") or {}
        key = (rid.lower(), ready_at, text)
        if props.get("provisioningState") == "Deleting":
            self._write_if_unchanged("DELETE FROM resources", (), key)
            return None
        if props.get("provisioningState") in _TRANSIENT:
            props["provisioningState"] = "Succeeded"
            body["properties"] = props
        self._write_if_unchanged(
            "UPDATE resources SET body=?, ready_at=NULL, updated=?",
            (self._dump(body), self.clock()),
            key,
        )
        return body

    # -- values at rest -------------------------------------------------------------------
    def _dump(self, value: Any) -> str:
        return self._sealer.seal(json.dumps(value))

    def _load(self, text: str) -> Any:
        return json.loads(self._sealer.open(text))

    def _write_if_unchanged(self, sql: str, args: tuple[Any, ...], key: tuple[Any, ...]) -> None:
        """Run ``sql`` on the row only if it still holds (id, ready_at, body) = ``key``."""
        with self.tx() as db:
            cur = db.execute(sql + " WHERE id_key=? AND ready_at=? AND body=?", (*args, *key))
        if not cur.rowcount:
            raise _Raced()


def create_private(path: Path) -> None:
    """Make the database file 0600 before SQLite opens it, without ever opening an
    existing one.

    SQLite would create it with the umask's mode, and gives the -wal/-shm files the
    database file's mode.  An existing file is only chmod-ed (a path operation): on
    POSIX, closing *any* descriptor of a file drops every fcntl lock this process holds
    on it, including those of SQLite connections already open here, and then another
    process closing the database deletes the WAL under them and corrupts it.
    """
    try:
        # A file that did not exist has no SQLite connections in this process to lose.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        mode = os.stat(path).st_mode
        # Only a regular file is made private, never a directory given by mistake.
        if stat.S_ISREG(mode) and mode & 0o777 != 0o600:
            os.chmod(path, 0o600)


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
