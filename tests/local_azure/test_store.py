"""The SQLite store under concurrent readers: a read that settles a transient state
never undoes a write that landed after it read the row."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mocks.core.store import Store

RID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachineScaleSets/v"
TYPE = "Microsoft.Compute/virtualMachineScaleSets"


def body(capacity: int, state: str) -> dict[str, Any]:
    return {"id": RID, "type": TYPE, "sku": {"capacity": capacity},
            "properties": {"provisioningState": state}}  # fmt: skip


def race(store: Store, write_then_check: Callable[[int], None], rounds: int = 300) -> None:
    """Four threads read (and so settle) the resource while ``write_then_check`` runs
    ``rounds`` times; each round waits until the readers have read twice."""
    reads = [0]
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            store.resource_get(RID)
            store.resource_list("s", "g")
            reads[0] += 1

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for n in range(1, rounds):
            target = reads[0] + 2
            write_then_check(n)
            while reads[0] < target:  # give the readers a chance to settle the new row
                time.sleep(0.0005)
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def test_a_concurrent_read_never_reverts_a_put(tmp_path: Path) -> None:
    store = Store(tmp_path / "cloud.db")
    lost: list[tuple[int, int]] = []

    def update(n: int) -> None:
        # Provisioning takes 0 s: the very next read settles it to Succeeded.
        store.resource_put(body(n, "Updating"), ready_at=time.time())
        got = store.resource_get(RID)
        assert got is not None
        if got["sku"]["capacity"] != n:
            lost.append((n, got["sku"]["capacity"]))

    store.resource_put(body(0, "Updating"), ready_at=time.time())
    race(store, update)
    assert lost == []
    final = store.resource_get(RID)
    assert final is not None and final["properties"]["provisioningState"] == "Succeeded"


def test_a_concurrent_read_never_deletes_a_recreated_resource(tmp_path: Path) -> None:
    store = Store(tmp_path / "cloud.db")
    vanished: list[int] = []

    def delete_then_recreate(n: int) -> None:
        store.resource_put(body(n, "Deleting"), ready_at=time.time())  # deletion done
        store.resource_put(body(n, "Succeeded"))  # a PUT re-creates it at once
        if store.resource_get(RID) is None:
            vanished.append(n)

    race(store, delete_then_recreate)
    assert vanished == []
    store.resource_put(body(0, "Deleting"), ready_at=time.time())
    assert store.resource_get(RID) is None  # with nobody racing, the deletion completes


def test_a_directory_in_place_of_the_store_keeps_its_mode(tmp_path: Path) -> None:
    """The store makes its database file private, never a directory by the same name."""
    from mocks.core.store import create_private

    folder = tmp_path / "cloud.db"
    folder.mkdir()
    folder.chmod(0o755)
    create_private(folder)
    assert folder.stat().st_mode & 0o777 == 0o755
