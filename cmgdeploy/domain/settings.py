"""Every setting cmgdeploy reads, in one table (:data:`SETTINGS`).

A row says, for one setting: its key (the snake_case name of the flags, of the TOML
file and of the :class:`~cmgdeploy.services.spec.CmgSpec` field), what kind of value it
is and the validator of :mod:`cmgdeploy.domain.validate` that checks it, the command-line
flag and its help, the environment variable, the TOML key (``table.key`` for a value
in a table), whether it is a secret (never a flag, never the file: the environment or
a prompt only), its default, and whether it is part of the deployment's identity (the
input hash that names the ARM deployment).

Everything else is derived from it: the spec options of ``up``, ``plan`` and
``migrate`` (:mod:`cmgdeploy.cli.options`), the keys the TOML file and a fleet file
accept, precedence (flag > environment variable > file > default, in
:func:`cmgdeploy.services.config.resolve_settings`), ``CmgSpec.to_dict``,
``CmgSpec.azure_inputs`` (the identity) and the settings list of docs/CONTRACTS.md
(:func:`contracts_table`, checked by a test).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from cmgdeploy.domain import validate
from cmgdeploy.domain.environments import DEFAULT_ENVIRONMENT, environment_name

# text: a string; int, number: a number; flag: an on switch (--self-signed-cert);
# switch: on/off (--enforce-tls12/--no-enforce-tls12); list: repeatable flag, a TOML
# array or a comma-separated variable; path, paths: file(s), relative to the TOML file
# when given there; tags: a TOML table or key=value items.
Kind = Literal["text", "int", "number", "flag", "switch", "list", "path", "paths", "tags"]
# Where a setting belongs: a CmgSpec field, a global option, sign-in, migrate, classic.
Scope = Literal["spec", "global", "auth", "migrate", "classic"]
Check = Callable[[Any, str], Any]

DEFAULT_VM_SIZE = "Standard_A2_v2"
AUTH_METHODS = ("auto", "secret", "certificate", "managed-identity", "default", "device-code")
AUTO = "auto"  # env/toml column: CMGDEPLOY_<KEY> / the key itself


@dataclass(frozen=True)
class Derived:
    """A value the spec computes from a setting's file (a digest, a thumbprint): shown
    right after the setting, and part of the identity when ``identity`` is given (how
    it enters the hash)."""

    key: str
    shown: Callable[[Any], Any]
    identity: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Row:
    """One setting (see the module docstring)."""

    key: str
    kind: Kind
    scope: Scope
    help: str = ""
    flag: str | None = None  # the flag as people spell it (default --<key>); labels messages
    # "spec": an option of up, plan and migrate built from this row; "own": the command
    # (or the app, for a global option) declares it; None: no flag.
    option: Literal["spec", "own"] | None = None
    env: str | None = AUTO
    toml: str | None = AUTO
    secret: bool = False
    default: Any = None
    identity: bool = False
    check: Check | None = None
    derived: tuple[Derived, ...] = ()
    parameter: str | None = None  # the template parameter the value goes to
    # Other help on some commands (migrate's target defaults to the source's values).
    help_in: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def env_var(self) -> str | None:
        return f"CMGDEPLOY_{self.key.upper()}" if self.env == AUTO else self.env

    @property
    def toml_key(self) -> str | None:
        return self.key if self.toml == AUTO else self.toml

    @property
    def flag_label(self) -> str:
        """How a value given as a flag is named in messages."""
        return self.flag or "--" + self.key.replace("_", "-")

    @property
    def param(self) -> str:
        """The option's parameter name (a repeatable flag is spelt in the singular)."""
        return self.flag_label.lstrip("-").replace("-", "_")

    @property
    def in_spec(self) -> bool:
        """A field of CmgSpec (the environment is a global option and a spec field)."""
        return self.scope == "spec" or self.key == "environment"

    def help_for(self, command: str) -> str:
        return self.help_in.get(command, self.help)


def _spec(key: str, kind: Kind, help: str, **kw: Any) -> Row:
    """A spec row: an option of up, plan and migrate unless told otherwise."""
    return Row(key, kind, "spec", help, option=kw.pop("option", "spec"), **kw)


def _path(value: Any) -> Any:
    return str(value) if value else None


def _thumbprint(spec: Any) -> Any:
    return spec.certificate.thumbprint if spec.certificate else None


def _package_sha256(spec: Any) -> Any:
    return spec.package.sha256 if spec.package else None


MIGRATE = "migrate"

SETTINGS: tuple[Row, ...] = (
    _spec(
        "name",
        "text",
        "CMG name (prefix): 3–24 lowercase letters/digits, a letter first.",
        identity=True,
        check=validate.cmg_name,
        parameter="cmgName",
    ),
    _spec(
        "region",
        "text",
        "Azure region, e.g. westeurope.",
        identity=True,
        check=validate.region,
        help_in=MappingProxyType({MIGRATE: "Target region (default: the source's)."}),
        parameter="location",
    ),
    _spec(
        "resource_group",
        "text",
        "Resource group (default <name>-cmg-rg).",
        identity=True,
        check=validate.resource_group,
    ),
    Row(
        "environment",
        "text",
        "global",
        "AzureEnvironments row (default AzurePublicCloud; local = the embedded local Azure).",
        default=DEFAULT_ENVIRONMENT,
        identity=True,
        check=environment_name,
        option="own",
    ),
    _spec(
        "subscription",
        "text",
        "Subscription id (default: the only/default one).",
        identity=True,
        check=validate.guid,
        help_in=MappingProxyType(
            {"classic": "Subscription of the cloud services (default: config file)."}
        ),
    ),
    _spec(
        "instances",
        "int",
        "VM instances, 1–16 (default 1).",
        default=1,
        identity=True,
        check=validate.instances,
        help_in=MappingProxyType({MIGRATE: "Target instances, 1–16 (default: the source's)."}),
        parameter="instanceCount",
    ),
    _spec(
        "vm_size",
        "text",
        "Standard_B2s | Standard_A2_v2 (default) | Standard_A4_v2.",
        default=DEFAULT_VM_SIZE,
        identity=True,
        check=validate.vm_size,
        parameter="vmSize",
    ),
    _spec(
        "image_sku",
        "text",
        "Windows Server image: 2022-datacenter (default, Generation 1) or "
        "2022-datacenter-azure-edition (Generation 2; not on Av2 sizes).",
        default=validate.DEFAULT_IMAGE_SKU,
        identity=True,
        check=validate.image_sku,
        parameter="imageSku",
    ),
    _spec(
        "cmg_package",
        "path",
        "The site's CMG DSC package, <ConfigMgr install dir>\\inboxes\\cloudmgr.box\\"
        "cmgdsc.zip (env CMGDEPLOY_CMG_PACKAGE); -e local makes a stand-in without it.",
        derived=(Derived("cmg_package_sha256", _package_sha256, _package_sha256),),
    ),
    _spec(
        "server_cert",
        "path",
        "Server certificate PFX (password: CMGDEPLOY_SERVER_CERT_PASSWORD or a prompt).",
        derived=(Derived("server_cert_thumbprint", _thumbprint, _thumbprint),),
    ),
    _spec(
        "self_signed_cert",
        "flag",
        "Make a lab certificate with the right CN (clients must trust it).",
        default=False,
        check=validate.boolean,
    ),
    _spec(
        "trusted_cas",
        "paths",
        "Trusted root/intermediate CA file (repeatable).",
        flag="--trusted-ca",
        derived=(
            Derived(
                "trusted_ca_thumbprints",
                lambda spec: list(spec.trusted_ca_thumbprints),
                lambda spec: sorted(spec.trusted_ca_thumbprints),
            ),
        ),
    ),
    _spec(
        "verify_client_revocation",
        "switch",
        "The CMG checks client certificate revocation (default: on).",
        default=True,
        identity=True,
        check=validate.boolean,
    ),
    _spec(
        "enforce_tls12",
        "switch",
        "The CMG enforces TLS 1.2 (default: on).",
        default=True,
        identity=True,
        check=validate.boolean,
    ),
    _spec(
        "content_from_storage",
        "switch",
        "The CMG serves content from Azure storage, as a cloud DP (default: off).",
        # Off until asked: no content egress cost by surprise.
        default=False,
        identity=True,
        check=validate.boolean,
    ),
    _spec("site_code", "text", "ConfigMgr site code (3 characters).", check=validate.site_code),
    _spec(
        "connection_points",
        "list",
        "CMG connection point server FQDN (repeatable).",
        flag="--connection-point",
    ),
    _spec(
        "management_points",
        "list",
        "Management point FQDN to enable for CMG traffic (repeatable); http://FQDN "
        "for an HTTP management point of an Enhanced HTTP site.",
        flag="--management-point",
    ),
    _spec(
        "software_update_points",
        "list",
        "Software update point FQDN to enable (repeatable).",
        flag="--software-update-point",
    ),
    _spec(
        "tags",
        "tags",
        "Tags of every resource (a TOML table, or key=value items).",
        flag="--tag",
        option=None,
        identity=True,
        check=validate.tags,
    ),
    # -- global options --------------------------------------------------------------------
    Row(
        "site_db",
        "path",
        "global",
        "Site database (default $CMGDEPLOY_HOME/site.db).",
        option="own",
    ),
    # Read where they are used (every command needs the home; the lease is taken deep in
    # a run): variables only, no flag, no file key.
    Row(
        "home",
        "path",
        "global",
        "Where cmgdeploy keeps its files (default: the platform's user data dir).",
        toml=None,
    ),
    Row(
        "lease_seconds",
        "int",
        "global",
        "Seconds the run lease lasts after its holder died, 15–60.",
        toml=None,
        default=60,
    ),
    # -- sign-in -------------------------------------------------------------------------
    Row(
        "auth_method",
        "text",
        "auth",
        f"How to sign in: {', '.join(AUTH_METHODS)}.",
        env="CMGDEPLOY_AUTH_METHOD",
        toml="auth.method",
        default=AUTO,
    ),
    Row(
        "tenant_id",
        "text",
        "auth",
        "Entra tenant (id or domain).",
        env="AZURE_TENANT_ID",
        toml="auth.tenant_id",
        check=validate.tenant,
    ),
    Row(
        "client_id",
        "text",
        "auth",
        "Application (client) id of the service principal.",
        env="AZURE_CLIENT_ID",
        toml="auth.client_id",
        check=validate.guid,
    ),
    Row(
        "client_certificate",
        "path",
        "auth",
        "Client certificate of the service principal (PEM or PFX).",
        env="AZURE_CLIENT_CERTIFICATE_PATH",
        toml="auth.client_certificate",
    ),
    Row(
        "client_secret",
        "text",
        "auth",
        "Client secret of the service principal.",
        env="AZURE_CLIENT_SECRET",
        toml=None,
        secret=True,
    ),
    Row(
        "client_certificate_password",
        "text",
        "auth",
        "Password of the client certificate.",
        env="AZURE_CLIENT_CERTIFICATE_PASSWORD",
        toml=None,
        secret=True,
    ),
    Row(
        "server_cert_password",
        "text",
        "spec",
        "Password of the server certificate PFX (or a prompt at a terminal).",
        env="CMGDEPLOY_SERVER_CERT_PASSWORD",
        toml=None,
        secret=True,
    ),
    # -- classic (Service Management) --------------------------------------------------
    Row(
        "management_cert",
        "path",
        "classic",
        "Classic management certificate, PEM or PFX "
        "(password: CMGDEPLOY_MANAGEMENT_CERT_PASSWORD).",
        help_in=MappingProxyType(
            {
                "classic": "Management certificate, PEM or PFX "
                "(password: CMGDEPLOY_MANAGEMENT_CERT_PASSWORD).",
                "check": "Classic management certificate to check (PEM or PFX; password: "
                "CMGDEPLOY_MANAGEMENT_CERT_PASSWORD).",
            }
        ),
        option="own",
    ),
    Row(
        "management_cert_password",
        "text",
        "classic",
        "Password of the management certificate.",
        env="CMGDEPLOY_MANAGEMENT_CERT_PASSWORD",
        toml=None,
        secret=True,
    ),
    # -- migrate -------------------------------------------------------------------------
    Row(
        "to",
        "text",
        "migrate",
        "Name of the new CMG (3–24 lowercase/digits).",
        env="CMGDEPLOY_MIGRATE_TO",
        toml="migrate.to",
        check=validate.cmg_name,
        option="own",
    ),
    Row(
        "from_classic",
        "text",
        "migrate",
        "Classic CMG (cloud service name) to replace.",
        env="CMGDEPLOY_MIGRATE_FROM_CLASSIC",
        toml="migrate.from_classic",
        check=validate.classic_service_name,
        option="own",
    ),
    Row(
        "from_arm",
        "text",
        "migrate",
        "ARM CMG of cmgdeploy to replace.",
        flag="--from",
        env="CMGDEPLOY_MIGRATE_FROM",
        toml="migrate.from",
        check=validate.cmg_name,
        option="own",
    ),
    Row(
        "drain_hours",
        "number",
        "migrate",
        "Hours the source keeps serving after the target is Ready (default 24, the "
        "clients' daily policy refresh; 0 for labs, with a warning below 24).",
        env="CMGDEPLOY_MIGRATE_DRAIN_HOURS",
        toml="migrate.drain_hours",
        default=24.0,
        check=validate.hours,
        option="own",
    ),
    Row(
        "site_confirmed",
        "flag",
        "migrate",
        "The site has the new CMG and its connection point (the runbook of the site "
        "phase ran): the drain starts now. Also [migrate] site_confirmed = true.",
        env="CMGDEPLOY_MIGRATE_SITE_CONFIRMED",
        toml="migrate.site_confirmed",
        default=False,
        check=validate.boolean,
        option="own",
    ),
    Row(
        "allow_delete_classic",
        "flag",
        "migrate",
        "Retire may delete the source without --yes.",
        default=False,
        check=validate.boolean,
    ),
)

BY_KEY: Mapping[str, Row] = MappingProxyType({row.key: row for row in SETTINGS})
# Keys people may try to put in a file besides the secrets' own: refused too.
SECRET_LOOKALIKES = {"password": "the matching environment variable"}


def row(key: str) -> Row:
    return BY_KEY[key]


def spec_rows() -> tuple[Row, ...]:
    """The CmgSpec fields, in the table's order."""
    return tuple(r for r in SETTINGS if r.in_spec and not r.secret)


def parameter_rows() -> tuple[Row, ...]:
    """The spec settings passed to the template as parameters (by the parameter's name)."""
    return tuple(r for r in spec_rows() if r.parameter)


def cli_rows() -> tuple[Row, ...]:
    """The spec options of up, plan and migrate, in the order --help lists them."""
    return tuple(r for r in SETTINGS if r.option == "spec")


def spec_file_keys() -> tuple[str, ...]:
    """The keys a fleet file's tables take (and the spec keys of cmgdeploy.toml)."""
    return tuple(r.key for r in SETTINGS if r.scope == "spec" and r.toml_key)


def file_keys() -> dict[str, tuple[str, ...]]:
    """Every key the TOML file takes: ``""`` top level, else by table."""
    keys: dict[str, list[str]] = {"": []}
    for r in SETTINGS:
        if r.toml_key is None:
            continue
        table, _, leaf = r.toml_key.rpartition(".")
        keys.setdefault(table, []).append(leaf)
    return {table: tuple(leaves) for table, leaves in keys.items()}


def secret_env_vars() -> dict[str, str]:
    """File keys refused as secrets, and the variable to use instead."""
    found = {r.key: str(r.env_var) for r in SETTINGS if r.secret}
    return {**found, **SECRET_LOOKALIKES}


def shown(r: Row, value: Any) -> Any:
    """A setting's value as output shows it (JSON-ready)."""
    if r.kind == "path":
        return _path(value)
    if r.kind == "paths":
        return [str(p) for p in value]
    if r.kind == "list":
        return list(value)
    if r.kind == "tags":
        return dict(value)
    return value


def value_of(spec: Any, key: str) -> Any:
    """A spec setting's value: its CmgSpec field, or one of ``spec.more`` (a setting with
    no field of its own), else the row's default."""
    if hasattr(spec, key):
        return getattr(spec, key)
    return dict(getattr(spec, "more", ())).get(key, BY_KEY[key].default)


def spec_to_dict(spec: Any) -> dict[str, Any]:
    """``CmgSpec.to_dict``: every spec setting and what is derived from it, no secret."""
    out: dict[str, Any] = {}
    for r in spec_rows():
        out[r.key] = shown(r, value_of(spec, r.key))
        for d in r.derived:
            out[d.key] = d.shown(spec)
    return out


def identity(spec: Any) -> dict[str, Any]:
    """``CmgSpec.azure_inputs``: the inputs that shape what is deployed in Azure (the
    identity rows and the digests of their files); file paths and site data are not."""
    out: dict[str, Any] = {}
    for r in spec_rows():
        if r.identity:
            out[r.key] = shown(r, value_of(spec, r.key))
        for d in r.derived:
            if d.identity is not None:
                out[d.key] = d.identity(spec)
    return out


def kept_inputs(spec: Any) -> dict[str, Any]:
    """The spec as the settings that rebuild it (paths, not contents; no secret; not the
    name nor the environment, which each run gives), without empty values."""
    kept: dict[str, Any] = {}
    for r in spec_rows():
        value = shown(r, value_of(spec, r.key))
        empty = value is None or value == [] or value == {}
        unset_flag = r.kind == "flag" and value is False  # an off switch is kept
        if r.key not in ("name", "environment") and not empty and not unset_flag:
            kept[r.key] = value
    return kept


def contracts_table() -> str:
    """The settings list of docs/CONTRACTS.md (Markdown), from the table."""
    lines = [
        "| key | flag | environment variable | TOML key | default | secret | identity |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in SETTINGS:
        flag = _flag_cell(r)
        default = "" if r.default is None else f"`{r.default}`"
        identity_cell = "yes" if r.identity or any(d.identity for d in r.derived) else ""
        lines.append(
            f"| `{r.key}` | {flag} | {_code(r.env_var)} | {_code(r.toml_key)} | {default} | "
            f"{'yes' if r.secret else ''} | {identity_cell} |"
        )
    return "\n".join(lines)


def _flag_cell(r: Row) -> str:
    if r.secret:
        return "never"
    if r.option is None:
        return ""
    if r.kind == "switch":
        return f"`{r.flag_label}/--no-{r.flag_label[2:]}`"
    return f"`{r.flag_label}`"


def _code(text: str | None) -> str:
    return f"`{text}`" if text else ""
