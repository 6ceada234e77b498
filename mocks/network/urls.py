"""Routes of Microsoft.Network (resource PUT/GET/DELETE go through the generic routes)."""

from __future__ import annotations

from mocks.core.routing import Route

from . import responses

_VNET = (
    "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Network"
    "/virtualNetworks/{vnet}"
)
_DNS = (
    "/subscriptions/{subscription}/providers/Microsoft.Network/locations/{location}"
    "/CheckDnsNameAvailability"
)

_POOL = (
    "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Network"
    "/loadBalancers/{lb}/backendAddressPools/{pool}"
)

ROUTES: list[Route] = [
    Route(
        "POST",
        _POOL + "/queryInboundNatRulePortMapping",
        responses.query_nat_rule_port_mapping,
        "LoadBalancers_ListInboundNatRulePortMappings",
        kind="read",
    ),
    Route("GET", _DNS, responses.check_dns_name_availability, "CheckDnsNameAvailability"),
    Route(
        "POST",
        _DNS,
        responses.check_dns_name_availability,
        "CheckDnsNameAvailability",
        kind="read",
    ),
    Route("GET", _VNET + "/subnets/{subnet}", responses.get_subnet, "Subnets_Get"),
    Route("GET", _VNET + "/subnets", responses.list_subnets, "Subnets_List"),
]
