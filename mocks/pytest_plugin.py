"""pytest fixtures for a real local Azure (load with ``pytest_plugins = ["mocks.pytest_plugin"]``).

* ``local_azure`` — one running server for the whole session (fast timings:
  provisioning 0.05 s, poll Retry-After 0.05 s). Tests sharing it must not leave
  faults behind.
* ``local_azure_factory`` — ``factory(faults=None, **config) -> LocalAzure``: a fresh
  server in its own state dir, stopped at the end of the test (for faults, short token
  lifetimes, throttling).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mocks import LocalAzure
from mocks.core.cloud import CloudConfig

FAST: dict[str, Any] = {"provisioning_seconds": 0.05, "poll_retry_after": 0.05}


@pytest.fixture(scope="session")
def local_azure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAzure]:
    """A running local Azure shared by the session."""
    azure = LocalAzure(tmp_path_factory.mktemp("local-azure"), config=CloudConfig(**FAST))
    with azure:
        yield azure


@pytest.fixture()
def local_azure_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., LocalAzure]]:
    """Start fresh local Azures with their own config/faults; all stopped at teardown."""
    started: list[LocalAzure] = []

    def factory(faults: dict[str, Any] | None = None, **config: Any) -> LocalAzure:
        settings = CloudConfig(**{**FAST, **config})
        azure = LocalAzure(tmp_path_factory.mktemp("local-azure"), config=settings, faults=faults)
        started.append(azure.start())
        return azure

    yield factory
    for azure in started:
        azure.stop()
