"""The connection analyzer (``check --connect``): reach each CMG endpoint over TLS.

As ConfigMgr's console analyzer does from the site, but from wherever it runs: resolve
the CMG's service name, open TLS to 443 and to each 10124 + i port the instance count
implies, verify the chain (the system's trust store plus ``--trust-ca`` files) and the
name (the service name: the deployment's DNS name, or ``--service-name`` with a custom
domain), and report each endpoint with the certificate it serves. Names resolve through
the environment's address map when it publishes one (the local Azure does: its CMG
names do not exist in DNS), else through DNS.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmgdeploy.commands.check import (
    CRITICAL,
    OK,
    WARNING,
    CheckItem,
    CheckRequest,
    expiry_item,
    worst,
)
from cmgdeploy.domain.results import CmgStatus
from cmgdeploy.services.azure.api import ArmApi
from cmgdeploy.services.context import OpContext

CONNECT_TIMEOUT = 10.0
CLIENT_PORT = 443
CONNECTION_POINT_BASE_PORT = 10124


def endpoint_ports(instances: int) -> tuple[int, ...]:
    """443; with two or more instances also 10124 + i for instance i."""
    if instances < 2:
        return (CLIENT_PORT,)
    return (CLIENT_PORT, *(CONNECTION_POINT_BASE_PORT + i for i in range(instances)))


@dataclass(frozen=True)
class Probe:
    """What one TLS handshake showed."""

    address: str
    der: bytes | None = None
    chain_error: str | None = None
    failure: str | None = None  # no address / no TCP / no TLS at all
    tls_version: str | None = None


@dataclass(frozen=True)
class Analyzer:
    """Inputs of the analyzer for one CMG."""

    request: CheckRequest
    service_name: str | None = None
    trust_files: tuple[Path, ...] = ()

    def __call__(self, ctx: OpContext, session: ArmApi, status: CmgStatus) -> list[CheckItem]:
        return endpoint_items(ctx, status, self)


def endpoint_items(ctx: OpContext, status: CmgStatus, analyzer: Analyzer) -> list[CheckItem]:
    """One item per endpoint of the CMG ``status`` describes."""
    if not status.fqdn:
        return [CheckItem("endpoint", status.name, CRITICAL, "the CMG has no DNS name in Azure")]
    host = (analyzer.service_name or status.fqdn).lower()
    addresses = address_map(ctx.env)
    context = trust_context(analyzer.trust_files)
    lab = _lab_thumbprint(ctx.home, status.name)
    now = dt.datetime.now(dt.UTC)
    return [
        _item(host, port, probe(host, port, addresses, context), lab, now, analyzer.request)
        for port in endpoint_ports(int(status.instances or 1))
    ]


def address_map(env: Any) -> dict[tuple[str, int], tuple[str, int]]:
    """``(host, port) → (address, port)`` the environment publishes, or {} (use DNS)."""
    if not getattr(env, "address_map", None):
        return {}
    import requests

    from cmgdeploy.domain.errors import CmgError

    try:
        answer = requests.get(env.address_map, verify=env.ca_bundle or True, timeout=30)
        answer.raise_for_status()
        entries = answer.json().get("endpoints") or []
    except (requests.RequestException, ValueError) as exc:
        raise CmgError(
            f"the environment's address map {env.address_map} did not answer: {exc}",
            code="AddressMapUnavailable",
        ) from None
    return {
        (str(e["host"]).lower(), int(e["port"])): (str(e["address"]), int(e["local_port"]))
        for e in entries
    }


def trust_context(files: tuple[Path, ...]) -> ssl.SSLContext:
    """A verifying client context: the system's roots plus ``files`` (PEM)."""
    context = ssl.create_default_context()
    context.check_hostname = False  # the name is checked apart, to report it apart
    for path in files:
        context.load_verify_locations(cafile=str(path))
    return context


def probe(
    host: str,
    port: int,
    addresses: dict[tuple[str, int], tuple[str, int]],
    context: ssl.SSLContext,
) -> Probe:
    """Resolve, connect and handshake (verified; unverified again to read a refused
    certificate)."""
    target = addresses.get((host, port)) or _resolve(host, port)
    if target is None:
        return Probe("", failure=f"{host} does not resolve (IPv4)")
    shown = f"{target[0]}:{target[1]}"
    try:
        der, version = _handshake(target, host, context)
        return Probe(shown, der, tls_version=version)
    except ssl.SSLCertVerificationError as exc:
        chain_error = str(exc.verify_message or exc)
    except (OSError, ssl.SSLError) as exc:
        return Probe(shown, failure=f"no TLS connection to {shown}: {exc}")
    # The verified handshake failed: read the certificate once more without verification
    # only to report what the endpoint serves (subject, expiry) next to the chain error,
    # as the console's connection analyzer does. Nothing is sent over this connection and
    # the endpoint is reported as failing.
    unverified = ssl.create_default_context()
    unverified.check_hostname, unverified.verify_mode = False, ssl.CERT_NONE
    try:
        der, version = _handshake(target, host, unverified)
    except (OSError, ssl.SSLError) as exc:
        return Probe(shown, failure=f"no TLS connection to {shown}: {exc}")
    return Probe(shown, der, chain_error, tls_version=version)


def _resolve(host: str, port: int) -> tuple[str, int] | None:
    try:
        infos = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        return None
    return (str(infos[0][4][0]), port) if infos else None


def _handshake(
    target: tuple[str, int], host: str, context: ssl.SSLContext
) -> tuple[bytes | None, str | None]:
    with (
        socket.create_connection(target, timeout=CONNECT_TIMEOUT) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        return tls.getpeercert(binary_form=True), tls.version()


def name_matches(pattern: str, host: str) -> bool:
    """A certificate name (``*.`` wildcard in the left-most label) against ``host``."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        head, _, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == host


def certificate_names(cert: Any) -> list[str]:
    """DNS names of the subject alternative name, else the CN."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        names = san.value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = []
    if names:
        return [str(n) for n in names]
    return [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]


def _item(
    host: str, port: int, seen: Probe, lab: str | None, now: dt.datetime, request: CheckRequest
) -> CheckItem:
    name = f"{host}:{port}"
    if seen.failure or seen.der is None:
        return CheckItem("endpoint", name, CRITICAL, seen.failure or "no certificate served")
    from cryptography import x509

    from cmgdeploy.services.certs import thumbprint

    cert = x509.load_der_x509_certificate(seen.der)
    names = certificate_names(cert)
    print_ = thumbprint(cert)
    findings = [(OK, f"{seen.tls_version} at {seen.address}")]
    if not any(name_matches(n, host) for n in names):
        findings.append(
            (CRITICAL, f"wrong name: the certificate is for {', '.join(names)}, not {host}")
        )
    if seen.chain_error and print_ == lab:
        findings.append((WARNING, "self-signed lab certificate: clients must trust it"))
    elif seen.chain_error:
        findings.append((CRITICAL, f"chain not trusted: {seen.chain_error}"))
    else:
        findings.append((OK, "chain trusted"))
    expiry = expiry_item("endpoint", name, cert.not_valid_after_utc, now, request)
    findings.append((expiry.status, f"certificate {print_} {expiry.detail}"))
    status = worst(s for s, _ in findings)
    detail = "; ".join(text for _, text in findings)
    return CheckItem("endpoint", name, status, detail, expiry.expires, expiry.days_left)


def _lab_thumbprint(home: Path, name: str) -> str | None:
    """The thumbprint of the lab certificate cmgdeploy keeps for ``name``, if any."""
    from cryptography import x509

    from cmgdeploy.services.certs import thumbprint

    try:
        pem = (home / "certs" / f"{name}.pem").read_bytes()
        return thumbprint(x509.load_pem_x509_certificate(pem))
    except (OSError, ValueError):
        return None
