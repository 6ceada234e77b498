"""The local Azure's loopback TLS endpoints for deployed CMGs, and their address map."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path
from typing import Any

import pytest
import requests
from clifixtures import add_environment_row

from mocks.cmgservice.models import service_ports

SITE = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1", "--yes")


def _map(az: Any) -> list[dict[str, Any]]:
    answer = requests.get(
        f"{az.url}/_localazure/service-endpoints", verify=az.ca_bundle, timeout=30
    )
    assert answer.status_code == 200
    return list(answer.json()["endpoints"])


def _served_cn(port: int, host: str, trusted: Path) -> str:
    """The CN of the certificate served on ``port``, verified (chain and name) against
    ``trusted``: the CMG's own lab certificate, which is self-signed."""
    context = ssl.create_default_context(cafile=str(trusted))
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der or b"")
    return str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


def test_ports_follow_the_planning_document() -> None:
    assert service_ports(1) == (443,)
    assert service_ports(2) == (443, 10124, 10125)
    assert service_ports(16)[-1] == 10139


def test_endpoints_open_for_a_deployed_cmg_and_close_when_it_goes(
    cli: Any, home: Path, local_azure_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    az = local_azure_factory()
    add_environment_row(cli, az, monkeypatch, "svccloud")
    assert cli("-e", "svccloud", "up", "--name", "svccmg", "--instances", "2", *SITE).code == 0
    fqdn = "svccmg.westeurope.cloudapp.azure.com"

    entries = [e for e in _map(az) if e["host"] == fqdn]
    assert sorted(e["port"] for e in entries) == [443, 10124, 10125]
    assert all(e["address"] == "127.0.0.1" for e in entries)
    assert _served_cn(entries[0]["local_port"], fqdn, home / "certs" / "svccmg.pem") == fqdn
    assert _map(az) == _map(az)  # stable while nothing changes

    assert cli("-e", "svccloud", "down", "--name", "svccmg", "--yes").code == 0
    assert [e for e in _map(az) if e["host"] == fqdn] == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", entries[0]["local_port"]), timeout=5).close()


def test_stopping_the_server_closes_the_endpoints(
    cli: Any, local_azure_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    az = local_azure_factory()
    add_environment_row(cli, az, monkeypatch, "stopcloud")
    assert cli("-e", "stopcloud", "up", "--name", "stopcmg", *SITE).code == 0
    (entry,) = [e for e in _map(az) if e["host"].startswith("stopcmg.")]
    az.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", entry["local_port"]), timeout=5).close()


def test_endpoint_json_names_the_map(local_azure: Any) -> None:
    endpoint = local_azure.endpoint
    assert endpoint["service_endpoints"] == f"{local_azure.url}/_localazure/service-endpoints"
    assert endpoint["prices"] == f"{local_azure.url}/api/retail/prices"
