"""Blob and container leases of the local Blob service: the SDK's BlobLeaseClient
against the server, and the lease table state by state."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from azure.core.exceptions import HttpResponseError
from azure.storage.blob import BlobClient, BlobLeaseClient, ContainerClient
from blob_lab import Account, make_account

from mocks import LocalAzure
from mocks.blob import leases
from mocks.blob.exceptions import StorageError
from mocks.core.cloud import CloudConfig


@pytest.fixture()
def clocked(tmp_path) -> Iterator[tuple[LocalAzure, list[float]]]:
    """A local Azure whose clock the test moves forward (``shift[0]`` seconds)."""
    shift = [0.0]
    with LocalAzure(tmp_path / "state", config=CloudConfig(provisioning_seconds=0.01)) as az:
        az.cloud.now = lambda: time.time() + shift[0]  # type: ignore[method-assign]
        yield az, shift


@pytest.fixture()
def blob(local_azure: LocalAzure) -> BlobClient:
    account = make_account(local_azure)
    container = account.service().create_container("locks")
    return container.upload_blob("cmg.lock", b"")


def _code(exc: pytest.ExceptionInfo[HttpResponseError]) -> tuple[int | None, str | None]:
    return exc.value.status_code, exc.value.error_code


def test_acquire_shows_in_properties_and_blocks_others(blob: BlobClient) -> None:
    lease = blob.acquire_lease(lease_duration=15)
    props = blob.get_blob_properties()
    assert (props.lease.state, props.lease.status, props.lease.duration) == (
        "leased",
        "locked",
        "fixed",
    )
    with pytest.raises(HttpResponseError) as taken:
        BlobLeaseClient(blob).acquire(lease_duration=15)
    assert _code(taken) == (409, "LeaseAlreadyPresent")
    same = BlobLeaseClient(blob, lease_id=lease.id)
    same.acquire(lease_duration=-1)  # the holder may acquire again: new duration
    assert blob.get_blob_properties().lease.duration == "infinite"


def test_writes_need_the_lease_id(blob: BlobClient) -> None:
    lease = blob.acquire_lease(lease_duration=-1)
    with pytest.raises(HttpResponseError) as missing:
        blob.set_blob_metadata({"holder": "x"})
    assert _code(missing) == (412, "LeaseIdMissing")
    with pytest.raises(HttpResponseError) as wrong:
        blob.set_blob_metadata({"holder": "x"}, lease=str(uuid.uuid4()))
    assert _code(wrong) == (412, "LeaseIdMismatchWithBlobOperation")
    with pytest.raises(HttpResponseError) as delete:
        blob.delete_blob()
    assert _code(delete) == (412, "LeaseIdMissing")
    blob.set_blob_metadata({"holder": "host1 pid 42"}, lease=lease)
    blob.upload_blob(b"held", overwrite=True, lease=lease)
    assert blob.get_blob_properties().metadata == {}  # upload replaced the metadata
    held_id = lease.id
    lease.release()
    with pytest.raises(HttpResponseError) as gone:
        blob.set_blob_metadata({"a": "b"}, lease=held_id)
    assert _code(gone) == (412, "LeaseNotPresentWithBlobOperation")


def test_renew_change_release(blob: BlobClient) -> None:
    lease = blob.acquire_lease(lease_duration=30)
    lease.renew()
    new_id = str(uuid.uuid4())
    lease.change(new_id)
    assert lease.id == new_id
    stale = BlobLeaseClient(blob, lease_id=str(uuid.uuid4()))
    with pytest.raises(HttpResponseError) as mismatch:
        stale.release()
    assert _code(mismatch) == (409, "LeaseIdMismatchWithLeaseOperation")
    lease.release()
    assert blob.get_blob_properties().lease.state == "available"
    with pytest.raises(HttpResponseError) as none:
        BlobLeaseClient(blob, lease_id=new_id).renew()
    assert _code(none) == (409, "LeaseNotPresentWithLeaseOperation")


def test_bad_duration_is_invalid_header_value(blob: BlobClient) -> None:
    for duration in (10, 61):
        with pytest.raises(HttpResponseError) as bad:
            blob.acquire_lease(lease_duration=duration)
        assert _code(bad) == (400, "InvalidHeaderValue")


def test_break_immediately_and_reacquire(blob: BlobClient) -> None:
    lease = blob.acquire_lease(lease_duration=-1)
    assert BlobLeaseClient(blob).break_lease() == 0  # infinite, no period: at once
    assert blob.get_blob_properties().lease.state == "broken"
    with pytest.raises(HttpResponseError) as broken:
        lease.renew()
    assert _code(broken) == (409, "LeaseIsBrokenAndCannotBeRenewed")
    BlobLeaseClient(blob).acquire(lease_duration=15)  # a broken lease can be taken


def test_fixed_lease_expires_by_the_clock(clocked: tuple[LocalAzure, list[float]]) -> None:
    az, shift = clocked
    account = make_account(az)
    blob = account.service().create_container("locks").upload_blob("cmg.lock", b"")
    holder = blob.acquire_lease(lease_duration=15)
    with pytest.raises(HttpResponseError):
        BlobLeaseClient(blob).acquire(lease_duration=15)
    shift[0] = 16  # the holder died and never renewed
    props = blob.get_blob_properties()
    assert (props.lease.state, props.lease.status) == ("expired", "unlocked")
    with pytest.raises(HttpResponseError) as lost:
        blob.set_blob_metadata({"a": "b"}, lease=holder)
    assert _code(lost) == (412, "LeaseLost")
    holder.renew()  # an expired lease not written since can be renewed by its holder
    shift[0] = 32
    taker = BlobLeaseClient(blob)
    taker.acquire(lease_duration=15)
    assert blob.get_blob_properties().lease.state == "leased"


def test_break_period_runs_on_the_clock(clocked: tuple[LocalAzure, list[float]]) -> None:
    az, shift = clocked
    blob = make_account(az).service().create_container("locks").upload_blob("b", b"")
    lease = blob.acquire_lease(lease_duration=60)
    assert BlobLeaseClient(blob).break_lease(lease_break_period=10) == 10
    assert blob.get_blob_properties().lease.state == "breaking"
    with pytest.raises(HttpResponseError) as breaking:
        BlobLeaseClient(blob, lease_id=lease.id).acquire(lease_duration=15)
    assert _code(breaking) == (409, "LeaseIsBreakingAndCannotBeAcquired")
    with pytest.raises(HttpResponseError) as change:
        lease.change(str(uuid.uuid4()))
    assert _code(change) == (409, "LeaseIsBreakingAndCannotBeChanged")
    shift[0] = 11
    assert blob.get_blob_properties().lease.state == "broken"


def test_container_lease_guards_delete(local_azure: LocalAzure) -> None:
    account: Account = make_account(local_azure)
    container: ContainerClient = account.service().create_container("leased")
    lease = container.acquire_lease(lease_duration=-1)
    assert container.get_container_properties().lease.state == "leased"
    with pytest.raises(HttpResponseError) as missing:
        container.delete_container()
    assert _code(missing) == (412, "LeaseIdMissing")
    with pytest.raises(HttpResponseError) as wrong:
        container.delete_container(lease=str(uuid.uuid4()))
    assert _code(wrong) == (412, "LeaseIdMismatchWithContainerOperation")
    container.delete_container(lease=lease)


# -- the lease table, state by state (no server) --------------------------------------
A, B = str(uuid.uuid4()), str(uuid.uuid4())


def _state(name: str, now: float = 100.0) -> dict[str, object]:
    return {
        "available": {"state": "available"},
        "leased": {"state": "leased", "id": A, "duration": 30, "expires": now + 30},
        "breaking": {
            "state": "breaking",
            "id": A,
            "duration": 30,
            "expires": now + 30,
            "break_at": now + 10,
        },
        "broken": {
            "state": "breaking",
            "id": A,
            "duration": 30,
            "expires": now + 30,
            "break_at": now - 1,
        },
        "expired": {"state": "leased", "id": A, "duration": 30, "expires": now - 1},
    }[name]


def _run(start: str, headers: dict[str, str]) -> str:
    """The outcome of one action: the new state, or the error code."""
    try:
        lease, _status, _ = leases.apply(_state(start), headers, 100.0)
    except StorageError as exc:
        return exc.code
    if "id" not in lease:
        return leases.state(lease, 100.0)
    holder = {A: "A", B: "B"}.get(str(lease["id"]), "new")
    return f"{leases.state(lease, 100.0)}({holder})"


ACQ = {"x-ms-lease-action": "acquire", "x-ms-lease-duration": "15"}
TABLE = [
    # (action headers, available, leased(A), breaking(A), broken(A), expired(A))
    (
        ACQ,
        "leased(new)",
        "LeaseAlreadyPresent",
        "LeaseAlreadyPresent",
        "leased(new)",
        "leased(new)",
    ),
    (
        {**ACQ, "x-ms-proposed-lease-id": A},
        "leased(A)",
        "leased(A)",
        "LeaseIsBreakingAndCannotBeAcquired",
        "leased(A)",
        "leased(A)",
    ),
    (
        {**ACQ, "x-ms-proposed-lease-id": B},
        "leased(B)",
        "LeaseAlreadyPresent",
        "LeaseAlreadyPresent",
        "leased(B)",
        "leased(B)",
    ),
    (
        {"x-ms-lease-action": "break", "x-ms-lease-break-period": "0"},
        "LeaseNotPresentWithLeaseOperation",
        "broken(A)",
        "broken(A)",
        "broken(A)",
        "broken(A)",
    ),
    (
        {"x-ms-lease-action": "break", "x-ms-lease-break-period": "5"},
        "LeaseNotPresentWithLeaseOperation",
        "breaking(A)",
        "breaking(A)",
        "broken(A)",
        "broken(A)",
    ),
    (
        {"x-ms-lease-action": "change", "x-ms-lease-id": A, "x-ms-proposed-lease-id": B},
        "LeaseNotPresentWithLeaseOperation",
        "leased(B)",
        "LeaseIsBreakingAndCannotBeChanged",
        "LeaseNotPresentWithLeaseOperation",
        "LeaseNotPresentWithLeaseOperation",
    ),
    (
        {"x-ms-lease-action": "renew", "x-ms-lease-id": A},
        "LeaseNotPresentWithLeaseOperation",
        "leased(A)",
        "LeaseIsBrokenAndCannotBeRenewed",
        "LeaseIsBrokenAndCannotBeRenewed",
        "leased(A)",
    ),
    (
        {"x-ms-lease-action": "renew", "x-ms-lease-id": B},
        "LeaseNotPresentWithLeaseOperation",
        "LeaseIdMismatchWithLeaseOperation",
        "LeaseIdMismatchWithLeaseOperation",
        "LeaseIdMismatchWithLeaseOperation",
        "LeaseIdMismatchWithLeaseOperation",
    ),
    (
        {"x-ms-lease-action": "release", "x-ms-lease-id": A},
        "LeaseNotPresentWithLeaseOperation",
        "available",
        "available",
        "available",
        "available",
    ),
    (
        {"x-ms-lease-action": "release", "x-ms-lease-id": B},
        "LeaseNotPresentWithLeaseOperation",
        "LeaseIdMismatchWithLeaseOperation",
        "LeaseIdMismatchWithLeaseOperation",
        "LeaseIdMismatchWithLeaseOperation",
        "LeaseIdMismatchWithLeaseOperation",
    ),
]


@pytest.mark.parametrize(
    "row", TABLE, ids=[f"{r[0]['x-ms-lease-action']}-{i}" for i, r in enumerate(TABLE)]
)
def test_lease_outcomes_by_state(row: tuple[dict[str, str], str, str, str, str, str]) -> None:
    headers, *expected = row
    starts = ["available", "leased", "breaking", "broken", "expired"]
    assert [_run(start, headers) for start in starts] == expected


def test_missing_lease_id_is_missing_required_header() -> None:
    with pytest.raises(StorageError) as exc:
        leases.apply(_state("leased"), {"x-ms-lease-action": "renew"}, 100.0)
    assert (exc.value.status, exc.value.code) == (400, "MissingRequiredHeader")
