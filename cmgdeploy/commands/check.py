"""``cmgdeploy check``: expiry and health of what keeps a CMG alive, for monitoring.

Each item is ok, warning or critical; the result's exit code is the worst of them
(0 ok, 10 warning, 11 critical — README's exit-code table). An item that cannot be
judged (no record on this machine, a thumbprint Azure no longer uses) is a warning:
someone must look. Items:

- the server certificate (recorded at deploy time; matched with the thumbprint in the
  deployment's parameters in Azure),
- each trusted root/intermediate CA (recorded likewise),
- the Entra app registrations' secrets (Microsoft Graph, when the site database
  records the apps),
- the classic management certificate, when one is configured,
- the deployment's state (Ready ok, Provisioning warning, anything else critical),
- with ``connect``, each endpoint the connection analyzer reaches (``commands/connect.py``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from cmgdeploy.domain.arm_views import Deployment
from cmgdeploy.domain.errors import CmgError, ExitCode, InputError
from cmgdeploy.domain.results import CmgStatus
from cmgdeploy.services.azure.api import ArmApi
from cmgdeploy.services.certrecord import load_certificate_record
from cmgdeploy.services.context import OpContext, open_session

OK, WARNING, CRITICAL = "ok", "warning", "critical"
_RANK = {OK: 0, WARNING: 1, CRITICAL: 2}
_CODE = {OK: ExitCode.OK, WARNING: ExitCode.CHECK_WARNING, CRITICAL: ExitCode.CHECK_CRITICAL}
DEFAULT_WARN_DAYS = 30
DEFAULT_CRITICAL_DAYS = 7


@dataclass(frozen=True)
class CheckItem:
    """One thing checked: what, which one, its status and why."""

    kind: str  # server certificate | trusted root | app secret | management certificate | ...
    name: str
    status: str  # ok | warning | critical
    detail: str
    expires: str | None = None  # ISO-8601 UTC
    days_left: float | None = None


@dataclass(frozen=True)
class CheckResult:
    name: str
    environment: str
    checked_at: str
    warn_days: int
    critical_days: int
    items: tuple[CheckItem, ...] = ()
    connect: bool = False

    @property
    def status(self) -> str:
        return worst(i.status for i in self.items)

    @property
    def exit_code(self) -> ExitCode:
        return _CODE[self.status]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status
        data["items"] = [asdict(i) for i in self.items]
        return data


@dataclass(frozen=True)
class CheckRequest:
    """Validated inputs of ``check``."""

    name: str
    warn_days: int = DEFAULT_WARN_DAYS
    critical_days: int = DEFAULT_CRITICAL_DAYS
    connect: bool = False
    management_cert: Any = None  # config.ManagementCertSettings (path, password) or None
    extra: tuple[Callable[[OpContext, ArmApi, CmgStatus], list[CheckItem]], ...] = field(default=())


def worst(statuses: Any) -> str:
    return max(statuses, key=lambda s: _RANK[s], default=OK)


def check_days(warn: Any, critical: Any) -> tuple[int, int]:
    """``--warn-days`` and ``--critical-days``: whole days, 0 ≤ critical ≤ warn ≤ 3650."""
    days = []
    for flag, value in (("--warn-days", warn), ("--critical-days", critical)):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if isinstance(value, bool) or str(number) != str(value).strip() or not 0 <= number <= 3650:
            raise InputError(flag, value, "a whole number of days from 0 to 3650")
        days.append(number)
    if days[1] > days[0]:
        raise InputError("--critical-days", critical, f"at most --warn-days ({days[0]})")
    return days[0], days[1]


def expiry_item(
    kind: str, name: str, not_after: dt.datetime, now: dt.datetime, request: CheckRequest
) -> CheckItem:
    """ok / warning (within --warn-days) / critical (within --critical-days or expired)."""
    left = (not_after - now).total_seconds() / 86400
    when = not_after.strftime("%Y-%m-%d %H:%M UTC")
    if left <= 0:
        status, detail = CRITICAL, f"expired on {when} ({-left:.0f} days ago)"
    elif left <= request.critical_days:
        status, detail = CRITICAL, f"expires on {when}, in {left:.1f} days"
    elif left <= request.warn_days:
        status, detail = WARNING, f"expires on {when}, in {left:.1f} days"
    else:
        status, detail = OK, f"valid until {when} ({left:.0f} days)"
    return CheckItem(kind, name, status, detail, not_after.isoformat(), round(left, 2))


def check(ctx: OpContext, request: CheckRequest, now: dt.datetime | None = None) -> CheckResult:
    """Check CMG ``request.name`` (reads only; no lock: a monitor runs beside any job)."""
    from cmgdeploy.services.cmgstate import Prefetch, find_in_azure, owned_resources, read_status

    now = now or dt.datetime.now(dt.UTC)
    svc = ctx.db.get_service(request.name)
    with open_session(ctx, svc.subscription if svc else None) as session:
        svc = svc or find_in_azure(ctx, session, request.name)
        if svc is None:
            raise InputError(
                "--name",
                request.name,
                "a CMG in the site database or in Azure (`cmgdeploy status`)",
            )
        group = svc.resource_group or ""
        dep = session.get_deployment(group, svc.deployment_name) if svc.deployment_name else None
        status = read_status(
            ctx, session, svc, Prefetch(dep, owned_resources(session, group, svc.name))
        )
        items = [
            deployment_item(status),
            *certificate_items(ctx, request, dep, now),
            *app_secret_items(ctx, session, request, now),
            *management_items(request, now),
        ]
        for extra in request.extra:
            items.extend(extra(ctx, session, status))
    return CheckResult(
        request.name, ctx.env.name, now.isoformat(timespec="seconds"),
        request.warn_days, request.critical_days, tuple(items), request.connect,
    )  # fmt: skip


def deployment_item(status: CmgStatus) -> CheckItem:
    """The CMG's overall state: Ready ok, Provisioning warning, anything else critical."""
    state = str(status.state)
    level = OK if state == "Ready" else WARNING if state == "Provisioning" else CRITICAL
    detail = f"{state}: {status.summary}" if status.summary else state
    for err in status.errors or ():
        detail += f"; {err.get('code')}: {err.get('message')}"
    return CheckItem("deployment", status.deployment_name or status.name, level, detail)


def _deployed(dep: Deployment | None, parameter: str) -> Any:
    return dep.parameters.get(parameter) if dep is not None else None


def certificate_items(
    ctx: OpContext, request: CheckRequest, dep: Deployment | None, now: dt.datetime
) -> list[CheckItem]:
    """The server certificate and trusted CAs this machine recorded, against Azure's."""
    record = load_certificate_record(ctx.home, request.name)
    if record is None:
        return [
            CheckItem(
                "server certificate", request.name, WARNING,
                "unknown: this machine did not deploy the CMG (no certificate record); "
                "`check --connect` reads the certificate the CMG serves",
            )
        ]  # fmt: skip
    server = record["server_certificate"]
    items = [_recorded(ctx, "server certificate", server["subject_cn"], server, now, request)]
    deployed = _deployed(dep, "serverCertificateThumbprint")
    if deployed and str(deployed).upper() != server["thumbprint"].upper():
        items[0] = CheckItem(
            "server certificate", server["subject_cn"], WARNING,
            f"unknown: Azure runs certificate {deployed}, not the {server['thumbprint']} "
            "recorded here (deployed from elsewhere?); `check --connect` reads it",
        )  # fmt: skip
    for root in record.get("trusted_roots") or []:
        items.append(_recorded(ctx, "trusted root", root["subject"], root, now, request))
    return items


def _recorded(
    ctx: OpContext,
    kind: str,
    name: str,
    entry: dict[str, Any],
    now: dt.datetime,
    request: CheckRequest,
) -> CheckItem:
    item = expiry_item(kind, name, dt.datetime.fromisoformat(entry["not_after"]), now, request)
    return CheckItem(
        item.kind, item.name, item.status,
        f"{item.detail}; thumbprint {entry['thumbprint']}", item.expires, item.days_left,
    )  # fmt: skip


def app_secret_items(
    ctx: OpContext, session: ArmApi, request: CheckRequest, now: dt.datetime
) -> list[CheckItem]:
    """The client secrets of the Entra apps the site database records for this
    environment, as Microsoft Graph shows them now (the recorded end time when Graph
    is not known for the environment). The secret the site uses (its recorded key id)
    is the one judged; without a recorded key id, every secret of the app is."""
    apps = ctx.db.list_entra_apps(ctx.env.name)
    if not apps:
        return []
    if not ctx.env.graph:
        return [_recorded_secret(app, now, request) for app in apps]
    from cmgdeploy.services.azure.appsecrets import read_app_secrets

    items: list[CheckItem] = []
    for app in apps:
        try:
            found = read_app_secrets(ctx.env, session.credential, app.object_id)
        except CmgError as err:  # one unreadable app must not hide the other checks
            items.append(_unreadable_app(app, err))
            continue
        label = f"{found.display_name or app.display_name} ({app.role} app {app.app_id})"
        wanted = [c for c in found.credentials
                  if not app.credential_key_id or c.key_id == app.credential_key_id]  # fmt: skip
        if not wanted:
            missing = (f"the secret the site uses (key id {app.credential_key_id}) is gone"
                       if app.credential_key_id else "the app has no client secret")  # fmt: skip
            items.append(CheckItem("app secret", label, CRITICAL, missing))
        for cred in wanted:
            items.append(_secret_item(label, cred.key_id, cred.hint, cred.end, now, request))
    return items


def _unreadable_app(app: Any, err: CmgError) -> CheckItem:
    """Gone from the tenant: critical; not readable (permissions, Graph down): unknown."""
    label = f"{app.display_name} ({app.role} app {app.app_id})"
    if "NotFound" in err.code:
        return CheckItem("app secret", label, CRITICAL, f"the app is gone: {err.message}")
    return CheckItem("app secret", label, WARNING, f"unknown: {err.message}")


def _secret_item(
    label: str, key_id: str, hint: str, end: dt.datetime | None, now: dt.datetime,
    request: CheckRequest,
) -> CheckItem:  # fmt: skip
    name = f"{label} secret {hint + '…' if hint else key_id}"
    if end is None:
        return CheckItem("app secret", name, OK, f"no end date; key id {key_id}")
    item = expiry_item("app secret", name, end, now, request)
    return CheckItem(item.kind, item.name, item.status, f"{item.detail}; key id {key_id}",
                     item.expires, item.days_left)  # fmt: skip


def _recorded_secret(app: Any, now: dt.datetime, request: CheckRequest) -> CheckItem:
    label = f"{app.display_name} ({app.role} app {app.app_id})"
    if not app.credential_end:
        return CheckItem("app secret", label, WARNING, "unknown: no Graph endpoint for this "
                         "environment and no end date recorded")  # fmt: skip
    from cmgdeploy.services.azure.appsecrets import parse_time

    item = _secret_item(label, app.credential_key_id or "?", "", parse_time(app.credential_end),
                        now, request)  # fmt: skip
    return dataclasses.replace(item, detail=item.detail + " (recorded; Graph not known here)")


def management_items(request: CheckRequest, now: dt.datetime) -> list[CheckItem]:
    """The classic management certificate, when one is configured."""
    settings = request.management_cert
    if settings is None:
        return []
    from cmgdeploy.services.azure.classic import ManagementCertificate

    with ManagementCertificate.load(settings.path, settings.password) as cert:
        item = expiry_item("management certificate", cert.subject, cert.not_after, now, request)
        return [
            CheckItem(item.kind, item.name, item.status,
                      f"{item.detail}; thumbprint {cert.thumbprint}", item.expires, item.days_left)
        ]  # fmt: skip
