"""Blob and container leases as Lease Blob / Lease Container describe them.

A lease is a dict kept on the container or blob record: ``state`` (available, leased,
breaking, broken), ``id``, ``duration`` (-1 = infinite, else 15–60 s), ``expires``
(fixed leases) and ``break_at`` (breaking). Expiry and the end of a break period
are computed from the clock on every read (no background thread): a leased lease
past ``expires`` reads as ``expired``, a breaking one past ``break_at`` as
``broken``. The outcome of each action in each state follows the "Outcomes of lease
operations" table of the Lease Blob reference.
"""

from __future__ import annotations

import uuid
from typing import Any

from .exceptions import (
    InvalidHeaderValue,
    LeaseAlreadyPresent,
    LeaseIdMismatchWithBlobOperation,
    LeaseIdMismatchWithContainerOperation,
    LeaseIdMismatchWithLeaseOperation,
    LeaseIdMissing,
    LeaseIsBreakingAndCannotBeAcquired,
    LeaseIsBreakingAndCannotBeChanged,
    LeaseIsBrokenAndCannotBeRenewed,
    LeaseLost,
    LeaseNotPresentWithBlobOperation,
    LeaseNotPresentWithContainerOperation,
    LeaseNotPresentWithLeaseOperation,
    MissingRequiredHeader,
)

AVAILABLE: dict[str, Any] = {"state": "available"}
ACTIONS = ("acquire", "renew", "change", "release", "break")


def state(lease: dict[str, Any] | None, now: float) -> str:
    """The lease state at ``now``: available, leased, expired, breaking or broken."""
    lease = lease or AVAILABLE
    current = str(lease.get("state", "available"))
    if current == "leased" and lease.get("expires") is not None and now >= lease["expires"]:
        return "expired"
    if current == "breaking" and now >= lease.get("break_at", 0):
        return "broken"
    return current


def active(lease: dict[str, Any] | None, now: float) -> bool:
    """Leased or breaking: writes need the lease id."""
    return state(lease, now) in ("leased", "breaking")


def response_headers(lease: dict[str, Any] | None, now: float) -> dict[str, str]:
    """``x-ms-lease-state``/``-status`` (and ``-duration`` while leased)."""
    current = state(lease, now)
    headers = {
        "x-ms-lease-state": current,
        "x-ms-lease-status": "locked" if current in ("leased", "breaking") else "unlocked",
    }
    if current == "leased":
        headers["x-ms-lease-duration"] = (
            "infinite" if (lease or {}).get("duration") == -1 else "fixed"
        )
    return headers


def check_access(
    lease: dict[str, Any] | None, lease_id: str, now: float, *, container: bool, write: bool
) -> None:
    """The lease rules of a non-lease operation: writes to a leased object need its id;
    an id sent must match an active lease."""
    current = state(lease, now)
    if current in ("leased", "breaking"):
        if not lease_id:
            if write:
                raise LeaseIdMissing()
            return
        if not _same(lease_id, (lease or {}).get("id")):
            raise (
                LeaseIdMismatchWithContainerOperation()
                if container
                else LeaseIdMismatchWithBlobOperation()
            )
        return
    if lease_id:
        if current == "expired":
            raise LeaseLost()
        raise (
            LeaseNotPresentWithContainerOperation()
            if container
            else LeaseNotPresentWithBlobOperation()
        )


def after_write(lease: dict[str, Any] | None, now: float) -> dict[str, Any]:
    """A write ends an expired lease (it can no longer be renewed)."""
    if state(lease, now) == "expired":
        return dict(AVAILABLE)
    return dict(lease or AVAILABLE)


def _same(a: str | None, b: str | None) -> bool:
    try:
        return uuid.UUID(str(a)) == uuid.UUID(str(b))
    except ValueError:
        return False


def _guid_header(headers: dict[str, str], name: str, *, required: bool) -> str:
    value = headers.get(name, "")
    if not value:
        if required:
            raise MissingRequiredHeader(extra={"HeaderName": name})
        return ""
    try:
        uuid.UUID(value)
    except ValueError:
        raise InvalidHeaderValue(extra={"HeaderName": name, "HeaderValue": value}) from None
    return value


def _int_header(
    headers: dict[str, str], name: str, allowed: range, extra_ok: tuple[int, ...] = ()
) -> int | None:
    raw = headers.get(name, "")
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or (value not in allowed and value not in extra_ok):
        raise InvalidHeaderValue(extra={"HeaderName": name, "HeaderValue": raw})
    return value


def apply(
    lease: dict[str, Any] | None, headers: dict[str, str], now: float
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Run the ``x-ms-lease-action`` of ``headers``: (new lease, status, response headers)."""
    action = headers.get("x-ms-lease-action", "").lower()
    if not action:
        raise MissingRequiredHeader(extra={"HeaderName": "x-ms-lease-action"})
    if action not in ACTIONS:
        raise InvalidHeaderValue(extra={"HeaderName": "x-ms-lease-action", "HeaderValue": action})
    lease = dict(lease or AVAILABLE)
    return _ACTIONS[action](lease, headers, now)


def _acquire(
    lease: dict[str, Any], headers: dict[str, str], now: float
) -> tuple[dict[str, Any], int, dict[str, str]]:
    duration = _int_header(headers, "x-ms-lease-duration", range(15, 61), (-1,))
    if duration is None:
        raise MissingRequiredHeader(extra={"HeaderName": "x-ms-lease-duration"})
    proposed = _guid_header(headers, "x-ms-proposed-lease-id", required=False)
    current = state(lease, now)
    if current == "breaking":
        if proposed and _same(proposed, lease.get("id")):
            raise LeaseIsBreakingAndCannotBeAcquired()
        raise LeaseAlreadyPresent()
    if current == "leased" and not (proposed and _same(proposed, lease.get("id"))):
        raise LeaseAlreadyPresent()
    new_id = proposed or str(uuid.uuid4())
    new = _leased(new_id, duration, now)
    return new, 201, {"x-ms-lease-id": new_id}


def _leased(lease_id: str, duration: int, now: float) -> dict[str, Any]:
    return {
        "state": "leased",
        "id": lease_id,
        "duration": duration,
        "expires": None if duration == -1 else now + duration,
    }


def _renew(
    lease: dict[str, Any], headers: dict[str, str], now: float
) -> tuple[dict[str, Any], int, dict[str, str]]:
    lease_id = _guid_header(headers, "x-ms-lease-id", required=True)
    current = state(lease, now)
    if current == "available":
        raise LeaseNotPresentWithLeaseOperation()
    if not _same(lease_id, lease.get("id")):
        raise LeaseIdMismatchWithLeaseOperation()
    if current in ("breaking", "broken"):
        raise LeaseIsBrokenAndCannotBeRenewed()
    return (
        _leased(str(lease["id"]), int(lease["duration"]), now),
        200,
        {"x-ms-lease-id": str(lease["id"])},
    )


def _change(
    lease: dict[str, Any], headers: dict[str, str], now: float
) -> tuple[dict[str, Any], int, dict[str, str]]:
    lease_id = _guid_header(headers, "x-ms-lease-id", required=True)
    proposed = _guid_header(headers, "x-ms-proposed-lease-id", required=True)
    current = state(lease, now)
    if current in ("available", "expired", "broken"):
        raise LeaseNotPresentWithLeaseOperation()
    if not (_same(lease_id, lease.get("id")) or _same(proposed, lease.get("id"))):
        raise LeaseIdMismatchWithLeaseOperation()
    if current == "breaking":
        raise LeaseIsBreakingAndCannotBeChanged()
    return {**lease, "id": proposed}, 200, {"x-ms-lease-id": proposed}


def _release(
    lease: dict[str, Any], headers: dict[str, str], now: float
) -> tuple[dict[str, Any], int, dict[str, str]]:
    lease_id = _guid_header(headers, "x-ms-lease-id", required=True)
    if state(lease, now) == "available":
        raise LeaseNotPresentWithLeaseOperation()
    if not _same(lease_id, lease.get("id")):
        raise LeaseIdMismatchWithLeaseOperation()
    return dict(AVAILABLE), 200, {}


def _break(
    lease: dict[str, Any], headers: dict[str, str], now: float
) -> tuple[dict[str, Any], int, dict[str, str]]:
    period = _int_header(headers, "x-ms-lease-break-period", range(0, 61))
    current = state(lease, now)
    if current == "available":
        raise LeaseNotPresentWithLeaseOperation()
    if current in ("broken", "expired"):
        return {**lease, "state": "breaking", "break_at": now}, 202, {"x-ms-lease-time": "0"}
    remaining = _remaining(lease, current, now)
    # No period: a fixed lease runs out its time, an infinite one breaks at once.
    if period is None:
        wait = 0.0 if remaining == float("inf") else remaining
    else:
        wait = min(float(period), remaining)
    if wait <= 0:
        return {**lease, "state": "breaking", "break_at": now}, 202, {"x-ms-lease-time": "0"}
    return (
        {**lease, "state": "breaking", "break_at": now + wait},
        202,
        {"x-ms-lease-time": str(int(wait))},
    )


def _remaining(lease: dict[str, Any], current: str, now: float) -> float:
    """Seconds the lease would still hold: the break period left while breaking, the
    fixed lease's time left, or unbounded for an infinite lease."""
    if current == "breaking":
        return max(0.0, float(lease["break_at"]) - now)
    if lease.get("expires") is None:
        return float("inf")
    return max(0.0, float(lease["expires"]) - now)


_ACTIONS = {
    "acquire": _acquire,
    "renew": _renew,
    "change": _change,
    "release": _release,
    "break": _break,
}
