"""Wait for a deployment and the scale set: progress events, Retry-After, a deadline."""

from __future__ import annotations

from cmgdeploy.domain.arm_views import Deployment, DeploymentOperation, Started
from cmgdeploy.domain.errors import AzureError, ErrorDetail, WaitTimeout
from cmgdeploy.domain.results import CmgStatus, ResourceState
from cmgdeploy.domain.site_records import CmgService
from cmgdeploy.services.azure.api import ArmApi
from cmgdeploy.services.azure.retry import poll_delay
from cmgdeploy.services.cmgstate import (
    TERMINAL,
    Prefetch,
    deployment_state,
    read_status,
    resource_states,
)
from cmgdeploy.services.context import OpContext
from cmgdeploy.services.warmup import pause


class Deadline:
    """The end of the wait, on the context's clock."""

    def __init__(self, ctx: OpContext, name: str, resume: str = "") -> None:
        self.ctx = ctx
        self.name = name
        self.resume = resume  # the command that picks the work up again
        self.end = ctx.clock() + ctx.timeout

    def remaining(self) -> float:
        return self.end - self.ctx.clock()

    def check(self) -> None:
        """Raise :class:`WaitTimeout` (exit 4, with how to resume) once the time is up;
        meanwhile take the run's lease once the CMG's storage account exists."""
        from cmgdeploy.services.lease import poll_lease

        if self.remaining() <= 0:
            self.expire()
        poll_lease()

    def expire(self) -> None:
        """Raise :class:`WaitTimeout` now (an SDK wait ended at the deadline)."""
        resume = self.resume or "the same command"
        raise WaitTimeout(
            f"gave up waiting after {self.ctx.timeout:g} s; the Azure operation continues",
            hint=f"follow it with `cmgdeploy -e {self.ctx.env.name} status --name {self.name} "
            f"--watch`, or run "
            f"{resume} again: it resumes where this run stopped",
        )


def _report(ctx: OpContext, states: tuple[ResourceState, ...], seen: dict[str, str]) -> None:
    for res in states:
        key = f"{res.type}/{res.name}"
        if seen.get(key) != res.state:
            seen[key] = res.state
            ctx.progress(f"{res.type} {res.name}: {res.state}")


def wait_for_deployment(
    ctx: OpContext, session: ArmApi, group: str, name: str, cmg: str, *, outputs: bool = True
) -> Deployment | None:
    """Wait until deployment ``name`` ends and return it (its outputs; None when
    ``outputs`` is False and the status said all); Failed → AzureError with each
    failed resource.

    A deployment this ArmSession started is followed on its ``Azure-AsyncOperation``
    status URL, sleeping exactly the server's Retry-After (the PUT's first); one it
    attached to is followed on the deployment itself. The deployment operations are
    read only when progress is shown (one line per resource) or on failure."""
    deadline = Deadline(ctx, cmg)
    started = session.started(group, name)
    seen: dict[str, str] = {}
    if started is not None and started.status_url:
        status = _follow_status(ctx, session, started, group, name, deadline, seen)
        if not outputs and status == "succeeded" and not ctx.show_progress:
            return None  # the caller needs no outputs: the status said all
        dep = session.get_deployment(group, name)
    else:
        dep = _follow_deployment(ctx, session, group, name, deadline, seen)
    if (deployment_state(dep) or "").lower() != "succeeded":
        ops = session.deployment_operations(group, name) if dep else []
        _report(ctx, resource_states(ops), seen)
        raise deployment_failed(name, dep, ops)
    if ctx.show_progress:
        _report(ctx, resource_states(session.deployment_operations(group, name)), seen)
    return dep


def _follow_status(
    ctx: OpContext,
    session: ArmApi,
    started: Started,
    group: str,
    name: str,
    deadline: Deadline,
    seen: dict[str, str],
) -> str:
    """Poll the operation status URL until it is terminal; the status (lower-case)."""
    retry_after, attempt = started.retry_after, 0
    url = started.status_url or ""
    while True:
        pause(ctx, poll_delay(attempt, retry_after, deadline.remaining()))
        status, retry_after = session.poll_status(url, name)
        if status.lower() in TERMINAL:
            return status.lower()
        if ctx.show_progress:
            _report(ctx, resource_states(session.deployment_operations(group, name)), seen)
        deadline.check()
        attempt += 1


def _follow_deployment(
    ctx: OpContext,
    session: ArmApi,
    group: str,
    name: str,
    deadline: Deadline,
    seen: dict[str, str],
) -> Deployment | None:
    """Poll the deployment resource (a run attached to it has no status URL)."""
    attempt = 0
    while True:
        dep, retry_after = session.poll_deployment(group, name)
        state = (deployment_state(dep) or "Accepted").lower()
        if state in TERMINAL:
            return dep
        if ctx.show_progress and dep:
            _report(ctx, resource_states(session.deployment_operations(group, name)), seen)
        deadline.check()
        pause(ctx, poll_delay(attempt, retry_after, deadline.remaining()))
        attempt += 1


def deployment_failed(
    name: str, dep: Deployment | None, ops: list[DeploymentOperation]
) -> AzureError:
    """The deployment's error with, innermost last, each failed resource's own error."""
    outer = list(dep.error if dep else ()) or [ErrorDetail("DeploymentFailed", "", None)]
    causes = _failed_operations(ops)
    inner = causes[-1] if causes else outer[-1]
    state = dep.provisioning_state if dep and dep.provisioning_state else "failed"
    return AzureError(
        f"deployment {name} {state}: "
        f"{inner.message} ({inner.code}{', ' + inner.target if inner.target else ''})",
        code=outer[0].code,
        target=outer[0].target,
        details=[*outer[1:], *causes],
        hint="fix the cause and run `cmgdeploy up` again (it resumes)",
    )


def _failed_operations(ops: list[DeploymentOperation]) -> list[ErrorDetail]:
    causes: list[ErrorDetail] = []
    for op in ops:
        if op.provisioning_state.lower() != "failed":
            continue
        target = op.resource_id or None
        for detail in op.error or _EMPTY_ERROR:
            causes.append(ErrorDetail(detail.code, detail.message, detail.target or target))
    return causes


# A failed operation without an error says so all the same (ARM's "Unknown" code).
_EMPTY_ERROR = (ErrorDetail("Unknown", "", None),)


def wait_until_ready(
    ctx: OpContext, session: ArmApi, svc: CmgService, known: Prefetch | None = None
) -> CmgStatus:
    """Poll the CMG's status until Ready or Error (or the deadline), stopping the moment
    the scale set's instances run. ``known`` serves the first read; after a deployment
    this run watched succeed (``known.owned`` None) it stays final, so later polls read
    only the instances; otherwise they ask Azure afresh."""
    deadline, attempt = Deadline(ctx, svc.name), 0
    said = ""
    while True:
        status = read_status(ctx, session, svc, known)
        if known is not None and known.owned is not None:
            known = None
        if status.state in ("Ready", "Error"):
            return status
        line = f"{svc.name}: {status.state}; waiting on {status.waiting_on()}"
        if line != said:  # one line per change
            said = line
            ctx.progress(line)
        deadline.check()
        ctx.sleep(poll_delay(attempt, None, deadline.remaining()))
        attempt += 1
