"""Chaos suite parametrisation and its results directory.

``pytest tests/chaos`` runs ``--chaos-n`` lifecycles of each kind (default 1) with seeds
``--chaos-seed``, ``--chaos-seed + 1``, …; every xdist worker writes one JSON file per
lifecycle into the directory named by ``CMGDEPLOY_CHAOS_RESULTS``, and the root
conftest (``tests/conftest.py``, which owns the options) prints the figures of all of
them in the terminal summary.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from chaoslib import LIFECYCLES

RESULTS_ENV = "CMGDEPLOY_CHAOS_RESULTS"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "chaos_case" in metafunc.fixturenames:
        first = metafunc.config.getoption("--chaos-seed")
        count = metafunc.config.getoption("--chaos-n")
        given = metafunc.config.getoption("--chaos-kinds") or ",".join(LIFECYCLES)
        kinds = [k for k in given.split(",") if k]
        cases = [(kind, seed) for kind in kinds for seed in range(first, first + count)]
        metafunc.parametrize("chaos_case", cases, ids=[f"{k}-seed{s}" for k, s in cases])


@pytest.fixture()
def chaos_results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where a lifecycle saves its figures: the run's shared directory, or (if a runner
    did not set one up) a temporary one, so the lifecycle still runs and is checked."""
    shared = os.environ.get(RESULTS_ENV)
    return Path(shared) if shared else tmp_path_factory.mktemp("chaos-results")
