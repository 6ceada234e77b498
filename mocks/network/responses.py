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


def query_nat_rule_port_mapping(cloud: Cloud, request: Request) -> Response:
    """``POST …/loadBalancers/{lb}/backendAddressPools/{pool}/queryInboundNatRulePortMapping``
    with ``{"ipConfiguration": {"id": …}}``: the V2 rules' frontend ports for that member."""
    from mocks.compute.models import nat_rule_port_mappings  # compute imports network

    p = request.params
    pool_id = (
        f"/subscriptions/{p['subscription']}/resourceGroups/{p['group']}/providers/"
        f"Microsoft.Network/loadBalancers/{p['lb']}/backendAddressPools/{p['pool']}"
    )
    if models.resolve(cloud, pool_id) is None:
        models.group_of(cloud, pool_id)
        raise models.ResourceNotFound(f"Resource {pool_id} not found.")
    body = request.json_object()
    ipc = (body.get("ipConfiguration") or {}).get("id")
    if not isinstance(ipc, str) or not ipc:
        raise models.InvalidRequestContent(
            "The request content is missing the required property 'ipConfiguration.id' "
            "(querying by 'ipAddress' is not simulated)."
        )
    mappings = nat_rule_port_mappings(cloud, pool_id, ipc)
    return Response.json(200, {"inboundNatRulePortMappings": mappings})
