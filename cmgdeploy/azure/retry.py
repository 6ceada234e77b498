"""Who retries what (the one place that decides; see docs/ARCHITECTURE.md).

* One HTTP call: azure-core's RetryPolicy inside every SDK client (429/408/5xx and
  connection resets, honouring ``Retry-After``). We do not wrap those calls again, so
  retries never multiply.
* Waiting for a long operation: our polling loop (``ops/progress.py``) sleeps for the
  server's ``Retry-After`` when given, else :func:`poll_delay`'s growing interval, and
  stops at the operation's deadline.
* Idempotent reads that can transiently 404 right after a write (ARM's
  ``DeploymentNotFound`` just after the PUT): :func:`read_after_write` retries them a
  bounded number of times (tenacity). Issue 5 extends this module.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

FIRST_POLL_DELAY = 0.2  # seconds; the local Azure provisions in well under a second
MAX_POLL_DELAY = 10.0  # real ARM asks for 5-15 s between polls
POLL_GROWTH = 1.5


def poll_delay(attempt: int, retry_after: float | None, remaining: float) -> float:
    """Seconds to wait before poll number ``attempt`` (0-based), never past the deadline."""
    if retry_after is not None:
        delay = retry_after
    else:
        delay = min(MAX_POLL_DELAY, FIRST_POLL_DELAY * POLL_GROWTH**attempt)
        delay *= 1 + random.uniform(0, 0.1)  # jitter: parallel runs do not poll in step
    return max(0.0, min(delay, remaining))


def read_after_write(fn: Callable[[], T | None], attempts: int = 5) -> T | None:
    """Call ``fn`` until it returns something (ARM's read-your-write gap), bounded."""
    from tenacity import retry, retry_if_result, stop_after_attempt, wait_exponential

    retrying = retry(
        retry=retry_if_result(lambda value: value is None),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=0.2, max=2),
        retry_error_callback=lambda state: None,
        reraise=True,
    )
    return retrying(fn)()
