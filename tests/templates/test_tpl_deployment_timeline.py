"""A deployment's timeline is the clock's: polled every 0.1 s or every 2 s, the same
deployment finishes at the same server time (its duration from the PUT)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sdkclients import Clients, sdk_clients

from mocks import LocalAzure

PROVISIONING_SECONDS = 0.4
LEVELS = 3


def chained_nsgs() -> dict[str, Any]:
    """Three network security groups, each depending on the previous one."""
    resources = []
    for level in range(LEVELS):
        nsg: dict[str, Any] = {
            "type": "Microsoft.Network/networkSecurityGroups",
            "apiVersion": "2023-09-01",
            "name": f"nsg{level}",
            "location": "westeurope",
            "properties": {},
        }
        if level:
            nsg["dependsOn"] = [f"nsg{level - 1}"]
        resources.append(nsg)
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": resources,
    }


def _seconds(iso_duration: str) -> float:
    return float(iso_duration.removeprefix("PT").removesuffix("S"))


def test_polling_rate_does_not_change_when_a_deployment_finishes(
    local_azure_factory: Callable[..., LocalAzure],
) -> None:
    azure = local_azure_factory(provisioning_seconds=PROVISIONING_SECONDS)
    c: Clients = sdk_clients(azure)
    body = {"properties": {"mode": "Incremental", "template": chained_nsgs()}}
    intervals = {"fast-rg": 0.1, "slow-rg": 2.0}
    for group in intervals:
        c.resources.resource_groups.create_or_update(group, {"location": "westeurope"})
        c.deployments.deployments.begin_create_or_update(group, "chain", body, polling=False)
    next_read = dict.fromkeys(intervals, time.monotonic())
    finished: dict[str, Any] = {}
    while len(finished) < len(intervals):
        group = min((g for g in intervals if g not in finished), key=next_read.__getitem__)
        time.sleep(max(0.0, next_read[group] - time.monotonic()))
        props = c.deployments.deployments.get(group, "chain").properties
        if props.provisioning_state in ("Succeeded", "Failed"):
            finished[group] = props
        next_read[group] += intervals[group]
    fast, slow = (finished[g] for g in intervals)
    assert fast.provisioning_state == slow.provisioning_state == "Succeeded"
    fast_s, slow_s = _seconds(fast.duration), _seconds(slow.duration)
    assert abs(fast_s - slow_s) <= intervals["fast-rg"], (fast_s, slow_s)
    assert fast_s >= LEVELS * PROVISIONING_SECONDS - 0.01
    assert slow_s < intervals["slow-rg"]  # not stretched to the slow reader's reads
