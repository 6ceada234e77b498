"""AzureEnvironments rows: built-ins, add/show/remove rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from cmgdeploy.commands.environments import (
    add_environment,
    get_environment,
    list_environments,
    remove_environment,
)
from cmgdeploy.domain.environments import build_environment
from cmgdeploy.domain.errors import ExitCode, InputError, UsageError
from cmgdeploy.domain.site_records import CmgService
from cmgdeploy.services.sitedb import SiteDB


@pytest.fixture
def db(tmp_path: Path):
    with SiteDB(tmp_path / "site.db") as opened:
        yield opened


def test_builtin_values(db: SiteDB) -> None:
    public = get_environment(db, "AzurePublicCloud")
    assert public.resource_manager == "https://management.azure.com/"
    assert public.audience == "https://management.azure.com"
    assert public.authority == "https://login.microsoftonline.com"
    assert (
        public.storage_suffix == "core.windows.net"
        and public.public_ip_suffix == "cloudapp.azure.com"
    )
    assert public.instance_discovery
    china = get_environment(db, "AzureChinaCloud")
    assert china.keyvault_suffix == "vault.azure.cn"
    local = get_environment(db, "local")
    assert local.is_builtin and not local.instance_discovery


def test_add_show_remove(db: SiteDB, tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    env = build_environment(
        "MyLab",
        authority="https://127.0.0.1:8443/",
        resource_manager="https://127.0.0.1:8443/",
        ca_bundle=ca,
        instance_discovery=False,
    )
    add_environment(db, env)
    shown = get_environment(db, "mylab")
    assert shown == env and shown.audience == "https://127.0.0.1:8443" and not shown.is_builtin
    assert shown.ca_bundle == str(ca)
    assert "MyLab" in [e.name for e in list_environments(db)]
    with pytest.raises(UsageError, match="already exists"):
        add_environment(db, env)
    remove_environment(db, "MyLab")
    with pytest.raises(InputError, match="AzurePublicCloud"):
        get_environment(db, "MyLab")


@pytest.mark.parametrize("field", ["authority", "resource_manager"])
def test_http_refused(field: str) -> None:
    urls = {"authority": "https://login.example.com", "resource_manager": "https://arm.example.com"}
    urls[field] = urls[field].replace("https", "http")
    with pytest.raises(InputError) as info:
        build_environment("Lab", **urls)
    assert "https://" in info.value.message and info.value.field_name == "--" + field.replace(
        "_", "-"
    )


def test_other_urls_and_suffixes_checked(tmp_path: Path) -> None:
    base = {"authority": "https://login.example.com", "resource_manager": "https://arm.example.com"}
    with pytest.raises(InputError, match="--service-management"):
        build_environment("Lab", service_management="ftp://x.example.com", **base)
    with pytest.raises(InputError, match="--storage-suffix"):
        build_environment("Lab", storage_suffix="bad suffix", **base)
    with pytest.raises(InputError, match="--ca-bundle"):
        build_environment("Lab", ca_bundle=tmp_path / "missing.pem", **base)


@pytest.mark.parametrize("bad", ["1lab", "a", "lab!", "x" * 65, ""])
def test_name_rule(bad: str) -> None:
    with pytest.raises(InputError) as info:
        build_environment(
            bad, authority="https://a.example.com", resource_manager="https://b.example.com"
        )
    assert info.value.field_name == "name" and "1–63" in info.value.message


@pytest.mark.parametrize("name", ["AzurePublicCloud", "azurechinacloud", "local"])
def test_builtins_cannot_be_replaced_or_removed(db: SiteDB, name: str) -> None:
    with pytest.raises(UsageError) as info:
        build_environment(
            name, authority="https://a.example.com", resource_manager="https://b.example.com"
        )
    assert info.value.exit_code == ExitCode.BAD_INPUT
    with pytest.raises(UsageError, match="cannot be removed"):
        remove_environment(db, name)


def test_environment_in_use_not_removed(db: SiteDB) -> None:
    add_environment(
        db,
        build_environment(
            "Lab", authority="https://a.example.com", resource_manager="https://b.example.com"
        ),
    )
    db.upsert_service(CmgService("cmgone", "Lab", "westeurope", 1, "Ready"))
    with pytest.raises(UsageError, match="cmgone"):
        remove_environment(db, "Lab")
