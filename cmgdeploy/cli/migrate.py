"""The ``migrate`` command.

Parses, builds a :class:`~cmgdeploy.commands.migrate.MigrateRequest` and runs it through
the CLI's own harness (global options, rendering, the one error boundary).
"""

from __future__ import annotations

from typing import Any

import typer

from cmgdeploy.cli.app import app
from cmgdeploy.cli.harness import run
from cmgdeploy.cli.options import TIMEOUT, option, spec_command
from cmgdeploy.cli.session import Session, secret_prompt

MIGRATE_EPILOG = """\b
Examples:
  cmgdeploy migrate --from-classic oldcmg --to contosocmg --self-signed-cert --site-code PS1 --connection-point cp1.contoso.com --output json
  cmgdeploy migrate --from contosocmg --to contosocmg2 --region northeurope --server-cert new.pfx --yes

\b
Each run does the phases it can (discover, deploy, register, verify, site, drain,
retire, done) and stops at the first that must wait; waiting_for says for what. At
site it writes the runbook that creates the new CMG in the ConfigMgr site: run it on
the site server, then run migrate with --site-confirmed (the drain starts then). The
target options of the first run are kept: later runs need only --from-classic/--from
and --to. Exit 0 also while waiting: run it again later (hourly from cron or a
systemd timer). Exit codes: 0 progress or done, 1 a phase
failed (the journal keeps the error; the next run retries), 2 bad input, 3
authentication failed (ARM or the management certificate), 4 timed out, 5 another
run holds the lock."""  # noqa: E501


FROM_CLASSIC = option("from_classic", "migrate")
FROM_ARM = option("from_arm", "migrate")
TO = option("to", "migrate")
DRAIN_HOURS = option("drain_hours", "migrate")
MANAGEMENT_CERT = option("management_cert", "migrate")
DRY_RUN = typer.Option(False, "--dry-run", help="Print the phases; write nothing.")
SITE_CONFIRMED = option("site_confirmed", "migrate")
WAIT_LOCK = typer.Option(
    False, "--wait-lock", help="Wait for another run on this CMG instead of exit 5."
)
YES = typer.Option(
    False, "--yes", "-y", help="Allow retire to delete the source (else it stops and says)."
)


# The target's spec options are up's (the settings table gives the region's and the
# instances' help here: the source's values are their defaults); --to names it.
@app.command(
    "migrate", epilog=MIGRATE_EPILOG, cls=spec_command("migrate", before="yes", skip=("name",))
)
def migrate(
    ctx: typer.Context,
    from_classic: str = FROM_CLASSIC,
    from_arm: str = FROM_ARM,
    to: str = TO,
    drain_hours: float = DRAIN_HOURS,
    management_cert: str = MANAGEMENT_CERT,
    dry_run: bool = DRY_RUN,
    site_confirmed: bool = SITE_CONFIRMED,
    wait_lock: bool = WAIT_LOCK,
    yes: bool = YES,
    timeout: float = TIMEOUT,
) -> None:
    """Replace a classic (or ARM) CMG by a new ARM CMG; resumable, safe under cron."""
    given = {
        "to": to,
        "from_classic": from_classic,
        "from_arm": from_arm,
        "drain_hours": drain_hours,
        "site_confirmed": site_confirmed,
        "management_cert": management_cert,
    }

    def body(s: Session) -> Any:
        from cmgdeploy.commands.migrate import migrate as do_migrate
        from cmgdeploy.services.config import migrate_settings

        settings = migrate_settings(s.settings)
        with s.op_context(yes=yes, timeout=timeout, wait_lock=wait_lock) as op:
            return do_migrate(op, _request(s, op, settings, yes=yes, dry_run=dry_run))

    run(ctx, "migrate", body, flags=given)


def _request(s: Session, op: Any, settings: Any, *, yes: bool, dry_run: bool) -> Any:
    """The MigrateRequest of the parsed command line and the resolved settings."""
    from cmgdeploy.commands.migrate import MigrateRequest
    from cmgdeploy.services.targetspec import target_spec_loader

    load = target_spec_loader(s.settings, name=settings.to, password_prompt=secret_prompt())
    return MigrateRequest(
        to=settings.to,
        from_classic=settings.from_classic,
        from_arm=settings.from_arm,
        load_spec=load,
        drain_hours=settings.drain_hours,
        allow_delete=yes or settings.allow_delete_classic,
        dry_run=dry_run,
        classic_client=lambda sub: _classic_client(op, s.settings, sub),
        site_confirmed=settings.site_confirmed,
    )


def _classic_client(op: Any, settings: Any, subscription: str) -> Any:
    """A Service Management client (see :func:`cmgdeploy.commands.classic.open_classic_client`)."""
    from cmgdeploy.commands.classic import open_classic_client
    from cmgdeploy.services.config import management_cert_settings

    return open_classic_client(op, management_cert_settings(settings), subscription)
