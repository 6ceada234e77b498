"""Output people read: at an 80-column terminal every name is whole (tables wrap, or
drop to key/value lines) and no table is wider than the terminal; piped output has no
width limit at all (no 80-column cut, no "…")."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pytest

from mocks.__main__ import main as mocks_cli

CMGDEPLOY = Path(sys.executable).parent / "cmgdeploy"
NAME = "contosocmg"
UP = ("--region", "westeurope", "--name", NAME, "--self-signed-cert", "--site-code", "PS1",
      "--connection-point", "cp1.contoso.com", "--management-point", "mp1.contoso.com")  # fmt: skip
LONG_NAMES = ("AzurePublicCloud", "AzureUSGovernmentCloud", "AzureChinaCloud",
              "https://management.usgovcloudapi.net/", "https://login.microsoftonline.us")  # fmt: skip
RESOURCES = (f"{NAME}-nsg", f"{NAME}-lb", f"{NAME}/servercert",
             "Microsoft.Compute/virtualMachineScaleSets", "Microsoft.Network/publicIPAddresses",
             "Microsoft.KeyVault/vaults/secrets")  # fmt: skip
CLASSIC = "contosoclassicgateway"


def at_80_columns(*argv: str, timeout: float = 120) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal 80 columns wide; (exit code, what it showed)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([str(CMGDEPLOY), *argv], stdin=slave, stdout=slave,
                            stderr=slave, env={**env, "NO_COLOR": "1"})  # fmt: skip
    os.close(slave)
    seen, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    return proc.wait(timeout=10), seen.decode(errors="replace").replace("\r\n", "\n")


def piped(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CMGDEPLOY), *argv], capture_output=True, text=True, timeout=120)


def _assert_whole(screen: str, names: tuple[str, ...]) -> None:
    for name in names:
        assert name in screen, f"{name!r} not whole in:\n{screen}"
    assert "…" not in screen, screen
    # Tables fit the terminal (free text lines are wrapped by the terminal, not cut).
    table_lines = [line for line in screen.splitlines() if set(line) & set("│┃━")]
    assert max(map(len, table_lines), default=0) <= 80, screen


@pytest.fixture()
def deployed(cli: Any, home: Path) -> Path:
    up = cli("-e", "local", "up", *UP, "--yes")
    assert up.code == 0, up.err
    state = str(home / "local-azure")
    assert mocks_cli(["seed-classic", "--state-dir", state, "--name", CLASSIC,
                      "--region", "westeurope", "--instances", "2"]) == 0  # fmt: skip
    return home


def test_names_are_whole_at_80_columns(deployed: Path) -> None:
    code, screen = at_80_columns("environments", "list")
    assert code == 0, screen
    _assert_whole(screen, LONG_NAMES)

    code, screen = at_80_columns("-e", "local", "plan", *UP, "--instances", "2")
    assert code == 0, screen
    _assert_whole(screen, RESOURCES)
    assert "properties.securityRules[1]: + " in screen  # a delta with its full path
    assert "sku.capacity: 1 → 2" in screen

    code, screen = at_80_columns("site", "show")
    assert code == 0, screen
    _assert_whole(screen, (NAME, f"{NAME}.westeurope.cloudapp.azure.com", "cp1.contoso.com",
                           "mp1.contoso.com", "CMG services", "Site roles"))  # fmt: skip

    code, screen = at_80_columns("-e", "local", "classic", "list")
    assert code == 0, screen
    _assert_whole(screen, (CLASSIC, f"{CLASSIC}.cloudapp.net", "Ready"))
    assert "{" not in screen  # no JSON blob in a cell

    code, screen = at_80_columns("-e", "local", "down", "--name", NAME, "--yes")
    assert code == 0, screen
    _assert_whole(screen, RESOURCES)
    assert "/subscriptions/" not in screen


def test_piped_output_is_not_cut_at_80_columns(deployed: Path) -> None:
    listed = piped("environments", "list")
    assert listed.returncode == 0, listed.stderr
    assert "…" not in listed.stdout
    row = next(line for line in listed.stdout.splitlines() if "AzureUSGovernmentCloud" in line)
    assert len(row) > 80 and all(name in row for name in LONG_NAMES[3:])  # one table row

    planned = piped("-e", "local", "plan", *UP, "--instances", "2")
    assert planned.returncode == 0, planned.stderr
    assert "…" not in planned.stdout
    assert any(len(line) > 80 for line in planned.stdout.splitlines())
    for name in RESOURCES:
        assert name in planned.stdout


def test_auth_check_shows_iso_8601_not_an_epoch(cli: Any, home: Path) -> None:
    shown = cli("-e", "local", "auth", "check")
    assert shown.code == 0, shown.err
    line = next(x for x in shown.out.splitlines() if "token_expires_on" in x)
    assert "T" in line and "+00:00" in line
    assert not any(word.isdigit() and len(word) >= 9 for word in line.split())
