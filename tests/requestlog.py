"""The local Azure's request log, as the tests read it (``requests.jsonl``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

WRITE_METHODS = ("PUT", "POST", "PATCH", "DELETE")


@dataclass(frozen=True)
class Request:
    """One line of the local Azure's request log (only what the corpus looks at)."""

    method: str
    path: str

    @property
    def is_azure_write(self) -> bool:
        """A write to ARM or classic Service Management; Entra sign-in POSTs and the
        control API are not writes to Azure."""
        if self.method not in WRITE_METHODS:
            return False
        return not (self.path.startswith("/_localazure/") or "/oauth2/" in self.path)


class RequestLog:
    """Reads the shared local Azure's ``requests.jsonl`` from a mark on."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / "requests.jsonl"

    def mark(self) -> int:
        """The number of lines logged so far."""
        return len(self._lines())

    def since(self, mark: int) -> list[Request]:
        """Requests logged after ``mark``."""
        entries = [json.loads(line) for line in self._lines()[mark:] if line.strip()]
        return [Request(e["method"], e["path"]) for e in entries]

    def _lines(self) -> list[str]:
        return self.path.read_text().splitlines() if self.path.exists() else []
