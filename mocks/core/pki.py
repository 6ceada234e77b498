"""The local Azure's own PKI, created once in the state directory.

Files (keys mode 0600):

* ``ca.pem`` / ``ca.key`` — the local CA; clients trust the local Azure through it
  (``connection_verify=<ca.pem>``), never by turning verification off.
* ``server.pem`` / ``server.key`` — TLS certificate for ``IP:127.0.0.1`` and ``DNS:localhost``.
* ``signing.key`` — RS256 key that signs access tokens (its ``kid`` is derived from it).
* ``sp.pem`` (cert + key) and ``sp.pfx`` (no password) — the service principal's
  client certificate, for ``CertificateCredential`` / ``az login --certificate``.
* ``management.pem`` (cert + key) — the classic management certificate (client-auth EKU).

Not simulated: certificate revocation, key rotation, Entra's certificate credential
expiry checks.
"""

from __future__ import annotations

import base64
import datetime as dt
import fcntl
import hashlib
import ipaddress
import os
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CN = "Local Azure Root CA"
_KEY_FILES = ("ca.key", "server.key", "signing.key", "sp.pem", "sp.pfx", "management.pem")


@dataclass(frozen=True)
class Pki:
    """Paths and thumbprints of the state directory's PKI."""

    state_dir: Path
    ca_pem: Path
    server_pem: Path
    server_key: Path
    signing_key: Path
    sp_pem: Path
    sp_pfx: Path
    management_pem: Path
    sp_thumbprint: str  # SHA-1, upper-case hex
    management_thumbprint: str


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def thumbprint(cert: x509.Certificate) -> str:
    """SHA-1 thumbprint of a certificate, upper-case hex (how Azure prints them)."""
    return cert.fingerprint(hashes.SHA1()).hex().upper()


def key_id(public_key: rsa.RSAPublicKey) -> str:
    """A stable ``kid`` for a token signing key (base64url SHA-256 of its DER)."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:20]).decode().rstrip("=")


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _builder(
    subject: str, issuer: x509.Name, public_key: rsa.RSAPublicKey, days: int
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
    )


def _make_ca() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = new_key()
    cert = (
        _builder(CA_CN, _name(CA_CN), key.public_key(), 3650)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue(
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    cn: str,
    *,
    eku: list[x509.ObjectIdentifier],
    san: list[x509.GeneralName] | None = None,
    days: int = 825,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A new key and a certificate for it, signed by the CA."""
    key = new_key()
    builder = (
        _builder(cn, ca_cert.subject, key.public_key(), days)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage(eku), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return key, builder.sign(ca_key, hashes.SHA256())


def key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (created 0600, never world-readable).

    Written to a temporary file beside it and renamed over it, so a concurrent reader
    sees the old content or the new one, never a truncated file.
    """
    path = Path(path)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temp)
        raise


@contextmanager
def state_lock(state_dir: Path, name: str) -> Iterator[None]:
    """An exclusive lock (``flock`` on ``.{name}.lock``) shared by every process."""
    with open(Path(state_dir) / f".{name}.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_client_pem(path: Path, key: rsa.RSAPrivateKey, cert: x509.Certificate) -> None:
    write_private(path, cert_pem(cert) + key_pem(key))


def load_ca(state_dir: Path) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = serialization.load_pem_private_key((state_dir / "ca.key").read_bytes(), None)
    cert = x509.load_pem_x509_certificate((state_dir / "ca.pem").read_bytes())
    assert isinstance(key, rsa.RSAPrivateKey)
    return key, cert


def load_pem_certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(Path(path).read_bytes())


def _locked(state_dir: Path) -> AbstractContextManager[None]:
    # Two processes starting on a fresh state dir must not both create a CA.
    return state_lock(state_dir, "pki")


def ensure_pki(state_dir: Path) -> Pki:
    """Create the PKI on first use (idempotent, safe across processes) and describe it."""
    state_dir = Path(state_dir)
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(state_dir):
        if not (state_dir / "management.pem").exists():
            _create_all(state_dir)
    return _describe(state_dir)


def _create_all(state_dir: Path) -> None:
    ca_key, ca_cert = _make_ca()
    write_private(state_dir / "ca.key", key_pem(ca_key))
    (state_dir / "ca.pem").write_bytes(cert_pem(ca_cert))
    san = [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
        x509.DNSName("localhost"),
    ]
    srv_key, srv_cert = issue(
        ca_key, ca_cert, "localhost", eku=[ExtendedKeyUsageOID.SERVER_AUTH], san=san
    )
    write_private(state_dir / "server.key", key_pem(srv_key))
    (state_dir / "server.pem").write_bytes(cert_pem(srv_cert))
    write_private(state_dir / "signing.key", key_pem(new_key()))
    sp_key, sp_cert = issue(ca_key, ca_cert, "localazure-sp", eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
    _write_client_pem(state_dir / "sp.pem", sp_key, sp_cert)
    pfx = pkcs12.serialize_key_and_certificates(
        b"localazure-sp", sp_key, sp_cert, None, serialization.NoEncryption()
    )
    write_private(state_dir / "sp.pfx", pfx)
    # Written last: its presence marks a complete PKI (see ensure_pki).
    issue_client_certificate(state_dir, "localazure-management", state_dir / "management.pem")


def _describe(state_dir: Path) -> Pki:
    return Pki(
        state_dir=state_dir,
        ca_pem=state_dir / "ca.pem",
        server_pem=state_dir / "server.pem",
        server_key=state_dir / "server.key",
        signing_key=state_dir / "signing.key",
        sp_pem=state_dir / "sp.pem",
        sp_pfx=state_dir / "sp.pfx",
        management_pem=state_dir / "management.pem",
        sp_thumbprint=thumbprint(load_pem_certificate(state_dir / "sp.pem")),
        management_thumbprint=thumbprint(load_pem_certificate(state_dir / "management.pem")),
    )


def issue_client_certificate(
    state_dir: Path,
    cn: str,
    out_path: Path,
    *,
    days: int = 825,
    pfx_path: Path | None = None,
    pfx_password: bytes | None = None,
) -> str:
    """Issue a client-auth certificate from the local CA; write cert + key PEM to ``out_path``.

    Used for the management certificate and by tests that need a second, valid but
    unregistered certificate (classic answers 403 to it). Returns its SHA-1 thumbprint.
    """
    ca_key, ca_cert = load_ca(Path(state_dir))
    key, cert = issue(ca_key, ca_cert, cn, eku=[ExtendedKeyUsageOID.CLIENT_AUTH], days=days)
    _write_client_pem(Path(out_path), key, cert)
    if pfx_path is not None:
        encryption = (
            serialization.BestAvailableEncryption(pfx_password)
            if pfx_password
            else serialization.NoEncryption()
        )
        pfx = pkcs12.serialize_key_and_certificates(cn.encode(), key, cert, None, encryption)
        write_private(Path(pfx_path), pfx)
    return thumbprint(cert)


def key_files() -> tuple[str, ...]:
    """Names of the files in the state directory that hold private keys."""
    return _KEY_FILES
