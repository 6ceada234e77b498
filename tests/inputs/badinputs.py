"""The bad-input corpus as data: one row per input a user could get wrong.

Each :class:`Case` is run through the real CLI against the real local Azure by
``test_corpus.py``. ``argv``/``env`` values may use ``{dir}``, the case's working
directory, where its ``files`` are written. ``match`` is a regex the error message must
match: it names the field, the value or the problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import certfactory

NAME = "contosocmg"
CN = f"{NAME}.contoso.com"
PASSWORD = "corpus-pfx-pass-9"  # the right PFX password of the certificate files
BAD = 2  # ExitCode.BAD_INPUT


@dataclass(frozen=True)
class File:
    """A file a case needs: TOML/other ``text``, raw ``data`` or a certificate ``cert`` kind."""

    name: str
    text: str | None = None
    data: bytes | None = None
    cert: str | None = None


@dataclass(frozen=True)
class Case:
    """One bad input: the CLI arguments, environment, files, exit code and message regex."""

    id: str
    argv: tuple[str, ...]
    match: str
    code: int = BAD
    env: tuple[tuple[str, str], ...] = ()
    files: tuple[File, ...] = ()
    classic: str = ""  # a classic CMG the local Azure must hold (a migration source)


def _pfx(**kw: object) -> Callable[[Path], object]:
    return lambda path: certfactory.make_pfx(path, CN, PASSWORD, **kw)


# Certificate kinds a File may ask for; each writes ``path``.
CERTS: dict[str, Callable[[Path], object]] = {
    "good": _pfx(),
    "expired": _pfx(days=-1),
    "not-yet-valid": _pfx(not_before_days=3),
    "wrong-cn": lambda p: certfactory.make_pfx(p, "othercmg.contoso.com", PASSWORD),
    "no-server-auth": _pfx(eku_server_auth=False),
    "no-private-key": _pfx(include_key=False),
    "rsa-1024": _pfx(key_size=1024),
    "ec-key": _pfx(ec_key=True),
    "pem-no-key": lambda p: certfactory.make_pem(p, CN, include_key=False),
    "ca": lambda p: certfactory.make_ca_pem(p),
    "leaf-pem": lambda p: certfactory.make_pem(p, CN, include_key=False),
    "bad-cn": lambda p: certfactory.make_pfx(p, "Bad_Name.contoso.com", PASSWORD),
}


def write_file(directory: Path, spec: File) -> Path:
    """Create one case file in ``directory``."""
    path = directory / spec.name
    if spec.cert is not None:
        CERTS[spec.cert](path)
    elif spec.data is not None:
        path.write_bytes(spec.data)
    elif spec.text is not None:
        path.write_text(spec.text, encoding="utf-8")
    return path


def up(*extra: str, e: str = "lab", name: str | None = NAME) -> tuple[str, ...]:
    """``-e <e> up`` with a good region and self-signed certificate unless overridden."""
    named = ("--name", name) if name is not None else ()
    good = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1", "--yes")
    return ("-e", e, "up", *named, *good, *extra)


def up_cert(*extra: str, cert: str = "{dir}/server.pfx") -> tuple[str, ...]:
    """``up`` with ``--server-cert`` instead of a self-signed certificate."""
    base = ("-e", "lab", "up", "--name", NAME, "--region", "westeurope", "--site-code", "PS1")
    return (*base, "--server-cert", cert, "--yes", *extra)


PW = (("CMGDEPLOY_SERVER_CERT_PASSWORD", PASSWORD),)
CP = ("--site-code", "PS1", "--connection-point")


def _cert_case(case_id: str, kind: str, match: str, env: tuple = PW) -> Case:
    return Case(case_id, up_cert(), match, env=env, files=(File("server.pfx", cert=kind),))


def _toml_case(case_id: str, text: str, match: str, argv: tuple[str, ...] | None = None) -> Case:
    args = argv if argv is not None else ("-c", "{dir}/cmgdeploy.toml", *_up_tail())
    return Case(case_id, args, match, files=(File("cmgdeploy.toml", text=text),))


def _up_tail() -> tuple[str, ...]:
    return (
        "-e",
        "lab",
        "up",
        "--region",
        "westeurope",
        "--self-signed-cert",
        "--site-code",
        "PS1",
        "--yes",
    )


def _env_case(
    case_id: str,
    var: str,
    value: str,
    match: str,
    argv: tuple[str, ...] = (),
    code: int = BAD,
    env: tuple[tuple[str, str], ...] = (),
) -> Case:
    return Case(case_id, argv or up(), match, code=code, env=((var, value), *env))


FLAG_CASES = (
    Case("name-too-short", up(name="ab"), r"--name: 'ab' is not valid; 3–24"),
    Case("name-too-long", up(name="a" * 25), r"--name: 'a{25}' is not valid; 3–24"),
    Case("name-uppercase", up(name="ContosoCmg"), r"--name: 'ContosoCmg'.*lowercase"),
    Case("name-dash", up(name="contoso-cmg"), r"--name: 'contoso-cmg'.*no dash"),
    Case("name-empty", up(name=""), r"--name: \(empty\) is not valid"),
    Case("name-digit-first", up(name="1contoso"), r"--name: '1contoso'.*starting with a letter"),
    Case(
        "image-unknown",
        up("--image-sku", "2019-datacenter"),
        r"--image-sku: '2019-datacenter'.*2022-datacenter \(Generation 1\)",
    ),
    Case(
        "image-gen2-on-av2",
        up("--image-sku", "2022-datacenter-azure-edition", "--vm-size", "Standard_A4_v2"),
        r"image_sku: '2022-datacenter-azure-edition'.*HyperVGenerations",
    ),
    Case(
        "package-missing-file",
        up("--cmg-package", "{dir}/nope.zip"),
        r"--cmg-package: '.*nope\.zip'",
    ),
    Case("name-unicode", up(name="cöntoso"), r"--name: 'cöntoso'.*lowercase letters and digits"),
    Case("name-missing", up(name=None), r"name: \(empty\).*give --name"),
    Case("region-dash", up("--region", "west-europe"), r"--region: 'west-europe'.*region name"),
    Case("region-symbols", up("--region", "west$"), r"--region: 'west\$'.*e\.g\. westeurope"),
    Case("region-unknown", up("--region", "atlantis"), r"region: 'atlantis'.*region of this"),
    Case("instances-0", up("--instances", "0"), r"--instances: 0 .*1 to 16"),
    Case("instances-17", up("--instances", "17"), r"--instances: 17 .*1 to 16"),
    Case(
        "instances-abc",
        up("--instances", "abc"),
        r"--instances: 'abc' is not valid; .*valid integer",
    ),
    Case(
        "instances-float",
        up("--instances", "3.5"),
        r"--instances: '3.5' is not valid; .*valid integer",
    ),
    Case("instances-negative", up("--instances", "-1"), r"--instances: -1 .*1 to 16"),
    Case("vm-size-unknown", up("--vm-size", "Standard_D2s_v3"), r"--vm-size: 'Standard_D2s_v3'"),
    Case("vm-size-empty", up("--vm-size", ""), r"--vm-size: \(empty\).*Standard_B2s"),
    Case("site-code-2", up(*CP, "cp1.contoso.com", "--site-code", "P1"), r"--site-code: 'P1'"),
    Case("site-code-4", up("--site-code", "P012"), r"--site-code: 'P012'.*3 letters or digits"),
    Case("site-code-symbol", up("--site-code", "P-1"), r"--site-code: 'P-1'"),
    Case("rg-space", up("--resource-group", "my rg"), r"--resource-group: 'my rg'.*1–90"),
    Case("rg-hash", up("--resource-group", "rg#1"), r"--resource-group: 'rg#1'"),
    Case("rg-too-long", up("--resource-group", "r" * 91), r"--resource-group: 'r{91}'.*1–90"),
    Case("rg-trailing-dot", up("--resource-group", "myrg."), r"--resource-group: 'myrg\.'.*'\.'"),
    Case("subscription-word", up("--subscription", "prod"), r"--subscription: 'prod'.*GUID"),
    Case(
        "subscription-no-dashes",
        up("--subscription", "0" * 32),
        r"--subscription: '0{32}'.*GUID",
    ),
    Case("cp-no-dot", up(*CP, "cp1"), r"--connection-point: 'cp1'.*fully qualified"),
    Case("cp-underscore", up(*CP, "cp_1.contoso.com"), r"--connection-point: 'cp_1\.contoso"),
    Case("cp-leading-dash", up(*CP, "-cp.contoso.com"), r"--connection-point: '-cp\.contoso"),
    Case("cp-url", up(*CP, "https://cp1.contoso.com"), r"--connection-point: 'https://cp1"),
    Case("cp-too-long", up(*CP, ("a" * 60 + ".") * 5 + "com"), r"--connection-point: 'a{60}"),
    Case(
        "cp-without-site-code",
        (
            "-e",
            "lab",
            "up",
            "--name",
            NAME,
            "--region",
            "westeurope",
            "--connection-point",
            "cp1.contoso.com",
        ),
        r"site_code: \(empty\).*needed with connection points",
    ),
    Case(
        "site-code-missing",
        (
            "-e",
            "local",
            "up",
            "--name",
            NAME,
            "--region",
            "westeurope",
            "--self-signed-cert",
            "--yes",
        ),
        r"site_code: \(empty\).*give --site-code, CMGDEPLOY_SITE_CODE",
    ),
    Case(
        "mp-space",
        up("--site-code", "PS1", "--management-point", "mp 1.contoso.com"),
        r"--management-point: 'mp 1\.contoso\.com'",
    ),
    Case(
        "sup-empty-label",
        up("--site-code", "PS1", "--software-update-point", "sup..contoso.com"),
        r"--software-update-point: 'sup\.\.contoso\.com'",
    ),
    Case(
        "sup-ftp",
        up("--site-code", "PS1", "--software-update-point", "ftp://sup.contoso.com"),
        r"--software-update-point: 'ftp://sup",
    ),
    Case("output-yaml", ("-o", "yaml", "environments", "list"), r"'yaml' is not one of"),
    Case("unknown-option", up("--colour", "blue"), r"No such option: --colour"),
    Case(
        "timeout-word", up("--timeout", "soon"), r"--timeout: 'soon' is not valid; .*valid number"
    ),
    Case("env-unknown", up(e="nope"), r"environment: 'nope'.*one of: AzurePublicCloud.*lab"),
    Case("env-bad-syntax", up(e="no pe!"), r"'no pe!'.*a letter followed by"),
    Case(
        "self-signed-and-cert",
        up("--server-cert", "{dir}/server.pfx"),
        r"not both",
        files=(File("server.pfx", cert="good"),),
        env=PW,
    ),
    Case(
        "trusted-ca-missing", up("--trusted-ca", "{dir}/nope.cer"), r"--trusted-ca: '.*nope\.cer'"
    ),
    Case(
        "trusted-ca-not-ca",
        up("--trusted-ca", "{dir}/leaf.pem"),
        r"trusted_ca: '.*leaf\.pem'.*a CA certificate",
        files=(File("leaf.pem", cert="leaf-pem"),),
    ),
    Case(
        "trusted-ca-corrupt",
        up("--trusted-ca", "{dir}/ca.cer"),
        r"trusted_ca: '.*ca\.cer'.*PEM or DER",
        files=(File("ca.cer", data=b"\x30\x82garbage"),),
    ),
    Case("scale-17", ("-e", "lab", "scale", "--name", NAME, "--instances", "17"), r"1 to 16"),
    Case(
        "scale-0", ("-e", "local", "scale", "--name", NAME, "--instances", "0"), r"--instances: 0"
    ),
    Case(
        "scale-abc",
        ("-e", "lab", "scale", "--name", NAME, "--instances", "x"),
        r"--instances: 'x' is not valid; .*integer",
    ),
    Case("scale-no-instances", ("-e", "lab", "scale", "--name", NAME), r"Missing option"),
    Case(
        "scale-bad-name", ("-e", "lab", "scale", "--name", "A", "--instances", "2"), r"--name: 'A'"
    ),
    Case("status-bad-name", ("-e", "lab", "status", "--name", "my_cmg"), r"--name: 'my_cmg'"),
    Case("status-no-name", ("-e", "lab", "status"), r"give --name"),
    Case("down-without-yes", ("-e", "lab", "down", "--name", NAME), r"--yes"),
    Case("down-bad-name", ("-e", "local", "down", "--name", "x", "--yes"), r"--name: 'x'"),
    Case("site-export-yaml", ("site", "export", "--format", "yaml"), r"--format: 'yaml'"),
    Case("no-command", ("-e", "lab"), r"Missing command|Usage"),
    Case("unknown-command", ("deploy",), r"No such command 'deploy'"),
)

ENV_CASES = (
    _env_case(
        "env-instances-99", "CMGDEPLOY_INSTANCES", "99", r"CMGDEPLOY_INSTANCES: '99'.*1 to 16"
    ),
    _env_case("env-instances-word", "CMGDEPLOY_INSTANCES", "two", r"CMGDEPLOY_INSTANCES: 'two'"),
    _env_case("env-vm-size", "CMGDEPLOY_VM_SIZE", "x", r"CMGDEPLOY_VM_SIZE: 'x'.*Standard_A2_v2"),
    _env_case(
        "env-environment",
        "CMGDEPLOY_ENVIRONMENT",
        "nope",
        r"environment: 'nope'.*one of",
        argv=("up", "--name", NAME, "--region", "westeurope", "--self-signed-cert", "--yes"),
    ),
    _env_case(
        "env-name", "CMGDEPLOY_NAME", "UPPER", r"CMGDEPLOY_NAME: 'UPPER'", argv=up(name=None)
    ),
    _env_case(
        "env-name-status",
        "CMGDEPLOY_NAME",
        "bad_name",
        r"CMGDEPLOY_NAME: 'bad_name'",
        argv=("-e", "lab", "status"),
    ),
    _env_case(
        "env-region",
        "CMGDEPLOY_REGION",
        "west_europe",
        r"CMGDEPLOY_REGION: 'west_europe'",
        argv=("-e", "lab", "up", "--name", NAME, "--self-signed-cert", "--yes"),
    ),
    _env_case(
        "env-site-code",
        "CMGDEPLOY_SITE_CODE",
        "TOOLONG",
        r"CMGDEPLOY_SITE_CODE: 'TOOLONG'",
        argv=(
            "-e",
            "lab",
            "up",
            "--name",
            NAME,
            "--region",
            "westeurope",
            "--self-signed-cert",
            "--yes",
        ),
    ),
    _env_case(
        "env-subscription", "CMGDEPLOY_SUBSCRIPTION", "123", r"CMGDEPLOY_SUBSCRIPTION: '123'"
    ),
    _env_case("env-rg-dot", "CMGDEPLOY_RESOURCE_GROUP", "rg.", r"CMGDEPLOY_RESOURCE_GROUP: 'rg\.'"),
    _env_case(
        "env-cp-list",
        "CMGDEPLOY_CONNECTION_POINTS",
        "cp1.contoso.com,bad host",
        r"CMGDEPLOY_CONNECTION_POINTS: 'bad host'",
        argv=up("--site-code", "PS1"),
    ),
    _env_case(
        "env-revocation",
        "CMGDEPLOY_VERIFY_CLIENT_REVOCATION",
        "maybe",
        r"CMGDEPLOY_VERIFY_CLIENT_REVOCATION: 'maybe'.*true or false",
    ),
    _env_case("env-tls12", "CMGDEPLOY_ENFORCE_TLS12", "2", r"CMGDEPLOY_ENFORCE_TLS12: '2'"),
    _env_case(
        "env-self-signed",
        "CMGDEPLOY_SELF_SIGNED_CERT",
        "perhaps",
        r"CMGDEPLOY_SELF_SIGNED_CERT: 'perhaps'",
        argv=("-e", "lab", "up", "--name", NAME, "--region", "westeurope", "--yes"),
    ),
    _env_case(
        "env-server-cert-missing",
        "CMGDEPLOY_SERVER_CERT",
        "/nonexistent/server.pfx",
        r"CMGDEPLOY_SERVER_CERT: '/nonexistent/server\.pfx'.*existing file",
        argv=("-e", "lab", "up", "--name", NAME, "--region", "westeurope", "--yes"),
    ),
    _env_case(
        "env-tags-no-equals", "CMGDEPLOY_TAGS", "owner", r"CMGDEPLOY_TAGS: 'owner'.*key=value"
    ),
    _env_case(
        "env-tags-empty-key",
        "CMGDEPLOY_TAGS",
        "=x",
        r"CMGDEPLOY_TAGS: \(empty\).*tag name of 1–512",
    ),
    _env_case(
        "env-tags-bad-char", "CMGDEPLOY_TAGS", "a/b=1", r"CMGDEPLOY_TAGS: 'a/b'.*cannot contain"
    ),
    _env_case(
        "env-auth-method",
        "CMGDEPLOY_AUTH_METHOD",
        "magic",
        r"CMGDEPLOY_AUTH_METHOD: 'magic'.*device-code",
    ),
    _env_case("env-client-id", "AZURE_CLIENT_ID", "not-a-guid", r"AZURE_CLIENT_ID: 'not-a-guid'"),
    _env_case("env-tenant", "AZURE_TENANT_ID", "bad tenant", r"AZURE_TENANT_ID: 'bad tenant'"),
    _env_case(
        "env-mgmt-cert-missing",
        "CMGDEPLOY_MANAGEMENT_CERT",
        "/nonexistent/mgmt.pem",
        r"CMGDEPLOY_MANAGEMENT_CERT: '/nonexistent/mgmt\.pem'",
        argv=("-e", "local", "classic", "list"),
    ),
)

CERT_CASES = (
    _cert_case("cert-expired", "expired", r"server_cert: 'CN=contosocmg.*has not expired"),
    _cert_case("cert-not-yet-valid", "not-yet-valid", r"server_cert: 'CN=.*already valid"),
    _cert_case("cert-wrong-cn", "wrong-cn", r"CN=othercmg\.contoso\.com.*'contosocmg'"),
    _cert_case(
        "cert-no-server-auth", "no-server-auth", r"server_cert: .*server authentication EKU"
    ),
    _cert_case("cert-no-private-key", "no-private-key", r"server_cert: .*includes the private key"),
    _cert_case("cert-rsa-1024", "rsa-1024", r"server_cert: .*RSA key of 2048.*RSA 1024"),
    _cert_case("cert-ec-key", "ec-key", r"server_cert: .*RSA key of 2048.*EC 256"),
    _cert_case(
        "cert-wrong-password",
        "good",
        r"server_cert password.*password is wrong",
        env=(("CMGDEPLOY_SERVER_CERT_PASSWORD", "not-the-password"),),
    ),
    _cert_case("cert-no-password", "good", r"server_cert password.*needs a password", env=()),
    _cert_case("cert-pem-no-key", "pem-no-key", r"server_cert: .*includes the private key"),
    Case(
        "cert-corrupt",
        up_cert(),
        r"server_cert: '.*server\.pfx'.*neither",
        env=PW,
        files=(File("server.pfx", data=b"\x00\x01not a certificate" * 20),),
    ),
    Case(
        "cert-truncated",
        up_cert(),
        r"server_cert: '.*server\.pfx'.*neither",
        env=PW,
        files=(File("server.pfx", data=b"\x30\x82\x0a\x00\x02\x01\x03" + b"\x00" * 50),),
    ),
    Case(
        "cert-bad-pem",
        up_cert(cert="{dir}/server.pem"),
        r"server_cert: '.*server\.pem'.*valid certificate",
        files=(
            File(
                "server.pem",
                text="-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n",
            ),
        ),
    ),
    Case(
        "cert-empty",
        up_cert(),
        r"server_cert: '.*server\.pfx'",
        files=(File("server.pfx", data=b""),),
    ),
    Case(
        "cert-missing",
        up_cert(cert="{dir}/absent.pfx"),
        r"--server-cert: '.*absent\.pfx'.*existing",
    ),
    Case("cert-directory", up_cert(cert="{dir}"), r"--server-cert: .*not a directory"),
    Case(
        "cert-name-from-bad-cn",
        ("-e", "lab", "up", "--region", "westeurope", "--server-cert", "{dir}/s.pfx", "--yes"),
        r"name \(from the server certificate CN=Bad_Name\.contoso\.com\)",
        env=PW,
        files=(File("s.pfx", cert="bad-cn"),),
    ),
)

TOML = "{dir}/cmgdeploy.toml"
TOML_CASES = (
    _toml_case(
        "toml-syntax", 'name = "abc\n', r"--config: '.*cmgdeploy\.toml'.*valid TOML.*line 1"
    ),
    _toml_case(
        "toml-unknown-key", 'nmae = "x"\n', r"nmae \(in .*\).*unknown key; allowed keys: name"
    ),
    _toml_case("toml-unknown-table-key", "[auth]\nfoo = 1\n", r"auth\.foo \(in .*\).*unknown key"),
    _toml_case(
        "toml-auth-not-table", 'auth = "secret"\n', r"auth \(in .*\): 'secret'.*\[auth\] table"
    ),
    _toml_case(
        "toml-instances-string",
        f'name = "{NAME}"\ninstances = "three"\n',
        r"instances \(in .*\): 'three'.*1 to 16",
    ),
    _toml_case(
        "toml-instances-float",
        f'name = "{NAME}"\ninstances = 3.0\n',
        r"instances \(in .*\): 3\.0 .*whole number",
    ),
    _toml_case(
        "toml-instances-bool",
        f'name = "{NAME}"\ninstances = true\n',
        r"instances \(in .*\): True .*whole number",
    ),
    _toml_case("toml-name-int", "name = 123\n", r"name \(in .*\): 123 is not valid"),
    _toml_case(
        "toml-cp-int",
        f'name = "{NAME}"\nsite_code = "PS1"\nconnection_points = 5\n',
        r"connection_points \(in .*\): 5 .*list",
    ),
    _toml_case(
        "toml-vm-size-list",
        f'name = "{NAME}"\nvm_size = ["Standard_B2s"]\n',
        r"vm_size \(in .*\): \['Standard_B2s'\]",
    ),
    _toml_case(
        "toml-secret-key",
        'server_cert_password = "hunter2-secret"\n',
        r"server_cert_password \(in .*\).*CMGDEPLOY_SERVER_CERT_PASSWORD",
    ),
    _toml_case(
        "toml-client-secret",
        '[auth]\nclient_secret = "hunter2-secret"\n',
        r"auth\.client_secret \(in .*\).*AZURE_CLIENT_SECRET",
    ),
    _toml_case(
        "toml-auth-method",
        f'name = "{NAME}"\n[auth]\nmethod = "magic"\n',
        r"auth\.method \(in .*\): 'magic'",
    ),
    Case(
        "toml-auth-tenant",
        ("-c", TOML, *_up_tail()),
        r"auth\.tenant_id \(in .*\): 'not a tenant'",
        env=(("AZURE_TENANT_ID", ""),),  # empty = unset: the file's value applies
        files=(
            File("cmgdeploy.toml", text=f'name = "{NAME}"\n[auth]\ntenant_id = "not a tenant"\n'),
        ),
    ),
    _toml_case(
        "toml-tag-slash",
        f'name = "{NAME}"\n[tags]\n"a/b" = "x"\n',
        r"tags \(in .*\): 'a/b'.*cannot contain",
    ),
    _toml_case(
        "toml-tag-nested",
        f'name = "{NAME}"\n[tags.owner]\nteam = "x"\n',
        r"tags \(in .*\).*tag 'owner': a text value",
    ),
    _toml_case(
        "toml-tag-long",
        f'name = "{NAME}"\n[tags]\nk = "{"v" * 257}"\n',
        r"tags \(in .*\).*at most 256",
    ),
    _toml_case(
        "toml-server-cert-relative",
        f'name = "{NAME}"\nserver_cert = "certs/missing.pfx"\n',
        r"server_cert \(in .*\): 'certs/missing\.pfx'.*existing file",
        argv=("-c", TOML, "-e", "lab", "up", "--region", "westeurope", "--yes"),
    ),
    _toml_case(
        "toml-environment",
        'environment = "nowhere"\n',
        r"environment: 'nowhere'.*one of",
        argv=("-c", TOML, "up", "--name", NAME, "--region", "westeurope", "--yes"),
    ),
    _toml_case(
        "toml-default-file",
        f'name = "{NAME}"\nregion = "West-Europe"\n',
        r"region \(in .*cmgdeploy\.toml\): 'West-Europe'",
        argv=("-e", "lab", "up", "--self-signed-cert", "--yes"),
    ),
    Case("toml-missing-file", ("-c", "{dir}/none.toml", *_up_tail()), r"--config: '.*none\.toml'"),
    Case("toml-directory", ("-c", "{dir}", *_up_tail()), r"--config: .*not a directory"),
    Case(
        "toml-not-utf8",
        ("-c", TOML, *_up_tail()),
        r"--config: .*UTF-8",
        files=(File("cmgdeploy.toml", data=b'name = "\xff\xfe"\n'),),
    ),
)

ENVIRONMENT_CASES = (
    Case(
        "envadd-http-authority",
        (
            "environments",
            "add",
            "lab2",
            "--authority",
            "http://login.example.com",
            "--resource-manager",
            "https://arm.example.com/",
        ),
        r"--authority: 'http://login.*https://",
    ),
    Case(
        "envadd-http-arm",
        (
            "environments",
            "add",
            "lab2",
            "--authority",
            "https://login.example.com",
            "--resource-manager",
            "http://arm.example.com/",
        ),
        r"--resource-manager: 'http://arm",
    ),
    Case(
        "envadd-bad-name",
        (
            "environments",
            "add",
            "1cloud",
            "--authority",
            "https://a.example.com",
            "--resource-manager",
            "https://b.example.com/",
        ),
        r"name: '1cloud'.*a letter followed",
    ),
    Case(
        "envadd-builtin",
        (
            "environments",
            "add",
            "AzurePublicCloud",
            "--authority",
            "https://a.example.com",
            "--resource-manager",
            "https://b.example.com/",
        ),
        r"AzurePublicCloud is a built-in",
    ),
    Case(
        "envadd-local",
        (
            "environments",
            "add",
            "LOCAL",
            "--authority",
            "https://a.example.com",
            "--resource-manager",
            "https://b.example.com/",
        ),
        r"LOCAL is a built-in",
    ),
    Case(
        "envadd-missing-ca",
        (
            "environments",
            "add",
            "lab2",
            "--authority",
            "https://a.example.com",
            "--resource-manager",
            "https://b.example.com/",
            "--ca-bundle",
            "{dir}/ca.pem",
        ),
        r"--ca-bundle: '.*ca\.pem'.*existing file",
    ),
    Case(
        "envadd-ca-directory",
        (
            "environments",
            "add",
            "lab2",
            "--authority",
            "https://a.example.com",
            "--resource-manager",
            "https://b.example.com/",
            "--ca-bundle",
            "{dir}",
        ),
        r"--ca-bundle: .*not a directory",
    ),
    Case(
        "envadd-bad-suffix",
        (
            "environments",
            "add",
            "lab2",
            "--authority",
            "https://a.example.com",
            "--resource-manager",
            "https://b.example.com/",
            "--storage-suffix",
            "core..net",
        ),
        r"--storage-suffix: 'core\.\.net'",
    ),
    Case(
        "envadd-no-host",
        (
            "environments",
            "add",
            "lab2",
            "--authority",
            "https://",
            "--resource-manager",
            "https://b.example.com/",
        ),
        r"--authority: 'https://'.*host",
    ),
    Case(
        "envadd-duplicate",
        (
            "environments",
            "add",
            "lab",
            "--authority",
            "https://a.example.com",
            "--resource-manager",
            "https://b.example.com/",
        ),
        r"environment lab already exists",
    ),
    Case(
        "envremove-builtin",
        ("environments", "remove", "AzureChinaCloud"),
        r"AzureChinaCloud is a built-in",
    ),
    Case("envshow-unknown", ("environments", "show", "mars"), r"environment: 'mars'.*one of"),
)

UNKNOWN_GUID = "0badc0de-0000-4000-8000-000000000001"
AUTH_AND_STORE_CASES = (
    _env_case("auth-wrong-secret", "AZURE_CLIENT_SECRET", "not-the-password", r"AADSTS", code=3),
    _env_case("auth-unknown-client", "AZURE_CLIENT_ID", UNKNOWN_GUID, r"AADSTS", code=3),
    _env_case(
        "auth-secret-missing",
        "CMGDEPLOY_AUTH_METHOD",
        "secret",
        r"AZURE_CLIENT_SECRET",
        env=(("AZURE_CLIENT_SECRET", ""),),
    ),
    _env_case(
        "auth-cert-path-missing",
        "AZURE_CLIENT_CERTIFICATE_PATH",
        "/nonexistent/sp.pem",
        r"AZURE_CLIENT_CERTIFICATE_PATH: '/nonexistent/sp\.pem'",
    ),
    _env_case(
        "auth-cert-method-no-path",
        "CMGDEPLOY_AUTH_METHOD",
        "certificate",
        r"AZURE_CLIENT_CERTIFICATE_PATH: \(empty\)",
    ),
    Case(
        "authcheck-subscription",
        ("-e", "local", "auth", "check", "--subscription", "nope"),
        r"--subscription: 'nope'.*GUID",
    ),
    Case(
        "classic-show-bad-name",
        ("-e", "local", "classic", "show", "Bad Name!"),
        r"name: 'Bad Name!'.*cloud service name",
    ),
    Case(
        "site-db-directory",
        ("--site-db", "{dir}", "-e", "lab", "status", "--name", NAME),
        r"--site-db: .*SQLite",
    ),
    Case(
        "site-db-not-sqlite",
        ("--site-db", "{dir}/site.db", "environments", "list"),
        r"--site-db: '.*site\.db'.*not a database",
        files=(File("site.db", data=b"not sqlite" * 200),),
    ),
    Case(
        "scale-unknown-cmg",
        ("-e", "lab", "scale", "--name", "nosuchcmg", "--instances", "2"),
        r"no CMG named nosuchcmg",
    ),
    Case(
        "down-unknown-cmg",
        ("-e", "lab", "down", "--name", "nosuchcmg", "--yes"),
        r"CMG nosuchcmg not found: neither the site database nor Azure",
    ),
    Case(
        "envadd-http-audience",
        (
            "environments",
            "add",
            "lab2",
            "--authority",
            "https://a.example.com",
            "--resource-manager",
            "https://b.example.com/",
            "--audience",
            "http://c.example.com",
        ),
        r"--audience: 'http://c\.example\.com'",
    ),
    Case("trusted-ca-directory", up("--trusted-ca", "{dir}"), r"--trusted-ca: .*not a directory"),
)

MIGRATE = ("-e", "local", "migrate")
TARGET = ("--self-signed-cert", "--site-code", "PS1")
FROM_CLASSIC = ("--from-classic", "oldcmg", "--to", "newcmg")


def _migrate(case_id: str, match: str, *argv: str, **kw: object) -> Case:
    return Case(case_id, (*MIGRATE, *argv), match, **kw)  # type: ignore[arg-type]


MIGRATE_CASES = (
    _migrate(
        "migrate-drain-negative",
        r"--drain-hours: -1\.0 .*0 or more",
        *FROM_CLASSIC,
        "--drain-hours",
        "-1",
        *TARGET,
    ),
    _migrate(
        "migrate-drain-nan", r"--drain-hours: nan", *FROM_CLASSIC, "--drain-hours", "nan", *TARGET
    ),
    _migrate(
        "migrate-drain-word",
        r"--drain-hours: 'a-day' is not valid",
        *FROM_CLASSIC,
        "--drain-hours",
        "a-day",
        *TARGET,
    ),
    _migrate(
        "migrate-to-equals-from",
        r"--from and --to are both samecmg",
        "--from",
        "samecmg",
        "--to",
        "samecmg",
        *TARGET,
    ),
    _migrate(
        "migrate-to-bad", r"--to: 'New_CMG'", "--from-classic", "oldcmg", "--to", "New_CMG", *TARGET
    ),
    _migrate(
        "migrate-from-classic-bad",
        r"--from-classic: 'Old CMG!'.*cloud service name",
        "--from-classic",
        "Old CMG!",
        "--to",
        "newcmg",
        *TARGET,
    ),
    _migrate(
        "migrate-from-bad", r"--from: 'Old-Cmg'.*lowercase", "--from", "Old-Cmg", "--to", "newcmg"
    ),
    _migrate(
        "migrate-both-sources",
        r"--from: 'abccmg'.*not both",
        *FROM_CLASSIC,
        "--from",
        "abccmg",
        *TARGET,
    ),
    _migrate(
        "migrate-no-source",
        r"give the source: --from-classic NAME or --from NAME",
        "--to",
        "newcmg",
        *TARGET,
    ),
    _migrate("migrate-no-target", r"--to", "--from-classic", "oldcmg", *TARGET),
    _migrate(
        "migrate-from-unknown",
        r"--from: 'nosuchcmg'.*site database",
        "--from",
        "nosuchcmg",
        "--to",
        "newcmg",
        *TARGET,
    ),
    _migrate(
        "migrate-no-site-code",
        r"site_code: \(empty\).*--site-code",
        *FROM_CLASSIC,
        "--self-signed-cert",
    ),
    _migrate(
        "migrate-site-code-bad",
        r"--site-code: 'TOOLONG'",
        *FROM_CLASSIC,
        "--self-signed-cert",
        "--site-code",
        "TOOLONG",
    ),
    _migrate(
        "migrate-instances-17",
        r"--instances: 17 .*1 to 16",
        *FROM_CLASSIC,
        "--instances",
        "17",
        *TARGET,
    ),
    _migrate(
        "migrate-region-bad",
        r"--region: 'west europe!'",
        *FROM_CLASSIC,
        "--region",
        "west europe!",
        *TARGET,
    ),
    _migrate(
        "migrate-subscription-bad",
        r"--subscription: 'nope'",
        *FROM_CLASSIC,
        "--subscription",
        "nope",
        *TARGET,
    ),
    _migrate(
        "migrate-mgmt-cert-missing",
        r"--management-cert: '.*nope\.pem'.*existing file",
        *FROM_CLASSIC,
        "--management-cert",
        "{dir}/nope.pem",
        *TARGET,
    ),
    _migrate(
        "migrate-env-drain",
        r"CMGDEPLOY_MIGRATE_DRAIN_HOURS: 'abc'",
        *FROM_CLASSIC,
        *TARGET,
        env=(("CMGDEPLOY_MIGRATE_DRAIN_HOURS", "abc"),),
    ),
    _migrate(
        "migrate-env-to",
        r"CMGDEPLOY_MIGRATE_TO: 'X'",
        "--from-classic",
        "oldcmg",
        *TARGET,
        env=(("CMGDEPLOY_MIGRATE_TO", "X"),),
    ),
    # A real source, so the run gets past discovering it: the target's inputs must be
    # refused before the journal's resource group (a write) is created.
    _migrate(
        "migrate-no-certificate",
        r"certificate",
        *FROM_CLASSIC,
        "--site-code",
        "PS1",
        "--connection-point",
        "cp2.contoso.com",
        classic="oldcmg",
    ),
    _migrate(
        "migrate-region-unknown",
        r"region: 'marsnorth'.*region of this subscription",
        *FROM_CLASSIC,
        "--region",
        "marsnorth",
        *TARGET,
        classic="oldcmg",
    ),
    Case(
        "migrate-toml-drain",
        ("-c", TOML, *MIGRATE, *FROM_CLASSIC, *TARGET),
        r"migrate\.drain_hours \(in .*\): -1 ",
        files=(File("cmgdeploy.toml", text="[migrate]\ndrain_hours = -1\n"),),
    ),
    Case(
        "migrate-toml-unknown",
        ("-c", TOML, *MIGRATE, *FROM_CLASSIC, *TARGET),
        r"migrate\.hours \(in .*\).*unknown key",
        files=(File("cmgdeploy.toml", text="[migrate]\nhours = 2\n"),),
    ),
    Case(
        "migrate-toml-allow-delete",
        ("-c", TOML, *MIGRATE, *FROM_CLASSIC, *TARGET),
        r"allow_delete_classic \(in .*\): 'sure'.*true or false",
        files=(File("cmgdeploy.toml", text='allow_delete_classic = "sure"\n'),),
    ),
)

ALL_CASES: tuple[Case, ...] = (
    *FLAG_CASES,
    *ENV_CASES,
    *CERT_CASES,
    *TOML_CASES,
    *ENVIRONMENT_CASES,
    *AUTH_AND_STORE_CASES,
    *MIGRATE_CASES,
)
