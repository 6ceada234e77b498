"""Read an Entra app registration's client secrets (Microsoft Graph v1.0), for ``check``.

``GET {graph}/v1.0/applications/{object id}`` with a token for the Graph audience from
the same credential that signs in to Resource Manager; the answer's
``passwordCredentials`` (``keyId``, ``displayName``, ``hint``, ``endDateTime``) say
when each secret expires. Graph never returns a secret's value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cmgdeploy.domain.errors import AuthError, AzureError

PUBLIC_GRAPH = "https://graph.microsoft.com"


@dataclass(frozen=True)
class PasswordCredential:
    key_id: str
    display_name: str
    hint: str
    end: dt.datetime | None


@dataclass(frozen=True)
class AppSecrets:
    display_name: str
    app_id: str
    credentials: tuple[PasswordCredential, ...]


def graph_scope(env: Any) -> str:
    """``<Graph audience>/.default`` (the local Azure issues Graph tokens for the public
    audience, like Entra does for a custom Graph URL that fronts it)."""
    audience = getattr(env, "graph_audience", None) or PUBLIC_GRAPH
    return audience.rstrip("/") + "/.default"


def read_app_secrets(env: Any, credential: Any, object_id: str) -> AppSecrets:
    """The app's password credentials; Graph's refusal → AuthError, others AzureError."""
    import requests
    from azure.core.exceptions import ClientAuthenticationError

    url = f"{env.graph.rstrip('/')}/v1.0/applications/{object_id}"
    try:
        token = credential.get_token(graph_scope(env)).token
    except ClientAuthenticationError as exc:
        raise AuthError(f"no Microsoft Graph token: {str(exc).splitlines()[0]}") from None
    try:
        answer = requests.get(
            url,
            headers={"Authorization": f"Bearer {token}"},
            verify=env.ca_bundle or True,
            timeout=60,
        )
    except requests.RequestException as exc:
        raise AzureError(
            f"Microsoft Graph did not answer: {exc}", code="GraphUnreachable"
        ) from None
    body = _json(answer)
    if answer.status_code != 200:
        error = body.get("error") or {}
        kind = AuthError if answer.status_code in (401, 403) else AzureError
        raise kind(
            f"Microsoft Graph: {error.get('message') or answer.status_code}",
            code=str(error.get("code") or f"HTTP{answer.status_code}"),
            target=f"applications/{object_id}",
        )
    return AppSecrets(
        str(body.get("displayName") or ""),
        str(body.get("appId") or ""),
        tuple(_credential(c) for c in body.get("passwordCredentials") or []),
    )


def _json(answer: Any) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _credential(raw: dict[str, Any]) -> PasswordCredential:
    end = raw.get("endDateTime")
    return PasswordCredential(
        str(raw.get("keyId") or ""),
        str(raw.get("displayName") or ""),
        str(raw.get("hint") or ""),
        parse_time(end) if end else None,
    )


def parse_time(text: str) -> dt.datetime:
    """Graph's ISO-8601 UTC times (``2026-01-01T00:00:00Z``, fractions allowed)."""
    value = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
