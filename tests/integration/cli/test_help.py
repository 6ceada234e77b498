"""Help that teaches, and errors that point at the likely fix."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import typer.main

from cmgdeploy.cli import app
from cmgdeploy.cli import command as _command

REPO = Path(__file__).resolve().parents[3]
UP = ("--name", "contosocmg", "--self-signed-cert", "--site-code", "PS1",
      "--connection-point", "cp1.contoso.com", "--yes")  # fmt: skip


def _paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in (getattr(command, "commands", None) or {}).items():
        found += _paths(sub, (*path, name))
    return found


COMMANDS = [p for p in _paths(typer.main.get_command(app)) if p]


def _leaf(path: tuple[str, ...]) -> bool:
    command = _command()
    for name in path:
        command = command.commands[name]
    return not getattr(command, "commands", None)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_an_example_and_plain_metavars(
    path: tuple[str, ...], cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    shown = cli(*path, "--help")
    assert shown.code == 0, shown.err
    for python_type in ("<str>", "<int>", "<float>", "<path>", "<list", "<bool>"):
        assert python_type not in shown.out, shown.out
    if _leaf(path):
        assert "Examples:" in shown.out and f"cmgdeploy {path[0]}" in shown.out.replace(
            "cmgdeploy -e local ", "cmgdeploy "
        ), shown.out
    else:  # a group: every summary whole at 80 columns
        assert "..." not in shown.out.split("Commands:")[1], shown.out


def test_top_level_summaries_are_whole_and_version_prints(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    shown = cli("--help")
    assert "..." not in shown.out.split("Commands:")[1].split("Examples:")[0], shown.out
    assert "--install-completion" in shown.out  # Typer's shell completion
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert cli("--version").out.strip() == f"cmgdeploy {version}"


def test_close_matches_are_suggested_for_sizes_and_regions(cli: Any, home: Path) -> None:
    size = cli("-e", "local", "up", "--region", "westeurope", "--vm-size", "Standard_A2v2", *UP)
    assert size.code == 2 and "did you mean Standard_A2_v2?" in size.err, size.err
    region = cli("-e", "local", "up", "--region", "westeurpe", *UP)
    assert region.code == 2, region.err
    assert "region: 'westeurpe' is not valid" in region.err
    assert "did you mean westeurope?" in region.err


def test_down_of_a_cmg_that_does_not_exist_says_not_found(cli: Any, home: Path) -> None:
    gone = cli("-e", "local", "-o", "json", "down", "--name", "nosuchcmg", "--yes")
    assert gone.code == 2, gone.err
    error = gone.json["errors"][0]
    assert error["code"] == "NotFound"
    assert "CMG nosuchcmg not found" in error["message"]
    assert "is not valid" not in gone.err
