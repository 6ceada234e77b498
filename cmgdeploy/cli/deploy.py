"""The commands of one CMG's life: ``up``, ``plan``, ``status``, ``scale``, ``down``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import typer

from cmgdeploy.cli.app import app
from cmgdeploy.cli.harness import run
from cmgdeploy.cli.options import (
    NAME,
    NO_WAIT,
    TIMEOUT,
    WAIT_LOCK,
    YES,
    load_spec,
    name_of,
    spec_command,
)
from cmgdeploy.cli.session import Session, is_tty, secret_prompt
from cmgdeploy.domain.errors import UsageError


@app.command(cls=spec_command("up", before="yes"))
def up(
    ctx: typer.Context,
    yes: bool = YES,
    no_wait: bool = NO_WAIT,
    timeout: float = TIMEOUT,
    wait_lock: bool = WAIT_LOCK,
) -> None:
    """Deploy the CMG (preflight, deploy, register the site, wait until Ready)."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.up import up as do_up

        spec = load_spec(s)
        with s.op_context(yes=yes, timeout=timeout, no_wait=no_wait, wait_lock=wait_lock) as op:
            return do_up(op, spec)

    run(ctx, "up", body)


@app.command(cls=spec_command("plan", before="timeout"))
def plan(ctx: typer.Context, timeout: float = TIMEOUT) -> None:
    """Show what `up` would change (ARM what-if + site database diff); writes nothing."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.plan import plan as do_plan

        spec = load_spec(s)
        with s.op_context(timeout=timeout) as op:
            return do_plan(op, spec)

    run(ctx, "plan", body)


@app.command()
def status(
    ctx: typer.Context,
    name: str = NAME,
    watch: bool = typer.Option(False, "--watch", help="Keep reading until Ready or Error."),
    timeout: float = TIMEOUT,
) -> None:
    """Show the CMG's state in Azure and in the site database."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.status import status as do_status

        cmg = name_of(s)
        with s.op_context(timeout=timeout) as op:
            # Watching is what the command is for: its lines show even when not at a terminal.
            watching = functools.partial(s.state.renderer.progress, always=True)
            return do_status(op, cmg, watch=watch, on_update=_on_change(watching))

    run(ctx, "status", body, flags={"name": name})


def _on_change(progress: Callable[[str], None]) -> Callable[[Any], None]:
    """``status --watch``: a progress line only when the state or what it waits on
    changes (the renderer adds the elapsed time)."""
    last: list[str] = []

    def report(status: Any) -> None:
        line = f"{status.name}: {status.state}; waiting on {status.waiting_on()}"
        if not last or last[-1] != line:
            last.append(line)
            progress(line)

    return report


@app.command()
def scale(
    ctx: typer.Context,
    name: str = NAME,
    instances: int = typer.Option(..., "--instances", help="New instance count, 1–16."),
    yes: bool = YES,
    no_wait: bool = NO_WAIT,
    timeout: float = TIMEOUT,
    wait_lock: bool = WAIT_LOCK,
) -> None:
    """Change the instance count through the same template, and wait.

    Everything else comes from the inputs `up` kept for this CMG: CMGDEPLOY_*
    variables and the config file do not change a scaled CMG (only
    CMGDEPLOY_SERVER_CERT_PASSWORD is read, or asked for at a terminal)."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.scale import scale as do_scale
        from cmgdeploy.domain.validate import instances as check_instances

        cmg = name_of(s)
        check_instances(instances, "--instances")  # before anything touches Azure
        password = s.settings.value("server_cert_password")
        with s.op_context(yes=yes, timeout=timeout, no_wait=no_wait, wait_lock=wait_lock) as op:
            return do_scale(op, cmg, instances, password, password_prompt=secret_prompt())

    run(ctx, "scale", body, flags={"name": name})


@app.command()
def down(
    ctx: typer.Context,
    name: str = NAME,
    yes: bool = YES,
    timeout: float = TIMEOUT,
    wait_lock: bool = WAIT_LOCK,
) -> None:
    """Delete what cmgdeploy created for the CMG, and its site records."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.down import down as do_down

        cmg = name_of(s)
        if not yes and not is_tty():
            raise UsageError("down deletes Azure resources: pass --yes when not at a terminal")
        with s.op_context(yes=yes, timeout=timeout, wait_lock=wait_lock) as op:
            return do_down(op, cmg)

    run(ctx, "down", body, flags={"name": name})
