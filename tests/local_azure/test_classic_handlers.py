"""Classic Service Management handlers, called directly with a Cloud and a Request.

These cover the XML shapes and the clock-driven state machine without a socket;
tests/local_azure/test_classic.py drives the same routes through the real HTTPS server.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mocks.classic import models, responses
from mocks.classic.urls import ROUTES
from mocks.core import bootstrap
from mocks.core.cloud import Cloud
from mocks.core.http import Request, Response
from mocks.core.routing import Router

NS = "{http://schemas.microsoft.com/windowsazure}"


class Clock:
    def __init__(self) -> None:
        self.t = 1_700_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture()
def cloud(tmp_path: Path) -> Cloud:
    c = Cloud(tmp_path)
    clock = Clock()
    c.now = clock  # type: ignore[method-assign]
    c.store.clock = clock
    bootstrap.ensure(c)
    c.base_url = "https://127.0.0.1:4443"
    return c


def mgmt_der(cloud: Cloud) -> bytes:
    pem = Path(cloud.identity.management_certificate).read_bytes()
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def call(
    cloud: Cloud,
    method: str,
    path: str,
    *,
    cert: bytes | str | None = "mgmt",
    version: str | None = "2014-10-01",
) -> Response:
    route, params, _ = Router(ROUTES).match(method, path.split("?")[0])
    assert route is not None, path
    query = Request.parse_query(path.partition("?")[2])
    headers = {"x-ms-version": version} if version else {}
    der = mgmt_der(cloud) if cert == "mgmt" else cert
    req = Request(method, path, query, headers, client_cert_der=der)  # type: ignore[arg-type]
    req.params = params
    return route.handler(cloud, req)


def xml(resp: Response) -> ET.Element:
    return ET.fromstring(resp.body)


def error_code(resp: Response) -> str:
    return xml(resp).findtext(f"{NS}Code") or ""


def test_seeded_service_lists_with_display_location_and_no_marker(cloud: Cloud) -> None:
    models.seed_classic(cloud, "contosocmg", "westeurope", 2)
    sub = cloud.identity.subscription_id
    resp = call(cloud, "GET", f"/{sub}/services/hostedservices")
    assert resp.status == 200
    services = xml(resp).findall(f"{NS}HostedService")
    assert [s.findtext(f"{NS}ServiceName") for s in services] == ["contosocmg"]
    props = services[0].find(f"{NS}HostedServiceProperties")
    assert props is not None
    assert props.findtext(f"{NS}Location") == "West Europe"
    ext = {
        p.findtext(f"{NS}Name"): p.findtext(f"{NS}Value")
        for p in props.iter(f"{NS}ExtendedProperty")
    }
    assert ext == {}  # no documented property marks a hosted service as a CMG
    assert services[0].find(f"{NS}Deployments") is None  # only with embed-detail


def test_a_seeded_cmg_has_a_classic_storage_account_of_its_name(cloud: Cloud) -> None:
    models.seed_classic(cloud, "contosocmg", "westeurope", 1)
    sub = cloud.identity.subscription_id
    listed = xml(call(cloud, "GET", f"/{sub}/services/storageservices"))
    assert [s.findtext(f"{NS}ServiceName") for s in listed.iter(f"{NS}StorageService")] == [
        "contosocmg"
    ]
    got = call(cloud, "GET", f"/{sub}/services/storageservices/contosocmg")
    props = xml(got).find(f"{NS}StorageServiceProperties")
    assert props is not None and props.findtext(f"{NS}Status") == "Created"
    assert "https://contosocmg.blob.core.windows.net/" in [
        e.text for e in props.iter(f"{NS}Endpoint")
    ]
    deleted = call(cloud, "DELETE", f"/{sub}/services/storageservices/contosocmg")
    assert deleted.status == 200 and deleted.headers["x-ms-request-id"]
    gone = call(cloud, "GET", f"/{sub}/services/storageservices/contosocmg")
    assert gone.status == 404 and xml(gone).findtext(f"{NS}Code") == "ResourceNotFound"
    again = call(cloud, "DELETE", f"/{sub}/services/storageservices/contosocmg")
    assert again.status == 404


def test_embed_detail_and_slot_show_the_ready_role_instances(cloud: Cloud) -> None:
    seeded = models.seed_classic(cloud, "contosocmg", "westeurope", 2)
    sub = cloud.identity.subscription_id
    base = f"/{sub}/services/hostedservices/contosocmg"
    detail = xml(call(cloud, "GET", base + "?embed-detail=true"))
    dep = detail.find(f"{NS}Deployments/{NS}Deployment")
    assert dep is not None and dep.findtext(f"{NS}Name") == seeded["deployment"]
    slot = xml(call(cloud, "GET", base + "/deploymentslots/production"))
    instances = slot.findall(f"{NS}RoleInstanceList/{NS}RoleInstance")
    assert [i.findtext(f"{NS}InstanceName") for i in instances] == [
        "ProxyService_IN_0",
        "ProxyService_IN_1",
    ]
    assert {i.findtext(f"{NS}InstanceStatus") for i in instances} == {"ReadyRole"}
    assert slot.findtext(f"{NS}Url") == "http://contosocmg.cloudapp.net/"


def test_reseed_is_idempotent(cloud: Cloud) -> None:
    first = models.seed_classic(cloud, "contosocmg", "westeurope", 2)
    second = models.seed_classic(cloud, "contosocmg", "westeurope", 2)
    assert first["deployment"] == second["deployment"]
    sub = cloud.identity.subscription_id
    assert len(models.list_services(cloud, sub)) == 1


def test_delete_deployment_is_async_and_clock_driven(cloud: Cloud) -> None:
    seeded = models.seed_classic(cloud, "contosocmg", "westeurope", 1)
    sub = cloud.identity.subscription_id
    base = f"/{sub}/services/hostedservices/contosocmg"
    resp = call(cloud, "DELETE", f"{base}/deployments/{seeded['deployment']}")
    assert resp.status == 202
    request_id = resp.headers["x-ms-request-id"]
    op = xml(call(cloud, "GET", f"/{sub}/operations/{request_id}"))
    assert op.findtext(f"{NS}Status") == "InProgress"
    dep = xml(call(cloud, "GET", base + "/deploymentslots/production"))
    assert dep.findtext(f"{NS}Status") == "Deleting"
    again = call(cloud, "DELETE", f"{base}/deployments/{seeded['deployment']}")
    assert (again.status, error_code(again)) == (409, "ConflictError")
    cloud.now.t += 10  # type: ignore[attr-defined]
    op = xml(call(cloud, "GET", f"/{sub}/operations/{request_id}"))
    assert op.findtext(f"{NS}Status") == "Succeeded"
    gone = call(cloud, "GET", base + "/deploymentslots/production")
    assert (gone.status, error_code(gone)) == (404, "ResourceNotFound")


def test_service_with_deployment_cannot_be_deleted(cloud: Cloud) -> None:
    models.seed_classic(cloud, "contosocmg", "westeurope", 1)
    sub = cloud.identity.subscription_id
    resp = call(cloud, "DELETE", f"/{sub}/services/hostedservices/contosocmg")
    assert (resp.status, error_code(resp)) == (409, "ConflictError")


def test_missing_certificate_is_forbidden(cloud: Cloud) -> None:
    sub = cloud.identity.subscription_id
    resp = call(cloud, "GET", f"/{sub}/services/hostedservices", cert=None)
    assert (resp.status, error_code(resp)) == (403, "ForbiddenError")
    assert "associated with this subscription" in (xml(resp).findtext(f"{NS}Message") or "")


def test_unknown_subscription_is_forbidden(cloud: Cloud) -> None:
    resp = call(cloud, "GET", "/00000000-0000-0000-0000-000000000001/services/hostedservices")
    assert (resp.status, error_code(resp)) == (403, "ForbiddenError")


def test_missing_version_header(cloud: Cloud) -> None:
    sub = cloud.identity.subscription_id
    resp = call(cloud, "GET", f"/{sub}/services/hostedservices", version=None)
    assert (resp.status, error_code(resp)) == (400, "MissingOrIncorrectVersionHeader")


def test_registered_extra_certificate_is_accepted(cloud: Cloud, tmp_path: Path) -> None:
    from mocks.core.pki import issue_client_certificate

    pem = tmp_path / "extra.pem"
    issue_client_certificate(cloud.state_dir, "extra", pem)
    der = x509.load_pem_x509_certificate(pem.read_bytes()).public_bytes(serialization.Encoding.DER)
    sub = cloud.identity.subscription_id
    path = f"/{sub}/services/hostedservices"
    assert call(cloud, "GET", path, cert=der).status == 403
    models.register_management_certificate(cloud, sub, der)
    assert call(cloud, "GET", path, cert=der).status == 200


def test_unready_fault_reports_busy_instances(cloud: Cloud) -> None:
    class Faults:
        def flag(self, name: str, target: str | None = None) -> dict | None:
            return {"kind": name, "target": "classic"} if target == "classic" else None

    models.seed_classic(cloud, "contosocmg", "westeurope", 2)
    cloud.faults = Faults()  # type: ignore[attr-defined]
    sub = cloud.identity.subscription_id
    dep = xml(
        call(cloud, "GET", f"/{sub}/services/hostedservices/contosocmg/deploymentslots/production")
    )
    assert dep.findtext(f"{NS}Status") == "Suspended"
    assert {i.findtext(f"{NS}InstanceStatus") for i in dep.iter(f"{NS}RoleInstance")} == {
        "BusyRole"
    }


def test_unknown_region_is_refused(cloud: Cloud) -> None:
    with pytest.raises(responses.ClassicError) as exc:
        models.seed_classic(cloud, "contosocmg", "atlantis", 1)
    assert exc.value.code == "BadRequest"
