"""The command line: parse, call one operation, render. The one place that exits.

Error boundary (:func:`main`): a :class:`CmgError` prints ``cmgdeploy: error: …`` (and
the JSON envelope with ``-o json``) and exits with its code; Click usage errors exit 2
(with an envelope too); Ctrl-C exits 130; other exceptions exit 1, with a traceback
only under ``--debug``.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from . import paths
from .errors import CmgError, ExitCode, Interrupted, UsageError
from .render import Renderer

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


class Output(StrEnum):
    text = "text"
    json = "json"


@dataclass
class State:
    """Global options, shared by every command."""

    environment: str | None = None
    config: Path | None = None
    output: str = "text"
    verbose: bool = False
    debug: bool = False
    site_db: Path | None = None
    renderer: Renderer = field(default_factory=Renderer)


app = typer.Typer(
    help="Deploy and run a Configuration Manager cloud management gateway (CMG) in Azure.",
    epilog=EPILOG,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
auth_app = typer.Typer(help="Sign-in checks.", no_args_is_help=True)
env_app = typer.Typer(
    help="The AzureEnvironments table (clouds cmgdeploy can deploy to).", no_args_is_help=True
)
site_app = typer.Typer(
    help="The site database: connection points and site roles.", no_args_is_help=True
)
classic_app = typer.Typer(
    help="Classic (cloud service) CMGs via Service Management.", no_args_is_help=True
)
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
    environment: str = typer.Option(
        None,
        "--environment",
        "-e",
        envvar="CMGDEPLOY_ENVIRONMENT",
        help="AzureEnvironments row (default AzurePublicCloud; local = the embedded local Azure).",
    ),
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
    site_db: Path = typer.Option(
        None,
        "--site-db",
        envvar="CMGDEPLOY_SITE_DB",
        help="Site database (default $CMGDEPLOY_HOME/site.db).",
    ),
) -> None:
    """Global options (before the command)."""
    renderer = Renderer(output=output.value, verbose=verbose)
    _route_sdk_logging(debug)
    _log_debug_to_stderr(debug)
    ctx.obj = State(environment, config, output.value, verbose, debug, site_db, renderer)


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        from .redact import redact

        return redact(super().format(record))


def _log_debug_to_stderr(debug: bool) -> None:
    """--debug: cmgdeploy's own debug log (each HTTP retry, ...) on stderr, redacted.

    The handler of an earlier in-process run is replaced, not kept: it writes to the
    stderr of that run (closed by now under a test harness), and without --debug there
    must be none."""
    logger = logging.getLogger("cmgdeploy")
    for old in [h for h in logger.handlers if getattr(h, "_cmgdeploy", False)]:
        logger.removeHandler(old)
    logger.setLevel(logging.DEBUG if debug else logging.NOTSET)
    if not debug:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter("cmgdeploy: debug: %(name)s: %(message)s"))
    handler._cmgdeploy = True  # type: ignore[attr-defined]  # marks ours (in-process reruns)
    logger.addHandler(handler)


# Loggers of the SDKs we call: their warnings ("ClientSecretCredential.get_token failed:
# ...") would reach stderr raw through logging's last-resort handler, unredacted and
# around the renderer. The error they describe is rendered by us anyway.
SDK_LOGGERS = ("azure", "msal")


def _route_sdk_logging(debug: bool) -> None:
    """SDK log records go nowhere, or with --debug to stderr through redaction."""
    for name in SDK_LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, "_cmgdeploy", False)]:
            logger.removeHandler(old)
        handler: logging.Handler = logging.NullHandler()
        if debug:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(_RedactingFormatter("cmgdeploy: debug: %(name)s: %(message)s"))
        handler._cmgdeploy = True  # type: ignore[attr-defined]  # marks ours (in-process reruns)
        logger.addHandler(handler)
        logger.propagate = False


# -- the run harness ---------------------------------------------------------------------------
def _state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, State) else State()


def _is_tty() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def run(ctx: typer.Context, command: str, body: Callable[[Any], Any]) -> None:
    """Call ``body(op_context_factory)``, render its result or error, exit with the code."""
    state = _state(ctx)
    warnings: list[str] = []
    session = _Session(state, warnings)
    try:
        result = body(session)
        # A report (check) carries its own exit code: a monitoring system reads it.
        code = ExitCode(int(getattr(result, "exit_code", ExitCode.OK)))
        state.renderer.result(command, result, warnings, code)
    except CmgError as err:
        state.renderer.error(command, err, warnings)
        raise typer.Exit(int(err.exit_code)) from None
    except KeyboardInterrupt:
        stopped = Interrupted(
            "interrupted; the Azure operation continues",
            hint=f"follow it with `cmgdeploy -e {session.environment_name()} status --name "
            f"{session.cmg_name or '<name>'} --watch`",
        )
        state.renderer.error(command, stopped, warnings)
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    raise typer.Exit(int(code))


class _Session:
    """Lazily opened pieces one command may need (config, site DB, environment, context)."""

    def __init__(self, state: State, warnings: list[str]) -> None:
        self.state = state
        self.warnings = warnings
        self._config: Any = None
        self.cmg_name: str | None = None  # once known: named in the Ctrl-C hint

    @property
    def config(self) -> Any:
        from .config import read_config

        if self._config is None:
            self._config = read_config(self.state.config)
        return self._config

    def environment_name(self) -> str:
        from .config import resolve
        from .environments import DEFAULT_ENVIRONMENT

        flags = {"environment": self.state.environment}
        return str(
            resolve(
                "environment", flags, os.environ, self.config, default=DEFAULT_ENVIRONMENT
            ).value
        )

    def site_db(self) -> Any:
        import sqlite3

        from .errors import InputError
        from .sitedb import SiteDB

        path = self.state.site_db or paths.site_db_path()
        try:
            return SiteDB(path)
        except (OSError, sqlite3.DatabaseError) as exc:
            # A directory, an unwritable place or another file given as the site DB.
            raise InputError(
                "--site-db", str(path), f"a cmgdeploy site database (SQLite file): {exc}"
            ) from None

    @contextlib.contextmanager
    def op_context(
        self,
        *,
        yes: bool = True,
        timeout: float = 3600.0,
        no_wait: bool = False,
        wait_lock: bool = False,
    ) -> Iterator[Any]:
        """The OpContext with the resolved environment (the local Azure runs inside).

        ``timeout`` bounds the whole operation: our waits and every HTTP retry in it.
        """
        from .azure.retry import operation_deadline
        from .config import load_auth_settings
        from .environments import get_environment
        from .local import resolve_environment
        from .ops.context import OpContext

        prompt = _prompt_secret if _is_tty() else None
        auth = load_auth_settings({}, os.environ, self.config, secret_prompt=prompt)
        with self.site_db() as db:
            row = get_environment(db, self.environment_name())
            with resolve_environment(row, paths.local_azure_dir()) as env:
                for warning in env.warnings:  # e.g. a slowed local Azure: said up front too
                    self.state.renderer.progress(f"warning: {warning}")
                    self.warnings.append(warning)
                ctx = OpContext(
                    env=env,
                    db=db,
                    home=paths.cmgdeploy_home(),
                    auth=auth,
                    progress=self.state.renderer.progress,
                    show_progress=self.state.renderer.shows_progress,
                    confirm=_confirmer(yes),
                    interactive=not yes and _is_tty(),
                    timeout=timeout,
                    no_wait=no_wait,
                    wait_lock=wait_lock,
                )
                try:
                    with operation_deadline(timeout):
                        yield ctx
                finally:
                    self.warnings.extend(w for w in ctx.warnings.items if w not in self.warnings)


def _prompt_secret(label: str) -> str:
    from .render import pause_progress

    pause_progress()
    return str(typer.prompt(label, hide_input=True))


def _confirmer(yes: bool) -> Callable[[str], bool]:
    def confirm(question: str) -> bool:
        from .render import pause_progress

        if yes or not _is_tty():
            return True
        pause_progress()
        return bool(typer.confirm(question, default=False))

    return confirm


# -- spec options (up, plan) --------------------------------------------------------------------
def _spec_flags(**given: Any) -> dict[str, Any]:
    flags = {k: (list(v) if isinstance(v, list | tuple) else v) for k, v in given.items()}
    return {k: v for k, v in flags.items() if v is not None and v != []}


def _load_spec(s: _Session, flags: dict[str, Any]) -> Any:
    from .spec import load_spec

    flags["environment"] = s.environment_name()
    prompt = _prompt_secret if _is_tty() else None
    spec = load_spec(flags, os.environ, s.config, password_prompt=prompt)
    s.cmg_name = spec.name
    return spec


NAME = typer.Option(
    None, "--name", help="CMG name (prefix): 3–24 lowercase letters/digits, a letter first."
)
REGION = typer.Option(None, "--region", help="Azure region, e.g. westeurope.")
RG = typer.Option(None, "--resource-group", help="Resource group (default <name>-cmg-rg).")
SUB = typer.Option(None, "--subscription", help="Subscription id (default: the only/default one).")
INSTANCES = typer.Option(None, "--instances", help="VM instances, 1–16 (default 1).")
VM_SIZE = typer.Option(
    None, "--vm-size", help="Standard_B2s | Standard_A2_v2 (default) | Standard_A4_v2."
)
IMAGE = typer.Option(
    None,
    "--image-sku",
    help="Windows Server image: 2022-datacenter (default, Generation 1) or "
    "2022-datacenter-azure-edition (Generation 2; not on Av2 sizes).",
)
PACKAGE = typer.Option(
    None,
    "--cmg-package",
    help="The site's CMG DSC package, <ConfigMgr install dir>\\inboxes\\cloudmgr.box\\"
    "cmgdsc.zip (env CMGDEPLOY_CMG_PACKAGE); -e local makes a stand-in without it.",
)
CERT = typer.Option(
    None,
    "--server-cert",
    help="Server certificate PFX (password: CMGDEPLOY_SERVER_CERT_PASSWORD or a prompt).",
)
SELF_SIGNED = typer.Option(
    None,
    "--self-signed-cert",
    help="Make a lab certificate with the right CN (clients must trust it).",
)
TRUSTED = typer.Option(None, "--trusted-ca", help="Trusted root/intermediate CA file (repeatable).")
SITE_CODE = typer.Option(None, "--site-code", help="ConfigMgr site code (3 characters).")
CRL = typer.Option(
    None,
    "--verify-client-revocation/--no-verify-client-revocation",
    help="The CMG checks client certificate revocation (default: on).",
)
TLS12 = typer.Option(
    None, "--enforce-tls12/--no-enforce-tls12", help="The CMG enforces TLS 1.2 (default: on)."
)
CONTENT = typer.Option(
    None,
    "--content-from-storage/--no-content-from-storage",
    help="The CMG serves content from Azure storage, as a cloud DP (default: off).",
)
CP = typer.Option(None, "--connection-point", help="CMG connection point server FQDN (repeatable).")
MP = typer.Option(
    None,
    "--management-point",
    help="Management point FQDN to enable for CMG traffic (repeatable); http://FQDN "
    "for an HTTP management point of an Enhanced HTTP site.",
)
SUP = typer.Option(
    None, "--software-update-point", help="Software update point FQDN to enable (repeatable)."
)
YES = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")
NO_WAIT = typer.Option(False, "--no-wait", help="Return once Azure accepted the deployment.")
TIMEOUT = typer.Option(3600.0, "--timeout", help="Seconds to wait before exit 4 (Azure continues).")
WAIT_LOCK = typer.Option(
    False,
    "--wait-lock",
    help="If another run holds this CMG's lock, wait for it (up to --timeout) instead of exit 5.",
)


@dataclass(frozen=True)
class _SpecOption:
    """One option of the CMG spec (up, plan): its parameter, type, Typer option and the
    key :func:`cmgdeploy.spec.load_spec` reads it under."""

    param: str
    annotation: Any
    option: Any
    key: str


SPEC_OPTIONS = (
    _SpecOption("name", str, NAME, "name"),
    _SpecOption("region", str, REGION, "region"),
    _SpecOption("resource_group", str, RG, "resource_group"),
    _SpecOption("subscription", str, SUB, "subscription"),
    _SpecOption("instances", int, INSTANCES, "instances"),
    _SpecOption("vm_size", str, VM_SIZE, "vm_size"),
    _SpecOption("image_sku", str, IMAGE, "image_sku"),
    _SpecOption("cmg_package", str, PACKAGE, "cmg_package"),
    _SpecOption("server_cert", str, CERT, "server_cert"),
    _SpecOption("self_signed_cert", bool, SELF_SIGNED, "self_signed_cert"),
    _SpecOption("trusted_ca", list[str], TRUSTED, "trusted_cas"),
    _SpecOption("verify_client_revocation", bool, CRL, "verify_client_revocation"),
    _SpecOption("enforce_tls12", bool, TLS12, "enforce_tls12"),
    _SpecOption("content_from_storage", bool, CONTENT, "content_from_storage"),
    _SpecOption("site_code", str, SITE_CODE, "site_code"),
    _SpecOption("connection_point", list[str], CP, "connection_points"),
    _SpecOption("management_point", list[str], MP, "management_points"),
    _SpecOption("software_update_point", list[str], SUP, "software_update_points"),
)


def with_spec_options(
    *overrides: _SpecOption, skip: tuple[str, ...] = ()
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a Typer command the spec options (declared once, in :data:`SPEC_OPTIONS`).

    The command declares ``flags: dict`` where the options belong in --help and gets
    the given ones there, under their spec keys (as :func:`_load_spec` wants them).
    ``overrides`` replace options of the same parameter (other help), ``skip`` drops
    some. Typer reads the published ``__signature__``.
    """
    replaced = {o.param: o for o in overrides}
    options = [replaced.get(o.param, o) for o in SPEC_OPTIONS if o.param not in skip]

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        kw = inspect.Parameter.KEYWORD_ONLY
        params: list[inspect.Parameter] = []
        for p in inspect.signature(command, eval_str=True).parameters.values():
            if p.name != "flags":
                params.append(p.replace(kind=kw))
                continue
            params += [inspect.Parameter(o.param, kw, default=o.option, annotation=o.annotation)
                       for o in options]  # fmt: skip

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> None:
            given = {o.key: kwargs.pop(o.param) for o in options}
            command(flags=_spec_flags(**given), **kwargs)

        del wrapper.__wrapped__  # typer must see the signature below, not the command's
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        setattr(wrapper, "__signature__", inspect.Signature(params))  # noqa: B010
        return wrapper

    return decorate


@app.command()
@with_spec_options()
def up(
    ctx: typer.Context,
    flags: dict[str, Any],
    yes: bool = YES,
    no_wait: bool = NO_WAIT,
    timeout: float = TIMEOUT,
    wait_lock: bool = WAIT_LOCK,
) -> None:
    """Deploy the CMG (preflight, deploy, register the site, wait until Ready)."""

    def body(s: _Session) -> Any:
        from .ops.up import up as do_up

        spec = _load_spec(s, flags)
        with s.op_context(yes=yes, timeout=timeout, no_wait=no_wait, wait_lock=wait_lock) as op:
            return do_up(op, spec)

    run(ctx, "up", body)


@app.command()
@with_spec_options()
def plan(ctx: typer.Context, flags: dict[str, Any], timeout: float = TIMEOUT) -> None:
    """Show what `up` would change (ARM what-if + site database diff); writes nothing."""

    def body(s: _Session) -> Any:
        from .ops.plan import plan as do_plan

        spec = _load_spec(s, flags)
        with s.op_context(timeout=timeout) as op:
            return do_plan(op, spec)

    run(ctx, "plan", body)


def _name_of(s: _Session, name: str | None) -> str:
    from .config import resolve
    from .validate import cmg_name

    setting = resolve("name", {"name": name}, os.environ, s.config)
    if setting.value is None:
        raise UsageError("give --name (or CMGDEPLOY_NAME, or name in the config file)")
    s.cmg_name = str(cmg_name(setting.value, setting.source))
    return s.cmg_name


@app.command()
def status(
    ctx: typer.Context,
    name: str = NAME,
    watch: bool = typer.Option(False, "--watch", help="Keep reading until Ready or Error."),
    timeout: float = TIMEOUT,
) -> None:
    """Show the CMG's state in Azure and in the site database."""

    def body(s: _Session) -> Any:
        from .ops.status import status as do_status

        cmg = _name_of(s, name)
        with s.op_context(timeout=timeout) as op:
            # Watching is what the command is for: its lines show even when not at a terminal.
            watching = functools.partial(s.state.renderer.progress, always=True)
            return do_status(op, cmg, watch=watch, on_update=_on_change(watching))

    run(ctx, "status", body)


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

    def body(s: _Session) -> Any:
        from .ops.scale import scale as do_scale
        from .validate import instances as check_instances

        cmg = _name_of(s, name)
        check_instances(instances, "--instances")  # before anything touches Azure
        with s.op_context(yes=yes, timeout=timeout, no_wait=no_wait, wait_lock=wait_lock) as op:
            prompt = _prompt_secret if _is_tty() else None
            return do_scale(op, cmg, instances, password_prompt=prompt)

    run(ctx, "scale", body)


@app.command()
def down(
    ctx: typer.Context,
    name: str = NAME,
    yes: bool = YES,
    timeout: float = TIMEOUT,
    wait_lock: bool = WAIT_LOCK,
) -> None:
    """Delete what cmgdeploy created for the CMG, and its site records."""

    def body(s: _Session) -> Any:
        from .ops.down import down as do_down

        cmg = _name_of(s, name)
        if not yes and not _is_tty():
            raise UsageError("down deletes Azure resources: pass --yes when not at a terminal")
        with s.op_context(yes=yes, timeout=timeout, wait_lock=wait_lock) as op:
            return do_down(op, cmg)

    run(ctx, "down", body)


@auth_app.command("check")
def auth_check(ctx: typer.Context, subscription: str = SUB) -> None:
    """Sign in and show tenant, subscription and principal (no secret shown)."""

    def body(s: _Session) -> Any:
        from .ops.auth_check import auth_check as do_check
        from .validate import guid

        if subscription is not None:
            guid(subscription, "--subscription")  # before anything touches Azure
        with s.op_context() as op:
            return do_check(op, subscription)

    run(ctx, "auth check", body)


# -- environments ----------------------------------------------------------------------------
@env_app.command("list")
def env_list(ctx: typer.Context) -> None:
    """List the AzureEnvironments rows."""

    def body(s: _Session) -> Any:
        from .environments import list_environments
        from .results import TableResult

        with s.site_db() as db:
            rows = tuple(_env_row(e) for e in list_environments(db))
        return TableResult("Azure environments", rows)

    run(ctx, "environments list", body)


def _env_row(env: Any) -> dict[str, Any]:
    data = env.to_dict()
    return {
        k: data.get(k) for k in ("name", "resource_manager", "authority", "audience", "is_builtin")
    }


@env_app.command("show")
def env_show(ctx: typer.Context, name: str = typer.Argument(..., help="Row name.")) -> None:
    """Show one AzureEnvironments row."""

    def body(s: _Session) -> Any:
        from .environments import get_environment

        with s.site_db() as db:
            return get_environment(db, name)

    run(ctx, "environments show", body)


ENV_AUTHORITY = typer.Option(..., "--authority", help="Entra ID authority URL (https).")
ENV_ARM = typer.Option(..., "--resource-manager", help="Resource Manager URL (https).")
ENV_ASM = typer.Option(None, "--service-management", help="Service Management URL.")
ENV_AUDIENCE = typer.Option(
    None, "--audience", help="Token audience (default the Resource Manager URL)."
)
ENV_CA = typer.Option(None, "--ca-bundle", help="PEM of CAs to trust for this cloud.")
ENV_NO_DISCOVERY = typer.Option(
    False, "--no-instance-discovery", help="For non-Microsoft authorities."
)


@env_app.command("add")
def env_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="New row name."),
    authority: str = ENV_AUTHORITY,
    resource_manager: str = ENV_ARM,
    service_management: str = ENV_ASM,
    audience: str = ENV_AUDIENCE,
    storage_suffix: str = typer.Option(
        "core.windows.net", "--storage-suffix", help="Storage DNS suffix (content endpoint)."
    ),
    keyvault_suffix: str = typer.Option(
        "vault.azure.net", "--keyvault-suffix", help="Key Vault DNS suffix."
    ),
    public_ip_suffix: str = typer.Option(
        "cloudapp.azure.com",
        "--public-ip-suffix",
        help="Public IP DNS suffix: the CMG's fqdn is NAME.REGION.<suffix>.",
    ),
    ca_bundle: str = ENV_CA,
    no_instance_discovery: bool = ENV_NO_DISCOVERY,
    prices: str = typer.Option(None, "--prices", help="Azure Retail Prices API URL (https)."),
    graph: str = typer.Option(None, "--graph", metavar="URL", help="Microsoft Graph URL (https)."),
) -> None:
    """Add an AzureEnvironments row (https URLs only)."""
    settings: dict[str, Any] = {
        "authority": authority,
        "resource_manager": resource_manager,
        "service_management": service_management,
        "audience": audience,
        "storage_suffix": storage_suffix,
        "keyvault_suffix": keyvault_suffix,
        "public_ip_suffix": public_ip_suffix,
        "ca_bundle": ca_bundle,
        "instance_discovery": not no_instance_discovery,
        "prices": prices,
        "graph": graph,
    }

    def body(s: _Session) -> Any:
        from .environments import add_environment, build_environment

        env = build_environment(name, **settings)
        with s.site_db() as db:
            return add_environment(db, env)

    run(ctx, "environments add", body)


@env_app.command("remove")
def env_remove(ctx: typer.Context, name: str = typer.Argument(..., help="Row name.")) -> None:
    """Remove a row you added (built-in rows cannot be removed)."""

    def body(s: _Session) -> Any:
        from .environments import remove_environment

        with s.site_db() as db:
            return remove_environment(db, name)

    run(ctx, "environments remove", body)


# -- site ----------------------------------------------------------------------------------------
@site_app.command("show")
def site_show(ctx: typer.Context) -> None:
    """Show the CMG services, connection points and site roles."""

    def body(s: _Session) -> Any:
        from .results import SiteResult

        with s.site_db() as db:
            return SiteResult(
                services=tuple(v.to_dict() for v in db.list_services()),
                connection_points=tuple(p.to_dict() for p in db.list_connection_points()),
                site_roles=tuple(r.to_dict() for r in db.list_site_roles()),
                gateways=tuple(
                    g.to_dict() for v in db.list_services() if (g := db.get_gateway(v.name))
                ),
                entra_apps=tuple(a.to_dict() for a in db.list_entra_apps()),
            )

    run(ctx, "site show", body)


@site_app.command("export")
def site_export(
    ctx: typer.Context,
    format: str = typer.Option(
        "powershell", "--format", help="Only powershell (ConfigMgr cmdlets)."
    ),
) -> None:
    """Write the ConfigMgr PowerShell that makes a real site match the site database."""

    def body(s: _Session) -> Any:
        from .errors import InputError
        from .results import TextResult
        from .runbook import not_ready_warnings, render
        from .site import site_runbook

        if format != "powershell":
            raise InputError("--format", format, "powershell")
        with s.site_db() as db:
            book = site_runbook(db)
        s.warnings.extend(not_ready_warnings(book))
        return TextResult("powershell", render(book))

    run(ctx, "site export", body)


# -- classic ---------------------------------------------------------------------------------------
MGMT_CERT = typer.Option(
    None,
    "--management-cert",
    help="Management certificate, PEM or PFX (password: CMGDEPLOY_MANAGEMENT_CERT_PASSWORD).",
)
CLASSIC_SUB = typer.Option(
    None, "--subscription", help="Subscription of the cloud services (default: config file)."
)


@contextlib.contextmanager
def _classic_client(s: _Session, cert_flag: str | None, subscription: str | None) -> Iterator[Any]:
    from .ops.classic import classic_subscription, open_classic_client

    with s.op_context() as op:
        sub = classic_subscription(op, subscription, s.config)
        with open_classic_client(op, s.config, cert_flag, sub) as client:
            yield client


@classic_app.command("list")
def classic_list(
    ctx: typer.Context, management_cert: str = MGMT_CERT, subscription: str = CLASSIC_SUB
) -> None:
    """List classic cloud services (Service Management)."""

    def body(s: _Session) -> Any:
        from .ops.classic import list_classic

        with _classic_client(s, management_cert, subscription) as client:
            return list_classic(client)

    run(ctx, "classic list", body)


@classic_app.command("show")
def classic_show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Cloud service name."),
    management_cert: str = MGMT_CERT,
    subscription: str = CLASSIC_SUB,
) -> None:
    """Show one classic cloud service with its role instances."""

    def body(s: _Session) -> Any:
        from .ops.classic import show_classic
        from .validate import classic_service_name

        service = classic_service_name(name, "name")  # before anything touches Azure
        with _classic_client(s, management_cert, subscription) as client:
            return show_classic(client, service)

    run(ctx, "classic show", body)


# -- migrate (its own module: cmgdeploy/cli_migrate.py) ------------------------------------------
from .cli_migrate import register as _register_migrate  # noqa: E402 (needs the names above)

_register_migrate(app)
from .cli_estimate import register as _register_estimate  # noqa: E402

_register_estimate(app)
from .cli_check import register as _register_check  # noqa: E402

_register_check(app)
from .cli_fleet import register as _register_fleet  # noqa: E402

_register_fleet(app)
from .cli_site_apps import register as _register_site_apps  # noqa: E402

_register_site_apps(site_app)


# -- entry point ---------------------------------------------------------------------------------
def _wants_json(argv: list[str]) -> bool:
    for i, arg in enumerate(argv):
        if arg in ("-o", "--output") and i + 1 < len(argv) and argv[i + 1] == "json":
            return True
        if arg in ("--output=json", "-ojson"):
            return True
    return False


@functools.cache
def _command() -> Any:
    """The Click command tree of ``app``, with the help polished (``cli_help``)."""
    from .cli_help import polish

    return polish(typer.main.get_command(app))


def main(argv: list[str] | None = None) -> int:
    """Console entry point: the one error boundary (see the module docstring)."""
    # typer exposes no public class for Click's usage errors; pyproject pins typer to
    # the minor release this private path was checked against.
    from typer._click.exceptions import ClickException, NoArgsIsHelpError

    args = hoist_global_options(list(sys.argv[1:] if argv is None else argv))
    renderer = Renderer(output="json" if _wants_json(args) else "text")
    command = _command_name(args)
    try:
        code = _command()(args=args, prog_name="cmgdeploy", standalone_mode=False)
        return int(code or 0)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except NoArgsIsHelpError as exc:
        return _no_command(exc, command, renderer)
    except ClickException as exc:
        return _click_error(exc, args, command, renderer)
    except (typer.Abort, KeyboardInterrupt):
        return _interrupted(args, command, renderer)
    except Exception as exc:
        return _unexpected(exc, args, command, renderer)
    finally:
        from .render import pause_progress

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


def _no_command(exc: Any, command: str, renderer: Renderer) -> int:
    """A group without its command: Click's help text, and for scripts the envelope."""
    print(exc.format_message(), file=sys.stderr)
    if renderer.output == "json":  # scripts get the envelope even here
        missing = UsageError(f"`{command or 'cmgdeploy'}` needs a command", hint="see --help")
        renderer.error(command, missing, [])
    return int(ExitCode.BAD_INPUT)


def _click_error(exc: Any, args: list[str], command: str, renderer: Renderer) -> int:
    """Click's usage errors are exit 2; keep Click's own code for the others."""
    code = ExitCode.BAD_INPUT if exc.exit_code == 2 else ExitCode.AZURE_FAILED
    err: CmgError = UsageError(_usage_message(exc, args), hint=_usage_hint(exc))
    err.exit_code = code
    renderer.error(command, err, [])
    return int(code)


def _interrupted(args: list[str], command: str, renderer: Renderer) -> int:
    """Ctrl-C outside a command's own handler (e.g. at a prompt): exit 130."""
    stopped = Interrupted(
        "interrupted; the Azure operation continues",
        hint=f"follow it with `cmgdeploy status --name {_arg_after(args, '--name') or 'NAME'}`",
    )
    renderer.error(command, stopped, [])
    return int(ExitCode.INTERRUPTED)


def _unexpected(exc: Exception, args: list[str], command: str, renderer: Renderer) -> int:
    """A bug or an unforeseen failure: exit 1, with the traceback only under --debug."""
    if "--debug" in args:
        from .redact import redact

        # Exception texts can quote a request or a setting: redacted like all output.
        print(redact(traceback.format_exc()), file=sys.stderr, end="")
    err = CmgError(
        f"unexpected error: {type(exc).__name__}: {exc}",
        code="InternalError",
        hint="run again with --debug for the traceback",
    )
    renderer.error(command, err, [])
    return int(ExitCode.AZURE_FAILED)


def _usage_message(exc: Any, args: list[str]) -> str:
    """Click's message, plus the value given when a typed option refused it.

    Click says "Invalid value for '--instances': Input should be a valid integer"
    without the value; people need to see what they typed.
    """
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


def _usage_hint(exc: Any) -> str:
    ctx = getattr(exc, "ctx", None)
    return f"see `{ctx.command_path} --help`" if ctx else "see `cmgdeploy --help`"


def _arg_after(args: list[str], flag: str) -> str | None:
    return args[args.index(flag) + 1] if flag in args and args.index(flag) + 1 < len(args) else None


VALUE_OPTIONS = {"-e", "--environment", "-c", "--config", "-o", "--output", "--site-db"}
FLAG_OPTIONS = {"--verbose", "--debug"}


def hoist_global_options(args: list[str]) -> list[str]:
    """Move global options written after the command to the front.

    Admins write ``cmgdeploy status --name x --output json`` as they would with ``az``;
    Click only accepts group options before the command, so they are moved there.
    Everything after ``--`` is left alone.
    """
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        name = arg.split("=", 1)[0]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg in VALUE_OPTIONS and i + 1 < len(args):
            front.extend(args[i : i + 2])
            i += 2
            continue
        if arg in FLAG_OPTIONS or (name in VALUE_OPTIONS and "=" in arg and name.startswith("--")):
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def _command_name(args: list[str]) -> str:
    words = [
        a
        for i, a in enumerate(args)
        if not a.startswith("-") and (i == 0 or args[i - 1] not in VALUE_OPTIONS)
    ]
    groups = {"auth", "environments", "site", "classic"}
    if words and words[0] in groups and len(words) > 1:
        return f"{words[0]} {words[1]}"
    return words[0] if words else ""
