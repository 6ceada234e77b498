"""RS256 access tokens: issued by the local Entra ID, verified by the ARM layer.

Claims follow Entra's v1/v2 access tokens closely enough for clients that peek at
them (azure-cli reads ``tid``/``oid``): ``aud``, ``iss``, ``tid``, ``appid``,
``oid``, ``sub``, ``iat``, ``nbf``, ``exp``; header ``kid``.

Not simulated: roles/scp claims and authorisation (every valid token may do
everything in the subscription), CAE claims challenges, token revocation.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .errors import (
    ArmError,
    AuthenticationFailed,
    ExpiredAuthenticationToken,
    InvalidAuthenticationToken,
    InvalidAuthenticationTokenAudience,
)
from .http import Principal
from .pki import key_id

if TYPE_CHECKING:
    from .cloud import Cloud

ARM_AUDIENCES = (
    "https://management.azure.com",
    "https://management.azure.com/",
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
)


@functools.lru_cache(maxsize=32)
def _signing_key(path: str, mtime: float) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def signing_key(cloud: Cloud) -> rsa.RSAPrivateKey:
    path = cloud.state_dir / "signing.key"
    return _signing_key(str(path), path.stat().st_mtime)


def issuer(cloud: Cloud) -> str:
    return f"{cloud.base_url}/{cloud.identity.tenant_id}/v2.0"


def object_id_for(client_id: str) -> str:
    """The service principal's object id: stable per client id, distinct from it."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"localazure-sp:{client_id}"))


def token_lifetime(cloud: Cloud) -> int:
    return int(cloud.config.token_lifetime)


def issue(
    cloud: Cloud,
    audience: str,
    client_id: str,
    *,
    object_id: str | None = None,
    extra: dict[str, Any] | None = None,
    lifetime: int | None = None,
) -> tuple[str, int]:
    """Sign an access token for ``audience``; returns (token, expires_in)."""
    now = int(cloud.now())
    expires_in = token_lifetime(cloud) if lifetime is None else lifetime
    oid = object_id or object_id_for(client_id)
    claims: dict[str, Any] = {
        "aud": audience,
        "iss": issuer(cloud),
        "tid": cloud.identity.tenant_id,
        "appid": client_id,
        "azp": client_id,
        "oid": oid,
        "sub": oid,
        "iat": now,
        "nbf": now,
        "exp": now + expires_in,
        "ver": "2.0",
        "uti": uuid.uuid4().hex,
    }
    claims.update(extra or {})
    return sign(cloud, claims), expires_in


def sign(cloud: Cloud, claims: dict[str, Any]) -> str:
    key = signing_key(cloud)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": key_id(key.public_key())})


def jwks(cloud: Cloud) -> dict[str, Any]:
    """The JSON Web Key Set clients use to check our signatures."""
    public = signing_key(cloud).public_key()
    numbers = public.public_numbers()
    return {
        "keys": [
            {
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": key_id(public),
                "n": _b64u(numbers.n),
                "e": _b64u(numbers.e),
                "issuer": issuer(cloud),
            }
        ]
    }


def _b64u(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def arm_audiences(cloud: Cloud) -> set[str]:
    return {*ARM_AUDIENCES, cloud.base_url, cloud.base_url + "/"}


def verify_arm_token(cloud: Cloud, authorization: str) -> Principal:
    """Check an ``Authorization: Bearer`` header the way ARM does; return its principal.

    Every refusal (401) carries ARM's ``WWW-Authenticate: Bearer`` challenge.
    """
    try:
        return _verify_arm_token(cloud, authorization)
    except ArmError as exc:
        if exc.status == 401 and "WWW-Authenticate" not in exc.headers:
            exc.headers["WWW-Authenticate"] = _challenge(cloud, exc.message)
        raise


def _challenge(cloud: Cloud, description: str) -> str:
    return (
        f'Bearer authorization_uri="{cloud.base_url}/{cloud.identity.tenant_id}", '
        f'error="invalid_token", error_description="{description.replace(chr(34), chr(39))}"'
    )


def _verify_arm_token(cloud: Cloud, authorization: str) -> Principal:
    scheme, _, token = authorization.partition(" ")
    if not authorization:
        raise AuthenticationFailed("Authentication failed. The 'Authorization' header is missing.")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed(
            "Authentication failed. The 'Authorization' header is provided in an invalid format."
        )
    claims = _decode(cloud, token.strip())
    _check_expiry(cloud, claims)
    _check_audience(cloud, claims)
    if claims.get("tid") != cloud.identity.tenant_id:
        raise InvalidAuthenticationToken("The access token is from the wrong issuer.")
    return Principal(
        tenant_id=claims["tid"],
        client_id=str(claims.get("appid", "")),
        subscription_ids=(cloud.identity.subscription_id,),
        kind="User" if claims.get("idtyp") == "user" else "ServicePrincipal",
    )


def _decode(cloud: Cloud, token: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(
            token,
            signing_key(cloud).public_key(),
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_aud": False, "verify_nbf": False},
        )
    except jwt.InvalidTokenError as exc:
        raise InvalidAuthenticationToken(
            f"The access token is invalid: {type(exc).__name__}."
        ) from None
    if not isinstance(claims.get("exp"), int) or "tid" not in claims:
        raise InvalidAuthenticationToken("The access token is missing required claims.")
    return claims


def _check_expiry(cloud: Cloud, claims: dict[str, Any]) -> None:
    now = cloud.now()
    if now < claims["exp"]:
        return
    description = (
        f"The access token expiry UTC time '{_azure_time(claims['exp'])}' is earlier "
        f"than current UTC time '{_azure_time(now)}'."
    )
    raise ExpiredAuthenticationToken(
        description, headers={"WWW-Authenticate": _challenge(cloud, description)}
    )


def _check_audience(cloud: Cloud, claims: dict[str, Any]) -> None:
    audience = claims.get("aud")
    if audience in arm_audiences(cloud):
        return
    raise InvalidAuthenticationTokenAudience(
        f"The access token has been obtained for wrong audience or resource '{audience}'. "
        "It should exactly match with one of the allowed audiences "
        f"'{', '.join(sorted(arm_audiences(cloud)))}'."
    )


def _azure_time(epoch: float) -> str:
    # ARM prints times like "2/26/2021 4:27:56 AM".
    t = dt.datetime.fromtimestamp(epoch, dt.UTC)
    hour = t.hour % 12 or 12
    return f"{t.month}/{t.day}/{t.year} {hour}:{t:%M:%S} {'AM' if t.hour < 12 else 'PM'}"


def verify_bearer(cloud: Cloud, authorization: str) -> dict[str, Any] | None:
    """The claims of a valid, unexpired ``Authorization: Bearer`` token signed by this
    local Azure, whatever its audience (the caller checks that); None when there is no
    bearer token.  Raises InvalidAuthenticationToken / ExpiredAuthenticationToken."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    claims = _decode(cloud, token.strip())
    _check_expiry(cloud, claims)
    return claims
