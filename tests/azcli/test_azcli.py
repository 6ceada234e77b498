"""The Azure CLI, unmodified and in its own virtualenv, against the local Azure.

Runs ``scripts/az-cli-e2e.sh`` once per session (it takes tens of seconds) and checks
what a user of the script relies on: every step passes, the server is stopped, and the
service principal's secret shows up nowhere — not in the output, not in the CLI's logs,
not in the local Azure's request log. Marked ``azcli``: not in the default run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "az-cli-e2e.sh"
AZ = Path(os.environ.get("AZCLI_VENV", ROOT / ".venv-azcli")) / "bin" / "az"

pytestmark = [
    pytest.mark.azcli,
    pytest.mark.skipif(not AZ.exists(), reason=f"no Azure CLI at {AZ} (see {SCRIPT.name})"),
]


@dataclass(frozen=True)
class ScriptRun:
    returncode: int
    output: str  # stdout + stderr
    work: Path


@pytest.fixture(scope="module")
def script_run(tmp_path_factory: pytest.TempPathFactory) -> ScriptRun:
    work = tmp_path_factory.mktemp("az-cli-e2e")
    proc = subprocess.run(
        ["bash", str(SCRIPT), "--workdir", str(work), "--keep"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=work,  # not the repo: `python -m mocks` must not depend on the cwd
    )
    return ScriptRun(proc.returncode, proc.stdout + proc.stderr, work)


def test_every_step_passes(script_run: ScriptRun) -> None:
    failed = [line for line in script_run.output.splitlines() if line.startswith("FAIL")]
    assert failed == [], script_run.output
    assert script_run.returncode == 0, script_run.output
    assert "RESULT: PASS" in script_run.output


def test_every_listed_command_ran(script_run: ScriptRun) -> None:
    passed = {
        line[6:].split("  ")[0].strip()
        for line in script_run.output.splitlines()
        if line.startswith("PASS")
    }
    expected = [
        "cloud register (endpoint discovery)",
        "cloud register (--skip-endpoint-discovery)",
        "login --service-principal (secret)",
        "login --service-principal (certificate)",
        "group create",
        "group show",
        "deployment group validate (small)",
        "deployment group what-if (small, new)",
        "deployment group create (small)",
        "deployment group show (small)",
        "deployment operation group list (small)",
        "resource list -g (small)",
        "deployment group what-if (small, unchanged)",
        "make CMG parameters (certificate, DSC package)",
        "deployment group validate (cmg)",
        "deployment group create (cmg)",
        "deployment group what-if (cmg, unchanged)",
        "group delete",
    ]
    missing = [name for name in expected if name not in passed]
    assert missing == [], script_run.output


def test_wall_time_is_reported(script_run: ScriptRun) -> None:
    assert re.search(r"^total wall time: \d+\.\d\ds$", script_run.output, re.M)


def test_server_is_stopped(script_run: ScriptRun) -> None:
    match = re.search(r"^server pid (\d+) stopped$", script_run.output, re.M)
    assert match, script_run.output
    with pytest.raises(ProcessLookupError):
        os.kill(int(match.group(1)), 0)


def test_secret_appears_nowhere(script_run: ScriptRun) -> None:
    endpoint = json.loads((script_run.work / "state" / "endpoint.json").read_text())
    secret = endpoint["client_secret"]
    assert secret and secret not in script_run.output
    logs = [
        *sorted((script_run.work / "logs").iterdir()),
        script_run.work / "state" / "requests.jsonl",
    ]
    leaking = [p.name for p in logs if p.is_file() and secret in p.read_text(errors="replace")]
    assert leaking == []
    # The request log is real and shows the CLI's own traffic.
    requests_log = (script_run.work / "state" / "requests.jsonl").read_text().splitlines()
    agents = {json.loads(line).get("user_agent") or "" for line in requests_log}
    assert any("AZURECLI" in agent for agent in agents), sorted(agents)[:5]
