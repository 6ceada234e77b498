"""Classic Service Management through the real HTTPS server, with our ClassicClient."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cmgdeploy.commands.classic import list_classic, show_classic
from cmgdeploy.domain.errors import AuthError, AzureError
from cmgdeploy.services.azure.classic import ClassicClient, ManagementCertificate
from mocks import LocalAzure
from mocks.classic import models
from mocks.core.pki import issue_client_certificate


@pytest.fixture(scope="module")
def az(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAzure]:
    with LocalAzure(tmp_path_factory.mktemp("classic-azure")) as server:
        yield server


def client_for(az: LocalAzure, cert: ManagementCertificate) -> ClassicClient:
    return ClassicClient(
        az.url, az.identity.subscription_id, cert, az.ca_bundle, poll_interval=0.02, timeout=30
    )


@pytest.fixture()
def client(az: LocalAzure) -> Iterator[ClassicClient]:
    cert = ManagementCertificate.load(az.identity.management_certificate)
    c = client_for(az, cert)
    yield c
    c.close()


def test_list_and_show_a_seeded_two_instance_cmg(az: LocalAzure, client: ClassicClient) -> None:
    models.seed_classic(az.cloud, "listcmg", "westeurope", 2)
    listed = {s.name: s for s in list_classic(client).services}
    assert listed["listcmg"].state == "Ready"
    assert listed["listcmg"].instances == 2
    shown = show_classic(client, "listcmg")
    data = shown.to_dict()
    assert (data["region"], data["location"], data["fqdn"]) == (
        "westeurope",
        "West Europe",
        "listcmg.cloudapp.net",
    )
    assert shown.ready and "is_cmg" not in data  # nothing in Service Management marks a CMG
    assert [(i["instance_name"], i["instance_status"]) for i in data["role_instances"]] == [
        ("ProxyService_IN_0", "ReadyRole"),
        ("ProxyService_IN_1", "ReadyRole"),
    ]


def test_delete_deployment_then_service_through_async_operations(
    az: LocalAzure, client: ClassicClient
) -> None:
    seeded = models.seed_classic(az.cloud, "gonecmg", "northeurope", 1)
    with pytest.raises(AzureError) as busy:
        client.delete_hosted_service("gonecmg")  # still has its deployment
    assert busy.value.code == "ConflictError"
    client.delete_deployment("gonecmg", seeded["deployment"])
    assert client.get_hosted_service("gonecmg").deployment is None
    assert show_classic(client, "gonecmg").summary.state == "NoDeployment"
    client.delete_hosted_service("gonecmg")
    with pytest.raises(AzureError) as gone:
        client.get_hosted_service("gonecmg")
    assert gone.value.code == "ResourceNotFound"
    assert "gonecmg" not in {s.name for s in client.list_hosted_services()}


def test_repeated_delete_waits_for_the_deletion_in_progress(
    az: LocalAzure, client: ClassicClient
) -> None:
    # An interrupted run left the deletion going: the next delete converges, once.
    seeded = models.seed_classic(az.cloud, "twicecmg", "westeurope", 1)
    sub = az.identity.subscription_id
    models.delete_deployment(
        az.cloud, sub, "twicecmg", "earlier-run", deployment=seeded["deployment"]
    )
    client.delete_deployment("twicecmg", seeded["deployment"])
    assert client.get_hosted_service("twicecmg").deployment is None
    models.delete_service(az.cloud, sub, "twicecmg", "earlier-run-2")
    client.delete_hosted_service("twicecmg")
    with pytest.raises(AzureError) as gone:
        client.get_hosted_service("twicecmg")
    assert gone.value.code == "ResourceNotFound"


def test_unknown_operation_is_not_found(client: ClassicClient) -> None:
    with pytest.raises(AzureError) as exc:
        client.get_operation("0" * 32)
    assert exc.value.code == "ResourceNotFound"


def test_unknown_service_is_resource_not_found(client: ClassicClient) -> None:
    with pytest.raises(AzureError) as exc:
        client.get_hosted_service("nosuchservice")
    assert exc.value.code == "ResourceNotFound"  # Service Management's code, kept
    assert exc.value.message.endswith("The hosted service does not exist.")  # and its message
    assert "'nosuchservice'" in exc.value.message and exc.value.target == "nosuchservice"


def test_unregistered_certificate_is_forbidden(az: LocalAzure, tmp_path: Path) -> None:
    pem = tmp_path / "stranger.pem"
    issue_client_certificate(az.state_dir, "stranger", pem)
    with ManagementCertificate.load(pem) as cert, pytest.raises(AuthError) as exc:
        client_for(az, cert).list_hosted_services()
    assert exc.value.code == "ForbiddenError"
    assert "associated with this subscription" in exc.value.message


def test_pfx_management_certificate_works_once_registered(az: LocalAzure, tmp_path: Path) -> None:
    pem, pfx = tmp_path / "pfx.pem", tmp_path / "mgmt.pfx"
    issue_client_certificate(az.state_dir, "pfxmgmt", pem, pfx_path=pfx, pfx_password=b"Pfx-pass-1")
    der = x509.load_pem_x509_certificate(pem.read_bytes()).public_bytes(serialization.Encoding.DER)
    models.register_management_certificate(az.cloud, az.identity.subscription_id, der)
    models.seed_classic(az.cloud, "pfxcmg", "eastus", 1)
    with ManagementCertificate.load(pfx, "Pfx-pass-1") as cert:
        names = {s.name for s in client_for(az, cert).list_hosted_services()}
    assert "pfxcmg" in names


def test_missing_version_header_is_refused(az: LocalAzure) -> None:
    url = f"{az.url}/{az.identity.subscription_id}/services/hostedservices"
    resp = requests.get(
        url, cert=az.identity.management_certificate, verify=az.ca_bundle, timeout=10
    )
    assert resp.status_code == 400
    assert "<Code>MissingOrIncorrectVersionHeader</Code>" in resp.text


def test_untrusted_server_is_an_auth_error(az: LocalAzure, client: ClassicClient) -> None:
    client.verify = True  # the system store does not trust the local CA
    with pytest.raises(AuthError) as exc:
        client.list_hosted_services()
    assert exc.value.code == "TlsHandshakeFailed"


def test_unready_fault_makes_the_cmg_not_ready(az: LocalAzure, client: ClassicClient) -> None:
    models.seed_classic(az.cloud, "busycmg", "westeurope", 2)
    az.cloud.faults.set({"targeted": [{"kind": "unready", "target": "classic"}]})
    try:
        shown = show_classic(client, "busycmg")
    finally:
        az.cloud.faults.set({})
    assert not shown.ready
    assert shown.summary.state == "Suspended"
    assert {i.instance_status for i in shown.service.deployment.role_instances} == {"BusyRole"}  # type: ignore[union-attr]


def test_transient_faults_are_retried_honouring_retry_after(az: LocalAzure) -> None:
    slept: list[float] = []

    def short_sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(min(seconds, 0.01))  # keep the test fast; the values are asserted

    seeded = models.seed_classic(az.cloud, "flakycmg", "westeurope", 1)
    cert = ManagementCertificate.load(az.identity.management_certificate)
    client = ClassicClient(
        az.url,
        az.identity.subscription_id,
        cert,
        az.ca_bundle,
        poll_interval=0.02,
        sleep=short_sleep,
    )
    az.cloud.faults.set({"seed": 7, "p503": 0.3, "retry_after": 2, "scope": "all"})
    try:
        assert show_classic(client, "flakycmg").ready
        client.delete_deployment("flakycmg", seeded["deployment"])
        client.delete_hosted_service("flakycmg")
    finally:
        az.cloud.faults.set({})
    assert 2.0 in slept  # the 503s' Retry-After was honoured
    assert "flakycmg" not in {s.name for s in client_for(az, cert).list_hosted_services()}


def self_signed_client_pem(path: Path, cn: str) -> bytes:
    """A self-signed client certificate (as `New-SelfSignedCertificate` makes); its DER."""
    from datetime import datetime, timedelta

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key_pem)
    return cert.public_bytes(serialization.Encoding.DER)


def test_self_signed_management_certificate_works_once_registered(
    az: LocalAzure, tmp_path: Path
) -> None:
    pem = tmp_path / "selfsigned.pem"
    der = self_signed_client_pem(pem, "selfsigned-mgmt")
    models.seed_classic(az.cloud, "selfcmg", "westeurope", 1)
    # Straight into the store, as another process (or an admin command) would do it.
    models.register_management_certificate(az.cloud, az.identity.subscription_id, der)
    with ManagementCertificate.load(pem) as cert:
        names = {s.name for s in client_for(az, cert).list_hosted_services()}
    assert "selfcmg" in names


def test_unregistered_self_signed_certificate_fails_cleanly(az: LocalAzure, tmp_path: Path) -> None:
    pem = tmp_path / "stranger-selfsigned.pem"
    self_signed_client_pem(pem, "stranger-selfsigned")
    with ManagementCertificate.load(pem) as cert, pytest.raises(AuthError) as exc:
        client_for(az, cert).list_hosted_services()
    # Azure answers 403 ForbiddenError; the local Azure can only refuse the handshake
    # (no anchor vouches for the certificate), which the tool reports as an auth error.
    assert exc.value.code == "TlsHandshakeFailed"
