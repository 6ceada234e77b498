"""Several runners, one truth: two ``migrate`` runs with two CMGDEPLOY_HOMEs (two
machines) against one local Azure meet at the target's blob lease in Azure."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from migrate_lab import TARGET, VMSS, Lab, wait_for

LEASE_SECONDS = "15"


class Runner:
    """``cmgdeploy`` as a process of one "machine" (its own CMGDEPLOY_HOME)."""

    def __init__(self, lab: Lab, home: Path) -> None:
        self.env = {
            **lab.env,
            "CMGDEPLOY_HOME": str(home),
            "CMGDEPLOY_LEASE_SECONDS": LEASE_SECONDS,
        }
        self.cwd = lab.home.parent

    def run(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cmgdeploy", *args], env=self.env, cwd=self.cwd,
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip

    def spawn(self, *args: str) -> tuple[subprocess.Popen[str], list[str]]:
        """Started in the background; its stderr lines are collected as they come."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "cmgdeploy", *args], env=self.env, cwd=self.cwd,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        lines: list[str] = []

        def collect() -> None:
            assert proc.stderr is not None
            lines.extend(iter(proc.stderr.readline, ""))

        threading.Thread(target=collect, daemon=True).start()
        return proc, lines


def _second_machine(lab: Lab, tmp_path: Path) -> Runner:
    other = Runner(lab, tmp_path / "machine-b")
    row = other.run("environments", "add", "lab", "--authority", lab.az.url,
                    "--resource-manager", lab.az.url + "/", "--service-management",
                    lab.az.url + "/", "--ca-bundle", str(lab.az.ca_bundle),
                    "--no-instance-discovery")  # fmt: skip
    assert row.returncode == 0, row.stderr
    return other


def test_two_machines_one_runs_other_exits_5_then_lease_expires_after_sigkill(
    lab: Lab, tmp_path: Path
) -> None:
    machine_a = Runner(lab, lab.home)
    machine_b = _second_machine(lab, tmp_path)
    args = lab.args("--drain-hours", "0", "--yes")
    lab.faults({"kind": "slow", "type": VMSS, "seconds": 25})

    holder, seen = machine_a.spawn("--verbose", *args)
    try:
        wait_for(lambda: any("holding the lease" in line for line in seen), timeout=60)

        refused = machine_b.run(*args)
        assert refused.returncode == 5, refused.stderr
        message = json.loads(refused.stdout)["errors"][0]["message"]
        assert f"lease on CMG {TARGET} in Azure" in message
        assert f"pid {holder.pid} on host {socket.gethostname()}, migrate, started " in message
        assert "Traceback" not in refused.stderr
    finally:
        holder.send_signal(signal.SIGKILL)
        assert holder.wait(timeout=30) == -signal.SIGKILL

    # The dead holder no longer renews: its lease expires and the next run proceeds.
    follower, lines = machine_b.spawn("--verbose", *args, "--wait-lock", "--timeout", "170")
    assert follower.wait(timeout=180) == 0, "".join(lines)
    text = "".join(lines)
    assert f"waiting for the lease on {TARGET} (pid {holder.pid} on host" in text
    assert "holding the lease" in text


def test_a_run_of_the_same_home_takes_over_the_lease_of_its_dead_predecessor(
    lab: Lab, tmp_path: Path
) -> None:
    machine = Runner(lab, lab.home)
    args = lab.args("--drain-hours", "0", "--yes")
    lab.faults({"kind": "slow", "type": VMSS, "seconds": 20})
    first, seen = machine.spawn("--verbose", *args)
    try:
        wait_for(lambda: any("holding the lease" in line for line in seen), timeout=60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    lab.faults()

    again = machine.run(*args)  # no --wait-lock: the dead run's lease is broken at once
    assert again.returncode == 0, again.stderr
    warnings = json.loads(again.stdout)["warnings"]
    assert any("took over the lease" in w and f"pid {first.pid}" in w for w in warnings)


def test_a_run_with_nothing_to_do_takes_no_lease(lab: Lab, cli: Any) -> None:
    done = cli(*lab.args("--drain-hours", "0", "--yes"))
    assert done.code == 0, done.err
    before = len(lab.writes())
    again = cli(*lab.args("--drain-hours", "0", "--yes"))
    assert again.code == 0 and again.json["data"]["phase"] == "done"
    assert len(lab.writes()) == before
