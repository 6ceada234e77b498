"""``cmgdeploy status [--watch]``: Azure's and the site database's view of one CMG."""

from __future__ import annotations

from collections.abc import Callable

from cmgdeploy.domain.results import CmgStatus
from cmgdeploy.services.azure.retry import poll_delay
from cmgdeploy.services.cmgstate import SETTLED_STATES, find_in_azure, not_found, read_status
from cmgdeploy.services.context import OpContext, open_session
from cmgdeploy.services.observed import record_status
from cmgdeploy.services.progress import Deadline


def status(
    ctx: OpContext,
    name: str,
    *,
    watch: bool = False,
    on_update: Callable[[CmgStatus], None] | None = None,
) -> CmgStatus:
    """The CMG's overall state; with ``watch``, re-read until it settles (Ready, Error,
    Incomplete, NotFound). A CMG the site database does not know is looked up in Azure
    (by its tag or default group), so another machine's CMG is still seen."""
    svc = ctx.db.get_service(name)
    with open_session(ctx, svc.subscription if svc else None) as session:
        svc = svc or find_in_azure(ctx, session, name)
        if svc is None:
            return not_found(ctx, name)
        current = read_status(ctx, session, svc)
        record_status(ctx, current)  # the site database follows what Azure showed
        deadline, attempt = Deadline(ctx, name), 0
        while watch and current.state not in SETTLED_STATES:
            if on_update:
                on_update(current)
            deadline.check()
            ctx.sleep(poll_delay(attempt, None, deadline.remaining()))
            seen, current = _progress(current), read_status(ctx, session, svc)
            # While something moves, the next look comes soon again (the backoff starts
            # over), so a watcher sees each resource's step; while nothing moves, it grows.
            attempt = 0 if _progress(current) != seen else attempt + 1
            record_status(ctx, current)
        return current


def _progress(current: CmgStatus) -> tuple[object, ...]:
    """What a watcher sees change: the states of the CMG, its deployment, scale set,
    instances and resources."""
    return (current.state, current.deployment_state, current.vmss_state,
            current.instance_states, current.resources)  # fmt: skip
