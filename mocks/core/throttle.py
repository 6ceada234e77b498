"""ARM request throttling: token buckets per (subscription, principal, kind).

Azure Resource Manager's documented shape: reads 250 tokens refilled at 25/s, writes
200 at 10/s, deletes 200 at 10/s, all scaled by ``config.throttle_scale`` (0 turns
throttling off). Buckets are documents (collection ``throttle``), so several server
processes on one state dir share them. An empty bucket answers 429
``SubscriptionRequestsThrottled`` with ``Retry-After`` = seconds until a token is back.

Not simulated: tenant-level and per-resource-provider limits, regional instances
(real ARM counts per region instance, so real remaining counts jump around).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .cloud import Cloud

COLLECTION = "throttle"
LIMITS = {"read": (250.0, 25.0), "write": (200.0, 10.0), "delete": (200.0, 10.0)}
HEADER = {
    "read": "x-ms-ratelimit-remaining-subscription-reads",
    "write": "x-ms-ratelimit-remaining-subscription-writes",
    "delete": "x-ms-ratelimit-remaining-subscription-deletes",
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: int  # seconds until a token is available (>= 1 when refused)
    header: str  # which x-ms-ratelimit-remaining-subscription-* header carries remaining


def take(cloud: Cloud, subscription: str, principal: str, kind: str) -> Decision:
    """Take one token from the bucket for this request (persisted in one transaction)."""
    capacity, rate = LIMITS.get(kind, LIMITS["read"])
    scale = float(cloud.config.throttle_scale)
    header = HEADER.get(kind, HEADER["read"])
    if scale <= 0:
        return Decision(True, int(capacity), 0, header)
    capacity, rate = max(1.0, capacity * scale), rate * scale
    key = f"{subscription or '-'}/{principal or '-'}/{kind}"
    with cloud.store.tx():
        bucket = cloud.store.doc_get(COLLECTION, key) or {"tokens": capacity, "at": cloud.now()}
        now = cloud.now()
        tokens = min(capacity, float(bucket["tokens"]) + max(0.0, now - bucket["at"]) * rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        cloud.store.doc_put(COLLECTION, key, {"tokens": tokens, "at": now})
    retry_after = 0 if allowed else max(1, math.ceil((1.0 - tokens) / rate))
    return Decision(allowed, int(tokens), retry_after, header)
