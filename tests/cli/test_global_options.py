"""Global options are accepted before or after the command, as with ``az``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cmgdeploy.cli import hoist_global_options


def test_options_after_the_command_move_to_the_front() -> None:
    argv = ["status", "--name", "x", "--output", "json", "-e", "local", "--debug"]
    assert hoist_global_options(argv) == [
        "--output", "json", "-e", "local", "--debug", "status", "--name", "x",
    ]  # fmt: skip


def test_equals_form_and_double_dash_are_respected() -> None:
    argv = ["up", "--output=json", "--", "--debug"]
    assert hoist_global_options(argv) == ["--output=json", "up", "--", "--debug"]


def test_output_json_after_the_command_gives_the_envelope(cli: Callable[..., Any]) -> None:
    result = cli("environments", "list", "--output", "json")
    assert result.code == 0, result.err
    assert result.json["command"] == "environments list"
    names = [row["name"] for row in result.json["data"]["rows"]]
    assert "AzurePublicCloud" in names
