"""The local Azure's HTTPS server: TLS, dispatch, ARM token checks, request log, CLI."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from azure.core.credentials import AccessToken
from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
)
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.resources import ResourceManagementClient
from cryptography.hazmat.primitives.asymmetric import rsa

from mocks import LocalAzure, read_endpoint
from mocks.__main__ import main as mocks_cli
from mocks.core.cloud import Cloud
from mocks.core.errors import ArmError
from mocks.core.http import Request, Response
from mocks.core.routing import Route, Router
from mocks.core.server import Dispatcher, make_server

ARM = "https://management.azure.com"


def credential(az: LocalAzure) -> ClientSecretCredential:
    ident = az.identity
    return ClientSecretCredential(
        ident.tenant_id,
        ident.client_id,
        ident.client_secret,
        authority=az.url,
        disable_instance_discovery=True,
        connection_verify=az.ca_bundle,
    )


def arm_token(az: LocalAzure, audience: str = ARM) -> str:
    return credential(az).get_token(audience + "/.default").token


def arm_get(az: LocalAzure, path: str, token: str | None, **headers: str) -> requests.Response:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.get(
        f"{az.url}{path}",
        params={"api-version": "2022-12-01"},
        headers=headers,
        verify=az.ca_bundle,
    )


def resource_client(az: LocalAzure) -> ResourceManagementClient:
    return ResourceManagementClient(
        credential(az),
        az.identity.subscription_id,
        base_url=az.url,
        credential_scopes=[ARM + "/.default"],
        connection_verify=az.ca_bundle,
    )


# -- TLS and binding ----------------------------------------------------------------------
def test_tls_is_verified_against_the_local_ca_only(local_azure: LocalAzure) -> None:
    url = f"{local_azure.url}/_localazure/health"
    assert requests.get(url, verify=local_azure.ca_bundle).json()["status"] == "ok"
    session = requests.Session()
    session.trust_env = False  # the system bundle alone must not trust the local CA
    with pytest.raises(requests.exceptions.SSLError):
        session.get(url)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_non_loopback_bind_is_refused(tmp_path: Path, host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        LocalAzure(tmp_path, host=host)
    cloud = Cloud(tmp_path / "c")
    with pytest.raises(ValueError, match="loopback"):
        make_server(cloud, host=host)


def test_state_files_holding_secrets_are_private(local_azure: LocalAzure) -> None:
    # One request, so the request log exists even when this test runs first.
    requests.get(f"{local_azure.url}/_localazure/health", verify=local_azure.ca_bundle)
    names = ("ca.key", "server.key", "signing.key", "sp.pem", "sp.pfx", "management.pem")
    for name in (*names, "endpoint.json", "cloud.db", "requests.jsonl"):
        mode = stat.S_IMODE((local_azure.state_dir / name).stat().st_mode)
        assert mode == 0o600, name


def test_a_new_state_dir_and_its_database_are_private_from_the_start(tmp_path: Path) -> None:
    # A subprocess: the umask is process-wide; 022 is the usual, permissive default.
    state = tmp_path / "fresh" / "state"
    code = (
        "import os, sys; os.umask(0o022); from mocks.core.cloud import Cloud; "
        "Cloud(__import__('pathlib').Path(sys.argv[1]))"
    )
    subprocess.run([sys.executable, "-c", code, str(state)], check=True, timeout=60)
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "cloud.db").stat().st_mode) == 0o600  # before bootstrap


def test_endpoint_json_describes_the_running_server(local_azure: LocalAzure) -> None:
    info = read_endpoint(local_azure.state_dir)
    assert info is not None
    assert info["url"] == local_azure.url
    assert info["pid"] == os.getpid()
    assert info["tenant_id"] == local_azure.identity.tenant_id
    assert len(info["client_secret"]) == 40
    assert Path(info["client_certificate"]).read_text().count("BEGIN") == 2  # cert + key


def test_client_secrets_never_start_with_a_dash() -> None:
    # azure-cli expands `-p @file` to `-p -xyz…`, which argparse takes for an option.
    from mocks.core.bootstrap import new_client_secret

    secrets_made = [new_client_secret() for _ in range(2000)]
    assert all(s[0].isascii() and s[0].isalnum() for s in secrets_made)
    assert {len(s) for s in secrets_made} == {40}
    assert len(set(secrets_made)) == 2000  # random, not a constant
    assert any("-" in s[1:] for s in secrets_made)  # the rest keeps Entra's alphabet


def test_a_second_server_stopping_does_not_hide_the_first(tmp_path: Path) -> None:
    with LocalAzure(tmp_path) as first:
        with LocalAzure(tmp_path) as second:
            shown = read_endpoint(tmp_path)
            assert shown is not None and shown["url"] == second.url != first.url
        shown = read_endpoint(tmp_path)
        assert shown is not None and shown["url"] == first.url  # named again
        assert shown["identity_endpoint"] == f"{first.url}/msi/token"
        assert resource_client(first).resource_groups.check_existence("none") is False
    assert read_endpoint(tmp_path) is None


def test_private_files_are_replaced_never_seen_truncated(tmp_path: Path) -> None:
    import threading

    from mocks.core.pki import write_private

    path = tmp_path / "endpoint.json"
    write_private(path, b"x" * 4096)
    seen: set[int] = set()
    done = threading.Event()

    def read_until_done() -> None:
        while not done.is_set():
            seen.add(len(path.read_bytes()))

    reader = threading.Thread(target=read_until_done)
    reader.start()
    try:
        for n in range(300):
            write_private(path, bytes([65 + n % 26]) * 4096)
    finally:
        done.set()
        reader.join()
    assert seen == {4096}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["endpoint.json"]  # no temp files left


def test_restart_keeps_identity_and_resources(tmp_path: Path) -> None:
    with LocalAzure(tmp_path) as first:
        ident = first.identity
        resource_client(first).resource_groups.create_or_update("keep", {"location": "westus"})
    assert read_endpoint(tmp_path) is None  # stopped
    with LocalAzure(tmp_path) as second:
        assert second.identity == ident
        assert resource_client(second).resource_groups.get("keep").location == "westus"


# -- ARM authentication ---------------------------------------------------------------------
def test_sdk_with_a_valid_token_works(local_azure: LocalAzure) -> None:
    client = resource_client(local_azure)
    group = client.resource_groups.create_or_update("srv-ok", {"location": "westeurope"})
    assert group.name == "srv-ok"


def test_missing_token_is_authentication_failed(local_azure: LocalAzure) -> None:
    answer = arm_get(local_azure, "/subscriptions", None)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "AuthenticationFailed"


def test_forged_token_is_invalid_authentication_token(local_azure: LocalAzure) -> None:
    real = jwt.decode(arm_token(local_azure), options={"verify_signature": False})
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(real, other_key, algorithm="RS256")
    answer = arm_get(local_azure, "/subscriptions", forged)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_wrong_audience_is_refused(local_azure: LocalAzure) -> None:
    token = arm_token(local_azure, "https://vault.azure.net")
    answer = arm_get(local_azure, "/subscriptions", token)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "InvalidAuthenticationTokenAudience"


@pytest.mark.parametrize("audience", [ARM, "https://management.core.windows.net/"])
def test_arm_audiences_are_accepted(local_azure: LocalAzure, audience: str) -> None:
    token = arm_token(local_azure, audience)
    assert arm_get(local_azure, "/subscriptions", token).status_code == 200


def test_expired_token_is_expired_authentication_token(
    local_azure_factory: Callable[..., LocalAzure],
) -> None:
    az = local_azure_factory(token_lifetime=1)
    token = arm_token(az)
    expiry = jwt.decode(token, options={"verify_signature": False})["exp"]
    while time.time() < expiry:  # wait for the condition, not a fixed time
        time.sleep(0.05)
    answer = arm_get(az, "/subscriptions", token)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "ExpiredAuthenticationToken"
    challenge = answer.headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in challenge
    assert "is earlier than current UTC time" in challenge


class StaticCredential:
    """A TokenCredential that always hands out one given token (forged, expired…)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.token, int(time.time()) + 3600)


def sdk_with_token(az: LocalAzure, token: str) -> ResourceManagementClient:
    return ResourceManagementClient(
        StaticCredential(token),  # type: ignore[arg-type]
        az.identity.subscription_id,
        base_url=az.url,
        credential_scopes=[ARM + "/.default"],
        connection_verify=az.ca_bundle,
    )


def test_sdk_with_a_forged_token_raises_invalid_authentication_token(
    local_azure: LocalAzure,
) -> None:
    real = jwt.decode(arm_token(local_azure), options={"verify_signature": False})
    forged = jwt.encode(real, rsa.generate_private_key(public_exponent=65537, key_size=2048),
                        algorithm="RS256")  # fmt: skip
    with pytest.raises(ClientAuthenticationError) as exc:
        sdk_with_token(local_azure, forged).resource_groups.get("any")
    assert exc.value.status_code == 401
    assert exc.value.error is not None and exc.value.error.code == "InvalidAuthenticationToken"


def test_sdk_with_an_expired_token_raises_expired_authentication_token(
    local_azure_factory: Callable[..., LocalAzure],
) -> None:
    az = local_azure_factory(token_lifetime=1)
    token = arm_token(az)
    expiry = jwt.decode(token, options={"verify_signature": False})["exp"]
    while time.time() < expiry:  # wait for the condition, not a fixed time
        time.sleep(0.05)
    with pytest.raises(ClientAuthenticationError) as exc:
        sdk_with_token(az, token).resource_groups.get("any")
    assert exc.value.error is not None and exc.value.error.code == "ExpiredAuthenticationToken"


def test_sdk_put_of_an_unregistered_provider_is_missing_subscription_registration(
    local_azure_factory: Callable[..., LocalAzure],
) -> None:
    az = local_azure_factory()  # fresh subscription: Microsoft.KeyVault NotRegistered
    client = resource_client(az)
    client.resource_groups.create_or_update("kv-rg", {"location": "westeurope"})
    vault_id = (
        f"/subscriptions/{az.identity.subscription_id}/resourceGroups/kv-rg/providers/"
        "Microsoft.KeyVault/vaults/unregvault"
    )
    vault = {"location": "westeurope", "properties": {"tenantId": az.identity.tenant_id,
             "sku": {"family": "A", "name": "standard"}, "accessPolicies": []}}  # fmt: skip
    with pytest.raises(HttpResponseError) as exc:
        client.resources.begin_create_or_update_by_id(
            vault_id, parameters=vault, api_version="2023-07-01"
        ).result()
    assert exc.value.status_code == 409
    assert exc.value.error is not None
    assert exc.value.error.code == "MissingSubscriptionRegistration"


@pytest.mark.parametrize("token_kind", ["missing", "malformed", "forged"])
def test_every_arm_401_carries_a_bearer_challenge(local_azure: LocalAzure, token_kind: str) -> None:
    token = {"missing": None, "malformed": "not-a-jwt", "forged": jwt.encode(
        {"exp": int(time.time()) + 600, "tid": "x"}, "k" * 32, algorithm="HS256")}[token_kind]  # fmt: skip
    answer = arm_get(local_azure, "/subscriptions", token)
    assert answer.status_code == 401
    challenge = answer.headers["WWW-Authenticate"]
    assert (
        challenge.startswith('Bearer authorization_uri="') and 'error="invalid_token"' in challenge
    )


def test_arm_requests_need_an_api_version(local_azure: LocalAzure) -> None:
    headers = {"Authorization": f"Bearer {arm_token(local_azure)}"}
    sub = local_azure.identity.subscription_id
    bare = requests.get(f"{local_azure.url}/subscriptions/{sub}/resourcegroups",
                        headers=headers, verify=local_azure.ca_bundle)  # fmt: skip
    assert bare.status_code == 400
    assert bare.json()["error"]["code"] == "MissingApiVersionParameter"
    exempt = requests.get(f"{local_azure.url}/metadata/endpoints", verify=local_azure.ca_bundle)
    assert exempt.status_code == 200  # azure-cli's cloud discovery sends none


def test_a_malformed_request_gets_a_logged_json_400(local_azure: LocalAzure) -> None:
    import socket
    import ssl

    context = ssl.create_default_context(cafile=local_azure.ca_bundle)
    host, port = local_azure.url.removeprefix("https://").rsplit(":", 1)
    raw_sock = socket.create_connection((host, int(port)), timeout=10)
    with context.wrap_socket(raw_sock, server_hostname=host) as tls:
        tls.sendall(b"PUT /subscriptions/bad-length HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Length: twelve\r\n\r\n")  # fmt: skip
        answer = b""
        while chunk := tls.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert json.loads(body)["error"]["code"] == "BadRequest"
    logged = [
        e for e in requestlog_entries(local_azure) if e["path"] == "/subscriptions/bad-length"
    ]
    assert [(e["method"], e["status"]) for e in logged] == [("PUT", 400)]


def requestlog_entries(az: LocalAzure) -> list[dict[str, Any]]:
    from mocks.core import requestlog

    return list(requestlog.read(az.state_dir))


def test_sdk_raises_client_authentication_error_on_401(local_azure: LocalAzure) -> None:
    client = ResourceManagementClient(
        credential(local_azure),
        local_azure.identity.subscription_id,
        base_url=local_azure.url,
        credential_scopes=["https://vault.azure.net/.default"],  # wrong audience
        connection_verify=local_azure.ca_bundle,
    )
    with pytest.raises(ClientAuthenticationError) as exc:
        client.resource_groups.get("anything")
    assert exc.value.error is not None
    assert exc.value.error.code == "InvalidAuthenticationTokenAudience"


# -- dispatch -------------------------------------------------------------------------------
def test_ids_and_rate_limit_headers(local_azure: LocalAzure) -> None:
    answer = arm_get(
        local_azure,
        "/subscriptions",
        arm_token(local_azure),
        **{"x-ms-correlation-request-id": "my-correlation"},
    )
    assert answer.headers["x-ms-correlation-request-id"] == "my-correlation"
    assert len(answer.headers["x-ms-request-id"]) == 36
    assert int(answer.headers["x-ms-ratelimit-remaining-subscription-reads"]) > 0


def test_unsupported_path_and_method_are_loud(local_azure: LocalAzure) -> None:
    token = arm_token(local_azure)
    unknown = arm_get(local_azure, "/no/such/thing", token)
    assert unknown.status_code == 404
    assert "GET /no/such/thing" in unknown.json()["error"]["message"]
    wrong_method = requests.delete(
        f"{local_azure.url}/_localazure/health", verify=local_azure.ca_bundle
    )
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "LocalAzureUnsupportedOperation"


def test_head_answers_without_a_body(local_azure: LocalAzure) -> None:
    answer = requests.head(f"{local_azure.url}/_localazure/health", verify=local_azure.ca_bundle)
    assert answer.status_code == 200
    assert answer.content == b""


def test_handler_errors_become_arm_errors_without_traceback(tmp_path: Path) -> None:
    def broken(cloud: Cloud, request: Request) -> Response:
        raise RuntimeError("the handler broke")

    def refusing(cloud: Cloud, request: Request) -> Response:
        raise ArmError("no", code="SomethingTaken", status=409)

    router = Router(
        [
            Route("GET", "/boom", broken, "Test_Boom", auth="none"),
            Route("GET", "/refuse", refusing, "Test_Refuse", auth="none"),
        ]
    )
    with LocalAzure(tmp_path) as az:
        dispatcher = Dispatcher(az.cloud, router)
        boom = dispatcher.dispatch(Request("GET", "/boom", {}, {}))
        refuse = dispatcher.dispatch(Request("GET", "/refuse", {}, {}))
    assert boom.status == 500
    body = json.loads(boom.body)
    assert body["error"] == {"code": "InternalServerError", "message": "the handler broke"}
    assert b"Traceback" not in boom.body
    assert refuse.status == 409
    assert json.loads(refuse.body)["error"]["code"] == "SomethingTaken"


# -- request log ------------------------------------------------------------------------------
def test_request_log_has_the_fields_and_no_secrets(
    local_azure_factory: Callable[..., LocalAzure],
) -> None:
    az = local_azure_factory()
    token = arm_token(az)
    requests.get(
        f"{az.url}/subscriptions",
        params={"api-version": "2022-12-01", "sig": "query-secret"},
        headers={"Authorization": f"Bearer {token}", "User-Agent": "test-agent/1"},
        verify=az.ca_bundle,
    )
    raw = (az.state_dir / "requests.jsonl").read_text()
    for secret in (az.identity.client_secret, token, "query-secret"):
        assert secret not in raw
    entries = [json.loads(line) for line in raw.splitlines()]
    token_call, arm_call = entries[-2], entries[-1]
    assert token_call["operation"] == "Entra_Token"
    assert arm_call == {
        **arm_call,
        "method": "GET",
        "path": "/subscriptions",
        "query": {"api-version": "2022-12-01"},
        "status": 200,
        "user_agent": "test-agent/1",
        "kind": "read",
        "operation": "Subscriptions_List",
        "fault": None,
        "principal": az.identity.client_id,
    }
    assert arm_call["time"].endswith("+00:00")
    assert arm_call["duration_ms"] >= 0
    assert len(arm_call["request_id"]) == 36


# -- control API -------------------------------------------------------------------------------
def test_admin_config_faults_requests_and_reset(
    local_azure_factory: Callable[..., LocalAzure],
) -> None:
    az = local_azure_factory()
    admin = f"{az.url}/_localazure"
    verify = az.ca_bundle
    put = requests.put(f"{admin}/config", json={"token_lifetime": 600}, verify=verify)
    assert put.json()["token_lifetime"] == 600
    assert requests.get(f"{admin}/config", verify=verify).json()["token_lifetime"] == 600
    assert credential(az).get_token(ARM + "/.default").expires_on <= time.time() + 601
    bad = requests.put(f"{admin}/config", json={"no_such": 1}, verify=verify)
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "InvalidControlRequest"
    bad_faults = requests.put(f"{admin}/faults", json={"p429": 2}, verify=verify)
    assert bad_faults.status_code == 400
    client = resource_client(az)
    client.resource_groups.create_or_update("wiped", {"location": "westus"})
    log = requests.get(f"{admin}/requests", params={"since": 0}, verify=verify).json()
    assert any(e["path"].endswith("/resourcegroups/wiped") for e in log["entries"])
    assert log["next"] == len(log["entries"])
    assert requests.post(f"{admin}/reset", verify=verify).json()["resources_deleted"] >= 1
    with pytest.raises(ResourceNotFoundError):
        client.resource_groups.get("wiped")
    assert client.providers.get("Microsoft.KeyVault").registration_state == "NotRegistered"


# -- python -m mocks ----------------------------------------------------------------------------
def test_endpoint_command_redacts_secrets_unless_asked(
    local_azure: LocalAzure, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(local_azure.state_dir)
    secret = local_azure.identity.client_secret
    assert mocks_cli(["endpoint", "--state-dir", state]) == 0
    out = capsys.readouterr().out
    shown = json.loads(out)
    assert secret not in out and shown["client_secret"].startswith("<redacted")
    assert shown["identity_header"].startswith("<redacted")
    assert shown["url"] == local_azure.url  # the rest is there
    assert mocks_cli(["endpoint", "--state-dir", state, "--show-secrets"]) == 0
    assert json.loads(capsys.readouterr().out)["client_secret"] == secret


def test_cli_commands_work_on_the_state_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(tmp_path)
    assert mocks_cli(["faults", "--state-dir", state, "--set", '{"seed": 3, "p503": 0.1}']) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["faults"] == {"seed": 3, "p503": 0.1}
    assert mocks_cli(["faults", "--state-dir", state, "--set", '{"p503": 5}']) == 2
    assert "must not exceed 1" in capsys.readouterr().err
    assert mocks_cli(["faults", "--state-dir", state, "--clear"]) == 0
    assert json.loads(capsys.readouterr().out)["faults"] == {}
    assert mocks_cli(["endpoint", "--state-dir", state]) == 1  # nothing running
    assert mocks_cli(["reset", "--state-dir", state]) == 0


def test_serve_subprocess_prints_url_and_stops_on_sigterm(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mocks", "serve", "--state-dir", str(tmp_path), "--seed", "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("https://127.0.0.1:")
        ca = str(tmp_path / "ca.pem")
        assert requests.get(f"{url}/_localazure/health", verify=ca).json()["pid"] == proc.pid
        info = read_endpoint(tmp_path)
        assert info is not None and info["pid"] == proc.pid and info["url"] == url
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert read_endpoint(tmp_path) is None


def test_faults_set_by_another_process_reach_a_running_server(
    local_azure_factory: Callable[..., LocalAzure], capsys: pytest.CaptureFixture[str]
) -> None:
    az = local_azure_factory()
    url = f"{az.url}/{az.identity.tenant_id}/v2.0/.well-known/openid-configuration"
    assert requests.get(url, verify=az.ca_bundle).status_code == 200
    faults = '{"p503": 1.0, "retry_after": 2}'
    assert mocks_cli(["faults", "--state-dir", str(az.state_dir), "--set", faults]) == 0
    answer = requests.get(url, verify=az.ca_bundle)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "2"


def test_seed_classic_cli_without_a_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--state-dir", str(tmp_path), "--name", "clicmg", "--region", "westeurope"]
    assert mocks_cli(["seed-classic", *args, "--instances", "2"]) == 0
    capsys.readouterr()
    with LocalAzure(tmp_path) as az:
        seeded = requests.post(
            f"{az.url}/_localazure/seed-classic",
            json={"name": "othercmg", "region": "westus", "instances": 1},
            verify=az.ca_bundle,
        )
        assert seeded.status_code == 201
        bad = requests.post(
            f"{az.url}/_localazure/seed-classic", json={"name": "x"}, verify=az.ca_bundle
        )
        assert bad.status_code == 400
    assert mocks_cli(["seed-classic", *args, "--instances", "0"]) == 2
    assert "instances must be at least 1" in capsys.readouterr().err
