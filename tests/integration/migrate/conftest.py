"""Migration tests: the real CLI (in-process, and as a subprocess for SIGKILL) against a
fresh local Azure per test with a seeded classic CMG.

The CLI fixtures (``home``, ``cli``, ``writes``) come from tests/clifixtures.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from clifixtures import add_environment_row
from migrate_lab import SOURCE, Lab

from mocks import LocalAzure
from mocks.classic.models import seed_classic


@pytest.fixture()
def lab(
    local_azure_factory: Callable[..., LocalAzure],
    cli: Callable[..., Any],
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Lab:
    az = local_azure_factory()
    seed_classic(az.cloud, SOURCE, "westeurope", 2)
    monkeypatch.setenv("CMGDEPLOY_MANAGEMENT_CERT", str(az.endpoint["management_certificate"]))
    monkeypatch.setenv("CMGDEPLOY_SUBSCRIPTION", az.identity.subscription_id)
    add_environment_row(cli, az, monkeypatch, "lab", "--service-management", az.url + "/")
    return Lab(az, home, dict(os.environ))
