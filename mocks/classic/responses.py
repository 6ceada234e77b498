"""Service Management handlers: check the caller, call the model, answer XML.

Every request must present a TLS client certificate registered as a management
certificate of the subscription in the path (else 403 ``ForbiddenError``) and an
``x-ms-version`` header (else 400 ``MissingOrIncorrectVersionHeader``).  Asynchronous
operations answer 202 with ``x-ms-request-id``; ``GET /{sub}/operations/{id}`` reports
their status.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree as ET

from mocks.core.http import Request, Response

from . import models
from .exceptions import ClassicError, MissingOrIncorrectVersionHeader

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

NS = "http://schemas.microsoft.com/windowsazure"
_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")

ClassicHandler = Callable[["Cloud", Request, str], Response]


def classic_endpoint(fn: ClassicHandler) -> Callable[[Cloud, Request], Response]:
    """Wrap a handler with SM's certificate and version checks and XML errors."""

    @wraps(fn)
    def handler(cloud: Cloud, request: Request) -> Response:
        subscription_id = request.params["subscription_id"]
        try:
            models.authenticate(cloud, subscription_id, request.client_cert_der)
            if not _VERSION.match(request.header("x-ms-version").strip()):
                raise MissingOrIncorrectVersionHeader()
            return fn(cloud, request, subscription_id)
        except ClassicError as err:
            return error_response(err)

    return handler


def error_response(err: ClassicError) -> Response:
    root = ET.Element("Error", xmlns=NS)
    _add(root, "Code", err.code)
    _add(root, "Message", err.message)
    return _xml(err.status, root)


# -- handlers ------------------------------------------------------------------------------
@classic_endpoint
def list_hosted_services(cloud: Cloud, request: Request, sub: str) -> Response:
    """List Hosted Services: every hosted service of the subscription."""
    root = ET.Element("HostedServices", xmlns=NS)
    for service in models.list_services(cloud, sub):
        _service_element(cloud, root, service, embed=False)
    return _xml(200, root)


@classic_endpoint
def get_hosted_service(cloud: Cloud, request: Request, sub: str) -> Response:
    """Get Hosted Service Properties (``embed-detail=true`` adds Deployments)."""
    service = models.get_service(cloud, sub, request.params["service"])
    embed = request.query.get("embed-detail", "").lower() == "true"
    return _xml(200, _service_element(cloud, None, service, embed=embed))


@classic_endpoint
def get_deployment_by_slot(cloud: Cloud, request: Request, sub: str) -> Response:
    """Get Deployment by slot (production/staging)."""
    dep = models.get_deployment(cloud, sub, request.params["service"], slot=request.params["slot"])
    return _xml(200, _deployment_element(None, dep))


@classic_endpoint
def get_deployment_by_name(cloud: Cloud, request: Request, sub: str) -> Response:
    """Get Deployment by name."""
    dep = models.get_deployment(
        cloud, sub, request.params["service"], deployment=request.params["deployment"]
    )
    return _xml(200, _deployment_element(None, dep))


@classic_endpoint
def delete_deployment_by_name(cloud: Cloud, request: Request, sub: str) -> Response:
    """Delete Deployment by name: 202, asynchronous."""
    request_id = _request_id(request)
    models.delete_deployment(
        cloud, sub, request.params["service"], request_id, deployment=request.params["deployment"]
    )
    return _accepted(request_id)


@classic_endpoint
def delete_deployment_by_slot(cloud: Cloud, request: Request, sub: str) -> Response:
    """Delete Deployment by slot: 202, asynchronous."""
    request_id = _request_id(request)
    models.delete_deployment(
        cloud, sub, request.params["service"], request_id, slot=request.params["slot"]
    )
    return _accepted(request_id)


@classic_endpoint
def delete_hosted_service(cloud: Cloud, request: Request, sub: str) -> Response:
    """Delete Hosted Service (``comp=media`` accepted and ignored): 202, asynchronous."""
    request_id = _request_id(request)
    models.delete_service(cloud, sub, request.params["service"], request_id)
    return _accepted(request_id)


@classic_endpoint
def list_storage_services(cloud: Cloud, request: Request, sub: str) -> Response:
    """List Storage Accounts of the subscription."""
    root = ET.Element("StorageServices", xmlns=NS)
    for doc in models.list_storage(cloud, sub):
        _storage_element(cloud, root, doc)
    return _xml(200, root)


@classic_endpoint
def get_storage_service(cloud: Cloud, request: Request, sub: str) -> Response:
    """Get Storage Account Properties."""
    doc = models.get_storage(cloud, sub, request.params["account"])
    return _xml(200, _storage_element(cloud, None, doc))


@classic_endpoint
def delete_storage_service(cloud: Cloud, request: Request, sub: str) -> Response:
    """Delete Storage Account: 200 OK with x-ms-request-id."""
    request_id = _request_id(request)
    models.delete_storage(cloud, sub, request.params["account"], request_id)
    return Response.empty(200, {"x-ms-request-id": request_id})


@classic_endpoint
def get_operation_status(cloud: Cloud, request: Request, sub: str) -> Response:
    """Get Operation Status of an asynchronous request id."""
    op = models.get_operation(cloud, sub, request.params["request_id"])
    root = ET.Element("Operation", xmlns=NS)
    _add(root, "ID", op["ID"])
    _add(root, "Status", op["Status"])
    _add(root, "HttpStatusCode", op["HttpStatusCode"])
    if op.get("Error"):
        error = ET.SubElement(root, "Error")
        _add(error, "Code", op["Error"]["code"])
        _add(error, "Message", op["Error"]["message"])
    return _xml(200, root)


# -- XML -----------------------------------------------------------------------------------
def _request_id(request: Request) -> str:
    # The server assigns x-ms-request-id; handlers called directly (tests) get their own.
    if not request.request_id:
        request.request_id = models.new_request_id()
    return request.request_id


def _accepted(request_id: str) -> Response:
    return Response.empty(202, {"x-ms-request-id": request_id})


def _xml(status: int, root: ET.Element) -> Response:
    text = '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode")
    return Response.xml(status, text)


def _add(parent: ET.Element, tag: str, value: Any) -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.text = "" if value is None else str(value)
    return el


def _service_element(
    cloud: Cloud, parent: ET.Element | None, service: dict[str, Any], *, embed: bool
) -> ET.Element:
    el = _child_or_root(parent, "HostedService")
    sub, name = service["subscription_id"], service["ServiceName"]
    _add(el, "Url", f"{cloud.base_url}/{sub}/services/hostedservices/{name}")
    _add(el, "ServiceName", name)
    props = ET.SubElement(el, "HostedServiceProperties")
    for tag in ("Description", "Location", "Label", "Status", "DateCreated", "DateLastModified"):
        _add(props, tag, service[tag])
    _extended_properties(props, service["ExtendedProperties"])
    if embed:
        deployments = ET.SubElement(el, "Deployments")
        for dep in service["deployments"]:
            _deployment_element(deployments, dep)
    return el


def _storage_element(cloud: Cloud, parent: ET.Element | None, doc: dict[str, Any]) -> ET.Element:
    el = _child_or_root(parent, "StorageService")
    sub, name = doc["subscription_id"], doc["ServiceName"]
    _add(el, "Url", f"{cloud.base_url}/{sub}/services/storageservices/{name}")
    _add(el, "ServiceName", name)
    props = ET.SubElement(el, "StorageServiceProperties")
    for tag in ("Description", "Location", "Label", "Status"):
        _add(props, tag, doc[tag])
    endpoints = ET.SubElement(props, "Endpoints")
    for url in doc["Endpoints"]:
        _add(endpoints, "Endpoint", url)
    return el


def _extended_properties(parent: ET.Element, values: dict[str, str]) -> None:
    ext = ET.SubElement(parent, "ExtendedProperties")
    for name, value in values.items():
        prop = ET.SubElement(ext, "ExtendedProperty")
        _add(prop, "Name", name)
        _add(prop, "Value", value)


def _deployment_element(parent: ET.Element | None, dep: dict[str, Any]) -> ET.Element:
    el = _child_or_root(parent, "Deployment")
    for tag in ("Name", "DeploymentSlot", "PrivateID", "Status", "Label", "Url", "Configuration"):
        _add(el, tag, dep[tag])
    instances = ET.SubElement(el, "RoleInstanceList")
    for inst in dep["RoleInstanceList"]:
        _role_instance_element(instances, inst)
    _add(el, "UpgradeDomainCount", dep["UpgradeDomainCount"])
    roles = ET.SubElement(el, "RoleList")
    for role in dep["RoleList"]:
        role_el = ET.SubElement(roles, "Role")
        _add(role_el, "RoleName", role["RoleName"])
        _add(role_el, "OsVersion", role["OsVersion"])
    for tag in ("SdkVersion", "CreatedTime", "LastModifiedTime"):
        _add(el, tag, dep[tag])
    _add(el, "Locked", "false")
    _add(el, "RollbackAllowed", "false")
    vips = ET.SubElement(el, "VirtualIPs")
    for vip in dep["VirtualIPs"]:
        _add(ET.SubElement(vips, "VirtualIP"), "Address", vip["Address"])
    return el


def _role_instance_element(parent: ET.Element, inst: dict[str, Any]) -> None:
    el = ET.SubElement(parent, "RoleInstance")
    for tag in (
        "RoleName",
        "InstanceName",
        "InstanceStatus",
        "InstanceUpgradeDomain",
        "InstanceFaultDomain",
        "InstanceSize",
        "InstanceStateDetails",
        "IpAddress",
    ):
        _add(el, tag, inst[tag])
    endpoints = ET.SubElement(el, "InstanceEndpoints")
    for endpoint in inst["InstanceEndpoints"]:
        ep = ET.SubElement(endpoints, "InstanceEndpoint")
        for tag in ("Name", "Vip", "PublicPort", "LocalPort", "Protocol"):
            _add(ep, tag, endpoint[tag])
    _add(el, "PowerState", inst["PowerState"])
    _add(el, "HostName", inst["HostName"])


def _child_or_root(parent: ET.Element | None, tag: str) -> ET.Element:
    return ET.Element(tag, xmlns=NS) if parent is None else ET.SubElement(parent, tag)
