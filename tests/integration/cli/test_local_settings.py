"""Settings given to ``python -m mocks serve`` belong to that server run: `-e local`
runs that use the server say when it is slowed, and later runs start from what the
state dir keeps (shown by ``python -m mocks endpoint``)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mocks.__main__ import main as mocks_cli


def _serve(state: Path, *flags: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mocks", "serve", "--state-dir", str(state), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("https://127.0.0.1:")
    return proc


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def test_serve_flags_apply_to_that_run_only(
    cli: Callable[..., Any], home: Path, capsys: Any
) -> None:
    state = home / "local-azure"
    proc = _serve(state, "--provisioning-seconds", "20", "--token-lifetime", "900")
    try:
        assert mocks_cli(["endpoint", "--state-dir", str(state)]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["run_settings"] == {"provisioning_seconds": 20.0, "token_lifetime": 900}
        assert shown["persisted"]["config"]["provisioning_seconds"] < 1  # not kept
        assert shown["persisted"]["faults"] == {}

        slowed = cli("-e", "local", "auth", "check", "-o", "json")
        assert slowed.code == 0, slowed.err
        (warning,) = slowed.json["warnings"]
        assert "slowed: provisioning takes 20 s per resource" in warning
        assert "python -m mocks serve --provisioning-seconds" in warning
        assert str(state) in warning
        text = cli("-e", "local", "auth", "check")
        assert "cmgdeploy: warning: the local Azure at" in text.err
    finally:
        _stop(proc)

    # Stopped: the state dir keeps no trace of the run's flags.
    assert mocks_cli(["endpoint", "--state-dir", str(state)]) == 1
    kept = json.loads(capsys.readouterr().out)["persisted"]
    assert kept["config"]["provisioning_seconds"] < 1 and kept["config"]["token_lifetime"] != 900

    # The next run starts its own (embedded) server from what the state dir keeps.
    after = cli("-e", "local", "auth", "check", "-o", "json")
    assert after.code == 0, after.err
    assert after.json["warnings"] == []


def test_slow_faults_are_named_as_the_cause(cli: Callable[..., Any], home: Path) -> None:
    state = home / "local-azure"
    assert mocks_cli(["faults", "--state-dir", str(state), "--set",
                      '{"provisioning_seconds": 5}']) == 0  # fmt: skip
    slowed = cli("-e", "local", "auth", "check", "-o", "json")
    assert slowed.code == 0, slowed.err
    (warning,) = slowed.json["warnings"]
    assert "provisioning takes 5 s per resource, by its faults" in warning
    assert f"python -m mocks faults --state-dir {state} --clear" in warning
