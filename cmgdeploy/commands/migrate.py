"""``cmgdeploy migrate``: replace a classic (or ARM) CMG by a new ARM CMG, over days.

Phases: discover → deploy → register → verify → site → drain → retire → done, as
Microsoft's procedure has it: create the new CMG and its connection point *in the site*,
wait at least a day for client policy, then remove the old CMG from the site and delete
it. The journal is tags on the target's resource group (``cmgdeploy.services.journal``),
so any machine can run the next step; each run does as many phases as it can and stops
at the first that must wait (``PHASE_WAITS`` says for what). The drain clock starts when
the admin confirms the site has the new CMG (``--site-confirmed``), not when Azure says
Ready. A failing phase leaves the source untouched and the journal at that phase with
the error; the next run retries from there. Deploy is ``up``'s own path (``prepare`` +
``converge``). The target spec given on the first run is kept in the site database, so
later runs need only ``--from-classic``/``--from`` and ``--to``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cmgdeploy.commands import up as up_op
from cmgdeploy.commands.migrate_sources import ArmSource, ClassicSource, SourceFacts
from cmgdeploy.domain.arm_views import ResourceGroup
from cmgdeploy.domain.environments import require_cmg_supported
from cmgdeploy.domain.errors import AzureError, CmgError, InputError, UsageError
from cmgdeploy.domain.redact import redact
from cmgdeploy.domain.site_records import CmgService
from cmgdeploy.services import site
from cmgdeploy.services.azure.api import ArmApi
from cmgdeploy.services.cmgstate import read_status
from cmgdeploy.services.context import OpContext, cmg_lock, open_session
from cmgdeploy.services.journal import PHASES, Journal, from_tags, iso, mirror, parse_iso, utc_now
from cmgdeploy.services.journal import without_journal as foreign_tags
from cmgdeploy.services.lease import lease_seconds, run_lease
from cmgdeploy.services.observed import record_status
from cmgdeploy.services.prepared import prepare
from cmgdeploy.services.progress import wait_until_ready
from cmgdeploy.services.spec import CmgSpec, region_of
from cmgdeploy.services.targetspec import spec_inputs
from cmgdeploy.services.template import CMG_TAG, cmg_tags

RECOMMENDED_DRAIN_HOURS = 24.0
PHASE_WAITS = {
    "discover": "the source to be Ready and the admin to confirm it is the CMG to replace",
    "deploy": "the target's ARM deployment to finish",
    "register": "nothing: it records the target's connection points and roles",
    "verify": "the target CMG to be Ready in Azure",
    "site": "the admin to create the new CMG and its connection point in the site (the "
    "runbook in site_runbook) and confirm it with --site-confirmed",
    "drain": "--drain-hours since the site confirmation (clients refresh policy daily)",
    "retire": "consent to delete the source (--yes or allow_delete_classic) and the target "
    "Ready right then",
    "done": "nothing",
}

# (defaults for keys the user did not set, require_region) -> CmgSpec
SpecLoader = Callable[[dict[str, Any], bool], CmgSpec]


@dataclass(frozen=True)
class MigrateRequest:
    """What the CLI gathered: the source, the target (a spec loader), consent, mode."""

    to: str | None
    from_classic: str | None
    from_arm: str | None
    load_spec: SpecLoader
    drain_hours: float = RECOMMENDED_DRAIN_HOURS
    allow_delete: bool = False  # --yes or allow_delete_classic = true
    dry_run: bool = False
    classic_client: Callable[[str], contextlib.AbstractContextManager[Any]] | None = None
    site_confirmed: bool = False  # the admin says the site has the new CMG and its point

    @property
    def source(self) -> str:
        return self.from_classic or self.from_arm or ""

    @property
    def source_kind(self) -> str:
        return "classic" if self.from_classic else "arm"


@dataclass(frozen=True)
class MigrationResult:
    """Where the migration stands after this run (``phase`` = the phase reached)."""

    target: str
    source: str
    source_kind: str
    phase: str
    next_phase: str | None
    resource_group: str
    wait_until: str | None = None
    ready_since: str | None = None
    drain_hours: float = RECOMMENDED_DRAIN_HOURS
    seconds_left: int | None = None
    phases_run: tuple[str, ...] = ()
    would_delete: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    dry_run: bool = False
    summary: str = ""
    site_confirmed: str | None = None
    waiting_for: str | None = None
    site_runbook: str | None = None  # the runbook file this run wrote for the site
    site_steps: str | None = None  # its PowerShell
    source_found: str | None = None  # what discover found (what the admin confirmed)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for key in ("phases_run", "would_delete", "deleted"):
            data[key] = list(data[key])
        return data


def migrate(ctx: OpContext, req: MigrateRequest) -> MigrationResult:
    """Run the migration from its journal as far as it can go (see the module docstring)."""
    require_cmg_supported(ctx.env)
    _check_request(ctx, req)
    saved = ctx.db.get_migration_spec(str(req.to))
    given = req.load_spec
    req = dataclasses.replace(req, load_spec=_with_saved(given, saved or {}))
    base = req.load_spec({}, False)  # name, group, subscription: enough to find the journal
    if saved is None and base.site_code is None:
        # No spec here or in this run: another machine began it; the journal has it.
        req, base = _spec_from_journal(ctx, req, given, base)
    _check_site_code(base)
    if req.dry_run:
        return _with_session(ctx, base, lambda s: Migration(ctx, req, s, base).dry_run())
    lease_seconds()  # a bad CMGDEPLOY_LEASE_SECONDS is refused before anything is written
    with cmg_lock(ctx, base.name, "migrate"):  # --wait-lock: ctx.wait_lock
        return _with_session(ctx, base, lambda s: Migration(ctx, req, s, base).run())


def _spec_from_journal(
    ctx: OpContext, req: MigrateRequest, given: SpecLoader, base: CmgSpec
) -> tuple[MigrateRequest, Any]:
    """The request and base spec with the target spec the journal's tags hold (reads only)."""
    with open_session(ctx, base.subscription) as session:
        group = session.get_group(base.resource_group)
    journal = from_tags(group.tags if group else None)
    if journal is None or not journal.spec:
        return req, base
    try:
        kept = dict(json.loads(journal.spec))
    except (ValueError, TypeError):
        return req, base
    req = dataclasses.replace(req, load_spec=_with_saved(given, kept))
    return req, req.load_spec({}, False)


def _with_saved(load: SpecLoader, saved: dict[str, Any]) -> SpecLoader:
    """The spec loader with the target spec kept from the first run as defaults."""
    return lambda defaults, require_region: load({**saved, **defaults}, require_region)


def _with_session(
    ctx: OpContext, base: CmgSpec, body: Callable[[ArmApi], MigrationResult]
) -> MigrationResult:
    with open_session(ctx, base.subscription) as session:
        return body(session)


def _check_site_code(spec: CmgSpec) -> None:
    """The template needs a site code: refuse before the journal (a write) is started."""
    if spec.site_code is None:
        raise InputError(
            "site_code",
            None,
            "a value is required: give --site-code, CMGDEPLOY_SITE_CODE or site_code in "
            "the config file",
        )


def _check_request(ctx: OpContext, req: MigrateRequest) -> None:
    if not req.to:
        raise UsageError(
            "give the new CMG's name with --to (or CMGDEPLOY_MIGRATE_TO, [migrate] to)",
            hint="a classic CMG's cloudapp.net name cannot be kept: the target needs a new one",
        )
    if not req.source:
        raise UsageError("give the source: --from-classic NAME or --from NAME")
    if req.from_arm and req.from_arm == req.to:
        raise UsageError(f"--from and --to are both {req.to}: a redeploy needs a new name")
    if req.drain_hours < RECOMMENDED_DRAIN_HOURS:
        ctx.warnings.add(
            f"--drain-hours {req.drain_hours:g} is below 24: clients that have not refreshed "
            "their policy since the new CMG was ready may lose their internet management"
        )


class Migration:
    """One run of the state machine for one target."""

    def __init__(self, ctx: OpContext, req: MigrateRequest, session: ArmApi, base: CmgSpec) -> None:
        self.ctx, self.req, self.session, self.base = ctx, req, session, base
        self.group: ResourceGroup | None = session.get_group(base.resource_group)
        found = from_tags(self.group.tags if self.group else None)
        self.journal = found or Journal(req.source, req.source_kind)
        if found is not None and (found.source, found.source_kind) != (
            req.source,
            req.source_kind,
        ):
            raise UsageError(
                f"{base.resource_group} holds the journal of a migration of {base.name} from "
                f"{self.journal.source_kind} CMG {self.journal.source}, not {req.source}",
                hint=f"continue it with the same source, or choose another target than {base.name}",
            )
        self.source = self._source()
        self.ran: list[str] = []
        self.wait_until: str | None = None
        self.seconds_left: int | None = None
        self.would_delete: tuple[str, ...] = ()
        self.deleted: tuple[str, ...] = ()
        self.runbook: tuple[str, str] | None = None  # (file, PowerShell) written this run
        self.found: str | None = None

    def _source(self) -> ClassicSource | ArmSource:
        req = self.req
        if req.source_kind == "arm":
            return ArmSource(req.source, self.ctx, self.journal)
        factory = req.classic_client
        if factory is None:
            raise UsageError("a classic source needs a management certificate (--management-cert)")
        subscription = self.session.subscription_id
        return ClassicSource(req.source, lambda: factory(subscription), self.ctx)

    # -- the machine ---------------------------------------------------------------------
    def run(self) -> MigrationResult:
        steps: dict[str, Callable[[], bool]] = {
            "discover": self.discover,
            "deploy": self.deploy,
            "register": self.register,
            "verify": self.verify,
            "site": self.site,
            "drain": self.drain,
            "retire": self.retire,
        }
        try:
            while self.journal.phase != "done":
                phase = self.journal.phase
                self.ctx.progress(
                    f"migrate {self.base.name}: {phase} (waits for {PHASE_WAITS[phase]})"
                )
                try:
                    go_on = steps[phase]()
                except CmgError as err:
                    self._record_failure(err)
                    raise
                self.ran.append(phase)
                if not go_on:
                    break
        finally:
            self.source.close()
        return self._result()

    def discover(self) -> bool:
        facts = self.source.discover()
        spec = self._spec(_defaults(facts.region, facts.instances, facts.vm_size))
        # Every check `up` makes before its first write (certificate, template, site
        # rules, then the read-only preflight) runs before the journal, a write, starts.
        prepare(self.ctx, spec)
        up_op.preflight(self.ctx, self.session, spec, self.group)
        self.found = facts.describe()
        self.ctx.progress(self.found)
        if not self.ctx.confirm(f"replace {facts.kind} CMG {facts.name} by {spec.name}?"):
            raise UsageError(
                f"{facts.kind} CMG {facts.name} was not confirmed; nothing was written",
                hint="run again and answer yes, or pass --yes",
            )
        kept = spec_inputs(spec)
        self.ctx.db.put_migration_spec(spec.name, kept)
        self._register_classic_service(facts, spec)
        self._save(
            self.journal.at(
                "deploy",
                region=spec.region,
                instances=spec.instances,
                vm_size=spec.vm_size,
                source_group=facts.resource_group,
                source_subscription=facts.subscription,
                spec=json.dumps(kept, sort_keys=True, separators=(",", ":")),
            ),
            create_in=spec,
        )
        return True

    def deploy(self) -> bool:
        spec = self._planned_spec()
        prepared = prepare(self.ctx, spec)
        self._ensure_service_row(spec, prepared.deployment)
        status = up_op.converge(self.ctx, self.session, prepared, "migrate")
        if status.state != "Ready":
            raise _target_not_ready(spec.name, status.state, "after its deployment")
        self._save(self.journal.at("register"))
        return True

    def register(self) -> bool:
        config = prepare(self.ctx, self._planned_spec()).site_config
        # The source's records stay until retire: both CMGs serve during the drain.
        self.ctx.db.replace_site(
            config.cmg, config.connection_points, config.site_roles, config.gateway
        )
        self._save(self.journal.at("verify"))
        return True

    def verify(self) -> bool:
        svc = self._target_service()
        status = wait_until_ready(self.ctx, self.session, svc)
        record_status(self.ctx, status)  # state, fqdn, instances, ports: what Azure says
        if status.state != "Ready":
            raise _target_not_ready(svc.name, status.state, "at verify")
        since = self.journal.ready_since or iso(utc_now())
        self._save(self.journal.at("site", ready_since=since))
        return True

    def site(self) -> bool:
        """Wait for the admin: the site must have the new CMG and its connection point
        (the runbook written here does it) before the drain clock starts."""
        if self.journal.site_confirmed:
            self._save(self.journal.at("drain"))
            return True
        book = site.cmg_runbook(self.ctx.db, self.base.name)
        self._write_runbook(f"{self.base.name}-site.ps1", book)
        if not self.req.site_confirmed:
            self._save(self.journal.at("site"))
            return False
        self._save(self.journal.at("drain", site_confirmed=iso(utc_now())))
        return True

    def drain(self) -> bool:
        confirmed = parse_iso(self.journal.site_confirmed)
        if confirmed is None:  # a journal from before the site step: confirm it first
            self._save(self.journal.at("site"))
            return True
        until = confirmed + dt.timedelta(hours=self.req.drain_hours)
        left = (until - utc_now()).total_seconds()
        if left > 0:
            self.wait_until, self.seconds_left = iso(until), int(left + 0.999)
            self.ctx.progress(f"draining until {self.wait_until} ({_duration(left)} left)")
            self._save(self.journal.at("drain"))
            return False
        self._save(self.journal.at("retire"))
        return True

    def retire(self) -> bool:
        svc = self._target_service()
        status = read_status(self.ctx, self.session, svc)  # right now, not the journal's word
        record_status(self.ctx, status)
        if status.state != "Ready":
            raise _target_not_ready(svc.name, status.state, "at retire; nothing was deleted")
        self.would_delete = tuple(self.source.would_delete())
        source = self.journal.source
        removal = site.runbook_of_removal(self.ctx.db, source, self._source_name())
        self._write_runbook(f"{self.base.name}-retire-{source}.ps1", removal)
        if not self.req.allow_delete:
            self._save(self.journal.at("retire"))
            return False
        # Deleting the source: one machine at a time (the target's lease in Azure).
        with run_lease(self.ctx, self.session, svc.name, svc.resource_group or "", "migrate"):
            self.deleted = tuple(self.source.retire())
        self.would_delete = ()
        self._save(self.journal.at("done"))
        return True

    # -- dry run -----------------------------------------------------------------------
    def dry_run(self) -> MigrationResult:
        """The phases a run would go through, from the journal; reads only."""
        start = PHASES.index(self.journal.phase)
        try:
            if self.journal.phase != "done":
                self.would_delete = tuple(self.source.would_delete())  # reads only
            if self.journal.phase == "discover":
                facts = self.source.discover()  # read-only: shows whether it would start
                self.found = facts.describe()
                self.ctx.progress(self.found)
                self.ctx.progress(
                    f"would deploy {self.base.name} in {facts.region} with {facts.instances} "
                    f"instance(s), replacing {facts.kind} CMG {facts.name}"
                )
        finally:
            self.source.close()
        self.ran = list(PHASES[start:-1])
        return dataclasses.replace(
            self._result(), dry_run=True, summary="dry run: phases it would run, nothing written"
        )

    # -- the journal -------------------------------------------------------------------
    def _save(self, journal: Journal, create_in: Any = None) -> None:
        """Write ``journal`` to the group's tags (only when it changed) and the mirror."""
        self.journal = journal
        tags = {**foreign_tags(self.group.tags if self.group else None), **journal.to_tags()}
        if self.group is None and create_in is not None:
            tags = {**cmg_tags(create_in.name, tuple(create_in.tags)), **tags}
            self.ctx.progress(f"creating resource group {create_in.resource_group}")
            self.group = self.session.ensure_group(create_in.resource_group, create_in.region, tags)
        elif self.group is not None and _changed(self.group.tags, tags):
            where = self.group.location
            self.group = self.session.ensure_group(self.base.resource_group, where, tags)
        mirror(self.ctx.db, self.base.name, journal, self.wait_until)

    def _record_failure(self, err: CmgError) -> None:
        # Tags are readable by anyone with Reader on the group: never a secret in them.
        failed = dataclasses.replace(self.journal, error=redact(f"{err.code}: {err.message}"))
        try:
            self._save(failed)
        except CmgError as second:
            # The first error is the one to report; the mirror at least keeps it locally.
            self.ctx.warnings.add(f"could not record the error in the journal: {second.message}")
            mirror(self.ctx.db, self.base.name, failed, self.wait_until)

    def _result(self) -> MigrationResult:
        j = self.journal
        return MigrationResult(
            target=self.base.name,
            source=j.source,
            source_kind=j.source_kind,
            phase=j.phase,
            next_phase=j.next_phase,
            resource_group=self.base.resource_group,
            wait_until=self.wait_until,
            ready_since=j.ready_since,
            drain_hours=self.req.drain_hours,
            seconds_left=self.seconds_left,
            phases_run=tuple(self.ran),
            would_delete=self.would_delete,
            deleted=self.deleted,
            summary=self._summary(),
            site_confirmed=j.site_confirmed,
            waiting_for=None if j.phase == "done" else PHASE_WAITS[j.phase],
            site_runbook=self.runbook[0] if self.runbook else None,
            site_steps=self.runbook[1] if self.runbook else None,
            source_found=self.found,
        )

    def _summary(self) -> str:
        j = self.journal
        if j.phase == "done":
            return f"migration of {j.source} to {self.base.name} is done"
        if j.phase == "drain" and self.wait_until:
            return f"draining: {j.source} keeps serving until {self.wait_until}; run again then"
        if j.phase == "site":
            where = self.runbook[0] if self.runbook else "the site runbook"
            return (
                f"waiting for the site: run {where} on the site server (it creates the new "
                "CMG and its connection point), then run migrate again with --site-confirmed; "
                "the drain starts then"
            )
        if j.phase == "retire" and self.would_delete:
            return (
                "ready to retire; would delete: " + "; ".join(self.would_delete)
                + " (pass --yes or set allow_delete_classic = true)"
            )  # fmt: skip
        return f"at phase {j.phase}"

    def _write_runbook(self, file_name: str, book: Any) -> None:
        """Write the site runbook (no secret in it) under CMGDEPLOY_HOME/runbooks."""
        from cmgdeploy.domain.runbook import render
        from cmgdeploy.services.paths import ensure_private_dir, write_private_file

        folder = self.ctx.home / "runbooks"
        ensure_private_dir(folder)
        text = render(book)
        path = write_private_file(folder / file_name, text.encode())
        self.runbook = (str(path), text)

    def _source_name(self) -> str | None:
        """The name the site knows the source by, where cmgdeploy knows it."""
        if self.journal.source_kind == "classic":
            return f"{self.journal.source}.cloudapp.net"
        return None

    # -- the target --------------------------------------------------------------------
    def _spec(self, defaults: dict[str, Any]) -> Any:
        return self.req.load_spec(defaults, True)

    def _planned_spec(self) -> Any:
        j = self.journal
        return self._spec(_defaults(j.region, j.instances, j.vm_size))

    def _ensure_service_row(self, spec: CmgSpec, deployment: str) -> CmgService:
        """The target's site row; a group migrate created counts as cmgdeploy's (for down)."""
        svc = self.ctx.db.get_service(spec.name)
        if svc is not None:
            return svc
        ours = (self.group.tags if self.group else {}).get(CMG_TAG) == spec.name
        return self.ctx.db.upsert_service(
            CmgService(
                name=spec.name, environment=self.ctx.env.name, region=region_of(spec),
                instances=spec.instances, state="Provisioning",
                subscription=self.session.subscription_id, resource_group=spec.resource_group,
                vm_size=spec.vm_size, input_hash=spec.input_hash(), deployment_name=deployment,
                created_rg=ours,
            )
        )  # fmt: skip

    def _target_service(self) -> CmgService:
        svc = self.ctx.db.get_service(self.base.name)
        if svc is not None:
            return svc
        spec = self._planned_spec()  # a run on another machine: rebuild the row
        return self._ensure_service_row(spec, prepare(self.ctx, spec).deployment)

    def _register_classic_service(self, facts: SourceFacts, spec: CmgSpec) -> None:
        """Keep the classic CMG in the site DB until retire (its records go with it)."""
        existing = self.ctx.db.get_service(facts.name)
        if facts.kind != "classic" or (existing is not None and existing.kind != "classic"):
            return
        self.ctx.db.upsert_service(
            CmgService(
                name=facts.name, environment=self.ctx.env.name, region=facts.region,
                instances=facts.instances, state=facts.state,
                subscription=self.session.subscription_id, fqdn=facts.fqdn, kind="classic",
            )
        )  # fmt: skip


def _defaults(region: str | None, instances: int | None, vm_size: str | None) -> dict[str, Any]:
    values = {"region": region, "instances": instances, "vm_size": vm_size}
    return {k: v for k, v in values.items() if v is not None}


def _changed(current: Mapping[str, Any] | None, wanted: dict[str, str]) -> bool:
    """Whether the tags differ in more than the ``updated`` time stamp."""
    stamp = "cmgdeploy-migration-updated"
    now = {k: str(v) for k, v in (current or {}).items() if k != stamp}
    return now != {k: v for k, v in wanted.items() if k != stamp}


def _target_not_ready(name: str, state: str, when: str) -> AzureError:
    return AzureError(
        f"the target CMG {name} is {state}, not Ready, {when}",
        code="TargetNotReady",
        target=name,
        hint=f"see `cmgdeploy status --name {name}`; the next migrate run retries this phase",
    )


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
