"""``cmgdeploy down``: delete what cmgdeploy created for one CMG, and nothing else.

Resources tagged ``cmgdeploy-cmg=<name>`` are deleted (scale set first, then what it
used); the resource group only when cmgdeploy created it and it is then empty; then
the site-database records and the kept inputs.
"""

from __future__ import annotations

from cmgdeploy.domain.arm_views import DeletedVault, GroupResource
from cmgdeploy.domain.errors import NotFound, UsageError
from cmgdeploy.domain.results import DownResult
from cmgdeploy.services.azure.api import ArmApi
from cmgdeploy.services.certrecord import remove_certificate_record
from cmgdeploy.services.cmgstate import locate_in_azure, ours
from cmgdeploy.services.context import OpContext, cmg_lock, open_session
from cmgdeploy.services.progress import Deadline
from cmgdeploy.services.servercert import remove_lab_cert
from cmgdeploy.services.template import CMG_TAG, load_template

# Dependents before what they depend on.
DELETE_ORDER = (
    "microsoft.compute/virtualmachinescalesets",
    "microsoft.network/loadbalancers",
    "microsoft.network/publicipaddresses",
    "microsoft.network/virtualnetworks",
    "microsoft.network/networksecuritygroups",
    "microsoft.keyvault/vaults",
    "microsoft.storage/storageaccounts",
)


def _order(resource: GroupResource) -> int:
    rtype = resource.type.lower()
    return DELETE_ORDER.index(rtype) if rtype in DELETE_ORDER else len(DELETE_ORDER)


def down(ctx: OpContext, name: str) -> DownResult:
    """Delete CMG ``name``'s resources, its group if ours and empty, its site records."""
    # Another machine's CMG, or one whose site row is lost: found by its tag in Azure.
    svc = ctx.db.get_service(name) or locate_in_azure(ctx, name)
    if svc is None:
        raise NotFound(
            f"CMG {name} not found: neither the site database nor Azure ({ctx.env.name}) "
            "has it; nothing was deleted",
            target=name,
            hint="`cmgdeploy site show` lists the CMGs this machine knows; check the name and -e",
        )
    if not ctx.confirm(f"delete CMG {name} and its resources in {svc.resource_group}?"):
        raise UsageError("not confirmed; nothing was deleted", hint="answer y, or pass --yes")
    with cmg_lock(ctx, name, "down"):
        with open_session(ctx, svc.subscription) as session:
            result = _delete_azure(ctx, session, name, svc.resource_group or "", svc.created_rg)
        # Local files first, the site row last: a run killed in between leaves the row,
        # so the next `down` finds the CMG and finishes (it is what names the work left).
        remove_lab_cert(ctx.home, name)
        (ctx.home / "cmgs" / f"{name}.json").unlink(missing_ok=True)
        remove_certificate_record(ctx.home, name)
        ctx.db.delete_service(name)
    return result


def _delete_azure(
    ctx: OpContext, session: ArmApi, name: str, group: str, created_rg: bool
) -> DownResult:
    deadline = Deadline(ctx, name, resume=f"`cmgdeploy down --name {name} --yes`")
    # One list answers both: the group's resources, or (404) that the group is gone.
    everything = session.list_group_resources(group, missing_ok=True)
    if not everything and session.get_group(group) is None:
        _purge_deleted_vaults(ctx, session, name, group, deadline)  # a killed run's leftover
        return DownResult(name, resource_group=group, site_records_removed=True)
    versions = load_template().api_versions()
    mine = sorted((r for r in everything if ours(r, name)), key=_order)
    for res in _without_children(mine):
        ctx.progress(f"deleting {res.type} {res.name}")
        deadline.check()
        api = versions.get(res.type.lower(), "2021-04-01")
        if not session.delete_resource(res.id, api, timeout=deadline.remaining()):
            deadline.expire()
    _purge_deleted_vaults(ctx, session, name, group, deadline)
    left = [r.id for r in session.list_group_resources(group)]
    deleted_group = created_rg and not left
    if deleted_group:
        ctx.progress(f"deleting resource group {group}")
        deadline.check()
        if not session.delete_group(group, timeout=deadline.remaining()):
            deadline.expire()
    return DownResult(
        name,
        deleted_resources=tuple(r.id for r in mine),
        kept_resources=tuple(left),
        deleted_group=deleted_group,
        resource_group=group,
        site_records_removed=True,
    )


def _without_children(resources: list[GroupResource]) -> list[GroupResource]:
    """Resources whose parent is not in the list too (deleting a vault deletes its
    secrets; a DELETE of the child afterwards would change nothing)."""
    ids = [r.id.lower() for r in resources]
    return [
        r
        for r, rid in zip(resources, ids, strict=True)
        if not any(rid.startswith(other + "/") for other in ids if other != rid)
    ]


def _purge_deleted_vaults(
    ctx: OpContext, session: ArmApi, name: str, group: str, deadline: Deadline
) -> None:
    """Purge the soft-deleted key vaults of this CMG (ours by tag, from this group).

    A deleted vault keeps its (global) name for 90 days: without the purge the same
    name could not be deployed again. Found by listing, so a `down` killed between
    the delete and the purge finishes the purge when run again."""
    for vault in deleted_vaults_of(session, name):
        if f"/resourcegroups/{group.lower()}/" not in vault.vault_id.lower():
            continue
        if vault.purge_protection:
            ctx.warnings.add(
                f"key vault {vault.name} has purge protection: it stays soft-deleted "
                f"until {vault.scheduled_purge_date}, and holds its name until then"
            )
            continue
        ctx.progress(f"purging deleted key vault {vault.name}")
        deadline.check()
        if not session.purge_deleted_vault(
            vault.location, vault.name, timeout=deadline.remaining()
        ):
            deadline.expire()


def deleted_vaults_of(session: ArmApi, name: str) -> list[DeletedVault]:
    """The subscription's soft-deleted key vaults tagged for CMG ``name``."""
    return [v for v in session.list_deleted_vaults() if v.tags.get(CMG_TAG) == name]
