"""The server certificate for a deployment: the user's PFX, or a kept lab certificate.

A lab certificate is kept in ``certs/<name>.pem`` so re-runs deploy the same one, and
``down`` removes it with the CMG's site row. ``plan`` never keeps one (it writes
nothing); ``up`` keeps the one it made only once the CMG is recorded in the site
database (the moment its deployment starts), so a run failing earlier leaves no
certificate that no ``down`` could find.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cmgdeploy.domain.errors import InputError
from cmgdeploy.domain.redact import register_secret
from cmgdeploy.services import certs
from cmgdeploy.services.context import OpContext
from cmgdeploy.services.paths import ensure_private_dir, write_private_file
from cmgdeploy.services.spec import CmgSpec, region_of


def lab_cert_cn(name: str, region: str, public_ip_suffix: str) -> str:
    """The CN of a self-signed certificate: the deployment's own DNS name."""
    return f"{name}.{region}.{public_ip_suffix}"


# Lab certificates this process wrote (not found kept): the ones a failed run removes.
_GENERATED: set[Path] = set()


def _lab_cert_path(home: Path, name: str) -> Path:
    return home / "certs" / f"{name}.pem"


def _make_lab_cert(path: Path, cn: str) -> None:
    """Generate a self-signed certificate and keep it as PEM (cert + key, mode 0600), so
    a re-run uses the same certificate and the same inputs give the same deployment."""
    from cryptography.hazmat.primitives import serialization

    key, cert = certs.self_signed(cn)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ) + cert.public_bytes(serialization.Encoding.PEM)
    write_private_file(path, pem)


def server_certificate(
    spec: CmgSpec, home: Path, public_ip_suffix: str, *, keep: bool = True
) -> tuple[certs.ServerCertificate, list[str]]:
    """The spec's loaded certificate, or for ``--self-signed-cert`` the kept lab one
    (made once, with the deployment's DNS name as CN); InputError when there is none.

    ``keep=False`` (plan): a lab certificate not kept yet is made in a temporary
    directory and not kept."""
    if spec.certificate is not None:
        cert, notes = spec.certificate, []
    elif spec.self_signed_cert:
        cn = lab_cert_cn(spec.name, region_of(spec), public_ip_suffix)
        cert = _lab_certificate(home, spec.name, cn, keep)
        notes = [f"self-signed server certificate {cn}: clients must trust it themselves"]
        notes += certs.check_server_certificate(cert, spec.name, dt.datetime.now(dt.UTC))
    else:
        raise InputError(
            "server_cert", None, "a server certificate (--server-cert PFX) or --self-signed-cert"
        )
    register_secret(cert.pfx_b64)
    register_secret(cert.pfx_password)
    return cert, notes


def _lab_certificate(home: Path, name: str, cn: str, keep: bool) -> Any:
    """The kept lab certificate with ``cn``, else a new one (kept only when ``keep``)."""
    path = _lab_cert_path(home, name)
    cert = certs.load_server_certificate(path, None, own_key=True) if path.is_file() else None
    if cert is not None and cert.subject_cn == cn:
        return cert  # kept: never made again
    if not keep:
        with tempfile.TemporaryDirectory() as tmp:
            throwaway = Path(tmp) / f"{name}.pem"
            _make_lab_cert(throwaway, cn)
            return certs.load_server_certificate(throwaway, None)
    ensure_private_dir(path.parent)
    _make_lab_cert(path, cn)
    _GENERATED.add(path)
    return certs.load_server_certificate(path, None, own_key=True)


def discard_generated(home: Path, name: str) -> bool:
    """Remove the lab certificate of CMG ``name`` if this process made it (a kept one
    from an earlier run stays). True when one was removed."""
    path = _lab_cert_path(home, name)
    if path not in _GENERATED:
        return False
    _GENERATED.discard(path)
    path.unlink(missing_ok=True)
    return True


@contextlib.contextmanager
def discard_unless_recorded(ctx: OpContext, name: str) -> Iterator[None]:
    """Around ``up``: when it fails before CMG ``name`` is in the site database (its
    deployment was never started, so no ``down`` would find the certificate), the lab
    certificate made by this run is removed. Once recorded, ``down`` removes it."""
    try:
        yield
    except BaseException:
        if ctx.db.get_service(name) is None:
            discard_generated(ctx.home, name)
        raise
    finally:
        # Success or recorded: the certificate is the CMG's now, not this run's to remove.
        _GENERATED.discard(_lab_cert_path(ctx.home, name))


def remove_lab_cert(home: Path, name: str) -> None:
    """Forget the kept self-signed certificate of CMG ``name`` (after ``down``)."""
    _lab_cert_path(home, name).unlink(missing_ok=True)
