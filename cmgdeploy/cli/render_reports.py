"""Text of the report commands (estimate, check, migrate) for people; JSON is the
result's dict."""

from __future__ import annotations

from typing import Any

from cmgdeploy.cli.tables import _escape, _table
from cmgdeploy.domain.redact import redact


def estimate_text(data: dict[str, Any], console: Any) -> None:
    """Sizing, then the cost table (low–high per month), then the notes."""
    z = data["sizing"]
    console.print(
        _escape(
            f"{data['clients']:,} clients in {data['region']}: {z['instances']} × {z['vm_size']} "
            f"(capacity {z['capacity']:,}), {z['connection_points']} connection point(s)"
        )
    )
    cur = data["currency"]
    rows = [
        [c["item"], f"{c['unit_price']:g} / {c['unit']}",
         _range(c["quantity_low"], c["quantity_high"]),
         _range(c["monthly_low"], c["monthly_high"], money=True)]
        for c in data["costs"]
    ]  # fmt: skip
    rows.append(["total", "", "", _range(data["monthly_low"], data["monthly_high"], True)])
    console.print(_table(f"Monthly cost ({cur})", ["item", "price", "quantity", cur], rows))
    for alt in data.get("alternatives") or []:
        console.print(
            _escape(
                f"alternative: {alt['instances']} × {alt['vm_size']}: VM {alt['vm_monthly']:,.2f}"
            )
        )
    for note in [*z.get("notes", []), *data.get("notes", [])]:
        console.print(_escape(redact(f"note: {note}")))
    console.print(_escape(f"prices: {data['prices_source']}"))


def _range(low: float, high: float, money: bool = False) -> str:
    fmt = "{:,.2f}" if money else "{:,.1f}"
    return fmt.format(low) if low == high else f"{fmt.format(low)} – {fmt.format(high)}"


_MARK = {"ok": "ok", "warning": "WARNING", "critical": "CRITICAL"}


def check_text(data: dict[str, Any], console: Any) -> None:
    """The overall status, then one line per item, worst first (as monitors print it)."""
    order = {"critical": 0, "warning": 1, "ok": 2}
    console.print(_escape(f"CMG {data['name']}: {_MARK[data['status']]}"))
    for item in sorted(data["items"], key=lambda i: order[i["status"]]):
        line = f"{_MARK[item['status']]:8} {item['kind']} {item['name']}: {item['detail']}"
        console.print(_escape(redact(line)))


MIGRATION_FIELDS = ("target", "source", "source_kind", "phase", "next_phase", "waiting_for",
                    "ready_since", "site_confirmed", "wait_until", "phases_run",
                    "would_delete", "deleted", "site_runbook")  # fmt: skip


def migration_text(data: dict[str, Any], console: Any) -> None:
    """``migrate`` for people: what was found, where it stands, what it waits for, and the
    runbook file to run on the site server (its PowerShell is in the JSON output)."""
    from cmgdeploy.domain.results import value_text

    if data.get("source_found"):
        console.out(redact(str(data["source_found"])))
    rows = []
    for key in MIGRATION_FIELDS:
        value = data.get(key)
        if value in (None, [], ""):
            continue
        rows.append([key, value_text(value) if isinstance(value, list) else value])
    console.print(_table(f"Migration to {data.get('target')}", ["field", "value"], rows))
    if data.get("summary"):
        console.print(_escape(redact(str(data["summary"]))))
