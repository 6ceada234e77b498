"""The Typer app, its command groups and the global options.

The global options (``--environment``, ``--config``, ``--output``, ``--verbose``,
``--debug``, ``--site-db``) are declared once, on the app's callback. Admins also write
them after the command (``cmgdeploy status --name x -o json``, as with ``az``): every
command and group of the Click tree gets hidden copies of them (:func:`command`), so
Click's own parser reads them wherever they stand; a value given after the command
overrides the one before it.
"""

from __future__ import annotations

import copy
import functools
import logging
import sys
import weakref
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TextIO

import typer
import typer.core

from cmgdeploy.cli.render import Renderer

EPILOG = """\b
Examples:
  cmgdeploy -e local up --region westeurope --name contosocmg --self-signed-cert --site-code PS1 --connection-point cp1.contoso.com --management-point mp1.contoso.com --yes
  cmgdeploy -e local status --name contosocmg -o json
  cmgdeploy -e local scale --name contosocmg --instances 3
  cmgdeploy -e local down --name contosocmg --yes

\b
Exit codes: 0 ok, 1 Azure operation failed, 2 bad input/usage,
3 authentication failed, 4 timed out (Azure continues),
5 another run holds the lock, 10/11 check: warning/critical,
130 interrupted."""  # noqa: E501

# The parameters of the global options (those a command also accepts after its name).
GLOBAL_OPTIONS = ("environment", "config", "output", "verbose", "debug", "site_db")


class Output(StrEnum):
    text = "text"
    json = "json"


class MissingCommand(Exception):
    """A group was given without its command (Click's help, then exit 2)."""

    def __init__(self, ctx: typer.Context) -> None:
        super().__init__(ctx.command_path)
        self.ctx = ctx


@dataclass
class State:
    """Global options, shared by every command, and what the run has reached."""

    environment: str | None = None
    config: Path | None = None
    output: str = "text"
    verbose: bool = False
    debug: bool = False
    site_db: Path | None = None
    renderer: Renderer = field(default_factory=Renderer)
    # The command words Click resolved so far ("site", "export"): names the command in
    # an error envelope even when parsing failed.
    words: list[str] = field(default_factory=list)
    # Set by the harness once a command's body runs (see harness.run).
    command: str | None = None
    session: RunSession | None = None

    def settle(self) -> None:
        """Apply the options: the renderer and the debug logging follow them."""
        self.renderer.output = self.output
        self.renderer.verbose = self.verbose
        _route_sdk_logging(self.debug)
        _log_debug_to_stderr(self.debug)


class RunSession(Protocol):
    """What the error boundary reads of a running command's session."""

    warnings: list[str]


class ClickContext(Protocol):
    """What :func:`state_of` reads of a Click context (any Typer hands out)."""

    obj: Any

    def find_root(self) -> Any: ...


def state_of(ctx: ClickContext) -> State:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, State) else State()


def _require_command(ctx: typer.Context) -> None:
    """A group called without a command: its help (on stderr) and exit 2."""
    if ctx.invoked_subcommand is None and not ctx.resilient_parsing:
        raise MissingCommand(ctx)


class _ResolvingGroup(typer.core.TyperGroup):
    """A group that notes each command word it resolves (see :attr:`State.words`)."""

    # Typer hands its commands Click's own context; typer.Context is its public name.
    def resolve_command(  # type: ignore[override]
        self, ctx: typer.Context, args: list[str]
    ) -> tuple[str | None, Any, list[str]]:
        if args and not ctx.resilient_parsing:
            state_of(ctx).words.append(args[0])
        return super().resolve_command(ctx, args)


def group(help: str) -> typer.Typer:
    """A command group; without its command it shows its help and exits 2."""
    sub = typer.Typer(
        cls=_ResolvingGroup, help=help, invoke_without_command=True, no_args_is_help=False
    )
    sub.callback()(_require_command)
    return sub


app = typer.Typer(
    cls=_ResolvingGroup,
    help="Deploy and run a Configuration Manager cloud management gateway (CMG) in Azure.",
    epilog=EPILOG,
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
auth_app = group("Sign-in checks.")
env_app = group("The AzureEnvironments table (clouds cmgdeploy can deploy to).")
site_app = group("The site database: connection points and site roles.")
classic_app = group("Classic (cloud service) CMGs via Service Management.")
app.add_typer(auth_app, name="auth")
app.add_typer(env_app, name="environments")
app.add_typer(site_app, name="site")
app.add_typer(classic_app, name="classic")


def package_version() -> str:
    """The installed distribution's version (the one ``pip show cmgdeploy`` names)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cmgdeploy")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        print(f"cmgdeploy {package_version()}")
        raise typer.Exit(0)


def _global_help(key: str) -> str:
    """A global setting's help from the settings table, naming its variable as Click
    would (the variable is read where every setting is: the resolved settings)."""
    from cmgdeploy.domain.settings import row

    setting = row(key)
    return f"{setting.help}  [env var: {setting.env_var}]"


@app.callback()
def global_options(
    ctx: typer.Context,
    version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        callback=_print_version,
        help="Print the version and exit.",
    ),
    environment: str = typer.Option(None, "--environment", "-e", help=_global_help("environment")),
    config: Path = typer.Option(
        None, "--config", "-c", help="TOML file (default ./cmgdeploy.toml if present)."
    ),
    output: Output = typer.Option(
        Output.text, "--output", "-o", help="text for people, json for scripts."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", help="Progress lines on stderr even when it is not a terminal."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of unexpected errors."),
    site_db: Path = typer.Option(None, "--site-db", help=_global_help("site_db")),
) -> None:
    """Global options (before the command)."""
    state = ctx.ensure_object(State)
    state.environment, state.config, state.site_db = environment, config, site_db
    state.output, state.verbose, state.debug = output.value, verbose, debug
    state.settle()
    if ctx.invoked_subcommand is None and not ctx.resilient_parsing:
        given = [p for p in ctx.params if _given(ctx, p)]
        if not given:  # `cmgdeploy` alone: the help
            raise MissingCommand(ctx)
        ctx.fail("Missing command.")


def _given(ctx: typer.Context, name: str) -> bool:
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


# -- global options after the command ---------------------------------------------------------
def _set_global(ctx: typer.Context, param: Any, value: Any) -> None:
    """A global option given after the command: it wins over the one before it."""
    if param.name is None or not _given(ctx, param.name):
        return
    state = state_of(ctx)
    setattr(state, param.name, getattr(value, "value", value))
    state.settle()


# The hidden copies made by _accept_global_options (Click parameters, by identity).
_GLOBAL_COPIES: weakref.WeakSet[Any] = weakref.WeakSet()


def is_global_copy(param: Any) -> bool:
    """Whether ``param`` is a command's copy of a global option."""
    return param in _GLOBAL_COPIES


def global_params(root: Any) -> list[Any]:
    """The root command's global option parameters (Click objects)."""
    return [p for p in root.params if p.name in GLOBAL_OPTIONS]


def _accept_global_options(command: Any, originals: list[Any]) -> None:
    """Hidden copies of the global options on ``command`` and everything under it."""
    for sub in (getattr(command, "commands", None) or {}).values():
        for original in originals:
            param = copy.copy(original)
            param.hidden = True
            param.envvar = None  # variables are read by the resolved settings
            param.is_eager = False
            param.expose_value = False
            param.callback = _set_global
            _GLOBAL_COPIES.add(param)
            sub.params.append(param)
        _accept_global_options(sub, originals)


@functools.cache
def command() -> Any:
    """The Click command tree of ``app`` (its commands are registered by importing
    :mod:`cmgdeploy.cli`): help polished (:mod:`.help`), the global options accepted
    after the command too."""
    from cmgdeploy.cli.help import polish

    root = polish(typer.main.get_command(app))
    _accept_global_options(root, global_params(root))
    return root


# -- logging -------------------------------------------------------------------------------------
class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        from cmgdeploy.domain.redact import redact

        return redact(super().format(record))


class _OwnStreamHandler(logging.StreamHandler[TextIO]):
    """A handler cmgdeploy added (replaced, not kept, by an in-process rerun)."""


class _OwnNullHandler(logging.NullHandler):
    """A null handler cmgdeploy added (replaced, not kept, by an in-process rerun)."""


_OWN_HANDLERS = (_OwnStreamHandler, _OwnNullHandler)


def _log_debug_to_stderr(debug: bool) -> None:
    """--debug: cmgdeploy's own debug log (each HTTP retry, ...) on stderr, redacted.

    The handler of an earlier in-process run is replaced, not kept: it writes to the
    stderr of that run (closed by now under a test harness), and without --debug there
    must be none."""
    logger = logging.getLogger("cmgdeploy")
    for old in [h for h in logger.handlers if isinstance(h, _OWN_HANDLERS)]:
        logger.removeHandler(old)
    logger.setLevel(logging.DEBUG if debug else logging.NOTSET)
    if not debug:
        return
    handler = _OwnStreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter("cmgdeploy: debug: %(name)s: %(message)s"))
    logger.addHandler(handler)


# Loggers of the SDKs we call: their warnings ("ClientSecretCredential.get_token failed:
# ...") would reach stderr raw through logging's last-resort handler, unredacted and
# around the renderer. The error they describe is rendered by us anyway.
SDK_LOGGERS = ("azure", "msal")


def _route_sdk_logging(debug: bool) -> None:
    """SDK log records go nowhere, or with --debug to stderr through redaction."""
    for name in SDK_LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if isinstance(h, _OWN_HANDLERS)]:
            logger.removeHandler(old)
        handler: logging.Handler = _OwnNullHandler()
        if debug:
            handler = _OwnStreamHandler(sys.stderr)
            handler.setFormatter(_RedactingFormatter("cmgdeploy: debug: %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
