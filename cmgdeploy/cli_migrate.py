"""The ``migrate`` command (registered on the app by :func:`register`).

Parses, builds a :class:`~cmgdeploy.ops.migrate.MigrateRequest` and runs it through
the CLI's own harness (global options, rendering, the one error boundary).
"""

from __future__ import annotations

import os
from typing import Any

import typer

from . import cli as _cli_module

MIGRATE_EPILOG = """\b
Examples:
  cmgdeploy migrate --from-classic oldcmg --to contosocmg --self-signed-cert --site-code PS1 --connection-point cp1.contoso.com --output json
  cmgdeploy migrate --from contosocmg --to contosocmg2 --region northeurope --server-cert new.pfx --yes

\b
Each run does the phases it can (discover, deploy, register, verify, drain, retire,
done) and stops at the first that must wait. Exit 0 also while draining: run it again
later (hourly from cron or a systemd timer). Exit codes: 0 progress or done, 1 a phase
failed (the journal keeps the error; the next run retries), 2 bad input, 3
authentication failed (ARM or the management certificate), 4 timed out, 5 another
run holds the lock."""  # noqa: E501


# cli.py imports this module at its end (to register the command), so mypy cannot type
# cli's names across that cycle; they are typer Options and helpers, used as such.
cli: Any = _cli_module


def register(app: typer.Typer) -> None:
    """Add ``migrate`` to ``app``."""
    app.command("migrate", epilog=MIGRATE_EPILOG)(migrate)


def migrate(
    ctx: typer.Context,
    from_classic: str = typer.Option(
        None, "--from-classic", help="Classic CMG (cloud service name) to replace."
    ),
    from_arm: str = typer.Option(None, "--from", help="ARM CMG of cmgdeploy to replace."),
    to: str = typer.Option(None, "--to", help="Name of the new CMG (3–24 lowercase/digits)."),
    drain_hours: float = typer.Option(
        None, "--drain-hours", help="Hours the source keeps serving after the target is Ready (24)."
    ),
    management_cert: str = typer.Option(
        None,
        "--management-cert",
        help="Classic management certificate, PEM or PFX "
        "(password: CMGDEPLOY_MANAGEMENT_CERT_PASSWORD).",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the phases; write nothing."),
    wait_lock: bool = typer.Option(
        False, "--wait-lock", help="Wait for another run on this CMG instead of exit 5."
    ),
    region: str = typer.Option(None, "--region", help="Target region (default: the source's)."),
    resource_group: str = cli.RG,
    subscription: str = cli.SUB,
    instances: int = typer.Option(
        None, "--instances", help="Target instances, 1–16 (default: the source's)."
    ),
    vm_size: str = cli.VM_SIZE,
    server_cert: str = cli.CERT,
    self_signed_cert: bool = cli.SELF_SIGNED,
    trusted_ca: list[str] = cli.TRUSTED,
    site_code: str = cli.SITE_CODE,
    connection_point: list[str] = cli.CP,
    management_point: list[str] = cli.MP,
    software_update_point: list[str] = cli.SUP,
    yes: bool = typer.Option(
        False, "--yes", "-y", help="Allow retire to delete the source (else it stops and says)."
    ),
    timeout: float = cli.TIMEOUT,
) -> None:
    """Replace a classic (or ARM) CMG by a new ARM CMG; resumable, safe under cron."""
    flags = cli._spec_flags(
        region=region, resource_group=resource_group, subscription=subscription,
        instances=instances, vm_size=vm_size, server_cert=server_cert,
        self_signed_cert=self_signed_cert, trusted_cas=trusted_ca, site_code=site_code,
        connection_points=connection_point, management_points=management_point,
        software_update_points=software_update_point,
    )  # fmt: skip
    given = {"to": to, "from_classic": from_classic, "from_arm": from_arm}

    def body(s: Any) -> Any:
        from .config import load_migrate_settings
        from .ops.migrate import MigrateRequest
        from .ops.migrate import migrate as do_migrate

        settings = load_migrate_settings(
            {**given, "drain_hours": drain_hours}, os.environ, s.config
        )
        with s.op_context(yes=yes, timeout=timeout, wait_lock=wait_lock) as op:
            request = MigrateRequest(
                to=settings.to,
                from_classic=settings.from_classic,
                from_arm=settings.from_arm,
                load_spec=_spec_loader(s, flags, settings.to),
                drain_hours=settings.drain_hours,
                allow_delete=yes or settings.allow_delete_classic,
                dry_run=dry_run,
                classic_client=lambda sub: _classic_client(s, op, management_cert, sub),
            )
            return do_migrate(op, request)

    cli.run(ctx, "migrate", body)


def _spec_loader(s: Any, flags: dict[str, Any], name: str | None) -> Any:
    """``load(defaults, require_region)``: the target spec; ``defaults`` (the source's
    region, instances, size) apply only where no flag, variable or file key is set."""
    from .config import resolve
    from .spec import load_spec

    def load(defaults: dict[str, Any], require_region: bool) -> Any:
        merged = dict(flags)
        for key, value in defaults.items():
            if resolve(key, flags, os.environ, s.config).source == "default":
                merged[key] = value
        merged["name"] = name
        merged["environment"] = s.environment_name()
        prompt = cli._prompt_secret if cli._is_tty() else None
        return load_spec(
            merged, os.environ, s.config, require_region=require_region, password_prompt=prompt
        )

    return load


def _classic_client(s: Any, op: Any, cert_flag: str | None, subscription: str) -> Any:
    """A Service Management client (see :func:`cmgdeploy.ops.classic.open_classic_client`)."""
    from .ops.classic import open_classic_client

    return open_classic_client(op, s.config, cert_flag, subscription)
