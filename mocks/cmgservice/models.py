"""Which CMG services the local Azure's store holds, and the certificate each serves.

A CMG service here is a VM scale set whose provisioning Succeeded, whose
``osProfile.secrets`` name a Key Vault secret certificate (the server certificate, in
the format scale sets import: base64 of ``{"data", "dataType": "pfx", "password"}``),
in a group with a public IP that has a DNS name. Its endpoints, as the planning
document gives them: 443 for clients (and for the connection point with one instance),
and 10124 + i for instance i when there are two or more.

Not simulated: anything past the TLS handshake (no HTTP, no client-certificate
authentication, no CMG web services), IPv6, the load balancer's probes and rules.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

VMSS_TYPE = "Microsoft.Compute/virtualMachineScaleSets"
PUBLIC_IP_TYPE = "Microsoft.Network/publicIPAddresses"
SECRET_TYPE = "Microsoft.KeyVault/vaults/secrets"
CLIENT_PORT = 443
CONNECTION_POINT_BASE_PORT = 10124


@dataclass(frozen=True)
class ServiceSpec:
    """One CMG service: its DNS name, ports and the certificate chain + key it serves."""

    key: str  # the scale set's id, lower-case
    fqdn: str
    ports: tuple[int, ...]
    pem: bytes  # certificate chain and unencrypted key (kept in memory; written 0600)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.pem + repr(self.ports).encode() + self.fqdn.encode()).hexdigest()


def service_ports(instances: int) -> tuple[int, ...]:
    """443, plus 10124 + i per instance i when there are two or more instances."""
    if instances < 2:
        return (CLIENT_PORT,)
    return (CLIENT_PORT, *(CONNECTION_POINT_BASE_PORT + i for i in range(instances)))


def deployed_services(cloud: Cloud) -> list[ServiceSpec]:
    """Every CMG service the store holds now (see the module docstring)."""
    from mocks.resources.models import known_subscriptions

    found = []
    for sub in known_subscriptions(cloud):
        for vmss in cloud.store.resource_list(sub["subscriptionId"], type_name=VMSS_TYPE):
            spec = _service(cloud, sub["subscriptionId"], vmss)
            if spec is not None:
                found.append(spec)
    return found


def _service(cloud: Cloud, subscription: str, vmss: dict[str, Any]) -> ServiceSpec | None:
    props = vmss.get("properties") or {}
    if props.get("provisioningState") != "Succeeded":
        return None
    group = vmss["id"].split("/")[4]
    fqdn = _fqdn(cloud, subscription, group)
    urls = [
        cert.get("certificateUrl", "")
        for source in ((props.get("virtualMachineProfile") or {}).get("osProfile") or {}).get(
            "secrets"
        )
        or []
        for cert in source.get("vaultCertificates") or []
    ]
    pem = _certificate_pem(cloud, subscription, urls[0]) if urls else None
    if not fqdn or pem is None:
        return None
    capacity = int((vmss.get("sku") or {}).get("capacity") or 1)
    return ServiceSpec(vmss["id"].lower(), fqdn.lower(), service_ports(capacity), pem)


def _fqdn(cloud: Cloud, subscription: str, group: str) -> str | None:
    for ip in cloud.store.resource_list(subscription, group, PUBLIC_IP_TYPE):
        fqdn = ((ip.get("properties") or {}).get("dnsSettings") or {}).get("fqdn")
        if fqdn:
            return str(fqdn)
    return None


def _certificate_pem(cloud: Cloud, subscription: str, url: str) -> bytes | None:
    """The PEM (chain + key) of the secret version ``url`` names, or None."""
    from mocks.keyvault.models import SECRETS

    path = urlparse(url).path.strip("/").split("/")
    if len(path) < 2 or path[0].lower() != "secrets":
        return None
    for secret in cloud.store.resource_list(subscription, type_name=SECRET_TYPE):
        uri = str((secret.get("properties") or {}).get("secretUri") or "")
        if not url.lower().startswith(uri.lower()) or not uri:
            continue
        record = cloud.store.doc_get(SECRETS, secret["id"]) or {"versions": []}
        versions = record["versions"]
        wanted = path[2] if len(path) > 2 else None
        chosen = [v for v in versions if v["version"] == wanted] if wanted else versions[-1:]
        if chosen:
            return _pem_of_secret(chosen[0]["value"])
    return None


def _pem_of_secret(value: str) -> bytes | None:
    """The scale-set certificate format to PEM; a raw base64 PFX without password too."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        document = json.loads(base64.b64decode(value))
        pfx, password = base64.b64decode(document["data"]), document.get("password") or ""
    except (ValueError, KeyError, TypeError):
        try:
            pfx, password = base64.b64decode(value), ""
        except ValueError:
            return None
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(pfx, password.encode() or None)
    except ValueError:
        return None
    if key is None or cert is None:
        return None
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    for c in (cert, *extra):
        pem += c.public_bytes(serialization.Encoding.PEM)
    return pem
