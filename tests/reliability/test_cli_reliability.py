"""Reliability through the real CLI (a subprocess): short tokens, errors that explain,
Ctrl-C, stale locks, --wait-lock, --timeout."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable
from pathlib import Path

from rel_lab import UP_ARGS, VMSS_TYPE, CliLab, cli_lab, slow_vmss

from cmgdeploy.services.locks import CmgLock
from mocks import LocalAzure
from mocks.core import requestlog

Factory = Callable[..., LocalAzure]


def lab_for(
    factory: Factory, tmp_path: Path, faults: dict | None = None, **config: object
) -> CliLab:
    return cli_lab(factory(faults=faults, **config), tmp_path / "home")


def test_deployment_longer_than_the_token_lifetime_succeeds(
    local_azure_factory: Factory, tmp_path: Path
) -> None:
    lab = lab_for(local_azure_factory, tmp_path, slow_vmss(5), token_lifetime=2)
    started = time.time()
    done = lab.run("up", "--name", "tokencmg", *UP_ARGS)
    assert done.returncode == 0, done.stderr
    assert time.time() - started > 2 * 2  # the run outlived two token lifetimes
    log = requestlog.read(lab.az.state_dir)
    assert sum(1 for e in log if e["operation"] == "Entra_Token") > 3  # renewed, not reused
    assert not [e for e in log if e["status"] == 401]


def test_failed_deployment_names_the_innermost_cause(
    local_azure_factory: Factory, tmp_path: Path
) -> None:
    message = "Allocation failed. We do not have sufficient capacity for the requested VM size."
    fail = {"kind": "fail_deployment", "type": VMSS_TYPE, "code": "AllocationFailed",
            "message": message, "count": 1}  # fmt: skip
    lab = lab_for(local_azure_factory, tmp_path, {"targeted": [fail]})
    done = lab.run("-o", "json", "up", "--name", "failcmg", *UP_ARGS)
    assert done.returncode == 1
    errors = json.loads(done.stdout)["errors"]
    assert errors[0]["code"] == "DeploymentFailed"
    assert errors[-1]["code"] == "AllocationFailed" and errors[-1]["message"] == message
    assert "virtualMachineScaleSets" in (errors[-1]["target"] or "")
    assert "AllocationFailed" in done.stderr and "virtualMachineScaleSets" in done.stderr
    again = lab.run("-o", "json", "up", "--name", "failcmg", *UP_ARGS)  # the fault was used up
    assert again.returncode == 0, again.stderr


def test_ctrl_c_exits_130_and_says_azure_goes_on(
    local_azure_factory: Factory, tmp_path: Path
) -> None:
    lab = lab_for(local_azure_factory, tmp_path, slow_vmss(60))
    proc = lab.start("up", "--name", "ctrlccmg", *UP_ARGS)
    lab.wait_for_request("Deployments_CreateOrUpdate")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "continues" in err and "cmgdeploy -e lab status --name ctrlccmg" in err
    assert "Traceback" not in err


def test_sigkill_leaves_a_stale_lock_the_next_run_takes_over(
    local_azure_factory: Factory, tmp_path: Path
) -> None:
    lab = lab_for(local_azure_factory, tmp_path, slow_vmss(3))
    proc = lab.start("up", "--name", "killcmg", *UP_ARGS)
    lab.wait_for_request("Deployments_CreateOrUpdate")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    lock = lab.home / "locks" / "killcmg.lock"
    assert json.loads(lock.read_text())["pid"] == proc.pid  # left behind by the dead run
    again = lab.run("--verbose", "up", "--name", "killcmg", *UP_ARGS)
    assert again.returncode == 0, again.stderr
    assert "took over the lock" in again.stderr and str(proc.pid) in again.stderr
    assert "attaching to running deployment" in again.stderr or "no changes" in again.stdout
    puts = [e for e in requestlog.read(lab.az.state_dir)
            if e["operation"] == "Deployments_CreateOrUpdate" and e["status"] < 300
            and not e["path"].endswith("-storage")]  # the storage stage runs once too  # fmt: skip
    assert len(puts) == 1  # resumed, not deployed twice


def test_wait_lock_queues_behind_a_running_up(local_azure_factory: Factory, tmp_path: Path) -> None:
    lab = lab_for(local_azure_factory, tmp_path, slow_vmss(3))
    first = lab.start("up", "--name", "queuecmg", *UP_ARGS)
    lab.wait_for_request("Deployments_CreateOrUpdate")
    refused = lab.run("-o", "json", "up", "--name", "queuecmg", *UP_ARGS)
    assert refused.returncode == 5
    assert (
        "--wait-lock" in refused.stderr
        and "pid" in json.loads(refused.stdout)["errors"][0]["message"]
    )
    queued = lab.run("up", "--name", "queuecmg", "--wait-lock", *UP_ARGS)
    assert first.wait(timeout=120) == 0
    assert queued.returncode == 0, queued.stderr
    assert "no changes" in queued.stdout


def test_wait_lock_gives_up_at_the_timeout(local_azure_factory: Factory, tmp_path: Path) -> None:
    lab = lab_for(local_azure_factory, tmp_path)
    with CmgLock(lab.home / "locks", "heldcmg", command="test"):
        started = time.monotonic()
        done = lab.run("--verbose", "up", "--name", "heldcmg", "--wait-lock", "--timeout", "1",
                       *UP_ARGS)  # fmt: skip
        assert done.returncode == 5
        assert time.monotonic() - started >= 1
        assert "after waiting 1 s" in done.stderr
        # What it waited on, said once with the time, while it waited.
        assert done.stderr.count("waiting for the lock of CMG heldcmg: held by `test`") == 1
    writes = [e for e in requestlog.read(lab.az.state_dir) if e["kind"] in ("write", "delete")]
    assert writes == []


def test_timeout_exits_4_with_how_to_resume(local_azure_factory: Factory, tmp_path: Path) -> None:
    lab = lab_for(local_azure_factory, tmp_path, slow_vmss(8))
    done = lab.run("-o", "json", "up", "--name", "slowcmg", "--timeout", "3", *UP_ARGS)
    assert done.returncode == 4
    error = json.loads(done.stdout)["errors"][0]
    assert "continues" in error["message"]
    assert "status --name slowcmg --watch" in error["hint"]  # in the JSON too, for cron logs
    assert "cmgdeploy -e lab status --name slowcmg --watch" in done.stderr
    assert "again" in done.stderr
    resumed = lab.run("up", "--name", "slowcmg", *UP_ARGS)  # attaches to the running one
    assert resumed.returncode == 0, resumed.stderr
    puts = [e for e in requestlog.read(lab.az.state_dir)
            if e["operation"] == "Deployments_CreateOrUpdate" and e["status"] < 300
            and not e["path"].endswith("-storage")]  # the storage stage runs once too  # fmt: skip
    assert len(puts) == 1


def test_sigkill_during_the_storage_stage_the_next_run_follows_it(
    local_azure_factory: Factory, tmp_path: Path
) -> None:
    """Killed while the storage account (for the DSC package) is still provisioning: the
    next run follows that deployment instead of starting it again, then goes on."""
    slow_storage = {"targeted": [{"kind": "slow", "type": "Microsoft.Storage/storageAccounts",
                                  "seconds": 4}]}  # fmt: skip
    lab = lab_for(local_azure_factory, tmp_path, slow_storage)
    proc = lab.start("up", "--name", "stagecmg", *UP_ARGS)
    lab.wait_for_request("Deployments_CreateOrUpdate", skip="")  # the storage stage's PUT
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    again = lab.run("--verbose", "up", "--name", "stagecmg", *UP_ARGS)
    assert again.returncode == 0, again.stderr
    assert "attaching to running deployment cmgdeploy-stagecmg-" in again.stderr
    puts = [e["path"] for e in requestlog.read(lab.az.state_dir)
            if e["operation"] == "Deployments_CreateOrUpdate" and e["status"] < 300]  # fmt: skip
    assert sum(p.endswith("-storage") for p in puts) == 1  # followed, not started again
    assert sum(not p.endswith("-storage") for p in puts) == 1
