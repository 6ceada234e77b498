"""Sign-in to Entra ID through azure-identity, against the environment's authority.

Methods: ``secret`` (client secret), ``certificate`` (PEM or PFX + password),
``managed-identity``, ``default`` (DefaultAzureCredential chain) and ``device-code``
(a person at a terminal; tokens cached in a 0600 file under CMGDEPLOY_HOME).
"""

from __future__ import annotations

import base64
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cmgdeploy.domain.errors import AuthError, InputError
from cmgdeploy.domain.redact import redact, register_secret
from cmgdeploy.services.azure.envtypes import EnvironmentLike, arm_scope, transport_kwargs
from cmgdeploy.services.azure.retry import RetryPolicy
from cmgdeploy.services.azure.translate import sign_in_failure

METHODS = ("secret", "certificate", "managed-identity", "default", "device-code")
TOKEN_CACHE_NAME = "cmgdeploy"


@dataclass(frozen=True)
class SignedIn:
    """Who a token says we are (no secret, no token)."""

    tenant_id: str
    principal: str
    principal_type: str
    expires_on: int


def _setting(auth: Any, name: str, env: Any = None) -> Any:
    """A sign-in setting from the auth settings, else the environment's default."""
    value = getattr(auth, name, None) if auth is not None else None
    if value in (None, "") and env is not None:
        value = getattr(env, name, None)
    return value


def _common(env: EnvironmentLike) -> dict[str, Any]:
    """Keyword arguments for an Entra ID credential: the environment's authority and
    transport. Not for a chain that holds a managed-identity credential: see
    :func:`_entra_kwargs`."""
    return {
        "authority": env.authority,
        "disable_instance_discovery": not env.instance_discovery,
        **transport_kwargs(env),
    }


def _entra_kwargs(env: EnvironmentLike) -> dict[str, Any]:
    """:func:`_common` plus our retry policy: token requests to Entra are retried by it
    too (a token POST creates nothing). Only for credentials that talk to Entra alone —
    azure-identity's managed-identity client sets its own ``retry_policy_class`` (IMDS
    has its own 410/404 rules), so passing ours to it is a TypeError."""
    return {**_common(env), "retry_policy_class": RetryPolicy}


def make_credential(env: EnvironmentLike, auth: Any) -> Any:
    """An azure-identity credential for ``auth.method`` in ``env`` (no network yet)."""
    method = sign_in_method(env, auth)
    if method not in METHODS:
        raise InputError("auth.method", method, f"one of {', '.join(METHODS)}")
    builder = {
        "secret": _secret_credential,
        "certificate": _certificate_credential,
        "managed-identity": _managed_identity_credential,
        "default": _default_credential,
        "device-code": _device_code_credential,
    }[method]
    return builder(env, auth)


def sign_in_method(env: EnvironmentLike, auth: Any) -> str:
    """The method to use: the configured one, or for ``auto`` the first that has what
    it needs (a secret, then a certificate, then the environment's own test identity)."""
    method = str(_setting(auth, "method") or "auto")
    if method != "auto":
        return method
    if _setting(auth, "client_secret"):
        return "secret"
    if _setting(auth, "client_certificate"):
        return "certificate"
    return "secret" if getattr(env, "client_secret", None) else "default"


def _ids(env: EnvironmentLike, auth: Any) -> tuple[str, str]:
    tenant = _setting(auth, "tenant_id", env)
    client = _setting(auth, "client_id", env)
    if not tenant:
        raise InputError("tenant_id", tenant, "set AZURE_TENANT_ID or [auth] tenant_id")
    if not client:
        raise InputError("client_id", client, "set AZURE_CLIENT_ID or [auth] client_id")
    return str(tenant), str(client)


def _secret_credential(env: EnvironmentLike, auth: Any) -> Any:
    from azure.identity import ClientSecretCredential

    tenant, client = _ids(env, auth)
    secret = _setting(auth, "client_secret", env)
    if not secret:
        raise InputError("client_secret", None, "set AZURE_CLIENT_SECRET")
    register_secret(secret)
    return ClientSecretCredential(tenant, client, secret, **_entra_kwargs(env))


def _certificate_credential(env: EnvironmentLike, auth: Any) -> Any:
    from azure.identity import CertificateCredential

    tenant, client = _ids(env, auth)
    path = _setting(auth, "client_certificate", env)
    if not path or not Path(path).is_file():
        raise InputError("client_certificate", path, "a readable PEM or PFX file")
    password = _setting(auth, "client_certificate_password")
    register_secret(password)
    pw = password.encode() if password else None
    try:
        return CertificateCredential(tenant, client, str(path), password=pw, **_entra_kwargs(env))
    except (ValueError, TypeError) as exc:  # wrong PFX password or not a certificate
        raise AuthError(f"cannot load the client certificate {path}: {exc}") from None


def _managed_identity_credential(env: EnvironmentLike, auth: Any) -> Any:
    from azure.identity import ManagedIdentityCredential

    client = _setting(auth, "client_id")
    kwargs = transport_kwargs(env)
    return (
        ManagedIdentityCredential(client_id=client, **kwargs)
        if client
        else (ManagedIdentityCredential(**kwargs))
    )


def _default_credential(env: EnvironmentLike, auth: Any) -> Any:
    from azure.identity import DefaultAzureCredential

    # The chain reads AZURE_* itself; authority/discovery still come from the environment.
    # No retry_policy_class: the chain hands its kwargs to ManagedIdentityCredential too,
    # which keeps azure-identity's IMDS policy (see _entra_kwargs).
    return DefaultAzureCredential(exclude_interactive_browser_credential=True, **_common(env))


def _device_code_credential(env: EnvironmentLike, auth: Any) -> Any:
    from azure.identity import DeviceCodeCredential, TokenCachePersistenceOptions

    tenant, client = _ids(env, auth)
    # Linux has no keyring in most servers: store unencrypted, but in a 0600 file.
    cache = TokenCachePersistenceOptions(name=TOKEN_CACHE_NAME, allow_unencrypted_storage=True)
    return DeviceCodeCredential(
        client_id=client,
        tenant_id=tenant,
        cache_persistence_options=cache,
        prompt_callback=_device_code_prompt,
        **_entra_kwargs(env),
    )


def _device_code_prompt(verification_uri: str, user_code: str, expires_on: Any) -> None:
    """Tell the person where to sign in — on stderr: stdout belongs to the result
    (azure-identity's default prints to stdout, which would break ``-o json``)."""
    print(
        f"To sign in, open {verification_uri} and enter the code {user_code} "
        f"(valid until {expires_on:%H:%M:%S} UTC).",
        file=sys.stderr,
        flush=True,
    )


def get_token(credential: Any, env: EnvironmentLike) -> Any:
    """An access token for Resource Manager; Entra's refusal → :class:`AuthError`
    (exit 3); Entra throttled, down or unreachable → :class:`AzureError` (exit 1)."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        ServiceRequestError,
        ServiceResponseError,
    )

    try:
        return credential.get_token(arm_scope(env))
    except (ClientAuthenticationError, ServiceRequestError, ServiceResponseError) as exc:
        failure = sign_in_failure(exc)
        if isinstance(failure, AuthError) and _is_chain(credential):
            raise _chain_failure(exc, env) from None
        raise failure from None
    except ValueError as exc:  # azure-identity: bad authority / tenant syntax
        failure = sign_in_failure(exc)
        if failure.code == "SignInUnavailable":
            raise failure from None
        raise AuthError(f"sign-in failed: {exc}") from None


def _is_chain(credential: Any) -> bool:
    from azure.identity import ChainedTokenCredential

    return isinstance(credential, ChainedTokenCredential)


def _chain_failure(exc: BaseException, env: EnvironmentLike) -> AuthError:
    """DefaultAzureCredential found no credential that gave a token (``default``, or
    ``auto`` with no secret or certificate): say so, with one short line per credential
    it tried, and which sign-in to configure — not azure-identity's troubleshooting page."""
    text = redact(getattr(exc, "message", None) or str(exc))
    tried = [_first_sentence(line.strip()) for line in text.splitlines() if line.startswith("\t")]
    where = getattr(env, "name", "") or env.authority
    return AuthError(
        f"no sign-in worked for environment {where}: DefaultAzureCredential (the "
        f"`default` method, and `auto` when no client secret or certificate is set) "
        f"got no token" + ("".join(f"\n  {line}" for line in tried) if tried else ""),
        code="NoSignInConfigured",
        hint=f"to try cmgdeploy without an Azure account, add `-e local` (the embedded "
        f"local Azure); to sign in to {where}, set the environment variables "
        "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (secrets are never "
        "read from the config file; a certificate: AZURE_CLIENT_CERTIFICATE_PATH or [auth] "
        "client_certificate), or choose a method with "
        "CMGDEPLOY_AUTH_METHOD=managed-identity|device-code",
    )


def _first_sentence(line: str) -> str:
    head, _, _ = line.partition(". ")
    return head.rstrip(".")


def who_am_i(credential: Any, env: EnvironmentLike) -> SignedIn:
    """Sign in and read tenant and principal from the token's claims (not verified here:
    ARM verifies it; these are only shown to the user)."""
    token = get_token(credential, env)
    register_secret(token.token)
    claims = _claims(token.token)
    principal = claims.get("appid") or claims.get("upn") or claims.get("oid") or "unknown"
    kind = "user" if claims.get("upn") or claims.get("unique_name") else "service principal"
    return SignedIn(str(claims.get("tid", "")), str(principal), kind, int(token.expires_on))


def _claims(jwt: str) -> dict[str, Any]:
    try:
        payload = jwt.split(".")[1]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
