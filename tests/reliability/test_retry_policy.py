"""One retry policy — Retry-After honoured, backoff, bounded, deadline, only
idempotent calls, expired tokens renewed."""

from __future__ import annotations

import datetime as dt
import email.utils
import itertools
import math
import time
from collections.abc import Callable
from typing import Any

import pytest
from azure.core import PipelineClient
from azure.core.credentials import AccessToken
from azure.core.rest import HttpRequest
from rel_lab import Scripted, arm_session

from cmgdeploy.domain.errors import AzureError
from cmgdeploy.services.azure.retry import (
    RETRY_COUNTS,
    RetryPolicy,
    RetrySettings,
    operation_deadline,
)
from mocks import LocalAzure
from mocks.core import requestlog

Factory = Callable[..., LocalAzure]
FAST = RetrySettings(backoff_first=0.1, backoff_max=0.4, call_deadline=30)


def client(url: str, settings: RetrySettings = FAST) -> PipelineClient:
    return PipelineClient(url, policies=[RetryPolicy(settings)])


def send(scripted: Scripted, method: str = "GET", path: str = "/x", **settings: Any) -> int:
    with client(scripted.url, RetrySettings(**{**FAST.__dict__, **settings})) as c:
        return int(c.send_request(HttpRequest(method, scripted.url + path)).status_code)


def gaps(scripted: Scripted) -> list[float]:
    times = [t for t, _, _ in scripted.hits]
    return [b - a for a, b in itertools.pairwise(times)]


def log_time(entry: dict[str, Any]) -> float:
    return dt.datetime.fromisoformat(entry["time"]).timestamp()


# -- against the local Azure ----------------------------------------------------------------
def test_throttled_scope_sees_no_request_before_retry_after(local_azure_factory: Factory) -> None:
    """Sustained 429 with Retry-After: 5 on a scope → next request ≥ 5 s later."""
    az = local_azure_factory()
    session = arm_session(az)
    session.ensure_group("throttled-rg", "westeurope", {})
    prefix = f"/subscriptions/{az.identity.subscription_id}/resourcegroups/throttled-rg"
    az.cloud.faults.set(
        {
            "targeted": [
                {"kind": "throttle", "scope_prefix": prefix, "retry_after": 5, "duration": 6}
            ]
        }
    )
    start = len(requestlog.read(az.state_dir))
    group = session.get_group("throttled-rg")
    assert group is not None and group.name == "throttled-rg"
    hits = [e for e in requestlog.read(az.state_dir, start) if e["path"].lower().startswith(prefix)]
    throttled = [e for e in hits if e["status"] == 429]
    assert throttled and hits[-1]["status"] == 200
    for before, after in itertools.pairwise(hits):
        if before["status"] == 429:
            assert log_time(after) - log_time(before) >= 5.0 - 0.01  # ms rounding of the log


def test_503_500_and_resets_are_retried_to_success(local_azure_factory: Factory) -> None:
    faults = {"seed": 5, "p500": 0.15, "p503": 0.1, "preset": 0.15, "scope": "all"}
    az = local_azure_factory(faults=faults)
    session = arm_session(az)
    before = RETRY_COUNTS.copy()
    for _ in range(12):
        assert session.list_locations()
    injected = az.cloud.faults.counters()
    assert injected.get("500", 0) + injected.get("503", 0) + injected.get("reset", 0) >= 3
    retried = RETRY_COUNTS - before
    assert retried["500"] == injected.get("500", 0)
    assert retried["reset"] == injected.get("reset", 0)


def test_expired_token_mid_poll_gets_a_fresh_token(local_azure_factory: Factory) -> None:
    """ARM's 401 ExpiredAuthenticationToken (clock skew, early expiry) → new token, retry."""
    az = local_azure_factory(token_lifetime=1)
    real = arm_session(az).credential
    stale = real.get_token(az.url + "/.default")
    while time.time() < stale.expires_on + 1:  # until the server sees it expired
        time.sleep(0.05)
    az.cloud.faults.set({"token_lifetime": 3600})

    class SkewedCredential:
        """Hands out the expired token as if it were valid for an hour, once."""

        def __init__(self) -> None:
            self.calls = 0

        def get_token(self, *scopes: str, **kw: Any) -> AccessToken:
            self.calls += 1
            if self.calls == 1:
                return AccessToken(stale.token, int(time.time()) + 3600)
            return real.get_token(*scopes, **kw)

    skewed = SkewedCredential()
    session = arm_session(az, credential=skewed)
    start = len(requestlog.read(az.state_dir))
    assert session.get_subscription().subscription_id == az.identity.subscription_id
    statuses = [
        e["status"] for e in requestlog.read(az.state_dir, start) if "/subscriptions/" in e["path"]
    ]
    assert statuses == [401, 200] and skewed.calls == 2


def test_gives_up_with_azures_error_after_bounded_retries(local_azure_factory: Factory) -> None:
    az = local_azure_factory()
    session = arm_session(az)
    session.retry_settings = FAST
    session.list_locations()  # signed in before the faults start
    az.cloud.faults.set({"p500": 1.0, "scope": "all"})
    start = len(requestlog.read(az.state_dir))
    with pytest.raises(AzureError) as err:
        session.list_locations()
    assert err.value.code == "InternalServerError"
    attempts = [e for e in requestlog.read(az.state_dir, start) if e["path"].endswith("/locations")]
    assert len(attempts) == 1 + FAST.max_error_retries


# -- answers the local Azure does not give -------------------------------------------------
def test_429_without_retry_after_backs_off_exponentially(scripted_server: Any) -> None:
    scripted = scripted_server([(429, {}), (429, {}), (429, {}), (200, {})])
    assert send(scripted, backoff_first=0.2, backoff_max=5) == 200
    waits = gaps(scripted)
    assert len(waits) == 3
    # full jitter in [ceiling/2, ceiling], ceiling 0.2, 0.4, 0.8
    assert waits[0] >= 0.1 and waits[1] >= 0.2 and waits[2] >= 0.4
    assert waits[2] > waits[0]


def test_retry_after_as_http_date_is_honoured(scripted_server: Any) -> None:
    # A whole second at least 2 s away (an HTTP date has whole-second precision, and
    # rounding down could bring it within a loaded machine's scheduling delay of now).
    when = email.utils.formatdate(math.ceil(time.time()) + 2, usegmt=True)
    scripted = scripted_server([(503, {"Retry-After": when}), (200, {})])
    assert send(scripted) == 200
    assert gaps(scripted)[0] >= 1.0


@pytest.mark.parametrize("status", [500, 502, 504])
def test_server_errors_retried_a_bounded_number_of_times(scripted_server: Any, status: int) -> None:
    scripted = scripted_server([(status, {})])
    assert send(scripted, max_error_retries=3) == status
    assert len(scripted.hits) == 4


def test_non_idempotent_post_is_sent_once(scripted_server: Any) -> None:
    scripted = scripted_server([(503, {"Retry-After": "0"}), (200, {})])
    assert send(scripted, "POST", "/subscriptions/s/providers/X/doSomething") == 503
    assert len(scripted.hits) == 1
    safe = scripted_server([(503, {"Retry-After": "0"}), (200, {})])
    assert send(safe, "POST", "/subscriptions/s/providers/X/checkNameAvailability") == 200
    assert len(safe.hits) == 2


def test_call_deadline_stops_retrying(scripted_server: Any) -> None:
    scripted = scripted_server([(429, {"Retry-After": "1"})])
    started = time.monotonic()
    assert send(scripted, call_deadline=2.5) == 429
    assert time.monotonic() - started < 2.5
    assert 2 <= len(scripted.hits) <= 3


def test_operation_deadline_caps_every_call(scripted_server: Any) -> None:
    scripted = scripted_server([(429, {"Retry-After": "3"})])
    started = time.monotonic()
    with operation_deadline(1.0):
        assert send(scripted) == 429
    assert time.monotonic() - started < 1.0 and len(scripted.hits) == 1


def test_connection_refused_is_retried_then_raised() -> None:
    from azure.core.exceptions import ServiceRequestError

    with client("http://127.0.0.1:9", FAST) as c:  # discard port: nothing listens
        before = RETRY_COUNTS["reset"]
        with pytest.raises(ServiceRequestError):
            c.send_request(HttpRequest("GET", "http://127.0.0.1:9/x"))
    assert RETRY_COUNTS["reset"] - before == FAST.max_error_retries
