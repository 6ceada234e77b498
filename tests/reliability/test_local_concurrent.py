"""Two cmgdeploy runs on ``-e local`` at once, with no standalone local Azure: each
command's in-process server is embedded (marked so in endpoint.json), so the second run
starts its own on the same state dir instead of adopting one that dies with the first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from rel_lab import UP_ARGS, slow_vmss

from cmgdeploy.services.local import find_running
from mocks import LocalAzure
from mocks.core import requestlog


class LocalRuns:
    """``cmgdeploy -e local`` subprocesses sharing one CMGDEPLOY_HOME (no server of ours)."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.state_dir = home / "local-azure"
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("CMGDEPLOY_", "AZURE_"))}
        self.env = {**keep, "CMGDEPLOY_HOME": str(home), "NO_COLOR": "1"}

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "cmgdeploy", "-e", "local", *args],
                                env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)  # fmt: skip

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        process = self.start(*args)
        out, err = process.communicate(timeout=180)
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    def set_faults(self, faults: dict[str, object]) -> None:
        """Through the state dir, as a user would: no server needs to run."""
        done = subprocess.run([sys.executable, "-m", "mocks", "faults", "--state-dir",
                               str(self.state_dir), "--set", json.dumps(faults)],
                              capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr

    def wait_for_puts(self, operation: str, count: int, timeout: float = 90) -> None:
        """Until the request log holds ``count`` successful PUTs of route ``operation``."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            puts = [e for e in requestlog.read(self.state_dir)
                    if e["operation"] == operation and e["method"] == "PUT"
                    and e["status"] < 300]  # fmt: skip
            if len(puts) >= count:
                return
            time.sleep(0.05)
        raise AssertionError(f"fewer than {count} PUT {operation} within {timeout} s")


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = process.communicate(timeout=180)
    return process.returncode, err


def test_second_run_outlives_the_first_runs_server(tmp_path: Path) -> None:
    runs = LocalRuns(tmp_path / "home")
    runs.set_faults(slow_vmss(4))
    first = runs.start("up", "--name", "firstcmg", *UP_ARGS)
    runs.wait_for_puts("Deployments_CreateOrUpdate", 1)
    second = runs.start("up", "--name", "secondcmg", *UP_ARGS)
    # Both deployments are in flight; the second one's VMSS stays slow after the first's.
    runs.wait_for_puts("Deployments_CreateOrUpdate", 2)
    code, err = _finish(first)
    assert code == 0, err
    assert second.poll() is None  # still running when the first run (and its server) ended
    code, err = _finish(second)
    assert code == 0, err
    assert "Connection refused" not in err and "SignInUnavailable" not in err


def test_wait_lock_behind_a_running_scale(tmp_path: Path) -> None:
    runs = LocalRuns(tmp_path / "home")
    deployed = runs.run("up", "--name", "scalecmg", *UP_ARGS)
    assert deployed.returncode == 0, deployed.stderr
    runs.set_faults(slow_vmss(3))
    before = len(requestlog.read(runs.state_dir))
    first = runs.start("scale", "--name", "scalecmg", "--instances", "3")
    end = time.monotonic() + 90
    while not any(e["method"] == "PUT" for e in requestlog.read(runs.state_dir)[before:]):
        assert time.monotonic() < end and first.poll() is None, "the scale never wrote"
        time.sleep(0.05)
    queued = runs.start("scale", "--name", "scalecmg", "--instances", "4", "--wait-lock")
    code, err = _finish(first)
    assert code == 0, err
    assert queued.poll() is None  # queued on the lock: it needs the server after the first exits
    code, err = _finish(queued)
    assert code == 0, err
    status = runs.run("-o", "json", "status", "--name", "scalecmg")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["data"]["instances"] == 4  # the queued scale ran last


def test_a_standalone_server_is_named_again_when_an_embedded_one_stops(tmp_path: Path) -> None:
    state_dir = tmp_path / "local-azure"
    with LocalAzure(state_dir) as standalone:
        with LocalAzure(state_dir, embedded=True) as embedded:
            named = json.loads((state_dir / "endpoint.json").read_text())
            assert named["url"] == embedded.url and named["embedded"] is True
            assert [o["embedded"] for o in named["others"]] == [False]
        named = json.loads((state_dir / "endpoint.json").read_text())
        assert named["url"] == standalone.url and named["embedded"] is False
        found = find_running(state_dir)
        assert found is not None and found.url == standalone.url
