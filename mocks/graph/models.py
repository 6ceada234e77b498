"""Applications and service principals of the local tenant, as Microsoft Graph v1.0
shows them, in the SQLite store (``graph/applications``, ``graph/servicePrincipals``,
``graph/secrets``).

Simulated: create/list/get/update/delete of applications with the properties an app
registration needs (``displayName``, ``identifierUris``, ``signInAudience``, ``web``
{redirectUris, homePageUrl, logoutUrl, implicitGrantSettings}, ``publicClient``
{redirectUris}, ``spa``, ``isFallbackPublicClient``, ``requiredResourceAccess``,
``tags``, ``notes``, ``description``), ``addPassword``/``removePassword`` (the secret
is returned once; only its SHA-256 is kept, and Graph's ``hint``), service principals
for an application (create, list, get, delete; deleted with their application).
``$filter`` with ``eq`` on ``displayName``/``appId`` and ``identifierUris/any(x:x eq
'…')``. Tokens: audience ``https://graph.microsoft.com`` from the local Entra ID; the
bootstrap service principal may do everything (as with ``Application.ReadWrite.All``),
any other caller (a user's delegated token, a managed identity) gets 403
``Authorization_RequestDenied``.

Not simulated: ``$select``/``$top``/``$orderby``/``$count``/paging, key credentials,
federated credentials, owners, app roles and OAuth2 scopes definitions (accepted and
stored, not checked), consent and app role assignments, deleted-items restore, using an
added secret to sign in, exemptions from the identifier URI policy other than v2 tokens.

The identifier URI policy Microsoft turns on by default (Entra's "Restrictions on
identifier URIs"): a newly added ``identifierUris`` entry must contain the tenant ID, the
app ID or a verified domain of the tenant (here only its initial domain,
``Identity.tenant_domain``), in one of the documented secure patterns; else 400
``InvalidUniqueTenantIdentifierAsPerAppPolicy``. URIs already on the app are not checked
again; an app with ``api.requestedAccessTokenVersion`` 2 is exempt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import string
import uuid
from typing import TYPE_CHECKING, Any

import jwt

from mocks.core import tokens

from .exceptions import (
    Authorization_RequestDenied,
    InvalidAuthenticationToken,
    InvalidUniqueTenantIdentifierAsPerAppPolicy,
    Request_BadRequest,
    Request_MultipleObjectsWithSameKeyValue,
    Request_ResourceNotFound,
    Request_UnsupportedQuery,
)

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

APPS = "graph/applications"
SPS = "graph/servicePrincipals"
SECRETS = "graph/secrets"  # {app object id}/{keyId} -> sha256 of the secret text
GRAPH_AUDIENCES = (
    "https://graph.microsoft.com",
    "https://graph.microsoft.com/",
    "00000003-0000-0000-c000-000000000000",
)
SECRET_LIFETIME_DAYS = 730  # addPassword's default endDateTime: two years
SECRET_ALPHABET = string.ascii_letters + string.digits + "~.-_"

WRITABLE_APP = {
    "displayName",
    "identifierUris",
    "signInAudience",
    "web",
    "publicClient",
    "spa",
    "isFallbackPublicClient",
    "requiredResourceAccess",
    "tags",
    "notes",
    "description",
    "api",
    "appRoles",
    "optionalClaims",
    "info",
    "groupMembershipClaims",
}
SIGN_IN_AUDIENCES = (
    "AzureADMyOrg",
    "AzureADMultipleOrgs",
    "AzureADandPersonalMicrosoftAccount",
    "PersonalMicrosoftAccount",
)


def now_iso(cloud: Cloud) -> str:
    return dt.datetime.fromtimestamp(cloud.now(), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- authentication ---------------------------------------------------------------------
def authorize(cloud: Cloud, authorization: str) -> str:
    """Check a Graph bearer token; the caller's client id. Graph's 401/403 otherwise."""
    scheme, _, token = authorization.partition(" ")
    if not token.strip() or scheme.lower() != "bearer":
        raise InvalidAuthenticationToken("Access token is empty.")
    try:
        claims = jwt.decode(
            token.strip(),
            tokens.signing_key(cloud).public_key(),
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_aud": False, "verify_nbf": False},
        )
    except jwt.InvalidTokenError:
        raise InvalidAuthenticationToken("Access token validation failure.") from None
    if not isinstance(claims.get("exp"), int) or cloud.now() >= claims["exp"]:
        raise InvalidAuthenticationToken("Access token has expired or is not yet valid.")
    if claims.get("aud") not in GRAPH_AUDIENCES:
        raise InvalidAuthenticationToken("Access token validation failure. Invalid audience.")
    if claims.get("tid") != cloud.identity.tenant_id:
        raise InvalidAuthenticationToken("Access token validation failure.")
    client_id = str(claims.get("appid", ""))
    if claims.get("idtyp") == "user" or client_id.lower() != cloud.identity.client_id.lower():
        raise Authorization_RequestDenied()
    return client_id


# -- validation -------------------------------------------------------------------------
def _bad_property(name: str) -> Request_BadRequest:
    return Request_BadRequest(
        f"Property '{name}' does not exist as a declared property or extension property."
    )


def _absolute_uri(value: Any) -> bool:
    return (
        isinstance(value, str) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$", value) is not None
    )


def _check_uris(name: str, values: Any) -> list[str]:
    if not isinstance(values, list) or not all(_absolute_uri(v) for v in values):
        raise Request_BadRequest(
            f"Invalid value specified for property '{name}' of resource 'Application'."
        )
    return list(values)


def _check_app_body(cloud: Cloud, body: dict[str, Any], own_id: str | None) -> dict[str, Any]:
    for name in body:
        if name.startswith("@odata."):
            continue
        if name not in WRITABLE_APP:
            if name in (
                "id",
                "appId",
                "createdDateTime",
                "passwordCredentials",
                "keyCredentials",
                "publisherDomain",
            ):
                raise Request_BadRequest(f"Property '{name}' is read-only and cannot be set.")
            raise _bad_property(name)
    out = {k: v for k, v in body.items() if not k.startswith("@odata.")}
    if "displayName" in out and (
        not isinstance(out["displayName"], str) or not out["displayName"].strip()
    ):
        raise Request_BadRequest(
            "Invalid value specified for property 'displayName' of resource 'Application'."
        )
    if "signInAudience" in out and out["signInAudience"] not in SIGN_IN_AUDIENCES:
        raise Request_BadRequest(
            "Invalid value specified for property 'signInAudience' of resource 'Application'."
        )
    if "identifierUris" in out:
        out["identifierUris"] = _check_uris("identifierUris", out["identifierUris"])
        _check_identifier_uris_free(cloud, out["identifierUris"], own_id)
    for section in ("web", "publicClient", "spa"):
        if section in out:
            out[section] = _check_section(section, out[section])
    if "requiredResourceAccess" in out:
        out["requiredResourceAccess"] = _check_required_access(out["requiredResourceAccess"])
    return out


def _check_section(section: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Request_BadRequest(
            f"Invalid value specified for property '{section}' of resource 'Application'."
        )
    if "redirectUris" in value:
        _check_uris(f"{section}.redirectUris", value["redirectUris"])
    return dict(value)


def _check_required_access(value: Any) -> list[dict[str, Any]]:
    message = (
        "Invalid value specified for property 'requiredResourceAccess' of resource 'Application'."
    )
    if not isinstance(value, list):
        raise Request_BadRequest(message)
    for entry in value:
        if not isinstance(entry, dict) or not _is_guid(entry.get("resourceAppId")):
            raise Request_BadRequest(message)
        for access in entry.get("resourceAccess") or []:
            if (
                not isinstance(access, dict)
                or not _is_guid(access.get("id"))
                or access.get("type") not in ("Scope", "Role")
            ):
                raise Request_BadRequest(message)
    return list(value)


def _is_guid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _check_identifier_uris_free(cloud: Cloud, uris: list[str], own_id: str | None) -> None:
    wanted = {u.lower() for u in uris}
    for key, app in cloud.store.doc_list(APPS):
        if key != (own_id or "").lower() and wanted & {
            u.lower() for u in app.get("identifierUris", [])
        }:
            raise Request_BadRequest(
                "Another object with the same value for property identifierUris already exists.",
                details=[{"code": "ObjectConflict", "target": "identifierUris"}],
            )


def _check_uri_policy(cloud: Cloud, app: dict[str, Any], before: tuple[str, ...]) -> None:
    """The default tenant policy on newly added identifier URIs (module docstring)."""
    if (app.get("api") or {}).get("requestedAccessTokenVersion") == 2:
        return
    known = {u.lower() for u in before}
    for uri in app.get("identifierUris") or []:
        if uri.lower() not in known and not _secure_uri(
            uri, cloud.identity.tenant_id, app["appId"], (cloud.identity.tenant_domain,)
        ):
            raise InvalidUniqueTenantIdentifierAsPerAppPolicy(uri)


def _secure_uri(uri: str, tenant_id: str, app_id: str, domains: tuple[str, ...]) -> bool:
    """One of the secure patterns: api://<appId>, api://<tenantId>/<appId>,
    api://<tenantId>/<string>, api://<string>/<appId>, https://<initial domain>/<string>,
    https://<verified domain>/<string>, https://<string>.<verified domain>[/<string>],
    api://<verified domain or initial domain>/<string>, and (Graph's
    identifierUriConfiguration) {scheme}://<string>/<tenantId or appId>."""
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    path = [p for p in parts.path.split("/") if p]
    ids = {tenant_id.lower(), app_id.lower()}
    if path and path[-1].lower() in ids:
        return True
    on_domain = [d for d in (x.lower() for x in domains) if host == d or host.endswith("." + d)]
    if scheme == "api":
        return (
            host == app_id.lower()
            or (host == tenant_id.lower() and bool(path))
            or (bool(on_domain) and bool(path))
        )
    if scheme == "https":
        return any(host != d or path for d in on_domain)
    return False


# -- applications -----------------------------------------------------------------------
def _new_application(cloud: Cloud, body: dict[str, Any]) -> dict[str, Any]:
    """Graph's defaults for a new application, with ``body`` merged in (objects such as
    ``web`` merged key by key, so unsent keys keep their defaults)."""
    return _merged(_defaults(cloud), body)


def _merged(app: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    out = dict(app)
    for key, value in body.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def _defaults(cloud: Cloud) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "appId": str(uuid.uuid4()),
        "createdDateTime": now_iso(cloud),
        "deletedDateTime": None,
        "displayName": None,
        "description": None,
        "notes": None,
        "identifierUris": [],
        "isFallbackPublicClient": None,
        "publisherDomain": cloud.identity.tenant_domain,
        "signInAudience": "AzureADMyOrg",
        "tags": [],
        "api": {
            "requestedAccessTokenVersion": None,
            "oauth2PermissionScopes": [],
            "preAuthorizedApplications": [],
        },
        "appRoles": [],
        "info": {},
        "keyCredentials": [],
        "passwordCredentials": [],
        "publicClient": {"redirectUris": []},
        "requiredResourceAccess": [],
        "spa": {"redirectUris": []},
        "web": {
            "homePageUrl": None,
            "logoutUrl": None,
            "redirectUris": [],
            "implicitGrantSettings": {
                "enableAccessTokenIssuance": False,
                "enableIdTokenIssuance": False,
            },
        },
    }


def create_application(cloud: Cloud, body: dict[str, Any]) -> dict[str, Any]:
    with cloud.store.tx():
        checked = _check_app_body(cloud, body, None)
        if not checked.get("displayName"):
            raise Request_BadRequest("Property 'displayName' is required.")  # docs: required
        app = _new_application(cloud, checked)
        _check_uri_policy(cloud, app, ())
        cloud.store.doc_put(APPS, app["id"], app)
    return app


def get_application(cloud: Cloud, object_id: str) -> dict[str, Any]:
    app = cloud.store.doc_get(APPS, object_id)
    if app is None:
        raise Request_ResourceNotFound(object_id)
    return dict(app)


def application_by_app_id(cloud: Cloud, app_id: str) -> dict[str, Any]:
    for _, app in cloud.store.doc_list(APPS):
        if app["appId"].lower() == app_id.lower():
            return dict(app)
    raise Request_ResourceNotFound(app_id)


def list_applications(cloud: Cloud, odata_filter: str) -> list[dict[str, Any]]:
    apps = [app for _, app in cloud.store.doc_list(APPS)]
    return _filtered(apps, odata_filter, "Application", ("displayName", "appId"), True)


def update_application(cloud: Cloud, object_id: str, body: dict[str, Any]) -> dict[str, Any]:
    with cloud.store.tx():
        app = get_application(cloud, object_id)
        before = tuple(app.get("identifierUris") or ())
        app = _merged(app, _check_app_body(cloud, body, app["id"]))
        _check_uri_policy(cloud, app, before)
        cloud.store.doc_put(APPS, app["id"], app)
    return app


def delete_application(cloud: Cloud, object_id: str) -> None:
    """Delete the application, its secrets and its service principal in this tenant."""
    with cloud.store.tx():
        app = get_application(cloud, object_id)
        cloud.store.doc_delete(APPS, app["id"])
        for key, _ in cloud.store.doc_list(SECRETS, app["id"] + "/"):
            cloud.store.doc_delete(SECRETS, key)
        for key, sp in cloud.store.doc_list(SPS):
            if sp["appId"] == app["appId"]:
                cloud.store.doc_delete(SPS, key)


def _hint(secret: str) -> str:
    return secret[:3]


def new_secret_text() -> str:
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(40))


def _parse_time(name: str, value: Any) -> str:
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Request_BadRequest(
            f"Invalid value specified for property '{name}' of resource 'PasswordCredential'."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_password(cloud: Cloud, object_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """``addPassword``: a new secret; the answer is the only place its text appears."""
    credential = body.get("passwordCredential") or {}
    if not isinstance(credential, dict):
        raise Request_BadRequest("Invalid value specified for property 'passwordCredential'.")
    start = (
        _parse_time("startDateTime", credential["startDateTime"])
        if credential.get("startDateTime")
        else now_iso(cloud)
    )
    start_epoch = dt.datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp()
    default_end = dt.datetime.fromtimestamp(start_epoch, dt.UTC) + dt.timedelta(
        days=SECRET_LIFETIME_DAYS
    )
    end = (
        _parse_time("endDateTime", credential["endDateTime"])
        if credential.get("endDateTime")
        else default_end.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    if end <= start:
        raise Request_BadRequest(
            "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'."
        )
    text = new_secret_text()
    kept = {
        "customKeyIdentifier": None,
        "displayName": credential.get("displayName"),
        "endDateTime": end,
        "hint": _hint(text),
        "keyId": str(uuid.uuid4()),
        "secretText": None,
        "startDateTime": start,
    }
    with cloud.store.tx():
        app = get_application(cloud, object_id)
        app["passwordCredentials"] = [*app["passwordCredentials"], kept]
        cloud.store.doc_put(APPS, app["id"], app)
        cloud.store.doc_put(
            SECRETS, f"{app['id']}/{kept['keyId']}", hashlib.sha256(text.encode()).hexdigest()
        )
    return {**kept, "secretText": text}


def remove_password(cloud: Cloud, object_id: str, body: dict[str, Any]) -> None:
    key_id = str(body.get("keyId", ""))
    if not _is_guid(key_id):
        raise Request_BadRequest(
            "Invalid value specified for property 'keyId' of resource 'PasswordCredential'."
        )
    with cloud.store.tx():
        app = get_application(cloud, object_id)
        kept = [c for c in app["passwordCredentials"] if c["keyId"].lower() != key_id.lower()]
        if len(kept) == len(app["passwordCredentials"]):
            raise Request_BadRequest(f"No password credential found with keyId '{key_id}'.")
        app["passwordCredentials"] = kept
        cloud.store.doc_put(APPS, app["id"], app)
        cloud.store.doc_delete(SECRETS, f"{app['id']}/{key_id}")


def set_password_dates(
    cloud: Cloud, app_ref: str, key_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Control API: move a password credential's ``endDateTime`` (and ``startDateTime``),
    e.g. into the past, for expiry checks. ``app_ref`` is the object id or the appId."""
    with cloud.store.tx():
        app = _app_by_any_id(cloud, app_ref)
        for credential in app["passwordCredentials"]:
            if credential["keyId"].lower() == key_id.lower():
                for name in ("startDateTime", "endDateTime"):
                    if body.get(name):
                        credential[name] = _parse_time(name, body[name])
                cloud.store.doc_put(APPS, app["id"], app)
                return dict(credential)
    raise Request_ResourceNotFound(key_id)


def _app_by_any_id(cloud: Cloud, ref: str) -> dict[str, Any]:
    app = cloud.store.doc_get(APPS, ref)
    return dict(app) if app is not None else application_by_app_id(cloud, ref)


# -- service principals -------------------------------------------------------------------
def create_service_principal(cloud: Cloud, body: dict[str, Any]) -> dict[str, Any]:
    app_id = str(body.get("appId", ""))
    for name in body:
        if name not in (
            "appId",
            "accountEnabled",
            "tags",
            "notes",
            "description",
            "appRoleAssignmentRequired",
        ) and not name.startswith("@odata."):
            raise _bad_property(name)
    with cloud.store.tx():
        try:
            app = application_by_app_id(cloud, app_id)
        except Request_ResourceNotFound:
            raise Request_BadRequest(
                f"The appId '{app_id}' of the service principal does not reference a valid "
                "application object."
            ) from None
        if any(sp["appId"] == app["appId"] for _, sp in cloud.store.doc_list(SPS)):
            raise Request_MultipleObjectsWithSameKeyValue(
                "The service principal cannot be created, updated, or restored because the service "
                f"principal name {app['appId']} is already in use."
            )
        sp = {
            "id": str(uuid.uuid4()),
            "appId": app["appId"],
            "displayName": app["displayName"],
            "appDisplayName": app["displayName"],
            "appOwnerOrganizationId": cloud.identity.tenant_id,
            "accountEnabled": bool(body.get("accountEnabled", True)),
            "appRoleAssignmentRequired": bool(body.get("appRoleAssignmentRequired", False)),
            "servicePrincipalNames": [app["appId"], *app.get("identifierUris", [])],
            "servicePrincipalType": "Application",
            "signInAudience": app.get("signInAudience", "AzureADMyOrg"),
            "tags": list(body.get("tags") or []),
            "notes": body.get("notes"),
            "description": body.get("description"),
            "deletedDateTime": None,
            "passwordCredentials": [],
            "keyCredentials": [],
        }
        cloud.store.doc_put(SPS, sp["id"], sp)
    return sp


def get_service_principal(cloud: Cloud, object_id: str) -> dict[str, Any]:
    sp = cloud.store.doc_get(SPS, object_id)
    if sp is None:
        raise Request_ResourceNotFound(object_id)
    return dict(sp)


def list_service_principals(cloud: Cloud, odata_filter: str) -> list[dict[str, Any]]:
    sps = [sp for _, sp in cloud.store.doc_list(SPS)]
    return _filtered(sps, odata_filter, "ServicePrincipal", ("displayName", "appId"), False)


def delete_service_principal(cloud: Cloud, object_id: str) -> None:
    with cloud.store.tx():
        get_service_principal(cloud, object_id)
        cloud.store.doc_delete(SPS, object_id)


# -- $filter ------------------------------------------------------------------------------
_EQ = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$")
_ANY = re.compile(r"^\s*identifierUris/any\(\s*(\w+)\s*:\s*\1\s+eq\s+'((?:[^']|'')*)'\s*\)\s*$")


def _filtered(
    items: list[dict[str, Any]],
    odata_filter: str,
    resource: str,
    eq_props: tuple[str, ...],
    uris: bool,
) -> list[dict[str, Any]]:
    if not odata_filter:
        return items
    eq = _EQ.match(odata_filter)
    if eq and eq.group(1) in eq_props:
        value = eq.group(2).replace("''", "'")
        return [i for i in items if str(i.get(eq.group(1)) or "").lower() == value.lower()]
    any_match = _ANY.match(odata_filter) if uris else None
    if any_match:
        value = any_match.group(2).replace("''", "'").lower()
        return [i for i in items if value in {u.lower() for u in i.get("identifierUris", [])}]
    prop = eq.group(1) if eq else odata_filter.strip().split(" ")[0].split("/")[0]
    raise Request_UnsupportedQuery(
        "Unsupported or invalid query filter clause specified for property "
        f"'{prop}' of resource '{resource}'."
    )
