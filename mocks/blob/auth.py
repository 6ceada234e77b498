"""Authorization of Blob requests: Shared Key and shared access signatures (SAS).

Shared Key ("Authorize with Shared Key"): ``Authorization: SharedKey <account>:<sig>``,
HMAC-SHA256 with an account key (``key1`` or ``key2``) over the verb, the standard
headers, the canonicalized ``x-ms-*`` headers and the canonicalized resource. With
path-style URLs the resource is ``/<account>`` + the encoded URL path (which itself
starts with ``/<account>``), as the SDKs compute it for ``127.0.0.1`` endpoints.
``x-ms-date`` (or ``Date``) is required and may be at most 15 minutes off.

SAS: the service SAS (``sr`` = ``c`` or ``b``) and account SAS (``ss``/``srt``)
string-to-sign of version 2020-12-06 and later, signed with an account key. The
signature, the time window (``st``/``se``), ``spr``, ``sip``, the resource type and
the permissions are enforced.

An account with ``allowSharedKeyAccess: false`` refuses both (403
``KeyBasedAuthenticationNotPermitted``).

Not simulated: Microsoft Entra (bearer) authorization, user delegation SAS, stored
access policies (``si``), SharedKeyLite, anonymous public read access, SAS versions
before 2020-12-06.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote

from .exceptions import (
    AuthenticationFailed,
    AuthorizationPermissionMismatch,
    AuthorizationProtocolMismatch,
    AuthorizationResourceTypeMismatch,
    AuthorizationServiceMismatch,
    AuthorizationSourceIPMismatch,
    KeyBasedAuthenticationNotPermitted,
    LocalAzureUnsupportedOperation,
    NoAuthenticationInformation,
    PublicAccessNotPermitted,
)

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud
    from mocks.core.http import Request

SIGNED_HEADERS = (
    "content-encoding",
    "content-language",
    "content-length",
    "content-md5",
    "content-type",
    "date",
    "if-modified-since",
    "if-match",
    "if-none-match",
    "if-unmodified-since",
    "range",
)
MAX_CLOCK_SKEW = 15 * 60
OLDEST_SAS_VERSION = "2020-12-06"


@dataclass(frozen=True)
class Operation:
    """What a request does, for SAS checks: the level it acts on (``service``,
    ``container`` or ``blob``) and the permission letters any one of which allows it
    (account SAS letters, then service SAS letters)."""

    name: str
    level: str
    account_permissions: str
    service_permissions: str  # "" = no service SAS may do this


def authorize(
    cloud: Cloud,
    request: Request,
    account: str,
    keys: list[str],
    op: Operation,
    *,
    allow_public_access: bool = False,
    allow_shared_key: bool = True,
) -> None:
    """Raise the Storage error Azure would answer unless the request is authorized.
    ``allow_shared_key`` False (the account's ``allowSharedKeyAccess: false``) refuses
    Shared Key and SAS alike: both are signed with the account key."""
    authorization = request.header("authorization")
    keyed = authorization.startswith("SharedKey ") or bool(request.query.get("sig"))
    if keyed and not allow_shared_key:
        raise KeyBasedAuthenticationNotPermitted()
    if authorization:
        _check_shared_key(cloud, request, account, keys, authorization)
    elif request.query.get("sig"):
        _check_sas(cloud, request, account, keys, op)
    else:
        _anonymous(op, allow_public_access)


def _anonymous(op: Operation, allow_public_access: bool) -> None:
    # An anonymous read is a public-access read: refused where the account disallows
    # public access (allowBlobPublicAccess false, the default here).
    if op.level != "service" and op.account_permissions in ("r", "l"):
        if not allow_public_access:
            raise PublicAccessNotPermitted()
        raise LocalAzureUnsupportedOperation(
            "The local Azure's Blob service does not simulate anonymous public read access."
        )
    raise NoAuthenticationInformation()


# -- Shared Key -------------------------------------------------------------------------
def _check_shared_key(
    cloud: Cloud, request: Request, account: str, keys: list[str], authorization: str
) -> None:
    scheme, _, credentials = authorization.partition(" ")
    if scheme == "Bearer":
        raise LocalAzureUnsupportedOperation(
            "The local Azure's Blob service does not simulate Microsoft Entra authorization; "
            "use Shared Key or a SAS."
        )
    name, _, signature = credentials.partition(":")
    if scheme != "SharedKey" or not signature:
        raise AuthenticationFailed(
            extra={
                "AuthenticationErrorDetail": "The authorization header is not in a "
                "supported format."
            }
        )
    if name != account:
        raise AuthenticationFailed(
            extra={
                "AuthenticationErrorDetail": f"The account being accessed does not match "
                f"the account in the authorization header: '{name}'."
            }
        )
    _check_request_date(cloud, request)
    string_to_sign = shared_key_string(request, account)
    if not any(_matches(key, string_to_sign, signature) for key in keys):
        raise AuthenticationFailed(
            extra={
                "AuthenticationErrorDetail": "The MAC signature found in the HTTP request "
                f"'{signature}' is not the same as any computed signature. Server used "
                f"following string to sign: '{string_to_sign}'."
            }
        )


def _check_request_date(cloud: Cloud, request: Request) -> None:
    raw = request.header("x-ms-date") or request.header("date")
    if not raw:
        raise AuthenticationFailed(
            extra={"AuthenticationErrorDetail": "Request date header not specified"}
        )
    try:
        sent = parsedate_to_datetime(raw).timestamp()
    except (TypeError, ValueError):
        raise AuthenticationFailed(
            extra={
                "AuthenticationErrorDetail": f"The Date header in the request is incorrect: {raw}"
            }
        ) from None
    if abs(cloud.now() - sent) > MAX_CLOCK_SKEW:
        raise AuthenticationFailed(
            extra={"AuthenticationErrorDetail": f"Request date header too old: '{raw}'"}
        )


def shared_key_string(request: Request, account: str) -> str:
    """The Shared Key string-to-sign (Blob service, version 2009-09-19 and later)."""
    headers = []
    for name in SIGNED_HEADERS:
        value = request.header(name)
        if name == "content-length" and value == "0":
            value = ""
        headers.append(value)
    canonical_headers = "".join(
        f"{name}:{' '.join(value.split())}\n"
        for name, value in sorted(request.headers.items())
        if name.startswith("x-ms-")
    )
    resource = f"/{account}{request.raw_path or request.path}"
    params = sorted(_raw_query(request).items())
    query = "".join(f"\n{name}:{','.join(sorted(values))}" for name, values in params)
    return f"{request.method}\n" + "\n".join(headers) + "\n" + canonical_headers + resource + query


def _raw_query(request: Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for part in (request.raw_query or "").split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        out.setdefault(unquote(name).lower(), []).append(unquote(value))
    return out


def _matches(key: str, string_to_sign: str, signature: str) -> bool:
    return hmac.compare_digest(sign(key, string_to_sign), signature)


def sign(key: str, string_to_sign: str) -> str:
    """Base64 HMAC-SHA256 of the UTF-8 string with the base64-decoded account key."""
    digest = hmac.new(base64.b64decode(key), string_to_sign.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# -- SAS --------------------------------------------------------------------------------
def _check_sas(
    cloud: Cloud, request: Request, account: str, keys: list[str], op: Operation
) -> None:
    q = request.query
    if q.get("si") or q.get("skoid"):
        raise LocalAzureUnsupportedOperation(
            "The local Azure's Blob service does not simulate stored access policies (si) "
            "or user delegation SAS (skoid)."
        )
    if (q.get("sv") or "") < OLDEST_SAS_VERSION:
        raise AuthenticationFailed(
            extra={
                "AuthenticationErrorDetail": f"The local Azure accepts SAS versions "
                f"{OLDEST_SAS_VERSION} and later; sv='{q.get('sv', '')}'."
            }
        )
    account_sas = "ss" in q
    string_to_sign = (
        account_sas_string(q, account)
        if account_sas
        else service_sas_string(q, account, request, op)
    )
    if not any(_matches(key, string_to_sign, q["sig"]) for key in keys):
        raise AuthenticationFailed(
            extra={
                "AuthenticationErrorDetail": "Signature did not match. String to sign used "
                f"was {string_to_sign}"
            }
        )
    _check_time_window(cloud, q)
    _check_protocol_and_ip(request, q)
    if account_sas:
        _check_account_scope(q, op)
    else:
        _check_service_scope(q, op)


def account_sas_string(q: dict[str, str], account: str) -> str:
    fields = ("sp", "ss", "srt", "st", "se", "sip", "spr", "sv", "ses")
    return account + "\n" + "".join(q.get(f, "") + "\n" for f in fields)


def service_sas_string(q: dict[str, str], account: str, request: Request, op: Operation) -> str:
    fields_before = ("sp", "st", "se")
    fields_after = (
        "si",
        "sip",
        "spr",
        "sv",
        "sr",
        "snapshot",
        "ses",
        "rscc",
        "rscd",
        "rsce",
        "rscl",
        "rsct",
    )
    resource = _sas_resource(q.get("sr", ""), account, request, op)
    parts = (
        [q.get(f, "") for f in fields_before] + [resource] + [q.get(f, "") for f in fields_after]
    )
    return "\n".join(parts)


def _sas_resource(sr: str, account: str, request: Request, op: Operation) -> str:
    segments = [*request.path.lstrip("/").split("/", 2), "", ""][:3]
    container, blob = segments[1], segments[2]
    if sr == "c" and op.level in ("container", "blob"):
        return f"/blob/{account}/{container}"
    if sr == "b" and op.level == "blob":
        return f"/blob/{account}/{container}/{blob}"
    if sr in ("b", "c"):
        raise AuthorizationResourceTypeMismatch()
    raise LocalAzureUnsupportedOperation(
        "The local Azure's Blob service simulates service SAS for sr=c and sr=b only, "
        f"not sr='{sr}'."
    )


def _parse_time(value: str) -> float:
    text = value.replace("Z", "+00:00")
    parsed = dt.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()


def _check_time_window(cloud: Cloud, q: dict[str, str]) -> None:
    now = cloud.now()
    try:
        start = _parse_time(q["st"]) if q.get("st") else None
        expiry = _parse_time(q.get("se", ""))
    except ValueError:
        raise AuthenticationFailed(
            extra={"AuthenticationErrorDetail": "Signature fields not well formed."}
        ) from None
    if (start is not None and now < start) or now > expiry:
        current = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
        raise AuthenticationFailed(
            extra={
                "AuthenticationErrorDetail": "Signature not valid in the specified time frame: "
                f"Start [{q.get('st', '')}] - Expiry [{q.get('se', '')}] - Current [{current}]"
            }
        )


def _check_protocol_and_ip(request: Request, q: dict[str, str]) -> None:
    # The local Blob service is HTTPS only, so "https" and "https,http" both pass.
    if q.get("spr") and "https" not in q["spr"].split(","):
        raise AuthorizationProtocolMismatch()
    if q.get("sip"):
        low, _, high = q["sip"].partition("-")
        client = int(ipaddress.ip_address(request.client_ip or "127.0.0.1"))
        try:
            inside = (
                int(ipaddress.ip_address(low)) <= client <= int(ipaddress.ip_address(high or low))
            )
        except ValueError:
            inside = False
        if not inside:
            raise AuthorizationSourceIPMismatch(
                AuthorizationSourceIPMismatch.text.format(request.client_ip)
            )


_SRT_OF_LEVEL = {"service": "s", "container": "c", "blob": "o"}


def _check_account_scope(q: dict[str, str], op: Operation) -> None:
    if "b" not in q.get("ss", ""):
        raise AuthorizationServiceMismatch()
    if _SRT_OF_LEVEL[op.level] not in q.get("srt", ""):
        raise AuthorizationResourceTypeMismatch()
    if not set(q.get("sp", "")) & set(op.account_permissions):
        raise AuthorizationPermissionMismatch()


def _check_service_scope(q: dict[str, str], op: Operation) -> None:
    if not op.service_permissions:
        raise AuthorizationResourceTypeMismatch()
    if not set(q.get("sp", "")) & set(op.service_permissions):
        raise AuthorizationPermissionMismatch()
