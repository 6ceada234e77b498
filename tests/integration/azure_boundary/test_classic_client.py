"""Loading the classic management certificate (PEM or PFX) for ClassicClient."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from cmgdeploy.domain.errors import ExitCode, InputError
from cmgdeploy.services.azure.classic import ClassicService, ManagementCertificate

PASSWORD = "pfx-Secret-1"


@pytest.fixture(scope="module")
def key_and_cert() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mgmt")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def write_pem(
    path: Path, key: rsa.RSAPrivateKey, cert: x509.Certificate, password: str | None = None
) -> Path:
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    body = cert.public_bytes(serialization.Encoding.PEM)
    body += key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)
    path.write_bytes(body)
    return path


def write_pfx(
    path: Path, key: rsa.RSAPrivateKey, cert: x509.Certificate, password: str | None
) -> Path:
    enc: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"mgmt", key, cert, None, enc))
    return path


def thumb(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA1()).hex().upper()


def test_pem_with_key_is_used_in_place(tmp_path: Path, key_and_cert) -> None:
    key, cert = key_and_cert
    pem = write_pem(tmp_path / "m.pem", key, cert)
    mc = ManagementCertificate.load(pem)
    assert mc.pem_path == pem
    assert mc.thumbprint == thumb(cert)
    mc.close()
    assert pem.exists()  # the user's own file is never deleted


def assert_key_unusable_on_disk(pem: Path) -> None:
    """The temporary PEM's key is encrypted: neither no password nor the user's opens it
    (a SIGKILL-ed run leaves nothing usable behind)."""
    body = pem.read_bytes()
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in body
    assert b"BEGIN PRIVATE KEY" not in body and b"BEGIN RSA PRIVATE KEY" not in body
    for guess in (None, PASSWORD.encode()):
        with pytest.raises((TypeError, ValueError)):
            serialization.load_pem_private_key(body, guess)


def test_pfx_becomes_private_pem_deleted_on_close(tmp_path: Path, key_and_cert) -> None:
    key, cert = key_and_cert
    pfx = write_pfx(tmp_path / "m.pfx", key, cert, PASSWORD)
    mc = ManagementCertificate.load(pfx, PASSWORD)
    assert mc.thumbprint == thumb(cert)
    assert stat.S_IMODE(mc.pem_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(mc.pem_path.parent.stat().st_mode) == 0o700
    loaded = x509.load_pem_x509_certificate(mc.pem_path.read_bytes())
    assert thumb(loaded) == thumb(cert)
    assert_key_unusable_on_disk(mc.pem_path)
    assert mc.ssl_context() is not None  # the in-memory password opens it
    assert PASSWORD not in repr(mc)
    mc.close()
    assert not mc.pem_path.exists()


def test_pfx_without_password(tmp_path: Path, key_and_cert) -> None:
    key, cert = key_and_cert
    with ManagementCertificate.load(write_pfx(tmp_path / "m.pfx", key, cert, None)) as mc:
        assert mc.thumbprint == thumb(cert)


def test_wrong_pfx_password_names_the_field_not_the_password(tmp_path: Path, key_and_cert) -> None:
    key, cert = key_and_cert
    pfx = write_pfx(tmp_path / "m.pfx", key, cert, PASSWORD)
    with pytest.raises(InputError) as exc:
        ManagementCertificate.load(pfx, "wrong-password")
    assert exc.value.field_name == "management_cert_password"
    assert exc.value.exit_code == ExitCode.BAD_INPUT
    assert "wrong-password" not in str(exc.value)
    assert "CMGDEPLOY_MANAGEMENT_CERT_PASSWORD" in str(exc.value)


def test_encrypted_pem_key_needs_its_password(tmp_path: Path, key_and_cert) -> None:
    key, cert = key_and_cert
    pem = write_pem(tmp_path / "m.pem", key, cert, PASSWORD)
    with pytest.raises(InputError) as exc:
        ManagementCertificate.load(pem, None)
    assert exc.value.field_name == "management_cert_password"
    with ManagementCertificate.load(pem, PASSWORD) as mc:
        assert mc.pem_path != pem
        assert_key_unusable_on_disk(mc.pem_path)


def test_pem_without_key_is_refused(tmp_path: Path, key_and_cert) -> None:
    _, cert = key_and_cert
    pem = tmp_path / "cert-only.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(InputError) as exc:
        ManagementCertificate.load(pem)
    assert exc.value.field_name == "management_cert"
    assert "private key" in str(exc.value)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        ManagementCertificate.load(tmp_path / "nope.pem")
    assert exc.value.field_name == "management_cert"


def test_service_region_and_fqdn() -> None:
    svc = ClassicService(
        name="contosocmg",
        location="West Europe",
        status="Created",
        description="",
        date_created="",
    )
    assert (svc.region, svc.fqdn) == ("westeurope", "contosocmg.cloudapp.net")
    assert svc.to_dict()["deployment"] is None


def test_converted_pfx_signs_in_to_service_management(tmp_path: Path, local_azure) -> None:
    """A PFX management certificate works end to end over verified TLS, with the key
    on disk encrypted the whole time."""
    from cmgdeploy.services.azure.classic import ClassicClient

    pem = Path(local_azure.identity.management_certificate).read_bytes()
    key = serialization.load_pem_private_key(pem, None)
    cert = x509.load_pem_x509_certificate(pem)
    pfx = write_pfx(tmp_path / "mgmt.pfx", key, cert, PASSWORD)  # type: ignore[arg-type]
    with ManagementCertificate.load(pfx, PASSWORD) as mc:
        assert_key_unusable_on_disk(mc.pem_path)
        sub = local_azure.identity.subscription_id
        client = ClassicClient(local_azure.url, sub, mc, str(local_azure.ca_bundle))
        try:
            assert isinstance(client.list_hosted_services(), list)
        finally:
            client.close()
