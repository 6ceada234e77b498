"""Bad-input corpus fixtures: a private CMGDEPLOY_HOME per case that reaches the shared
local Azure both as ``-e local`` and as an added row ``-e lab``, and a counter of the
write requests the local Azure received."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clifixtures import write_dsc_package
from requestlog import Request, RequestLog  # noqa: F401  (re-exported for the tests)

from cmgdeploy.commands.environments import add_environment
from cmgdeploy.domain.environments import build_environment
from cmgdeploy.services.sitedb import SiteDB

# Variables that would leak the developer's settings into a case.
AMBIENT = (
    "CMGDEPLOY_ENVIRONMENT",
    "CMGDEPLOY_SITE_DB",
    "CMGDEPLOY_CONFIG",
    "AZURE_CLIENT_SECRET",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "NO_COLOR",
)
LAB = "lab"


@pytest.fixture(scope="session")
def template_home(local_azure: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CMGDEPLOY_HOME made once: site DB with the ``lab`` row for the shared local Azure."""
    home = tmp_path_factory.mktemp("inputs-home") / "home"
    home.mkdir(mode=0o700)
    env = build_environment(
        LAB,
        authority=local_azure.url,
        resource_manager=local_azure.url + "/",
        ca_bundle=str(local_azure.ca_bundle),
        instance_discovery=False,
    )
    with SiteDB(home / "site.db") as db:
        add_environment(db, env)
    return home


@pytest.fixture()
def case_home(
    template_home: Path, local_azure: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A fresh copy of the template home; ``local-azure`` is the shared server's state
    dir, so ``-e local`` finds it running instead of starting one per case."""
    home = tmp_path / "home"
    shutil.copytree(template_home, home)
    (home / "local-azure").symlink_to(Path(local_azure.state_dir), target_is_directory=True)
    ambient = [*AMBIENT, *(k for k in os.environ if k.startswith("CMGDEPLOY_"))]
    for var in ambient:
        monkeypatch.delenv(var, raising=False)
    ident = local_azure.identity
    monkeypatch.setenv("CMGDEPLOY_HOME", str(home))
    monkeypatch.setenv("AZURE_TENANT_ID", ident.tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", ident.client_id)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", ident.client_secret)
    # The ``lab`` row is not the local Azure by name: it needs the site's DSC package.
    monkeypatch.setenv("CMGDEPLOY_CMG_PACKAGE", str(write_dsc_package(tmp_path / "cmgdsc.zip")))
    monkeypatch.chdir(tmp_path)
    yield home


@pytest.fixture()
def request_log(local_azure: Any) -> RequestLog:
    """The shared local Azure's request log."""
    return RequestLog(Path(local_azure.state_dir))
