"""Global options are accepted before or after the command, as with ``az``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_output_json_after_the_command_gives_the_envelope(cli: Callable[..., Any]) -> None:
    result = cli("environments", "list", "--output", "json")
    assert result.code == 0, result.err
    assert result.json["command"] == "environments list"
    names = [row["name"] for row in result.json["data"]["rows"]]
    assert "AzurePublicCloud" in names


def test_equals_and_attached_forms_after_the_command(cli: Callable[..., Any]) -> None:
    for form in (("--output=json",), ("-ojson",), ("-o", "json")):
        result = cli("environments", "list", *form)
        assert result.code == 0, (form, result.err)
        assert result.json["command"] == "environments list", form


def test_an_option_after_the_command_wins_over_the_one_before(cli: Callable[..., Any]) -> None:
    as_json = cli("-o", "text", "environments", "list", "-o", "json")
    assert as_json.json["command"] == "environments list"
    as_text = cli("-o", "json", "environments", "list", "-o", "text")
    assert as_text.code == 0 and "AzurePublicCloud" in as_text.out
    assert not as_text.out.lstrip().startswith("{"), as_text.out


def test_environment_and_site_db_after_the_command(cli: Callable[..., Any], home: Any) -> None:
    bad_env = cli("status", "--name", "abc", "-e", "nosuchenv", "-o", "json")
    assert bad_env.code == 2, bad_env.err
    assert bad_env.json["errors"][0]["target"] == "environment"
    bad_db = cli("environments", "list", "--site-db", str(home.parent), "-o", "json")
    assert bad_db.code == 2, bad_db.err
    assert bad_db.json["errors"][0]["target"] == "--site-db"


def test_a_usage_error_before_the_output_option_still_gives_the_envelope(
    cli: Callable[..., Any],
) -> None:
    result = cli("status", "--bogus", "-o", "json")
    assert result.code == 2
    error = result.json["errors"][0]
    assert result.json["command"] == "status"
    assert error["message"] == "No such option: --bogus"  # no hidden option suggested
    assert error["hint"] == "see `cmgdeploy status --help`"


def test_a_bad_global_value_after_the_command_points_at_the_app_help(
    cli: Callable[..., Any],
) -> None:
    result = cli("status", "--name", "abc", "--output", "yaml")
    assert result.code == 2
    assert "Invalid value for '--output' / '-o'" in result.err
    assert "see `cmgdeploy --help`" in result.err


def test_command_names_in_the_envelope_come_from_click(cli: Callable[..., Any]) -> None:
    assert cli("fleet", "status", "--bogus", "-o", "json").json["command"] == "fleet status"
    assert cli("-o", "json", "deploy").json["command"] == "deploy"
    missing = cli("auth", "-o", "json")
    assert missing.code == 2 and "Usage: cmgdeploy auth" in missing.err
    assert missing.json["errors"][0]["message"] == "`auth` needs a command"


def test_global_options_stay_out_of_command_help(cli: Callable[..., Any]) -> None:
    shown = cli("status", "--help")
    assert shown.code == 0
    for option in ("--output", "--environment", "--site-db", "--debug", "--verbose"):
        assert option not in shown.out, option
    assert cli("status", "--version").code == 2  # --version belongs to the app only


def test_site_db_from_flag_variable_or_config_file(
    cli: Callable[..., Any], home: Any, monkeypatch: Any
) -> None:
    conf = home.parent / "conf"
    (conf / "sites").mkdir(parents=True)
    (conf / "cmgdeploy.toml").write_text('site_db = "sites/lab.db"\n')
    config = ("-c", str(conf / "cmgdeploy.toml"))
    assert cli(*config, "environments", "list").code == 0
    assert (conf / "sites" / "lab.db").is_file()  # relative to the file
    assert not (home / "site.db").exists()
    monkeypatch.setenv("CMGDEPLOY_SITE_DB", str(home.parent / "env.db"))
    assert cli(*config, "environments", "list").code == 0
    assert (home.parent / "env.db").is_file()  # the variable beats the file
    assert cli(*config, "environments", "list", "--site-db", str(home.parent / "f.db")).code == 0
    assert (home.parent / "f.db").is_file()  # the flag beats both
    (conf / "cmgdeploy.toml").write_text("site_db = 7\n")
    monkeypatch.delenv("CMGDEPLOY_SITE_DB")
    bad = cli(*config, "-o", "json", "environments", "list")
    assert bad.code == 2 and bad.json["errors"][0]["target"].startswith("site_db (in ")
