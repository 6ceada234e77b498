"""Work a command will need later, done while it waits on the server anyway.

A command that follows a deployment sleeps the server's ``Retry-After`` (a second or
more on a deployment PUT). Imports the rest of the run needs — the Blob SDK for the
package upload after the storage stage, the text renderer for the result — are
registered here with :func:`later` and run at the start of such a wait by
:func:`pause`, which then sleeps only what is left of it: the poll still happens when
the server said, and the work no longer adds to the command's time.

Only waits of at least :data:`MIN_WAIT` seconds carry work: the pieces are imports of
a tenth of a second or so, which fit in such a wait; a short poll interval is left
alone.
Each piece runs once per process; one that fails is dropped (the code that needs it
imports it again and reports the error there).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cmgdeploy.services.context import OpContext

MIN_WAIT = 0.5  # seconds: a wait shorter than this carries no work

_LOCK = threading.Lock()
_PENDING: dict[str, Callable[[], Any]] = {}


def later(key: str, work: Callable[[], Any]) -> None:
    """Run ``work`` during the next long wait (once per ``key`` and process)."""
    with _LOCK:
        _PENDING.setdefault(key, work)


def pending() -> list[str]:
    """The keys of the work not done yet (for tests and diagnostics)."""
    with _LOCK:
        return list(_PENDING)


def pause(ctx: OpContext, seconds: float) -> None:
    """Sleep ``seconds`` on ``ctx``'s clock, doing the pending work first when the wait is
    long enough; the sleep ends when it would have without the work."""
    if seconds >= MIN_WAIT:
        wake = ctx.clock() + seconds
        _run_pending()
        seconds = max(0.0, wake - ctx.clock())
    ctx.sleep(seconds)


def _run_pending() -> None:
    while True:
        with _LOCK:
            if not _PENDING:
                return
            key = next(iter(_PENDING))
            work = _PENDING.pop(key)
        with contextlib.suppress(Exception):  # the code that needs it imports it again
            work()
