"""``auth check``: sign in and show who cmgdeploy is."""

from __future__ import annotations

from typing import Any

import typer

from cmgdeploy.cli.app import auth_app
from cmgdeploy.cli.harness import run
from cmgdeploy.cli.options import SUB
from cmgdeploy.cli.session import Session


@auth_app.command("check")
def auth_check(ctx: typer.Context, subscription: str = SUB) -> None:
    """Sign in and show tenant, subscription and principal (no secret shown)."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.auth_check import auth_check as do_check
        from cmgdeploy.domain.validate import guid

        if subscription is not None:
            guid(subscription, "--subscription")  # before anything touches Azure
        with s.op_context() as op:
            return do_check(op, subscription)

    run(ctx, "auth check", body)
