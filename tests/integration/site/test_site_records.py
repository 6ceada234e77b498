"""What the site database keeps for the site side: service name (wildcard certificates),
gateway settings, the Entra apps (never a secret), migration specs; the schema moves
forward from version 1."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from certfactory import make_ca_pem, make_pfx

from cmgdeploy.domain.errors import InputError
from cmgdeploy.domain.site_records import EntraApp, GatewaySettings, TrustedRoot
from cmgdeploy.services import certs, sitedb
from cmgdeploy.services.site import gateway_settings, plan_site
from cmgdeploy.services.sitedb import SiteDB
from cmgdeploy.services.spec import load_spec


def test_service_name_of_a_wildcard_cn_is_the_cmg_name_in_place_of_the_star() -> None:
    assert certs.service_name("*.contoso.com", "contosocmg") == "contosocmg.contoso.com"
    assert certs.service_name("cmg.contoso.com", "cmg") == "cmg.contoso.com"
    assert certs.is_wildcard("*.contoso.com") and not certs.is_wildcard("*")


def test_a_wildcard_certificate_is_accepted_for_any_name(tmp_path: Path) -> None:
    pfx = make_pfx(tmp_path / "wild.pfx", "*.contoso.com", None)
    cert = certs.load_server_certificate(pfx, None)
    assert certs.check_server_certificate(cert, "contosocmg", dt.datetime.now(dt.UTC)) == []
    spec = load_spec(
        {"name": "contosocmg", "region": "westeurope", "server_cert": str(pfx),
         "trusted_cas": [str(make_ca_pem(tmp_path / "root.cer"))]},
        {}, None,
    )  # fmt: skip
    gateway = gateway_settings(spec, cert)
    assert gateway.service_name == "contosocmg.contoso.com"
    assert gateway.server_cert_file == "wild.pfx"
    assert [r.file for r in gateway.trusted_roots] == ["root.cer"]
    assert (gateway.verify_client_revocation, gateway.enforce_tls12) == (True, True)
    assert gateway.content_from_storage is False
    assert plan_site(spec, cert).gateway == gateway


def test_a_wildcard_certificate_needs_the_name(tmp_path: Path) -> None:
    pfx = make_pfx(tmp_path / "wild.pfx", "*.contoso.com", None)
    with pytest.raises(InputError, match=r"give --name with the wildcard certificate"):
        load_spec({"region": "westeurope", "server_cert": str(pfx)}, {}, None)


def test_a_plain_cn_must_still_start_with_the_name(tmp_path: Path) -> None:
    cert = certs.load_server_certificate(
        make_pfx(tmp_path / "o.pfx", "other.contoso.com", None), None
    )
    with pytest.raises(InputError, match="first label must be the CMG name"):
        certs.check_server_certificate(cert, "contosocmg", dt.datetime.now(dt.UTC))


def test_gateway_apps_and_migration_specs_round_trip(tmp_path: Path) -> None:
    with SiteDB(tmp_path / "site.db") as db:
        gateway = GatewaySettings(
            "cmg1", "cmg1.contoso.com", "AB" * 20, "cmg.pfx", (TrustedRoot("CD" * 20, "r.cer"),),
            verify_client_revocation=False,
        )  # fmt: skip
        db.replace_site("cmg1", [], [], gateway)
        assert db.get_gateway("cmg1") == gateway
        app = EntraApp("AzurePublicCloud", "t1", "server", "cmg-server", "o1", "a1",
                       credential_key_id="k1", credential_end="2027-01-01T00:00:00Z")  # fmt: skip
        db.put_entra_app(app)
        assert db.list_entra_apps("azurepubliccloud") == (app,)
        db.put_migration_spec("cmg1", {"site_code": "P01", "connection_points": ["cp"]})
        assert db.get_migration_spec("cmg1") == {"site_code": "P01", "connection_points": ["cp"]}
        assert db.delete_service("cmg1") is False  # no service row, but the gateway goes too
        assert db.get_gateway("cmg1") is None


def test_graph_endpoint_per_built_in_cloud(tmp_path: Path) -> None:
    with SiteDB(tmp_path / "site.db") as db:
        graph = {env.name: env.graph for env in db.list_environments()}
    assert graph["AzurePublicCloud"] == "https://graph.microsoft.com"
    assert graph["AzureUSGovernmentCloud"] == "https://graph.microsoft.us"
    assert graph["AzureChinaCloud"] == "https://microsoftgraph.chinacloudapi.cn"


def test_a_version_1_site_database_moves_forward(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(sitedb.MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO cmg_services (name, environment, region, instances, state, updated) "
        "VALUES ('old', 'AzurePublicCloud', 'westeurope', 1, 'Ready', 'x')"
    )
    conn.commit()
    conn.close()
    path.chmod(0o600)
    with SiteDB(path) as db:
        assert db.schema_version == sitedb.SCHEMA_VERSION >= 2
        assert db.get_service("old") is not None
        assert db.get_environment("AzurePublicCloud").graph == "https://graph.microsoft.com"


def test_a_version_3_site_database_gains_the_app_id_uri(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    conn = sqlite3.connect(path)
    for script in sitedb.MIGRATIONS[:3]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 3")
    conn.execute(
        "INSERT INTO entra_apps (environment, tenant_id, role, display_name, object_id, "
        "app_id, updated) VALUES ('AzurePublicCloud', 't', 'server', 'CMG-ServerApp', 'o', "
        "'a', 'x')"
    )
    conn.commit()
    conn.close()
    path.chmod(0o600)
    with SiteDB(path) as db:
        assert db.schema_version == sitedb.SCHEMA_VERSION >= 4
        (app,) = db.list_entra_apps("AzurePublicCloud")
        assert app.app_id_uri is None
        db.put_entra_app(replace(app, app_id_uri="api://t/ConfigMgrService"))
        assert db.list_entra_apps("AzurePublicCloud")[0].app_id_uri == "api://t/ConfigMgrService"
