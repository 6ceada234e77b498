"""``up``/``down`` regression tests: the real CLI (in-process) against a fresh local
Azure per test, reachable as the environment row ``lab``.

The CLI fixtures (``home``, ``cli``) are tests/cli/conftest.py's own, loaded by path.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mocks import LocalAzure

_CLI_CONFTEST = Path(__file__).parent.parent / "cli" / "conftest.py"
_spec = importlib.util.spec_from_file_location("cli_fixtures_for_up", _CLI_CONFTEST)
assert _spec is not None and _spec.loader is not None
_cli_fixtures = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _cli_fixtures  # dataclasses look their module up there
_spec.loader.exec_module(_cli_fixtures)
home = _cli_fixtures.home
cli = _cli_fixtures.cli


@pytest.fixture()
def lab(
    local_azure_factory: Callable[..., LocalAzure],
    cli: Callable[..., Any],
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> LocalAzure:
    """A private local Azure (faults set here touch no other test) as row ``lab``."""
    az = local_azure_factory()
    ident = az.identity
    monkeypatch.setenv("AZURE_TENANT_ID", ident.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", ident.client_id)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", ident.client_secret)
    added = cli("environments", "add", "lab", "--authority", az.url, "--resource-manager",
                az.url + "/", "--ca-bundle", str(az.ca_bundle), "--no-instance-discovery")  # fmt: skip
    assert added.code == 0, added.err
    return az
