"""Write the settings list of docs/CONTRACTS.md from the settings table
(cmgdeploy/domain/settings.py); a test checks the two agree."""

from __future__ import annotations

from pathlib import Path

from cmgdeploy.domain.settings import contracts_table

CONTRACTS = Path(__file__).resolve().parent.parent / "docs" / "CONTRACTS.md"
BEGIN, END = "<!-- settings table: begin -->\n", "\n<!-- settings table: end -->"


def main() -> None:
    text = CONTRACTS.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    CONTRACTS.write_text(head + BEGIN + contracts_table() + END + tail, encoding="utf-8")


if __name__ == "__main__":
    main()
