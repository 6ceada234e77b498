"""Write a parameters file for ``arm_templates/cmg.json``, for the Azure CLI check.

The values start from ``arm_templates/cmg.parameters.example.json`` and replace what a
real run must supply itself: a fresh self-signed server certificate (RSA 2048, SHA-256,
server-auth EKU, made with ``cryptography``) as a base64 PFX with its thumbprint and
password, a random VM admin password, and a CMG name unique to this run (storage
account and key vault names are globally unique, so a reused name would collide).
Only parameters the template declares are written. Secrets go to the file (mode 0600)
and nowhere else.

usage: make_parameters.py --out FILE --work DIR [--region REGION]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import secrets
import string
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
PUBLIC_IP_SUFFIX = "cloudapp.azure.com"


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


def generated_values(region: str, work: Path) -> dict[str, Any]:
    """The values this run generates, keyed by the parameter names cmgdeploy uses."""
    name = "azcli" + secrets.token_hex(4)  # 13 chars of [a-z0-9]
    pfx_password = secrets.token_urlsafe(18)
    pfx, thumbprint = self_signed_pfx(f"{name}.{region}.{PUBLIC_IP_SUFFIX}", pfx_password)
    write_private(work / f"{name}.pfx", pfx)
    return {
        "cmgName": name,
        "location": region,
        "serverCertificateSecret": key_vault_certificate_secret(pfx, pfx_password),
        "serverCertificateThumbprint": thumbprint,
        "adminPassword": vm_password(),
    }


def key_vault_certificate_secret(pfx: bytes, password: str) -> str:
    """The secret format VM scale sets read certificates in (see the example parameters)."""
    document = {"data": base64.b64encode(pfx).decode(), "dataType": "pfx", "password": password}
    return base64.b64encode(json.dumps(document).encode()).decode()


def parameters_for(template: dict[str, Any], example: dict[str, Any], generated: dict) -> dict:
    """``{name: {"value": …}}`` for every declared parameter we have a value for."""
    base = example.get("parameters", example)
    out: dict[str, Any] = {}
    for name in template.get("parameters", {}):
        if name in generated:
            out[name] = {"value": generated[name]}
        elif name in base and "value" in base[name]:
            out[name] = {"value": base[name]["value"]}
    return out


def write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--region", default="westeurope")
    args = parser.parse_args()
    template = json.loads(TEMPLATE.read_text())
    example = json.loads(EXAMPLE.read_text()) if EXAMPLE.exists() else {}
    parameters = parameters_for(template, example, generated_values(args.region, args.work))
    document = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0",
        "parameters": parameters,
    }
    write_private(args.out, json.dumps(document, indent=2).encode())
    print(f"wrote {len(parameters)} parameters: {', '.join(sorted(parameters))}")
    print(f"cmgName={parameters['cmgName']['value']}")


if __name__ == "__main__":
    main()
