"""The one error boundary: each way a run ends, rendered once, with its exit code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import typer

import cmgdeploy.commands.environments


def _failing(exc: BaseException) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return fail


def test_ctrl_c_in_a_command_says_where_to_follow_it(
    cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        cmgdeploy.commands.environments, "list_environments", _failing(KeyboardInterrupt())
    )
    stopped = cli("environments", "list", "-e", "local", "-o", "json")
    assert stopped.code == 130, stopped.err
    assert stopped.json["command"] == "environments list"
    error = stopped.json["errors"][0]
    assert error["code"] == "Interrupted"
    assert error["hint"] == "follow it with `cmgdeploy -e local status --name <name> --watch`"


def test_ctrl_c_at_a_prompt_exits_130(
    cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        cmgdeploy.commands.environments, "list_environments", _failing(typer.Abort())
    )
    stopped = cli("-o", "json", "environments", "list", "--name", "x")
    assert stopped.code == 2  # --name is no option of environments list: refused first
    stopped = cli("-o", "json", "environments", "list")
    assert stopped.code == 130, stopped.err
    assert stopped.json["errors"][0]["hint"] == "follow it with `cmgdeploy status --name NAME`"


def test_an_unexpected_error_is_exit_1_with_a_traceback_only_under_debug(
    cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    boom = _failing(RuntimeError("boom"))
    monkeypatch.setattr(cmgdeploy.commands.environments, "list_environments", boom)
    quiet = cli("environments", "list", "-o", "json")
    assert quiet.code == 1
    assert quiet.json["errors"][0]["code"] == "InternalError"
    assert quiet.json["errors"][0]["message"] == "unexpected error: RuntimeError: boom"
    assert "Traceback" not in quiet.err
    loud = cli("environments", "list", "--debug")
    assert loud.code == 1 and "Traceback" in loud.err and "RuntimeError: boom" in loud.err


def test_a_group_without_its_command_shows_its_help_and_exits_2(cli: Callable[..., Any]) -> None:
    bare = cli()
    assert bare.code == 2 and "Usage: cmgdeploy [OPTIONS] COMMAND" in bare.err
    group = cli("site", "--verbose")
    assert group.code == 2 and "Usage: cmgdeploy site [OPTIONS] COMMAND" in group.err
    options_only = cli("-e", "local")
    assert options_only.code == 2 and "Missing command." in options_only.err
