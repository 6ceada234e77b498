"""Write a parameters file for ``arm_templates/cmg.json``, for the Azure CLI check.

The values start from ``arm_templates/cmg.parameters.example.json`` (its ``REPLACE-WITH``
placeholders are never copied) and add what a real run must supply itself: a fresh
self-signed server certificate (RSA 2048, SHA-256, server-auth EKU, made with
``cryptography``) as the Key Vault secret the scale set reads, a random VM admin
password, a CMG name unique to this run (storage account and key vault names are
globally unique, so a reused name would collide), and the DSC package's parameters
(configuration script and name read from the package, its SHA-256, and a package SAS
token, empty unless given: the package is not uploaded, so the VMs would get no
configuration). Only parameters the template declares are written; every parameter
without a default gets a value, and every value is checked against the template's
declared type, allowed values and lengths (as ``cmgdeploy`` checks its own). Secrets go
to the file (mode 0600) and nowhere else.

``scripts/bench.py`` builds the Azure CLI's parameters with the same functions.

usage: make_parameters.py --out FILE --work DIR [--region REGION] [--package ZIP]
  --package  the DSC package to describe (default: cmgdeploy's stand-in package for the
             local Azure, written to WORK/cmgdsc.zip)
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import secrets
import string
import sys
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "arm_templates" / "cmg.json"
EXAMPLE = ROOT / "arm_templates" / "cmg.parameters.example.json"
PLACEHOLDER = "REPLACE-WITH"  # how the example marks a value a run must supply
PUBLIC_IP_SUFFIX = "cloudapp.azure.com"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"


def self_signed_pfx(cn: str, password: str) -> tuple[bytes, str]:
    """A one-year self-signed server certificate for ``cn``: (PFX bytes, SHA-1 thumbprint)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption = BestAvailableEncryption(password.encode())
    pfx = pkcs12.serialize_key_and_certificates(cn.encode(), key, cert, None, encryption)
    return pfx, cert.fingerprint(hashes.SHA1()).hex().upper()  # Azure names certificates by SHA-1


def vm_password() -> str:
    """A password meeting Azure's VM rules (12+ chars, upper, lower, digit, symbol)."""
    body = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(20))
    return f"Aa1!{body}"


def generated_values(region: str, work: Path, name: str | None = None) -> dict[str, Any]:
    """The values this run generates for CMG ``name`` (default: a new unique name), keyed
    by the template's parameter names. The PFX is also kept as ``WORK/<name>.pfx``."""
    name = name or "azcli" + secrets.token_hex(4)  # 13 chars of [a-z0-9]
    pfx_password = secrets.token_urlsafe(18)
    pfx, _ = self_signed_pfx(f"{name}.{region}.{PUBLIC_IP_SUFFIX}", pfx_password)
    write_private(work / f"{name}.pfx", pfx)
    return {
        "cmgName": name,
        "location": region,
        "serverCertificateSecret": key_vault_certificate_secret(pfx, pfx_password),
        "adminPassword": vm_password(),
    }


def key_vault_certificate_secret(pfx: bytes, password: str) -> str:
    """The secret format VM scale sets read certificates in (see the example parameters)."""
    document = {"data": base64.b64encode(pfx).decode(), "dataType": "pfx", "password": password}
    return base64.b64encode(json.dumps(document).encode()).decode()


def stand_in_package(work: Path) -> Path:
    """cmgdeploy's stand-in DSC package for the local Azure, as ``WORK/cmgdsc.zip``."""
    from cmgdeploy.services.dscpackage import stand_in_package as stand_in

    path = work / "cmgdsc.zip"
    path.write_bytes(stand_in().data)
    return path


def dsc_values(package: Path, sas_token: str = "") -> dict[str, Any]:
    """The template's DSC package parameters for ``package``, read as ``cmgdeploy up``
    reads it (the one configuration script and its name) and hashed the same way.
    ValueError if it is not a DSC package."""
    from cmgdeploy.domain.errors import InputError
    from cmgdeploy.services.dscpackage import load_package

    try:
        loaded = load_package(package, "--package")
    except InputError as exc:
        raise ValueError(str(exc)) from None
    return {
        "dscPackageSasToken": sas_token,
        "dscPackageHash": loaded.sha256,
        "dscScript": loaded.script,
        "dscFunction": loaded.function,
    }


def parameters_for(
    template: dict[str, Any], example: dict[str, Any], values: dict[str, Any]
) -> dict[str, Any]:
    """``{name: {"value": …}}`` for every declared parameter there is a value for: ours,
    else the example's (never a placeholder)."""
    base = example.get("parameters", example)
    out: dict[str, Any] = {}
    for name in template.get("parameters", {}):
        if name in values:
            out[name] = {"value": values[name]}
        elif "value" in base.get(name, {}) and not _placeholder(base[name]["value"]):
            out[name] = {"value": base[name]["value"]}
    return out


def _placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PLACEHOLDER)


def cmg_parameters(values: dict[str, Any], template_path: Path = TEMPLATE) -> dict[str, Any]:
    """The complete parameters for the CMG template: ``values`` over the example's, checked.

    ValueError names the parameter when one without a default has no value, or a value
    breaks the template's declared type, allowed values or lengths."""
    from cmgdeploy.domain.errors import InputError
    from cmgdeploy.services.template import Template, load_template, validate_parameters

    template = load_template(template_path)
    example = json.loads(EXAMPLE.read_text()) if EXAMPLE.exists() else {}
    parameters = parameters_for(template.body, example, values)
    missing = [
        name
        for name, declared in template.declared.items()
        if name not in parameters and "defaultValue" not in declared
    ]
    if missing:
        raise ValueError(
            f"{template_path.name}: no value for the parameters {', '.join(missing)} "
            "(they have no default)"
        )
    for name, declared in template.declared.items():  # one at a time, to name the parameter
        try:
            validate_parameters(
                Template(template.path, {"parameters": {name: declared}}), parameters
            )
        except InputError as exc:
            raise ValueError(f"{template_path.name}: parameter {name}: {exc}") from None
    return parameters


def write_parameters(path: Path, parameters: dict[str, Any]) -> None:
    """A deployment parameters file (mode 0600: it holds secrets)."""
    document = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "parameters": parameters}
    write_private(path, json.dumps(document, indent=2).encode())


def write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def main() -> int:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--region", default="westeurope")
    parser.add_argument("--package", type=Path, help="the DSC package (default: a stand-in)")
    args = parser.parse_args()
    package = args.package or stand_in_package(args.work)
    try:
        values = generated_values(args.region, args.work) | dsc_values(package)
        parameters = cmg_parameters(values)
    except ValueError as exc:
        print(f"make_parameters: {exc}", file=sys.stderr)
        return 1
    write_parameters(args.out, parameters)
    print(f"wrote {len(parameters)} parameters: {', '.join(sorted(parameters))}")
    print(f"cmgName={parameters['cmgName']['value']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
