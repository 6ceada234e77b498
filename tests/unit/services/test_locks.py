"""Per-CMG locks: held by a live process → LockHeld naming it; dead holder → taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cmgdeploy.domain.errors import ExitCode, LockHeld
from cmgdeploy.services.locks import CmgLock

HOLDER = """
import sys, time
from cmgdeploy.services.locks import CmgLock
with CmgLock(sys.argv[1], "contosocmg", command="up --name contosocmg"):
    print("held", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def holder(tmp_path: Path):
    """A separate process holding the lock until its stdin closes."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_held_by_other_process(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    with pytest.raises(LockHeld) as info, CmgLock(tmp_path, "contosocmg"):
        pass
    err = info.value
    assert err.exit_code == ExitCode.LOCKED
    assert f"pid {holder.pid}" in err.message and socket.gethostname() in err.message
    assert "since" in err.message and "up --name contosocmg" in err.message


def test_other_cmg_not_blocked(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    with CmgLock(tmp_path, "othercmg") as lock:
        assert lock.held


def test_killed_holder_is_taken_over(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    holder.kill()
    holder.wait()
    with CmgLock(tmp_path, "contosocmg", command="up") as lock:
        assert lock.previous_holder is not None and lock.previous_holder["pid"] == holder.pid
        info = json.loads((tmp_path / "contosocmg.lock").read_text())
        assert info["pid"] == os.getpid() and info["command"] == "up"
    assert not (tmp_path / "contosocmg.lock").exists()


def test_dead_pid_with_inherited_flock_taken_over(tmp_path: Path) -> None:
    # A lock file whose flock is still held through a descriptor the dead holder
    # passed on; its JSON names a pid that no longer exists.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    path = tmp_path / "contosocmg.lock"
    path.write_text(
        json.dumps({"pid": int(dead.stdout), "host": socket.gethostname(), "started": "x"})
    )
    import fcntl

    fd = os.open(path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with CmgLock(tmp_path, "contosocmg") as lock:
            assert lock.held
    finally:
        os.close(fd)


def test_wait_queues_until_released(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    def release_soon() -> None:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()

    started = time.monotonic()
    timer = threading.Timer(0.2, release_soon)
    timer.start()
    with CmgLock(tmp_path, "contosocmg", wait=True, timeout=30) as lock:
        assert lock.held and lock.previous_holder is None
    assert time.monotonic() - started < 30


def test_wait_timeout(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    with pytest.raises(LockHeld, match="after waiting"):
        CmgLock(tmp_path, "contosocmg", wait=True, timeout=0.1).acquire()


def test_reacquire_after_release_and_file_mode(tmp_path: Path) -> None:
    lock = CmgLock(tmp_path / "locks", "contosocmg")
    lock.acquire()
    assert (os.stat(lock.path).st_mode & 0o777) == 0o600
    lock.release()
    lock.release()
    with CmgLock(tmp_path / "locks", "contosocmg"):
        pass


def test_bad_lock_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        CmgLock(tmp_path, "../etc")
