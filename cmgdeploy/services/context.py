"""What every operation needs: the environment, the site database, sign-in, callbacks."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from cmgdeploy.domain.errors import AuthError, UsageError, Warnings
from cmgdeploy.services.azure.api import ArmApi
from cmgdeploy.services.local import ResolvedEnvironment
from cmgdeploy.services.locks import CmgLock
from cmgdeploy.services.paths import lock_dir
from cmgdeploy.services.sitedb import SiteDB

if TYPE_CHECKING:
    from cmgdeploy.services.config import AuthSettings


def _always(_: str) -> bool:
    return True


def _discard(_: str) -> None:
    return None


@dataclass
class OpContext:
    """Inputs shared by all operations (the CLI builds one per command)."""

    env: ResolvedEnvironment
    db: SiteDB
    home: Path
    auth: AuthSettings | None = None  # sign-in method, tenant, client, secret/cert
    progress: Callable[[str], None] = _discard
    show_progress: bool = False  # progress lines are shown: worth reading per-resource state
    confirm: Callable[[str], bool] = _always
    interactive: bool = False  # a person at a terminal who will be asked (no --yes)
    warnings: Warnings = field(default_factory=Warnings)
    timeout: float = 3600.0
    no_wait: bool = False
    wait_lock: bool = False  # queue behind another run instead of exit 5 (--wait-lock)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    # Signed-in sessions shared by several CMGs of one run (a fleet): one token, one
    # connection pool; None: each operation signs in for itself.
    sessions: SessionPool | None = None


class SessionPool(Protocol):
    """Signed-in sessions a run shares between its operations (one per subscription);
    the run closes them at its end."""

    def get(self, ctx: OpContext, subscription: str | None) -> ArmApi: ...


@contextlib.contextmanager
def cmg_lock(ctx: OpContext, name: str, command: str) -> Iterator[CmgLock]:
    """Hold CMG ``name``'s lock (waiting up to ``ctx.timeout`` with ``--wait-lock``);
    a lock left by a run that died is taken over, with a warning naming that run."""

    def waiting(holder: dict[str, Any]) -> None:
        ctx.progress(
            f"waiting for the lock of CMG {name}: held by `{holder.get('command') or '?'}` "
            f"(pid {holder.get('pid') or '?'})"
        )

    with CmgLock(
        lock_dir(),
        name,
        wait=ctx.wait_lock,
        timeout=ctx.timeout,
        command=command,
        on_wait=waiting,
    ) as lock:
        dead = lock.previous_holder
        if dead:
            ctx.warnings.add(
                f"took over the lock of an earlier run that ended without releasing it "
                f"(pid {dead.get('pid')}, {dead.get('command') or 'unknown command'}, "
                f"started {dead.get('started')}); this run resumes its work"
            )
        yield lock


@contextlib.contextmanager
def open_session(ctx: OpContext, subscription: str | None) -> Iterator[ArmApi]:
    """Sign in and hold an ArmSession on ``subscription`` (or the only/default one) for
    the block, closing it (its clients and connections) at the end; in a fleet run,
    the run's shared session for that subscription (the run closes it)."""
    if ctx.sessions is not None:
        yield ctx.sessions.get(ctx, subscription)
        return
    from cmgdeploy.services.azure.arm import ArmSession
    from cmgdeploy.services.azure.auth import get_token, make_credential

    credential = make_credential(ctx.env, ctx.auth)
    get_token(credential, ctx.env)  # a wrong secret fails here, with Entra's message
    chosen = subscription or getattr(ctx.auth, "subscription_id", None) or ctx.env.subscription_id
    with ArmSession(ctx.env, credential, chosen or "") as session:
        if not chosen:
            session.use_subscription(_only_subscription(session))
        yield session


def _only_subscription(session: ArmApi) -> str:
    subs = [s.subscription_id for s in session.list_subscriptions()]
    if not subs:
        raise AuthError("the signed-in principal sees no subscription", code="NoSubscription")
    if len(subs) > 1:
        raise UsageError(
            f"the principal sees {len(subs)} subscriptions; choose one with --subscription",
            hint="subscriptions: " + ", ".join(subs),
        )
    return str(subs[0])
