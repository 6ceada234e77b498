"""HTTP handlers of Microsoft.Network (no logic: parse, call models, answer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mocks.core.http import Request, Response

from . import models

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud


def check_dns_name_availability(cloud: Cloud, request: Request) -> Response:
    """``GET …/Microsoft.Network/locations/{region}/CheckDnsNameAvailability?domainNameLabel=x``."""
    label = request.query.get("domainnamelabel")
    available = models.dns_name_available(cloud, request.params["location"], label)
    return Response.json(200, {"available": available})


def _vnet_id(request: Request) -> str:
    p = request.params
    return (
        f"/subscriptions/{p['subscription']}/resourceGroups/{p['group']}"
        f"/providers/Microsoft.Network/virtualNetworks/{p['vnet']}"
    )


def get_subnet(cloud: Cloud, request: Request) -> Response:
    """``GET …/virtualNetworks/{vnet}/subnets/{subnet}`` (served from the network)."""
    subnet = models.get_subnet(cloud, _vnet_id(request), request.params["subnet"])
    return Response.json(200, subnet)


def list_subnets(cloud: Cloud, request: Request) -> Response:
    """``GET …/virtualNetworks/{vnet}/subnets``."""
    return Response.json(200, {"value": models.list_subnets(cloud, _vnet_id(request))})
