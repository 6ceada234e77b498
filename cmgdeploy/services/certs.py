"""Server certificates: load PFX/PEM, check them against the CMG's rules, make self-signed ones.

The rules (docs/SOURCES.md, "Site side"): server-authentication EKU, CN = service
name, exportable private key, RSA 2048 or more, SHA-2 signature, valid now.
Passwords and key material never appear in messages or reprs.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from cmgdeploy.domain.errors import InputError
from cmgdeploy.services.paths import ensure_private_dir, write_private_file

FIELD = "server_cert"
PASSWORD_FIELD = "server_cert password"
MIN_RSA_BITS = 2048
EXPIRY_WARNING_DAYS = 30
SELF_SIGNED_DAYS = 365


@dataclass(frozen=True)
class ServerCertificate:
    """A loaded server certificate; ``pfx_b64``/``pfx_password`` are secret (not in repr)."""

    path: Path
    subject_cn: str
    thumbprint: str  # SHA-1 of the DER, upper-case hex, as Windows shows it
    not_before: dt.datetime
    not_after: dt.datetime
    key_type: str  # "RSA", "EC", ...
    key_size: int
    signature_hash: str | None  # "sha256", "sha1", ... (None for e.g. Ed25519)
    has_server_auth_eku: bool
    has_private_key: bool
    dns_names: tuple[str, ...] = ()
    pfx_b64: str = field(default="", repr=False)
    pfx_password: str = field(default="", repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Non-secret facts for output (no key material, no password)."""
        return {
            "path": str(self.path),
            "subject_cn": self.subject_cn,
            "thumbprint": self.thumbprint,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "key_type": self.key_type,
            "key_size": self.key_size,
            "signature_hash": self.signature_hash,
            "has_server_auth_eku": self.has_server_auth_eku,
            "has_private_key": self.has_private_key,
            "dns_names": list(self.dns_names),
        }


@dataclass(frozen=True)
class CaCertificate:
    """A trusted root or intermediate CA given with ``--trusted-ca``."""

    path: Path
    subject: str
    thumbprint: str
    is_ca: bool
    der_b64: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "subject": self.subject, "thumbprint": self.thumbprint}


def thumbprint(cert: x509.Certificate) -> str:
    """Windows' certificate thumbprint: SHA-1 over the DER encoding, upper-case hex."""
    return cert.fingerprint(hashes.SHA1()).hex().upper()


def load_server_certificate(
    path: Path, password: str | None, *, own_key: bool = False
) -> ServerCertificate:
    """Load a PFX (PKCS#12) or a PEM with certificate and key; errors are InputError.

    ``own_key``: a key cmgdeploy generated and kept itself (the lab certificate), loaded
    without OpenSSL's RSA consistency check (~60 ms; it guards against corrupt or
    hostile keys, which a key we made and keep 0600 is not)."""
    data = _read(path)
    if b"-----BEGIN" in data:
        cert, key = _load_pem(path, data, password, own_key)
    else:
        cert, key = _load_pfx(path, data, password)
    pfx_b64, pfx_password = _pfx_for_key_vault(cert, key, data, password)
    return _describe(path, cert, key, pfx_b64, pfx_password)


def _read(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(FIELD, str(path), f"a readable PFX or PEM file ({exc.strerror})") from None


def _load_pfx(path: Path, data: bytes, password: str | None) -> tuple[x509.Certificate, Any]:
    if not _looks_like_pkcs12(data):
        raise InputError(
            FIELD, str(path), "a PFX (PKCS#12) or PEM certificate file; this file is neither"
        )
    secret = password.encode() if password else None
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, secret)
    except ValueError:
        # The structure checked out above, so a failure here is the password (or MAC).
        hint = "the PFX password is wrong" if password else "the PFX needs a password"
        raise InputError(
            PASSWORD_FIELD,
            "(hidden)",
            f"{hint}; set CMGDEPLOY_SERVER_CERT_PASSWORD or answer the prompt",
        ) from None
    if cert is None and extra and key is None:
        cert = extra[0]  # a PFX without a key keeps its certificate in the "other" bag
    if cert is None:
        raise InputError(FIELD, str(path), "a PFX that contains a certificate")
    return cert, key


def _looks_like_pkcs12(data: bytes) -> bool:
    """Structural check of a PFX without the password: SEQUENCE { INTEGER 3, ... }."""
    length, offset = _der_length(data, 1)
    if not data or data[0] != 0x30 or length is None or offset + length != len(data):
        return False
    return data[offset : offset + 3] == b"\x02\x01\x03"


def _der_length(data: bytes, at: int) -> tuple[int | None, int]:
    if len(data) <= at:
        return None, at
    first = data[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    if count == 0 or count > 4 or len(data) < at + 1 + count:
        return None, at
    return int.from_bytes(data[at + 1 : at + 1 + count], "big"), at + 1 + count


def _load_pem(
    path: Path, data: bytes, password: str | None, own_key: bool = False
) -> tuple[x509.Certificate, Any]:
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise InputError(FIELD, str(path), "a PEM file with a valid certificate") from None
    key = None
    if b"PRIVATE KEY-----" in data:
        key = _load_pem_key(path, data, password, own_key)
    leaf = _leaf_for_key(certs, key)
    return leaf, key


def _load_pem_key(path: Path, data: bytes, password: str | None, own_key: bool = False) -> Any:
    try:
        return serialization.load_pem_private_key(
            data, password.encode() if password else None, unsafe_skip_rsa_key_validation=own_key
        )
    except TypeError:
        raise InputError(
            PASSWORD_FIELD,
            "(hidden)",
            "the PEM key is encrypted; set CMGDEPLOY_SERVER_CERT_PASSWORD",
        ) from None
    except ValueError:
        if b"ENCRYPTED" in data:
            raise InputError(PASSWORD_FIELD, "(hidden)", "the PEM key password is wrong") from None
        raise InputError(FIELD, str(path), "a PEM file with a readable private key") from None


def _leaf_for_key(certs: list[x509.Certificate], key: Any) -> x509.Certificate:
    if key is not None:
        wanted = _spki(key.public_key())
        for cert in certs:
            if _spki(cert.public_key()) == wanted:
                return cert
    return certs[0]


def _spki(public_key: Any) -> bytes:
    return bytes(
        public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def key_vault_secret(cert: ServerCertificate) -> str:
    """The Key Vault secret a VM scale set imports a certificate from: base64 of the UTF-8
    JSON ``{"data": <PFX base64>, "dataType": "pfx", "password": <PFX password>}``
    (``VaultCertificate.certificateUrl`` in the Compute REST specification). Secret."""
    import json

    from cmgdeploy.domain.redact import register_secret

    document = {"data": cert.pfx_b64, "dataType": "pfx", "password": cert.pfx_password}
    value = base64.b64encode(json.dumps(document).encode()).decode()
    register_secret(value)
    return value


def _pfx_for_key_vault(
    cert: x509.Certificate, key: Any, data: bytes, password: str | None
) -> tuple[str, str]:
    """The PFX to put in Key Vault: the file as given, or PEM converted to PFX."""
    if b"-----BEGIN" not in data:
        return base64.b64encode(data).decode(), password or ""
    if key is None:
        return "", ""
    new_password = password or secrets.token_urlsafe(24)
    pfx = pkcs12.serialize_key_and_certificates(
        b"cmg", key, cert, None, _pfx_encryption(new_password)
    )
    return base64.b64encode(pfx).decode(), new_password


def _pfx_encryption(password: str) -> serialization.KeySerializationEncryption:
    return (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(50000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode())
    )


def _describe(
    path: Path, cert: x509.Certificate, key: Any, pfx_b64: str, pfx_password: str
) -> ServerCertificate:
    public = cert.public_key()
    key_type = "RSA" if isinstance(public, rsa.RSAPublicKey) else type(public).__name__
    if isinstance(public, ec.EllipticCurvePublicKey):
        key_type = "EC"
    sig = cert.signature_hash_algorithm
    return ServerCertificate(
        path=Path(path),
        subject_cn=_common_name(cert),
        thumbprint=thumbprint(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=key_type,
        key_size=getattr(public, "key_size", 0),
        signature_hash=sig.name if sig is not None else None,
        has_server_auth_eku=_has_eku(cert, ExtendedKeyUsageOID.SERVER_AUTH),
        has_private_key=key is not None,
        dns_names=_dns_names(cert),
        pfx_b64=pfx_b64,
        pfx_password=pfx_password,
    )


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def _has_eku(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> bool:
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return oid in eku


def _dns_names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(san.get_values_for_type(x509.DNSName))


def is_wildcard(cn: str) -> bool:
    """Whether ``cn`` is a wildcard name such as ``*.contoso.com``."""
    return cn.startswith("*.") and len(cn) > 2


def service_name(cn: str, cmg_name: str) -> str:
    """The CMG's service name from the server certificate's CN: the CN itself, or for a
    wildcard CN (``*.contoso.com``) the CMG name in place of ``*`` (``contosocmg.contoso.com``).
    """
    return f"{cmg_name}.{cn[2:]}" if is_wildcard(cn) else cn


def check_server_certificate(
    cert: ServerCertificate, expected_name: str, now: dt.datetime
) -> list[str]:
    """Raise InputError for a certificate a CMG cannot use; return warnings otherwise.

    The CN is the service name (e.g. ``contosocmg.contoso.com`` with a CNAME, or
    ``contosocmg.westeurope.cloudapp.azure.com``) and its first label is the
    deployment prefix that names the scale set, key vault and storage account, so
    ``cn.split('.')[0] == expected_name``. A wildcard CN (``*.contoso.com``) fits any
    name: the service name is then ``<name>.contoso.com``.
    """
    _check_validity(cert, now)
    first_label = cert.subject_cn.split(".")[0]
    if not is_wildcard(cert.subject_cn) and first_label != expected_name:
        raise InputError(
            FIELD,
            f"CN={cert.subject_cn}",
            f"the CN's first label must be the CMG name {expected_name!r} (case-sensitive), "
            "or the CN a wildcard such as *.contoso.com",
        )
    _check_usage(cert)
    days_left = (cert.not_after - now).total_seconds() / 86400
    if days_left < EXPIRY_WARNING_DAYS:
        return [
            f"server certificate {cert.subject_cn} expires in {int(days_left)} days "
            f"({cert.not_after:%Y-%m-%d}); renew it with the same CN"
        ]
    return []


def _check_validity(cert: ServerCertificate, now: dt.datetime) -> None:
    if now >= cert.not_after:
        raise InputError(
            FIELD,
            f"CN={cert.subject_cn}",
            f"a certificate that has not expired (expired {cert.not_after:%Y-%m-%d %H:%M} UTC)",
        )
    if now < cert.not_before:
        raise InputError(
            FIELD,
            f"CN={cert.subject_cn}",
            "a certificate that is already valid "
            f"(valid from {cert.not_before:%Y-%m-%d %H:%M} UTC)",
        )


def _check_usage(cert: ServerCertificate) -> None:
    shown = f"CN={cert.subject_cn}"
    if not cert.has_server_auth_eku:
        raise InputError(
            FIELD, shown, "a certificate with the server authentication EKU (1.3.6.1.5.5.7.3.1)"
        )
    if not cert.has_private_key:
        raise InputError(FIELD, shown, "a PFX (or PEM) that includes the private key")
    if cert.key_type != "RSA" or cert.key_size < MIN_RSA_BITS:
        raise InputError(
            FIELD,
            shown,
            f"an RSA key of 2048 bits or more (this one is {cert.key_type} {cert.key_size})",
        )
    if cert.signature_hash in ("sha1", "md5"):
        raise InputError(FIELD, shown, f"a SHA-2 signature (this one is {cert.signature_hash})")


def make_self_signed(cn: str, out_dir: Path) -> tuple[Path, str]:
    """A lab server certificate for ``cn``: RSA 2048, SHA-256, server-auth EKU, one year.

    Returns the PFX path (mode 0600) and its random password; the caller keeps the
    password secret. Clients must trust this certificate themselves.
    """
    key, cert = self_signed(cn)
    password = secrets.token_urlsafe(24)
    pfx = pkcs12.serialize_key_and_certificates(
        cn.encode(), key, cert, None, _pfx_encryption(password)
    )
    out = Path(out_dir)
    if not out.exists():  # a directory the user chose keeps its mode
        ensure_private_dir(out)
    path = out / f"{cn}.pfx"
    return write_private_file(path, pfx), password


def self_signed(cn: str) -> tuple[Any, x509.Certificate]:
    """The key and certificate of :func:`make_self_signed`, in memory."""
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
        .not_valid_after(now + dt.timedelta(days=SELF_SIGNED_DAYS))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def load_ca_certificates(paths: tuple[Path, ...] | list[Path]) -> tuple[CaCertificate, ...]:
    """Load ``--trusted-ca`` files (PEM or DER ``.cer``), one certificate each or a bundle."""
    loaded: list[CaCertificate] = []
    for path in paths:
        for cert in _load_any_certs(Path(path)):
            loaded.append(_ca_entry(Path(path), cert))
    return tuple(loaded)


def _load_any_certs(path: Path) -> list[x509.Certificate]:
    data = _read_ca(path)
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise InputError("trusted_ca", str(path), "a PEM or DER (.cer) certificate file") from None


def _read_ca(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(
            "trusted_ca", str(path), f"a readable certificate file ({exc.strerror})"
        ) from None


def _ca_entry(path: Path, cert: x509.Certificate) -> CaCertificate:
    try:
        basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = basic.ca
    except x509.ExtensionNotFound:
        is_ca = cert.subject == cert.issuer
    if not is_ca:
        raise InputError("trusted_ca", str(path), "a CA certificate (root or intermediate)")
    der = cert.public_bytes(serialization.Encoding.DER)
    return CaCertificate(
        path=path,
        subject=cert.subject.rfc4514_string(),
        thumbprint=thumbprint(cert),
        is_ca=is_ca,
        der_b64=base64.b64encode(der).decode(),
    )
