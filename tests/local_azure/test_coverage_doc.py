"""mocks/COVERAGE.md lists every route, resource type and template function the code has."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_coverage_doc_is_current() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_coverage.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_coverage_doc_names_key_operations() -> None:
    text = (ROOT / "mocks" / "COVERAGE.md").read_text()
    for needle in ("Deployments_CreateOrUpdate", "Microsoft.Compute/virtualMachineScaleSets",
                   "`uniqueString`", "`copyIndex`", "HostedServices"):  # fmt: skip
        assert needle in text, needle
