"""``classic``: classic (cloud service) CMGs through Service Management."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import typer

from cmgdeploy.cli.app import classic_app
from cmgdeploy.cli.harness import run
from cmgdeploy.cli.options import option
from cmgdeploy.cli.session import Session

MGMT_CERT = option("management_cert", "classic")
CLASSIC_SUB = option("subscription", "classic")


@contextlib.contextmanager
def _classic_client(s: Session) -> Iterator[Any]:
    from cmgdeploy.commands.classic import classic_subscription, open_classic_client
    from cmgdeploy.services.config import management_cert_settings

    with s.op_context() as op:
        sub = classic_subscription(op, s.settings.get("subscription"))
        with open_classic_client(op, management_cert_settings(s.settings), sub) as client:
            yield client


@classic_app.command("list")
def classic_list(
    ctx: typer.Context, management_cert: str = MGMT_CERT, subscription: str = CLASSIC_SUB
) -> None:
    """List classic cloud services (Service Management)."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.classic import list_classic

        with _classic_client(s) as client:
            return list_classic(client)

    given = {"management_cert": management_cert, "subscription": subscription}
    run(ctx, "classic list", body, flags=given)


@classic_app.command("show")
def classic_show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Cloud service name."),
    management_cert: str = MGMT_CERT,
    subscription: str = CLASSIC_SUB,
) -> None:
    """Show one classic cloud service with its role instances."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.classic import show_classic
        from cmgdeploy.domain.validate import classic_service_name

        service = classic_service_name(name, "name")  # before anything touches Azure
        with _classic_client(s) as client:
            return show_classic(client, service)

    given = {"management_cert": management_cert, "subscription": subscription}
    run(ctx, "classic show", body, flags=given)
