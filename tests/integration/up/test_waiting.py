"""How `up` waits and what it asks, read from the local Azure's request log: the status
URL polled after exactly each Retry-After, deployment operations only when progress is
shown, nothing read twice, no request that changes nothing."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from clifixtures import add_environment_row

from mocks import LocalAzure
from mocks.core import requestlog

UP = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1",
      "--connection-point", "cp1.contoso.com", "--management-point", "mp1.contoso.com", "--yes")  # fmt: skip
POLL_RETRY_AFTER = 0.3  # what the server asks between status polls (the PUT asks 1 s)


@pytest.fixture()
def slow_lab(
    local_azure_factory: Callable[..., LocalAzure],
    cli: Callable[..., Any],
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> LocalAzure:
    """A local Azure whose deployment takes ~1.5 s and asks for 0.3 s between polls."""
    az = local_azure_factory(provisioning_seconds=0.4, poll_retry_after=POLL_RETRY_AFTER)
    add_environment_row(cli, az, monkeypatch, "lab")
    return az


def _at(entry: dict[str, Any]) -> float:
    return dt.datetime.fromisoformat(entry["time"]).timestamp()


def _ops(entries: list[dict[str, Any]]) -> list[str]:
    return [e["operation"] for e in entries]


def test_up_polls_the_status_url_after_each_retry_after(slow_lab: LocalAzure, cli: Any) -> None:
    mark = len(requestlog.read(slow_lab.state_dir))
    done = cli("-e", "lab", "up", "--name", "waitcmg", *UP)
    assert done.code == 0, done.err
    log = requestlog.read(slow_lab.state_dir, mark)
    ops = _ops(log)
    put = next(
        i
        for i, e in enumerate(log)  # the CMG's deployment, after its storage stage
        if e["operation"] == "Deployments_CreateOrUpdate" and not e["path"].endswith("-storage")
    )
    polls = [e for e in log[put:] if e["operation"] == "Deployments_GetStatus"]
    assert len(polls) >= 2, ops  # the deployment outlives the first Retry-After
    # The PUT's Retry-After (1 s) first, then each poll's own (0.3 s): never sooner.
    assert _at(polls[0]) - _at(log[put]) >= 1.0 - 0.02
    gaps = [_at(b) - _at(a) for a, b in itertools.pairwise(polls)]
    assert all(gap >= POLL_RETRY_AFTER - 0.02 for gap in gaps), gaps
    # Nothing the run did not need: no provider reads, no operations without progress,
    # the deployment read once at the end, no scale-set or public-IP read.
    assert "DeploymentOperations_List" not in ops
    assert not [o for o in ops if o.startswith("Providers_")]
    assert "Vaults_ListDeleted" not in ops  # the vault name was free
    after = _ops(log[put + 1 :])
    assert after.count("Deployments_Get") == 1
    assert "ResourceGroups_Get" not in ops  # the deployment's 404 said the group is missing
    reads = [e["path"].lower() for e in log if e["method"] == "GET"]
    assert not [p for p in reads if "/publicipaddresses/" in p], reads  # outputs hold it
    assert not [p for p in reads if p.endswith("/virtualmachinescalesets/waitcmg")], reads
    assert after[-1] == "VirtualMachineScaleSetVMs_List"  # stops once the instances run


def test_progress_shown_reads_the_deployment_operations(slow_lab: LocalAzure, cli: Any) -> None:
    mark = len(requestlog.read(slow_lab.state_dir))
    done = cli("-e", "lab", "--verbose", "up", "--name", "waitcmgv", *UP)
    assert done.code == 0, done.err
    ops = _ops(requestlog.read(slow_lab.state_dir, mark))
    assert "DeploymentOperations_List" in ops  # one line per resource needs them
    assert "microsoft.compute/virtualmachinescalesets" in done.err.lower()
