"""Microsoft.KeyVault/vaults and vaults/secrets (management plane) in the local Azure.

Simulated: vault name rules, global uniqueness (``names/keyvault``) including names
held by soft-deleted vaults, ``vaultUri``, ``checkNameAvailability``, soft delete (a
deleted vault is listed under ``deletedVaults`` and holds its name; a PUT of that name
from the same subscription is 409 ``ConflictError`` unless ``createMode: recover``,
from another one 409 ``VaultAlreadyExists``), purge (202 + ``Location``; 405
``MethodNotAllowed`` with ``enablePurgeProtection``), and secrets created through
ARM: the value is kept (document collection ``keyvault/secrets``) but never
returned, ``secretUri``/``secretUriWithVersion`` are filled and a new version is made
only when the value changes.

Simplifications (documented in COVERAGE.md): a recovered vault takes the PUT's
properties (Azure restores the deleted vault's own, then applies the PUT); a purge
frees the name at once (Azure: when the operation ends); soft-deleted vaults are
never purged by time.  Not simulated: the data plane
(``https://{vault}.vault.azure.net``), access policies or RBAC enforcement, network
ACLs, keys and certificates objects, ``SoftDeletedVaultDoesNotExist`` (a recover with
nothing deleted simply creates the vault).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import TYPE_CHECKING, Any

from mocks.core import lro, tokens
from mocks.core.errors import ArmError, UnsupportedOperation
from mocks.core.registry import ResourceType, resource_type
from mocks.storage import reservations
from mocks.storage.models import iso_time

from .exceptions import (
    BadParameter,
    BadRequest,
    ConflictError,
    DeletedVaultNotFound,
    Forbidden,
    LocalAzureVaultNotFound,
    MethodNotAllowed,
    ParentResourceNotFound,
    SecretNotFound,
    Unauthorized,
    VaultAlreadyExists,
    VaultNameNotValid,
)

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

NAMES = "names/keyvault"
# name -> {id, subscription, location, deletionDate, scheduledPurgeDate, tags,
# purgeProtectionEnabled}
DELETED = "keyvault/deleted"
SECRETS = "keyvault/secrets"  # secret id -> {versions: [{version, digest, value, created}]}
KEYVAULT_SUFFIX = ".vault.azure.net"  # the public cloud's Key Vault DNS suffix
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$")


def name_is_valid(name: str) -> bool:
    return bool(_NAME_RE.match(name)) and "--" not in name


def vault_uri(name: str) -> str:
    return f"https://{name.lower()}{KEYVAULT_SUFFIX}/"


def _subscription(rid: str) -> str:
    return rid.strip("/").split("/")[1].lower()


def name_taken(cloud: Cloud, name: str, rid: str) -> bool:
    """True when another live vault or another subscription's deleted vault holds it."""
    owner = reservations.owner_of(cloud, NAMES, name)
    if owner is not None:
        return owner.lower() != rid.lower()
    deleted = cloud.store.doc_get(DELETED, name.lower())
    return bool(deleted) and deleted["subscription"] != _subscription(rid)


def _claim(cloud: Cloud, name: str, rid: str, create_mode: str) -> None:
    """Reserve ``name`` for ``rid``; a soft-deleted vault of the same subscription
    holding it is recovered with ``createMode: recover``, else the PUT conflicts."""
    if name_taken(cloud, name, rid):
        raise VaultAlreadyExists(name)
    live = reservations.owner_of(cloud, NAMES, name) is not None
    if not live and cloud.store.doc_get(DELETED, name.lower()):
        if create_mode.lower() != "recover":
            raise ConflictError()
        cloud.store.doc_delete(DELETED, name.lower())
    reservations.reserve(cloud, NAMES, name, rid)


def check_name_availability(cloud: Cloud, name: str) -> dict[str, Any]:
    """The body of ``POST …/Microsoft.KeyVault/checkNameAvailability``."""
    if not name_is_valid(name):
        return {
            "nameAvailable": False,
            "reason": "AccountNameInvalid",
            "message": VaultNameNotValid(name).message,
        }
    held = reservations.owner_of(cloud, NAMES, name) or cloud.store.doc_get(DELETED, name.lower())
    if held:
        return {
            "nameAvailable": False,
            "reason": "AlreadyExists",
            "message": f"The vault name '{name}' is already in use.",
        }
    return {"nameAvailable": True}


def _vault_properties(cloud: Cloud, body: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {
        "sku": {"family": "A", "name": "standard"},
        "accessPolicies": [],
        "enabledForDeployment": False,
        "enabledForDiskEncryption": False,
        "enabledForTemplateDeployment": False,
        "enableSoftDelete": True,
        "softDeleteRetentionInDays": 90,
        "enableRbacAuthorization": False,
        "publicNetworkAccess": "Enabled",
    }
    identity = getattr(cloud, "identity", None)
    if identity is not None:
        props["tenantId"] = identity.tenant_id
    props.update(body.get("properties") or {})
    props.pop("createMode", None)  # a request-only property
    props["vaultUri"] = vault_uri(body["name"])
    return props


@resource_type
class Vault(ResourceType):
    """A key vault: name rules, global uniqueness with soft delete, ``vaultUri``."""

    type_name = "Microsoft.KeyVault/vaults"

    def normalize(
        self, cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        name = body["name"]
        if not name_is_valid(name):
            raise VaultNameNotValid(name)
        create_mode = str((body.get("properties") or {}).get("createMode") or "default")
        body["properties"] = _vault_properties(cloud, body)
        with cloud.store.tx():
            _claim(cloud, name, rid, create_mode)
        return body

    def on_delete(self, cloud: Cloud, body: dict[str, Any]) -> None:
        with cloud.store.tx():
            reservations.release(cloud, NAMES, body["name"], body["id"])
            for secret in cloud.store.resource_list(
                _subscription(body["id"]), id_prefix=body["id"] + "/secrets/"
            ):
                cloud.store.resource_delete(secret["id"])
                cloud.store.doc_delete(SECRETS, secret["id"])
            for change in cloud.store.resource_list(
                _subscription(body["id"]), id_prefix=body["id"] + "/accessPolicies/"
            ):
                cloud.store.resource_delete(change["id"])
            if (body.get("properties") or {}).get("enableSoftDelete", True):
                cloud.store.doc_put(DELETED, body["name"].lower(), _deleted_record(cloud, body))


def _deleted_record(cloud: Cloud, body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("properties") or {}
    days = int(props.get("softDeleteRetentionInDays") or 90)
    return {
        "id": body["id"],
        "name": body["name"],
        "subscription": _subscription(body["id"]),
        "location": body.get("location", ""),
        "deletionDate": iso_time(cloud.now()),
        "scheduledPurgeDate": iso_time(cloud.now() + days * 86400.0),
        "tags": dict(body.get("tags") or {}),
        "purgeProtectionEnabled": bool(props.get("enablePurgeProtection")),
    }


def _deleted_vault(subscription: str, record: dict[str, Any]) -> dict[str, Any]:
    """ARM's ``DeletedVault`` body for a soft-deleted vault's record."""
    name = record.get("name") or record["id"].rstrip("/").split("/")[-1]
    location = record["location"]
    return {
        "id": f"/subscriptions/{subscription}/providers/Microsoft.KeyVault/locations/"
        f"{location}/deletedVaults/{name}",
        "name": name,
        "type": "Microsoft.KeyVault/deletedVaults",
        "properties": {
            "vaultId": record["id"],
            "location": location,
            "deletionDate": record["deletionDate"],
            "scheduledPurgeDate": record.get("scheduledPurgeDate"),
            "tags": record.get("tags") or {},
            "purgeProtectionEnabled": bool(record.get("purgeProtectionEnabled")),
        },
    }


def list_deleted_vaults(cloud: Cloud, subscription: str) -> list[dict[str, Any]]:
    """``GET /subscriptions/{s}/providers/Microsoft.KeyVault/deletedVaults`` (value)."""
    return [
        _deleted_vault(subscription, record)
        for _, record in cloud.store.doc_list(DELETED)
        if record["subscription"] == subscription.lower()
    ]


def _find_deleted(cloud: Cloud, subscription: str, location: str, name: str) -> dict[str, Any]:
    record = cloud.store.doc_get(DELETED, name.lower())
    where = location.replace(" ", "").lower()
    if (
        not record
        or record["subscription"] != subscription.lower()
        or str(record["location"]).replace(" ", "").lower() != where
    ):
        raise DeletedVaultNotFound(name, location)
    return dict(record)


def get_deleted_vault(cloud: Cloud, subscription: str, location: str, name: str) -> dict[str, Any]:
    """``GET …/locations/{loc}/deletedVaults/{name}``; 404 when not soft-deleted here."""
    return _deleted_vault(subscription, _find_deleted(cloud, subscription, location, name))


def purge_deleted_vault(
    cloud: Cloud, subscription: str, location: str, name: str
) -> dict[str, Any]:
    """``POST …/deletedVaults/{name}/purge``: forget the vault and free its name; returns
    the long-running operation (its ``Location`` is the caller's to poll)."""
    with cloud.store.tx():
        record = _find_deleted(cloud, subscription, location, name)
        if record.get("purgeProtectionEnabled"):
            raise MethodNotAllowed()
        cloud.store.doc_delete(DELETED, name.lower())
    return lro.start(
        cloud,
        kind="keyvault.purge",
        subscription_id=subscription,
        namespace="Microsoft.KeyVault",
        location=location,
        target_id=record["id"],
        duration=cloud.provisioning_seconds("Microsoft.KeyVault/vaults"),
    )


def parent_vault_id(secret_id: str) -> str:
    return secret_id.rsplit("/secrets/", 1)[0]


def _version_for(cloud: Cloud, rid: str, value: str | None) -> dict[str, Any]:
    """The secret's version for ``value``: the current one if unchanged, else a new one."""
    record = cloud.store.doc_get(SECRETS, rid) or {"versions": []}
    versions = record["versions"]
    if value is None and versions:
        return dict(versions[-1])
    digest = hashlib.sha256((value or "").encode()).hexdigest()
    if versions and versions[-1]["digest"] == digest:
        return dict(versions[-1])
    version = {
        "version": uuid.uuid4().hex,
        "digest": digest,
        "value": value or "",
        "created": cloud.now(),
    }
    versions.append(version)
    cloud.store.doc_put(SECRETS, rid, record)
    return version


def secret_exists(cloud: Cloud, vault_id: str, name: str, version: str | None) -> bool:
    """Whether the vault holds secret ``name`` (and that ``version`` of it, if given)."""
    record = cloud.store.doc_get(SECRETS, f"{vault_id}/secrets/{name}")
    if not record or cloud.store.resource_get(f"{vault_id}/secrets/{name}") is None:
        return False
    return version is None or any(v["version"] == version for v in record["versions"])


@resource_type
class Secret(ResourceType):
    """A secret created through ARM; its value is stored apart and never returned."""

    type_name = "Microsoft.KeyVault/vaults/secrets"

    def normalize(
        self, cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        vault = cloud.store.resource_get(parent_vault_id(rid))
        if vault is None:
            raise ParentResourceNotFound(parent_vault_id(rid))
        props = dict(body.get("properties") or {})
        version = _version_for(cloud, rid, props.pop("value", None))
        uri = f"{vault['properties']['vaultUri']}secrets/{rid.rsplit('/', 1)[-1]}"
        props.update(
            secretUri=uri,
            secretUriWithVersion=f"{uri}/{version['version']}",
            attributes=_attributes(version["created"], cloud.now(), props.get("attributes")),
        )
        body["properties"] = props
        body["location"] = vault.get("location", body.get("location", ""))
        return body

    def on_delete(self, cloud: Cloud, body: dict[str, Any]) -> None:
        cloud.store.doc_delete(SECRETS, body["id"])


def _attributes(created: float, now: float, given: dict[str, Any] | None) -> dict[str, Any]:
    attrs = {"enabled": True, "created": int(created), "updated": int(now)}
    attrs.update({k: v for k, v in (given or {}).items() if k in ("enabled", "nbf", "exp")})
    return attrs


# -- access policies ---------------------------------------------------------------------
POLICY_KINDS = ("add", "replace", "remove")
PERMISSION_KINDS = ("keys", "secrets", "certificates", "storage")


def _policy_key(policy: dict[str, Any]) -> tuple[str, str, str]:
    return (
        str(policy.get("tenantId", "")).lower(),
        str(policy.get("objectId", "")).lower(),
        str(policy.get("applicationId") or "").lower(),
    )


def _permissions(policy: dict[str, Any]) -> dict[str, list[str]]:
    perms = policy.get("permissions") or {}
    return {kind: [str(p) for p in perms.get(kind) or []] for kind in PERMISSION_KINDS}


def _merge_policies(
    current: list[dict[str, Any]], changes: list[dict[str, Any]], kind: str
) -> list[dict[str, Any]]:
    """``add`` unions the permissions of an identity's entry, ``replace`` sets them,
    ``remove`` takes them away (an entry left with none is dropped)."""
    out = [dict(p) for p in current]
    for change in changes:
        index = next((i for i, p in enumerate(out) if _policy_key(p) == _policy_key(change)), None)
        wanted = _permissions(change)
        if index is None:
            if kind != "remove":
                out.append({**change, "permissions": {k: v for k, v in wanted.items() if v}})
            continue
        have = _permissions(out[index])
        merged: dict[str, list[str]] = {}
        for perm in PERMISSION_KINDS:
            old = have[perm]
            new = wanted[perm]
            if kind == "add":
                merged[perm] = old + [p for p in new if p.lower() not in {o.lower() for o in old}]
            elif kind == "replace":
                merged[perm] = new
            else:
                merged[perm] = [p for p in old if p.lower() not in {n.lower() for n in new}]
        kept = {k: v for k, v in merged.items() if v}
        if kept:
            out[index] = {**out[index], "permissions": kept}
        else:
            out.pop(index)
    return out


def _check_policy_kind(name: str) -> str:
    kind = name.rsplit("/", 1)[-1].lower()
    if kind not in POLICY_KINDS:
        raise BadRequest(
            f"The access policy operation kind '{name.rsplit('/', 1)[-1]}' is invalid. "
            f"Allowed values are: {', '.join(POLICY_KINDS)}."
        )
    return kind


@resource_type
class VaultAccessPolicies(ResourceType):
    """``Microsoft.KeyVault/vaults/accessPolicies/{add|replace|remove}``: changes the
    parent vault's ``properties.accessPolicies``."""

    type_name = "Microsoft.KeyVault/vaults/accessPolicies"

    def normalize(
        self, cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        _check_policy_kind(rid)
        vault_id = rid.rsplit("/accessPolicies/", 1)[0]
        vault = cloud.store.resource_get(vault_id)
        if vault is None:
            raise ParentResourceNotFound(vault_id)
        props = body.get("properties") or {}
        policies = props.get("accessPolicies")
        if not isinstance(policies, list):
            raise BadRequest("The property 'properties.accessPolicies' is required.")
        body["properties"] = {"accessPolicies": policies}
        body["location"] = vault.get("location", body.get("location", ""))
        return body

    def after_put(self, cloud: Cloud, body: dict[str, Any], at: float | None = None) -> None:
        kind = _check_policy_kind(body["id"])
        vault_id = body["id"].rsplit("/accessPolicies/", 1)[0]
        with cloud.store.tx():
            vault = cloud.store.resource_get(vault_id)
            if vault is None:
                return
            props = vault.setdefault("properties", {})
            changes = body["properties"]["accessPolicies"]
            props["accessPolicies"] = _merge_policies(
                props.get("accessPolicies") or [], changes, kind
            )
            cloud.store.resource_put(vault)


# -- the data plane: secrets ---------------------------------------------------------------
DATA_AUDIENCES = ("https://vault.azure.net", "https://vault.azure.net/")
DATA_API_VERSIONS = ("7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01")


def find_vault_by_name(cloud: Cloud, name: str) -> dict[str, Any]:
    owner = reservations.owner_of(cloud, NAMES, name)
    vault = cloud.store.resource_get(owner) if owner else None
    if vault is None:
        raise LocalAzureVaultNotFound(name)
    return vault


def challenge(cloud: Cloud) -> str:
    """Key Vault's ``WWW-Authenticate`` answer: where to get a token and for what."""
    return (
        f'Bearer authorization="{cloud.base_url}/{cloud.identity.tenant_id}", '
        'resource="https://vault.azure.net"'
    )


def _caller(cloud: Cloud, authorization: str) -> dict[str, Any]:
    try:
        claims = tokens.verify_bearer(cloud, authorization)
    except ArmError as exc:
        raise Unauthorized(exc.message, headers={"WWW-Authenticate": challenge(cloud)}) from None
    if claims is None:
        raise Unauthorized(
            "AKV10000: Request is missing a Bearer or PoP token.",
            headers={"WWW-Authenticate": challenge(cloud)},
        )
    if claims.get("aud") not in DATA_AUDIENCES:
        raise Unauthorized(
            f"AKV10022: Invalid audience. Expected https://vault.azure.net, found: "
            f"{claims.get('aud')}.",
            headers={"WWW-Authenticate": challenge(cloud)},
        )
    return claims


def may(vault: dict[str, Any], claims: dict[str, Any], kind: str, permission: str) -> bool:
    """Whether an access policy of the vault grants ``permission`` on ``kind`` to the
    token's tenant and object (``applicationId``, when set, must be the token's app)."""
    for policy in (vault.get("properties") or {}).get("accessPolicies") or []:
        if str(policy.get("tenantId", "")).lower() != str(claims.get("tid", "")).lower():
            continue
        if str(policy.get("objectId", "")).lower() != str(claims.get("oid", "")).lower():
            continue
        app = policy.get("applicationId")
        if app and str(app).lower() != str(claims.get("appid", "")).lower():
            continue
        granted = {p.lower() for p in _permissions(policy)[kind]}
        if permission in granted or "all" in granted:
            return True
    return False


def get_secret_bundle(
    cloud: Cloud,
    vault_name: str,
    secret: str,
    version: str | None,
    api_version: str,
    authorization: str,
) -> dict[str, Any]:
    """``GET https://{vault}.vault.azure.net/secrets/{name}[/{version}]`` (SecretBundle)."""
    vault = find_vault_by_name(cloud, vault_name)
    claims = _caller(cloud, authorization)
    if api_version not in DATA_API_VERSIONS:
        raise BadParameter(
            f"The specified version ({api_version}) is not recognized. Supported versions: "
            f"{', '.join(DATA_API_VERSIONS)}."
        )
    props = vault.get("properties") or {}
    if props.get("enableRbacAuthorization"):
        raise UnsupportedOperation(
            f"The local Azure does not simulate Azure RBAC on key vault '{vault['name']}' "
            "(enableRbacAuthorization): use access policies."
        )
    if not may(vault, claims, "secrets", "get"):
        raise Forbidden(claims, "get", vault["name"], vault.get("location", ""))
    rid = f"{vault['id']}/secrets/{secret}"
    record = cloud.store.doc_get(SECRETS, rid)
    if not record or cloud.store.resource_get(rid) is None:
        raise SecretNotFound(secret)
    versions = record["versions"]
    chosen = (
        versions[-1]
        if not version
        else next((v for v in versions if v["version"] == version), None)
    )
    if chosen is None:
        raise SecretNotFound(f"{secret}/{version}")
    stored = cloud.store.resource_get(rid) or {}
    attrs = dict(((stored.get("properties") or {}).get("attributes")) or {})
    attrs.setdefault("enabled", True)
    attrs["created"] = int(chosen["created"])
    attrs.setdefault("updated", int(chosen["created"]))
    attrs["recoveryLevel"] = "Recoverable+Purgeable"
    attrs["recoverableDays"] = int(props.get("softDeleteRetentionInDays") or 90)
    body: dict[str, Any] = {
        "value": chosen["value"],
        "id": f"{props['vaultUri']}secrets/{secret}/{chosen['version']}",
        "attributes": attrs,
        "tags": dict(stored.get("tags") or {}),
    }
    content_type = (stored.get("properties") or {}).get("contentType")
    if content_type:
        body["contentType"] = content_type
    return body
