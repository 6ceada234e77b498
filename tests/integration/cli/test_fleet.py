"""`cmgdeploy fleet up/status/scale` through the real CLI against the real local Azure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from requestlog import RequestLog

FLEET = """\
[defaults]
region = "westeurope"
self_signed_cert = true
site_code = "PS1"
connection_points = ["cp1.contoso.com"]
management_points = ["mp1.contoso.com"]
{extra}
"""


def fleet_file(
    tmp_path: Path, names: list[str], extra: str = "", per_cmg: str = "", file: str = "fleet"
) -> Path:
    text = FLEET.format(extra=extra)
    for name in names:
        text += f'\n[[cmg]]\nname = "{name}"\n{per_cmg}'
    path = tmp_path / f"{file}.toml"
    path.write_text(text)
    return path


def envelopes(out: str) -> list[dict[str, Any]]:
    """-o json of a fleet command: one envelope per line."""
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_fleet_up_deploys_each_cmg_with_one_sign_in(
    cli: Any, cloud_env: str, local_azure: Any, tmp_path: Path
) -> None:
    names = ["fleeta", "fleetb", "fleetc"]
    log = RequestLog(local_azure.state_dir)
    mark = log.mark()
    done = cli("-e", cloud_env, "-o", "json", "fleet", "up", str(fleet_file(tmp_path, names)))
    assert done.code == 0, done.err
    found = envelopes(done.out)
    assert [e["data"]["name"] for e in found] == names  # one envelope each, in file order
    assert all(e["ok"] and e["data"]["state"] == "Ready" for e in found)
    assert all(e["command"] == "fleet up" for e in found)
    requests = log.since(mark)
    token_posts = [r for r in requests if r.path.endswith("/oauth2/v2.0/token")]
    assert len(token_posts) == 1, token_posts  # one sign-in for the whole fleet
    puts = [r for r in requests if r.method == "PUT" and "/deployments/" in r.path]
    main = [r for r in puts if not r.path.endswith("-storage")]  # after each storage stage
    assert len(main) == len(names) and len(puts) == 2 * len(names)

    again = cli("-e", cloud_env, "-o", "json", "fleet", "up", str(fleet_file(tmp_path, names)))
    assert again.code == 0, again.err
    assert [e["data"]["summary"] for e in envelopes(again.out)] == ["no changes"] * 3

    status = cli("-e", cloud_env, "fleet", "status", "--name", "fleeta", "--name", "fleetc")
    assert status.code == 0, status.err
    assert "fleeta" in status.out and "fleetc" in status.out and "Ready" in status.out


def test_fleet_scale_goes_on_past_a_cmg_that_fails(
    cli: Any, cloud_env: str, tmp_path: Path
) -> None:
    assert cli("-e", cloud_env, "fleet", "up", str(fleet_file(tmp_path, ["fleetd"]))).code == 0
    done = cli("-e", cloud_env, "-o", "json", "fleet", "scale", "--name", "fleetd",
               "--name", "notdeployed", "--instances", "2", "--yes")  # fmt: skip
    found = {e["data"]["name"]: e for e in envelopes(done.out)}
    assert found["fleetd"]["ok"] and found["fleetd"]["data"]["instances"] == 2
    assert not found["notdeployed"]["ok"] and found["notdeployed"]["exit_code"] == 2
    assert done.code == 2  # the first failure's exit code


def test_bad_fleet_file_is_exit_2_before_any_azure_call(
    cli: Any, cloud_env: str, local_azure: Any, tmp_path: Path
) -> None:
    log = RequestLog(local_azure.state_dir)
    cases = [
        ("unknown key", ["fleete"], {"per_cmg": "colour = 'blue'\n"}, "colour"),
        ("a secret", ["fleete"], {"extra": "client_secret = 'x'"}, "secrets"),
        ("twice", ["fleete", "fleete"], {}, "twice"),
        ("bad name", ["Bad_Name"], {}, "Bad_Name"),
        ("bad instances", ["fleete"], {"per_cmg": "instances = 40\n"}, "CMG fleete: instances"),
    ]
    for i, (label, names, parts, said) in enumerate(cases):
        path = fleet_file(tmp_path, names, file=f"bad{i}", **parts)
        mark = log.mark()
        done = cli("-e", cloud_env, "fleet", "up", str(path), "--yes")
        assert done.code == 2, (label, done.err)
        assert said in done.err, (label, done.err)
        assert "Traceback" not in done.err
        assert log.since(mark) == [], label  # nothing reached Azure, not even a sign-in


def test_fleet_concurrency_is_bounded(cli: Any, cloud_env: str, tmp_path: Path) -> None:
    done = cli("-e", cloud_env, "fleet", "status", "--name", "a1b", "--concurrency", "11")
    assert done.code == 2 and "--concurrency" in done.err and "1–10" in done.err


def test_fleet_signs_in_once_even_when_the_secret_is_wrong(
    cli: Any, cloud_env: str, local_azure: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-the-secret")
    log = RequestLog(local_azure.state_dir)
    mark = log.mark()
    done = cli("-e", cloud_env, "-o", "json", "fleet", "status", "--name", "fleetx",
               "--name", "fleety", "--name", "fleetz")  # fmt: skip
    assert done.code == 3, done.err
    assert [e["exit_code"] for e in envelopes(done.out)] == [3, 3, 3]
    token_posts = [r for r in log.since(mark) if r.path.endswith("/oauth2/v2.0/token")]
    assert len(token_posts) == 1, token_posts
    assert "not-the-secret" not in done.out + done.err
