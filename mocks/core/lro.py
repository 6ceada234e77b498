"""Long-running operations, the ARM way (see azure-wire-protocols.md section 4).

An operation is a document in the ``operations`` collection.  Its status is not
advanced by a thread: each poll settles it against the clock, like the store's
``ready_at``: "Succeeded once ``ready_at`` passes".

Status URLs served by ``mocks/resources`` (generic routes):

* ``Azure-AsyncOperation``:
  ``/subscriptions/{s}/providers/{ns}/locations/{loc}/operationStatuses/{id}``
  → ``{"id", "name", "status", "startTime", "endTime"?, "error"?}``
* ``Location``: ``/subscriptions/{s}/providers/{ns}/locations/{loc}/operationResults/{id}``
  → 202 while running; when done 200 with ``result`` if the operation has one, else 204;
  a failed operation answers its ARM error.

Initial responses carry ``Retry-After`` = ``config.initial_retry_after`` (≥ 1: azure-core
reads 0 as "none given"); polls carry ``config.poll_retry_after`` (may be fractional).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cloud import Cloud

COLLECTION = "operations"
TERMINAL = {"Succeeded", "Failed", "Canceled"}


def _by_clock(cloud: Cloud, op: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    if cloud.now() < op["ready_at"]:
        return "InProgress", None
    return ("Failed", op["error"]) if op.get("error") else ("Succeeded", None)


def start(
    cloud: Cloud,
    *,
    kind: str,
    subscription_id: str,
    namespace: str,
    location: str,
    target_id: str = "",
    duration: float = 0.0,
    result: Any = None,
    error: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Record a new operation and return it (a dict with ``id``)."""
    now = cloud.now()
    op = {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "subscription_id": subscription_id,
        "namespace": namespace,
        "location": location.replace(" ", "").lower() or "global",
        "target_id": target_id,
        "created": now,
        "ready_at": now + duration,
        "status": "InProgress",
        "result": result,
        "error": error,
        "extra": extra or {},
    }
    cloud.store.doc_put(COLLECTION, op["id"], op)
    return op


def get(cloud: Cloud, op_id: str) -> dict[str, Any] | None:
    """The operation with its status settled against the clock (persisted when terminal)."""
    op = cloud.store.doc_get(COLLECTION, op_id)
    if op is None or op["status"] in TERMINAL:
        return op
    status, error = _by_clock(cloud, op)
    if status in TERMINAL:
        op.update(status=status, error=error, ended=cloud.now())
        cloud.store.doc_put(COLLECTION, op_id, op)
    else:
        op["status"] = status
    return op


def _base(cloud: Cloud, op: dict[str, Any]) -> str:
    return (
        f"{cloud.base_url}/subscriptions/{op['subscription_id']}/providers/"
        f"{op['namespace']}/locations/{op['location']}"
    )


def status_url(cloud: Cloud, op: dict[str, Any]) -> str:
    return f"{_base(cloud, op)}/operationStatuses/{op['id']}?api-version=2024-01-01"


def result_url(cloud: Cloud, op: dict[str, Any]) -> str:
    return f"{_base(cloud, op)}/operationResults/{op['id']}?api-version=2024-01-01"


def initial_headers(
    cloud: Cloud, op: dict[str, Any], *, async_header: bool = True, location: bool = True
) -> dict[str, str]:
    headers = {"Retry-After": str(max(1, int(cloud.config.initial_retry_after)))}
    if async_header:
        headers["Azure-AsyncOperation"] = status_url(cloud, op)
    if location:
        headers["Location"] = result_url(cloud, op)
    return headers


def poll_headers(cloud: Cloud) -> dict[str, str]:
    return {"Retry-After": _fmt_seconds(cloud.config.poll_retry_after)}


def _fmt_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def status_body(op: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"id": op["id"], "name": op["id"], "status": op["status"]}
    if op.get("error"):
        body["error"] = op["error"]
    return body
