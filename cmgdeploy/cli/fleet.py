"""The ``fleet`` commands: ``up``, ``status`` and ``scale`` for several CMGs in one run.

Parsing and rendering only: the work is
:mod:`cmgdeploy.commands.fleet`. Output: with ``-o json``, one JSON envelope per CMG, one
per line (JSON Lines), in the order given; in text, a table of the CMGs and each
failure on stderr. Exit 0 when every CMG succeeded, else the exit code of the first
that failed (2 for a bad fleet file: nothing is written to Azure then).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import typer

from cmgdeploy.cli.app import State, app, group
from cmgdeploy.cli.harness import run
from cmgdeploy.cli.options import NO_WAIT, TIMEOUT, WAIT_LOCK, YES
from cmgdeploy.cli.session import Session, confirmer, secret_prompt
from cmgdeploy.domain.errors import CmgError, ExitCode, Interrupted, UsageError

FLEET_EPILOG = """\b
Examples:
  cmgdeploy fleet up cmgs.toml --yes
  cmgdeploy -o json fleet status cmgs.toml
  cmgdeploy fleet status --name contosocmg1 --name contosocmg2
  cmgdeploy fleet scale --name contosocmg1 --name contosocmg2 --instances 2 --yes

\b
Fleet file (TOML): a [defaults] table with any setting of cmgdeploy.toml, and one
[[cmg]] table per CMG with its name and any setting to override:
  [defaults]
  region = "westeurope"
  site_code = "PS1"
  self_signed_cert = true
  connection_points = ["cp1.contoso.com"]
  [[cmg]]
  name = "contosocmg1"
  [[cmg]]
  name = "contosocmg2"
  instances = 2

\b
The CMGs run at the same time (--concurrency, default 8, at most 10) with one sign-in
and one connection pool. -o json prints one envelope per CMG per line. Exit 0 when all
succeeded, else the exit code of the first that failed."""

fleet_app = group("up, status and scale for several CMGs in one run (a fleet file or --name list).")
app.add_typer(fleet_app, name="fleet")

FILE = typer.Argument(None, help="Fleet file (TOML): [defaults] and one [[cmg]] per CMG.")
NAMES = typer.Option(None, "--name", help="A CMG (repeatable), instead of a fleet file.")
CONCURRENCY = typer.Option(8, "--concurrency", help="CMGs at a time, 1–10 (default 8).")


@fleet_app.command("up", epilog=FLEET_EPILOG)
def fleet_up(
    ctx: typer.Context,
    file: Path = FILE,
    concurrency: int = CONCURRENCY,
    yes: bool = YES,
    no_wait: bool = NO_WAIT,
    timeout: float = TIMEOUT,
    wait_lock: bool = WAIT_LOCK,
) -> None:
    """Deploy or converge every CMG of a fleet file (each as `cmgdeploy up` would)."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.fleet import check_concurrency, read_fleet, run_fleet
        from cmgdeploy.commands.up import up as do_up
        from cmgdeploy.services.config import resolve_settings
        from cmgdeploy.services.spec import spec_from

        if file is None:
            raise UsageError("give the fleet file", hint="see `cmgdeploy fleet up --help`")
        workers = check_concurrency(concurrency)
        prompt = secret_prompt()
        environment = s.environment_name()
        # Every CMG's inputs are checked before anything reaches Azure.
        specs = {}
        for entry in read_fleet(file):
            flags = {"name": entry.name, "environment": environment}
            try:
                # The CMG's settings: its name, then as for `up`, its file over --config's.
                own = resolve_settings(flags, os.environ, _merged(s.config, entry.config))
                specs[entry.name] = spec_from(own, password_prompt=prompt)
            except CmgError as err:  # say which CMG of the file
                err.message = f"CMG {entry.name}: {err.message}"
                raise
        names = list(specs)
        _confirm(yes, f"deploy {len(names)} CMGs ({', '.join(names)})?")
        with s.op_context(yes=True, timeout=timeout, no_wait=no_wait, wait_lock=wait_lock) as op:
            return run_fleet(
                op,
                "fleet up",
                names,
                lambda own, name: do_up(own, specs[name]),
                concurrency=workers,
                on_done=_streamer(s, "fleet up"),
            )

    _run(ctx, "fleet up", body)


@fleet_app.command("status", epilog=FLEET_EPILOG)
def fleet_status(
    ctx: typer.Context,
    file: Path = FILE,
    names: list[str] = NAMES,
    concurrency: int = CONCURRENCY,
    timeout: float = TIMEOUT,
) -> None:
    """The state of every CMG of a fleet file or of the --name list."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.fleet import check_concurrency, run_fleet
        from cmgdeploy.commands.status import status as do_status

        chosen = _names(file, names)
        workers = check_concurrency(concurrency)
        with s.op_context(timeout=timeout) as op:
            return run_fleet(
                op,
                "fleet status",
                chosen,
                lambda own, name: do_status(own, name),
                concurrency=workers,
                on_done=_streamer(s, "fleet status"),
            )

    _run(ctx, "fleet status", body)


@fleet_app.command("scale", epilog=FLEET_EPILOG)
def fleet_scale(
    ctx: typer.Context,
    file: Path = FILE,
    names: list[str] = NAMES,
    instances: int = typer.Option(..., "--instances", help="New instance count, 1–16."),
    concurrency: int = CONCURRENCY,
    yes: bool = YES,
    no_wait: bool = NO_WAIT,
    timeout: float = TIMEOUT,
    wait_lock: bool = WAIT_LOCK,
) -> None:
    """Scale every CMG of a fleet file or of the --name list to --instances."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.fleet import check_concurrency, run_fleet
        from cmgdeploy.commands.scale import scale as do_scale
        from cmgdeploy.domain.validate import instances as check_instances

        chosen = _names(file, names)
        count = check_instances(instances, "--instances")
        workers = check_concurrency(concurrency)
        password = s.settings.value("server_cert_password")
        _confirm(yes, f"scale {len(chosen)} CMGs ({', '.join(chosen)}) to {count} instances?")
        with s.op_context(yes=True, timeout=timeout, no_wait=no_wait, wait_lock=wait_lock) as op:
            return run_fleet(
                op,
                "fleet scale",
                chosen,
                lambda own, name: do_scale(own, name, count, password),
                concurrency=workers,
                on_done=_streamer(s, "fleet scale"),
            )

    _run(ctx, "fleet scale", body)


# -- parsing and rendering -----------------------------------------------------------------
def _merged(config: Any, entry: Any) -> Any:
    """The CMG's settings over the --config file's (the fleet file wins)."""
    from cmgdeploy.services.config import ConfigFile

    values = {**dict(config.values), **dict(entry.values)}
    return ConfigFile(path=entry.path, values=values)


def _names(file: Path | None, names: list[str] | None) -> list[str]:
    from cmgdeploy.commands.fleet import read_fleet
    from cmgdeploy.domain.validate import cmg_name

    if file is not None and names:
        raise UsageError("give a fleet file or --name, not both")
    if file is not None:
        return [entry.name for entry in read_fleet(file)]
    if not names:
        raise UsageError("give a fleet file or one or more --name", hint="see --help")
    chosen = [str(cmg_name(n, "--name")) for n in names]
    if len(set(chosen)) != len(chosen):
        raise UsageError(f"a CMG is named twice: {', '.join(chosen)}")
    return chosen


def _confirm(yes: bool, question: str) -> None:
    if not confirmer(yes)(question):
        raise UsageError("not confirmed; nothing was changed", hint="answer y, or pass --yes")


def _streamer(s: Session, command: str) -> Any:
    """With -o json: each CMG's envelope as soon as it (and those before it) ended."""
    renderer = s.state.renderer

    def emit(outcome: Any) -> None:
        if renderer.output == "json":
            print(_envelope(command, outcome), flush=True)

    return emit


def _envelope(command: str, outcome: Any) -> str:
    from cmgdeploy.domain.redact import redact

    err = outcome.error
    errors: list[dict[str, Any]] = []
    if err is not None:
        errors = [d.to_dict() for d in err.error_chain()]
        if err.hint:
            errors[0]["hint"] = err.hint
    data = outcome.status.to_dict() if outcome.status is not None else {"name": outcome.name}
    body = {
        "command": command,
        "ok": err is None,
        "exit_code": int(err.exit_code) if err is not None else int(ExitCode.OK),
        "data": data,
        "errors": errors,
        "warnings": list(outcome.warnings),
    }
    return redact(json.dumps(body, separators=(",", ":"), default=str))


def _run(ctx: typer.Context, command: str, body: Any) -> None:
    """A fleet command through the harness: errors of the whole run (bad file, sign-in)
    as one envelope; the CMGs' outcomes as theirs (:func:`_present`)."""
    run(ctx, command, body, present=_present, interrupted=_interrupted)


def _interrupted(session: Session) -> Interrupted:
    return Interrupted(
        "interrupted; the Azure operations continue",
        hint=f"follow them with `cmgdeploy -e {session.environment_name()} fleet status ...`",
    )


def _present(state: State, result: Any, warnings: list[str]) -> int:
    """With -o json the envelopes were streamed; in text a table of the CMGs, and each
    failure on stderr. The exit code: the first failure's."""
    from cmgdeploy.domain.results import TableResult

    renderer = state.renderer
    command = str(state.command)
    if renderer.output != "json":
        for outcome in result.outcomes:
            for item in outcome.warnings:
                warnings.append(f"{outcome.name}: {item}")
            if outcome.error is not None:
                _print_error(outcome.name, outcome.error)
        rows = tuple(_row(o) for o in result.outcomes)
        renderer.result(command, TableResult(f"{command}: {len(rows)} CMGs", rows), warnings)
    return int(result.exit_code)


def _print_error(name: str, err: CmgError) -> None:
    import sys

    from cmgdeploy.domain.redact import redact

    print(f"cmgdeploy: error: {name}: {redact(err.message)}", file=sys.stderr)
    if err.hint:
        print(f"cmgdeploy: hint: {name}: {redact(err.hint)}", file=sys.stderr)


def _row(outcome: Any) -> dict[str, Any]:
    status = outcome.status
    if status is None:
        err = outcome.error
        result = f"error {int(err.exit_code)}: {err.code}"
        return {"name": outcome.name, "state": "-", "fqdn": "-", "instances": "-", "result": result}
    return {
        "name": status.name,
        "state": status.state,
        "fqdn": status.fqdn or "-",
        "instances": status.instances,
        "result": status.summary or "ok",
    }
