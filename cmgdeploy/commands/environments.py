"""``cmgdeploy environments list|show|add|remove``: the AzureEnvironments rows of the site
database (the built-in clouds and the rows users add)."""

from __future__ import annotations

from cmgdeploy.domain.environments import BUILTIN_NAMES, AzureEnvironment
from cmgdeploy.domain.errors import InputError, UsageError
from cmgdeploy.services.sitedb import SiteDB


def list_environments(db: SiteDB) -> tuple[AzureEnvironment, ...]:
    """All rows, built-ins first, then the added ones by name."""
    return db.list_environments()


def get_environment(db: SiteDB, name: str) -> AzureEnvironment:
    """The row called ``name`` (case-insensitive); unknown → InputError listing the known."""
    found = db.get_environment(name)
    if found is None:
        known = ", ".join(env.name for env in db.list_environments())
        raise InputError("environment", name, f"one of: {known} (add others with environments add)")
    return found


def add_environment(
    db: SiteDB, env: AzureEnvironment, *, replace: bool = False
) -> AzureEnvironment:
    """Store a user row; an existing user row needs ``replace=True``."""
    if env.is_builtin or env.name.lower() in BUILTIN_NAMES:
        raise UsageError(f"{env.name} is a built-in environment and cannot be replaced")
    if db.get_environment(env.name) is not None and not replace:
        raise UsageError(f"environment {env.name} already exists; remove it first")
    db.put_environment(env)
    return env


def remove_environment(db: SiteDB, name: str) -> AzureEnvironment:
    """Remove a user row; built-ins and rows still used by a CMG are refused."""
    env = get_environment(db, name)
    if env.is_builtin:
        raise UsageError(f"{env.name} is a built-in environment and cannot be removed")
    users = [svc.name for svc in db.list_services() if svc.environment.lower() == env.name.lower()]
    if users:
        raise UsageError(
            f"environment {env.name} is used by CMG {', '.join(users)}; run down for it first"
        )
    db.delete_environment(env.name)
    return env
