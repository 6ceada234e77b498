"""Entra ID behaviour: tenant discovery, the token endpoint, device code, managed identity.

One tenant (GUID or ``localazure.onmicrosoft.com``; ``common``/``organizations`` map
to it) with one confidential client, the service principal (secret and certificate).
Access tokens are signed by :mod:`mocks.core.tokens`; the audience is the scope
without ``/.default`` (a trailing slash kept as sent, so azure-cli's
``https://management.core.windows.net//.default`` gives ``…windows.net/``).

Not simulated: app registrations other than the service principal (any public client
id may run the device-code grant, which is approved automatically after
``config.device_code_delay`` seconds for the test user), consent, conditional access,
MFA, claims challenges, authorization-code and ROPC grants, token binding.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization

from mocks.core import bootstrap, tokens
from mocks.core.cloud import Cloud
from mocks.core.pki import load_pem_certificate

from .exceptions import (
    ApplicationNotFound,
    AuthorizationPending,
    ExpiredToken,
    InvalidClientAssertion,
    InvalidClientSecret,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    ManagedIdentityError,
    MissingClientCredential,
    TenantNotFound,
    UnsupportedGrantType,
)

DEVICE_CODES = "entra/devicecodes"
REFRESH_TOKENS = "entra/refreshtokens"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
OIDC_SCOPES = {"openid", "profile", "offline_access", "email"}
DEVICE_CODE_LIFETIME = 900
TEST_USER = "testuser"


# -- tenants and discovery ------------------------------------------------------------
def resolve_tenant(cloud: Cloud, tenant: str) -> str:
    """Our tenant GUID for any of its names; AADSTS90002 for anything else."""
    ident = cloud.identity
    if tenant.lower() in {ident.tenant_id.lower(), ident.tenant_domain, "organizations", "common"}:
        return ident.tenant_id
    raise TenantNotFound(
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
        "and are signing into the correct cloud."
    )


def openid_configuration(cloud: Cloud, base: str, tenant: str) -> dict[str, Any]:
    tenant_id = resolve_tenant(cloud, tenant)
    root = f"{base}/{tenant}"
    return {
        "issuer": f"{base}/{tenant_id}/v2.0",
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
        "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
        "jwks_uri": f"{root}/discovery/v2.0/keys",
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "grant_types_supported": ["client_credentials", DEVICE_CODE_GRANT, "refresh_token"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid"],
        "tenant_region_scope": "NA",
        "cloud_instance_name": "localazure",
    }


def jwks(cloud: Cloud, tenant: str) -> dict[str, Any]:
    resolve_tenant(cloud, tenant)
    return tokens.jwks(cloud)


# -- token endpoint ---------------------------------------------------------------------
def token(cloud: Cloud, base: str, tenant: str, form: dict[str, str]) -> dict[str, Any]:
    """POST /{tenant}/oauth2/v2.0/token for the supported grants."""
    resolve_tenant(cloud, tenant)
    grant = _required(form, "grant_type")
    if grant == "client_credentials":
        return client_credentials(cloud, base, tenant, form)
    if grant == DEVICE_CODE_GRANT:
        return redeem_device_code(cloud, form)
    if grant == "refresh_token":
        return redeem_refresh_token(cloud, form)
    raise UnsupportedGrantType(
        f"The provided value for the input parameter 'grant_type' ({grant}) is not valid."
    )


def _required(form: dict[str, str], name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise InvalidRequest(f"The request body must contain the following parameter: '{name}'.")
    return value


def audience_for(scope: str, *, require_default: bool) -> str:
    """The resource a scope names: ``X/.default`` → ``X`` (``X/.default`` only, for apps)."""
    resources = [s for s in scope.split() if s not in OIDC_SCOPES]
    if not resources:
        raise InvalidScope(
            f"The provided value '{scope}' for the input parameter 'scope' is not valid."
        )
    first = resources[0]
    if first.endswith("/.default"):
        return first[: -len("/.default")]
    if require_default:
        raise InvalidScope(
            f"The provided value for scope {first} is not valid. Client credential flows "
            "must have a scope value with /.default suffixed to the resource identifier "
            "(application ID URI)."
        )
    return first.rsplit("/", 1)[0] if "/" in first.split("//", 1)[-1] else first


def client_credentials(
    cloud: Cloud, base: str, tenant: str, form: dict[str, str]
) -> dict[str, Any]:
    client_id = _required(form, "client_id")
    audience = audience_for(_required(form, "scope"), require_default=True)
    ident = cloud.identity
    if client_id.lower() != ident.client_id.lower():
        raise ApplicationNotFound(
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{ident.tenant_id}'. This can happen if the application has not been installed "
            "by the administrator of the tenant or consented to by any user in the tenant."
        )
    if form.get("client_secret"):
        _check_secret(cloud, form["client_secret"])
    elif form.get("client_assertion"):
        check_assertion(cloud, form, token_endpoints(cloud, base, tenant))
    else:
        raise MissingClientCredential(
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'."
        )
    access, expires_in = tokens.issue(cloud, audience, ident.client_id, extra={"idtyp": "app"})
    return _token_body(access, expires_in)


def _token_body(access: str, expires_in: int) -> dict[str, Any]:
    return {
        "token_type": "Bearer",
        "expires_in": expires_in,
        "ext_expires_in": expires_in,
        "access_token": access,
    }


def _check_secret(cloud: Cloud, secret: str) -> None:
    expected = cloud.identity.client_secret
    if not hmac.compare_digest(secret.encode(), expected.encode()):
        raise InvalidClientSecret(
            "Invalid client secret provided. Ensure the secret being sent in the request is "
            "the client secret value, not the client secret ID, for a secret added to app "
            f"'{cloud.identity.client_id}'."
        )


def token_endpoints(cloud: Cloud, base: str, tenant: str) -> list[str]:
    """Every token endpoint URL a client may have put in its assertion's ``aud``."""
    names = {tenant, cloud.identity.tenant_id, cloud.identity.tenant_domain}
    bases = {base, cloud.base_url}
    return sorted(f"{b}/{n}/oauth2/v2.0/token" for b in bases for n in names)


def check_assertion(cloud: Cloud, form: dict[str, str], audiences: list[str]) -> None:
    """Verify a certificate credential's JWT: key, signature, aud, iss/sub, exp."""
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise InvalidClientAssertion(f"The client_assertion_type must be '{ASSERTION_TYPE}'.")
    assertion = form["client_assertion"]
    cert = load_pem_certificate(Path(cloud.identity.client_certificate))
    header = _assertion_header(assertion)
    _check_key_reference(header, cert.public_bytes(serialization.Encoding.DER))
    try:
        claims = jwt.decode(
            assertion,
            cert.public_key(),  # type: ignore[arg-type]
            algorithms=["RS256", "PS256"],
            audience=audiences,
            options={"require": ["exp", "aud", "iss", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise InvalidClientAssertion("Client assertion is expired.") from None
    except jwt.InvalidAudienceError:
        raise InvalidClientAssertion(
            "Client assertion audience claim does not match Realm issuer."
        ) from None
    except jwt.InvalidTokenError as exc:
        raise InvalidClientAssertion(
            f"Client assertion failed signature validation ({type(exc).__name__})."
        ) from None
    client_id = cloud.identity.client_id
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise InvalidClientAssertion("Client assertion issuer and subject must be the client id.")


def _assertion_header(assertion: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.InvalidTokenError:
        raise InvalidClientAssertion("Client assertion is not a valid JWT.") from None
    if header.get("alg") not in ("RS256", "PS256"):
        raise InvalidClientAssertion(
            f"Client assertion algorithm '{header.get('alg')}' is not supported."
        )
    return header


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _check_key_reference(header: dict[str, Any], der: bytes) -> None:
    """x5t / x5t#S256, when sent, must name the registered certificate."""
    expected = {
        "x5t": _b64u(hashlib.sha1(der).digest()),
        "x5t#S256": _b64u(hashlib.sha256(der).digest()),
    }
    for name, value in expected.items():
        sent = header.get(name)
        if sent is not None and str(sent).rstrip("=") != value:
            raise InvalidClientAssertion(
                "Client assertion contains an invalid signature. [Reason - The key was not "
                f"found., Thumbprint of key used by client: '{sent}']"
            )


# -- device code and user tokens -------------------------------------------------------
def start_device_code(cloud: Cloud, base: str, tenant: str, form: dict[str, str]) -> dict[str, Any]:
    """POST /{tenant}/oauth2/v2.0/devicecode: a code the test user approves by itself."""
    resolve_tenant(cloud, tenant)
    client_id = _required(form, "client_id")
    scope = _required(form, "scope")
    audience_for(scope, require_default=False)
    device_code = secrets.token_urlsafe(32)
    user_code = secrets.token_hex(4).upper()
    cloud.store.doc_put(
        DEVICE_CODES,
        _digest(device_code),
        {"client_id": client_id, "scope": scope, "created": cloud.now()},
    )
    uri = f"{base}/devicelogin"
    return {
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": uri,
        "expires_in": DEVICE_CODE_LIFETIME,
        "interval": 1,
        "message": (
            f"To sign in, use a web browser to open the page {uri} and enter the code "
            f"{user_code} to authenticate."
        ),
    }


def _digest(secret: str) -> str:
    # Device codes and refresh tokens are stored by hash: the store never holds them.
    return hashlib.sha256(secret.encode()).hexdigest()


def redeem_device_code(cloud: Cloud, form: dict[str, str]) -> dict[str, Any]:
    key = _digest(_required(form, "device_code"))
    record = cloud.store.doc_get(DEVICE_CODES, key)
    if record is None or record["client_id"] != form.get("client_id"):
        raise InvalidGrant("The provided value for the 'device_code' is not valid.")
    age = cloud.now() - record["created"]
    if age >= DEVICE_CODE_LIFETIME:
        cloud.store.doc_delete(DEVICE_CODES, key)
        raise ExpiredToken(
            "The provided value for the input parameter 'device_code' is not valid. "
            "This device code has expired."
        )
    if age < float(cloud.config.device_code_delay):
        raise AuthorizationPending(
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling."
        )
    cloud.store.doc_delete(DEVICE_CODES, key)
    return user_tokens(cloud, record["client_id"], form.get("scope") or record["scope"])


def redeem_refresh_token(cloud: Cloud, form: dict[str, str]) -> dict[str, Any]:
    record = cloud.store.doc_get(REFRESH_TOKENS, _digest(_required(form, "refresh_token")))
    if record is None or record["client_id"] != form.get("client_id"):
        raise InvalidGrant("The refresh token is invalid or was issued to another client.")
    return user_tokens(cloud, record["client_id"], _required(form, "scope"))


def user_tokens(cloud: Cloud, client_id: str, scope: str) -> dict[str, Any]:
    """Access, id and refresh tokens (and client_info) for the test user."""
    record = bootstrap.identity_record(cloud)
    oid, tid = record["user_object_id"], cloud.identity.tenant_id
    upn = f"{TEST_USER}@{cloud.identity.tenant_domain}"
    audience = audience_for(scope, require_default=False)
    access, expires_in = tokens.issue(
        cloud,
        audience,
        client_id,
        object_id=oid,
        extra={"idtyp": "user", "upn": upn, "name": "Test User", "scp": "user_impersonation"},
    )
    refresh = secrets.token_urlsafe(48)
    cloud.store.doc_put(REFRESH_TOKENS, _digest(refresh), {"client_id": client_id})
    body = _token_body(access, expires_in)
    body.update(
        scope=" ".join(s for s in scope.split()),
        refresh_token=refresh,
        id_token=_id_token(cloud, client_id, oid, upn),
        client_info=_b64u(json.dumps({"uid": oid, "utid": tid}).encode()),
    )
    return body


def _id_token(cloud: Cloud, client_id: str, oid: str, upn: str) -> str:
    now = int(cloud.now())
    claims = {
        "aud": client_id,
        "iss": tokens.issuer(cloud),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "sub": oid,
        "oid": oid,
        "tid": cloud.identity.tenant_id,
        "preferred_username": upn,
        "name": "Test User",
        "ver": "2.0",
    }
    return tokens.sign(cloud, claims)


# -- managed identity (App Service protocol 2019-08-01) --------------------------------
MANAGED_IDENTITIES = "entra/managed-identities"  # principalId -> {clientId, resourceId}


def managed_identity_object_id(cloud: Cloud) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"localazure-mi:{cloud.identity.tenant_id}"))


def register_managed_identity(cloud: Cloud, principal_id: str, resource_id: str) -> str:
    """Record a resource's system-assigned identity (its service principal) so the token
    endpoint can issue tokens for it; returns its client (application) id."""
    client_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"localazure-mi-app:{principal_id}"))
    record = {"clientId": client_id, "resourceId": resource_id}
    cloud.store.doc_put(MANAGED_IDENTITIES, principal_id.lower(), record)
    return client_id


def unregister_managed_identity(cloud: Cloud, principal_id: str) -> None:
    """Azure deletes a system-assigned identity with its resource."""
    cloud.store.doc_delete(MANAGED_IDENTITIES, principal_id.lower())


def managed_identity(cloud: Cloud, principal_id: str) -> dict[str, Any] | None:
    record = cloud.store.doc_get(MANAGED_IDENTITIES, principal_id.lower())
    return None if not record else {"principalId": principal_id.lower(), **record}


def _selected_identity(cloud: Cloud, query: dict[str, str]) -> tuple[str, str]:
    """(client id, object id) of the identity the request names; none named: the
    machine's own identity.  ``principal_id``/``object_id`` or ``client_id`` select a
    registered identity (App Service REST endpoint reference); ``mi_res_id`` names a
    user-assigned identity, which the local Azure never has."""
    object_id = query.get("principal_id") or query.get("object_id")
    client_id = query.get("client_id")
    res_id = query.get("mi_res_id")
    machine = managed_identity_object_id(cloud)
    machine_object = tokens.object_id_for(machine)
    if not (object_id or client_id or res_id) or machine_object == (object_id or "").lower():
        return machine, machine_object
    if client_id and client_id.lower() == machine:
        return machine, machine_object
    for principal, record in cloud.store.doc_list(MANAGED_IDENTITIES):
        if (object_id and object_id.lower() == principal) or (
            client_id and client_id.lower() == record["clientId"].lower()
        ):
            return record["clientId"], principal
    raise ManagedIdentityError(
        400,
        "No User Assigned or Delegated Managed Identity found for specified "
        "ClientId/ResourceId/PrincipalId.",
    )


def managed_identity_token(cloud: Cloud, query: dict[str, str], header: str) -> dict[str, Any]:
    """GET /msi/token?resource=…&api-version=2019-08-01 with ``X-IDENTITY-HEADER``.

    Without a selector: the system-assigned identity of "this machine".  With
    ``principal_id``/``object_id`` or ``client_id``: a resource's
    system-assigned identity registered by its provider (a scale set's), whose token
    carries ``oid`` = the resource's ``identity.principalId``.
    """
    expected = bootstrap.identity_record(cloud)["identity_header"]
    if not hmac.compare_digest(header.encode(), expected.encode()):
        raise ManagedIdentityError(401, "The X-IDENTITY-HEADER header is missing or wrong.")
    resource = query.get("resource", "")
    if not resource or not query.get("api-version"):
        raise ManagedIdentityError(400, "The 'resource' and 'api-version' parameters are required.")
    audience = resource[: -len("/.default")] if resource.endswith("/.default") else resource
    client_id, object_id = _selected_identity(cloud, query)
    access, expires_in = tokens.issue(
        cloud, audience, client_id, object_id=object_id, extra={"idtyp": "app"}
    )
    return {
        "access_token": access,
        "expires_on": str(int(cloud.now()) + expires_in),
        "resource": resource,
        "token_type": "Bearer",
        "client_id": client_id,
    }
