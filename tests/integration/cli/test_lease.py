"""The cross-machine lease with ``up``: released at the end of a run, so another
machine's next run proceeds at once; a run with nothing to change takes none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clifixtures import add_environment_row

from mocks.core import requestlog

SITE = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1", "--yes")


def test_lease_is_released_so_another_machine_proceeds(
    cli: Any, local_azure_factory: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A scale set slow enough that the first run takes the lease while it waits (the
    # account exists by then; the lease is tried at most every 5 s).
    slow = {"kind": "slow", "type": "Microsoft.Compute/virtualMachineScaleSets", "seconds": 8}
    az = local_azure_factory(faults={"targeted": [slow]})
    homes = [tmp_path / "machine-a", tmp_path / "machine-b"]
    for home in homes:
        monkeypatch.setenv("CMGDEPLOY_HOME", str(home))
        add_environment_row(cli, az, monkeypatch, "shared")

    monkeypatch.setenv("CMGDEPLOY_HOME", str(homes[0]))
    first = cli("-e", "shared", "--verbose", "up", "--name", "leasecmg", *SITE)
    assert first.code == 0, first.err
    assert "holding the lease on leasecmg" in first.err  # taken once the account existed
    az.cloud.faults.set({})

    monkeypatch.setenv("CMGDEPLOY_HOME", str(homes[1]))
    mark = len(requestlog.read(az.state_dir))
    second = cli("-e", "shared", "--verbose", "up", "--name", "leasecmg", "--instances", "2", *SITE)
    assert second.code == 0, second.err  # no exit 5: the first run released its lease
    assert "holding the lease on leasecmg" in second.err
    # The lease blob exists: acquire, name the holder, release; nothing created again.
    lease_ops = [
        e["operation"]
        for e in requestlog.read(az.state_dir, mark)
        if e["operation"].startswith("Blob_") and "/cmgdeploy-lease/" in e["path"]
    ]
    assert lease_ops == ["Blob_LeaseBlob", "Blob_SetBlobMetadata", "Blob_LeaseBlob"], lease_ops

    again = cli("-e", "shared", "--verbose", "up", "--name", "leasecmg", "--instances", "2", *SITE)
    assert again.code == 0 and "no changes" in again.out
    assert "holding the lease" not in again.err  # nothing to change: no lease taken
