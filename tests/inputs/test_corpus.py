"""The bad-input corpus: every case in ``badinputs.ALL_CASES`` through the real CLI
against the real local Azure — the documented exit code, a message naming the problem,
no traceback, no secret, the JSON envelope with ``ok: false``, and zero write requests
to Resource Manager or Service Management."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from badinputs import ALL_CASES, PASSWORD, Case, write_file
from requestlog import RequestLog

from cmgdeploy.cli import main
from mocks.classic.models import seed_classic

CASES_BY_ID = {case.id: case for case in ALL_CASES}
SECRET_IN_FILES = "hunter2-secret"  # the value the TOML cases try to put in the file
# A sample run as real processes: the console script's real stderr, not a capture.
SUBPROCESS_SAMPLE = (
    "instances-17",
    "name-uppercase",
    "env-instances-99",
    "cert-expired",
    "cert-wrong-password",
    "toml-syntax",
    "output-yaml",
    "envadd-http-authority",
    "env-unknown",
    "migrate-drain-negative",
    "site-db-not-sqlite",
)


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def _expand(value: str, directory: Path) -> str:
    return value.replace("{dir}", str(directory))


def _prepare(
    case: Case, directory: Path, monkeypatch: pytest.MonkeyPatch, local_azure: Any = None
) -> list[str]:
    if case.classic:
        seed_classic(local_azure.cloud, case.classic, "westeurope", 1)  # idempotent
    for spec in case.files:
        write_file(directory, spec)
    for name, value in case.env:
        monkeypatch.setenv(name, _expand(value, directory))
    return [_expand(arg, directory) for arg in case.argv]


def _run_in_process(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Outcome:
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def _assert_clean(case: Case, outcome: Outcome, secrets: tuple[str, ...]) -> None:
    both = outcome.out + outcome.err
    assert "Traceback" not in both, both
    for secret in secrets:
        assert secret not in both, f"secret shown by case {case.id}"


def _assert_no_azure_writes(log: RequestLog, mark: int, case: Case) -> None:
    writes = [r for r in log.since(mark) if r.is_azure_write]
    assert writes == [], f"{case.id} wrote to Azure: {writes}"


def _secrets(local_azure: Any) -> tuple[str, ...]:
    return (PASSWORD, SECRET_IN_FILES, local_azure.identity.client_secret, "not-the-password")


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.id for case in ALL_CASES])
def test_bad_input_is_refused_before_any_write(
    case: Case,
    case_home: Path,
    request_log: RequestLog,
    local_azure: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = _prepare(case, Path.cwd(), monkeypatch, local_azure)
    mark = request_log.mark()

    text = _run_in_process(argv, capsys)
    assert text.code == case.code, (text.out, text.err)
    assert re.search(case.match, text.err), text.err
    assert text.err.startswith("cmgdeploy: error: ") or "Usage" in text.err
    _assert_clean(case, text, _secrets(local_azure))

    as_json = _run_in_process(["-o", "json", *argv], capsys)
    assert as_json.code == case.code, (as_json.out, as_json.err)
    envelope = json.loads(as_json.out)
    assert envelope["ok"] is False and envelope["exit_code"] == case.code
    messages = " ".join(error["message"] for error in envelope["errors"])
    assert re.search(case.match, messages), messages
    _assert_clean(case, as_json, _secrets(local_azure))

    _assert_no_azure_writes(request_log, mark, case)


def test_corpus_is_large_and_ids_unique() -> None:
    """The corpus holds at least 60 cases; ids are the pytest ids, so they must be unique."""
    assert len(ALL_CASES) >= 70
    assert len(CASES_BY_ID) == len(ALL_CASES)


@pytest.mark.parametrize("case_id", SUBPROCESS_SAMPLE)
def test_bad_input_as_a_real_process(
    case_id: str,
    case_home: Path,
    request_log: RequestLog,
    local_azure: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The console script, as a user runs it: exit code, message, no traceback on stderr."""
    case = CASES_BY_ID[case_id]
    argv = _prepare(case, Path.cwd(), monkeypatch, local_azure)
    mark = request_log.mark()
    script = Path(sys.executable).with_name("cmgdeploy")
    proc = subprocess.run(
        [str(script), *argv], capture_output=True, text=True, env=dict(os.environ), timeout=120
    )
    assert proc.returncode == case.code, proc.stderr
    assert re.search(case.match, proc.stderr), proc.stderr
    _assert_clean(case, Outcome(proc.returncode, proc.stdout, proc.stderr), _secrets(local_azure))
    _assert_no_azure_writes(request_log, mark, case)


def test_baseline_inputs_are_valid_and_writes_are_counted(
    case_home: Path,
    request_log: RequestLog,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Control for the corpus: the good arguments the cases start from deploy, and the
    same request-log filter sees those writes — so "zero writes" above is not vacuous."""
    from badinputs import up

    mark = request_log.mark()
    deployed = _run_in_process(list(up(name="corpusbase")), capsys)
    assert deployed.code == 0, deployed.err
    writes = [r for r in request_log.since(mark) if r.is_azure_write]
    assert any(r.method == "PUT" and "/deployments/" in r.path for r in writes)
    removed = _run_in_process(["-e", "lab", "down", "--name", "corpusbase", "--yes"], capsys)
    assert removed.code == 0, removed.err
