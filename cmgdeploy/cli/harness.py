"""The one error boundary: every way a run can end becomes a rendered result or error
and an exit code.

A command's body runs through :func:`run`, which renders its result; :func:`main` calls
the Click tree and maps what escapes it: a :class:`CmgError` prints ``cmgdeploy:
error: …`` (and the JSON envelope with ``-o json``) and exits with its code; Click
usage errors exit 2 (with an envelope too); a group without its command prints its
help and exits 2; Ctrl-C exits 130 with a hint to follow the Azure operation; other
exceptions exit 1, with a traceback only under ``--debug``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import Any

import typer

from cmgdeploy.cli.app import MissingCommand, State, command, is_global_copy, state_of
from cmgdeploy.cli.render import Renderer
from cmgdeploy.cli.session import SPEC_FLAGS, Session
from cmgdeploy.domain.errors import CmgError, ExitCode, Interrupted, UsageError


def _interrupted_run(session: Session) -> Interrupted:
    return Interrupted(
        "interrupted; the Azure operation continues",
        hint=f"follow it with `cmgdeploy -e {session.environment_name()} status --name "
        f"{session.cmg_name or '<name>'} --watch`",
    )


def run(
    ctx: typer.Context,
    name: str,
    body: Callable[[Session], Any],
    *,
    present: Callable[[State, Any, list[str]], int] | None = None,
    interrupted: Callable[[Session], Interrupted] = _interrupted_run,
    flags: Mapping[str, Any] | None = None,
) -> None:
    """Call ``body(session)`` and render its result (``present`` renders it another way
    and returns the exit code); errors go to :func:`main`, which renders them. Ctrl-C
    in the body becomes ``interrupted(session)``: it knows where to follow the Azure
    operation (and Typer would turn a bare KeyboardInterrupt into a silent exit 130).

    ``flags``: the settings the command's own options gave, by setting key; with the
    spec options (:func:`~cmgdeploy.cli.options.spec_command`) they make the session's
    resolved settings."""
    state = state_of(ctx)
    warnings: list[str] = []
    given = {**ctx.meta.get(SPEC_FLAGS, {}), **(flags or {})}
    session = Session(state, warnings, given)
    state.command, state.session = name, session
    if state.renderer.output == "text":
        # The text renderer is imported while the command waits on the server, if it does.
        from cmgdeploy.cli.render import warm_up
        from cmgdeploy.services.warmup import later

        later("text-renderer", warm_up)
    try:
        result = body(session)
    except KeyboardInterrupt:
        raise interrupted(session) from None
    if present is not None:
        raise typer.Exit(present(state, result, warnings))
    # A report (check) carries its own exit code: a monitoring system reads it.
    code = ExitCode(int(getattr(result, "exit_code", ExitCode.OK)))
    state.renderer.result(name, result, warnings, code)
    raise typer.Exit(int(code))


def main(argv: list[str] | None = None) -> int:
    """Console entry point: the one error boundary (see the module docstring)."""
    args = list(sys.argv[1:] if argv is None else argv)
    state = State()
    try:
        code = command().main(args=args, prog_name="cmgdeploy", standalone_mode=False, obj=state)
        return int(code or 0)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except CmgError as err:
        if state.session is None:  # not from a command's body
            _renderer(args).error(_name(state), err, [])
        else:
            state.renderer.error(_name(state), err, state.session.warnings)
        return int(err.exit_code)
    except MissingCommand as exc:
        return _no_command(exc, args, state)
    except typer.TyperException as exc:  # Click's usage errors (Click's base class)
        return _click_error(exc, args, state)
    except (KeyboardInterrupt, typer.Abort):  # Ctrl-C at a prompt, or outside a command
        return _interrupted(args, state)
    except Exception as exc:
        return _unexpected(exc, args, state)
    finally:
        from cmgdeploy.cli.render import pause_progress

        pause_progress()  # never leave a live line (and a hidden cursor) behind


def console_main() -> None:
    """The installed ``cmgdeploy`` command and ``python -m cmgdeploy``: :func:`main`, then
    exit the moment the output is flushed — the interpreter's teardown of every imported
    module adds ~0.1 s and does nothing for a finished command (every file and database
    was closed by main's own context managers). Tests call :func:`main` instead."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    logging.shutdown()
    os._exit(code)


# -- what a failed parse still knows --------------------------------------------------------------
def _name(state: State) -> str:
    return state.command or " ".join(state.words)


_GIVEN = typer.Typer(add_completion=False)


@_GIVEN.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
def _global_options_anywhere(
    environment: str = typer.Option(None, "--environment", "-e"),
    config: str = typer.Option(None, "--config", "-c"),
    output: list[str] = typer.Option([], "--output", "-o"),
    verbose: bool = typer.Option(False, "--verbose"),
    debug: bool = typer.Option(False, "--debug"),
    site_db: str = typer.Option(None, "--site-db"),
) -> None:
    """The global options as plain strings; ``output`` every value given."""


def _given_globals(args: list[str]) -> dict[str, Any]:
    """The global options anywhere in ``args``, as Click parses them, other options and
    words ignored: what an error outside a command's body is rendered with (a usage
    error can stop Click before it reached ``-o json``). ``output`` is every value
    given, unchecked: one ``-o json`` asks for the envelope, even beside a bad ``-o``."""
    probe = typer.main.get_command(_GIVEN)
    try:
        with probe.make_context("cmgdeploy", list(args), resilient_parsing=True) as ctx:
            return dict(ctx.params)
    except Exception:  # e.g. `-o` without its value: text
        return {}


def _renderer(args: list[str]) -> Renderer:
    wants_json = "json" in (_given_globals(args).get("output") or ())
    return Renderer(output="json" if wants_json else "text")


def _no_command(exc: MissingCommand, args: list[str], state: State) -> int:
    """A group without its command: Click's help text, and for scripts the envelope."""
    print(exc.ctx.get_help(), file=sys.stderr)
    renderer = _renderer(args)
    if renderer.output == "json":  # scripts get the envelope even here
        name = _name(state)
        missing = UsageError(f"`{name or 'cmgdeploy'}` needs a command", hint="see --help")
        renderer.error(name, missing, [])
    return int(ExitCode.BAD_INPUT)


def _click_error(exc: Any, args: list[str], state: State) -> int:
    """Click's usage errors are exit 2; keep Click's own code for the others."""
    code = ExitCode.BAD_INPUT if exc.exit_code == 2 else ExitCode.AZURE_FAILED
    err: CmgError = UsageError(_usage_message(exc, args), hint=_usage_hint(exc))
    err.exit_code = code
    _renderer(args).error(_name(state), err, [])
    return int(code)


def _interrupted(args: list[str], state: State) -> int:
    """Ctrl-C outside a command's body, or at a prompt: exit 130."""
    stopped = Interrupted(
        "interrupted; the Azure operation continues",
        hint=f"follow it with `cmgdeploy status --name {_arg_after(args, '--name') or 'NAME'}`",
    )
    _renderer(args).error(_name(state), stopped, [])
    return int(ExitCode.INTERRUPTED)


def _unexpected(exc: Exception, args: list[str], state: State) -> int:
    """A bug or an unforeseen failure: exit 1, with the traceback only under --debug."""
    if state.debug or _given_globals(args).get("debug"):
        from cmgdeploy.domain.redact import redact

        # Exception texts can quote a request or a setting: redacted like all output.
        print(redact(traceback.format_exc()), file=sys.stderr, end="")
    err = CmgError(
        f"unexpected error: {type(exc).__name__}: {exc}",
        code="InternalError",
        hint="run again with --debug for the traceback",
    )
    _renderer(args).error(_name(state), err, [])
    return int(ExitCode.AZURE_FAILED)


def _usage_message(exc: Any, args: list[str]) -> str:
    """Click's message, plus the value given when a typed option refused it.

    Click says "Invalid value for '--instances': Input should be a valid integer"
    without the value; people need to see what they typed.
    """
    _without_hidden_suggestions(exc)
    message = str(exc.format_message())
    param = getattr(exc, "param", None)
    for opt in getattr(param, "opts", None) or ():
        value = _arg_after(args, opt)
        if value is None:
            value = next((a.split("=", 1)[1] for a in args if a.startswith(opt + "=")), None)
        if value is not None and repr(value) not in message:
            detail = message.split("': ", 1)[-1].split(", unable to parse", 1)[0]
            return f"{opt}: {value!r} is not valid; {detail[:1].lower()}{detail[1:]}"
    return message


def _without_hidden_suggestions(exc: Any) -> None:
    """An unknown option: Click suggests close names, the hidden copies of the global
    options too; the suggestions are those the command's help shows."""
    ctx, possible = getattr(exc, "ctx", None), getattr(exc, "possibilities", None)
    if ctx is None or not possible:
        return
    hidden = {opt for p in ctx.command.params if is_global_copy(p) for opt in p.opts}
    exc.possibilities = [opt for opt in possible if opt not in hidden]


def _usage_hint(exc: Any) -> str:
    ctx = getattr(exc, "ctx", None)
    if ctx is not None and is_global_copy(getattr(exc, "param", None)):
        ctx = ctx.find_root()  # a global option: the app's help describes it
    return f"see `{ctx.command_path} --help`" if ctx else "see `cmgdeploy --help`"


def _arg_after(args: list[str], flag: str) -> str | None:
    return args[args.index(flag) + 1] if flag in args and args.index(flag) + 1 < len(args) else None
