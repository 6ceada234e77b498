"""What every operation needs: the environment, the site database, sign-in, callbacks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AuthError, UsageError, Warnings
from ..local import ResolvedEnvironment
from ..sitedb import SiteDB


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
    auth: Any = None  # AuthSettings (method, tenant_id, client_id, secret/cert...)
    progress: Callable[[str], None] = _discard
    confirm: Callable[[str], bool] = _always
    warnings: Warnings = field(default_factory=Warnings)
    timeout: float = 3600.0
    no_wait: bool = False
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep


def open_session(ctx: OpContext, subscription: str | None) -> Any:
    """Sign in and return an ArmSession on ``subscription`` (or the only/default one)."""
    from ..azure.arm import ArmSession
    from ..azure.auth import get_token, make_credential

    credential = make_credential(ctx.env, ctx.auth)
    get_token(credential, ctx.env)  # a wrong secret fails here, with Entra's message
    chosen = subscription or getattr(ctx.auth, "subscription_id", None) or ctx.env.subscription_id
    session = ArmSession(ctx.env, credential, chosen or "")
    if not chosen:
        session.use_subscription(_only_subscription(session))
    return session


def _only_subscription(session: Any) -> str:
    subs = [s.get("subscriptionId", "") for s in session.list_subscriptions()]
    if not subs:
        raise AuthError("the signed-in principal sees no subscription", code="NoSubscription")
    if len(subs) > 1:
        raise UsageError(
            f"the principal sees {len(subs)} subscriptions; choose one with --subscription",
            hint="subscriptions: " + ", ".join(subs),
        )
    return str(subs[0])
