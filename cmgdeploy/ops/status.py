"""``cmgdeploy status [--watch]``: Azure's and the site database's view of one CMG."""

from __future__ import annotations

from collections.abc import Callable

from ..azure.retry import poll_delay
from ..results import CmgStatus
from .cmgstate import not_found, read_status
from .context import OpContext, open_session
from .progress import Deadline


def status(
    ctx: OpContext,
    name: str,
    *,
    watch: bool = False,
    on_update: Callable[[CmgStatus], None] | None = None,
) -> CmgStatus:
    """The CMG's overall state; with ``watch``, re-read until Ready/Error/NotFound."""
    svc = ctx.db.get_service(name)
    if svc is None:
        return not_found(ctx, name)
    session = open_session(ctx, svc.subscription)
    try:
        current = read_status(ctx, session, svc)
        deadline, attempt = Deadline(ctx, name), 0
        while watch and current.state not in ("Ready", "Error", "NotFound"):
            if on_update:
                on_update(current)
            deadline.check()
            ctx.sleep(poll_delay(attempt, None, deadline.remaining()))
            attempt += 1
            current = read_status(ctx, session, svc)
        return current
    finally:
        session.close()
