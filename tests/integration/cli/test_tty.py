"""At a terminal: ``up`` shows the plan and asks before changing anything; colour on a
TTY unless ``NO_COLOR``. The real CLI runs in a pseudo-terminal (stdin/stdout/stderr)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from requestlog import RequestLog

CMGDEPLOY = Path(sys.executable).parent / "cmgdeploy"
READ_POSTS = ("/whatIf", "/checkNameAvailability", "/CheckDnsNameAvailability")


class Terminal:
    """One CLI process on a pseudo-terminal; ``expect`` waits for text (bounded)."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [str(CMGDEPLOY), *argv], stdin=slave, stdout=slave, stderr=slave, env=env
        )
        os.close(slave)
        self.seen = b""

    def expect(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"no {text!r} in {self.seen.decode(errors='replace')}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    break
        return self.seen.decode(errors="replace")

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def finish(self, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536)
                except OSError:
                    pass
        os.close(self.master)
        return self.proc.wait(timeout=1)


def up_args(env_name: str, name: str) -> list[str]:
    return ["-e", env_name, "up", "--region", "westeurope", "--name", name,
            "--self-signed-cert", "--site-code", "PS1",
            "--connection-point", "cp1.contoso.com"]  # fmt: skip


def test_up_at_a_terminal_shows_the_plan_and_no_means_nothing_changes(
    cloud_env: str, local_azure: Any, cli: Callable[..., Any]
) -> None:
    log = RequestLog(local_azure.state_dir)
    mark = log.mark()
    term = Terminal(up_args(cloud_env, "ttycmg"), dict(os.environ))
    screen = term.expect("[y/N]")
    assert "Plan for CMG ttycmg" in screen
    assert "Create" in screen and "virtualMachineScaleSets" in screen
    term.send("n\r")
    assert term.finish() == 2
    assert "nothing was changed" in term.seen.decode(errors="replace")
    # Reads only: what-if and name checks are POSTs that change nothing.
    changes = [r for r in log.since(mark) if r.is_azure_write and not r.path.endswith(READ_POSTS)]
    assert not changes, changes

    term = Terminal(up_args(cloud_env, "ttycmg"), dict(os.environ))
    term.expect("[y/N]")
    term.send("y\r")
    assert term.finish() == 0, term.seen.decode(errors="replace")
    status = cli("-e", cloud_env, "-o", "json", "status", "--name", "ttycmg")
    assert status.json["data"]["state"] == "Ready"


def test_colour_on_a_terminal_and_none_with_no_color(cloud_env: str) -> None:
    env = dict(os.environ)
    term = Terminal(["-e", cloud_env, "environments", "list"], env)
    assert term.finish() == 0
    assert b"\x1b[" in term.seen  # rich styles the table on a terminal
    term = Terminal(["-e", cloud_env, "environments", "list"], {**env, "NO_COLOR": "1"})
    assert term.finish() == 0
    assert b"\x1b[" not in term.seen and b"Azure environments" in term.seen


def test_down_at_a_terminal_asks_and_no_deletes_nothing(
    cloud_env: str, local_azure: Any, cli: Callable[..., Any]
) -> None:
    assert cli(*up_args(cloud_env, "ttydown"), "--yes").code == 0
    log = RequestLog(local_azure.state_dir)
    mark = log.mark()
    term = Terminal(["-e", cloud_env, "down", "--name", "ttydown"], dict(os.environ))
    screen = term.expect("[y/N]")
    assert "delete CMG ttydown" in screen
    term.send("n\r")
    assert term.finish() == 2
    assert "nothing was deleted" in term.seen.decode(errors="replace")
    assert not [r for r in log.since(mark) if r.method == "DELETE"]
    status = cli("-e", cloud_env, "-o", "json", "status", "--name", "ttydown")
    assert status.json["data"]["state"] == "Ready"


def test_scale_at_a_terminal_asks_about_the_scale_with_a_readable_plan(
    cloud_env: str, cli: Callable[..., Any]
) -> None:
    assert cli(*up_args(cloud_env, "ttyscale"), "--yes").code == 0
    term = Terminal(["-e", cloud_env, "scale", "--name", "ttyscale", "--instances", "3"],
                    dict(os.environ))  # fmt: skip
    screen = term.expect("[y/N]")
    assert "scale CMG ttyscale from 1 to 3 instances?" in screen
    assert "ttyscale (Microsoft.Compute/virtualMachineScaleSets)" in screen
    assert "sku.capacity: 1 → 3" in screen
    changes = [x.split() for x in screen.splitlines() if x.split()[:1] in (["Modify"], ["Create"])]
    assert changes and not [c for c in changes if c[1].startswith("/")]  # names, not ids
    assert "{'" not in screen  # no Python dicts
    term.send("n\r")
    assert term.finish() == 2
