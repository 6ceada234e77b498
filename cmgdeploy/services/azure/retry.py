"""Who retries what: the one retry policy of cmgdeploy (see docs/ARCHITECTURE.md).

* **One HTTP call** — :class:`RetryPolicy`, a retry loop inside every azure-core
  pipeline we build (the Resource Manager clients *and* the credentials' token
  requests). It replaces azure-core's own RetryPolicy (never stacked on it), so one
  failed request is retried by exactly one layer:

  - 429 and 503 wait for ``Retry-After`` (delta-seconds or HTTP date), else back off
    exponentially with full jitter (up to :attr:`RetrySettings.max_throttle_retries`);
  - 500/502/504/408 and connection resets/timeouts: jittered exponential backoff, at
    most :attr:`RetrySettings.max_error_retries` times;
  - 401 whose ``WWW-Authenticate`` says ``invalid_token`` (ARM's
    ``ExpiredAuthenticationToken``): azure-core's auth policy has dropped its token by
    then, so the retry carries a fresh one (at most ``max_token_retries``);
  - never beyond the deadline: the call's own (:attr:`RetrySettings.call_deadline`) or
    the operation's (:func:`operation_deadline`, set from ``--timeout``), whichever is
    first. A wait that would cross it is not started; the last answer is returned.

  Only idempotent requests are retried: GET/HEAD/PUT/DELETE/OPTIONS (an ARM PUT of the
  same body to the same id converges; DELETE by id of a gone resource is 204/404) and
  the POSTs in :data:`SAFE_POST_SUFFIXES` (name checks, what-if, validate, provider
  registration, Key Vault purge (a repeat finds nothing: 404), Entra token requests:
  repeating them creates nothing). Any other POST
  is sent once.
* **Waiting for a long operation** — our polling loop (``services/progress.py``) sleeps for
  the server's ``Retry-After`` when given, else :func:`poll_delay`'s growing interval,
  and stops at the operation's deadline (exit 4).
* **Read-your-write gaps** (``DeploymentNotFound`` just after the PUT): the deployment
  poll reads a missing deployment as ``Accepted`` and polls again, until the deadline.

Every retry is logged at DEBUG on the ``cmgdeploy.retry`` logger (method, path, cause,
wait; never headers or bodies) and counted in :data:`RETRY_COUNTS`.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

LOG = logging.getLogger("cmgdeploy.retry")

FIRST_POLL_DELAY = 0.2  # seconds; the local Azure provisions in well under a second
MAX_POLL_DELAY = 10.0  # real ARM asks for 5-15 s between polls
POLL_GROWTH = 1.5

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
SAFE_POST_SUFFIXES = (
    "/checknameavailability",
    "/whatif",
    "/validate",
    "/register",
    "/purge",  # purge of a soft-deleted vault: a repeat answers 404, which is "done"
    "/listkeys",  # a storage account's keys: reads only
    "/oauth2/v2.0/token",
    "/oauth2/token",
    "/oauth2/v2.0/devicecode",
)
THROTTLED = frozenset({429, 503})
TRANSIENT = frozenset({408, 500, 502, 504})

# Retries made by this process, by cause ("429", "503", "500", "reset", "token", ...).
RETRY_COUNTS: Counter[str] = Counter()
_COUNT_LOCK = threading.Lock()
_OPERATION_END: list[float] = []  # stack of monotonic deadlines (innermost last)


@dataclass(frozen=True)
class RetrySettings:
    """Bounds of :class:`RetryPolicy` (defaults suit real ARM; tests shrink them)."""

    max_throttle_retries: int = 10
    max_error_retries: int = 4
    max_token_retries: int = 2
    backoff_first: float = 0.5
    backoff_max: float = 30.0
    call_deadline: float = 600.0


# -- operation deadline ---------------------------------------------------------------
@contextlib.contextmanager
def operation_deadline(seconds: float) -> Iterator[None]:
    """Within this block no HTTP retry waits past ``seconds`` from now."""
    _OPERATION_END.append(time.monotonic() + seconds)
    try:
        yield
    finally:
        _OPERATION_END.pop()


def operation_remaining() -> float | None:
    """Seconds left of the innermost :func:`operation_deadline`, or None outside one."""
    return _OPERATION_END[-1] - time.monotonic() if _OPERATION_END else None


def _deadline(call_seconds: float) -> float:
    end = time.monotonic() + call_seconds
    return min([end, *_OPERATION_END])


# -- classification -------------------------------------------------------------------
def is_idempotent(method: str, url: str) -> bool:
    """Whether repeating this request is safe (see the module docstring)."""
    method = method.upper()
    if method in IDEMPOTENT_METHODS:
        return True
    path = urlparse(url).path.lower().rstrip("/")
    return method == "POST" and path.endswith(SAFE_POST_SUFFIXES)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when - time.time())


def response_cause(status: int, headers: Any) -> str | None:
    """Why an answer should be retried ("429", "500", "token", ...), or None."""
    if status in THROTTLED or status in TRANSIENT:
        return str(status)
    if status == 401 and "invalid_token" in str(headers.get("WWW-Authenticate") or ""):
        return "token"
    return None


def exception_cause(exc: BaseException) -> str | None:
    """ "reset" for a connection error azure-core raises, else None."""
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError

    return "reset" if isinstance(exc, ServiceRequestError | ServiceResponseError) else None


class _RetryableAnswer(Exception):
    """Carries a retryable response through the retry loop (never leaves this module)."""

    def __init__(self, response: Any, cause: str) -> None:
        super().__init__(cause)
        self.response = response
        self.cause = cause


def _cause(state: Any) -> str:
    exc = state.outcome.exception()
    if isinstance(exc, _RetryableAnswer):
        return exc.cause
    return exception_cause(exc) or "error"


def _retry_after(state: Any) -> float | None:
    exc = state.outcome.exception()
    if isinstance(exc, _RetryableAnswer):
        return parse_retry_after(exc.response.http_response.headers.get("Retry-After"))
    return None


# -- the policy -----------------------------------------------------------------------
class _Budget:
    """Waits and stop rule of one call's retries (called with the loop's :class:`_State`)."""

    def __init__(
        self, settings: RetrySettings, method: str, path: str, timeout: float | None = None
    ) -> None:
        self.settings = settings
        self.method = method
        self.path = path
        seconds = (
            settings.call_deadline if timeout is None else min(timeout, settings.call_deadline)
        )
        self.end = _deadline(seconds)
        self.counts: Counter[str] = Counter()

    def wait(self, state: Any) -> float:
        cause = _cause(state)
        self.counts[cause] += 1
        if cause == "token":
            return 0.0
        retry_after = _retry_after(state)
        if retry_after is not None and cause in ("429", "503"):
            return retry_after
        ceiling = min(
            self.settings.backoff_max, self.settings.backoff_first * 2 ** (self.counts[cause] - 1)
        )
        return random.uniform(ceiling / 2, ceiling)  # jitter: clients do not retry in step

    def stop(self, state: Any) -> bool:
        cause = _cause(state)
        if self.counts[cause] > self._limit(cause):
            return True
        return bool(time.monotonic() + state.upcoming_sleep > self.end)

    def _limit(self, cause: str) -> int:
        if cause in ("429", "503"):
            return self.settings.max_throttle_retries
        if cause == "token":
            return self.settings.max_token_retries
        return self.settings.max_error_retries

    def log(self, state: Any) -> None:
        record_retry(
            state.attempt_number, self.method, self.path, _cause(state), state.upcoming_sleep
        )


def record_retry(attempt: int, method: str, path: str, cause: str, wait: float) -> None:
    """Count and log (DEBUG, ``cmgdeploy.retry``) one retry; other clients use it too."""
    with _COUNT_LOCK:
        RETRY_COUNTS[cause] += 1
    LOG.debug("retry %d of %s %s after %s, waiting %.2f s", attempt, method, path, cause, wait)


def _give_up(state: Any) -> Any:
    """After the last attempt: the last answer as is (the SDK raises its error)."""
    exc = state.outcome.exception()
    if isinstance(exc, _RetryableAnswer):
        return exc.response
    raise exc


class _Outcome:
    """The failure of one attempt."""

    def __init__(self, exc: BaseException) -> None:
        self._exc = exc

    def exception(self) -> BaseException:
        return self._exc


class _State:
    """Where one call's retries stand: attempt number, last failure, the next wait."""

    def __init__(self) -> None:
        self.attempt_number = 0
        self.outcome: _Outcome | None = None
        self.upcoming_sleep = 0.0


class RetryPolicy:
    """An azure-core pipeline policy (duck-typed ``next``/``send``): cmgdeploy's retries.

    Use it in place of azure-core's RetryPolicy: ``retry_policy=RetryPolicy()`` for the
    management clients, ``retry_policy_class=RetryPolicy`` for azure-identity
    credentials (which pass their own keyword arguments, ignored here).
    """

    next: Any

    def __init__(
        self,
        settings: RetrySettings | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **_: Any,
    ) -> None:
        self.settings = settings or RetrySettings()
        self.sleep = sleep

    def send(self, request: Any) -> Any:
        """Send ``request`` down the pipeline, retrying it as the module docstring says:
        after a retryable failure the wait is chosen, then the stop rule decides (give up:
        the last answer is returned, the last exception raised), else it sleeps and
        sends again."""
        http = request.http_request
        timeout = _take_retry_options(request.context.options)
        if not is_idempotent(http.method, http.url):
            return self.next.send(request)
        budget = _Budget(self.settings, http.method, urlparse(http.url).path, timeout)
        state = _State()
        while True:
            state.attempt_number += 1
            try:
                return self._attempt(request)
            except Exception as exc:
                if not _retryable(exc):
                    raise
                state.outcome = _Outcome(exc)
            state.upcoming_sleep = budget.wait(state)
            if budget.stop(state):
                return _give_up(state)
            budget.log(state)
            self.sleep(state.upcoming_sleep)

    def _attempt(self, request: Any) -> Any:
        response = self.next.send(request)
        http = response.http_response
        cause = response_cause(http.status_code, http.headers)
        if cause is not None:
            raise _RetryableAnswer(response, cause)
        return response


def _take_retry_options(options: dict[str, Any]) -> float | None:
    """Remove azure-core's per-request retry options (they are RetryPolicy's to consume;
    left in, they reach the transport); returns the call's ``timeout`` (total seconds)."""
    for key in [k for k in options if k.startswith("retry_")]:
        options.pop(key)
    timeout = options.pop("timeout", None)
    return float(timeout) if isinstance(timeout, int | float) else None


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, _RetryableAnswer) or exception_cause(exc) is not None


# -- polling and read-after-write -------------------------------------------------------
def poll_delay(attempt: int, retry_after: float | None, remaining: float) -> float:
    """Seconds to wait before poll number ``attempt`` (0-based), never past the deadline."""
    if retry_after is not None:
        delay = retry_after
    else:
        delay = min(MAX_POLL_DELAY, FIRST_POLL_DELAY * POLL_GROWTH**attempt)
        delay *= 1 + random.uniform(0, 0.1)  # jitter: parallel runs do not poll in step
    return max(0.0, min(delay, remaining))
