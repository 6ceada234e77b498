"""``up``/``down`` regression tests: the real CLI (in-process) against a fresh local
Azure per test, reachable as the environment row ``lab``.

The CLI fixtures (``home``, ``cli``) come from tests/clifixtures.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from clifixtures import add_environment_row

from mocks import LocalAzure


@pytest.fixture()
def lab(
    local_azure_factory: Callable[..., LocalAzure],
    cli: Callable[..., Any],
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> LocalAzure:
    """A private local Azure (faults set here touch no other test) as row ``lab``."""
    az = local_azure_factory()
    add_environment_row(cli, az, monkeypatch, "lab")
    return az
