"""Help that teaches: an example under every command, plain metavars, whole summaries.

Applied to the Click command tree Typer builds (:func:`polish`), so it covers every
command, including those registered by other modules: an option's metavar says what to
give (``FILE``, ``NAME``, ``N``…) instead of a Python type (``<str>``,
``<list[str]>``); a command without examples gets its own; a group's command list
shows each summary whole at 80 columns.
"""

from __future__ import annotations

from typing import Any

# What to give, by option (an option declared with ``metavar=`` keeps its own; one
# in neither place shows VALUE).
METAVARS = {
    "--environment": "ENV",
    "--config": "FILE",
    "--output": "text|json",
    "--site-db": "FILE",
    "--name": "NAME",
    "--to": "NAME",
    "--from": "NAME",
    "--from-classic": "NAME",
    "--region": "REGION",
    "--resource-group": "GROUP",
    "--subscription": "SUBSCRIPTION-ID",
    "--instances": "N",
    "--vm-size": "SIZE",
    "--server-cert": "FILE",
    "--trusted-ca": "FILE",
    "--site-code": "CODE",
    "--connection-point": "FQDN",
    "--management-point": "FQDN",
    "--software-update-point": "FQDN",
    "--timeout": "SECONDS",
    "--drain-hours": "HOURS",
    "--management-cert": "FILE",
    "--authority": "URL",
    "--resource-manager": "URL",
    "--service-management": "URL",
    "--audience": "URL",
    "--ca-bundle": "FILE",
    "--storage-suffix": "SUFFIX",
    "--keyvault-suffix": "SUFFIX",
    "--public-ip-suffix": "SUFFIX",
    "--format": "FORMAT",
    "--clients": "N",
    "--prices": "URL",
    "--image-sku": "TEXT",
    "--cmg-package": "TEXT",
    "--content-gb": "TEXT",
    "--currency": "TEXT",
    "--warn-days": "TEXT",
    "--critical-days": "TEXT",
    "--service-name": "TEXT",
    "--concurrency": "N",
}

E = "cmgdeploy -e local"
EXAMPLES = {
    "up": [
        f"{E} up --region westeurope --name contosocmg --self-signed-cert --site-code PS1 "
        "--connection-point cp1.contoso.com --management-point mp1.contoso.com --yes",
        "cmgdeploy up --name contosocmg --region westeurope --server-cert contosocmg.pfx "
        "--site-code PS1 --connection-point cp1.contoso.com --instances 2",
        "cmgdeploy -c /etc/cmgdeploy/cmgdeploy.toml up --yes   (everything in the file)",
    ],
    "plan": [
        f"{E} plan --region westeurope --name contosocmg --self-signed-cert --site-code PS1 "
        "--connection-point cp1.contoso.com --instances 2",
    ],
    "status": [
        f"{E} status --name contosocmg",
        f"{E} status --name contosocmg --watch          (until Ready or Error)",
        f"{E} status --name contosocmg -o json",
    ],
    "scale": [
        f"{E} scale --name contosocmg --instances 3",
        f"{E} scale --name contosocmg --instances 2 --yes --no-wait",
    ],
    "down": [
        f"{E} down --name contosocmg            (asks first at a terminal)",
        f"{E} down --name contosocmg --yes",
    ],
    "auth check": [
        f"{E} auth check",
        "AZURE_TENANT_ID=… AZURE_CLIENT_ID=… AZURE_CLIENT_SECRET=… cmgdeploy auth check",
    ],
    "environments list": ["cmgdeploy environments list", "cmgdeploy environments list -o json"],
    "environments show": ["cmgdeploy environments show AzureUSGovernmentCloud"],
    "environments add": [
        "cmgdeploy environments add labcloud --authority https://login.lab.example "
        "--resource-manager https://management.lab.example/ --ca-bundle lab-ca.pem",
    ],
    "environments remove": ["cmgdeploy environments remove labcloud"],
    "site show": ["cmgdeploy site show", "cmgdeploy site show -o json"],
    "site export": [
        "cmgdeploy site export > configure-cmg.ps1",
        "cmgdeploy site export --format powershell",
    ],
    "classic list": [
        f"{E} classic list",
        "cmgdeploy classic list --management-cert management.pfx --subscription "
        "00000000-0000-0000-0000-000000000000",
    ],
    "classic show": [f"{E} classic show contosoclassic"],
}

# Short summaries for the top-level command list (Click cuts a longer one with "...";
# others show their first paragraph whole).
SUMMARIES = {
    "up": "Deploy the CMG and wait until it is Ready.",
    "plan": "Show what `up` would change; writes nothing.",
    "status": "Show the CMG's state in Azure and the site DB.",
    "scale": "Change the CMG's instance count.",
    "down": "Delete what cmgdeploy created for the CMG.",
    "migrate": "Replace a classic (or ARM) CMG, resumably.",
    "estimate": "Size and price a CMG for a client count.",
    "check": "Check a CMG's readiness without changing it.",
    "auth": "Sign-in checks.",
    "environments": "The clouds cmgdeploy can deploy to.",
    "site": "The site database: services, points, roles.",
    "classic": "Classic (cloud service) CMGs.",
}


def polish(command: Any, path: str = "") -> Any:
    """Metavars, examples and summaries for ``command`` and everything under it."""
    for param in getattr(command, "params", []):
        if param.param_type_name == "option" and not param.is_flag and param.metavar is None:
            param.metavar = next((METAVARS[o] for o in param.opts if o in METAVARS), "VALUE")
        elif param.param_type_name == "argument" and param.metavar is None:
            param.metavar = str(param.name).upper()
            # The name says it; Typer would add the Python type ("NAME <str>"), and
            # offers no public way to leave it out (docs/KNOWN_GAPS.md, "Code structure").
            param.display_type_rich = lambda ctx: None
    examples = EXAMPLES.get(path)
    if examples and not command.epilog:
        command.epilog = "\b\nExamples:\n" + "\n".join(f"  {line}" for line in examples)
    for name, sub in (getattr(command, "commands", None) or {}).items():
        full = f"{path} {name}".strip()
        summary = SUMMARIES.get(full)  # by the whole path: `check` is not `auth check`
        if summary is None and not sub.short_help and sub.help:
            # The first paragraph, whole (Click would cut it at 45 characters).
            summary = " ".join(sub.help.split("\n\n")[0].split())
        if summary is not None:
            sub.short_help = summary
        polish(sub, full)
    return command
