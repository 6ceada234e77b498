"""Output: text for people (rich tables), the JSON envelope for scripts, progress.

stdout carries the result only (text, or one JSON envelope even on failure); stderr
carries progress, warnings and errors. Colour only on a TTY and never with NO_COLOR
(rich's own rules). Every string shown passes through :func:`cmgdeploy.domain.redact.redact`.

Tables never cut a value: at a terminal they take its width and wrap long cells; a
table that cannot fit even so (a name or URL longer than its share) is printed as
key/value lines instead. Output that is not a terminal (a pipe, a file) has no width
limit at all. Resources are named by type and name, never by a raw ARM id.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from cmgdeploy.cli.tables import UNLIMITED_WIDTH, _escape, _table
from cmgdeploy.domain.errors import CmgError, ExitCode
from cmgdeploy.domain.redact import redact

STATUS_KEYS = (
    "name", "state", "fqdn", "public_ip", "region", "resource_group", "instances",
    "vm_size", "deployment_name", "deployment_state", "vmss_state", "environment",
)  # fmt: skip


def warm_up() -> None:
    """Import what the text output uses (rich), ahead of the result."""
    import rich.console
    import rich.markup
    import rich.measure
    import rich.table
    import rich.text  # noqa: F401


@dataclass
class Renderer:
    """Where and how one command's output goes."""

    output: str = "text"  # "text" | "json"
    verbose: bool = False
    quiet: bool = False
    started: float = field(default_factory=time.monotonic)  # the command's start
    _live: Any = field(default=None, repr=False)  # the waiting line at a terminal

    @property
    def stdout(self) -> TextIO:
        return sys.stdout

    @property
    def stderr(self) -> TextIO:
        return sys.stderr

    def _console(self, stream: TextIO) -> Any:
        from rich.console import Console

        # NO_COLOR (no-color.org): rich alone drops colours but keeps bold/italic escapes;
        # people who set it want plain text, so no styling at all.
        plain = bool(os.environ.get("NO_COLOR"))
        return Console(
            file=stream,
            highlight=False,
            soft_wrap=True,
            color_system=None if plain else "auto",
            # A pipe or a file gets every line whole (rich would cut at 80 columns).
            width=None if stream.isatty() else UNLIMITED_WIDTH,
        )

    # -- progress and warnings (stderr) ------------------------------------------------
    @property
    def shows_progress(self) -> bool:
        """Whether :meth:`progress` prints anything (a TTY, or --verbose; not quiet)."""
        return not self.quiet and (self.stderr.isatty() or self.verbose)

    def progress(self, message: str, *, always: bool = False) -> None:
        """One line per change, with the time since the command started. At a terminal
        (rich) the last one also stays as a live line whose clock keeps running, so a
        long wait shows what it waits on and for how long; elsewhere plain lines with
        --verbose (or ``always``: what the command is for, e.g. ``status --watch``);
        nothing when quiet."""
        if self.quiet:
            return
        text = redact(message)
        stamp = elapsed_text(time.monotonic() - self.started)
        if self.stderr.isatty():
            live = self._waiting_line()
            live.console.print(f"[dim]{stamp:>7}[/dim] {_escape(text)}")
            if not text.startswith("warning:"):
                live.update(_Waiting(text, time.monotonic(), self.started))
        elif self.verbose or always:
            print(f"cmgdeploy: [{stamp}] {text}", file=self.stderr, flush=True)

    def _waiting_line(self) -> Any:
        if self._live is None:
            from rich.live import Live

            # stderr lines written meanwhile (e.g. a device-code prompt) go above the
            # live line; stdout is the result's alone and is left as it is.
            self._live = Live(
                console=self._console(self.stderr),
                refresh_per_second=2,
                transient=True,
                redirect_stdout=False,
            )
            self._live.start()
            _WAITING.append(self)
        return self._live

    def stop_progress(self) -> None:
        """End the live waiting line (before the result or an error is printed)."""
        live, self._live = self._live, None
        if live is not None:
            live.stop()
        _WAITING[:] = [r for r in _WAITING if r is not self]

    def warnings(self, items: list[str]) -> None:
        if self.output == "json":
            return  # in the envelope
        for item in items:
            print(f"cmgdeploy: warning: {redact(item)}", file=self.stderr)

    # -- results -------------------------------------------------------------------------
    def result(
        self, command: str, result: Any, warnings: list[str], code: ExitCode = ExitCode.OK
    ) -> None:
        self.stop_progress()
        data = result.to_dict() if hasattr(result, "to_dict") else result
        if self.output == "json":
            self._envelope(command, code, data, [], warnings)
            return
        self.warnings(warnings)
        text_of(result, data, self._console(self.stdout))

    def error(self, command: str, err: CmgError, warnings: list[str]) -> None:
        self.stop_progress()
        print(f"cmgdeploy: error: {redact(err.message)}", file=self.stderr)
        if err.hint:
            print(f"cmgdeploy: hint: {redact(err.hint)}", file=self.stderr)
        if self.output == "json":
            errors = [d.to_dict() for d in err.error_chain()]
            if err.hint:  # a scheduler's log needs the way to resume as much as a person
                errors[0]["hint"] = err.hint
            self._envelope(command, err.exit_code, None, errors, warnings)
        else:
            self.warnings(warnings)

    def _envelope(
        self,
        command: str,
        code: ExitCode,
        data: Any,
        errors: list[dict[str, Any]],
        warnings: list[str],
    ) -> None:
        body = {
            "command": command,
            "ok": code == ExitCode.OK,
            "exit_code": int(code),
            "data": data,
            "errors": errors,
            "warnings": list(warnings),
        }
        print(redact(json.dumps(body, indent=2, default=str)), file=self.stdout, flush=True)


_WAITING: list[Renderer] = []  # renderers with a live waiting line (at most one)


def pause_progress() -> None:
    """End any live waiting line before a prompt (the next progress line starts anew)."""
    for renderer in list(_WAITING):
        renderer.stop_progress()


def elapsed_text(seconds: float) -> str:
    """``12s``, ``3m05s``, ``1h02m``: how long a command has been running."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


class _Waiting:
    """The live line at a terminal: what is being waited on, since when (re-rendered
    on every refresh, so the clocks run)."""

    def __init__(self, what: str, since: float, started: float) -> None:
        self.what, self.since, self.started = what, since, started

    def __rich__(self) -> Any:
        from rich.text import Text

        now = time.monotonic()
        # The clocks first: a long line is cropped at the terminal's edge.
        line = (
            f"› {elapsed_text(now - self.since)} ({elapsed_text(now - self.started)} in all) "
            f"{self.what}"
        )
        return Text(line, style="dim", no_wrap=True, overflow="crop")


# -- text per result type ------------------------------------------------------------------
Printer = Callable[[Any, Any], None]


def text_of(result: Any, data: Any, console: Any) -> None:
    """Print ``result`` for people, by its class (falls back to key/value lines)."""
    printer_of(type(result))(data, console)


def printer_of(kind: type) -> Printer:
    """The text printer of result class ``kind``.

    Keyed on the classes, imported here: a renamed result class fails mypy, not the
    output. A command module's classes are looked up only when that module is loaded
    (a result of it exists then), so rendering never imports a command it did not run.
    """
    from cmgdeploy.domain import results

    printers: dict[type, Printer] = {
        results.CmgStatus: _status_text,
        results.PlanResult: _plan_text,
        results.TextResult: lambda d, c: c.out(redact(d["text"]), end=""),
        results.TableResult: _table_result_text,
        results.SiteResult: _site_text,
        results.DownResult: _down_text,
        results.AuthCheckResult: _auth_text,
    }
    if kind in printers:
        return printers[kind]
    module = kind.__module__
    if module == "cmgdeploy.commands.classic":
        from cmgdeploy.commands.classic import ClassicListResult, ClassicShowResult

        printers[ClassicListResult] = _classic_list_text
        printers[ClassicShowResult] = _classic_show_text
    elif module == "cmgdeploy.commands.estimate":
        from cmgdeploy.commands.estimate import EstimateResult

        printers[EstimateResult] = _estimate_text
    elif module == "cmgdeploy.commands.check":
        from cmgdeploy.commands.check import CheckResult

        printers[CheckResult] = _check_text
    elif module == "cmgdeploy.commands.migrate":
        from cmgdeploy.commands.migrate import MigrationResult

        printers[MigrationResult] = _migration_text
    return printers.get(kind, _mapping_text)


# The report printers of cmgdeploy.cli.render_reports (imported when used).
def _estimate_text(data: Any, console: Any) -> None:
    from cmgdeploy.cli.render_reports import estimate_text

    estimate_text(data, console)


def _check_text(data: Any, console: Any) -> None:
    from cmgdeploy.cli.render_reports import check_text

    check_text(data, console)


def _migration_text(data: Any, console: Any) -> None:
    from cmgdeploy.cli.render_reports import migration_text

    migration_text(data, console)


def _status_text(data: dict[str, Any], console: Any) -> None:
    if data.get("summary"):
        console.print(_escape(redact(data["summary"])))
    keys = STATUS_KEYS
    console.print(
        _table(f"CMG {data['name']}", ["field", "value"], [[k, data.get(k)] for k in keys])
    )
    points = [[p["server"], p.get("site_code"), p["ports"]] for p in data["connection_points"]]
    if points:
        console.print(_table("Connection points", ["server", "site", "ports"], points))
    roles = [[r["server"], r["role"], r["cmg_enabled"]] for r in data["site_roles"]]
    if roles:
        console.print(_table("Site roles", ["server", "role", "CMG traffic"], roles))
    resources = data["resources"]
    with_errors = any(r.get("error") for r in resources)
    res = [[r["name"], r["type"], r["state"], *([r.get("error")] if with_errors else [])]
           for r in resources]  # fmt: skip
    if res:
        columns = ["name", "type", "state", *(["error"] if with_errors else [])]
        console.print(_table("Resources", columns, res))
    for err in data.get("errors") or []:
        console.print(_escape(redact(f"error: {err['code']}: {err['message']}")))


def _plan_text(data: dict[str, Any], console: Any) -> None:
    """One row per resource or site record (named, never a raw id), then each changed
    property with its full path, before → after."""
    from cmgdeploy.domain.results import delta_text, resource_label

    rows, details = [], []
    for change in data["changes"]:
        rtype, name = resource_label(str(change["target"]))
        rows.append([name, change["change"], rtype])
        if change["deltas"]:
            details.append(f"{name} ({rtype}):")
            details += [f"  {delta_text(d)}" for d in change["deltas"]]
    title = f"Plan for {data['name']} ({data['deployment_name']})"
    console.print(_table(title, ["name", "change", "type"], rows))
    if details:
        console.print("Property changes")
        for line in details:
            console.print(_escape(redact(line)))
    if data.get("estimate"):
        _estimate_text(data["estimate"], console)


def _table_result_text(data: dict[str, Any], console: Any) -> None:
    rows = data.get("rows") or []
    columns = list(rows[0].keys()) if rows else ["(none)"]
    console.print(_table(data["title"], columns, [[r.get(c) for c in columns] for r in rows]))


SERVICE_COLUMNS = ("name", "state", "fqdn", "instances", "region", "resource_group", "environment")


def _site_text(data: dict[str, Any], console: Any) -> None:
    """``site show``: the CMG services, their connection points and site roles."""
    services = [[s.get(c) for c in SERVICE_COLUMNS] for s in data.get("services") or []]
    console.print(_table("CMG services", list(SERVICE_COLUMNS), services))
    points = [[p["server"], p["cmg"], p["site_code"], p["protocol"], p["ports"]]
              for p in data.get("rows") or []]  # fmt: skip
    console.print(
        _table("Connection points", ["server", "CMG", "site", "protocol", "ports"], points)
    )
    roles = [[r["server"], r["role"], r["cmg"], r["site_code"], r["https"], r["cmg_enabled"]]
             for r in data.get("site_roles") or []]  # fmt: skip
    columns = ["server", "role", "CMG", "site", "HTTPS", "CMG traffic"]
    console.print(_table("Site roles", columns, roles))
    gateways = [[g["cmg"], g["service_name"], g.get("server_cert_thumbprint"),
                 ", ".join(r.get("thumbprint", "") for r in g.get("trusted_roots") or []),
                 g.get("verify_client_revocation"), g.get("enforce_tls12"),
                 g.get("content_from_storage")]
                for g in data.get("gateways") or []]  # fmt: skip
    if gateways:
        columns = ["CMG", "service name", "certificate", "trusted roots", "CRL check",
                   "TLS 1.2", "content"]  # fmt: skip
        console.print(_table("Gateway settings", columns, gateways))
    apps = [[a["display_name"], a["role"], a["app_id"], a["tenant_id"], a.get("credential_end")]
            for a in data.get("entra_apps") or []]  # fmt: skip
    if apps:
        columns = ["name", "role", "app id", "tenant", "secret ends"]
        console.print(_table("Entra apps", columns, apps))


def _down_text(data: dict[str, Any], console: Any) -> None:
    """``down``: what was deleted and kept, by type and name."""
    from cmgdeploy.domain.results import resource_label

    deleted = [list(resource_label(r))[::-1] for r in data.get("deleted_resources") or []]
    kept = [list(resource_label(r))[::-1] for r in data.get("kept_resources") or []]
    group = data.get("resource_group") or "-"
    console.print(_escape(f"CMG {data['name']}: {len(deleted)} resource(s) deleted"))
    if deleted:
        console.print(_table("Deleted", ["name", "type"], deleted))
    if kept:
        console.print(
            _table("Kept (not created by cmgdeploy for this CMG)", ["name", "type"], kept)
        )
    fate = "deleted" if data.get("deleted_group") else "kept"
    console.print(_escape(f"resource group {group}: {fate}"))
    site = "removed" if data.get("site_records_removed") else "kept"
    console.print(f"site records: {site}")


def _auth_text(data: dict[str, Any], console: Any) -> None:
    rows = [[k, v] for k, v in data.items()]
    console.print(_table("Signed in", ["field", "value"], rows))


def _classic_list_text(data: dict[str, Any], console: Any) -> None:
    columns = ["name", "state", "instances", "region", "deployment", "fqdn"]
    rows = [[s["name"], s["state"], s["instances"], s["region"], s["deployment"], s["fqdn"]]
            for s in data.get("services") or []]  # fmt: skip
    title = f"Classic cloud services (subscription {data['subscription_id']})"
    console.print(_table(title, columns, rows))


def _classic_show_text(data: dict[str, Any], console: Any) -> None:
    fields = ["name", "state", "status", "ready", "fqdn", "url", "region",
              "location", "deployment", "instances", "subscription_id"]  # fmt: skip
    console.print(_table(f"Classic cloud service {data['name']}", ["field", "value"],
                         [[f, data.get(f)] for f in fields]))  # fmt: skip
    instances = data.get("role_instances") or []
    if instances:
        columns = ["instance_name", *(k for k in instances[0] if k != "instance_name")]
        rows = [[i.get(c) for c in columns] for i in instances]
        console.print(_table("Role instances", columns, rows))


def _mapping_text(data: Any, console: Any) -> None:
    from cmgdeploy.domain.results import value_text

    if not isinstance(data, dict):
        console.out(redact(str(data)))
        return
    rows = [[k, value_text(v) if isinstance(v, dict | list) else v] for k, v in data.items()]
    console.print(_table("", ["field", "value"], rows))
