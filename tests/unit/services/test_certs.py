"""Server certificate loading and the CMG's certificate rules, with generated certificates."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import stat
from pathlib import Path

import pytest
from certfactory import make_ca_pem, make_pem, make_pfx
from cryptography.hazmat.primitives.serialization import pkcs12

from cmgdeploy.domain.errors import InputError
from cmgdeploy.services.certs import (
    check_server_certificate,
    load_ca_certificates,
    load_server_certificate,
    make_self_signed,
)

CN = "contosocmg.contoso.com"
NAME = "contosocmg"
PASSWORD = "Pfx-Pass-123"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def load(tmp_path: Path, password: str | None = PASSWORD, **kw: object):
    path = make_pfx(tmp_path / "c.pfx", kw.pop("cn", CN), password, **kw)  # type: ignore[arg-type]
    return load_server_certificate(path, password)


def check_error(tmp_path: Path, **kw: object) -> str:
    cert = load(tmp_path, **kw)
    with pytest.raises(InputError) as info:
        check_server_certificate(cert, NAME, now())
    assert info.value.field_name == "server_cert"
    return info.value.message


def test_good_pfx_loads_and_passes(tmp_path: Path) -> None:
    cert = load(tmp_path)
    assert cert.subject_cn == CN and cert.key_type == "RSA" and cert.key_size == 2048
    assert cert.has_server_auth_eku and cert.has_private_key and cert.signature_hash == "sha256"
    assert len(cert.thumbprint) == 40 and cert.thumbprint == cert.thumbprint.upper()
    assert check_server_certificate(cert, NAME, now()) == []
    # the Key Vault payload is the PFX itself, and it opens with the password
    pkcs12.load_key_and_certificates(base64.b64decode(cert.pfx_b64), PASSWORD.encode())


def test_secrets_not_in_repr_or_dict(tmp_path: Path) -> None:
    cert = load(tmp_path)
    shown = repr(cert) + str(cert.to_dict())
    assert PASSWORD not in shown and cert.pfx_b64[:40] not in shown


def test_expired(tmp_path: Path) -> None:
    assert "has not expired" in check_error(tmp_path, days=-1)


def test_not_yet_valid(tmp_path: Path) -> None:
    assert "already valid" in check_error(tmp_path, not_before_days=3)


def test_wrong_cn(tmp_path: Path) -> None:
    message = check_error(tmp_path, cn="othercmg.contoso.com")
    assert "CN=othercmg.contoso.com" in message and "'contosocmg'" in message


def test_cn_case_sensitive(tmp_path: Path) -> None:
    assert "case-sensitive" in check_error(tmp_path, cn="ContosoCMG.contoso.com")


def test_no_server_auth_eku(tmp_path: Path) -> None:
    assert "1.3.6.1.5.5.7.3.1" in check_error(tmp_path, eku_server_auth=False)


def test_no_private_key(tmp_path: Path) -> None:
    assert "private key" in check_error(tmp_path, include_key=False)


def test_1024_bit_key(tmp_path: Path) -> None:
    assert "2048 bits or more" in check_error(tmp_path, key_size=1024)


def test_ec_key_refused(tmp_path: Path) -> None:
    assert "RSA" in check_error(tmp_path, ec_key=True)


def test_sha1_signature(tmp_path: Path) -> None:
    # This OpenSSL refuses to sign with SHA-1, so the loaded facts are altered instead.
    cert = dataclasses.replace(load(tmp_path), signature_hash="sha1")
    with pytest.raises(InputError, match="SHA-2"):
        check_server_certificate(cert, NAME, now())


def test_expiry_warning(tmp_path: Path) -> None:
    warnings = check_server_certificate(load(tmp_path, days=20), NAME, now())
    assert len(warnings) == 1
    assert "expires in 19 days" in warnings[0] or "expires in 20 days" in warnings[0]


def test_wrong_password_not_echoed(tmp_path: Path) -> None:
    path = make_pfx(tmp_path / "c.pfx", CN, PASSWORD)
    with pytest.raises(InputError) as info:
        load_server_certificate(path, "Wrong-Guess-42")
    assert info.value.field_name == "server_cert password"
    assert "Wrong-Guess-42" not in info.value.message and PASSWORD not in info.value.message
    assert "password is wrong" in info.value.message


def test_missing_password(tmp_path: Path) -> None:
    path = make_pfx(tmp_path / "c.pfx", CN, PASSWORD)
    with pytest.raises(InputError, match="needs a password"):
        load_server_certificate(path, None)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a certificate at all",
        b"\x30\x82\x01\x00garbage",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ],
)
def test_corrupt_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.pfx"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_server_certificate(path, PASSWORD)
    assert info.value.field_name == "server_cert" and str(path) in info.value.message


def test_truncated_pfx_is_corrupt_not_password(tmp_path: Path) -> None:
    path = make_pfx(tmp_path / "c.pfx", CN, PASSWORD)
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(InputError) as info:
        load_server_certificate(path, PASSWORD)
    assert info.value.field_name == "server_cert"


def test_pem_with_key(tmp_path: Path) -> None:
    path = make_pem(tmp_path / "c.pem", CN)
    cert = load_server_certificate(path, None)
    assert cert.has_private_key and check_server_certificate(cert, NAME, now()) == []
    # PEM is converted to a PFX for Key Vault, protected by a generated password
    key, leaf, _ = pkcs12.load_key_and_certificates(
        base64.b64decode(cert.pfx_b64), cert.pfx_password.encode()
    )
    assert key is not None and leaf is not None


def test_pem_without_key(tmp_path: Path) -> None:
    cert = load_server_certificate(make_pem(tmp_path / "c.pem", CN, include_key=False), None)
    assert not cert.has_private_key
    with pytest.raises(InputError, match="private key"):
        check_server_certificate(cert, NAME, now())


def test_make_self_signed(tmp_path: Path) -> None:
    path, password = make_self_signed(CN, tmp_path / "out")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(password) >= 20
    cert = load_server_certificate(path, password)
    assert cert.subject_cn == CN and cert.key_size == 2048 and cert.signature_hash == "sha256"
    assert check_server_certificate(cert, NAME, now()) == []
    assert (cert.not_after - now()).days in (364, 365)
    _, other = make_self_signed(CN, tmp_path / "out2")
    assert other != password


def test_load_ca_certificates(tmp_path: Path) -> None:
    cas = load_ca_certificates([make_ca_pem(tmp_path / "root.pem")])
    assert len(cas) == 1 and cas[0].is_ca and "Test Root CA" in cas[0].subject
    (tmp_path / "junk.cer").write_bytes(b"junk")
    with pytest.raises(InputError) as info:
        load_ca_certificates([tmp_path / "junk.cer"])
    assert info.value.field_name == "trusted_ca"
