"""Migration tests: the real CLI (in-process, and as a subprocess for SIGKILL) against a
fresh local Azure per test with a seeded classic CMG.

The CLI fixtures (``home``, ``cli``) are tests/cli/conftest.py's own, loaded by path
rather than copied.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from migrate_helpers import SOURCE, Lab

from mocks import LocalAzure
from mocks.classic.models import seed_classic

_CLI_CONFTEST = Path(__file__).parent.parent / "cli" / "conftest.py"
_spec = importlib.util.spec_from_file_location("cli_fixtures_for_migrate", _CLI_CONFTEST)
assert _spec is not None and _spec.loader is not None
_cli_fixtures = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _cli_fixtures  # dataclasses look their module up there
_spec.loader.exec_module(_cli_fixtures)
home = _cli_fixtures.home
cli = _cli_fixtures.cli
writes = _cli_fixtures.writes


@pytest.fixture()
def lab(
    local_azure_factory: Callable[..., LocalAzure],
    cli: Callable[..., Any],
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Lab:
    az = local_azure_factory()
    seed_classic(az.cloud, SOURCE, "westeurope", 2)
    ident = az.identity
    values = {
        "AZURE_TENANT_ID": ident.tenant_id,
        "AZURE_CLIENT_ID": ident.client_id,
        "AZURE_CLIENT_SECRET": ident.client_secret,
        "CMGDEPLOY_MANAGEMENT_CERT": str(az.endpoint["management_certificate"]),
        "CMGDEPLOY_SUBSCRIPTION": ident.subscription_id,
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    added = cli("environments", "add", "lab", "--authority", az.url, "--resource-manager",
                az.url + "/", "--service-management", az.url + "/", "--ca-bundle",
                str(az.ca_bundle), "--no-instance-discovery")  # fmt: skip
    assert added.code == 0, added.err
    return Lab(az, home, dict(os.environ))
