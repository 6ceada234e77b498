"""Several CMGs in one run: ``up``, ``status`` or ``scale`` over a fleet file or a list.

Each CMG runs the very operation its own command runs (``commands.up.up``,
``commands.status.status``, ``commands.scale.scale``) on a worker thread, at most
``concurrency`` at a time; they share one sign-in (one credential, one token) and one
ArmSession per subscription (one connection pool), so N CMGs cost little more than the
slowest one. Each worker has its own site-database connection, warnings and progress
prefix; a failing CMG does not stop the others. Every input of every CMG is validated
before the first Azure call.

The fleet file (TOML)::

    [defaults]                  # any spec key of cmgdeploy.toml, for every CMG
    region = "westeurope"
    site_code = "PS1"
    self_signed_cert = true
    connection_points = ["cp1.contoso.com"]

    [[cmg]]                     # one table per CMG: its name, and any key to override
    name = "contosocmg1"

    [[cmg]]
    name = "contosocmg2"
    instances = 2
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import tomllib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmgdeploy.domain.errors import CmgError, InputError, Warnings
from cmgdeploy.domain.results import CmgStatus
from cmgdeploy.services.azure.api import ArmApi
from cmgdeploy.services.config import SPEC_KEYS, ConfigFile
from cmgdeploy.services.context import OpContext

if TYPE_CHECKING:
    from cmgdeploy.services.azure.arm import ArmSession

MAX_CONCURRENCY = 10  # the shared connection pool keeps 10 connections per host
DEFAULT_CONCURRENCY = 8
FLEET_KEYS = ("defaults", "cmg")


@dataclass(frozen=True)
class FleetEntry:
    """One CMG of a fleet file: its name and its settings (defaults merged in)."""

    name: str
    config: ConfigFile


@dataclass(frozen=True)
class Outcome:
    """What one CMG's operation gave: its status, or the error that stopped it."""

    name: str
    status: CmgStatus | None
    error: CmgError | None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class FleetResult:
    """Every CMG's outcome, in the order given."""

    command: str
    outcomes: tuple[Outcome, ...]

    @property
    def exit_code(self) -> int:
        """0 when every CMG succeeded, else the exit code of the first that failed."""
        failed = [o.error for o in self.outcomes if o.error is not None]
        return int(failed[0].exit_code) if failed else 0


# -- the fleet file ----------------------------------------------------------------------
def read_fleet(path: Path) -> list[FleetEntry]:
    """The CMGs of fleet file ``path``; InputError naming the key and value on any
    problem (unknown key, missing or repeated name, a secret in the file)."""
    from cmgdeploy.domain import validate

    file = validate.readable_file(path, "fleet file")
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError("fleet file", str(path), "a UTF-8 TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError("fleet file", str(path), f"valid TOML: {exc}") from None
    for key in data:
        if key not in FLEET_KEYS:
            raise InputError(
                f"{key} (in {file})", key, "a [defaults] table or [[cmg]] tables, nothing else"
            )
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise InputError(f"defaults (in {file})", defaults, "a [defaults] table")
    _check_spec_keys(defaults, f"[defaults] (in {file})", allow_name=False)
    tables = data.get("cmg", [])
    if not isinstance(tables, list) or not tables:
        raise InputError(f"cmg (in {file})", tables or None, "one or more [[cmg]] tables")
    entries: list[FleetEntry] = []
    seen: set[str] = set()
    for i, table in enumerate(tables, 1):
        where = f"[[cmg]] #{i} (in {file})"
        if not isinstance(table, dict):
            raise InputError(where, table, "a table with name = ...")
        _check_spec_keys(table, where, allow_name=True)
        name = table.get("name")
        if not isinstance(name, str) or not name:
            raise InputError(f"name of {where}", name, "the CMG's name")
        name = validate.cmg_name(name, f"name of {where}")
        if name in seen:
            raise InputError(f"name of {where}", name, "a name not given twice in the fleet")
        seen.add(name)
        values = {**defaults, **{k: v for k, v in table.items() if k != "name"}}
        entries.append(FleetEntry(name, ConfigFile(path=file, values=values)))
    return entries


def _check_spec_keys(table: Mapping[str, Any], where: str, *, allow_name: bool) -> None:
    from cmgdeploy.services.config import SECRET_KEYS

    allowed = tuple(k for k in SPEC_KEYS if allow_name or k != "name")
    for key in table:
        if key in SECRET_KEYS:
            raise InputError(
                f"{key} of {where}",
                "(hidden)",
                f"secrets are not read from files; set {SECRET_KEYS[key]}",
            )
        if key not in allowed:
            raise InputError(f"{key} of {where}", key, f"a CMG setting: {', '.join(allowed)}")


def check_concurrency(value: int) -> int:
    if not 1 <= value <= MAX_CONCURRENCY:
        raise InputError(
            "--concurrency",
            value,
            f"1–{MAX_CONCURRENCY} CMGs at a time (the shared connection pool's size)",
        )
    return value


# -- shared sign-in ------------------------------------------------------------------------
class SharedSessions:
    """One credential (one token) and one ArmSession per subscription for all the CMGs
    of a run; ``open_session`` hands an operation its subscription's session without
    closing it at the end of the operation's block (the run closes them at its end)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._credential: Any = None
        self._sessions: dict[str | None, ArmSession] = {}
        self._error: CmgError | None = None

    def sign_in(self, ctx: OpContext) -> None:
        """Get the run's one credential and token now (a failure is raised again, with
        Entra's message, by the first :meth:`get`)."""
        with self._lock:
            if self._error is not None:
                raise self._error  # signed in once for the run: not again per CMG
            if self._credential is None:
                from cmgdeploy.services.azure.auth import get_token, make_credential

                try:
                    credential = make_credential(ctx.env, ctx.auth)
                    get_token(credential, ctx.env)  # a wrong secret fails here
                except CmgError as err:
                    self._error = err
                    raise
                self._credential = credential

    def get(self, ctx: OpContext, subscription: str | None) -> ArmApi:
        key = subscription or getattr(ctx.auth, "subscription_id", None) or ctx.env.subscription_id
        with self._lock:
            if key not in self._sessions:
                self._sessions[key] = self._open(ctx, key)
            return self._sessions[key]

    def _open(self, ctx: OpContext, subscription: str | None) -> ArmSession:
        from cmgdeploy.services.azure.arm import ArmSession
        from cmgdeploy.services.context import _only_subscription

        self.sign_in(ctx)
        session = ArmSession(ctx.env, self._credential, subscription or "")
        if not subscription:
            session.use_subscription(_only_subscription(session))
        return session

    def close(self) -> None:
        for session in self._sessions.values():
            session.close()


# -- running ---------------------------------------------------------------------------------
Operation = Callable[[OpContext, str], CmgStatus]


def run_fleet(
    ctx: OpContext,
    command: str,
    names: list[str],
    operation: Operation,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_done: Callable[[Outcome], None] | None = None,
) -> FleetResult:
    """``operation(cmg_ctx, name)`` for every name, ``concurrency`` at a time, sharing
    one sign-in; each CMG's error is its outcome, never the others' end."""
    from cmgdeploy.services.sitedb import SiteDB

    sessions = SharedSessions()
    shared = dataclasses.replace(ctx, sessions=sessions)
    db_path = ctx.db.path

    def one(name: str) -> Outcome:
        warnings = Warnings()
        with SiteDB(db_path) as db:
            own = dataclasses.replace(
                shared,
                db=db,
                warnings=warnings,
                progress=_prefixed(ctx.progress, name),
                confirm=lambda _question: True,  # the fleet was confirmed as a whole
                interactive=False,
            )
            try:
                status = operation(own, name)
            except CmgError as err:
                return Outcome(name, None, err, tuple(warnings.items))
        return Outcome(name, status, None, tuple(warnings.items))

    # Sign in while the first workers prepare their CMGs (certificates, templates).
    signing_in = threading.Thread(target=_quietly, args=(sessions.sign_in, ctx), daemon=True)
    signing_in.start()
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="cmgdeploy-fleet")
    try:
        futures = [pool.submit(one, name) for name in names]
        outcomes = tuple(_collect(futures, on_done))
    except BaseException:  # Ctrl-C: stop waiting; Azure goes on, the process exits
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    sessions.close()
    return FleetResult(command, outcomes)


def _collect(
    futures: list[Future[Outcome]], on_done: Callable[[Outcome], None] | None
) -> Iterator[Outcome]:
    for future in futures:
        outcome = future.result()
        if on_done:
            on_done(outcome)
        yield outcome


def _quietly(fn: Callable[[OpContext], None], ctx: OpContext) -> None:
    """``fn(ctx)`` ahead of time; its error, if any, comes again where it is needed."""
    with contextlib.suppress(Exception):
        fn(ctx)


def _prefixed(progress: Callable[[str], None], name: str) -> Callable[[str], None]:
    def report(message: str) -> None:
        progress(f"{name}: {message}")

    return report
