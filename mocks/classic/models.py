"""State and behaviour of classic Service Management (cloud services, "hosted services").

State lives in the store's documents:

* ``classic/services`` keyed ``{subscription}/{service name}``: the hosted service
  with its deployments (at most one per slot);
* ``classic/operations`` keyed ``{subscription}/{request id}``: asynchronous operations;
* ``classic/management-certificates`` keyed ``{subscription}/{thumbprint}``: extra
  management certificates (the bootstrap one is ``cloud.identity``'s);
* ``classic/storage-services`` keyed ``{subscription}/{account name}``: classic storage
  accounts. A seeded classic CMG has one with its own name, as ConfigMgr's do (its
  content endpoint is ``<name>.blob.core.windows.net``); deleting one is synchronous
  (200, as the Delete Storage Account page says).

A seeded CMG carries no extended property that marks it as a CMG: none is documented,
so clients find a classic CMG by the name the admin gives.

Deletions are clock-driven like the ARM side: a deleted deployment reports
``Deleting`` until its time passes, then disappears on the next read; the operation
reports ``InProgress`` until then, ``Succeeded`` after.  No secret is ever stored.

Not simulated: creating services or deployments through the API (only seeding),
staging slots and swaps, upgrades, reboots/reimages, certificates of a service,
creating storage accounts or their keys and data, affinity groups, and the global
uniqueness of ``cloudapp.net`` names across subscriptions.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from .exceptions import BadRequest, ConflictError, ForbiddenError, ResourceNotFound

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

SERVICES = "classic/services"
OPERATIONS = "classic/operations"
CERTIFICATES = "classic/management-certificates"
STORAGE = "classic/storage-services"

# What the simulated durations are looked up under (honours provisioning overrides).
DEPLOYMENT_TYPE = "Microsoft.ClassicCompute/domainNames/slots"
SERVICE_TYPE = "Microsoft.ClassicCompute/domainNames"

CMG_ROLE = "ProxyService"
CMG_INSTANCE_SIZE = "Standard_A2_v2"
SERVICE_DESCRIPTION = "Configuration Manager cloud management gateway"

# ARM region name -> Service Management display name (SM reports display names).
REGION_DISPLAY_NAMES = {
    "australiaeast": "Australia East",
    "australiasoutheast": "Australia Southeast",
    "brazilsouth": "Brazil South",
    "canadacentral": "Canada Central",
    "canadaeast": "Canada East",
    "centralindia": "Central India",
    "centralus": "Central US",
    "eastasia": "East Asia",
    "eastus": "East US",
    "eastus2": "East US 2",
    "francecentral": "France Central",
    "germanywestcentral": "Germany West Central",
    "japaneast": "Japan East",
    "japanwest": "Japan West",
    "koreacentral": "Korea Central",
    "northcentralus": "North Central US",
    "northeurope": "North Europe",
    "norwayeast": "Norway East",
    "southafricanorth": "South Africa North",
    "southcentralus": "South Central US",
    "southeastasia": "Southeast Asia",
    "southindia": "South India",
    "swedencentral": "Sweden Central",
    "switzerlandnorth": "Switzerland North",
    "uaenorth": "UAE North",
    "uksouth": "UK South",
    "ukwest": "UK West",
    "westcentralus": "West Central US",
    "westeurope": "West Europe",
    "westus": "West US",
    "westus2": "West US 2",
    "westus3": "West US 3",
    "usgovarizona": "USGov Arizona",
    "usgovtexas": "USGov Texas",
    "usgovvirginia": "USGov Virginia",
}


# -- authentication ------------------------------------------------------------------------
def certificate_thumbprint(der: bytes) -> str:
    """SHA-1 thumbprint (upper-case hex) of a DER certificate, as Azure shows it."""
    cert = x509.load_der_x509_certificate(der)
    return cert.fingerprint(hashes.SHA1()).hex().upper()


def registered_thumbprints(cloud: Cloud, subscription_id: str) -> set[str]:
    """Management certificates uploaded to ``subscription_id`` (upper-case thumbprints)."""
    found = {
        key.rsplit("/", 1)[1].upper()
        for key, _ in cloud.store.doc_list(CERTIFICATES, f"{subscription_id}/")
    }
    identity = getattr(cloud, "identity", None)
    if identity is not None and identity.subscription_id.lower() == subscription_id.lower():
        found.add(identity.management_certificate_thumbprint.upper())
    return found


def register_management_certificate(cloud: Cloud, subscription_id: str, der: bytes) -> str:
    """Upload a management certificate (public part only) to a subscription."""
    thumbprint = certificate_thumbprint(der)
    cloud.store.doc_put(
        CERTIFICATES,
        f"{subscription_id}/{thumbprint}",
        {"thumbprint": thumbprint, "data": base64.b64encode(der).decode(), "created": cloud.now()},
    )
    return thumbprint


def authenticate(cloud: Cloud, subscription_id: str, client_cert_der: bytes | None) -> None:
    """Raise ForbiddenError unless the TLS client certificate is registered.

    An unknown subscription has no registered certificate, so it gets the same 403
    (Service Management cannot tell the two apart either).
    """
    if not client_cert_der:
        raise ForbiddenError()
    try:
        thumbprint = certificate_thumbprint(client_cert_der)
    except ValueError:
        raise ForbiddenError() from None
    if thumbprint not in registered_thumbprints(cloud, subscription_id):
        raise ForbiddenError()


# -- reading services ------------------------------------------------------------------------
def _key(subscription_id: str, name: str) -> str:
    return f"{subscription_id}/{name}"


def _settle(cloud: Cloud, service: dict[str, Any]) -> dict[str, Any] | None:
    """Apply the clock: finished deletions disappear (persisted)."""
    now = cloud.now()
    kept = [d for d in service["deployments"] if not _due(d, now)]
    gone = _due(service, now)
    key = _key(service["subscription_id"], service["ServiceName"])
    if gone:
        cloud.store.doc_delete(SERVICES, key)
        return None
    if len(kept) != len(service["deployments"]):
        service["deployments"] = kept
        cloud.store.doc_put(SERVICES, key, service)
    return service


def _due(item: dict[str, Any], now: float) -> bool:
    return item.get("delete_at") is not None and now >= item["delete_at"]


def list_services(cloud: Cloud, subscription_id: str) -> list[dict[str, Any]]:
    """Every hosted service of the subscription, settled against the clock."""
    out = []
    for _, service in cloud.store.doc_list(SERVICES, f"{subscription_id}/"):
        settled = _settle(cloud, service)
        if settled is not None:
            out.append(_with_fault_view(cloud, settled))
    return out


def get_service(cloud: Cloud, subscription_id: str, name: str) -> dict[str, Any]:
    """One hosted service (as clients see it) or ResourceNotFound."""
    return _with_fault_view(cloud, _load(cloud, subscription_id, name))


def _load(cloud: Cloud, subscription_id: str, name: str) -> dict[str, Any]:
    """The stored hosted service, settled, without any fault view (safe to write back)."""
    service = cloud.store.doc_get(SERVICES, _key(subscription_id, name))
    settled = _settle(cloud, service) if service else None
    if settled is None:
        raise ResourceNotFound("The hosted service does not exist.")
    return settled


def get_deployment(
    cloud: Cloud,
    subscription_id: str,
    name: str,
    *,
    deployment: str | None = None,
    slot: str | None = None,
) -> dict[str, Any]:
    """A deployment of a hosted service by name or slot, or ResourceNotFound."""
    return _find_deployment(get_service(cloud, subscription_id, name), deployment, slot)


def _unready_fault(cloud: Cloud) -> bool:
    """True while the fault injector says classic role instances are not ready."""
    flag = getattr(getattr(cloud, "faults", None), "flag", None)
    entry = flag("unready", "classic") if callable(flag) else None
    return isinstance(entry, dict)


def _with_fault_view(cloud: Cloud, service: dict[str, Any]) -> dict[str, Any]:
    """Instances report BusyRole and the deployment Suspended under the unready fault."""
    if not _unready_fault(cloud):
        return service
    for dep in service["deployments"]:
        if dep["Status"] == "Running":
            dep["Status"] = "Suspended"
        for inst in dep["RoleInstanceList"]:
            inst["InstanceStatus"] = "BusyRole"
    return service


# -- deleting --------------------------------------------------------------------------------
def delete_deployment(
    cloud: Cloud,
    subscription_id: str,
    name: str,
    request_id: str,
    *,
    deployment: str | None = None,
    slot: str | None = None,
) -> dict[str, Any]:
    """Start deleting a deployment (by name or slot); returns the asynchronous operation."""
    service = _load(cloud, subscription_id, name)
    current = _find_deployment(service, deployment, slot)
    _refuse_if_busy(current)
    op = _start_operation(
        cloud, subscription_id, request_id, cloud.provisioning_seconds(DEPLOYMENT_TYPE)
    )
    current.update(Status="Deleting", delete_at=op["ready_at"], busy_with=request_id)
    service["DateLastModified"] = _iso(cloud.now())
    cloud.store.doc_put(SERVICES, _key(subscription_id, service["ServiceName"]), service)
    return op


def _find_deployment(
    service: dict[str, Any], deployment: str | None, slot: str | None
) -> dict[str, Any]:
    for dep in service["deployments"]:
        if deployment is not None and dep["Name"].lower() == deployment.lower():
            return dep
        if slot is not None and dep["DeploymentSlot"].lower() == slot.lower():
            return dep
    raise ResourceNotFound("No deployments were found.")


def delete_service(cloud: Cloud, subscription_id: str, name: str, request_id: str) -> dict:
    """Start deleting a hosted service that has no deployment left."""
    service = _load(cloud, subscription_id, name)
    if service["deployments"]:
        raise ConflictError(
            "The hosted service has deployments. Delete all deployments of the hosted "
            "service before deleting the hosted service."
        )
    _refuse_if_busy(service)
    op = _start_operation(
        cloud, subscription_id, request_id, cloud.provisioning_seconds(SERVICE_TYPE)
    )
    service.update(Status="Deleting", delete_at=op["ready_at"], busy_with=request_id)
    cloud.store.doc_put(SERVICES, _key(subscription_id, service["ServiceName"]), service)
    return op


def _refuse_if_busy(item: dict[str, Any]) -> None:
    if item.get("busy_with"):
        raise ConflictError(
            "Windows Azure is currently performing an operation with x-ms-requestid "
            f"{item['busy_with']} on this deployment that requires exclusive access."
        )


# -- operations ------------------------------------------------------------------------------
def _start_operation(
    cloud: Cloud, subscription_id: str, request_id: str, duration: float
) -> dict[str, Any]:
    op = {"ID": request_id, "ready_at": cloud.now() + duration, "created": cloud.now()}
    cloud.store.doc_put(OPERATIONS, _key(subscription_id, request_id), op)
    return op


def get_operation(cloud: Cloud, subscription_id: str, request_id: str) -> dict[str, Any]:
    """``{"ID", "Status", "HttpStatusCode", "Error"?}`` of an asynchronous operation."""
    op = cloud.store.doc_get(OPERATIONS, _key(subscription_id, request_id))
    if op is None:
        raise ResourceNotFound("The operation request ID was not found.")
    if cloud.now() < op["ready_at"]:
        return {"ID": op["ID"], "Status": "InProgress", "HttpStatusCode": 200}
    if op.get("error"):
        return {"ID": op["ID"], "Status": "Failed", "HttpStatusCode": 400, "Error": op["error"]}
    return {"ID": op["ID"], "Status": "Succeeded", "HttpStatusCode": 200}


def new_request_id() -> str:
    """Service Management request ids are 32 hex digits."""
    return uuid.uuid4().hex


# -- seeding ---------------------------------------------------------------------------------
def region_display_name(region: str) -> str:
    """ "westeurope" -> "West Europe"; BadRequest for a region SM does not know."""
    key = region.replace(" ", "").lower()
    if key not in REGION_DISPLAY_NAMES:
        raise BadRequest(f"The location constraint is not valid: {region!r}.")
    return REGION_DISPLAY_NAMES[key]


def seed_classic(cloud: Cloud, name: str, region: str, instances: int) -> dict[str, Any]:
    """Create (or refresh) a classic CMG: a hosted service with a Running deployment and
    a classic storage account of the same name.

    Idempotent: seeding the same name again keeps the service, its creation date and
    deployment name, and resets the production deployment to ``instances`` ReadyRole
    instances.  Returns a summary (name, subscription_id, region, location, url,
    deployment, instances, storage_account).
    """
    if not 1 <= int(instances) <= 16:
        raise BadRequest("The instance count must be between 1 and 16.")
    subscription_id = cloud.identity.subscription_id
    location = region_display_name(region)
    arm_region = region.replace(" ", "").lower()
    existing = cloud.store.doc_get(SERVICES, _key(subscription_id, name))
    service = _service_doc(cloud, subscription_id, name, location)
    if existing:
        service["DateCreated"] = existing["DateCreated"]
    service["deployments"] = [_deployment_doc(cloud, subscription_id, name, int(instances))]
    cloud.store.doc_put(SERVICES, _key(subscription_id, name), service)
    cloud.store.doc_put(
        STORAGE, _key(subscription_id, name), _storage_doc(subscription_id, name, location)
    )
    return {
        "name": name,
        "subscription_id": subscription_id,
        "region": arm_region,
        "location": location,
        "url": f"http://{name}.cloudapp.net/",
        "deployment": service["deployments"][0]["Name"],
        "instances": int(instances),
        "storage_account": name,
    }


def _service_doc(cloud: Cloud, subscription_id: str, name: str, location: str) -> dict[str, Any]:
    now = _iso(cloud.now())
    return {
        "subscription_id": subscription_id,
        "ServiceName": name,
        "Description": SERVICE_DESCRIPTION,
        "Location": location,
        "Label": base64.b64encode(name.encode()).decode(),
        "Status": "Created",
        "DateCreated": now,
        "DateLastModified": now,
        "ExtendedProperties": {},
        "deployments": [],
    }


def _storage_doc(subscription_id: str, name: str, location: str) -> dict[str, Any]:
    return {
        "subscription_id": subscription_id,
        "ServiceName": name,
        "Description": "",
        "Location": location,
        "Label": base64.b64encode(name.encode()).decode(),
        "Status": "Created",
        "Endpoints": [
            f"https://{name}.{kind}.core.windows.net/"
            for kind in ("blob", "queue", "table", "file")
        ],
    }


# -- classic storage accounts -----------------------------------------------------------------
def list_storage(cloud: Cloud, subscription_id: str) -> list[dict[str, Any]]:
    """List Storage Accounts: every classic storage account of the subscription."""
    return [doc for _, doc in cloud.store.doc_list(STORAGE, f"{subscription_id}/")]


def get_storage(cloud: Cloud, subscription_id: str, name: str) -> dict[str, Any]:
    """Get Storage Account Properties, or ResourceNotFound."""
    doc = cloud.store.doc_get(STORAGE, _key(subscription_id, name))
    if doc is None:
        raise ResourceNotFound(f"The storage account '{name}' was not found.")
    return dict(doc)


def delete_storage(cloud: Cloud, subscription_id: str, name: str, request_id: str) -> None:
    """Delete Storage Account: gone at once (200); the operation reports Succeeded."""
    get_storage(cloud, subscription_id, name)
    cloud.store.doc_delete(STORAGE, _key(subscription_id, name))
    _start_operation(cloud, subscription_id, request_id, 0.0)


def _deployment_doc(cloud: Cloud, subscription_id: str, name: str, instances: int) -> dict:
    # Deterministic ids so that re-seeding the same name gives the same deployment.
    stable = uuid.uuid5(uuid.NAMESPACE_URL, f"classic:{subscription_id}:{name}".lower())
    return {
        "Name": str(stable),
        "DeploymentSlot": "Production",
        "PrivateID": stable.hex,
        "Status": "Running",
        "Label": base64.b64encode(name.encode()).decode(),
        "Url": f"http://{name}.cloudapp.net/",
        "Configuration": base64.b64encode(_service_configuration(name, instances)).decode(),
        "RoleInstanceList": [_role_instance(name, i) for i in range(instances)],
        "RoleList": [{"RoleName": CMG_ROLE, "OsVersion": "WA-GUEST-OS-6.70_202405-01"}],
        "UpgradeDomainCount": min(instances, 5),
        "SdkVersion": "2.9.6496.3",
        "CreatedTime": _iso(cloud.now()),
        "LastModifiedTime": _iso(cloud.now()),
        "VirtualIPs": [{"Address": _virtual_ip(name)}],
    }


def _role_instance(service: str, index: int) -> dict[str, Any]:
    return {
        "RoleName": CMG_ROLE,
        "InstanceName": f"{CMG_ROLE}_IN_{index}",
        "InstanceStatus": "ReadyRole",
        "InstanceUpgradeDomain": index % 5,
        "InstanceFaultDomain": index % 2,
        "InstanceSize": CMG_INSTANCE_SIZE,
        "InstanceStateDetails": "",
        "IpAddress": f"10.0.0.{4 + index}",
        "PowerState": "Started",
        "HostName": f"RD{hashlib.sha1(f'{service}{index}'.encode()).hexdigest()[:12].upper()}",
        "InstanceEndpoints": [
            {
                "Name": "HttpsDefault",
                "Vip": _virtual_ip(service),
                "PublicPort": 443,
                "LocalPort": 443,
                "Protocol": "tcp",
            },
            {
                "Name": f"HttpsConnector{index}",
                "Vip": _virtual_ip(service),
                "PublicPort": 10124 + index,
                "LocalPort": 10124 + index,
                "Protocol": "tcp",
            },
            {
                "Name": f"TcpTlsConnector{index}",
                "Vip": _virtual_ip(service),
                "PublicPort": 10140 + index,
                "LocalPort": 10140 + index,
                "Protocol": "tcp",
            },
        ],
    }


def _virtual_ip(service: str) -> str:
    digest = hashlib.sha256(service.lower().encode()).digest()
    return f"20.{digest[0]}.{digest[1]}.{max(digest[2], 1)}"


def _service_configuration(name: str, instances: int) -> bytes:
    """The deployment's ServiceConfiguration (.cscfg) — no secrets, only settings."""
    ns = "http://schemas.microsoft.com/ServiceHosting/2008/10/ServiceConfiguration"
    settings = {"ServiceName": name, "ServiceFqdn": f"{name}.cloudapp.net"}
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<ServiceConfiguration serviceName={quoteattr(name)} osFamily="6" osVersion="*" '
        f'xmlns="{ns}">',
        f'  <Role name="{CMG_ROLE}">',
        "    <ConfigurationSettings>",
        *[f'      <Setting name="{k}" value={quoteattr(v)} />' for k, v in settings.items()],
        "    </ConfigurationSettings>",
        f'    <Instances count="{instances}" />',
        "  </Role>",
        "</ServiceConfiguration>",
    ]
    return "\n".join(lines).encode()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
