"""The CMG a migration replaces: a classic cloud service, or an ARM CMG of cmgdeploy.

Each source can *discover* itself (read-only; refuses a source that is not Ready),
say what retiring it *would delete*, and *retire* itself. Retiring converges: a
deletion an earlier run started (and was killed during) is waited for, not sent again,
and a source that is already gone counts as retired.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cmgdeploy.domain.arm_views import ResourceGroup
from cmgdeploy.domain.errors import AzureError, InputError
from cmgdeploy.domain.site_records import CmgService
from cmgdeploy.services.context import OpContext
from cmgdeploy.services.journal import Journal, from_tags


@dataclass(frozen=True)
class SourceFacts:
    """What discover learnt about the source: the defaults for the target."""

    name: str
    kind: str
    region: str
    instances: int
    vm_size: str | None
    fqdn: str | None
    state: str
    resource_group: str | None = None
    subscription: str | None = None
    deployment: str | None = None
    role_instances: tuple[str, ...] = ()  # "name status size", as Service Management says
    storage_account: str | None = None  # a classic CMG's storage account (same name)

    def describe(self) -> str:
        """What was found, for the admin to confirm before anything is written."""
        if self.kind != "classic":
            return (
                f"found ARM CMG {self.name} in {self.resource_group} ({self.region}), "
                f"{self.instances} instance(s), {self.state}"
            )
        lines = [
            f"found classic hosted service {self.name} ({self.fqdn}), {self.region}, {self.state}",
            f"  production deployment {self.deployment}: {self.instances} role instance(s)",
            *(f"    {instance}" for instance in self.role_instances),
            f"  storage account: {self.storage_account or '(none of that name)'}",
        ]
        return "\n".join(lines)


def not_ready(name: str, state: str) -> AzureError:
    return AzureError(
        f"the source CMG {name} is {state}, not Ready: a migration starts only from a Ready "
        "CMG (Microsoft refuses the same)",
        code="SourceNotReady",
        target=name,
        hint="start or repair the source CMG, then run migrate again",
    )


# -- classic ------------------------------------------------------------------------------------
ClientFactory = Callable[[], contextlib.AbstractContextManager[Any]]


class ClassicSource:
    """A classic CMG (hosted service + production deployment) over Service Management."""

    kind = "classic"

    def __init__(self, name: str, client_factory: ClientFactory, ctx: OpContext) -> None:
        self.name = name
        self._factory = client_factory
        self._ctx = ctx
        self._stack = contextlib.ExitStack()
        self._client: Any = None

    def close(self) -> None:
        self._stack.close()

    @property
    def client(self) -> Any:
        # Opened on first use: later phases (drain, done) never need the certificate.
        if self._client is None:
            self._client = self._stack.enter_context(self._factory())
        return self._client

    def discover(self) -> SourceFacts:
        """Read the hosted service the admin named, its production deployment, role
        instances and the storage account of the same name; it must be Ready (Running,
        every instance ReadyRole). Nothing marks a hosted service as a CMG in Service
        Management, so the admin confirms what was found (the caller asks)."""
        from cmgdeploy.commands.classic import classic_state

        service = self.client.get_hosted_service(self.name)
        state = classic_state(service)
        if state != "Ready":
            raise not_ready(self.name, state)
        dep = service.deployment
        storage = self.client.get_storage_account(self.name)
        return SourceFacts(
            self.name, self.kind, service.region, dep.instance_count if dep else 0, None,
            service.fqdn, state, deployment=dep.name if dep else None,
            role_instances=tuple(
                f"{i.instance_name} {i.instance_status} {i.instance_size}"
                for i in (dep.role_instances if dep else ())
            ),
            storage_account=storage.name if storage else None,
        )  # fmt: skip

    def would_delete(self) -> list[str]:
        """What retire deletes, as sentences."""
        service = self._find()
        if service is None:
            storage = self.client.get_storage_account(self.name)
            return [f"its classic storage account {self.name}"] if storage else []
        found = [f"classic hosted service {self.name} ({service.fqdn})"]
        if service.deployment is not None:
            found.insert(0, f"its production deployment {service.deployment.name}")
        if self.client.get_storage_account(self.name) is not None:
            found.append(f"its classic storage account {self.name}")
        points = self._ctx.db.list_connection_points(self.name)
        if points:
            found.append(f"{len(points)} connection point record(s) of {self.name}")
        return found

    def retire(self) -> list[str]:
        """Delete the deployment, the hosted service, its storage account, then the site
        records."""
        deleted = []
        service = self._find()
        if service is not None and service.deployment is not None:
            self._delete_deployment(service.deployment)
            deleted.append(f"deployment {service.deployment.name}")
        service = self._find()
        if service is not None:
            self._delete_service(service)
            deleted.append(f"hosted service {self.name}")
        if self.client.get_storage_account(self.name) is not None:
            # The CMG's own storage account (its content endpoint <name>.blob...): after
            # the service, so a retire stopped half-way still finds it by the same name.
            self._ctx.progress(f"deleting classic storage account {self.name}")
            self.client.delete_storage_account(self.name)
            deleted.append(f"storage account {self.name}")
        if self._ctx.db.delete_service(self.name):
            deleted.append(f"site records of {self.name}")
        return deleted

    def _delete_deployment(self, deployment: Any) -> None:
        if deployment.status == "Deleting":
            # An earlier run sent the DELETE and died: wait for it, do not send another.
            self._ctx.progress(f"waiting for the deletion of deployment {deployment.name}")
            self._wait_until(lambda: self._deployment_gone(deployment.name))
            return
        self._ctx.progress(f"deleting classic deployment {deployment.name} of {self.name}")
        self.client.delete_deployment(self.name, deployment.name)

    def _delete_service(self, service: Any) -> None:
        if service.status == "Deleting":
            self._ctx.progress(f"waiting for the deletion of hosted service {self.name}")
            self._wait_until(lambda: self._find() is None)
            return
        self._ctx.progress(f"deleting classic hosted service {self.name}")
        self.client.delete_hosted_service(self.name)

    def _deployment_gone(self, deployment: str) -> bool:
        service = self._find()
        dep = service.deployment if service else None
        return dep is None or dep.name.lower() != deployment.lower()

    def _find(self) -> Any:
        try:
            return self.client.get_hosted_service(self.name)
        except AzureError as err:
            if err.code == "ResourceNotFound":
                return None
            raise

    def _wait_until(self, done: Callable[[], bool]) -> None:
        from cmgdeploy.services.azure.retry import poll_delay
        from cmgdeploy.services.progress import Deadline

        deadline, attempt = Deadline(self._ctx, self.name), 0
        while not done():
            deadline.check()
            self._ctx.sleep(poll_delay(attempt, None, deadline.remaining()))
            attempt += 1


# -- ARM ----------------------------------------------------------------------------------------
def _refuse_unfinished_migration_target(name: str, group: ResourceGroup | None) -> None:
    """A CMG that is itself the target of a migration still under way cannot be a source:
    retiring it would delete the journal the scheduled run of that migration relies on."""
    journal = from_tags(group.tags if group else None)
    if journal is not None and journal.phase != "done":
        raise InputError(
            "--from",
            name,
            f"a CMG that is not the target of an unfinished migration (it is migrating from "
            f"{journal.source}, phase {journal.phase}; let that migration finish first)",
        )


class ArmSource:
    """An ARM (VM scale set) CMG deployed by cmgdeploy, retired the way ``down`` does it."""

    kind = "arm"

    def __init__(self, name: str, ctx: OpContext, journal: Journal | None) -> None:
        self.name = name
        self._ctx = ctx
        self._journal = journal

    def close(self) -> None:
        return None

    def discover(self) -> SourceFacts:
        """The source from the site database and its live state; it must be Ready."""
        from cmgdeploy.services.cmgstate import read_status
        from cmgdeploy.services.context import open_session
        from cmgdeploy.services.observed import record_status

        svc = self._ctx.db.get_service(self.name)
        if svc is None or svc.kind != "arm":
            raise InputError("--from", self.name, "an ARM CMG in the site database")
        with open_session(self._ctx, svc.subscription) as session:
            group = session.get_group(svc.resource_group) if svc.resource_group else None
            _refuse_unfinished_migration_target(self.name, group)
            status = read_status(self._ctx, session, svc)
        record_status(self._ctx, status)  # the site DB follows what Azure says of the source
        if status.state != "Ready":
            raise not_ready(self.name, status.state)
        return SourceFacts(
            self.name, self.kind, svc.region, int(status.instances or svc.instances),
            status.vm_size, status.fqdn, status.state, svc.resource_group, svc.subscription,
        )  # fmt: skip

    def would_delete(self) -> list[str]:
        svc = self._service()
        if svc is None:
            return []
        return [
            f"CMG {self.name}: the resources tagged cmgdeploy-cmg={self.name} in "
            f"{svc.resource_group} (the group too if cmgdeploy created it), and its site records"
        ]

    def retire(self) -> list[str]:
        """``down`` for the source (its own lock, tag-based deletion, site records)."""
        from cmgdeploy.commands.down import down

        svc = self._service()
        if svc is None:
            return []
        if self._ctx.db.get_service(self.name) is None:
            self._ctx.db.upsert_service(svc)  # another machine: down needs the row
        result = down(dataclasses.replace(self._ctx, confirm=lambda _: True), self.name)
        return [*result.deleted_resources, f"site records of {self.name}"]

    def _service(self) -> CmgService | None:
        """The site row, or one rebuilt from the journal (a run on another machine)."""
        svc = self._ctx.db.get_service(self.name)
        journal = self._journal
        if svc is not None or journal is None or not journal.source_group:
            return svc
        return CmgService(
            name=self.name, environment=self._ctx.env.name, region=journal.region or "",
            instances=0, state="Unknown", subscription=journal.source_subscription,
            resource_group=journal.source_group, created_rg=False,
        )  # fmt: skip
