"""Output: text for people (rich tables), the JSON envelope for scripts, progress.

stdout carries the result only (text, or one JSON envelope even on failure); stderr
carries progress, warnings and errors. Colour only on a TTY and never with NO_COLOR
(rich's own rules). Every string shown passes through :func:`cmgdeploy.redact.redact`.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from typing import Any, TextIO

from .errors import CmgError, ExitCode
from .redact import redact

STATUS_KEYS = (
    "name", "state", "fqdn", "public_ip", "region", "resource_group", "instances",
    "vm_size", "deployment_name", "deployment_state", "vmss_state", "environment",
)  # fmt: skip


@dataclass
class Renderer:
    """Where and how one command's output goes."""

    output: str = "text"  # "text" | "json"
    verbose: bool = False
    quiet: bool = False

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
            file=stream, highlight=False, soft_wrap=True, color_system=None if plain else "auto"
        )

    # -- progress and warnings (stderr) ------------------------------------------------
    @property
    def shows_progress(self) -> bool:
        """Whether :meth:`progress` prints anything (a TTY, or --verbose; not quiet)."""
        return not self.quiet and (self.stderr.isatty() or self.verbose)

    def progress(self, message: str) -> None:
        """A progress line: rich on a TTY, plain with --verbose, nothing when quiet."""
        if self.quiet:
            return
        text = redact(message)
        if self.stderr.isatty():
            self._console(self.stderr).print(f"[dim]…[/dim] {_escape(text)}")
        elif self.verbose:
            print(f"cmgdeploy: {text}", file=self.stderr, flush=True)

    def warnings(self, items: list[str]) -> None:
        if self.output == "json":
            return  # in the envelope
        for item in items:
            print(f"cmgdeploy: warning: {redact(item)}", file=self.stderr)

    # -- results -------------------------------------------------------------------------
    def result(self, command: str, result: Any, warnings: list[str]) -> None:
        data = result.to_dict() if hasattr(result, "to_dict") else result
        if self.output == "json":
            self._envelope(command, ExitCode.OK, data, [], warnings)
            return
        self.warnings(warnings)
        text_of(result, data, self._console(self.stdout))

    def error(self, command: str, err: CmgError, warnings: list[str]) -> None:
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


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


# -- text per result type ------------------------------------------------------------------
def text_of(result: Any, data: Any, console: Any) -> None:
    """Print ``result`` for people, by its type name (falls back to key/value lines)."""
    kind = type(result).__name__
    printer = {
        "CmgStatus": _status_text,
        "PlanResult": _plan_text,
        "TextResult": lambda d, c: c.out(redact(d["text"]), end=""),
        "TableResult": _table_result_text,
        "EstimateResult": _report("estimate_text"),
        "CheckResult": _report("check_text"),
    }.get(kind, _mapping_text)
    printer(data, console)


def _report(name: str) -> Any:
    """A printer of :mod:`cmgdeploy.render_reports` (imported when used)."""

    def printer(data: Any, console: Any) -> None:
        from . import render_reports

        getattr(render_reports, name)(data, console)

    return printer


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_edge=False)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*[_escape(redact(_cell(v))) for v in row])
    return table


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)


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
    res = [[r["type"], r["name"], r["state"], r.get("error")] for r in data["resources"]]
    if res:
        console.print(_table("Resources", ["type", "name", "state", "error"], res))
    for err in data.get("errors") or []:
        console.print(_escape(redact(f"error: {err['code']}: {err['message']}")))


def resource_label(target: str) -> tuple[str, str]:
    """``(type, name)`` of an ARM id (``Microsoft.KeyVault/vaults/secrets``,
    ``vault/secret`` for a child); another target ``"kind key"`` gives ``(kind, key)``."""
    if not target.startswith("/"):
        kind, _, key = target.partition(" ")
        return kind, key
    parts = target.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    if "providers" not in lowered:
        return "", parts[-1]
    at = len(lowered) - 1 - lowered[::-1].index("providers")
    rest = parts[at + 1 :]
    if len(rest) < 3:
        return ("/".join(rest), "")
    namespace, pairs = rest[0], rest[1:]
    types = [pairs[i] for i in range(0, len(pairs), 2)]
    names = [pairs[i] for i in range(1, len(pairs), 2)]
    return (f"{namespace}/{'/'.join(types)}", "/".join(names))


def _plan_text(data: dict[str, Any], console: Any) -> None:
    rows = []
    for change in data["changes"]:
        deltas = "; ".join(
            f"{d['path']}: {d.get('before')} → {d.get('after')}" for d in change["deltas"]
        )
        rtype, name = resource_label(str(change["target"]))
        rows.append([change["scope"], rtype, name, change["change"], deltas])
    columns = ["scope", "type", "name", "change", "property changes"]
    title = f"Plan for {data['name']} ({data['deployment_name']})"
    console.print(_table(title, columns, rows))
    if data.get("estimate"):
        _report("estimate_text")(data["estimate"], console)


def _table_result_text(data: dict[str, Any], console: Any) -> None:
    rows = data.get("rows") or []
    columns = list(rows[0].keys()) if rows else ["(none)"]
    console.print(_table(data["title"], columns, [[r.get(c) for c in columns] for r in rows]))


def _mapping_text(data: Any, console: Any) -> None:
    if not isinstance(data, dict):
        console.out(redact(str(data)))
        return
    rows = [[k, json.dumps(v, default=str) if isinstance(v, dict | list) else v]
            for k, v in data.items()]  # fmt: skip
    console.print(_table("", ["field", "value"], rows))
