"""``site``: the site database (show, export) and the CMG's Entra apps (apps).

Creating app registrations needs directory rights an ARM deployer often lacks, so
``site apps`` is its own step, run once per tenant by someone allowed to (not part of
``up``); the site runbook then imports the apps with Import-CMAADServerApplication /
Import-CMAADClientApplication.
"""

from __future__ import annotations

from typing import Any

import typer

from cmgdeploy.cli.app import site_app
from cmgdeploy.cli.harness import run
from cmgdeploy.cli.session import Session


@site_app.command("show")
def site_show(ctx: typer.Context) -> None:
    """Show the CMG services, connection points and site roles."""

    def body(s: Session) -> Any:
        from cmgdeploy.domain.results import SiteResult

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

    def body(s: Session) -> Any:
        from cmgdeploy.domain.errors import InputError
        from cmgdeploy.domain.results import TextResult
        from cmgdeploy.domain.runbook import not_ready_warnings, render
        from cmgdeploy.services.site import site_runbook

        if format != "powershell":
            raise InputError("--format", format, "powershell")
        with s.site_db() as db:
            book = site_runbook(db)
        s.warnings.extend(not_ready_warnings(book))
        return TextResult("powershell", render(book))

    run(ctx, "site export", body)


APPS_EPILOG = """\b
Examples:
  cmgdeploy -e local site apps
  cmgdeploy site apps --server-app-name CMG-ServerApp --client-app-name CMG-ClientApp --tenant-name contoso.onmicrosoft.com

\b
Creates (or reuses, by display name) the CMG's Entra server (web) app and client
(native) app through Microsoft Graph, and records their ids in the site database. A new
client secret is written once to a 0600 file under CMGDEPLOY_HOME/secrets for the
ConfigMgr admin; the site database keeps only its key id and expiry."""  # noqa: E501


@site_app.command("apps", epilog=APPS_EPILOG)
def site_apps(
    ctx: typer.Context,
    server_app_name: str = typer.Option(
        "CMG-ServerApp",
        "--server-app-name",
        metavar="NAME",
        help="Display name of the server (web) app.",
    ),
    client_app_name: str = typer.Option(
        "CMG-ClientApp",
        "--client-app-name",
        metavar="NAME",
        help="Display name of the client (native) app.",
    ),
    app_id_uri: str = typer.Option(
        None,
        "--app-id-uri",
        metavar="URI",
        help="Application ID URI of the server app, unique in the tenant, holding the "
        "tenant ID or a verified domain [default: api://<tenant ID>/ConfigMgrService].",
    ),
    tenant_name: str = typer.Option(
        None,
        "--tenant-name",
        metavar="NAME",
        help="Entra tenant name for the runbook's import (else the runbook asks).",
    ),
) -> None:
    """Create or reuse the CMG's two Entra app registrations (Microsoft Graph)."""

    def body(s: Any) -> Any:
        from cmgdeploy.commands.entra_apps import AppsRequest, ensure_cmg_apps

        request = AppsRequest(
            server_name=_display_name(server_app_name, "--server-app-name"),
            client_name=_display_name(client_app_name, "--client-app-name"),
            app_id_uri=None if app_id_uri is None else _app_id_uri(app_id_uri),
            tenant_name=tenant_name or None,
        )
        with s.op_context() as op:
            return ensure_cmg_apps(op, request)

    run(ctx, "site apps", body)


def _display_name(value: str, field_name: str) -> str:
    from cmgdeploy.domain.errors import InputError

    text = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(text) <= 120 or any(ord(ch) < 32 for ch in text):
        raise InputError(field_name, value, "a display name of 1–120 printable characters")
    return text


def _app_id_uri(value: str) -> str:
    """An Application ID URI in a form the identifier URI policy allows (the tenant ID is
    compared once signed in; whether a domain is verified only Graph knows)."""
    from cmgdeploy.commands.entra_apps import APP_ID_URI_FORMS, app_id_uri_problem
    from cmgdeploy.domain.errors import InputError

    problem = app_id_uri_problem(value) if isinstance(value, str) else "not a string"
    if problem:
        raise InputError("--app-id-uri", value, f"{problem}; use {APP_ID_URI_FORMS}")
    return value.rstrip("/")
