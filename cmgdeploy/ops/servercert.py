"""The server certificate for a deployment: the user's PFX, or a kept lab certificate."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from .. import certs
from ..errors import InputError
from ..paths import ensure_private_dir, write_private_file
from ..redact import register_secret


def lab_cert_cn(name: str, region: str, public_ip_suffix: str) -> str:
    """The CN of a self-signed certificate: the deployment's own DNS name."""
    return f"{name}.{region}.{public_ip_suffix}"


def _lab_cert_path(home: Path, name: str) -> Path:
    return ensure_private_dir(home / "certs") / f"{name}.pem"


def _make_lab_cert(path: Path, cn: str) -> None:
    """Generate a self-signed certificate and keep it as PEM (cert + key, mode 0600), so
    a re-run uses the same certificate and the same inputs give the same deployment."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    with tempfile.TemporaryDirectory() as tmp:
        pfx_path, password = certs.make_self_signed(cn, Path(tmp))
        register_secret(password)
        key, cert, _ = pkcs12.load_key_and_certificates(pfx_path.read_bytes(), password.encode())
    assert key is not None and cert is not None  # we just made them
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ) + cert.public_bytes(serialization.Encoding.PEM)
    write_private_file(path, pem)


def server_certificate(spec: Any, home: Path, public_ip_suffix: str) -> tuple[Any, list[str]]:
    """The spec's loaded certificate, or for ``--self-signed-cert`` the kept lab one
    (made once, with the deployment's DNS name as CN); InputError when there is none."""
    if spec.certificate is not None:
        cert, notes = spec.certificate, []
    elif spec.self_signed_cert:
        path = _lab_cert_path(home, spec.name)
        cn = lab_cert_cn(spec.name, spec.region, public_ip_suffix)
        cert = certs.load_server_certificate(path, None) if path.is_file() else None
        if cert is None or cert.subject_cn != cn:
            _make_lab_cert(path, cn)
            cert = certs.load_server_certificate(path, None)
        notes = [f"self-signed server certificate {cn}: clients must trust it themselves"]
        notes += certs.check_server_certificate(cert, spec.name, dt.datetime.now(dt.UTC))
    else:
        raise InputError(
            "server_cert", None, "a server certificate (--server-cert PFX) or --self-signed-cert"
        )
    register_secret(cert.pfx_b64)
    register_secret(cert.pfx_password)
    return cert, notes


def remove_lab_cert(home: Path, name: str) -> None:
    """Forget the kept self-signed certificate of CMG ``name`` (after ``down``)."""
    path = home / "certs" / f"{name}.pem"
    path.unlink(missing_ok=True)
