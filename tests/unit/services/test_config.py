"""Auth, management-certificate and migrate settings; CMGDEPLOY_HOME paths."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from cmgdeploy.domain.errors import InputError
from cmgdeploy.services import paths
from cmgdeploy.services.config import (
    AuthSettings,
    ConfigFile,
    ManagementCertSettings,
    MigrateSettings,
    auth_settings,
    management_cert_settings,
    migrate_settings,
    read_config,
    resolve_settings,
)


def load_auth_settings(
    flags: dict[str, Any], env: dict[str, str], config: ConfigFile, **kw: Any
) -> AuthSettings:
    return auth_settings(resolve_settings(flags, env, config), **kw)


def load_management_cert(
    flags: dict[str, Any], env: dict[str, str], config: ConfigFile
) -> ManagementCertSettings | None:
    return management_cert_settings(resolve_settings(flags, env, config))


def load_migrate_settings(
    flags: dict[str, Any], env: dict[str, str], config: ConfigFile
) -> MigrateSettings:
    return migrate_settings(resolve_settings(flags, env, config))


TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
SECRET = "Client-Secret-Value-9"


def test_auth_from_env_with_secret_hidden() -> None:
    env = {"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": CLIENT, "AZURE_CLIENT_SECRET": SECRET}
    auth = load_auth_settings({}, env, ConfigFile())
    assert (auth.tenant_id, auth.client_id, auth.effective_method) == (TENANT, CLIENT, "secret")
    assert SECRET not in repr(auth) and SECRET not in str(auth.to_dict())
    assert auth.to_dict()["client_secret_set"] is True


def test_auth_precedence_flag_env_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[auth]\nmethod = "device-code"\ntenant_id = "contoso.onmicrosoft.com"\nclient_id = "{CLIENT}"\n'
    )
    config = read_config(cfg)
    auth = load_auth_settings({}, {}, config)
    assert (auth.method, auth.tenant_id) == ("device-code", "contoso.onmicrosoft.com")
    assert load_auth_settings({}, {"AZURE_TENANT_ID": TENANT}, config).tenant_id == TENANT
    assert (
        load_auth_settings(
            {"auth_method": "default"}, {"CMGDEPLOY_AUTH_METHOD": "secret"}, config
        ).method
        == "default"
    )


def test_auth_bad_values() -> None:
    with pytest.raises(InputError, match="one of auto, secret"):
        load_auth_settings({"auth_method": "password"}, {}, ConfigFile())
    with pytest.raises(InputError) as info:
        load_auth_settings({}, {"AZURE_CLIENT_ID": "not-a-guid"}, ConfigFile())
    assert info.value.field_name == "AZURE_CLIENT_ID" and "GUID" in info.value.message


def test_secret_method_needs_secret_or_prompt() -> None:
    env = {"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": CLIENT}
    with pytest.raises(InputError, match="AZURE_CLIENT_SECRET"):
        load_auth_settings({"auth_method": "secret"}, env, ConfigFile())
    auth = load_auth_settings(
        {"auth_method": "secret"}, env, ConfigFile(), secret_prompt=lambda _label: SECRET
    )
    assert auth.client_secret == SECRET
    with pytest.raises(InputError, match="AZURE_TENANT_ID"):
        load_auth_settings({"auth_method": "secret"}, {"AZURE_CLIENT_SECRET": SECRET}, ConfigFile())


def test_certificate_method(tmp_path: Path) -> None:
    env = {"AZURE_TENANT_ID": TENANT, "AZURE_CLIENT_ID": CLIENT}
    with pytest.raises(InputError, match="AZURE_CLIENT_CERTIFICATE_PATH"):
        load_auth_settings({"auth_method": "certificate"}, env, ConfigFile())
    pem = tmp_path / "sp.pem"
    pem.write_text("x")
    env |= {
        "AZURE_CLIENT_CERTIFICATE_PATH": str(pem),
        "AZURE_CLIENT_CERTIFICATE_PASSWORD": "Cert-Pass-1",
    }
    auth = load_auth_settings({}, env, ConfigFile())
    assert auth.effective_method == "certificate" and auth.client_certificate == pem
    assert "Cert-Pass-1" not in repr(auth)
    with pytest.raises(InputError, match="existing file"):
        load_auth_settings(
            {}, {"AZURE_CLIENT_CERTIFICATE_PATH": str(tmp_path / "no.pem")}, ConfigFile()
        )


def test_management_cert(tmp_path: Path) -> None:
    assert load_management_cert({}, {}, ConfigFile()) is None
    pem = tmp_path / "mgmt.pem"
    pem.write_text("x")
    settings = load_management_cert(
        {"management_cert": str(pem)},
        {"CMGDEPLOY_MANAGEMENT_CERT_PASSWORD": "M-Pass-7"},
        ConfigFile(),
    )
    assert settings is not None and settings.path == pem and settings.password == "M-Pass-7"
    assert "M-Pass-7" not in repr(settings) and "M-Pass-7" not in str(settings.to_dict())


def test_migrate_settings(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        'allow_delete_classic = true\n[migrate]\nfrom_classic = "Old-CMG"\nto = "newcmg"\ndrain_hours = 0\n'
    )
    settings = load_migrate_settings({}, {}, read_config(cfg))
    assert (
        settings.from_classic,
        settings.to,
        settings.drain_hours,
        settings.allow_delete_classic,
    ) == ("old-cmg", "newcmg", 0.0, True)
    defaults = load_migrate_settings({}, {}, ConfigFile())
    assert defaults.drain_hours == 24.0 and defaults.allow_delete_classic is False
    with pytest.raises(InputError, match="0 or more"):
        load_migrate_settings({"drain_hours": "-1"}, {}, ConfigFile())
    with pytest.raises(InputError, match="not both"):
        load_migrate_settings({"from_classic": "old", "from_arm": "oldcmg"}, {}, ConfigFile())
    with pytest.raises(InputError, match="3–24"):
        load_migrate_settings({"to": "New_CMG"}, {}, ConfigFile())


def test_home_and_paths(tmp_path: Path) -> None:
    env = {"CMGDEPLOY_HOME": str(tmp_path / "home")}
    home = paths.cmgdeploy_home(env)
    assert home == tmp_path / "home" and stat.S_IMODE(home.stat().st_mode) == 0o700
    assert paths.site_db_path(env) == home / "site.db"
    assert (
        paths.local_azure_dir(env) == home / "local-azure" and paths.local_azure_dir(env).is_dir()
    )
    assert stat.S_IMODE(paths.lock_dir(env).stat().st_mode) == 0o700


def test_home_default_is_platform_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert paths.cmgdeploy_home({}) == tmp_path / "xdg" / "cmgdeploy"


def test_write_private_file(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("old")
    target.chmod(0o644)
    paths.write_private_file(target, b"new")
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o600
