"""``check``: expiry and health for monitoring, through the real CLI and local Azure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from certfactory import make_cert, make_pem, make_pfx
from clifixtures import add_environment_row
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

SITE = ("--region", "westeurope", "--site-code", "PS1", "--connection-point", "cp1.contoso.com", "--yes")  # fmt: skip
PASSWORD = "pfx-pass-123"


def _pfx(path: Path, cn: str, days: int) -> Path:
    return make_pfx(path, cn, PASSWORD, days=days)


def _items(run: Any, kind: str) -> list[dict[str, Any]]:
    return [i for i in run.json["data"]["items"] if i["kind"] == kind]


@pytest.fixture()
def env(cli: Any, local_azure: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CMGDEPLOY_SERVER_CERT_PASSWORD", PASSWORD)
    add_environment_row(cli, local_azure, monkeypatch, "checkcloud")
    return "checkcloud"


def test_healthy_cmg_exit_0(cli: Any, env: str, tmp_path: Path) -> None:
    cert = _pfx(tmp_path / "ok.pfx", "okcmg.westeurope.cloudapp.azure.com", 365)
    assert cli("-e", env, "up", "--name", "okcmg", "--server-cert", str(cert), *SITE).code == 0
    run = cli("-e", env, "-o", "json", "check", "--name", "okcmg")
    assert run.code == 0, run.err
    assert run.json["ok"] is True and run.json["data"]["status"] == "ok"
    assert _items(run, "deployment")[0]["status"] == "ok"
    server = _items(run, "server certificate")[0]
    assert server["status"] == "ok" and server["days_left"] > 360


def test_certificate_expiring_in_10_days_is_warning_10_and_named(
    cli: Any, env: str, tmp_path: Path
) -> None:
    cn = "soonexp.westeurope.cloudapp.azure.com"
    cert = _pfx(tmp_path / "soon.pfx", cn, 10)
    assert cli("-e", env, "up", "--name", "soonexp", "--server-cert", str(cert), *SITE).code == 0

    text = cli("-e", env, "check", "--name", "soonexp")
    assert text.code == 10
    assert "CMG soonexp: WARNING" in text.out
    assert f"WARNING  server certificate {cn}: expires on" in text.out

    as_json = cli("-e", env, "-o", "json", "check", "--name", "soonexp")
    assert as_json.code == 10 and as_json.json["exit_code"] == 10
    server = _items(as_json, "server certificate")[0]
    assert server["status"] == "warning" and 9 < server["days_left"] <= 10
    # Within --critical-days it is critical; a shorter --warn-days makes it ok.
    assert cli("-e", env, "check", "--name", "soonexp", "--critical-days", "12",
               "--warn-days", "30").code == 11  # fmt: skip
    assert cli("-e", env, "check", "--name", "soonexp", "--warn-days", "5",
               "--critical-days", "1").code == 0  # fmt: skip


def test_expired_trusted_root_and_management_certificate_are_critical_11(
    cli: Any, env: str, tmp_path: Path
) -> None:
    ca_cert, _ = make_cert("Soon Root CA", ca=True, eku_server_auth=False, days=3)
    ca = tmp_path / "root.pem"
    ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    server = _pfx(tmp_path / "r.pfx", "rootcmg.westeurope.cloudapp.azure.com", 365)
    up = cli("-e", env, "up", "--name", "rootcmg", "--server-cert", str(server),
             "--trusted-ca", str(ca), *SITE)  # fmt: skip
    assert up.code == 0, up.err
    run = cli("-e", env, "-o", "json", "check", "--name", "rootcmg")
    assert run.code == 11  # 3 days left: within the default 7 critical days
    root = _items(run, "trusted root")[0]
    assert root["status"] == "critical" and "Soon Root CA" in root["name"]

    mgmt = make_pem(tmp_path / "mgmt.pem", "Old Management", days=-2)
    run = cli("-e", env, "-o", "json", "check", "--name", "rootcmg", "--management-cert", str(mgmt))
    item = _items(run, "management certificate")[0]
    assert run.code == 11 and item["status"] == "critical" and "expired on" in item["detail"]


def test_failed_deployment_is_critical(
    cli: Any, local_azure_factory: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    faults = {"targeted": [{"kind": "fail_deployment", "type": "Microsoft.Compute/virtualMachineScaleSets",
                            "code": "AllocationFailed", "message": "no capacity here", "count": 1}]}  # fmt: skip
    add_environment_row(cli, local_azure_factory(faults=faults), monkeypatch, "failcloud")
    assert cli("-e", "failcloud", "up", "--name", "failchk", "--self-signed-cert", *SITE).code == 1
    run = cli("-e", "failcloud", "-o", "json", "check", "--name", "failchk")
    assert run.code == 11
    dep = _items(run, "deployment")[0]
    assert dep["status"] == "critical" and "AllocationFailed" in dep["detail"]


def test_a_cmg_not_deployed_from_here_is_a_warning(cli: Any, env: str, home: Path) -> None:
    assert cli("-e", env, "up", "--name", "elsecmg", "--self-signed-cert", *SITE).code == 0
    (home / "cmgs" / "elsecmg.certificates.json").unlink()  # as on another machine
    run = cli("-e", env, "-o", "json", "check", "--name", "elsecmg")
    assert run.code == 10
    assert "did not deploy the CMG" in _items(run, "server certificate")[0]["detail"]


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--warn-days", "abc"), "--warn-days"),
        (("--warn-days", "-1"), "--warn-days"),
        (("--warn-days", "5", "--critical-days", "9"), "--critical-days"),
        (("--connect", "--service-name", "not a name"), "--service-name"),
        (("--connect", "--trust-ca", "/nonexistent/ca.pem"), "--trust-ca"),
    ],
)
def test_bad_input_exit_2_before_any_request(
    cli: Any, home: Path, args: tuple[str, ...], field: str
) -> None:
    run = cli("-o", "json", "check", "--name", "anycmg", *args)
    assert run.code == 2, run.err
    assert f"cmgdeploy: error: {field}:" in run.err and "Traceback" not in run.err


def test_unknown_cmg_exit_2(cli: Any, env: str) -> None:
    run = cli("-e", env, "check", "--name", "nosuchcmg")
    assert run.code == 2 and "--name: 'nosuchcmg'" in run.err


# -- the connection analyzer --------------------------------------------------------------
def _ca_signed_pfx(path: Path, cn: str) -> tuple[Path, Path]:
    """A server PFX for ``cn`` issued by a fresh CA; returns (pfx, ca pem)."""
    ca_cert, ca_key = make_cert("Contoso Test Root", ca=True, eku_server_auth=False)
    cert, key = make_cert(cn, issuer=(ca_cert, ca_key))
    data = pkcs12.serialize_key_and_certificates(
        b"cmg", key, cert, [ca_cert], serialization.BestAvailableEncryption(PASSWORD.encode())
    )  # type: ignore[arg-type]
    path.write_bytes(data)
    ca = path.with_suffix(".ca.pem")
    ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return path, ca


def test_connect_reports_each_endpoint(
    cli: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CMGDEPLOY_SERVER_CERT_PASSWORD", PASSWORD)
    fqdn = "conncmg.westeurope.cloudapp.azure.com"
    pfx, ca = _ca_signed_pfx(tmp_path / "conn.pfx", fqdn)
    up = cli("-e", "local", "up", "--name", "conncmg", "--instances", "3",
             "--server-cert", str(pfx), *SITE)  # fmt: skip
    assert up.code == 0, up.err

    run = cli("-e", "local", "-o", "json", "check", "--name", "conncmg", "--connect",
              "--trust-ca", str(ca))  # fmt: skip
    assert run.code == 0, run.out
    endpoints = _items(run, "endpoint")
    assert [e["name"] for e in endpoints] == [
        f"{fqdn}:443",
        f"{fqdn}:10124",
        f"{fqdn}:10125",
        f"{fqdn}:10126",
    ]
    for e in endpoints:
        assert (
            e["status"] == "ok"
            and "chain trusted" in e["detail"]
            and "at 127.0.0.1:" in e["detail"]
        )

    untrusted = cli("-e", "local", "-o", "json", "check", "--name", "conncmg", "--connect")
    assert untrusted.code == 11  # the test CA is not in the system's trust store
    assert all("chain not trusted" in e["detail"] for e in _items(untrusted, "endpoint"))


def test_connect_reports_a_wrong_name_certificate(
    cli: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CMGDEPLOY_SERVER_CERT_PASSWORD", PASSWORD)
    pfx, ca = _ca_signed_pfx(tmp_path / "wrong.pfx", "wrongcmg.contoso.com")
    up = cli("-e", "local", "up", "--name", "wrongcmg", "--server-cert", str(pfx), *SITE)
    assert up.code == 0, up.err

    run = cli("-e", "local", "check", "--name", "wrongcmg", "--connect", "--trust-ca", str(ca))
    assert run.code == 11
    assert "CRITICAL endpoint wrongcmg.westeurope.cloudapp.azure.com:443: " in run.out
    assert "wrong name: the certificate is for wrongcmg.contoso.com, not " \
           "wrongcmg.westeurope.cloudapp.azure.com" in run.out  # fmt: skip
    # The custom domain is the name clients use; it has no DNS here (no CNAME).
    custom = cli("-e", "local", "-o", "json", "check", "--name", "wrongcmg", "--connect",
                 "--service-name", "wrongcmg.contoso.com", "--trust-ca", str(ca))  # fmt: skip
    assert "wrongcmg.contoso.com does not resolve" in _items(custom, "endpoint")[0]["detail"]


def test_lab_certificate_endpoints_warn_that_clients_must_trust_it(cli: Any, home: Path) -> None:
    assert cli("-e", "local", "up", "--name", "labconn", "--self-signed-cert", *SITE).code == 0
    run = cli("-e", "local", "-o", "json", "check", "--name", "labconn", "--connect")
    assert run.code == 10
    (endpoint,) = _items(run, "endpoint")
    assert endpoint["status"] == "warning" and "self-signed lab certificate" in endpoint["detail"]


@pytest.mark.parametrize("value", ["5", "61", "abc"])
def test_bad_lease_seconds_exit_2_before_any_write(
    cli: Any, env: str, local_azure: Any, writes: Any, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CMGDEPLOY_LEASE_SECONDS", value)
    before = writes(local_azure.state_dir)
    run = cli("-e", env, "up", "--name", "leasebad", "--self-signed-cert", *SITE)
    assert run.code == 2 and "CMGDEPLOY_LEASE_SECONDS" in run.err and "15 to 60" in run.err
    assert writes(local_azure.state_dir) == before


# -- Entra app secrets (Microsoft Graph) ----------------------------------------------------
def _graph_app(az: Any, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """An app registration with one client secret in the local Graph: (app, secret)."""
    import requests
    from azure.identity import ClientSecretCredential

    ident = az.identity
    token = ClientSecretCredential(
        ident.tenant_id, ident.client_id, ident.client_secret, authority=az.url,
        connection_verify=az.ca_bundle, disable_instance_discovery=True,
    ).get_token("https://graph.microsoft.com/.default").token  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    app = requests.post(f"{az.url}/v1.0/applications", json={"displayName": name},
                        headers=headers, verify=az.ca_bundle, timeout=30).json()  # fmt: skip
    secret = requests.post(f"{az.url}/v1.0/applications/{app['id']}/addPassword",
                           json={"passwordCredential": {"displayName": "cmg"}},
                           headers=headers, verify=az.ca_bundle, timeout=30).json()  # fmt: skip
    return app, secret


def _move_secret_end(az: Any, app: dict[str, Any], key_id: str, end: str) -> None:
    import requests

    moved = requests.put(
        f"{az.url}/_localazure/graph/applications/{app['id']}/passwordCredentials/{key_id}",
        json={"endDateTime": end}, verify=az.ca_bundle, timeout=30,
    )  # fmt: skip
    assert moved.status_code == 200, moved.text


def test_app_secrets_through_graph_expired_is_critical(cli: Any, home: Path) -> None:
    import datetime as dt

    from cmgdeploy.domain.site_records import EntraApp
    from cmgdeploy.services.sitedb import SiteDB
    from mocks import LocalAzure

    with LocalAzure(home / "local-azure") as az:  # -e local finds it running
        assert cli("-e", "local", "up", "--name", "appcmg", "--self-signed-cert", *SITE).code == 0
        app, secret = _graph_app(az, "ContosoCMG Server")
        with SiteDB(home / "site.db") as db:
            db.put_entra_app(EntraApp(
                environment="local", tenant_id=az.identity.tenant_id, role="server",
                display_name="ContosoCMG Server", object_id=app["id"], app_id=app["appId"],
                credential_key_id=secret["keyId"], credential_end=secret["endDateTime"],
            ))  # fmt: skip
        assert secret["secretText"]  # Graph returns it once; check never shows it

        healthy = cli("-e", "local", "-o", "json", "check", "--name", "appcmg")
        (item,) = _items(healthy, "app secret")
        assert item["status"] == "ok" and app["appId"] in item["name"]
        assert secret["secretText"] not in healthy.out

        now = dt.datetime.now(dt.UTC)
        _move_secret_end(az, app, secret["keyId"], (now + dt.timedelta(days=10)).isoformat())
        soon = cli("-e", "local", "check", "--name", "appcmg")
        assert soon.code == 10 and "WARNING  app secret ContosoCMG Server (server app" in soon.out

        _move_secret_end(az, app, secret["keyId"], (now - dt.timedelta(days=1)).isoformat())
        expired = cli("-e", "local", "-o", "json", "check", "--name", "appcmg")
        assert expired.code == 11
        (item,) = _items(expired, "app secret")
        assert item["status"] == "critical" and "expired on" in item["detail"]
        assert secret["keyId"] in item["detail"]


def test_an_app_deleted_from_the_tenant_is_critical(cli: Any, home: Path) -> None:
    from cmgdeploy.domain.site_records import EntraApp
    from cmgdeploy.services.sitedb import SiteDB
    from mocks import LocalAzure

    with LocalAzure(home / "local-azure") as az:
        assert cli("-e", "local", "up", "--name", "goneapp", "--self-signed-cert", *SITE).code == 0
        with SiteDB(home / "site.db") as db:
            db.put_entra_app(EntraApp(
                environment="local", tenant_id=az.identity.tenant_id, role="client",
                display_name="ContosoCMG Client", object_id="00000000-0000-0000-0000-00000000dead",
                app_id="00000000-0000-0000-0000-00000000beef",
            ))  # fmt: skip
        run = cli("-e", "local", "-o", "json", "check", "--name", "goneapp")
        assert run.code == 11, run.err
        (item,) = _items(run, "app secret")
        assert item["status"] == "critical" and item["detail"].startswith("the app is gone")
        assert _items(run, "deployment")[0]["status"] == "ok"  # the other checks still ran
