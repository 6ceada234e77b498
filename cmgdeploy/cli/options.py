"""Option declarations shared by several commands, and the CMG spec options of up, plan
and migrate, made from the settings table (:mod:`cmgdeploy.domain.settings`)."""

from __future__ import annotations

import copy
import dataclasses
import functools
from typing import TYPE_CHECKING, Any

import typer
import typer.core
import typer.main

from cmgdeploy.cli.session import SPEC_FLAGS, Session, secret_prompt
from cmgdeploy.domain import settings
from cmgdeploy.domain.errors import UsageError

if TYPE_CHECKING:
    from cmgdeploy.services.spec import CmgSpec


def option(key: str, command: str = "") -> Any:
    """The ``typer.Option`` of setting ``key``: its flag and help from the settings table."""
    row = settings.row(key)
    return typer.Option(None, _declaration(row), help=row.help_for(command))


def _declaration(row: settings.Row) -> str:
    if row.kind == "switch":
        return f"{row.flag_label}/--no-{row.flag_label[2:]}"
    return row.flag_label


NAME = option("name")
SUB = option("subscription")
YES = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")
NO_WAIT = typer.Option(False, "--no-wait", help="Return once Azure accepted the deployment.")
TIMEOUT = typer.Option(3600.0, "--timeout", help="Seconds to wait before exit 4 (Azure continues).")
WAIT_LOCK = typer.Option(
    False,
    "--wait-lock",
    help="If another run holds this CMG's lock, wait for it (up to --timeout) instead of exit 5.",
)


_ANNOTATIONS: dict[str, Any] = {
    "text": str,
    "path": str,
    "int": int,
    "number": float,
    "flag": bool,
    "switch": bool,
    "list": list[str],
    "paths": list[str],
}


@functools.cache
def spec_params(command: str, skip: tuple[str, ...] = ()) -> tuple[Any, ...]:
    """The spec options of ``command``, as Typer makes them from the settings table.

    Typer builds options from a callable's parameters: here a dataclass made from the
    table's rows (one field per option, its default the ``typer.Option``), never called.
    """
    fields = [
        (
            row.param,
            _ANNOTATIONS[row.kind],
            dataclasses.field(default=option(row.key, command)),
        )
        for row in settings.cli_rows()
        if row.key not in skip
    ]
    prototype = typer.Typer(add_completion=False)
    prototype.command()(dataclasses.make_dataclass("SpecOptions", fields))
    return tuple(typer.main.get_command(prototype).params)


def spec_command(
    command: str, *, before: str | None = None, skip: tuple[str, ...] = ()
) -> type[typer.core.TyperCommand]:
    """The command class of a spec command (``@app.command(cls=...)``): its options are
    the settings table's spec options (:func:`spec_params`), listed before the option
    ``before`` (else last); the values given are kept in ``ctx.meta[SPEC_FLAGS]`` under
    their setting keys, where :func:`cmgdeploy.cli.harness.run` finds them, and not
    passed to the function (whose signature stays its own)."""
    rows = tuple(r for r in settings.cli_rows() if r.key not in skip)

    class SpecCommand(typer.core.TyperCommand):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            names = [p.name for p in self.params]
            at = names.index(before) if before in names else len(names)
            self.params[at:at] = [copy.copy(p) for p in spec_params(command, skip)]

        # Typer hands its commands Click's own context; typer.Context is its public name.
        def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
            given = {row.key: ctx.params.pop(row.param, None) for row in rows}
            ctx.meta[SPEC_FLAGS] = spec_flags(**given)
            return super().invoke(ctx)

    return SpecCommand


def spec_flags(**given: Any) -> dict[str, Any]:
    flags = {k: (list(v) if isinstance(v, list | tuple) else v) for k, v in given.items()}
    return {k: v for k, v in flags.items() if v is not None and v != []}


def load_spec(s: Session) -> CmgSpec:
    """The CMG spec of the command line's resolved settings."""
    from cmgdeploy.services.spec import spec_from

    spec = spec_from(s.settings, password_prompt=secret_prompt())
    s.cmg_name = spec.name
    return spec


def name_of(s: Session) -> str:
    """The CMG name: --name, CMGDEPLOY_NAME or the config file, checked."""
    from cmgdeploy.domain.validate import cmg_name

    setting = s.settings.get("name")
    if setting.value is None:
        raise UsageError("give --name (or CMGDEPLOY_NAME, or name in the config file)")
    s.cmg_name = str(cmg_name(setting.value, setting.source))
    return s.cmg_name
