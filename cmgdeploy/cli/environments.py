"""``environments``: the AzureEnvironments table (clouds cmgdeploy can deploy to)."""

from __future__ import annotations

from typing import Any

import typer

from cmgdeploy.cli.app import env_app
from cmgdeploy.cli.harness import run
from cmgdeploy.cli.session import Session


@env_app.command("list")
def env_list(ctx: typer.Context) -> None:
    """List the AzureEnvironments rows."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.environments import list_environments
        from cmgdeploy.domain.results import TableResult

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

    def body(s: Session) -> Any:
        from cmgdeploy.commands.environments import get_environment

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

    def body(s: Session) -> Any:
        from cmgdeploy.commands.environments import add_environment
        from cmgdeploy.domain.environments import build_environment

        env = build_environment(name, **settings)
        with s.site_db() as db:
            return add_environment(db, env)

    run(ctx, "environments add", body)


@env_app.command("remove")
def env_remove(ctx: typer.Context, name: str = typer.Argument(..., help="Row name.")) -> None:
    """Remove a row you added (built-in rows cannot be removed)."""

    def body(s: Session) -> Any:
        from cmgdeploy.commands.environments import remove_environment

        with s.site_db() as db:
            return remove_environment(db, name)

    run(ctx, "environments remove", body)
