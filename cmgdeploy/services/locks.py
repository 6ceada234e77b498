"""One run per CMG at a time on a machine: a lock file per CMG.

Correctness comes from ``fcntl.flock`` on the file (the kernel drops it when the
holder dies, even on SIGKILL); the JSON inside (pid, host, start time, command)
only feeds the message. The file is unlinked on release; a waiter that locked a
file which has meanwhile been unlinked or replaced notices (inode check) and retries.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import socket
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from cmgdeploy.domain.errors import LockHeld
from cmgdeploy.services.paths import ensure_private_dir

LOCK_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
FIRST_POLL_SECONDS = 0.01
MAX_POLL_SECONDS = 0.5


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


class CmgLock:
    """Context manager holding the lock for CMG ``name`` in ``lock_dir``.

    ``wait=False``: a held lock raises LockHeld naming the holder at once.
    ``wait=True``: poll with short backoff until free or ``timeout`` seconds passed.
    After entering, ``previous_holder`` is the JSON of a run that died holding the
    lock (stale file taken over), else None.
    """

    def __init__(
        self,
        lock_dir: Path,
        name: str,
        *,
        wait: bool = False,
        timeout: float | None = None,
        command: str = "",
        on_wait: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        if not LOCK_NAME_RE.fullmatch(name):
            raise ValueError(f"not a usable lock name: {name!r}")
        self.path = Path(lock_dir) / f"{name}.lock"
        self.name = name
        self.wait = wait
        self.timeout = timeout
        self.command = command
        self.on_wait = on_wait  # told the holder once, when a wait begins
        self.previous_holder: dict[str, Any] | None = None
        self._fd: int | None = None

    def __enter__(self) -> CmgLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock or raise LockHeld (after ``timeout`` when waiting)."""
        ensure_private_dir(self.path.parent)
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        delay = FIRST_POLL_SECONDS
        while True:
            holder = self._try_acquire()
            if holder is None:
                return
            if not self.wait or (deadline is not None and time.monotonic() >= deadline):
                raise self._held_error(holder)
            if self.on_wait is not None and delay == FIRST_POLL_SECONDS:
                self.on_wait(holder)
            time.sleep(delay)
            delay = min(delay * 2, MAX_POLL_SECONDS)

    def _try_acquire(self) -> dict[str, Any] | None:
        """None when acquired, else the holder's JSON (possibly empty)."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            return self._take_over_dead(holder)
        if not _same_file(fd, self.path):
            os.close(fd)  # released and unlinked meanwhile: try the new file
            return self._try_acquire()
        self._fd = fd
        self._record(fd)
        return None

    def _take_over_dead(self, holder: dict[str, Any]) -> dict[str, Any] | None:
        """A flock held by a dead pid on this host (an inherited descriptor): unlink it."""
        pid = holder.get("pid")
        on_this_host = holder.get("host") == socket.gethostname()
        if on_this_host and isinstance(pid, int) and not pid_alive(pid):
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
            return self._try_acquire()
        return holder

    def _record(self, fd: int) -> None:
        previous = _read_holder(fd)
        if previous.get("pid") not in (None, os.getpid()):
            self.previous_holder = previous
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": self.command,
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)

    def release(self) -> None:
        """Unlink the file and drop the lock (safe to call twice)."""
        if self._fd is None:
            return
        try:
            if _same_file(self._fd, self.path):
                self.path.unlink()
        except FileNotFoundError:
            pass
        os.close(self._fd)  # closing drops the flock
        self._fd = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._fd is not None

    def _held_error(self, holder: dict[str, Any]) -> LockHeld:
        who = (
            f"pid {holder.get('pid')} on host {holder.get('host')} since {holder.get('started')}"
            if holder.get("pid")
            else "a process that is just starting"
        )
        command = f" ({holder['command']})" if holder.get("command") else ""
        waited = f" after waiting {self.timeout:g} s" if self.wait and self.timeout else ""
        return LockHeld(
            f"another cmgdeploy run holds the lock for CMG {self.name}{waited}: {who}{command}",
            target=self.name,
            hint="wait for it to finish, or pass --wait-lock to queue behind it",
        )


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)
