"""``cmgdeploy up``: preflight → deploy → register the site → wait until Ready.

Every check that can fail without Azure runs before the first call;
every preflight read runs before the first write; a re-run with the same inputs makes
no write; a running deployment of ours is attached to, not started again.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmgdeploy.domain import validate
from cmgdeploy.domain.arm_views import DeletedVault, Deployment, ResourceGroup
from cmgdeploy.domain.environments import require_cmg_supported
from cmgdeploy.domain.errors import AuthError, AzureError, ErrorDetail, InputError, UsageError
from cmgdeploy.domain.results import CmgStatus
from cmgdeploy.domain.site_records import CmgService
from cmgdeploy.domain.validate import IMAGE_GENERATIONS
from cmgdeploy.services.azure.api import ArmApi
from cmgdeploy.services.cmgstate import (
    VMSS_TYPE,
    Prefetch,
    deployment_state,
    instance_errors,
    ours,
    owned_resources,
)
from cmgdeploy.services.context import OpContext, cmg_lock, open_session
from cmgdeploy.services.paths import ensure_private_dir, write_private_file
from cmgdeploy.services.prepared import Prepared, prepare, scale_set_principal, with_principal
from cmgdeploy.services.progress import wait_for_deployment, wait_until_ready
from cmgdeploy.services.servercert import discard_unless_recorded
from cmgdeploy.services.spec import CmgSpec, region_of
from cmgdeploy.services.template import (
    cmg_tags,
)
from cmgdeploy.services.whatif import azure_changes

BASE_TYPES = (
    "microsoft.storage/storageaccounts",
    "microsoft.keyvault/vaults",
    "microsoft.network/publicipaddresses",
    "microsoft.network/virtualnetworks",
    "microsoft.network/networksecuritygroups",
    "microsoft.network/loadbalancers",
)
RUNNING = {"accepted", "running", "creating", "updating", "deploying"}
VAULT_TYPE = "microsoft.keyvault/vaults"


def up(ctx: OpContext, spec: CmgSpec, command: str = "up") -> CmgStatus:
    """Deploy or converge CMG ``spec`` and wait (unless ``ctx.no_wait``)."""
    require_cmg_supported(ctx.env)
    # A lab certificate made by a run that fails before the deployment starts is
    # removed: with no site row, no `down` would ever find it.
    from cmgdeploy.services.lease import lease_seconds

    lease_seconds()  # a bad CMGDEPLOY_LEASE_SECONDS is refused before anything is written
    with discard_unless_recorded(ctx, spec.name):
        prepared = prepare(ctx, spec)
        with cmg_lock(ctx, spec.name, command):
            subscription = spec.subscription or _recorded_subscription(ctx, spec)
            with open_session(ctx, subscription) as session:
                return converge(ctx, session, prepared, command)


def _recorded_subscription(ctx: OpContext, spec: CmgSpec) -> str | None:
    """The subscription the site database recorded for this CMG in this environment
    (no subscription list needed to find it again)."""
    svc = ctx.db.get_service(spec.name)
    if svc is None or svc.environment != ctx.env.name:
        return None
    return svc.subscription or None


def converge(ctx: OpContext, session: ArmApi, prepared: Prepared, command: str = "up") -> CmgStatus:
    """Make Azure and the site database match ``prepared`` (the body of up and scale).

    A run that changes something holds the CMG's lease in Azure (``services/lease.py``) as
    soon as its storage account exists; one with nothing to change takes none."""
    from cmgdeploy.services.lease import run_lease

    spec = prepared.spec
    # One GET says whether the deployment exists and whether the group does.
    dep, group_exists = session.find_deployment(spec.resource_group, prepared.deployment)
    svc = ctx.db.get_service(spec.name)
    known = _unchanged(session, spec, prepared, dep, svc)
    if known is not None:
        return _no_changes(ctx, session, prepared, svc, known)
    with run_lease(
        ctx, session, spec.name, spec.resource_group, command, new_group=not group_exists
    ):
        return _converge_changes(ctx, session, prepared, dep, svc, group_exists)


def _converge_changes(
    ctx: OpContext,
    session: ArmApi,
    prepared: Prepared,
    dep: Deployment | None,
    svc: CmgService | None,
    group_exists: bool,
) -> CmgStatus:
    spec = prepared.spec
    if (deployment_state(dep) or "").lower() in RUNNING:
        ctx.progress(f"attaching to running deployment {prepared.deployment}")
        svc = _record(ctx, session, prepared, svc, created_rg=bool(svc and svc.created_rg))
    else:
        group = session.get_group(spec.resource_group) if group_exists else None
        checked = preflight(ctx, session, spec, group, svc)
        svc = _deploy(ctx, session, prepared, group, svc, checked)
    # The site records describe the intended configuration: written once the deployment
    # runs, so `--no-wait` registers the site too.
    _register_site(ctx, prepared)
    if ctx.no_wait:
        return _status_now(ctx, session, svc, "deployment started; not waiting (--no-wait)")
    return _wait(ctx, session, prepared, svc)


def _unchanged(
    session: ArmApi,
    spec: CmgSpec,
    prepared: Prepared,
    dep: Deployment | None,
    svc: CmgService | None,
) -> Prefetch | None:
    """What was read, when Azure already holds exactly these inputs; else None."""
    if (deployment_state(dep) or "").lower() != "succeeded":
        return None
    if svc is not None and svc.deployment_name != prepared.deployment:
        return None  # e.g. scaled since: this older deployment is not the live state
    owned = owned_resources(session, spec.resource_group, spec.name, group_known=True)
    if not expected_types(spec) <= owned.keys():
        return None  # a resource was deleted behind our back: deploy again to restore it
    vmss = owned.get(VMSS_TYPE)
    capacity = (vmss.capacity if vmss else None) or 0
    return Prefetch(dep, owned) if vmss is not None and capacity == spec.instances else None


def expected_types(spec: CmgSpec) -> set[str]:
    """The top-level resource types (lower-case) a deployed CMG must have in its group:
    the seven of ConfigMgr's layout (the storage account always)."""
    return {VMSS_TYPE, *BASE_TYPES}


def _no_changes(
    ctx: OpContext, session: ArmApi, prepared: Prepared, svc: CmgService | None, known: Prefetch
) -> CmgStatus:
    svc = _record(ctx, session, prepared, svc, created_rg=bool(svc and svc.created_rg))
    _register_site(ctx, prepared)
    status = wait_until_ready(ctx, session, svc, known)
    _save(ctx, svc, status.state, status.fqdn)
    _fail_if_error(session, status)
    return dataclasses.replace(status, changed=False, summary="no changes")


def _deploy(
    ctx: OpContext,
    session: ArmApi,
    prepared: Prepared,
    group: ResourceGroup | None,
    svc: CmgService | None,
    checked: Preflight,
) -> CmgService:
    spec = prepared.spec
    prepared = with_principal(prepared, checked.principal)
    if not ctx.confirm(_question(ctx, session, prepared, group, svc)):
        raise UsageError("not confirmed; nothing was changed", hint="answer y, or pass --yes")
    if checked.unregistered:
        _register_providers(ctx, session, list(checked.unregistered), spec.name)
        _check_names(session, spec, group, only=checked.unregistered)
    if checked.deleted_vault is not None:
        _purge_our_deleted_vault(ctx, session, spec, checked.deleted_vault)
    # Ours if we create it now, recorded it, or tagged it (a run killed between creating
    # the group and recording it must still let `down` delete it).
    created = group is None or bool(svc and svc.created_rg) or ours(group, spec.name)
    if group is None:
        ctx.progress(f"creating resource group {spec.resource_group}")
        tags = dict(cmg_tags(spec.name, tuple(spec.tags)))
        session.ensure_group(spec.resource_group, region_of(spec), tags)
    svc = _record(ctx, session, prepared, svc, created_rg=created)
    from cmgdeploy.services.package import stage_package

    prepared = stage_package(ctx, session, prepared, new_group=group is None)
    ctx.progress(f"starting deployment {prepared.deployment}")
    session.begin_deployment(
        spec.resource_group, prepared.deployment, prepared.template.body, prepared.parameters
    )
    save_inputs(ctx.home, spec)
    _record_certificates(ctx, prepared)
    return svc


def _record_certificates(ctx: OpContext, prepared: Prepared) -> None:
    """Keep what ``check`` reads about the certificates deployed (no key, no password)."""
    from cmgdeploy.services.certrecord import save_certificate_record
    from cmgdeploy.services.certs import load_ca_certificates

    cas = load_ca_certificates(prepared.spec.trusted_cas)
    save_certificate_record(ctx.home, prepared.spec.name, prepared.certificate, cas)


def _question(
    ctx: OpContext,
    session: ArmApi,
    prepared: Prepared,
    group: ResourceGroup | None,
    svc: CmgService | None = None,
) -> str:
    """The confirmation question, about what changes (a scale asks about the scale);
    for a person at a terminal it shows the plan first (ARM what-if, one line per
    resource by type and name, each property change with its path), so nothing changes
    without being seen."""
    from cmgdeploy.domain.results import delta_text, resource_label

    spec = prepared.spec
    question = f"deploy CMG {spec.name} to {spec.resource_group} ({spec.region})?"
    if svc is not None and svc.deployment_name and svc.instances != spec.instances:
        question = (
            f"scale CMG {spec.name} from {svc.instances} to {spec.instances} "
            f"instance{'s' if spec.instances != 1 else ''}?"
        )
    if not ctx.interactive:
        return question

    lines = [f"Plan for CMG {spec.name}:"]
    try:
        changes = azure_changes(session, spec, prepared, group_exists=group is not None)
    except AzureError as err:  # e.g. a provider not registered yet: what-if cannot run
        changes = azure_changes(session, spec, prepared, group_exists=False)
        lines.append(f"  (what-if unavailable: {err.message}; listing the template)")
    for change in changes:
        if change.change in ("NoChange", "Ignore"):
            continue
        rtype, name = resource_label(change.target)
        shown = f"{name} ({rtype})" if change.target.startswith("/") else change.target
        lines.append(f"  {change.change:<8} {shown}")
        lines += [f"             {delta_text(d)}" for d in change.deltas]
    return "\n".join([*lines, question])


def _record(
    ctx: OpContext, session: ArmApi, prepared: Prepared, svc: CmgService | None, created_rg: bool
) -> CmgService:
    spec = prepared.spec
    row = CmgService(
        name=spec.name,
        environment=ctx.env.name,
        region=region_of(spec),
        instances=spec.instances,
        state="Provisioning",
        subscription=session.subscription_id,
        resource_group=spec.resource_group,
        vm_size=spec.vm_size,
        fqdn=svc.fqdn if svc else None,
        input_hash=spec.input_hash(),
        deployment_name=prepared.deployment,
        created_rg=created_rg,
    )
    return ctx.db.upsert_service(row)


def _wait(ctx: OpContext, session: ArmApi, prepared: Prepared, svc: CmgService) -> CmgStatus:
    spec = prepared.spec
    try:
        dep = wait_for_deployment(ctx, session, spec.resource_group, prepared.deployment, spec.name)
    except AzureError:
        _save(ctx, svc, "Error", svc.fqdn)
        raise
    status = wait_until_ready(ctx, session, svc, Prefetch(dep, None))
    _save(ctx, svc, status.state, status.fqdn)
    _fail_if_error(session, status)
    return dataclasses.replace(status, changed=True, summary=f"deployed {prepared.deployment}")


def _fail_if_error(session: ArmApi, status: CmgStatus) -> None:
    """A CMG that ended in Error is a failure (exit 1), not a result: raise with the
    deployment's errors and each failed instance's own status, innermost last."""
    if status.state != "Error":
        return
    details = [ErrorDetail(e["code"], e["message"], e.get("target")) for e in status.errors]
    details += instance_errors(session, status.resource_group or "", status.name)
    if not details:
        details = [ErrorDetail("ScaleSetFailed", f"scale set state {status.vmss_state}")]
    inner = details[-1]
    raise AzureError(
        f"CMG {status.name} is in Error, not Ready: {inner.message} ({inner.code}"
        f"{', ' + inner.target if inner.target else ''})",
        code="CmgNotReady",
        target=status.name,
        details=details,
        hint=f"see `cmgdeploy status --name {status.name}`; fix the cause and run "
        "`cmgdeploy up` again",
    )


def _status_now(ctx: OpContext, session: ArmApi, svc: CmgService, summary: str) -> CmgStatus:
    from cmgdeploy.services.cmgstate import read_status
    from cmgdeploy.services.observed import record_status

    status = read_status(ctx, session, svc)
    record_status(ctx, status)
    return dataclasses.replace(status, changed=True, summary=summary)


def _save(ctx: OpContext, svc: CmgService, state: str, fqdn: str | None) -> None:
    ctx.db.upsert_service(dataclasses.replace(svc, state=state, fqdn=fqdn or svc.fqdn))


def _register_site(ctx: OpContext, prepared: Prepared) -> None:
    config = prepared.site_config
    ctx.db.replace_site(config.cmg, config.connection_points, config.site_roles, config.gateway)


# -- preflight ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Preflight:
    """What the preflight reads found that the deployment step must act on."""

    # Namespaces whose name check Azure refused as not registered for the subscription
    # (MissingSubscriptionRegistration): registered after the confirmation, then checked.
    unregistered: tuple[str, ...] = ()
    deleted_vault: DeletedVault | None = None  # our soft-deleted vault holding the name
    principal: str = ""  # the existing scale set's managed identity, if it exists


def preflight(
    ctx: OpContext,
    session: ArmApi,
    spec: CmgSpec,
    group: ResourceGroup | None,
    svc: CmgService | None = None,
) -> Preflight:
    """Every read-only check (provider registration, a write, comes after
    the confirmation: see :func:`_deploy`). Region and size are read once per CMG: a CMG
    recorded with the same region and size skips them (its deployment ran there)."""
    ctx.progress("preflight: region, VM size, resource group, names")
    known_place = (
        svc is not None
        and svc.deployment_name is not None
        and svc.region == spec.region
        and svc.vm_size == spec.vm_size
    )
    # Generation 1 boots on every size: only a Generation 2 image needs the SKU's answer.
    reason: str | None = None
    generations: tuple[str, ...] = ("V1",)
    if not known_place or IMAGE_GENERATIONS[spec.image_sku] != "V1":
        reason, generations = session.vm_size_offer(region_of(spec), spec.vm_size)
    if reason:
        # One list of sizes answers both; the regions are read only to say which is wrong.
        regions = session.list_locations()
        if spec.region not in regions:
            raise InputError(
                "region",
                spec.region,
                "a region of this subscription and environment",
                hint=validate.did_you_mean(spec.region, regions),
            )
        raise InputError("vm_size", spec.vm_size, f"a size offered here: {reason}")
    check_image_generation(spec.image_sku, spec.vm_size, generations)
    if group is not None and _norm(group.location) != spec.region:
        raise InputError(
            "resource_group",
            spec.resource_group,
            f"a group in the CMG's region {spec.region} (it is in {group.location})",
        )
    return _check_names(session, spec, group)


def check_image_generation(image_sku: str, vm_size: str, generations: tuple[str, ...]) -> None:
    """Refuse an image whose HyperV generation the size cannot boot (Azure would fail
    the scale set half-way through the deployment)."""
    needed = IMAGE_GENERATIONS[image_sku]
    if needed not in generations:
        fits = [sku for sku, gen in IMAGE_GENERATIONS.items() if gen in generations]
        raise InputError(
            "image_sku",
            image_sku,
            f"an image {vm_size} can boot: it is a HyperV Generation {needed[1]} image and "
            f"{vm_size} supports {', '.join(generations) or 'no generation'} "
            f"(SKU capability HyperVGenerations); use {' or '.join(fits) or 'another size'}",
        )


def _norm(location: str | None) -> str:
    return str(location or "").replace(" ", "").lower()


def _check_names(
    session: ArmApi, spec: CmgSpec, group: ResourceGroup | None, only: tuple[str, ...] = ()
) -> Preflight:
    """Global names (vault, storage account, DNS label) not yet ours must be free; our
    own soft-deleted vault does not block (it is purged). ``only``: re-check these
    namespaces' names (after registering them)."""
    mine = []
    if group is not None:
        mine = [r for r in session.list_group_resources(spec.resource_group) if ours(r, spec.name)]
    owned = {r.type.lower() for r in mine}
    checks = [
        (VAULT_TYPE, session.check_vault_name, "VaultAlreadyExists"),
        (
            "microsoft.storage/storageaccounts",
            session.check_storage_name,
            "StorageAccountAlreadyTaken",
        ),
    ]
    unregistered: list[str] = []
    deleted_vault = None
    for rtype, check, code in checks:
        namespace = _NAMESPACES[rtype]
        if rtype in owned or (only and namespace not in only):
            continue
        try:
            available, why = check(spec.name)
        except AzureError as err:
            if err.code != "MissingSubscriptionRegistration" or only:
                raise
            unregistered.append(namespace)
            continue
        if not available:
            deleted_vault = _our_deleted_vault(session, spec) if rtype == VAULT_TYPE else None
            if deleted_vault is None:
                raise _name_taken(spec.name, rtype, code, why)
    if (
        not only
        and "microsoft.network/publicipaddresses" not in owned
        and not session.check_dns_label(region_of(spec), spec.name)
    ):
        raise _name_taken(spec.name, "DNS label", "DnsRecordInUse", "the DNS label is in use")
    return Preflight(tuple(unregistered), deleted_vault, scale_set_principal(mine))


_NAMESPACES = {
    VAULT_TYPE: "Microsoft.KeyVault",
    "microsoft.storage/storageaccounts": "Microsoft.Storage",
}


def _our_deleted_vault(session: ArmApi, spec: CmgSpec) -> DeletedVault | None:
    """Our own soft-deleted vault holding the name (tagged for this CMG, by an earlier
    `down` that could not purge it, or by hand): ``_deploy`` purges it, so it does not
    block the name. One with purge protection cannot be purged: not ours to reuse."""
    from cmgdeploy.commands.down import deleted_vaults_of

    for vault in deleted_vaults_of(session, spec.name):
        if vault.name.lower() == spec.name.lower():
            return None if vault.purge_protection else vault
    return None


def _purge_our_deleted_vault(
    ctx: OpContext, session: ArmApi, spec: CmgSpec, vault: DeletedVault
) -> None:
    """Free the vault name from our soft-deleted vault (see :func:`_our_deleted_vault`)."""
    from cmgdeploy.services.progress import Deadline

    ctx.progress(f"purging the soft-deleted key vault {vault.name} of an earlier {spec.name}")
    deadline = Deadline(ctx, spec.name)
    location = vault.location or region_of(spec)
    if not session.purge_deleted_vault(location, spec.name, timeout=deadline.remaining()):
        deadline.expire()


def _name_taken(name: str, what: str, code: str, why: str) -> AzureError:
    return AzureError(
        f"the name {name!r} is not available for {what}: {why}",
        code=code,
        target=what,
        hint="choose another --name (it must be globally unique)",
    )


def _register_providers(ctx: OpContext, session: ArmApi, namespaces: list[str], cmg: str) -> None:
    """Register namespaces Azure said are not registered (the template deployment
    registers the ones its resources use by itself; the name checks need them first)."""
    for ns in namespaces:
        ctx.progress(f"registering resource provider {ns}")
        try:
            session.register_provider(ns)
        except AuthError as exc:
            exc.hint = f"ask an owner of the subscription to run: az provider register -n {ns}"
            raise
    _wait_registered(ctx, session, namespaces, cmg)


def _wait_registered(ctx: OpContext, session: ArmApi, namespaces: list[str], cmg: str) -> None:
    from cmgdeploy.services.azure.retry import poll_delay
    from cmgdeploy.services.progress import Deadline

    deadline, attempt = Deadline(ctx, cmg), 0
    pending = list(namespaces)
    while pending:
        pending = [ns for ns in pending if session.provider_state(ns).lower() != "registered"]
        if not pending:
            return
        deadline.check()
        ctx.sleep(poll_delay(attempt, None, deadline.remaining()))
        attempt += 1


# -- inputs kept for scale ---------------------------------------------------------------
def inputs_path(home: Path, name: str) -> Path:
    return ensure_private_dir(home / "cmgs") / f"{name}.json"


def save_inputs(home: Path, spec: CmgSpec) -> None:
    """Keep the spec's non-secret inputs so ``scale`` can redeploy the same template."""
    data = spec.to_dict()
    data["tags"] = [f"{k}={v}" for k, v in (data.get("tags") or {}).items()]
    for key in ("environment", "server_cert_thumbprint", "trusted_ca_thumbprints",
                "cmg_package_sha256"):  # fmt: skip
        data.pop(key, None)
    write_private_file(inputs_path(home, spec.name), json.dumps(data, default=str).encode())


def load_inputs(home: Path, name: str) -> dict[str, Any] | None:
    path = home / "cmgs" / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
