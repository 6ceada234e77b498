"""Full lifecycles through the real CLI under injected faults and a SIGKILL at a
seeded random point; each must converge with nothing orphaned or duplicated."""

from __future__ import annotations

from pathlib import Path

import pytest
from chaoslib import run_lifecycle, save


@pytest.mark.slow
def test_lifecycle_converges_under_faults_and_a_crash(
    chaos_case: tuple[str, int], tmp_path: Path, chaos_results: Path
) -> None:
    kind, seed = chaos_case
    outcome = run_lifecycle(kind, seed, tmp_path)
    save(outcome, chaos_results)
    assert outcome.problems == []
    assert outcome.converged
    assert outcome.exit_codes and all(code == 0 for _, code in outcome.exit_codes)
    assert outcome.orphaned == 0 and outcome.duplicated == 0
    assert outcome.tracebacks == 0
    assert sum(outcome.faults.values()) > 0  # the weather really was bad
