"""Work done during a long wait on the server: it runs once, and the wait still ends when
it would have without it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from cmgdeploy.services import warmup


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def _no_leftover_work() -> None:
    warmup._PENDING.clear()


def _ctx(clock: FakeClock) -> SimpleNamespace:
    return SimpleNamespace(clock=clock.clock, sleep=clock.sleep)


def test_a_long_wait_does_the_work_and_sleeps_only_what_is_left() -> None:
    clock = FakeClock()
    done: list[str] = []

    def work() -> None:
        done.append("imported")
        clock.now += 0.3  # the work takes 0.3 s of the 1 s wait

    warmup.later("sdk", work)
    warmup.later("sdk", lambda: done.append("twice"))  # one per key
    warmup.pause(_ctx(clock), 1.0)
    assert done == ["imported"]
    assert clock.slept == [pytest.approx(0.7)]
    assert clock.now == pytest.approx(101.0)  # the poll happens when the server said
    assert warmup.pending() == []
    warmup.pause(_ctx(clock), 1.0)  # nothing left: a plain sleep
    assert done == ["imported"] and clock.slept[-1] == 1.0


def test_a_short_wait_carries_no_work() -> None:
    clock = FakeClock()
    warmup.later("sdk", lambda: None)
    warmup.pause(_ctx(clock), warmup.MIN_WAIT / 2)
    assert warmup.pending() == ["sdk"]
    assert clock.slept == [warmup.MIN_WAIT / 2]


def test_work_that_fails_is_dropped_and_the_wait_goes_on() -> None:
    clock = FakeClock()

    def broken() -> None:
        raise ImportError("no such module")

    warmup.later("broken", broken)
    warmup.pause(_ctx(clock), 1.0)
    assert warmup.pending() == [] and clock.slept == [1.0]


def test_work_longer_than_the_wait_leaves_no_sleep() -> None:
    clock = FakeClock()

    def slow() -> None:
        clock.now += 2.0

    warmup.later("slow", slow)
    warmup.pause(_ctx(clock), 1.0)
    assert clock.slept == [0.0]
