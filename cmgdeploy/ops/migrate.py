"""``cmgdeploy migrate``: replace a classic (or ARM) CMG by a new ARM CMG, over days.

Phases: discover → deploy → register → verify → drain → retire → done. The
journal is tags on the target's resource group (``cmgdeploy.migration.journal``), so
any machine can run the next step; each run does as many phases as it can and stops at
the first that must wait (drain, or retire without consent). A failing phase leaves
the source untouched and the journal at that phase with the error; the next run
retries from there. Deploy is ``up``'s own path (``prepare`` + ``converge``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import AzureError, CmgError, InputError, UsageError
from ..migration.journal import PHASES, Journal, from_tags, iso, mirror, parse_iso, utc_now
from ..migration.journal import without_journal as foreign_tags
from ..migration.sources import ArmSource, ClassicSource, SourceFacts
from ..redact import redact
from ..sitedb import CmgService
from ..template import CMG_TAG, cmg_tags
from . import up as up_op
from .cmgstate import read_status
from .context import OpContext, cmg_lock, open_session
from .progress import wait_until_ready

RECOMMENDED_DRAIN_HOURS = 24.0

# (defaults for keys the user did not set, require_region) -> CmgSpec
SpecLoader = Callable[[dict[str, Any], bool], Any]


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

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for key in ("phases_run", "would_delete", "deleted"):
            data[key] = list(data[key])
        return data


def migrate(ctx: OpContext, req: MigrateRequest) -> MigrationResult:
    """Run the migration from its journal as far as it can go (see the module docstring)."""
    _check_request(ctx, req)
    base = req.load_spec({}, False)  # name, group, subscription: enough to find the journal
    _check_site_code(base)
    if req.dry_run:
        return _with_session(ctx, base, lambda s: Migration(ctx, req, s, base).dry_run())
    with cmg_lock(ctx, base.name, "migrate"):  # --wait-lock: ctx.wait_lock
        return _with_session(ctx, base, lambda s: Migration(ctx, req, s, base).run())


def _with_session(ctx: OpContext, base: Any, body: Callable[[Any], MigrationResult]) -> Any:
    session = open_session(ctx, base.subscription)
    try:
        return body(session)
    finally:
        session.close()


def _check_site_code(spec: Any) -> None:
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

    def __init__(self, ctx: OpContext, req: MigrateRequest, session: Any, base: Any) -> None:
        self.ctx, self.req, self.session, self.base = ctx, req, session, base
        self.group: dict[str, Any] | None = session.get_group(base.resource_group)
        found = from_tags((self.group or {}).get("tags"))
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
            "drain": self.drain,
            "retire": self.retire,
        }
        try:
            while self.journal.phase != "done":
                phase = self.journal.phase
                self.ctx.progress(f"migrate {self.base.name}: {phase}")
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
        up_op.prepare(self.ctx, spec)
        up_op.preflight(self.ctx, self.session, spec, self.group)
        self._register_classic_service(facts, spec)
        self._save(
            self.journal.at(
                "deploy",
                region=spec.region,
                instances=spec.instances,
                vm_size=spec.vm_size,
                source_group=facts.resource_group,
                source_subscription=facts.subscription,
            ),
            create_in=spec,
        )
        return True

    def deploy(self) -> bool:
        spec = self._planned_spec()
        prepared = up_op.prepare(self.ctx, spec)
        self._ensure_service_row(spec, prepared.deployment)
        status = up_op.converge(self.ctx, self.session, prepared)
        if status.state != "Ready":
            raise _target_not_ready(spec.name, status.state, "after its deployment")
        self._save(self.journal.at("register"))
        return True

    def register(self) -> bool:
        config = up_op.prepare(self.ctx, self._planned_spec()).site_config
        # The source's records stay until retire: both CMGs serve during the drain.
        self.ctx.db.replace_site(
            config.cmg, config.connection_points, config.site_roles, config.gateway
        )
        self._save(self.journal.at("verify"))
        return True

    def verify(self) -> bool:
        svc = self._target_service()
        status = wait_until_ready(self.ctx, self.session, svc)
        self.ctx.db.upsert_service(
            dataclasses.replace(svc, state=status.state, fqdn=status.fqdn or svc.fqdn)
        )
        if status.state != "Ready":
            raise _target_not_ready(svc.name, status.state, "at verify")
        since = self.journal.ready_since or iso(utc_now())
        self._save(self.journal.at("drain", ready_since=since))
        return True

    def drain(self) -> bool:
        ready = parse_iso(self.journal.ready_since) or utc_now()
        until = ready + dt.timedelta(hours=self.req.drain_hours)
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
        if status.state != "Ready":
            raise _target_not_ready(svc.name, status.state, "at retire; nothing was deleted")
        self.would_delete = tuple(self.source.would_delete())
        if not self.req.allow_delete:
            self._save(self.journal.at("retire"))
            return False
        self.deleted = tuple(self.source.retire())
        self.would_delete = ()
        self._save(self.journal.at("done"))
        return True

    # -- dry run -----------------------------------------------------------------------
    def dry_run(self) -> MigrationResult:
        """The phases a run would go through, from the journal; reads only."""
        start = PHASES.index(self.journal.phase)
        try:
            if self.journal.phase == "discover":
                facts = self.source.discover()  # read-only: shows whether it would start
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
        tags = {**foreign_tags((self.group or {}).get("tags")), **journal.to_tags()}
        if self.group is None and create_in is not None:
            tags = {**cmg_tags(create_in.name, tuple(create_in.tags)), **tags}
            self.ctx.progress(f"creating resource group {create_in.resource_group}")
            self.group = self.session.ensure_group(create_in.resource_group, create_in.region, tags)
        elif self.group is not None and _changed(self.group.get("tags"), tags):
            where = str(self.group.get("location") or "")
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
        )

    def _summary(self) -> str:
        j = self.journal
        if j.phase == "done":
            return f"migration of {j.source} to {self.base.name} is done"
        if j.phase == "drain" and self.wait_until:
            return f"draining: {j.source} keeps serving until {self.wait_until}; run again then"
        if j.phase == "retire" and self.would_delete:
            return (
                "ready to retire; would delete: " + "; ".join(self.would_delete)
                + " (pass --yes or set allow_delete_classic = true)"
            )  # fmt: skip
        return f"at phase {j.phase}"

    # -- the target --------------------------------------------------------------------
    def _spec(self, defaults: dict[str, Any]) -> Any:
        return self.req.load_spec(defaults, True)

    def _planned_spec(self) -> Any:
        j = self.journal
        return self._spec(_defaults(j.region, j.instances, j.vm_size))

    def _ensure_service_row(self, spec: Any, deployment: str) -> CmgService:
        """The target's site row; a group migrate created counts as cmgdeploy's (for down)."""
        svc = self.ctx.db.get_service(spec.name)
        if svc is not None:
            return svc
        ours = ((self.group or {}).get("tags") or {}).get(CMG_TAG) == spec.name
        return self.ctx.db.upsert_service(
            CmgService(
                name=spec.name, environment=self.ctx.env.name, region=spec.region,
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
        return self._ensure_service_row(spec, up_op.prepare(self.ctx, spec).deployment)

    def _register_classic_service(self, facts: SourceFacts, spec: Any) -> None:
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


def _changed(current: dict[str, Any] | None, wanted: dict[str, str]) -> bool:
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
