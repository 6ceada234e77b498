"""Several runners, one truth: a cross-machine lease held in Azure, next to the local lock.

The local lock (``locks.py``) keeps two runs on one machine apart; two machines running
``up``/``scale``/``migrate`` for the same CMG are kept apart by a blob lease in the
CMG's own storage account: blob ``cmgdeploy-lease/run``. The lease lasts
``CMGDEPLOY_LEASE_SECONDS`` (15–60, default 60), is renewed every third of that while
the run works, released at its end, and expires by itself when its holder dies (a
SIGKILL, a lost machine). The blob's metadata names the holder (host, pid, command,
start, and the ``CMGDEPLOY_HOME`` it runs with), which the exit-5 message of the run that
finds it taken repeats. A lease left by a run of the same home on this host whose
process is gone (the case of the local lock's take-over) is broken at once instead of
waited for; any other holder is waited for (``--wait-lock``) or refused (exit 5).

Where the lease lives before the account exists (a CMG's first deployment): nowhere.
The rule: a run takes the lease as soon as the CMG's storage account exists — when it
starts, or while it waits for the deployment that creates the account. Until then the
first deployment is protected by ARM itself (the deployment name is derived from the
inputs, so a second run attaches to the same deployment instead of starting another)
and by the local lock. A run that writes nothing (``up`` with nothing to change) takes
no lease.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import os
import socket
from collections.abc import Iterator
from typing import Any

from cmgdeploy.domain.errors import InputError, LockHeld
from cmgdeploy.domain.settings import row
from cmgdeploy.services.azure.api import ArmApi
from cmgdeploy.services.azure.retry import poll_delay
from cmgdeploy.services.context import OpContext

CONTAINER = "cmgdeploy-lease"
BLOB = "run"
DEFAULT_SECONDS = int(row("lease_seconds").default)
RETRY_EVERY = 5.0  # seconds between attempts while the account does not exist yet

_ACTIVE: contextvars.ContextVar[RunLease | None] = contextvars.ContextVar(
    "cmgdeploy_run_lease", default=None
)


def lease_seconds(env: Any = None) -> int:
    """``CMGDEPLOY_LEASE_SECONDS``: 15–60 (a fixed-duration blob lease), default 60."""
    from cmgdeploy.services.azure.lease import MAX_SECONDS, MIN_SECONDS

    var = str(row("lease_seconds").env_var)
    raw = (env if env is not None else os.environ).get(var)
    if raw in (None, ""):
        return DEFAULT_SECONDS
    allowed = f"a whole number of seconds from {MIN_SECONDS} to {MAX_SECONDS}"
    if not str(raw).strip().isdigit() or not MIN_SECONDS <= int(raw) <= MAX_SECONDS:
        raise InputError(var, raw, allowed)
    return int(raw)


class RunLease:
    """The lease of one run on CMG ``name`` (storage account ``name`` in ``group``)."""

    def __init__(
        self, ctx: OpContext, session: ArmApi, name: str, group: str, command: str
    ) -> None:
        self.ctx, self.session = ctx, session
        self.name, self.group, self.command = name, group, command
        self.seconds = lease_seconds()
        self.lease: Any = None
        self.next_try = 0.0
        self.started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

    @property
    def held(self) -> bool:
        return self.lease is not None

    def holder(self) -> dict[str, str]:
        """This run, as the blob's metadata names it (ASCII: metadata is HTTP headers)."""
        command = _ascii(self.command)
        return {
            "host": socket.gethostname(),
            "pid": str(os.getpid()),
            "command": command,
            "started": self.started,
            "home": _ascii(str(self.ctx.home)),
        }

    def take(self) -> bool:
        """Hold the lease if the account exists (False if it does not yet); another
        holder → LockHeld (exit 5), or with ``--wait-lock`` wait for it up to the timeout."""
        if self.held:
            return True
        self.next_try = self.ctx.clock() + RETRY_EVERY
        lease = self._blob_lease()
        if lease is None:
            return False
        deadline, attempt = self.ctx.clock() + self.ctx.timeout, 0
        while not lease.acquire(self.seconds, self.holder()):
            if self._left_by_dead_run_here(lease):
                continue
            if not self.ctx.wait_lock or self.ctx.clock() >= deadline:
                raise self._held_error(lease)
            if attempt == 0:
                self.ctx.progress(f"waiting for the lease on {self.name} ({_who(lease.holder())})")
            self.ctx.sleep(poll_delay(attempt, 1.0, deadline - self.ctx.clock()))
            attempt += 1
        lease.keep_renewed(self.seconds / 3)
        self.lease = lease
        self.ctx.progress(f"holding the lease on {self.name} ({lease.where}) for this run")
        return True

    def _left_by_dead_run_here(self, lease: Any) -> bool:
        """Break the lease when a run of this home on this host left it and died."""
        holder = lease.holder()
        mine = holder.get("host") == socket.gethostname() and holder.get("home") == _ascii(
            str(self.ctx.home)
        )
        pid = holder.get("pid", "")
        if not mine or not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            return False
        lease.break_now()
        self.ctx.warnings.add(
            "took over the lease of an earlier run that ended without releasing it "
            f"({_who(holder)})"
        )
        return True

    def poll(self) -> None:
        """While waiting: take the lease once the account exists (at most every 5 s)."""
        if not self.held and self.ctx.clock() >= self.next_try:
            self.take()

    def release(self) -> None:
        if self.lease is not None:
            if self.lease.lost:
                self.ctx.warnings.add(f"the lease on {self.name} was lost: {self.lease.lost}")
            self.lease.release()
            self.lease = None

    def _blob_lease(self) -> Any:
        """The lease client on the account's blob endpoint, or None (no account yet)."""
        from cmgdeploy.services.azure.lease import BlobLease

        account = self.session.storage_account(self.group, self.name)
        if account is None or account.provisioning_state != "Succeeded":
            return None
        endpoint = account.blob_endpoint
        if not endpoint:
            return None
        key = self.session.storage_key(account.id)  # read once per ArmSession; a registered secret
        return BlobLease(
            endpoint, self.name, key, CONTAINER, BLOB, ca_bundle=self.ctx.env.ca_bundle
        )

    def _held_error(self, lease: Any) -> LockHeld:
        return LockHeld(
            f"another run holds the lease on CMG {self.name} in Azure ({lease.where}): "
            f"{_who(lease.holder())}",
            hint=f"it is released when that run ends, or expires {self.seconds} s after it "
            "stops renewing it; --wait-lock waits for it",
        )


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _who(holder: dict[str, str]) -> str:
    if not holder:
        return "holder unknown"
    return (
        f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')}, "
        f"{holder.get('command', '?')}, started {holder.get('started', '?')}"
    )


@contextlib.contextmanager
def run_lease(
    ctx: OpContext, session: ArmApi, name: str, group: str, command: str, *, new_group: bool = False
) -> Iterator[RunLease]:
    """Hold CMG ``name``'s lease for the block, once its account exists (re-entrant: an
    inner block of the same run shares the outer one's). ``new_group``: the group does
    not exist yet, so neither does the account: not looked for until the next try."""
    outer = _ACTIVE.get()
    if outer is not None and outer.name == name:
        outer.take()
        yield outer
        return
    lease = RunLease(ctx, session, name, group, command)
    token = _ACTIVE.set(lease)
    try:
        if new_group:
            lease.next_try = ctx.clock() + RETRY_EVERY
        else:
            lease.take()
        yield lease
    finally:
        _ACTIVE.reset(token)
        lease.release()


def poll_lease() -> None:
    """Called from the wait loops: take the run's lease once the account exists."""
    lease = _ACTIVE.get()
    if lease is not None:
        lease.poll()
