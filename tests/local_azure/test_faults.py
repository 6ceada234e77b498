"""Fault injection and throttling of the local Azure, seen from clients."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from azure.identity import ClientSecretCredential
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient
from rm_lab import cmg_parameters, cmg_template

from mocks import LocalAzure
from mocks.core import requestlog

Factory = Callable[..., LocalAzure]
ARM_SCOPE = "https://management.azure.com/.default"


def token(az: LocalAzure) -> str:
    ident = az.identity
    return (
        ClientSecretCredential(
            ident.tenant_id,
            ident.client_id,
            ident.client_secret,
            authority=az.url,
            disable_instance_discovery=True,
            connection_verify=az.ca_bundle,
        )
        .get_token(ARM_SCOPE)
        .token
    )


def discovery_statuses(az: LocalAzure, count: int) -> list[int | str]:
    """Status of ``count`` sequential un-retried requests ("reset" for a dropped one)."""
    url = f"{az.url}/{az.identity.tenant_id}/v2.0/.well-known/openid-configuration"
    out: list[int | str] = []
    session = requests.Session()
    session.trust_env = False
    session.verify = az.ca_bundle
    for _ in range(count):
        try:
            out.append(session.get(url).status_code)
        except requests.ConnectionError:
            out.append("reset")
    return out


MIXED = {"p429": 0.2, "p500": 0.2, "p503": 0.2, "preset": 0.1, "scope": "all"}


def test_random_faults_are_deterministic_with_a_seed(local_azure_factory: Factory) -> None:
    first = discovery_statuses(local_azure_factory(faults={**MIXED, "seed": 11}), 30)
    again = discovery_statuses(local_azure_factory(faults={**MIXED, "seed": 11}), 30)
    other = discovery_statuses(local_azure_factory(faults={**MIXED, "seed": 12}), 30)
    assert first == again
    assert first != other
    assert {200, 429, 500, 503, "reset"} <= set(first)


def test_fault_answers_carry_the_right_headers_and_are_logged(local_azure_factory: Factory) -> None:
    az = local_azure_factory(faults={"seed": 1, "p429": 0.5, "p500": 0.5, "retry_after": 3})
    url = f"{az.url}/{az.identity.tenant_id}/v2.0/.well-known/openid-configuration"
    answers = [requests.get(url, verify=az.ca_bundle) for _ in range(12)]
    throttled = [a for a in answers if a.status_code == 429]
    failed = [a for a in answers if a.status_code == 500]
    assert throttled and failed
    assert all(a.headers["Retry-After"] == "3" for a in throttled)
    # azure-core retries any >= 400 answer carrying Retry-After: a 500 must not have one
    assert all("Retry-After" not in a.headers for a in failed)
    # Discovery is Entra's: OAuth2's error shape (a string), not ARM's error object.
    assert throttled[0].json()["error"] == "temporarily_unavailable"
    assert failed[0].json()["error"] == "server_error"
    logged = [e["fault"] for e in requestlog.read(az.state_dir) if e["fault"]]
    assert sorted(logged) == sorted(["429"] * len(throttled) + ["500"] * len(failed))
    counters = requests.get(f"{az.url}/_localazure/faults", verify=az.ca_bundle).json()
    assert counters["counters"] == {"429": len(throttled), "500": len(failed)}


def test_fault_bodies_take_the_shape_of_their_route_family(
    local_azure_factory: Factory,
) -> None:
    az = local_azure_factory(faults={"p503": 1.0, "scope": "all", "retry_after": 2})
    ident = az.identity
    token_answer = requests.post(
        f"{az.url}/{ident.tenant_id}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": ident.client_id,
            "client_secret": ident.client_secret,
            "scope": ARM_SCOPE,
        },
        verify=az.ca_bundle,
    )
    assert token_answer.status_code == 503
    oauth = token_answer.json()
    assert oauth["error"] == "temporarily_unavailable"  # OAuth2: a string
    assert oauth["error_description"].startswith("AADSTS") and oauth["error_codes"]
    classic = requests.get(
        f"{az.url}/{ident.subscription_id}/services/hostedservices",
        cert=ident.management_certificate,
        headers={"x-ms-version": "2014-06-01"},
        verify=az.ca_bundle,
    )
    assert classic.status_code == 503 and classic.headers["Retry-After"] == "2"
    assert classic.headers["Content-Type"].startswith("application/xml")
    assert "<Code>ServiceUnavailable</Code>" in classic.text
    assert 'xmlns="http://schemas.microsoft.com/windowsazure"' in classic.text
    arm = requests.get(
        f"{az.url}/subscriptions/{ident.subscription_id}/resourcegroups",
        params={"api-version": "2025-04-01"},
        verify=az.ca_bundle,
    )
    assert arm.status_code == 503
    assert arm.json()["error"]["code"] == "ServiceUnavailable"


def test_admin_routes_are_never_faulted(local_azure_factory: Factory) -> None:
    az = local_azure_factory(faults={"p503": 1.0})
    health = requests.get(f"{az.url}/_localazure/health", verify=az.ca_bundle)
    assert health.status_code == 200


def test_writes_scope_spares_reads(local_azure_factory: Factory) -> None:
    az = local_azure_factory(faults={"p503": 1.0, "scope": "writes"})
    headers = {"Authorization": f"Bearer {token(az)}"}
    sub = f"{az.url}/subscriptions/{az.identity.subscription_id}"
    params = {"api-version": "2025-04-01"}
    read = requests.get(
        f"{sub}/resourcegroups", params=params, headers=headers, verify=az.ca_bundle
    )
    write = requests.put(
        f"{sub}/resourcegroups/rg1",
        params=params,
        headers=headers,
        json={"location": "westus"},
        verify=az.ca_bundle,
    )
    assert read.status_code == 200
    assert write.status_code == 503
    assert write.json()["error"]["code"] == "ServiceUnavailable"


def test_sdks_own_retry_deploys_the_cmg_through_20_percent_faults(
    local_azure_factory: Factory, tmp_path: Path
) -> None:
    """20 % injected 429/503/resets; the SDKs' default retry
    policies (none swapped in) still bring the CMG deployment to Succeeded."""
    az = local_azure_factory(poll_retry_after=0.2)
    ident = az.identity
    credential = ClientSecretCredential(
        ident.tenant_id, ident.client_id, ident.client_secret, authority=az.url,
        disable_instance_discovery=True, connection_verify=az.ca_bundle,
    )  # fmt: skip
    kwargs: dict[str, Any] = {"base_url": az.url, "credential_scopes": [ARM_SCOPE],
                              "connection_verify": az.ca_bundle, "polling_interval": 0.1}  # fmt: skip
    rm = ResourceManagementClient(credential, ident.subscription_id, **kwargs)
    dm = DeploymentsMgmtClient(credential, ident.subscription_id, **kwargs)
    body = {"properties": {"mode": "Incremental", "template": cmg_template(),
                           "parameters": cmg_parameters("faultcmg", tmp_path)}}  # fmt: skip
    faults = {"seed": 4, "p429": 0.07, "p503": 0.07, "preset": 0.06, "retry_after": 1}
    az.cloud.faults.set({**faults, "scope": "all"})
    rm.resource_groups.create_or_update("faults-rg", {"location": "westeurope"})
    result = dm.deployments.begin_create_or_update("faults-rg", "cmg", body).result()
    assert result.properties.provisioning_state == "Succeeded"
    faulted = [e for e in requestlog.read(az.state_dir) if e["fault"]]
    assert faulted  # the run really went through faults, and the log shows them
    assert {e["fault"] for e in faulted} <= {"429", "503", "reset"}
    status_of = {"429": 429, "503": 503, "reset": 0}
    assert all(e["status"] == status_of[e["fault"]] for e in faulted)


def test_targeted_throttle_covers_only_its_scope(local_azure_factory: Factory) -> None:
    az = local_azure_factory()
    sub = f"/subscriptions/{az.identity.subscription_id}"
    prefix = f"{sub}/resourcegroups/busy"
    az.cloud.faults.set(
        {"targeted": [{"kind": "throttle", "scope_prefix": prefix, "retry_after": 5}]}
    )
    headers = {"Authorization": f"Bearer {token(az)}"}
    params = {"api-version": "2025-04-01"}

    def get(path: str) -> requests.Response:
        return requests.get(f"{az.url}{path}", params=params, headers=headers, verify=az.ca_bundle)

    busy = get(f"{sub}/resourceGroups/busy")
    assert busy.status_code == 429
    assert busy.headers["Retry-After"] == "5"
    assert get(f"{sub}/resourcegroups/quiet").status_code == 404  # not throttled, not there
    assert requestlog.read(az.state_dir)[-2]["fault"] == "throttle"


def test_token_bucket_throttles_with_arm_headers(local_azure_factory: Factory) -> None:
    az = local_azure_factory(throttle_scale=0.02)  # reads: 5 tokens, +0.5/s
    headers = {"Authorization": f"Bearer {token(az)}"}
    url = f"{az.url}/subscriptions/{az.identity.subscription_id}/resourcegroups"
    answers = [
        requests.get(url, params={"api-version": "1"}, headers=headers, verify=az.ca_bundle)
        for _ in range(7)
    ]
    remaining = [
        int(a.headers["x-ms-ratelimit-remaining-subscription-reads"])
        for a in answers
        if a.status_code == 200
    ]
    assert remaining == sorted(remaining, reverse=True)
    refused = [a for a in answers if a.status_code == 429]
    assert refused
    assert refused[0].json()["error"]["code"] == "SubscriptionRequestsThrottled"
    assert int(refused[0].headers["Retry-After"]) >= 1


def test_targeted_failures_are_consumed_once(local_azure_factory: Factory) -> None:
    az = local_azure_factory()
    vmss = "Microsoft.Compute/virtualMachineScaleSets"
    az.cloud.faults.set(
        {
            "targeted": [
                {"kind": "fail_deployment", "type": vmss, "code": "AllocationFailed", "count": 1},
                {"kind": "slow", "type": "Microsoft.Network/publicIPAddresses", "seconds": 30},
                {"kind": "unready", "target": "vmss"},
            ]
        }
    )
    first = az.cloud.faults.take_targeted("fail_deployment", vmss.lower())
    assert first is not None and first["code"] == "AllocationFailed"
    assert az.cloud.faults.take_targeted("fail_deployment", vmss) is None
    assert az.cloud.faults.flag("unready", "vmss") is not None
    assert az.cloud.faults.flag("unready", "classic") is None
    health = requests.get(f"{az.url}/_localazure/health", verify=az.ca_bundle)
    assert health.status_code == 200  # any request refreshes the configuration
    assert az.cloud.provisioning_seconds("Microsoft.Network/publicIPAddresses") == 30


def test_faults_override_token_lifetime(local_azure_factory: Factory) -> None:
    az = local_azure_factory(faults={"token_lifetime": 120})
    answer = requests.post(
        f"{az.url}/{az.identity.tenant_id}/oauth2/v2.0/token",
        data={
            "client_id": az.identity.client_id,
            "client_secret": az.identity.client_secret,
            "grant_type": "client_credentials",
            "scope": ARM_SCOPE,
        },
        verify=az.ca_bundle,
    )
    assert answer.json()["expires_in"] == 120


@pytest.mark.parametrize(
    "bad",
    [
        {"p429": 0.7, "p503": 0.7},
        {"p500": -0.1},
        {"nonsense": 1},
        {"scope": "reads"},
        {"targeted": [{"kind": "explode"}]},
        {"targeted": [{"kind": "throttle", "scope_prefix": "no-slash"}]},
    ],
)
def test_invalid_fault_settings_are_refused(local_azure: LocalAzure, bad: dict[str, Any]) -> None:
    answer = requests.put(
        f"{local_azure.url}/_localazure/faults", data=json.dumps(bad), verify=local_azure.ca_bundle
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "InvalidControlRequest"
