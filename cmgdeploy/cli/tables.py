"""Tables for people: fit the console, or turn into key/value lines when too narrow;
every cell redacted and escaped (rich markup)."""

from __future__ import annotations

from typing import Any

from cmgdeploy.domain.redact import redact

UNLIMITED_WIDTH = 100_000  # the console width when stdout/stderr is not a terminal


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _table(title: str, columns: list[str], rows: list[list[Any]], key: int = 0) -> Any:
    """A table that fits the console or turns into key/value lines (see the module);
    column ``key`` (the name) is never wrapped."""
    return FitTable(title, columns, [[redact(_cell(v)) for v in row] for row in rows], key)


class FitTable:
    """A rich renderable: the table when every cell fits whole, else key/value lines."""

    def __init__(self, title: str, columns: list[str], rows: list[list[str]], key: int) -> None:
        self.title, self.columns, self.rows, self.key = title, columns, rows, key

    def table(self) -> Any:
        from rich.table import Table

        table = Table(title=self.title or None, title_justify="left", show_edge=False)
        for i, column in enumerate(self.columns):
            table.add_column(column, overflow="fold", no_wrap=i == self.key)
        for row in self.rows:
            table.add_row(*[_escape(v) for v in row])
        return table

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        table = self.table()
        # The narrowest this table can be with every word whole (unclamped: measured as
        # if the console had no width limit).
        needed = Measurement.get(console, options.update_width(UNLIMITED_WIDTH), table).minimum
        if needed <= options.max_width:
            yield table
            return
        yield from self.lines()

    def lines(self) -> Any:
        """``name`` on its own line, then ``  column: value`` for the other columns."""
        from rich.text import Text

        if self.title:
            yield Text(self.title, style="italic")
        for row in self.rows:
            yield Text(row[self.key], style="bold", no_wrap=True)
            for i, column in enumerate(self.columns):
                if i != self.key:
                    yield Text(f"  {column}: {row[i]}")


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)
