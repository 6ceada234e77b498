"""The ``check`` command: expiry and health of a CMG, for monitoring."""

from __future__ import annotations

from typing import Any

import typer

from cmgdeploy.cli.app import app
from cmgdeploy.cli.harness import run
from cmgdeploy.cli.options import NAME, TIMEOUT, name_of, option
from cmgdeploy.cli.session import Session

CHECK_EPILOG = """\b
Examples:
  cmgdeploy check --name contosocmg
  cmgdeploy check --name contosocmg --warn-days 45 --connect -o json

\b
Checks the server certificate, the trusted root certificates, the Entra app secrets,
the classic management certificate (when one is configured) and the deployment's
state; --connect also opens TLS to every endpoint of the CMG, as the console's
connection analyzer does. Reads only. Exit codes for monitoring: 0 ok, 10 warning
(something expires within --warn-days, or cannot be judged), 11 critical (expired,
within --critical-days, failed or unreachable); 2 bad input, 3 sign-in failed."""

WARN_DAYS = typer.Option(
    "30", "--warn-days", help="Warn when something expires within this many days (default 30)."
)
CRITICAL_DAYS = typer.Option(
    "7", "--critical-days", help="Critical within this many days (default 7; expired always)."
)
CONNECT = typer.Option(
    False, "--connect", help="Also open TLS to 443 and each 10124+i port and verify them."
)
SERVICE_NAME = typer.Option(
    None,
    "--service-name",
    help="With --connect: the name clients use (a custom domain: the certificate's CN, "
    "a CNAME to the deployment's name); default the deployment's DNS name.",
)
TRUST_CA = typer.Option(
    None, "--trust-ca", help="With --connect: a CA certificate (PEM) to trust (repeatable)."
)
MANAGEMENT_CERT = option("management_cert", "check")


@app.command("check", epilog=CHECK_EPILOG)
def check(
    ctx: typer.Context,
    name: str = NAME,
    warn_days: str = WARN_DAYS,
    critical_days: str = CRITICAL_DAYS,
    connect: bool = CONNECT,
    service_name: str = SERVICE_NAME,
    trust_ca: list[str] = TRUST_CA,
    management_cert: str = MANAGEMENT_CERT,
    timeout: float = TIMEOUT,
) -> None:
    """Expiry and health of a CMG (certificates, app secrets, deployment, endpoints)."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.check import CheckRequest, check_days
        from cmgdeploy.commands.check import check as do_check
        from cmgdeploy.services.config import management_cert_settings

        cmg = name_of(s)
        warn, critical = check_days(warn_days, critical_days)
        mgmt = management_cert_settings(s.settings)
        request = CheckRequest(cmg, warn, critical, connect, mgmt)
        if connect:
            request = _with_analyzer(request, service_name, trust_ca or [])
        with s.op_context(timeout=timeout) as op:
            return do_check(op, request)

    run(ctx, "check", body, flags={"name": name, "management_cert": management_cert})


def _with_analyzer(request: Any, service_name: str | None, trust: list[str]) -> Any:
    """``request`` with the connection analyzer added (inputs checked first)."""
    import dataclasses

    from cmgdeploy.commands.connect import Analyzer
    from cmgdeploy.domain.validate import fqdn, readable_file

    name = fqdn(service_name, "--service-name") if service_name else None
    files = tuple(readable_file(path, "--trust-ca") for path in trust)
    return dataclasses.replace(request, extra=(Analyzer(request, name, files),))
