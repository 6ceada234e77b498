"""Subscriptions, tenants, cloud metadata, providers and resource groups.

Behaviour and state only; no HTTP.  State lives in the cloud's store: resource
groups are resource rows of type ``Microsoft.Resources/resourceGroups``; provider
registrations are documents in ``providers`` keyed ``{sub}/{namespace}``.

Not simulated: management groups, subscription/tenant creation, resource locks,
role-based access (every valid token may do everything in its subscription),
paging (lists are returned whole, without ``nextLink``), ``$top``/``$expand``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from mocks.core import lro
from mocks.core.errors import ArmError, UnsupportedOperation

from . import catalog
from .exceptions import (
    InvalidFilterInQueryString,
    InvalidResourceGroupLocation,
    InvalidResourceGroupName,
    LocationNotAvailableForResourceGroup,
    LocationRequired,
    OperationNotFound,
    ResourceGroupBeingDeleted,
    ResourceGroupNotFound,
    SubscriptionNotFound,
    missing_registration,
)

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

GROUP_TYPE = "Microsoft.Resources/resourceGroups"
PROVIDERS = "providers"  # document collection
SUBSCRIPTIONS = "subscriptions"  # extra subscriptions (the bootstrap one is implicit)


# -- subscriptions and tenants ------------------------------------------------------------
def known_subscriptions(cloud: Cloud) -> list[dict[str, Any]]:
    """The bootstrap subscription plus any in the ``subscriptions`` collection."""
    ident = cloud.identity
    subs = [{"subscriptionId": ident.subscription_id, "displayName": ident.subscription_name}]
    subs += [doc for _key, doc in cloud.store.doc_list(SUBSCRIPTIONS)]
    return subs


def require_subscription(cloud: Cloud, sub: str) -> dict[str, Any]:
    for doc in known_subscriptions(cloud):
        if doc["subscriptionId"].lower() == sub.lower():
            return doc
    raise SubscriptionNotFound(sub)


def subscription_body(cloud: Cloud, sub: str) -> dict[str, Any]:
    doc = require_subscription(cloud, sub)
    sid = doc["subscriptionId"]
    return {
        "id": f"/subscriptions/{sid}",
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sid,
        "tenantId": doc.get("tenantId", cloud.identity.tenant_id),
        "displayName": doc.get("displayName", sid),
        "state": doc.get("state", "Enabled"),
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    }


def list_subscriptions(cloud: Cloud) -> list[dict[str, Any]]:
    return [subscription_body(cloud, d["subscriptionId"]) for d in known_subscriptions(cloud)]


def tenant_body(cloud: Cloud) -> dict[str, Any]:
    ident = cloud.identity
    return {
        "id": f"/tenants/{ident.tenant_id}",
        "tenantId": ident.tenant_id,
        "tenantCategory": "Home",
        "country": "NL",
        "countryCode": "NL",
        "displayName": "Local Azure",
        "domains": [ident.tenant_domain],
        "defaultDomain": ident.tenant_domain,
        "tenantType": "AAD",
    }


# -- /metadata/endpoints -------------------------------------------------------------------
def metadata_endpoints(cloud: Cloud, api_version: str) -> Any:
    """What ``az cloud register`` reads: one cloud object.

    Real ARM answers a list of clouds from api-version 2022-09-01 on, but azure-cli 2.91
    reads the answer of a custom cloud as one object, so one object is what it gets.
    """
    del api_version  # kept in the signature: the shape may depend on it again
    base = cloud.base_url
    entry = {
        "name": "LocalAzure",
        "portal": base,
        "resourceManager": base + "/",
        "authentication": {
            "loginEndpoint": base,
            "audiences": [
                "https://management.core.windows.net/",
                "https://management.azure.com/",
            ],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "graph": "https://graph.windows.net/",
        "graphAudience": "https://graph.windows.net/",
        "microsoftGraphResourceId": "https://graph.microsoft.com/",
        "gallery": base + "/",
        "batch": "https://batch.core.windows.net/",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "media": "https://rest.media.azure.net",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
        "vmImageAliasDoc": base + "/metadata/vm-image-aliases",
        "suffixes": {
            "storage": "core.windows.net",
            "keyVaultDns": "vault.azure.net",
            "sqlServerHostname": "database.windows.net",
            "acrLoginServer": "azurecr.io",
            "azureDataLakeStoreFileSystem": "azuredatalakestore.net",
            "azureDataLakeAnalyticsCatalogAndJob": "azuredatalakeanalytics.net",
        },
        # The 2015-01-01 shape, read by older clients' endpoint discovery.
        "galleryEndpoint": base + "/",
        "graphEndpoint": "https://graph.windows.net/",
        "portalEndpoint": base,
    }
    return entry


# -- providers ------------------------------------------------------------------------------
def _provider_key(sub: str, namespace: str) -> str:
    return f"{sub.lower()}/{namespace.lower()}"


def provider_state(cloud: Cloud, sub: str, namespace: str) -> str:
    """Registration state now (Registering settles to Registered by the clock)."""
    if namespace.lower() in catalog.ALWAYS_REGISTERED:
        return "Registered"
    doc = cloud.store.doc_get(PROVIDERS, _provider_key(sub, namespace))
    if doc is None:
        return "Registered" if namespace.lower() in catalog.DEFAULT_REGISTERED else "NotRegistered"
    if isinstance(doc, str):  # tolerate a bare state string written by a seeder
        return doc
    state = doc.get("registrationState") or doc.get("state") or "NotRegistered"
    ready_at = doc.get("ready_at")
    if state in ("Registering", "Unregistering") and ready_at and cloud.now() >= ready_at:
        state = "Registered" if state == "Registering" else "NotRegistered"
    return str(state)


def provider_registered_at(cloud: Cloud, sub: str, namespace: str) -> float | None:
    """When a registration started here finished (None: registered from the start)."""
    doc = cloud.store.doc_get(PROVIDERS, _provider_key(sub, namespace))
    if not isinstance(doc, dict) or doc.get("registrationState") != "Registering":
        return None
    ready_at = doc.get("ready_at")
    return float(ready_at) if ready_at else None


def set_provider_state(
    cloud: Cloud, sub: str, namespace: str, state: str, ready_at: float | None = None
) -> None:
    """Record a registration state (used by bootstrap seeding and register/unregister)."""
    doc = {"namespace": namespace, "registrationState": state, "ready_at": ready_at}
    cloud.store.doc_put(PROVIDERS, _provider_key(sub, namespace), doc)


def provider_body(cloud: Cloud, sub: str, namespace: str) -> dict[str, Any]:
    ns = catalog.canonical_namespace(namespace) or namespace
    state = provider_state(cloud, sub, ns)
    return {
        "id": f"/subscriptions/{sub}/providers/{ns}",
        "namespace": ns,
        "registrationState": state,
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": catalog.resource_types(ns),
    }


def list_providers(cloud: Cloud, sub: str) -> list[dict[str, Any]]:
    return [provider_body(cloud, sub, ns) for ns in catalog.PROVIDER_TYPES]


def require_known_namespace(namespace: str) -> str:
    ns = catalog.canonical_namespace(namespace)
    if ns is None:
        raise UnsupportedOperation(
            f"The resource provider namespace '{namespace}' is not known to the local Azure.",
            code="NamespaceNotFound",
            status=404,
        )
    return ns


def register_provider(cloud: Cloud, sub: str, namespace: str) -> dict[str, Any]:
    """POST …/register: Registering now, Registered after a short clock time."""
    ns = require_known_namespace(namespace)
    if provider_state(cloud, sub, ns) != "Registered":
        ready = cloud.now() + cloud.provisioning_seconds(f"{ns}/register")
        set_provider_state(cloud, sub, ns, "Registering", ready)
    return provider_body(cloud, sub, ns)


def unregister_provider(cloud: Cloud, sub: str, namespace: str) -> dict[str, Any]:
    ns = require_known_namespace(namespace)
    if ns.lower() not in catalog.ALWAYS_REGISTERED:
        ready = cloud.now() + cloud.provisioning_seconds(f"{ns}/register")
        set_provider_state(cloud, sub, ns, "Unregistering", ready)
    return provider_body(cloud, sub, ns)


def require_registered(cloud: Cloud, sub: str, type_name: str) -> None:
    """409 MissingSubscriptionRegistration unless the type's namespace is Registered."""
    namespace = type_name.split("/")[0]
    ns = catalog.canonical_namespace(namespace) or namespace
    if provider_state(cloud, sub, ns) != "Registered":
        raise missing_registration(ns)


# -- resource groups --------------------------------------------------------------------------
_GROUP_NAME = re.compile(r"^[-\w._()]{1,90}$")


def group_id(sub: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{name}"


def find_group(cloud: Cloud, sub: str, name: str) -> dict[str, Any] | None:
    return cloud.store.resource_get(group_id(sub, name))


def get_group(cloud: Cloud, sub: str, name: str) -> dict[str, Any]:
    require_subscription(cloud, sub)
    group = find_group(cloud, sub, name)
    if group is None:
        raise ResourceGroupNotFound(name)
    return group


def group_of(cloud: Cloud, resource_id: str) -> dict[str, Any]:
    """The group a resource id lives in: 404 SubscriptionNotFound, then ResourceGroupNotFound."""
    parts = resource_id.strip("/").split("/")
    return get_group(cloud, parts[1], parts[3])


def require_group_writable(cloud: Cloud, sub: str, name: str) -> dict[str, Any]:
    """The group, refusing writes into one that is being deleted."""
    group = get_group(cloud, sub, name)
    if group["properties"].get("provisioningState") == "Deleting":
        raise ResourceGroupBeingDeleted(group["name"])
    return group


def create_or_update_group(
    cloud: Cloud, sub: str, name: str, body: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """PUT a resource group; returns (group, created)."""
    require_subscription(cloud, sub)
    if not _GROUP_NAME.match(name) or name.endswith("."):
        raise InvalidResourceGroupName(name)
    location = _group_location(body)
    existing = find_group(cloud, sub, name)
    if existing is not None:
        if existing["properties"].get("provisioningState") == "Deleting":
            raise ResourceGroupBeingDeleted(existing["name"])
        if existing["location"] != location:
            raise InvalidResourceGroupLocation(location, existing["location"])
    group = {
        "id": existing["id"] if existing else group_id(sub, name),
        "name": existing["name"] if existing else name,
        "type": GROUP_TYPE,
        "location": location,
        "tags": body.get("tags") or {},
        "properties": {"provisioningState": "Succeeded"},
    }
    if body.get("managedBy"):
        group["managedBy"] = body["managedBy"]
    cloud.store.resource_put(group)
    return group, existing is None


def _group_location(body: dict[str, Any]) -> str:
    raw = body.get("location")
    if not raw or not isinstance(raw, str):
        raise LocationRequired()
    location = catalog.normalize_location(raw)
    if not catalog.is_region(location):
        raise LocationNotAvailableForResourceGroup(raw, catalog.REGION_NAMES)
    return location


def update_group_tags(cloud: Cloud, sub: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    """PATCH a resource group: tags (replaced wholesale, as ARM does) and managedBy."""
    group = require_group_writable(cloud, sub, name)
    if "tags" in body:
        group["tags"] = body["tags"] or {}
    if "location" in body and catalog.normalize_location(body["location"]) != group["location"]:
        raise InvalidResourceGroupLocation(body["location"], group["location"])
    cloud.store.resource_put(group)
    return group


def delete_group(cloud: Cloud, sub: str, name: str) -> dict[str, Any]:
    """Start deleting a group and everything in it; returns the LRO operation."""
    from . import provisioning  # deferred: provisioning imports this module

    group = get_group(cloud, sub, name)
    seconds = cloud.provisioning_seconds(GROUP_TYPE)
    with cloud.store.tx():
        _cancel_group_deployments(cloud, sub, name)
        for res in list_group_resources(cloud, sub, name):
            provisioning.mark_deleting(cloud, res, seconds)
        provisioning.mark_deleting(cloud, group, seconds)
    return lro.start(
        cloud,
        kind="group-delete",
        subscription_id=sub,
        namespace="Microsoft.Resources",
        location=group["location"],
        target_id=group["id"],
        duration=seconds,
    )


def _cancel_group_deployments(cloud: Cloud, sub: str, name: str) -> None:
    from .deployments import forget_group  # deferred: deployments imports this module

    forget_group(cloud, sub, name)


def list_groups(cloud: Cloud, sub: str, flt: str = "") -> list[dict[str, Any]]:
    require_subscription(cloud, sub)
    groups = cloud.store.resource_list(sub, type_name=GROUP_TYPE)
    return apply_filter(groups, flt)


# -- listing resources -------------------------------------------------------------------------
def list_group_resources(cloud: Cloud, sub: str, name: str, flt: str = "") -> list[dict[str, Any]]:
    """Resources in a group (not the group itself), optionally ``$filter``-ed."""
    rows = cloud.store.resource_list(sub, resource_group=name)
    return apply_filter([r for r in rows if r["type"].lower() != GROUP_TYPE.lower()], flt)


def list_subscription_resources(cloud: Cloud, sub: str, flt: str = "") -> list[dict[str, Any]]:
    require_subscription(cloud, sub)
    rows = cloud.store.resource_list(sub)
    return apply_filter([r for r in rows if r["type"].lower() != GROUP_TYPE.lower()], flt)


_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)
_FIELDS = {"resourcetype", "tagname", "tagvalue", "name", "location", "resourcegroup"}


def parse_filter(flt: str) -> dict[str, str]:
    """``resourceType eq 'X' and tagName eq 'a' and tagValue eq 'b'`` -> {field: value}."""
    out: dict[str, str] = {}
    if not flt.strip():
        return out
    for clause in re.split(r"\s+and\s+", flt.strip(), flags=re.IGNORECASE):
        m = _CLAUSE.match(clause)
        if not m or m.group(1).lower() not in _FIELDS:
            raise InvalidFilterInQueryString(flt)
        out[m.group(1).lower()] = m.group(2).replace("''", "'")
    return out


def apply_filter(rows: list[dict[str, Any]], flt: str) -> list[dict[str, Any]]:
    wanted = parse_filter(flt)
    return [r for r in rows if _matches(r, wanted)]


def _matches(row: dict[str, Any], wanted: dict[str, str]) -> bool:
    tags = {k.lower(): v for k, v in (row.get("tags") or {}).items()}
    checks = {
        "resourcetype": lambda v: row["type"].lower() == v.lower(),
        "name": lambda v: row["name"].lower() == v.lower(),
        "resourcegroup": lambda v: row["id"].split("/")[4].lower() == v.lower(),
        "location": lambda v: row.get("location", "") == catalog.normalize_location(v),
        "tagname": lambda v: v.lower() in tags,
        "tagvalue": lambda v: (
            v in tags.values()
            if "tagname" not in wanted
            else tags.get(wanted["tagname"].lower()) == v
        ),
    }
    return all(checks[field](value) for field, value in wanted.items())


# -- generic long-running operations ----------------------------------------------------------
def find_operation(cloud: Cloud, sub: str, op_id: str) -> dict[str, Any]:
    """The operation settled against the clock; 404 OperationNotFound for an unknown id
    or one that another subscription started."""
    op = lro.get(cloud, op_id)
    if op is None or op["subscription_id"].lower() != sub.lower():
        raise OperationNotFound(op_id)
    return op


def operation_pending(op: dict[str, Any]) -> bool:
    """Still running: its result URL answers 202 until the operation is terminal."""
    return op["status"] not in lro.TERMINAL


def operation_result(op: dict[str, Any]) -> dict[str, Any] | None:
    """A terminal operation's result (None: it has no body); a failed one raises its error."""
    if op["status"] == "Failed":
        err = op.get("error") or {}
        raise ArmError(err.get("message", "The operation failed."), code=err.get("code"))
    return op.get("result")
