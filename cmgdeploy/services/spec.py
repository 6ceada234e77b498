"""``CmgSpec``: everything a CMG is made of, loaded and validated before any Azure call.

``load_spec`` takes the flags (a dict keyed by the spec's snake_case keys; None or
an empty list = not given), the environment variables and the config file, and
applies flag > env > file > default. Every bad value raises InputError naming the
field (as the user spelt it: ``--instances``, ``CMGDEPLOY_INSTANCES`` or
``instances (in ./cmgdeploy.toml)``), the value and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cmgdeploy.domain import settings as table
from cmgdeploy.domain import validate
from cmgdeploy.domain.environments import DEFAULT_ENVIRONMENT, LOCAL, environment_name
from cmgdeploy.domain.errors import InputError
from cmgdeploy.services.certs import (
    PASSWORD_FIELD,
    ServerCertificate,
    check_server_certificate,
    is_wildcard,
    load_ca_certificates,
    load_server_certificate,
)
from cmgdeploy.services.config import (
    ConfigFile,
    Setting,
    Settings,
    optional_file,
    read_config,
    resolve_settings,
    split_list,
)
from cmgdeploy.services.dscpackage import (
    STAND_IN_WARNING,
    DscPackage,
    load_package,
    missing_package_error,
    stand_in_package,
)

DEFAULT_VM_SIZE = table.DEFAULT_VM_SIZE

PasswordPrompt = Callable[[str], str]


@dataclass(frozen=True)
class CmgSpec:
    """A validated CMG specification (no secrets: the certificate's PFX is not in repr).

    ``name`` is "" only when loaded with ``require_name=False`` and none was given;
    ``region`` is None only with ``require_region=False``.
    """

    name: str
    region: str | None
    resource_group: str
    environment: str = DEFAULT_ENVIRONMENT
    subscription: str | None = None
    vm_size: str = DEFAULT_VM_SIZE
    instances: int = 1
    image_sku: str = validate.DEFAULT_IMAGE_SKU
    cmg_package: Path | None = None
    package: DscPackage | None = None  # None until given or settled by with_package()
    server_cert: Path | None = None
    certificate: ServerCertificate | None = None
    self_signed_cert: bool = False
    trusted_cas: tuple[Path, ...] = ()
    trusted_ca_thumbprints: tuple[str, ...] = ()
    verify_client_revocation: bool = True
    enforce_tls12: bool = True
    content_from_storage: bool = False
    site_code: str | None = None
    connection_points: tuple[str, ...] = ()
    management_points: tuple[str, ...] = ()
    software_update_points: tuple[str, ...] = ()  # "fqdn" or "http://fqdn" for an HTTP SUP
    tags: tuple[tuple[str, str], ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)

    # Settings of the table with no field of their own: (key, value), in table order.
    more: tuple[tuple[str, Any], ...] = ()

    def value(self, key: str) -> Any:
        """Any spec setting of the table by its key."""
        return table.value_of(self, key)

    def to_dict(self) -> dict[str, Any]:
        """The spec for output: no password, no key material (from the settings table)."""
        return table.spec_to_dict(self)

    def azure_inputs(self) -> dict[str, Any]:
        """The inputs that shape what is deployed in Azure (file paths and site data left
        out): the settings table's identity rows and the digests of their files."""
        return table.identity(self)

    def input_hash(self) -> str:
        """sha256 (hex) of ``azure_inputs()`` in canonical JSON: equal hash = same deployment.

        Site-database fields (site code, connection points, roles) are not part of it:
        they are compared with ``site.site_diff`` instead.
        """
        canonical = json.dumps(self.azure_inputs(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def load_spec(
    flags: Mapping[str, Any],
    env: Mapping[str, str],
    config: ConfigFile | Path | None,
    *,
    require_name: bool = True,
    require_region: bool = True,
    now: dt.datetime | None = None,
    password_prompt: PasswordPrompt | None = None,
) -> CmgSpec:
    """:func:`spec_from` the settings resolved from ``flags``, ``env`` and ``config``."""
    return spec_from(
        resolve_settings(flags, env, _config_file(config)),
        require_name=require_name,
        require_region=require_region,
        now=now,
        password_prompt=password_prompt,
    )


def spec_from(
    settings: Settings,
    *,
    require_name: bool = True,
    require_region: bool = True,
    now: dt.datetime | None = None,
    password_prompt: PasswordPrompt | None = None,
) -> CmgSpec:
    """Build and validate a CmgSpec from resolved settings (see the module docstring).

    The server certificate is loaded (password from ``CMGDEPLOY_SERVER_CERT_PASSWORD``
    or ``password_prompt``) and checked against the name at ``now``; its warnings
    land in ``spec.warnings``. Without a name, the CN's first label is the name.
    """
    get = settings.get
    # Evaluated in this order (certificate, name, CAs, then the fields as listed), so
    # of several bad inputs the same one is reported first every time.
    certificate, cert_path, self_signed = _load_certificate(get, password_prompt)
    name = _name(get("name"), certificate, require_name)
    trusted = _trusted_cas(get)
    spec = CmgSpec(
        name=name,
        **_azure_fields(get, name, require_region),
        server_cert=cert_path,
        certificate=certificate,
        self_signed_cert=self_signed,
        trusted_cas=trusted,
        trusted_ca_thumbprints=tuple(ca.thumbprint for ca in load_ca_certificates(trusted)),
        **_gateway_fields(get),
        **_site_fields(get),
        tags=_tags(get("tags")),
        more=_more_fields(get),
    )
    _require_site_code(spec)
    spec = _given_package(spec, get("cmg_package"))
    return _with_certificate_warnings(spec, now)


def _config_file(config: ConfigFile | Path | None) -> ConfigFile:
    """The config file as given, read from its path, or an empty one."""
    if isinstance(config, ConfigFile):
        return config
    return read_config(config) if config else ConfigFile()


def _trusted_cas(get: Callable[..., Setting]) -> tuple[Path, ...]:
    setting = get("trusted_cas")
    found = (optional_file(_item(setting, v)) for v in split_list(setting))
    return tuple(p for p in found if p is not None)


def _azure_fields(get: Callable[..., Setting], name: str, require_region: bool) -> dict[str, Any]:
    """Where and how big: region, group, environment, subscription, size, instances."""
    return {
        "region": _region(get("region"), require_region),
        "resource_group": _resource_group(get("resource_group"), name),
        "environment": _checked(get("environment"), environment_name),
        "subscription": _optional(get("subscription"), validate.guid),
        "vm_size": _checked(get("vm_size"), validate.vm_size),
        "instances": _checked(get("instances"), validate.instances),
        "image_sku": _checked(get("image_sku"), validate.image_sku),
    }


# The CMG's own switches, set in the site (New-CMCloudManagementGateway); their
# defaults (the settings table) are the conservative ones: check client certificate
# revocation and enforce TLS 1.2 (the safer choices); the CMG does not serve content as
# a cloud distribution point until asked (no content egress cost by surprise).
GATEWAY_KEYS = ("verify_client_revocation", "enforce_tls12", "content_from_storage")
GATEWAY_DEFAULTS = {key: table.row(key).default for key in GATEWAY_KEYS}


def _gateway_fields(get: Callable[..., Setting]) -> dict[str, Any]:
    """The CMG's own switches (defaults: ``GATEWAY_DEFAULTS``)."""
    return {key: _checked(get(key), validate.boolean) for key in GATEWAY_KEYS}


def _more_fields(get: Callable[..., Setting]) -> tuple[tuple[str, Any], ...]:
    """The spec settings of the table that CmgSpec has no field for, each checked by its
    row's validator (a list: each item; a file: readable)."""
    fields = set(CmgSpec.__dataclass_fields__)
    return tuple(
        (row.key, _generic(row, get(row.key))) for row in table.spec_rows() if row.key not in fields
    )


def _generic(row: table.Row, setting: Setting) -> Any:
    if row.kind == "list":
        items = split_list(setting)
        return tuple(row.check(v, setting.source) if row.check else v for v in items)
    if row.kind == "paths":
        return tuple(p for v in split_list(setting) if (p := optional_file(_item(setting, v))))
    if row.kind == "path":
        return optional_file(setting)
    if row.kind in ("flag", "switch"):
        return _checked(setting, validate.boolean)
    if setting.value in (None, ""):
        return None
    value = _of_kind(row.kind, setting)
    return value if row.check is None else row.check(value, setting.source)


def _of_kind(kind: str, setting: Setting) -> Any:
    """A text, whole number or number setting as its type (variables are text)."""
    value = setting.value
    if kind == "text":
        if not isinstance(value, str):
            raise InputError(setting.source, value, "text")
        return value
    number = value.strip() if isinstance(value, str) else value
    try:
        if isinstance(number, bool):
            raise ValueError(number)
        return int(number) if kind == "int" else float(number)
    except (TypeError, ValueError):
        allowed = "a whole number" if kind == "int" else "a number"
        raise InputError(setting.source, value, allowed) from None


def _site_fields(get: Callable[..., Setting]) -> dict[str, Any]:
    """The site-database side: site code and the site systems CMG serves."""
    return {
        "site_code": _optional(get("site_code"), validate.site_code),
        "connection_points": _fqdns(get("connection_points")),
        "management_points": _site_systems(get("management_points"), allow_http=True),
        "software_update_points": _site_systems(get("software_update_points"), allow_http=True),
    }


def _checked(setting: Setting, check: Callable[[Any, str], Any]) -> Any:
    return check(setting.value, setting.source)


def _optional(setting: Setting, check: Callable[[Any, str], Any]) -> Any:
    return None if setting.value in (None, "") else check(setting.value, setting.source)


def _item(setting: Setting, value: Any) -> Setting:
    return Setting(value, setting.source, setting.base_dir)


def _load_certificate(
    get: Callable[..., Setting], prompt: PasswordPrompt | None
) -> tuple[ServerCertificate | None, Path | None, bool]:
    cert_setting = get("server_cert")
    path = optional_file(cert_setting)
    self_signed = _checked(get("self_signed_cert"), validate.boolean)
    if path is not None and self_signed:
        raise InputError(
            get("self_signed_cert").source,
            True,
            "either a server certificate or a self-signed one, not both",
        )
    if path is None:
        return None, None, self_signed
    password = get("server_cert_password").value or None
    try:
        return load_server_certificate(path, password), path, False
    except InputError as exc:
        if exc.field_name != PASSWORD_FIELD or prompt is None or password is not None:
            raise
    return load_server_certificate(path, prompt(f"Password for {path.name}")), path, False


def _name(setting: Setting, cert: ServerCertificate | None, required: bool) -> str:
    if setting.value is not None:
        return str(validate.cmg_name(setting.value, setting.source))
    if cert is not None and is_wildcard(cert.subject_cn):
        raise InputError(
            "name",
            None,
            f"give --name with the wildcard certificate CN={cert.subject_cn}: the service "
            f"name is the CMG name in place of '*' ({validate.NAME_ALLOWED})",
        )
    if cert is not None:
        label = cert.subject_cn.split(".")[0]
        return str(
            validate.cmg_name(label, f"name (from the server certificate CN={cert.subject_cn})")
        )
    if required:
        raise InputError(
            "name",
            None,
            f"give --name, CMGDEPLOY_NAME or name in the config file ({validate.NAME_ALLOWED}), "
            "or a --server-cert whose CN's first label is the name",
        )
    return ""


def _region(setting: Setting, required: bool) -> str | None:
    if setting.value is not None:
        return validate.region(setting.value, setting.source)
    if required:
        raise InputError(
            "region",
            None,
            "give --region, CMGDEPLOY_REGION or region in the config file, e.g. westeurope",
        )
    return None


def _resource_group(setting: Setting, name: str) -> str:
    if setting.value is not None:
        return validate.resource_group(setting.value, setting.source)
    return f"{name}-cmg-rg" if name else ""


def _fqdns(setting: Setting) -> tuple[str, ...]:
    return validate.fqdn_list(split_list(setting), setting.source)


def _site_systems(setting: Setting, *, allow_http: bool) -> tuple[str, ...]:
    servers: dict[str, None] = {}
    for value in split_list(setting):
        host, https = validate.site_system(value, setting.source, allow_http=allow_http)
        servers[host if https else f"http://{host}"] = None
    return tuple(servers)


def _tags(setting: Setting) -> tuple[tuple[str, str], ...]:
    return () if setting.value is None else validate.tags(setting.value, setting.source)


def _require_site_code(spec: CmgSpec) -> None:
    has_servers = spec.connection_points or spec.management_points or spec.software_update_points
    if has_servers and spec.site_code is None:
        raise InputError(
            "site_code",
            None,
            "3 letters or digits (e.g. P01); needed with connection points, management "
            "points or software update points (--site-code, CMGDEPLOY_SITE_CODE)",
        )


def _given_package(spec: CmgSpec, setting: Setting) -> CmgSpec:
    """The DSC package file, read and checked now when one is given."""
    path = optional_file(setting)
    if path is None:
        return spec
    return replace(spec, cmg_package=path, package=load_package(path, setting.source))


def with_package(spec: CmgSpec, environment: str) -> CmgSpec:
    """The spec with its DSC package settled for a deployment to ``environment``: the
    given one; on the local Azure a stand-in (with a warning saying so); elsewhere a
    missing package is bad input (exit 2), before any request."""
    if spec.package is not None:
        return spec
    if environment.lower() != LOCAL:
        raise missing_package_error(environment)
    return replace(spec, package=stand_in_package(), warnings=(*spec.warnings, STAND_IN_WARNING))


def _with_certificate_warnings(spec: CmgSpec, now: dt.datetime | None) -> CmgSpec:
    if spec.certificate is None or not spec.name:
        return spec
    found = check_server_certificate(spec.certificate, spec.name, now or dt.datetime.now(dt.UTC))
    return replace(spec, warnings=(*spec.warnings, *found))


def region_of(spec: CmgSpec) -> str:
    """The region of a CMG being deployed (``load_spec`` requires one, unless told not to
    for a first look at a migration's target)."""
    if spec.region is None:
        raise InputError(
            "region",
            None,
            "give --region, CMGDEPLOY_REGION or region in the config file, e.g. westeurope",
        )
    return spec.region
