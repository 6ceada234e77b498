"""Test configuration shared by every area: the local Azure fixtures, the suites'
markers, and the chaos suite's options and figures.

The tree mirrors the code: ``tests/unit/<layer>/`` for the product's packages
(cli, commands, services, domain), ``tests/local_azure/`` for the ``mocks`` package, and
the marked suites ``integration``, ``reliability``, ``chaos``, ``inputs`` (and ``azcli``,
outside the default run). Every test carries the marker of its top folder, so
``pytest -m unit`` or ``pytest -m "not chaos"`` selects by suite. Areas add their own
fixtures in ``tests/<area>/conftest.py``. The chaos options live
here, not in ``tests/chaos/conftest.py``: with xdist the controller never collects, so
it loads only this (root) conftest; a ``pytest_configure`` or ``pytest_terminal_summary``
below the root would never run there, and the workers would get no results directory.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["mocks.pytest_plugin", "clifixtures"]

CHAOS_RESULTS_ENV = "CMGDEPLOY_CHAOS_RESULTS"
TESTS = Path(__file__).parent
SUITES = ("unit", "local_azure", "integration", "reliability", "chaos", "inputs", "azcli")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its suite: the first folder under ``tests/``."""
    for item in items:
        parts = item.path.relative_to(TESTS).parts
        if len(parts) > 1 and parts[0] in SUITES:
            item.add_marker(parts[0])


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chaos")
    group.addoption(
        "--chaos-n", type=int, default=1, help="lifecycles per kind (default 1: 2 in all)"
    )
    group.addoption("--chaos-seed", type=int, default=1, help="first seed (default 1)")
    group.addoption(
        "--chaos-kinds", default="", help="lifecycle kinds, comma-separated (default: all)"
    )


def pytest_configure(config: pytest.Config) -> None:
    # The controller (or a run without xdist) makes the chaos results directory before
    # xdist starts its workers, which inherit the variable.
    if not hasattr(config, "workerinput") and CHAOS_RESULTS_ENV not in os.environ:
        os.environ[CHAOS_RESULTS_ENV] = tempfile.mkdtemp(prefix="cmgdeploy-chaos-")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Print the chaos figures of every lifecycle this run saved (if any ran)."""
    results = os.environ.get(CHAOS_RESULTS_ENV)
    if hasattr(config, "workerinput") or not results or not any(Path(results).glob("*.json")):
        return
    from chaos.chaoslib import summary  # tests/ is on pythonpath; only needed here

    terminalreporter.section("chaos figures")
    for line in summary(Path(results)):
        terminalreporter.write_line(line)
