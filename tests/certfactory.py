"""Certificate factories for tests: good and deliberately bad server certificates.

Used by the unit tests and by other suites (bad-input corpus, lifecycles).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Generating RSA keys is the slow part: reuse one key per size within a test process.
_KEYS: dict[int, rsa.RSAPrivateKey] = {}
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def rsa_key(key_size: int = 2048) -> rsa.RSAPrivateKey:
    """A cached RSA key of ``key_size`` bits (1024 is allowed: tests need weak keys)."""
    if key_size not in _KEYS:
        _KEYS[key_size] = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    return _KEYS[key_size]


def make_cert(
    cn: str,
    *,
    days: int = 365,
    not_before_days: int = 0,
    key_size: int = 2048,
    eku_server_auth: bool = True,
    hash_algorithm: hashes.HashAlgorithm | None = None,
    ec_key: bool = False,
    ca: bool = False,
    issuer: tuple[x509.Certificate, PrivateKey] | None = None,
) -> tuple[x509.Certificate, PrivateKey]:
    """A certificate + key. ``not_before_days`` > 0 puts the start in the future;
    ``days`` < 0 makes it already expired (valid from ``days - 1`` to ``days`` days)."""
    key: PrivateKey = ec.generate_private_key(ec.SECP256R1()) if ec_key else rsa_key(key_size)
    now = dt.datetime.now(dt.UTC)
    if days < 0:
        start, end = now + dt.timedelta(days=days - 1), now + dt.timedelta(days=days)
    else:
        start = now + dt.timedelta(days=not_before_days) - dt.timedelta(minutes=1)
        end = now + dt.timedelta(days=not_before_days + days)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer[0].subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if eku_server_auth:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    elif not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    signer = issuer[1] if issuer else key
    cert = builder.sign(signer, hash_algorithm or hashes.SHA256())  # type: ignore[arg-type]
    return cert, key


def make_pfx(
    path: Path,
    cn: str,
    password: str | None,
    *,
    days: int = 365,
    not_before_days: int = 0,
    key_size: int = 2048,
    eku_server_auth: bool = True,
    hash_algorithm: hashes.HashAlgorithm | None = None,
    ec_key: bool = False,
    include_key: bool = True,
) -> Path:
    """Write a PFX for ``cn`` (password None = unencrypted) and return its path."""
    cert, key = make_cert(
        cn,
        days=days,
        not_before_days=not_before_days,
        key_size=key_size,
        eku_server_auth=eku_server_auth,
        hash_algorithm=hash_algorithm,
        ec_key=ec_key,
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    data = pkcs12.serialize_key_and_certificates(
        cn.encode(),
        key if include_key else None,
        cert,
        None,
        encryption,
    )
    path.write_bytes(data)
    return path


def make_pem(path: Path, cn: str, *, include_key: bool = True, **kw: object) -> Path:
    """Write a PEM with the certificate (and unencrypted key) for ``cn``."""
    cert, key = make_cert(cn, **kw)  # type: ignore[arg-type]
    data = cert.public_bytes(serialization.Encoding.PEM)
    if include_key:
        data += key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    path.write_bytes(data)
    return path


def make_ca_pem(path: Path, cn: str = "Test Root CA") -> Path:
    """Write a self-signed CA certificate (PEM, no key)."""
    cert, _key = make_cert(cn, ca=True, eku_server_auth=False)
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path
