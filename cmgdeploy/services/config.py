"""Settings from flags, ``CMGDEPLOY_*``/``AZURE_*`` environment variables and a TOML file.

Precedence: flag > environment variable > config file > default. ``read_config``
reads the TOML file once (``--config`` or ``./cmgdeploy.toml`` if present); the
loaders (``load_spec`` in spec.py, ``load_auth_settings``, ``load_management_cert``,
``load_migrate_settings``) take it. Secrets come only from environment variables or a
prompt callback, never from flags or the file, and never appear in reprs.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cmgdeploy.domain import validate
from cmgdeploy.domain.errors import InputError

DEFAULT_CONFIG_NAME = "cmgdeploy.toml"

SPEC_KEYS = (
    "name",
    "region",
    "resource_group",
    "subscription",
    "vm_size",
    "instances",
    "image_sku",
    "cmg_package",
    "server_cert",
    "self_signed_cert",
    "trusted_cas",
    "verify_client_revocation",
    "enforce_tls12",
    "content_from_storage",
    "site_code",
    "connection_points",
    "management_points",
    "software_update_points",
    "tags",
)
TOP_KEYS = (*SPEC_KEYS, "environment", "site_db", "management_cert", "allow_delete_classic")
TABLES: dict[str, tuple[str, ...]] = {
    "auth": ("method", "tenant_id", "client_id", "client_certificate"),
    "migrate": ("drain_hours", "from_classic", "from", "to", "site_confirmed"),
}
# Keys people may try to put in the file; refused with a pointer to the env var.
SECRET_KEYS = {
    "server_cert_password": "CMGDEPLOY_SERVER_CERT_PASSWORD",
    "management_cert_password": "CMGDEPLOY_MANAGEMENT_CERT_PASSWORD",
    "client_secret": "AZURE_CLIENT_SECRET",
    "client_certificate_password": "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "password": "the matching environment variable",
}
# Repeatable flags are spelt in the singular on the command line.
FLAG_NAMES = {
    "connection_points": "--connection-point",
    "management_points": "--management-point",
    "software_update_points": "--software-update-point",
    "trusted_cas": "--trusted-ca",
    "tags": "--tag",
    "from_arm": "--from",  # migrate's ARM source
}
AUTH_METHODS = ("auto", "secret", "certificate", "managed-identity", "default", "device-code")

SecretPrompt = Callable[[str], str]


@dataclass(frozen=True)
class ConfigFile:
    """A parsed config file (or none: ``path`` None and no values)."""

    path: Path | None = None
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path | None:
        """Directory that relative paths in the file are relative to."""
        return self.path.parent if self.path else None

    def get(self, key: str) -> Any:
        """A top-level value, or ``table.key`` for a value in a table."""
        table, _, sub = key.rpartition(".")
        source = self.values.get(table, {}) if table else self.values
        return source.get(sub) if isinstance(source, Mapping) else None

    def label(self, key: str) -> str:
        """How to name ``key`` in a message: ``key (in path)``."""
        return f"{key} (in {self.path})" if self.path else key


def read_config(path: Path | None, cwd: Path | None = None) -> ConfigFile:
    """Read ``path``, or ``<cwd>/cmgdeploy.toml`` when ``path`` is None and it exists."""
    if path is None:
        default = (cwd or Path.cwd()) / DEFAULT_CONFIG_NAME
        if not default.is_file():
            return ConfigFile()
        path = default
    file = validate.readable_file(path, "--config")
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError("--config", str(path), "a UTF-8 TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message carries "(at line L, column C)".
        raise InputError("--config", str(path), f"valid TOML: {exc}") from None
    _check_keys(data, file)
    return ConfigFile(path=file, values=data)


def _check_keys(data: dict[str, Any], path: Path) -> None:
    for key, value in data.items():
        if key in TABLES:
            if not isinstance(value, dict):
                raise InputError(f"{key} (in {path})", value, f"a [{key}] table")
            _check_table_keys(key, value, path)
        elif key not in TOP_KEYS:
            _unknown(key, TOP_KEYS + tuple(f"[{t}]" for t in TABLES), path)


def _check_table_keys(table: str, values: dict[str, Any], path: Path) -> None:
    for key in values:
        if key not in TABLES[table]:
            _unknown(f"{table}.{key}", TABLES[table], path)


def _unknown(key: str, allowed: tuple[str, ...], path: Path) -> None:
    leaf = key.rpartition(".")[2]
    if leaf in SECRET_KEYS:
        raise InputError(
            f"{key} (in {path})",
            "(hidden)",
            f"secrets are not read from the config file; set {SECRET_KEYS[leaf]}",
        )
    raise InputError(f"{key} (in {path})", key, f"unknown key; allowed keys: {', '.join(allowed)}")


@dataclass(frozen=True)
class Setting:
    """One resolved value with the name of where it came from (for messages)."""

    value: Any
    source: str  # "--flag", "ENV_VAR", "key (in file)" or "default"
    base_dir: Path | None = None  # for relative paths from the config file


def resolve(
    key: str,
    flags: Mapping[str, Any],
    env: Mapping[str, str],
    config: ConfigFile,
    *,
    env_var: str | None = None,
    config_key: str | None = None,
    default: Any = None,
) -> Setting:
    """Pick the value of one setting by precedence: flag > env > file > default."""
    flag = flags.get(key)
    if flag is not None and flag != [] and flag != ():
        return Setting(flag, FLAG_NAMES.get(key, "--" + key.replace("_", "-")))
    env_name = env_var or f"CMGDEPLOY_{key.upper()}"
    if env.get(env_name, "").strip():
        return Setting(env[env_name], env_name)
    file_key = config_key or key
    if config.get(file_key) is not None:
        return Setting(config.get(file_key), config.label(file_key), config.base_dir)
    return Setting(default, "default")


def split_list(setting: Setting) -> list[Any]:
    """A list setting: env values are comma-separated; a single string is one item."""
    value = setting.value
    if value is None:
        return []
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, list | tuple):
        return list(value)
    raise InputError(setting.source, value, "a list of values")


def optional_file(setting: Setting) -> Path | None:
    """A file path setting (relative paths in the config file are relative to it)."""
    if setting.value is None:
        return None
    return validate.readable_file(setting.value, setting.source, setting.base_dir)


@dataclass(frozen=True)
class AuthSettings:
    """How to sign in to Entra ID. Secrets are excluded from repr and ``to_dict``."""

    method: str = "auto"
    tenant_id: str | None = None
    client_id: str | None = None
    client_certificate: Path | None = None
    client_secret: str | None = field(default=None, repr=False)
    client_certificate_password: str | None = field(default=None, repr=False)

    @property
    def effective_method(self) -> str:
        """``auto`` resolved: secret if one is set, certificate if a path, else default."""
        if self.method != "auto":
            return self.method
        if self.client_secret:
            return "secret"
        if self.client_certificate:
            return "certificate"
        return "default"

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "effective_method": self.effective_method,
            "tenant_id": self.tenant_id,
            "client_id": self.client_id,
            "client_certificate": str(self.client_certificate) if self.client_certificate else None,
            "client_secret_set": bool(self.client_secret),
        }


def load_auth_settings(
    flags: Mapping[str, Any],
    env: Mapping[str, str],
    config: ConfigFile,
    *,
    secret_prompt: SecretPrompt | None = None,
) -> AuthSettings:
    """Auth settings: flags ``auth_method``, ``tenant_id``, ``client_id``,
    ``client_certificate``; env ``CMGDEPLOY_AUTH_METHOD``, ``AZURE_TENANT_ID``,
    ``AZURE_CLIENT_ID``, ``AZURE_CLIENT_CERTIFICATE_PATH``, ``AZURE_CLIENT_SECRET``,
    ``AZURE_CLIENT_CERTIFICATE_PASSWORD``; TOML ``[auth]``.

    ``method = "secret"`` without ``AZURE_CLIENT_SECRET`` asks ``secret_prompt`` (when
    interactive) or raises InputError.
    """
    method = _auth_method(
        resolve("auth_method", flags, env, config, config_key="auth.method", default="auto")
    )
    got = _resolve_all(AUTH_SOURCES, flags, env, config)
    tenant, client = got["tenant_id"], got["client_id"]
    settings = AuthSettings(
        method=method,
        tenant_id=validate.tenant(tenant.value, tenant.source) if tenant.value else None,
        client_id=validate.guid(client.value, client.source) if client.value else None,
        client_certificate=optional_file(got["client_certificate"]),
        client_secret=env.get("AZURE_CLIENT_SECRET") or None,
        client_certificate_password=env.get("AZURE_CLIENT_CERTIFICATE_PASSWORD") or None,
    )
    return _complete_auth(settings, secret_prompt)


# (key, environment variable, config file key) of settings read under other names.
AUTH_SOURCES = (
    ("tenant_id", "AZURE_TENANT_ID", "auth.tenant_id"),
    ("client_id", "AZURE_CLIENT_ID", "auth.client_id"),
    ("client_certificate", "AZURE_CLIENT_CERTIFICATE_PATH", "auth.client_certificate"),
)
MIGRATE_SOURCES = (
    ("to", "CMGDEPLOY_MIGRATE_TO", "migrate.to"),
    ("from_classic", "CMGDEPLOY_MIGRATE_FROM_CLASSIC", "migrate.from_classic"),
    ("from_arm", "CMGDEPLOY_MIGRATE_FROM", "migrate.from"),
)


def _resolve_all(
    sources: tuple[tuple[str, str, str], ...],
    flags: Mapping[str, Any],
    env: Mapping[str, str],
    config: ConfigFile,
) -> dict[str, Setting]:
    """:func:`resolve` for each ``(key, env_var, config_key)``, by key."""
    return {
        key: resolve(key, flags, env, config, env_var=var, config_key=file_key)
        for key, var, file_key in sources
    }


def _checked_or_none(setting: Setting, check: Callable[[Any, str], Any]) -> Any:
    return None if setting.value is None else check(setting.value, setting.source)


def _auth_method(setting: Setting) -> str:
    value = setting.value.strip().lower() if isinstance(setting.value, str) else setting.value
    if value not in AUTH_METHODS:
        raise InputError(setting.source, setting.value, f"one of {', '.join(AUTH_METHODS)}")
    return str(value)


def _complete_auth(settings: AuthSettings, prompt: SecretPrompt | None) -> AuthSettings:
    method = settings.method
    if method in ("secret", "certificate") and not (settings.tenant_id and settings.client_id):
        missing = "AZURE_TENANT_ID" if not settings.tenant_id else "AZURE_CLIENT_ID"
        raise InputError(missing, None, f"a value is needed to sign in with a client {method}")
    if method == "certificate" and settings.client_certificate is None:
        raise InputError(
            "AZURE_CLIENT_CERTIFICATE_PATH", None, "the client certificate (PEM or PFX) path"
        )
    if method == "secret" and not settings.client_secret:
        if prompt is None:
            raise InputError(
                "AZURE_CLIENT_SECRET", None, "set it in the environment (it is never a flag)"
            )
        secret = prompt("Client secret")
        if not secret:
            raise InputError("client secret", None, "a non-empty secret")
        return replace(settings, client_secret=secret)
    return settings


@dataclass(frozen=True)
class ManagementCertSettings:
    """The classic Service Management certificate (PEM or PFX) and its password."""

    path: Path
    password: str | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path)}


def load_management_cert(
    flags: Mapping[str, Any], env: Mapping[str, str], config: ConfigFile
) -> ManagementCertSettings | None:
    """``--management-cert`` / ``CMGDEPLOY_MANAGEMENT_CERT`` / ``management_cert``;
    password from ``CMGDEPLOY_MANAGEMENT_CERT_PASSWORD``. None when not given."""
    path = optional_file(resolve("management_cert", flags, env, config))
    if path is None:
        return None
    password = env.get("CMGDEPLOY_MANAGEMENT_CERT_PASSWORD") or None
    return ManagementCertSettings(path=path, password=password)


@dataclass(frozen=True)
class MigrateSettings:
    """Options of ``migrate``: the source (classic or ARM), the target and the drain."""

    to: str | None
    from_classic: str | None = None
    from_arm: str | None = None
    drain_hours: float = 24.0
    allow_delete_classic: bool = False
    site_confirmed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "to": self.to,
            "from_classic": self.from_classic,
            "from": self.from_arm,
            "drain_hours": self.drain_hours,
            "allow_delete_classic": self.allow_delete_classic,
            "site_confirmed": self.site_confirmed,
        }


def load_migrate_settings(
    flags: Mapping[str, Any], env: Mapping[str, str], config: ConfigFile
) -> MigrateSettings:
    """Flags ``to``, ``from_classic``, ``from_arm``, ``drain_hours``,
    ``allow_delete_classic``, ``site_confirmed``; env ``CMGDEPLOY_MIGRATE_*``; TOML
    ``[migrate]``."""
    got = _resolve_all(MIGRATE_SOURCES, flags, env, config)
    drain = resolve(
        "drain_hours",
        flags,
        env,
        config,
        env_var="CMGDEPLOY_MIGRATE_DRAIN_HOURS",
        config_key="migrate.drain_hours",
        default=24.0,
    )
    allow = resolve("allow_delete_classic", flags, env, config, default=False)
    confirmed = resolve(
        "site_confirmed",
        flags,
        env,
        config,
        env_var="CMGDEPLOY_MIGRATE_SITE_CONFIRMED",
        config_key="migrate.site_confirmed",
        default=False,
    )
    arm = got["from_arm"]
    if got["from_classic"].value is not None and arm.value is not None:
        raise InputError(
            arm.source, arm.value, "either a classic source or an ARM source, not both"
        )
    return MigrateSettings(
        to=_checked_or_none(got["to"], validate.cmg_name),
        from_classic=_checked_or_none(got["from_classic"], validate.classic_service_name),
        from_arm=_checked_or_none(arm, validate.cmg_name),
        drain_hours=validate.hours(drain.value, drain.source),
        allow_delete_classic=validate.boolean(allow.value, allow.source),
        site_confirmed=validate.boolean(confirmed.value, confirmed.source),
    )
