"""Chaos suite options and its figures.

``pytest tests/chaos`` runs ``--chaos-n`` lifecycles of each kind (default 1) with seeds
``--chaos-seed``, ``--chaos-seed + 1``, …; the figures of all of them (every xdist
worker writes one JSON file per lifecycle) are printed in the terminal summary.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from chaoslib import LIFECYCLES, summary

RESULTS_ENV = "CMGDEPLOY_CHAOS_RESULTS"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chaos")
    group.addoption(
        "--chaos-n", type=int, default=1, help="lifecycles per kind (default 1: 2 in all)"
    )
    group.addoption("--chaos-seed", type=int, default=1, help="first seed (default 1)")
    group.addoption(
        "--chaos-kinds", default=",".join(LIFECYCLES), help="lifecycle kinds, comma-separated"
    )


def pytest_configure(config: pytest.Config) -> None:
    # The controller makes the results directory before xdist starts its workers,
    # which inherit the variable.
    if not hasattr(config, "workerinput") and RESULTS_ENV not in os.environ:
        os.environ[RESULTS_ENV] = tempfile.mkdtemp(prefix="cmgdeploy-chaos-")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "chaos_case" in metafunc.fixturenames:
        first = metafunc.config.getoption("--chaos-seed")
        count = metafunc.config.getoption("--chaos-n")
        kinds = [k for k in metafunc.config.getoption("--chaos-kinds").split(",") if k]
        cases = [(kind, seed) for kind in kinds for seed in range(first, first + count)]
        metafunc.parametrize("chaos_case", cases, ids=[f"{k}-seed{s}" for k, s in cases])


@pytest.fixture()
def chaos_results() -> Path:
    return Path(os.environ[RESULTS_ENV])


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or RESULTS_ENV not in os.environ:
        return
    lines = summary(Path(os.environ[RESULTS_ENV]))
    if lines:
        terminalreporter.section("chaos figures")
        for line in lines:
            terminalreporter.write_line(line)
