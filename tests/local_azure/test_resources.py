"""Resource Manager core of the local Azure, through the real server and the SDKs:
metadata, subscriptions, locations, providers, resource groups, generic resources."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.mgmt.resource.resources import ResourceManagementClient
from rm_lab import clients, error_code, raw

from mocks import CloudConfig, LocalAzure


@pytest.fixture(scope="module")
def az(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalAzure]:
    config = CloudConfig(provisioning_seconds=0.05, poll_retry_after=0.05)
    with LocalAzure(tmp_path_factory.mktemp("rm"), config=config) as local:
        yield local


@pytest.fixture(scope="module")
def rm(az: LocalAzure) -> ResourceManagementClient:
    return clients(az)[0]


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def disk_id(az: LocalAzure, group: str, name: str) -> str:
    sub = az.identity.subscription_id
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.Compute/disks/{name}"


def put_disk(rm: ResourceManagementClient, rid: str, tags: dict[str, str] | None = None) -> None:
    body = {"location": "westeurope", "tags": tags or {}, "properties": {"diskSizeGB": 4}}
    rm.resources.begin_create_or_update_by_id(
        rid, parameters=body, api_version="2024-03-02"
    ).result()


def test_metadata_endpoints_is_what_az_cloud_register_reads(az: LocalAzure) -> None:
    resp = raw(az, "GET", "/metadata/endpoints")
    assert resp.status_code == 200
    cloud = resp.json()  # one object: what azure-cli 2.91 reads for a custom cloud
    assert cloud["resourceManager"] == az.url + "/"
    assert cloud["authentication"]["loginEndpoint"] == az.url
    assert cloud["authentication"]["audiences"][0] == "https://management.core.windows.net/"
    assert cloud["suffixes"]["storage"] == "core.windows.net"


def test_subscription_tenant_and_locations(az: LocalAzure, rm: ResourceManagementClient) -> None:
    subs = raw(az, "GET", "/subscriptions").json()["value"]
    assert [s["subscriptionId"] for s in subs] == [az.identity.subscription_id]
    assert subs[0]["tenantId"] == az.identity.tenant_id and subs[0]["state"] == "Enabled"
    tenants = raw(az, "GET", "/tenants").json()["value"]
    assert tenants[0]["tenantId"] == az.identity.tenant_id
    locations = raw(az, "GET", f"/subscriptions/{az.identity.subscription_id}/locations")
    by_name = {loc["name"]: loc for loc in locations.json()["value"]}
    assert by_name["westeurope"]["displayName"] == "West Europe"
    assert by_name["westeurope"]["metadata"]["pairedRegion"][0]["name"] == "northeurope"
    assert {"eastus", "uksouth", "swedencentral", "japaneast"} <= set(by_name)
    missing = raw(az, "GET", "/subscriptions/00000000-0000-0000-0000-00000000dead")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "SubscriptionNotFound")


def test_provider_states_and_register(az: LocalAzure, rm: ResourceManagementClient) -> None:
    assert rm.providers.get("Microsoft.Compute").registration_state == "Registered"
    vmss = next(
        t for t in rm.providers.get("microsoft.compute").resource_types
        if t.resource_type == "virtualMachineScaleSets"
    )  # fmt: skip
    assert "West Europe" in vmss.locations and vmss.api_versions
    assert rm.providers.get("Microsoft.KeyVault").registration_state == "NotRegistered"
    assert rm.providers.register("Microsoft.KeyVault").registration_state == "Registering"
    assert wait_for(
        lambda: rm.providers.get("Microsoft.KeyVault").registration_state == "Registered"
    )
    names = {p.namespace for p in rm.providers.list()}
    assert {"Microsoft.Network", "Microsoft.Storage", "Microsoft.ClassicCompute"} <= names


def test_resource_group_lifecycle(az: LocalAzure, rm: ResourceManagementClient) -> None:
    created = rm.resource_groups.create_or_update("life-rg", {"location": "West Europe"})
    assert (created.location, created.properties.provisioning_state) == ("westeurope", "Succeeded")
    assert created.id.endswith("/resourceGroups/life-rg")
    rm.resource_groups.create_or_update("life-rg", {"location": "westeurope", "tags": {"a": "1"}})
    assert rm.resource_groups.check_existence("LIFE-RG")
    patched = rm.resource_groups.update("life-rg", {"tags": {"env": "test"}})
    assert patched.tags == {"env": "test"}
    assert [g.name for g in rm.resource_groups.list(filter="tagName eq 'env'")] == ["life-rg"]
    with pytest.raises(ResourceExistsError) as moved:
        rm.resource_groups.create_or_update("life-rg", {"location": "eastus"})
    assert error_code(moved) == "InvalidResourceGroupLocation"
    put_disk(rm, disk_id(az, "life-rg", "d1"))
    rm.resource_groups.begin_delete("life-rg").result()
    assert not rm.resource_groups.check_existence("life-rg")
    assert (
        rm.resources.check_existence_by_id(disk_id(az, "life-rg", "d1"), api_version="2024-03-02")
        is False
    )
    with pytest.raises(ResourceNotFoundError) as gone:
        rm.resource_groups.get("life-rg")
    assert error_code(gone) == "ResourceGroupNotFound"


def test_resource_group_needs_a_known_location(rm: ResourceManagementClient) -> None:
    with pytest.raises(HttpResponseError) as bad:
        rm.resource_groups.create_or_update("bad-rg", {"location": "moon-south"})
    assert (bad.value.status_code, error_code(bad)) == (400, "LocationNotAvailableForResourceGroup")
    with pytest.raises(HttpResponseError) as none:
        rm.resource_groups.create_or_update("bad-rg", {"location": ""})
    assert error_code(none) == "LocationRequired"


def test_group_being_deleted_refuses_writes(az: LocalAzure, tmp_path: Path) -> None:
    config = CloudConfig(provisioning_seconds=60)  # deletion stays in progress
    with LocalAzure(tmp_path / "slow", config=config) as slow:
        rm = clients(slow)[0]
        rm.resource_groups.create_or_update("doomed", {"location": "westeurope"})
        rm.resource_groups.begin_delete("doomed", polling=False)
        assert rm.resource_groups.get("doomed").properties.provisioning_state == "Deleting"
        with pytest.raises(ResourceExistsError) as exc:
            rm.resource_groups.create_or_update("doomed", {"location": "westeurope"})
        assert error_code(exc) == "ResourceGroupBeingDeleted"


def test_generic_resource_put_get_list_filter_delete(
    az: LocalAzure, rm: ResourceManagementClient
) -> None:
    rm.resource_groups.create_or_update("gen-rg", {"location": "westeurope"})
    rid = disk_id(az, "gen-rg", "data1")
    put_disk(rm, rid, {"role": "data"})
    put_disk(rm, disk_id(az, "gen-rg", "os1"), {"role": "os"})
    got = rm.resources.get_by_id(rid, api_version="2024-03-02")
    assert got.properties == {"diskSizeGB": 4, "provisioningState": "Succeeded"}
    assert got.type == "Microsoft.Compute/disks" and got.location == "westeurope"
    tagged = rm.resources.list_by_resource_group(
        "gen-rg", filter="tagName eq 'role' and tagValue eq 'data'"
    )
    assert [r.id for r in tagged] == [rid]
    by_type = rm.resources.list(filter="resourceType eq 'Microsoft.Compute/disks'")
    assert {r.name for r in by_type} >= {"data1", "os1"}
    rm.resources.begin_update_by_id(
        rid, parameters={"tags": {"role": "x"}}, api_version="2024-03-02"
    ).result()
    assert rm.resources.get_by_id(rid, api_version="2024-03-02").tags == {"role": "x"}
    rm.resources.begin_delete_by_id(rid, api_version="2024-03-02").result()
    with pytest.raises(ResourceNotFoundError) as gone:
        rm.resources.get_by_id(rid, api_version="2024-03-02")
    assert error_code(gone) == "ResourceNotFound"


def test_unknown_types_and_groups_are_named_in_errors(az: LocalAzure) -> None:
    sub = az.identity.subscription_id
    raw(az, "PUT", f"/subscriptions/{sub}/resourcegroups/err-rg", {"location": "westeurope"})
    base = f"/subscriptions/{sub}/resourcegroups/err-rg/providers"
    bogus = raw(az, "PUT", f"{base}/Contoso.Widgets/widgets/w1", {"location": "westeurope"})
    assert (bogus.status_code, bogus.json()["error"]["code"]) == (404, "NoRegisteredProviderFound")
    assert "Contoso.Widgets/widgets" in bogus.json()["error"]["message"]
    listing = raw(az, "GET", f"{base}/Microsoft.Compute/gizmos")
    assert listing.json()["error"]["code"] == "InvalidResourceType"
    no_group = raw(az, "GET", f"/subscriptions/{sub}/resourcegroups/nope/resources")
    assert no_group.json()["error"]["code"] == "ResourceGroupNotFound"
    bad_filter = raw(az, "GET", f"/subscriptions/{sub}/resources?$filter=substringof('a',name)")
    assert bad_filter.json()["error"]["code"] == "InvalidFilterInQueryString"


def test_unregistered_namespace_then_sdk_auto_registration(
    az: LocalAzure, rm: ResourceManagementClient
) -> None:
    rm.resource_groups.create_or_update("reg-rg", {"location": "westeurope"})
    sub = az.identity.subscription_id
    rid = (
        f"/subscriptions/{sub}/resourceGroups/reg-rg/providers/Microsoft.ClassicCompute/"
        "domainNames/classic1"
    )
    refused = raw(az, "PUT", rid, {"location": "westeurope", "properties": {}})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "MissingSubscriptionRegistration"
    assert "'Microsoft.ClassicCompute'" in refused.json()["error"]["message"]
    # The client pipeline's ARMAutoResourceProviderRegistrationPolicy registers and
    # retries (it sleeps 10 s itself before polling the state).  It needs a buffered
    # response, so send the PUT through the client's pipeline (the begin_* methods
    # stream their first response, which that policy cannot read).
    request = HttpRequest(
        "PUT",
        f"{az.url}{rid}?api-version=2016-11-01",
        json={"location": "westeurope", "properties": {}},
    )
    response = rm._client.send_request(request)
    assert response.status_code == 201, response.text()
    assert rm.providers.get("Microsoft.ClassicCompute").registration_state == "Registered"
