"""Progress on waits: one line per change with the elapsed time and what is waited on
(`status --watch` repeats nothing), and at a terminal a live line whose clock runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from test_output_width import at_80_columns

CMGDEPLOY = Path(sys.executable).parent / "cmgdeploy"
UP = ("--region", "westeurope", "--name", "slowcmg", "--self-signed-cert", "--site-code", "PS1",
      "--connection-point", "cp1.contoso.com", "--yes")  # fmt: skip
LINE = re.compile(
    r"^cmgdeploy: \[(\d+)s\] slowcmg: Provisioning; waiting on (\S+) (\S+) \((\w+)\)$"
)


def _serve_slow(state: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mocks",
            "serve",
            "--state-dir",
            str(state),
            "--provisioning-seconds",
            "1.5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().startswith("https://")
    return proc


def test_status_watch_says_each_change_once_with_time_and_resource(cli: Any, home: Path) -> None:
    server = _serve_slow(home / "local-azure")
    try:
        started = cli("-e", "local", "up", *UP, "--no-wait")
        assert started.code == 0, started.err
        watched = subprocess.run(
            [
                str(CMGDEPLOY),
                "-e",
                "local",
                "-o",
                "json",
                "status",
                "--name",
                "slowcmg",
                "--watch",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert watched.returncode == 0, watched.stderr
        assert '"state": "Ready"' in watched.stdout
        lines = [x for x in watched.stderr.splitlines() if "slowcmg: Provisioning" in x]
        assert lines, watched.stderr
        assert len(lines) == len(set(lines))  # a line only when something changed
        parsed = [LINE.match(x) for x in lines]
        assert all(parsed), lines
        assert {m.group(2) for m in parsed if m} >= {"Microsoft.Compute/virtualMachineScaleSets"}
        seconds = [int(m.group(1)) for m in parsed if m]
        assert seconds == sorted(seconds) and seconds[-1] >= 2  # the clock runs
        # Not a terminal, no --verbose: watching is what the command is for, so its lines
        # show; the slowed local Azure is named as the cause in the envelope's warnings.
        (warning,) = json.loads(watched.stdout)["warnings"]
        assert "is slowed: provisioning takes 1.5 s per resource" in warning

        # At a terminal: the same lines, and the live line with its running clock.
        again = cli("-e", "local", "up", *UP[:-1], "--instances", "2", "--no-wait", "--yes")
        assert again.code == 0, again.err
        code, screen = at_80_columns("-e", "local", "status", "--name", "slowcmg", "--watch")
        assert code == 0, screen
        assert re.search(r"\d+s slowcmg: Provisioning; waiting on ", screen), screen
        assert re.search(r"› \d+s \(\d+s in all\) slowcmg: Provisioning; waiting on ", screen)  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
