"""Microsoft Graph v1.0 of the local Azure: app registrations and service principals,
with a token from the local Entra ID through azure-identity and plain HTTPS (requests)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from azure.identity import ClientSecretCredential

from mocks import LocalAzure

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
MS_GRAPH_APP = "00000003-0000-0000-c000-000000000000"
USER_READ = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"  # Graph delegated permission User.Read


class Graph:
    """A tiny Graph client: a session trusting the local CA, a real token."""

    def __init__(self, az: LocalAzure, token: str | None = None) -> None:
        ep = az.endpoint
        self.root = f"{ep['graph_url']}/v1.0"
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE is preset here
        self.session.verify = ep["ca_bundle"]
        self.tenant_id = str(ep["tenant_id"])
        if token is None:
            credential = ClientSecretCredential(
                ep["tenant_id"],
                ep["client_id"],
                ep["client_secret"],
                authority=ep["url"],
                disable_instance_discovery=True,
                connection_verify=ep["ca_bundle"],
            )
            token = credential.get_token(GRAPH_SCOPE).token
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: Any = None, **params: str) -> requests.Response:
        return self.session.request(method, self.root + path, json=body, params=params, timeout=10)


@pytest.fixture()
def graph(local_azure: LocalAzure) -> Iterator[Graph]:
    yield Graph(local_azure)


def _app_body(name: str) -> dict[str, Any]:
    return {
        "displayName": name,
        "signInAudience": "AzureADMyOrg",
        "identifierUris": [f"https://localazure.onmicrosoft.com/{name}"],
        "web": {"redirectUris": [f"https://{name}.contoso.com/"]},
        "requiredResourceAccess": [
            {"resourceAppId": MS_GRAPH_APP, "resourceAccess": [{"id": USER_READ, "type": "Scope"}]}
        ],
    }


def _error(response: requests.Response) -> tuple[int, str]:
    error = response.json()["error"]
    assert set(error["innerError"]) >= {"date", "request-id", "client-request-id"}
    return response.status_code, error["code"]


def test_create_get_filter_update_delete_application(graph: Graph) -> None:
    name = f"cmgserver{uuid.uuid4().hex[:8]}"
    created = graph.call("POST", "/applications", _app_body(name))
    assert created.status_code == 201, created.text
    app = created.json()
    assert app["displayName"] == name and uuid.UUID(app["appId"]) and uuid.UUID(app["id"])
    assert app["requiredResourceAccess"][0]["resourceAccess"][0]["type"] == "Scope"
    # Objects merge with Graph's defaults: web keeps implicitGrantSettings.
    assert app["web"]["implicitGrantSettings"]["enableIdTokenIssuance"] is False
    assert app["@odata.context"].endswith("$metadata#applications/$entity")
    by_name = graph.call("GET", "/applications", **{"$filter": f"displayName eq '{name}'"}).json()
    by_app_id = graph.call(
        "GET", "/applications", **{"$filter": f"appId eq '{app['appId']}'"}
    ).json()
    assert (
        [a["id"] for a in by_name["value"]] == [a["id"] for a in by_app_id["value"]] == [app["id"]]
    )
    patched = graph.call(
        "PATCH",
        f"/applications/{app['id']}",
        {"publicClient": {"redirectUris": ["ms-appx-web://cmg"]}, "isFallbackPublicClient": True},
    )
    assert patched.status_code == 204
    got = graph.call("GET", f"/applications(appId='{app['appId']}')").json()
    assert (
        got["publicClient"]["redirectUris"] == ["ms-appx-web://cmg"]
        and got["isFallbackPublicClient"] is True
    )
    assert graph.call("DELETE", f"/applications/{app['id']}").status_code == 204
    assert _error(graph.call("GET", f"/applications/{app['id']}")) == (
        404,
        "Request_ResourceNotFound",
    )


def test_add_and_remove_password_keep_only_what_graph_keeps(graph: Graph) -> None:
    app = graph.call("POST", "/applications", {"displayName": "cmgclient"}).json()
    end = (dt.datetime.now(dt.UTC) + dt.timedelta(days=180)).strftime("%Y-%m-%dT%H:%M:%SZ")
    added = graph.call(
        "POST",
        f"/applications/{app['id']}/addPassword",
        {"passwordCredential": {"displayName": "cmgdeploy", "endDateTime": end}},
    )
    assert added.status_code == 200
    secret = added.json()
    assert len(secret["secretText"]) >= 32 and secret["hint"] == secret["secretText"][:3]
    assert secret["endDateTime"] == end and uuid.UUID(secret["keyId"])
    kept = graph.call("GET", f"/applications/{app['id']}").json()["passwordCredentials"]
    assert secret.pop("@odata.context").endswith("$metadata#microsoft.graph.passwordCredential")
    assert kept == [{**secret, "secretText": None}]
    assert secret["secretText"] not in graph.call("GET", "/applications").text
    default = graph.call(
        "POST", f"/applications/{app['id']}/addPassword", {"passwordCredential": {}}
    ).json()
    start = dt.datetime.fromisoformat(default["startDateTime"].replace("Z", "+00:00"))
    until = dt.datetime.fromisoformat(default["endDateTime"].replace("Z", "+00:00"))
    assert (until - start).days == 730  # Graph's default: two years
    removed = graph.call(
        "POST", f"/applications/{app['id']}/removePassword", {"keyId": secret["keyId"]}
    )
    assert removed.status_code == 204
    left = graph.call("GET", f"/applications/{app['id']}").json()["passwordCredentials"]
    assert [c["keyId"] for c in left] == [default["keyId"]]


def test_service_principals(graph: Graph) -> None:
    app = graph.call("POST", "/applications", {"displayName": "cmgsp"}).json()
    sp = graph.call("POST", "/servicePrincipals", {"appId": app["appId"]})
    assert sp.status_code == 201 and sp.json()["appId"] == app["appId"]
    assert sp.json()["servicePrincipalType"] == "Application"
    again = graph.call("POST", "/servicePrincipals", {"appId": app["appId"]})
    assert _error(again) == (409, "Request_MultipleObjectsWithSameKeyValue")
    found = graph.call(
        "GET", "/servicePrincipals", **{"$filter": f"appId eq '{app['appId']}'"}
    ).json()
    assert [s["id"] for s in found["value"]] == [sp.json()["id"]]
    unknown = graph.call("POST", "/servicePrincipals", {"appId": str(uuid.uuid4())})
    assert _error(unknown) == (400, "Request_BadRequest")
    graph.call("DELETE", f"/applications/{app['id']}")
    assert _error(graph.call("GET", f"/servicePrincipals/{sp.json()['id']}")) == (
        404,
        "Request_ResourceNotFound",
    )


def test_identifier_uris_follow_the_default_tenant_policy(graph: Graph) -> None:
    """A new URI needs the tenant ID, the app ID or a verified domain; URIs already on the
    app stay; an app asking for v2 tokens is exempt."""
    name = f"uri{uuid.uuid4().hex[:8]}"
    for bare in ("https://ConfigMgrService", f"api://{name}", f"https://{name}.contoso.com/x"):
        refused = graph.call(
            "POST", "/applications", {"displayName": name, "identifierUris": [bare]}
        )
        assert _error(refused) == (400, "InvalidUniqueTenantIdentifierAsPerAppPolicy")
        message = refused.json()["error"]["message"]
        assert message.startswith(f"Failed to add identifier URI {bare}. All newly added URIs")
    assert (
        graph.call("GET", "/applications", **{"$filter": f"displayName eq '{name}'"}).json()[
            "value"
        ]
        == []
    )
    tenant_uri = f"api://{graph.tenant_id}/{name}"
    created = graph.call(
        "POST", "/applications", {"displayName": name, "identifierUris": [tenant_uri]}
    )
    assert created.status_code == 201, created.text
    app = created.json()
    path = f"/applications/{app['id']}"
    own = [tenant_uri, f"api://{app['appId']}", f"api://{name}/{app['appId']}"]
    assert graph.call("PATCH", path, {"identifierUris": own}).status_code == 204
    added = graph.call("PATCH", path, {"identifierUris": [*own, "api://other"]})
    assert _error(added) == (400, "InvalidUniqueTenantIdentifierAsPerAppPolicy")
    v2 = {"api": {"requestedAccessTokenVersion": 2}, "identifierUris": [*own, "api://other"]}
    assert graph.call("PATCH", path, v2).status_code == 204
    assert graph.call("GET", path).json()["identifierUris"][-1] == "api://other"


def test_bad_requests_in_graph_shape(graph: Graph) -> None:
    name = f"dup{uuid.uuid4().hex[:8]}"
    assert graph.call("POST", "/applications", _app_body(name)).status_code == 201
    duplicate = graph.call("POST", "/applications", _app_body(name))
    assert _error(duplicate) == (400, "Request_BadRequest")
    assert "identifierUris" in duplicate.json()["error"]["message"]
    unknown = graph.call("POST", "/applications", {"displayName": "x", "colour": "blue"})
    assert _error(unknown) == (400, "Request_BadRequest")
    bad_access = graph.call(
        "POST",
        "/applications",
        {
            "displayName": "x",
            "requiredResourceAccess": [
                {
                    "resourceAppId": MS_GRAPH_APP,
                    "resourceAccess": [{"id": USER_READ, "type": "Delegated"}],
                }
            ],
        },
    )
    assert _error(bad_access) == (400, "Request_BadRequest")
    odd_filter = graph.call("GET", "/applications", **{"$filter": "startswith(displayName,'x')"})
    assert _error(odd_filter) == (400, "Request_UnsupportedQuery")
    client_id = str(uuid.uuid4())
    echoed = graph.session.get(
        f"{graph.root}/applications/{uuid.uuid4()}",
        headers={"client-request-id": client_id},
        timeout=10,
    )
    assert echoed.json()["error"]["innerError"]["client-request-id"] == client_id


def test_tokens_for_other_audiences_or_callers_are_refused(local_azure: LocalAzure) -> None:
    ep = local_azure.endpoint
    credential = ClientSecretCredential(
        ep["tenant_id"],
        ep["client_id"],
        ep["client_secret"],
        authority=ep["url"],
        disable_instance_discovery=True,
        connection_verify=ep["ca_bundle"],
    )
    arm_token = credential.get_token("https://management.azure.com/.default").token
    assert _error(Graph(local_azure, arm_token).call("GET", "/applications")) == (
        401,
        "InvalidAuthenticationToken",
    )
    assert _error(Graph(local_azure, "").call("GET", "/applications")) == (
        401,
        "InvalidAuthenticationToken",
    )
    identity = requests.get(
        ep["identity_endpoint"],
        params={"resource": "https://graph.microsoft.com", "api-version": "2019-08-01"},
        headers={"X-IDENTITY-HEADER": ep["identity_header"]},
        verify=ep["ca_bundle"],
        timeout=10,
    ).json()["access_token"]
    denied = Graph(local_azure, identity).call("POST", "/applications", {"displayName": "x"})
    assert _error(denied) == (403, "Authorization_RequestDenied")


def test_admin_api_moves_a_secret_expiry(local_azure: LocalAzure, graph: Graph) -> None:
    app = graph.call("POST", "/applications", {"displayName": "expiring"}).json()
    secret = graph.call(
        "POST",
        f"/applications/{app['id']}/addPassword",
        {"passwordCredential": {"displayName": "s"}},
    ).json()
    past = "2020-01-01T00:00:00Z"
    moved = requests.put(
        f"{local_azure.url}/_localazure/graph/applications/{app['appId']}/passwordCredentials/{secret['keyId']}",
        json={"endDateTime": past},
        verify=local_azure.ca_bundle,
        timeout=10,
    )
    assert moved.status_code == 200 and moved.json()["endDateTime"] == past
    kept = graph.call("GET", f"/applications/{app['id']}").json()["passwordCredentials"]
    assert kept[0]["endDateTime"] == past and kept[0]["secretText"] is None
