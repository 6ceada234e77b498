"""Read the shared local Azure through raw ARM (a real token, verified TLS), to assert
what Azure holds independently of what cmgdeploy reports."""

from __future__ import annotations

import time
from typing import Any

import requests

from cmgdeploy.services.azure.auth import get_token, make_credential
from cmgdeploy.services.local import ResolvedEnvironment

API = "2021-04-01"


def token(local_azure: Any) -> str:
    """A bearer token of the local Azure's service principal."""
    ident = local_azure.identity
    env = ResolvedEnvironment(
        type("Row", (), {"name": "t", "instance_discovery": False})(),
        local_azure.url, local_azure.url + "/", local_azure.url, str(local_azure.ca_bundle),
        ident.tenant_id, None, ident.client_id, ident.client_secret,
    )  # fmt: skip
    return str(get_token(make_credential(env, None), env).token)


def arm(
    local_azure: Any, method: str, path: str, api: str = API, **params: str
) -> requests.Response:
    """One ARM request; ``path`` starts at ``/subscriptions/{sub}`` (``{sub}`` filled in)."""
    path = path.replace("{sub}", local_azure.identity.subscription_id)
    return requests.request(
        method,
        f"{local_azure.url}{path}",
        params={"api-version": api, **params},
        headers={"Authorization": f"Bearer {token(local_azure)}"},
        verify=str(local_azure.ca_bundle),
        timeout=30,
    )


def group_path(group: str) -> str:
    return f"/subscriptions/{{sub}}/resourceGroups/{group}"


def tagged_resources(local_azure: Any, cmg: str) -> list[dict[str, Any]]:
    """Every resource in the subscription carrying ``cmgdeploy-cmg=<cmg>``."""
    flt = f"tagName eq 'cmgdeploy-cmg' and tagValue eq '{cmg}'"
    response = arm(local_azure, "GET", "/subscriptions/{sub}/resources", **{"$filter": flt})
    assert response.status_code == 200, response.text
    return list(response.json()["value"])


def wait_gone(local_azure: Any, path: str, api: str, timeout: float = 30.0) -> None:
    """Wait until GET ``path`` answers 404 (a delete finished)."""
    deadline = time.monotonic() + timeout
    while arm(local_azure, "GET", path, api).status_code != 404:
        assert time.monotonic() < deadline, f"{path} still exists"
        time.sleep(0.05)
