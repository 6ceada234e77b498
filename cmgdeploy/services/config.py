"""Settings from flags, ``CMGDEPLOY_*``/``AZURE_*`` environment variables and a TOML file.

Every setting is a row of the settings table (:mod:`cmgdeploy.domain.settings`): the
keys the file takes, the variables read and the defaults all come from it.
``read_config`` reads the TOML file once (``--config`` or ``./cmgdeploy.toml`` if
present); :func:`resolve_settings` applies precedence — flag > environment variable >
config file > default — here and nowhere else, for every row at once; the loaders
(``spec_from`` in spec.py, :func:`auth_settings`, :func:`management_cert_settings`,
:func:`migrate_settings`) take the resolved :class:`Settings`. Secrets come only from
environment variables or a prompt callback, never from flags or the file, and never
appear in reprs.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cmgdeploy.domain import settings as settings_table
from cmgdeploy.domain import validate
from cmgdeploy.domain.errors import InputError

DEFAULT_CONFIG_NAME = "cmgdeploy.toml"

# All derived from the settings table (cmgdeploy.domain.settings).
SPEC_KEYS = settings_table.spec_file_keys()
_FILE_KEYS = settings_table.file_keys()
TOP_KEYS = _FILE_KEYS[""]
TABLES: dict[str, tuple[str, ...]] = {t: keys for t, keys in _FILE_KEYS.items() if t}
# Keys people may try to put in the file; refused with a pointer to the env var.
SECRET_KEYS = settings_table.secret_env_vars()
AUTH_METHODS = settings_table.AUTH_METHODS

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

    value: Any = field(repr=False)
    source: str  # "--flag", "ENV_VAR", "key (in file)" or "default"
    base_dir: Path | None = None  # for relative paths from the config file

    @property
    def given(self) -> bool:
        """Set by the user (a flag, a variable or the file), not the default."""
        return self.source != "default"


class Settings:
    """Every setting of the table, resolved once (flag > environment variable > config
    file > default): what the command line hands to commands. Secrets are read from
    the environment only; no value appears in a repr."""

    def __init__(self, found: Mapping[str, Setting], config: ConfigFile) -> None:
        self._found = dict(found)
        self.config = config

    def __repr__(self) -> str:
        given = sorted(k for k, s in self._found.items() if s.given)
        return f"Settings(given={given})"

    def get(self, key: str) -> Setting:
        return self._found[key]

    def value(self, key: str) -> Any:
        return self._found[key].value

    def with_flags(self, flags: Mapping[str, Any]) -> Settings:
        """These flags over the settings (None or an empty list: not given)."""
        found = dict(self._found)
        for key, value in flags.items():
            if value is not None and value != [] and value != ():
                found[key] = Setting(value, settings_table.row(key).flag_label)
        return Settings(found, self.config)

    def with_defaults(self, defaults: Mapping[str, Any]) -> Settings:
        """These values where the user set nothing (labelled as their flags); keys the
        table does not know (kept by another version) are left out."""
        unset = {k: v for k, v in defaults.items() if k in self._found and not self.get(k).given}
        return self.with_flags(unset)


def resolve_settings(
    flags: Mapping[str, Any], env: Mapping[str, str], config: ConfigFile | None = None
) -> Settings:
    """Resolve every setting of the table: the flag given (None or an empty list = not
    given), else its environment variable (a blank one is not set), else the config
    file's key, else the table's default. Secrets: the environment only."""
    config = config or ConfigFile()
    found: dict[str, Setting] = {}
    for row in settings_table.SETTINGS:
        found[row.key] = _resolve(row, flags, env, config)
    return Settings(found, config)


def settings_of(values: Mapping[str, Any], secrets: Mapping[str, str | None]) -> Settings:
    """Settings made of ``values`` alone (inputs kept by an earlier run) and the secrets
    given by key: no environment variable, no config file."""
    env = {str(settings_table.row(key).env_var): value for key, value in secrets.items() if value}
    return resolve_settings(values, env)


def _resolve(
    row: settings_table.Row, flags: Mapping[str, Any], env: Mapping[str, str], config: ConfigFile
) -> Setting:
    flag = None if row.secret else flags.get(row.key)
    if flag is not None and flag != [] and flag != ():
        return Setting(flag, row.flag_label)
    var = row.env_var
    if var and (env.get(var) if row.secret else env.get(var, "").strip()):
        return Setting(env[var], var)
    key = row.toml_key
    if key and not row.secret and config.get(key) is not None:
        return Setting(config.get(key), config.label(key), config.base_dir)
    return Setting(row.default, "default")


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


def auth_settings(settings: Settings, *, secret_prompt: SecretPrompt | None = None) -> AuthSettings:
    """Auth settings: ``auth_method`` (``CMGDEPLOY_AUTH_METHOD``, ``[auth] method``),
    ``AZURE_TENANT_ID``, ``AZURE_CLIENT_ID``, ``AZURE_CLIENT_CERTIFICATE_PATH`` (or
    ``[auth]``), and the secrets ``AZURE_CLIENT_SECRET``,
    ``AZURE_CLIENT_CERTIFICATE_PASSWORD``.

    ``method = "secret"`` without ``AZURE_CLIENT_SECRET`` asks ``secret_prompt`` (when
    interactive) or raises InputError.
    """
    method = _auth_method(settings.get("auth_method"))
    tenant, client = settings.get("tenant_id"), settings.get("client_id")
    auth = AuthSettings(
        method=method,
        tenant_id=validate.tenant(tenant.value, tenant.source) if tenant.value else None,
        client_id=validate.guid(client.value, client.source) if client.value else None,
        client_certificate=optional_file(settings.get("client_certificate")),
        client_secret=settings.value("client_secret") or None,
        client_certificate_password=settings.value("client_certificate_password") or None,
    )
    return _complete_auth(auth, secret_prompt)


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


def management_cert_settings(settings: Settings) -> ManagementCertSettings | None:
    """``--management-cert`` / ``CMGDEPLOY_MANAGEMENT_CERT`` / ``management_cert``;
    password from ``CMGDEPLOY_MANAGEMENT_CERT_PASSWORD``. None when not given."""
    path = optional_file(settings.get("management_cert"))
    if path is None:
        return None
    password = settings.value("management_cert_password") or None
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


def migrate_settings(settings: Settings) -> MigrateSettings:
    """``to``, ``from_classic``, ``from_arm``, ``drain_hours``, ``allow_delete_classic``,
    ``site_confirmed`` (env ``CMGDEPLOY_MIGRATE_*``, TOML ``[migrate]``)."""
    arm = settings.get("from_arm")
    if settings.get("from_classic").value is not None and arm.value is not None:
        raise InputError(
            arm.source, arm.value, "either a classic source or an ARM source, not both"
        )
    drain, allow = settings.get("drain_hours"), settings.get("allow_delete_classic")
    confirmed = settings.get("site_confirmed")
    return MigrateSettings(
        to=_checked_or_none(settings.get("to"), validate.cmg_name),
        from_classic=_checked_or_none(settings.get("from_classic"), validate.classic_service_name),
        from_arm=_checked_or_none(arm, validate.cmg_name),
        drain_hours=validate.hours(drain.value, drain.source),
        allow_delete_classic=validate.boolean(allow.value, allow.source),
        site_confirmed=validate.boolean(confirmed.value, confirmed.source),
    )
