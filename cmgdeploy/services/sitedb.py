"""The site database: SQLite standing in for ConfigMgr's site DB.

Holds the AzureEnvironments table, the CMG services cmgdeploy deployed, what the
site needs to create each (service name, certificate, trusted roots, switches), their
connection points and the MP/SUP roles enabled for them, the two Entra app
registrations (ids and secret expiry, never the secret), a mirror of the migration
journal and the target spec of each migration. The schema is versioned with
``PRAGMA user_version`` and moved forward by ``MIGRATIONS``; every multi-row change
runs in one transaction; the file is mode 0600 and never holds a secret (no
passwords, keys, tokens or PFX data).
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from cmgdeploy.domain.environments import BUILTIN_ENVIRONMENTS, AzureEnvironment
from cmgdeploy.domain.errors import UsageError
from cmgdeploy.domain.site_records import (
    CmgService,
    ConnectionPoint,
    EntraApp,
    GatewaySettings,
    MigrationRecord,
    SiteRole,
    TrustedRoot,
    utcnow_iso,
)
from cmgdeploy.services.paths import ensure_private_dir

# Each entry moves the schema from version i to i + 1. Never edit a shipped entry:
# add a new one, so existing site databases move forward.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE azure_environments (
        name TEXT PRIMARY KEY COLLATE NOCASE,
        authority TEXT NOT NULL,
        resource_manager TEXT NOT NULL,
        service_management TEXT,
        audience TEXT NOT NULL,
        storage_suffix TEXT NOT NULL,
        keyvault_suffix TEXT NOT NULL,
        public_ip_suffix TEXT NOT NULL,
        instance_discovery INTEGER NOT NULL,
        ca_bundle TEXT,
        builtin INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE cmg_services (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL DEFAULT 'arm' CHECK (kind IN ('arm', 'classic')),
        environment TEXT NOT NULL,
        subscription TEXT,
        resource_group TEXT,
        region TEXT NOT NULL,
        vm_size TEXT,
        instances INTEGER NOT NULL,
        fqdn TEXT,
        state TEXT NOT NULL,
        input_hash TEXT,
        deployment_name TEXT,
        created_rg INTEGER NOT NULL DEFAULT 0,
        updated TEXT NOT NULL
    );
    CREATE TABLE connection_points (
        server TEXT NOT NULL COLLATE NOCASE,
        site_code TEXT NOT NULL,
        cmg TEXT NOT NULL,
        protocol TEXT NOT NULL,
        ports TEXT NOT NULL,
        PRIMARY KEY (server, cmg)
    );
    CREATE TABLE site_roles (
        server TEXT NOT NULL COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('MP', 'SUP')),
        site_code TEXT NOT NULL,
        https INTEGER NOT NULL,
        cmg_enabled INTEGER NOT NULL,
        cmg TEXT NOT NULL,
        PRIMARY KEY (server, role, cmg)
    );
    CREATE TABLE migrations (
        cmg TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        source_kind TEXT NOT NULL CHECK (source_kind IN ('classic', 'arm')),
        phase TEXT NOT NULL,
        next_phase TEXT,
        ready_since TEXT,
        wait_until TEXT,
        error TEXT,
        updated TEXT NOT NULL
    );
    """,
    # The cloud's Azure Retail Prices API (for estimate); NULL: none documented.
    """
    ALTER TABLE azure_environments ADD COLUMN prices TEXT;
    """,
    # 3: the Microsoft Graph endpoint per environment; what the site needs to create a
    # CMG (service name, certificate, trusted roots, switches); the two Entra apps;
    # the target spec of a migration, so later runs need no spec options.
    """
    ALTER TABLE azure_environments ADD COLUMN graph TEXT;
    CREATE TABLE cmg_gateways (
        cmg TEXT PRIMARY KEY,
        service_name TEXT NOT NULL,
        server_cert_thumbprint TEXT,
        server_cert_file TEXT,
        trusted_roots TEXT NOT NULL DEFAULT '[]',
        verify_client_revocation INTEGER NOT NULL,
        enforce_tls12 INTEGER NOT NULL,
        content_from_storage INTEGER NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE entra_apps (
        environment TEXT NOT NULL COLLATE NOCASE,
        tenant_id TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('server', 'client')),
        display_name TEXT NOT NULL,
        object_id TEXT NOT NULL,
        app_id TEXT NOT NULL,
        tenant_name TEXT,
        credential_key_id TEXT,
        credential_end TEXT,
        updated TEXT NOT NULL,
        PRIMARY KEY (environment, tenant_id, role)
    );
    CREATE TABLE migration_specs (
        cmg TEXT PRIMARY KEY,
        spec TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    """,
    # 4: the server app's Application ID URI (its identifierUris[0]), which the site
    # imports with Import-CMAADServerApplication -AppIdUri; NULL: not known.
    """
    ALTER TABLE entra_apps ADD COLUMN app_id_uri TEXT;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class SiteDB:
    """The site database at ``path`` (created 0600 with the current schema on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.parent.exists():  # never chmod a directory the user chose
            ensure_private_dir(self.path.parent)
        _create_private(self.path)
        self._conn = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        _use_wal(self._conn)
        self._upgrade()
        self._seed_builtins()

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> SiteDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The ``PRAGMA user_version`` of the file."""
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on error)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def _upgrade(self) -> None:
        with self.transaction() as conn:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise UsageError(
                    f"the site database {self.path} has schema version {version}, newer "
                    f"than this cmgdeploy understands ({SCHEMA_VERSION}); upgrade cmgdeploy"
                )
            for number in range(version, SCHEMA_VERSION):
                for statement in _statements(MIGRATIONS[number]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")

    def _seed_builtins(self) -> None:
        # Only write when a built-in row differs, so read-only commands stay read-only.
        stale = [env for env in BUILTIN_ENVIRONMENTS if self.get_environment(env.name) != env]
        if stale:
            with self.transaction():
                for env in stale:
                    self._write_environment(env)

    # --- AzureEnvironments -------------------------------------------------------

    def list_environments(self) -> tuple[AzureEnvironment, ...]:
        """Built-ins first (in their fixed order), then added rows by name."""
        rows = self._conn.execute("SELECT * FROM azure_environments").fetchall()
        envs = [_environment(row) for row in rows]
        order = {env.name: i for i, env in enumerate(BUILTIN_ENVIRONMENTS)}
        return tuple(sorted(envs, key=lambda e: (order.get(e.name, len(order)), e.name.lower())))

    def get_environment(self, name: str) -> AzureEnvironment | None:
        """The row called ``name`` (case-insensitive) or None."""
        row = self._conn.execute(
            "SELECT * FROM azure_environments WHERE name = ?", (name,)
        ).fetchone()
        return _environment(row) if row else None

    def put_environment(self, env: AzureEnvironment) -> None:
        """Insert or replace one row."""
        with self.transaction():
            self._write_environment(env)

    def delete_environment(self, name: str) -> bool:
        """Delete one row; True if it existed."""
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM azure_environments WHERE name = ?", (name,))
        return cur.rowcount > 0

    def _write_environment(self, env: AzureEnvironment) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO azure_environments (name, authority, resource_manager,"
            " service_management, audience, storage_suffix, keyvault_suffix, public_ip_suffix,"
            " instance_discovery, ca_bundle, builtin, prices, graph)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                env.name,
                env.authority,
                env.resource_manager,
                env.service_management,
                env.audience,
                env.storage_suffix,
                env.keyvault_suffix,
                env.public_ip_suffix,
                int(env.instance_discovery),
                env.ca_bundle,
                int(env.is_builtin),
                env.prices,
                env.graph,
            ),
        )

    # --- CMG services --------------------------------------------------------------

    def upsert_service(self, svc: CmgService) -> CmgService:
        """Insert or replace the service row; returns it with ``updated`` set."""
        with self.transaction():
            return self._write_service(svc)

    def record_observed(
        self,
        name: str,
        environment: str,
        *,
        state: str,
        fqdn: str | None,
        instances: int | None = None,
        ports: tuple[int, ...] | None = None,
    ) -> bool:
        """What a read of Azure learned about ARM CMG ``name`` of ``environment``: its
        state, fqdn (kept when None), instances and connection-point ports (when given),
        in one transaction that changes only these columns. False when there is no such
        row (nothing written)."""
        with self.transaction() as conn:
            cur = conn.execute(
                "UPDATE cmg_services SET state = ?, fqdn = COALESCE(?, fqdn),"
                " instances = COALESCE(?, instances), updated = ?"
                " WHERE name = ? AND environment = ? AND kind = 'arm'",
                (state, fqdn, instances, utcnow_iso(), name, environment),
            )
            if cur.rowcount and ports is not None:
                conn.execute(
                    "UPDATE connection_points SET ports = ? WHERE cmg = ?",
                    (json.dumps(list(ports)), name),
                )
        return cur.rowcount > 0

    def _write_service(self, svc: CmgService) -> CmgService:
        stored = replace(svc, updated=utcnow_iso())
        values = asdict(stored)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self._conn.execute(
            f"INSERT OR REPLACE INTO cmg_services ({columns}) VALUES ({marks})",
            tuple(_sql_value(v) for v in values.values()),
        )
        return stored

    def get_service(self, name: str) -> CmgService | None:
        """The service row or None."""
        row = self._conn.execute("SELECT * FROM cmg_services WHERE name = ?", (name,)).fetchone()
        return _service(row) if row else None

    def list_services(self) -> tuple[CmgService, ...]:
        """All service rows by name."""
        rows = self._conn.execute("SELECT * FROM cmg_services ORDER BY name").fetchall()
        return tuple(_service(row) for row in rows)

    def delete_service(self, name: str) -> bool:
        """Delete a service with its connection points and site roles, in one transaction."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM connection_points WHERE cmg = ?", (name,))
            conn.execute("DELETE FROM site_roles WHERE cmg = ?", (name,))
            conn.execute("DELETE FROM cmg_gateways WHERE cmg = ?", (name,))
            cur = conn.execute("DELETE FROM cmg_services WHERE name = ?", (name,))
        return cur.rowcount > 0

    # --- connection points and site roles --------------------------------------------

    def replace_connection_points(self, cmg: str, points: Iterable[ConnectionPoint]) -> None:
        """Make ``points`` the connection points of ``cmg`` (others of it removed)."""
        with self.transaction():
            self._write_points(cmg, points)

    def replace_site(
        self,
        cmg: str,
        points: Iterable[ConnectionPoint],
        roles: Iterable[SiteRole],
        gateway: GatewaySettings | None = None,
    ) -> None:
        """Connection points, roles (and the gateway settings) of ``cmg`` together, in
        one transaction."""
        with self.transaction():
            self._write_points(cmg, points)
            self._write_roles(cmg, roles)
            if gateway is not None:
                self._write_gateway(cmg, gateway)

    # --- gateway settings -------------------------------------------------------------

    def get_gateway(self, cmg: str) -> GatewaySettings | None:
        """The gateway settings of ``cmg`` or None."""
        row = self._conn.execute("SELECT * FROM cmg_gateways WHERE cmg = ?", (cmg,)).fetchone()
        return _gateway(row) if row else None

    def _write_gateway(self, cmg: str, g: GatewaySettings) -> None:
        _require_cmg(g.cmg, cmg)
        roots = json.dumps([r.to_dict() for r in g.trusted_roots])
        self._conn.execute(
            "INSERT OR REPLACE INTO cmg_gateways VALUES (?,?,?,?,?,?,?,?,?)",
            (
                cmg, g.service_name, g.server_cert_thumbprint, g.server_cert_file, roots,
                int(g.verify_client_revocation), int(g.enforce_tls12),
                int(g.content_from_storage), utcnow_iso(),
            ),
        )  # fmt: skip

    # --- Entra apps -------------------------------------------------------------------

    def put_entra_app(self, app: EntraApp) -> EntraApp:
        """Insert or replace one app registration record (no secret is ever passed)."""
        stored = replace(app, updated=utcnow_iso())
        values = asdict(stored)
        marks = ", ".join("?" for _ in values)
        with self.transaction() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO entra_apps ({', '.join(values)}) VALUES ({marks})",
                tuple(values.values()),
            )
        return stored

    def list_entra_apps(self, environment: str | None = None) -> tuple[EntraApp, ...]:
        """The app records (of one environment, or all), server app first."""
        query = "SELECT * FROM entra_apps"
        args: tuple[str, ...] = ()
        if environment is not None:
            query, args = query + " WHERE environment = ?", (environment,)
        rows = self._conn.execute(query + " ORDER BY environment, tenant_id, role DESC", args)
        return tuple(EntraApp(**dict(row)) for row in rows.fetchall())

    # --- the target spec of a migration -----------------------------------------------

    def put_migration_spec(self, cmg: str, spec: dict[str, Any]) -> None:
        """Keep the target spec inputs of the migration to ``cmg`` (no secrets in them)."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO migration_specs VALUES (?,?,?)",
                (cmg, json.dumps(spec, sort_keys=True), utcnow_iso()),
            )

    def get_migration_spec(self, cmg: str) -> dict[str, Any] | None:
        """The kept target spec inputs of the migration to ``cmg`` or None."""
        row = self._conn.execute(
            "SELECT spec FROM migration_specs WHERE cmg = ?", (cmg,)
        ).fetchone()
        return dict(json.loads(row[0])) if row else None

    def list_connection_points(self, cmg: str | None = None) -> tuple[ConnectionPoint, ...]:
        """Connection points of one CMG, or of all, ordered by CMG then server."""
        rows = self._select("connection_points", cmg, "cmg, server")
        return tuple(_point(row) for row in rows)

    def list_site_roles(self, cmg: str | None = None) -> tuple[SiteRole, ...]:
        """Site roles of one CMG, or of all, ordered by CMG, role, server."""
        rows = self._select("site_roles", cmg, "cmg, role, server")
        return tuple(_role(row) for row in rows)

    def _select(self, table: str, cmg: str | None, order: str) -> list[sqlite3.Row]:
        if cmg is None:
            return self._conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
        return self._conn.execute(
            f"SELECT * FROM {table} WHERE cmg = ? ORDER BY {order}", (cmg,)
        ).fetchall()

    def _write_points(self, cmg: str, points: Iterable[ConnectionPoint]) -> None:
        self._conn.execute("DELETE FROM connection_points WHERE cmg = ?", (cmg,))
        for p in points:
            _require_cmg(p.cmg, cmg)
            self._conn.execute(
                "INSERT INTO connection_points VALUES (?,?,?,?,?)",
                (p.server, p.site_code, cmg, p.protocol, json.dumps(list(p.ports))),
            )

    def _write_roles(self, cmg: str, roles: Iterable[SiteRole]) -> None:
        self._conn.execute("DELETE FROM site_roles WHERE cmg = ?", (cmg,))
        for r in roles:
            _require_cmg(r.cmg, cmg)
            self._conn.execute(
                "INSERT INTO site_roles VALUES (?,?,?,?,?,?)",
                (r.server, r.role, r.site_code, int(r.https), int(r.cmg_enabled), cmg),
            )

    # --- migration journal mirror ------------------------------------------------------

    def put_migration(self, record: MigrationRecord) -> MigrationRecord:
        """Insert or replace the journal mirror of ``record.cmg``."""
        stored = replace(record, updated=utcnow_iso())
        values = asdict(stored)
        marks = ", ".join("?" for _ in values)
        with self.transaction() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO migrations ({', '.join(values)}) VALUES ({marks})",
                tuple(values.values()),
            )
        return stored

    def get_migration(self, cmg: str) -> MigrationRecord | None:
        """The journal mirror for target ``cmg`` or None."""
        row = self._conn.execute("SELECT * FROM migrations WHERE cmg = ?", (cmg,)).fetchone()
        return MigrationRecord(**dict(row)) if row else None

    def list_migrations(self) -> tuple[MigrationRecord, ...]:
        """All journal mirrors by target."""
        rows = self._conn.execute("SELECT * FROM migrations ORDER BY cmg").fetchall()
        return tuple(MigrationRecord(**dict(row)) for row in rows)

    def delete_migration(self, cmg: str) -> bool:
        """Delete a journal mirror; True if it existed."""
        with self.transaction() as conn:
            cur = conn.execute("DELETE FROM migrations WHERE cmg = ?", (cmg,))
        return cur.rowcount > 0


BUSY_SECONDS = 30.0  # how long a writer waits for another process's transaction


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL, waiting while another process holds the lock.

    SQLite does not call the busy handler for the exclusive lock ``journal_mode=WAL``
    takes on a file still in rollback mode, so two processes opening a new site DB at
    once would see "database is locked" at once instead of waiting ``BUSY_SECONDS``.
    """
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)  # the other process holds the lock for milliseconds


def _create_private(path: Path) -> None:
    """Create the database file 0600 before SQLite does (SQLite would use the umask).

    SQLite creates the -wal and -shm files with the database file's permissions.  An
    existing file is never opened, only chmod-ed (a path operation): on POSIX, closing
    *any* descriptor of a file drops every fcntl lock this process holds on it,
    including those of SQLite connections already open here, and then another process
    closing the database deletes the WAL under them and corrupts it.
    """
    try:
        # A file that did not exist has no SQLite connections in this process to lose.
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        mode = os.stat(path).st_mode
        # Only a regular file is made private: a directory (or device) given by mistake
        # is left as it is, and opening it fails with the site database's own error.
        if stat.S_ISREG(mode) and stat.S_IMODE(mode) != 0o600:
            os.chmod(path, 0o600)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _sql_value(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


def _require_cmg(given: str, expected: str) -> None:
    if given != expected:
        raise ValueError(f"record for CMG {given!r} passed for CMG {expected!r}")


def _environment(row: sqlite3.Row) -> AzureEnvironment:
    data = dict(row)
    data["instance_discovery"] = bool(data["instance_discovery"])
    data["is_builtin"] = bool(data.pop("builtin"))
    return AzureEnvironment(**data)


def _service(row: sqlite3.Row) -> CmgService:
    data = dict(row)
    data["created_rg"] = bool(data["created_rg"])
    return CmgService(**data)


def _gateway(row: sqlite3.Row) -> GatewaySettings:
    data = dict(row)
    data["trusted_roots"] = tuple(TrustedRoot(**r) for r in json.loads(data["trusted_roots"]))
    for key in ("verify_client_revocation", "enforce_tls12", "content_from_storage"):
        data[key] = bool(data[key])
    return GatewaySettings(**data)


def _point(row: sqlite3.Row) -> ConnectionPoint:
    data = dict(row)
    data["ports"] = tuple(json.loads(data["ports"]))
    return ConnectionPoint(**data)


def _role(row: sqlite3.Row) -> SiteRole:
    data = dict(row)
    data["https"] = bool(data["https"])
    data["cmg_enabled"] = bool(data["cmg_enabled"])
    return SiteRole(**data)
