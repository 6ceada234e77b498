"""``ListServiceSas``: a service SAS signed by the Storage resource provider.

``POST …/storageAccounts/{name}/ListServiceSas`` (and the template function
``listServiceSas()``) takes ``ServiceSasParameters`` and answers ``{"serviceSasToken":
<query string without "?">}``: the caller never holds the account key. The token is
signed with ``keyToSign`` (``key1`` unless ``key2`` is named) over the service SAS
string-to-sign the local Blob service checks (:func:`mocks.blob.auth.service_sas_fields`),
so the Blob service accepts it as Azure's would, within its permissions and time.

Checked as the resource provider does (400 ``InvalidValuesForRequestParameters`` naming
the field): ``canonicalizedResource`` (required; ``/blob/<account>/<container>[/<blob>]``
of this account, matching ``signedResource``), ``signedResource`` (``b``, ``c``, ``f``,
``s``), ``signedPermission`` (letters of ``r w d l a c u p``), ``signedProtocol``
(``https`` or ``https,http``), ``keyToSign``, ``signedExpiry`` and ``signedStart``
(ISO 8601). Not simulated: File service SAS (``f``/``s`` answer
LocalAzureUnsupportedOperation), stored access policies (``signedIdentifier``), Table
and Queue partition/row ranges.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any
from urllib.parse import urlencode

from mocks.core.errors import UnsupportedOperation

from .exceptions import InvalidValuesForRequestParameters

SAS_VERSION = "2022-11-02"  # the sv of the tokens made here (the Blob service takes >= 2020-12-06)
RESOURCES = ("b", "c", "f", "s")
PERMISSIONS = "rwdlacup"
PROTOCOLS = ("https", "https,http")
# ServiceSasParameters field -> SAS query field, in the token's order.
QUERY_FIELDS = (
    ("signedVersion", "sv"),
    ("signedResource", "sr"),
    ("signedStart", "st"),
    ("signedExpiry", "se"),
    ("signedPermission", "sp"),
    ("signedIp", "sip"),
    ("signedProtocol", "spr"),
    ("rscc", "rscc"),
    ("rscd", "rscd"),
    ("rsce", "rsce"),
    ("rscl", "rscl"),
    ("rsct", "rsct"),
)


def list_service_sas(account: dict[str, Any], keys: dict[str, str], body: Any) -> dict[str, str]:
    """``ListServiceSasResponse`` for ``body`` (``ServiceSasParameters``) on ``account``,
    signed with one of its ``keys`` (key name -> value)."""
    params = body if isinstance(body, dict) else {}
    resource_type = str(params.get("signedResource") or "")
    if resource_type not in RESOURCES:
        raise InvalidValuesForRequestParameters("signedResource")
    if resource_type in ("f", "s"):
        raise UnsupportedOperation(
            "The local Azure's ListServiceSas makes Blob service SAS only (signedResource "
            f"b or c), not '{resource_type}'."
        )
    if params.get("signedIdentifier"):
        raise UnsupportedOperation(
            "The local Azure does not simulate stored access policies (signedIdentifier)."
        )
    resource = _canonical(account["name"], resource_type, params.get("canonicalizedResource"))
    permission = str(params.get("signedPermission") or "")
    if not permission or set(permission) - set(PERMISSIONS):
        raise InvalidValuesForRequestParameters("signedPermission")
    if params.get("signedProtocol") and params["signedProtocol"] not in PROTOCOLS:
        raise InvalidValuesForRequestParameters("signedProtocol")
    key_name = str(params.get("keyToSign") or "key1").lower()
    if key_name not in keys:
        raise InvalidValuesForRequestParameters("keyToSign")
    q = {"signedVersion": SAS_VERSION, **{k: str(v) for k, v in params.items() if v}}
    for field in ("signedExpiry", "signedStart"):
        if field in q:
            q[field] = _time(q[field], field)
    if "signedExpiry" not in q:
        raise InvalidValuesForRequestParameters("signedExpiry")
    query = {short: q[name] for name, short in QUERY_FIELDS if q.get(name)}
    auth = importlib.import_module("mocks.blob.auth")
    signature = auth.sign(keys[key_name], auth.service_sas_fields(query, resource))
    return {"serviceSasToken": urlencode({**query, "sig": signature})}


def _canonical(account: str, resource_type: str, value: Any) -> str:
    """``/blob/<account>/<container>`` (``c``) or ``…/<blob>`` (``b``) of this account."""
    text = str(value or "")
    parts = text.split("/", 4)  # "", "blob", account, container[, blob]
    depth = 4 if resource_type == "c" else 5
    if len(parts) != depth or parts[:3] != ["", "blob", account] or not all(parts[3:]):
        raise InvalidValuesForRequestParameters("canonicalizedResource")
    return text


def _time(value: str, field: str) -> str:
    """An ISO 8601 time as the token carries it (UTC, seconds, ``Z``)."""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidValuesForRequestParameters(field) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
