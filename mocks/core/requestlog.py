"""The request log: one JSON line per request in ``<state-dir>/requests.jsonl``.

Fields: ``time`` (ISO-8601 UTC), ``method``, ``path`` (no query), ``query``
(api-version only), ``status``, ``duration_ms``, ``user_agent``, ``request_id``,
``kind``, ``operation``, ``fault``, ``principal``. Never bodies, never headers other
than the user agent, never any query parameter but api-version: secrets travel in
bodies (client_secret, client_assertion), headers (Authorization) and could travel
in queries, so none of those are ever written.

Each line is written with one ``write`` on an ``O_APPEND`` descriptor, which keeps
lines whole across threads (a lock) and processes (POSIX append semantics).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from pathlib import Path
from typing import Any

FILENAME = "requests.jsonl"
_LOCK = threading.Lock()


def log_path(state_dir: Path) -> Path:
    return Path(state_dir) / FILENAME


def utc_iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="milliseconds")


def append(state_dir: Path, entry: dict[str, Any]) -> None:
    """Append one entry (a JSON line) to the state dir's request log."""
    line = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
    with _LOCK:
        fd = os.open(log_path(state_dir), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def read(state_dir: Path, since: int = 0) -> list[dict[str, Any]]:
    """Entries from line ``since`` (0-based) on; a half-written last line is skipped."""
    try:
        lines = log_path(state_dir).read_text().splitlines()
    except FileNotFoundError:
        return []
    out = []
    for line in lines[max(0, since) :]:
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def tail(state_dir: Path, count: int) -> list[dict[str, Any]]:
    entries = read(state_dir)
    return entries[-count:] if count > 0 else []
