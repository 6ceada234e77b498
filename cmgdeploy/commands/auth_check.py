"""``cmgdeploy auth check``: sign in and show tenant, subscription and principal."""

from __future__ import annotations

from cmgdeploy.domain.results import AuthCheckResult
from cmgdeploy.services.context import OpContext, open_session


def auth_check(ctx: OpContext, subscription: str | None = None) -> AuthCheckResult:
    """Sign in with the configured method; no secret or token in the result."""
    from cmgdeploy.services.azure.auth import who_am_i

    with open_session(ctx, subscription) as session:
        me = who_am_i(session.credential, ctx.env)
        sub = session.get_subscription()
    return AuthCheckResult(
        environment=ctx.env.name,
        tenant_id=me.tenant_id or sub.tenant_id,
        subscription_id=session.subscription_id,
        subscription_name=sub.display_name,
        principal=me.principal,
        principal_type=me.principal_type,
        token_expires_on=me.expires_on,
    )
