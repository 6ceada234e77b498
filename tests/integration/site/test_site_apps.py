"""``site apps``: the CMG's two Entra apps through Microsoft Graph of the local Azure,
recorded in the site database (never the secret), imported by the runbook."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from cmgdeploy.services.sitedb import SiteDB

APPS = ("-e", "local", "-o", "json", "site", "apps", "--tenant-name", "contoso.onmicrosoft.com")


def _graph_requests(home: Path) -> list[dict[str, Any]]:
    import json

    log = home / "local-azure" / "requests.jsonl"
    lines = log.read_text().splitlines() if log.exists() else []
    return [r for r in map(json.loads, lines) if r.get("path", "").startswith("/v1.0/")]


def test_creates_both_apps_then_reuses_them(cli: Any, home: Path) -> None:
    first = cli(*APPS)
    assert first.code == 0, first.err
    data = first.json["data"]
    server, client = data["server"], data["client"]
    assert (server["display_name"], client["display_name"]) == ("CMG-ServerApp", "CMG-ClientApp")
    assert server["credential_key_id"] and server["credential_end"]
    assert any("server app CMG-ServerApp" in c for c in data["created"])
    assert any("client app CMG-ClientApp" in c for c in data["created"])
    secret_file = Path(data["secret_file"])
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    secret = secret_file.read_text().strip()
    assert len(secret) > 10 and secret not in first.out

    with SiteDB(home / "site.db") as db:
        recorded = {a.role: a for a in db.list_entra_apps("local")}
        assert recorded["server"].app_id == server["app_id"]
        assert recorded["client"].app_id == client["app_id"]
    assert secret.encode() not in (home / "site.db").read_bytes()

    # What Graph now holds: the documented settings of each app.
    writes = [r for r in _graph_requests(home) if r["method"] in ("POST", "PATCH")]
    assert next(r["path"] for r in writes if r["method"] == "POST") == "/v1.0/applications"

    again = cli(*APPS)
    assert again.code == 0, again.err
    assert again.json["data"]["created"] == [] and again.json["data"]["secret_file"] is None
    assert again.json["data"]["server"]["credential_key_id"] == server["credential_key_id"]

    script = cli("site", "export").out
    assert (
        f"Get-CMAADApplication -AppType ServerApplication -ClientId '{server['app_id']}'" in script
    )
    assert "$tenantName = 'contoso.onmicrosoft.com'" in script
    assert "Import-CMAADClientApplication -ServerApp $serverApp -AppName 'CMG-ClientApp'" in script
    assert secret not in script


def test_the_apps_have_what_the_configmgr_page_lists(cli: Any, home: Path) -> None:
    from mocks import CloudConfig, LocalAzure
    from mocks.pytest_plugin import FAST

    with LocalAzure(home / "local-azure", config=CloudConfig(**FAST)) as az:
        _check_apps(cli, home, az)


def _check_apps(cli: Any, home: Path, az: Any) -> None:
    import requests
    from azure.identity import ClientSecretCredential

    assert cli(*APPS).code == 0
    ep = az.endpoint
    credential = ClientSecretCredential(
        ep["tenant_id"], ep["client_id"], ep["client_secret"], authority=ep["url"],
        disable_instance_discovery=True, connection_verify=ep["ca_bundle"],
    )  # fmt: skip
    token = credential.get_token("https://graph.microsoft.com/.default").token
    with SiteDB(home / "site.db") as db:
        apps = {a.role: a for a in db.list_entra_apps("local")}

    def get(object_id: str) -> dict[str, Any]:
        url = f"{ep['graph_url']}/v1.0/applications/{object_id}"
        resp = requests.get(url, headers={"Authorization": f"Bearer {token}"},
                            verify=ep["ca_bundle"], timeout=10)  # fmt: skip
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    server, client = get(apps["server"].object_id), get(apps["client"].object_id)
    assert server["identifierUris"] == [f"api://{ep['tenant_id']}/ConfigMgrService"]
    (scope,) = server["api"]["oauth2PermissionScopes"]
    assert (scope["value"], scope["type"]) == ("user_impersonation", "User")
    assert server["web"]["implicitGrantSettings"]["enableIdTokenIssuance"] is True
    assert [c["keyId"] for c in server["passwordCredentials"]] == [apps["server"].credential_key_id]
    assert client["isFallbackPublicClient"] is True
    assert client["publicClient"]["redirectUris"] == [
        f"ms-appx-web://Microsoft.AAD.BrokerPlugin/{client['appId']}"
    ]
    assert client["requiredResourceAccess"] == [
        {"resourceAppId": server["appId"], "resourceAccess": [{"id": scope["id"], "type": "Scope"}]}
    ]


def test_an_app_id_uri_without_the_tenant_is_refused_before_graph(cli: Any, home: Path) -> None:
    """The identifier URI policy's forms are checked before anything is written: a URI
    without the tenant ID or a domain (the old https://ConfigMgrService example) and a
    GUID that is not this tenant both fail with exit 2, naming the field and the forms."""
    for bad in ("https://ConfigMgrService", "api://ConfigMgrService", "https://cmg .contoso.com"):
        result = cli(*APPS, "--app-id-uri", bad)
        assert result.code == 2, result.err
        (error,) = result.json["errors"]
        assert error["target"] == "--app-id-uri" and repr(bad) in error["message"]
        assert "api://<tenant ID>/<name>" in error["message"]
        assert "Traceback" not in result.err
    other_tenant = "api://00000000-0000-0000-0000-000000000001/ConfigMgrService"
    result = cli(*APPS, "--app-id-uri", other_tenant)
    assert result.code == 2 and "is not the tenant ID" in result.json["errors"][0]["message"]
    assert [r for r in _graph_requests(home) if r["method"] != "GET"] == []


def test_graph_refuses_a_domain_the_tenant_has_not_verified(cli: Any, home: Path) -> None:
    """A URI on a domain is passed on; the local Graph, like Entra's default policy,
    refuses a domain that is not verified in the tenant, and nothing is recorded."""
    result = cli(*APPS, "--app-id-uri", "https://cmg.contoso.com/ConfigMgrService")
    assert result.code == 1, result.err
    assert result.json["errors"][0]["code"] == "InvalidUniqueTenantIdentifierAsPerAppPolicy"
    assert "must contain a tenant verified domain, tenant ID, or app ID" in result.err
    with SiteDB(home / "site.db") as db:
        assert db.list_entra_apps("local") == ()
    verified = cli(*APPS, "--app-id-uri", "https://localazure.onmicrosoft.com/ConfigMgrService")
    assert verified.code == 0, verified.err


def test_the_runbook_imports_the_app_id_uri_graph_holds(cli: Any, home: Path) -> None:
    """The site database keeps the server app's identifierUris[0]; the runbook hands it to
    Import-CMAADServerApplication -AppIdUri."""
    uri = "https://localazure.onmicrosoft.com/ConfigMgrService"
    assert cli(*APPS, "--app-id-uri", uri).code == 0
    reused = cli(*APPS)  # the reused app keeps the URI Graph holds, whatever the default
    assert reused.code == 0 and reused.json["data"]["created"] == []
    with SiteDB(home / "site.db") as db:
        recorded = {a.role: a for a in db.list_entra_apps("local")}
    assert recorded["server"].app_id_uri == uri and recorded["client"].app_id_uri is None
    script = cli("site", "export").out
    (line,) = [x for x in script.splitlines() if "Import-CMAADServerApplication" in x]
    assert f"-AppIdUri '{uri}'" in line
