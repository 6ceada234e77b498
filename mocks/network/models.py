"""Microsoft.Network resources of the local Azure: public IPs, virtual networks
(+ subnets), network security groups and load balancers.

Simulated: ids/etags of every sub-resource, public IP address allocation from a
pool (never handed out twice), DNS labels unique per region with ``fqdn``,
Standard-SKU-must-be-Static, CIDR and subnet containment/overlap checks, NSG rule
priority/port checks and default rules, load balancer references.

Not simulated: data-path behaviour (routing, filtering, probing), NICs as separate
resources, IPv6, zones, Basic public IPs getting an address only when attached,
"in use" checks on delete, NAT gateways, peering, service endpoints.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from typing import TYPE_CHECKING, Any

from mocks.core.errors import InvalidResourceReference, ParentResourceNotFound, ResourceNotFound
from mocks.core.registry import ResourceType, resource_type
from mocks.resources.models import group_of
from mocks.storage import reservations

from .exceptions import (
    DnsRecordInUse,
    InvalidCIDRNotation,
    InvalidDomainNameLabel,
    InvalidRequestContent,
    MissedInboundNatRuleV2Properties,
    NetcfgSubnetRangeOutsideVnet,
    NetcfgSubnetRangesOverlap,
    SecurityRuleConflict,
    SecurityRuleInvalidPortRange,
    SecurityRuleInvalidPriority,
    StandardAndStandardV2SkuPublicIPAddressesMustBeStatic,
    UnsupportedSetOfInboundNatRulePropertiesWhenFrontendPortIsSpecified,
)

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

PUBLIC_IP_DNS_SUFFIX = "cloudapp.azure.com"  # the public cloud's public IP DNS suffix
IP_POOL = "network/ip-pool"
_LABEL_RE = re.compile(r"^[a-z][a-z0-9-]{1,61}[a-z0-9]$")
_NETWORK = "/providers/microsoft.network/"


# -- sub-resources ----------------------------------------------------------------------
def fill_children(parent_id: str, props: dict[str, Any], collection: str, type_name: str) -> None:
    """Give every item of ``props[collection]`` its id, type, etag and state, like Azure."""
    for item in props.get(collection) or []:
        item["id"] = f"{parent_id}/{collection}/{item['name']}"
        item["type"] = f"{type_name}/{collection}"
        item["etag"] = f'W/"{uuid.uuid4()}"'
        item.setdefault("properties", {})["provisioningState"] = "Succeeded"


def split_child_id(ref: str) -> tuple[str, str | None, str | None]:
    """(parent resource id, collection, child name) of a Microsoft.Network id."""
    idx = ref.lower().find(_NETWORK)
    if idx < 0:
        return ref, None, None
    head, tail = ref[: idx + len(_NETWORK)], ref[idx + len(_NETWORK) :].strip("/").split("/")
    parent = head + "/".join(tail[:2])
    if len(tail) >= 4:
        return parent, tail[2], tail[3]
    return parent, None, None


def find_child(body: dict[str, Any], collection: str, name: str) -> dict[str, Any] | None:
    """Item ``name`` of a resource's ``properties[collection]`` (names case-insensitive)."""
    for key, items in (body.get("properties") or {}).items():
        if key.lower() != collection.lower():
            continue
        for item in items or []:
            if item.get("name", "").lower() == name.lower():
                return dict(item)
    return None


def resolve(cloud: Cloud, ref: str) -> dict[str, Any] | None:
    """The stored resource or sub-resource (subnet, backend pool …) an id points to."""
    parent_id, collection, name = split_child_id(ref)
    parent = cloud.store.resource_get(parent_id)
    if parent is None or collection is None or name is None:
        return parent
    return find_child(parent, collection, name)


def _refs(items: list[dict[str, Any]], key: str) -> list[str]:
    refs: list[str] = []
    for item in items:
        value = (item.get("properties") or {}).get(key)
        values = value if isinstance(value, list) else [value]
        refs.extend(v["id"] for v in values if isinstance(v, dict) and v.get("id"))
    return refs


# -- public IP addresses ------------------------------------------------------------------
def dns_collection(region: str) -> str:
    return f"names/dns:{region.lower()}"


def fqdn_for(label: str, region: str) -> str:
    return f"{label}.{region.lower()}.{PUBLIC_IP_DNS_SUFFIX}"


def dns_name_available(cloud: Cloud, location: str, label: str | None) -> bool:
    """``CheckDnsNameAvailability`` of ``label`` in ``location`` (400 without a label)."""
    if not label:
        raise InvalidRequestContent("The query parameter 'domainNameLabel' is required.")
    return label_available(cloud, location.replace(" ", "").lower(), label)


def label_available(cloud: Cloud, region: str, label: str) -> bool:
    """``CheckDnsNameAvailability``: free and well-formed."""
    if not _LABEL_RE.match(label):
        return False
    return reservations.owner_of(cloud, dns_collection(region), label) is None


def allocate_address(cloud: Cloud) -> str:
    """The next address of the local pool (20.40.0.4 …); never the same one twice."""
    with cloud.store.tx():
        n = int((cloud.store.doc_get(IP_POOL, "next") or {"n": 0})["n"])
        cloud.store.doc_put(IP_POOL, "next", {"n": n + 1})
    return str(ipaddress.IPv4Address("20.40.0.4") + n)


def _pip_defaults(body: dict[str, Any]) -> dict[str, Any]:
    sku = body.setdefault("sku", {"name": "Basic"})
    sku.setdefault("tier", "Regional")
    standard = sku["name"].lower().startswith("standard")
    props = body.setdefault("properties", {})
    props.setdefault("publicIPAllocationMethod", "Static" if standard else "Dynamic")
    props.setdefault("publicIPAddressVersion", "IPv4")
    props.setdefault("idleTimeoutInMinutes", 4)
    props.setdefault("ipTags", [])
    return props


def _apply_dns(
    cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
) -> None:
    dns = body["properties"].get("dnsSettings") or {}
    label = dns.get("domainNameLabel")
    old = ((existing or {}).get("properties") or {}).get("dnsSettings") or {}
    old_region = (existing or {}).get("location", body["location"])
    if label:
        if not _LABEL_RE.match(label):
            raise InvalidDomainNameLabel(label)
        dns["fqdn"] = fqdn_for(label, body["location"])
        if not reservations.reserve(cloud, dns_collection(body["location"]), label, rid):
            raise DnsRecordInUse(dns["fqdn"])
    if old.get("domainNameLabel") and old["domainNameLabel"].lower() != (label or "").lower():
        reservations.release(cloud, dns_collection(old_region), old["domainNameLabel"], rid)


@resource_type
class PublicIPAddress(ResourceType):
    """A public IP: address from the local pool, DNS label unique per region, fqdn."""

    type_name = "Microsoft.Network/publicIPAddresses"

    def normalize(
        self, cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        props = _pip_defaults(body)
        method = props["publicIPAllocationMethod"]
        if body["sku"]["name"].lower().startswith("standard") and method.lower() != "static":
            raise StandardAndStandardV2SkuPublicIPAddressesMustBeStatic(rid)
        old = (existing or {}).get("properties") or {}
        props["resourceGuid"] = old.get("resourceGuid") or str(uuid.uuid4())
        if method.lower() == "static":
            props["ipAddress"] = old.get("ipAddress") or allocate_address(cloud)
        else:
            props.pop("ipAddress", None)  # Basic Dynamic: only assigned once attached
        with cloud.store.tx():
            _apply_dns(cloud, rid, body, existing)
        return body

    def on_delete(self, cloud: Cloud, body: dict[str, Any]) -> None:
        label = ((body.get("properties") or {}).get("dnsSettings") or {}).get("domainNameLabel")
        if label:
            reservations.release(cloud, dns_collection(body["location"]), label, body["id"])


# -- virtual networks and subnets ------------------------------------------------------------
def parse_prefix(prefix: str, rid: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """A CIDR prefix, strictly (host bits must be zero), else Azure's InvalidCIDRNotation."""
    try:
        return ipaddress.ip_network(prefix, strict=True)
    except ValueError:
        try:
            expected = ipaddress.ip_network(prefix, strict=False)
        except ValueError:
            raise InvalidCIDRNotation(
                f"The address prefix {prefix} in resource {rid} has an invalid CIDR notation."
            ) from None
        raise InvalidCIDRNotation(
            f"The address prefix {prefix} in resource {rid} has an invalid CIDR notation. "
            f"For the given prefix length, the address prefix should be {expected}."
        ) from None


def _subnet_prefixes(subnet: dict[str, Any]) -> list[str]:
    props = subnet.get("properties") or {}
    if props.get("addressPrefixes"):
        return list(props["addressPrefixes"])
    return [props["addressPrefix"]] if props.get("addressPrefix") else []


def check_subnets(vnet_id: str, vnet_body: dict[str, Any]) -> None:
    """Every subnet inside the address space, no two overlapping (Azure's netcfg checks)."""
    props = vnet_body.get("properties") or {}
    space = [
        parse_prefix(p, vnet_id)
        for p in (props.get("addressSpace") or {}).get("addressPrefixes") or []
    ]
    seen: list[tuple[str, Any]] = []
    for subnet in props.get("subnets") or []:
        for prefix in _subnet_prefixes(subnet):
            net = parse_prefix(prefix, f"{vnet_id}/subnets/{subnet['name']}")
            if not any(_contains(s, net) for s in space):
                raise NetcfgSubnetRangeOutsideVnet(subnet["name"], vnet_body["name"])
            if any(net.overlaps(other) for _, other in seen):
                raise NetcfgSubnetRangesOverlap(subnet["name"], vnet_body["name"])
            seen.append((subnet["name"], net))


def _contains(outer: Any, inner: Any) -> bool:
    return bool(outer.version == inner.version and inner.subnet_of(outer))


@resource_type
class VirtualNetwork(ResourceType):
    """A virtual network; its inline subnets get ids and are served as child resources."""

    type_name = "Microsoft.Network/virtualNetworks"

    def normalize(
        self, cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        props = body.setdefault("properties", {})
        props.setdefault("subnets", [])
        check_subnets(rid, body)
        fill_children(rid, props, "subnets", self.type_name)
        old = (existing or {}).get("properties") or {}
        props["resourceGuid"] = old.get("resourceGuid") or str(uuid.uuid4())
        props.setdefault("enableDdosProtection", False)
        return body


@resource_type
class Subnet(ResourceType):
    """A subnet PUT on its own: merged into its virtual network's ``properties.subnets``."""

    type_name = "Microsoft.Network/virtualNetworks/subnets"

    def normalize(
        self, cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        vnet_id = rid.rsplit("/subnets/", 1)[0]
        vnet = cloud.store.resource_get(vnet_id)
        if vnet is None:
            raise ParentResourceNotFound(vnet_id.rstrip("/").split("/")[-1])
        merged = _with_subnet(vnet, body)
        check_subnets(vnet_id, merged)
        body.setdefault("properties", {})["provisioningState"] = "Succeeded"
        body["location"] = vnet.get("location", body.get("location", ""))
        return body

    def after_put(self, cloud: Cloud, body: dict[str, Any], at: float | None = None) -> None:
        vnet_id = body["id"].rsplit("/subnets/", 1)[0]
        with cloud.store.tx():
            vnet = cloud.store.resource_get(vnet_id)
            if vnet is not None:
                merged = _with_subnet(vnet, body)
                fill_children(vnet_id, merged["properties"], "subnets", VirtualNetwork.type_name)
                cloud.store.resource_put(merged)

    def on_delete(self, cloud: Cloud, body: dict[str, Any]) -> None:
        vnet_id = body["id"].rsplit("/subnets/", 1)[0]
        with cloud.store.tx():
            vnet = cloud.store.resource_get(vnet_id)
            if vnet is not None:
                subnets = vnet["properties"].get("subnets") or []
                keep = [
                    s for s in subnets if s["name"].lower() != body["name"].split("/")[-1].lower()
                ]
                vnet["properties"]["subnets"] = keep
                cloud.store.resource_put(vnet)


def _with_subnet(vnet: dict[str, Any], subnet_body: dict[str, Any]) -> dict[str, Any]:
    name = subnet_body["name"].split("/")[-1]
    merged = {**vnet, "properties": dict(vnet.get("properties") or {})}
    others = [
        s for s in merged["properties"].get("subnets") or [] if s["name"].lower() != name.lower()
    ]
    props = {k: v for k, v in (subnet_body.get("properties") or {}).items()}
    merged["properties"]["subnets"] = [*others, {"name": name, "properties": props}]
    return merged


def subnet_of(cloud: Cloud, vnet_id: str, name: str) -> dict[str, Any] | None:
    """A subnet of a stored virtual network, as ``GET …/subnets/{name}`` answers it."""
    vnet = cloud.store.resource_get(vnet_id)
    return None if vnet is None else find_child(vnet, "subnets", name)


def subnets_of(cloud: Cloud, vnet_id: str) -> list[dict[str, Any]] | None:
    vnet = cloud.store.resource_get(vnet_id)
    return None if vnet is None else list((vnet.get("properties") or {}).get("subnets") or [])


def get_subnet(cloud: Cloud, vnet_id: str, name: str) -> dict[str, Any]:
    """``GET …/subnets/{name}``: 404 ResourceGroupNotFound, then ResourceNotFound."""
    group_of(cloud, vnet_id)
    subnet = subnet_of(cloud, vnet_id, name)
    if subnet is None:
        raise ResourceNotFound(f"Resource {vnet_id}/subnets/{name} not found.")
    return subnet


def list_subnets(cloud: Cloud, vnet_id: str) -> list[dict[str, Any]]:
    """``GET …/subnets``: 404 ResourceGroupNotFound, then ResourceNotFound."""
    group_of(cloud, vnet_id)
    subnets = subnets_of(cloud, vnet_id)
    if subnets is None:
        raise ResourceNotFound(f"Resource {vnet_id} not found.")
    return subnets


# -- network security groups -------------------------------------------------------------------
_DEFAULT_RULES = [
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
]


def default_security_rules() -> list[dict[str, Any]]:
    """The six rules Azure adds to every NSG."""
    return [
        {
            "name": name,
            "properties": {
                "description": f"Default rule {name}",
                "protocol": "*",
                "sourcePortRange": "*",
                "destinationPortRange": "*",
                "sourceAddressPrefix": src,
                "destinationAddressPrefix": dst,
                "access": access,
                "priority": priority,
                "direction": direction,
            },
        }
        for name, priority, direction, access, src, dst in _DEFAULT_RULES
    ]


def _check_port_range(value: Any) -> None:
    text = str(value)
    if text == "*":
        return
    parts = text.split("-")
    if len(parts) > 2 or not all(p.strip().isdigit() and 0 <= int(p) <= 65535 for p in parts):
        raise SecurityRuleInvalidPortRange(value)
    if len(parts) == 2 and int(parts[0]) > int(parts[1]):
        raise SecurityRuleInvalidPortRange(value)


def check_security_rules(rules: list[dict[str, Any]]) -> None:
    """Priorities 100–4096, unique per direction; port ranges well formed."""
    seen: dict[tuple[int, str], str] = {}
    for rule in rules:
        props = rule.get("properties") or {}
        priority = props.get("priority")
        if not isinstance(priority, int) or not 100 <= priority <= 4096:
            raise SecurityRuleInvalidPriority(priority)
        key = (priority, str(props.get("direction", "")).lower())
        if key in seen:
            raise SecurityRuleConflict(rule["name"], seen[key])
        seen[key] = rule["name"]
        for field in ("sourcePortRange", "destinationPortRange"):
            if field in props:
                _check_port_range(props[field])
        for field in ("sourcePortRanges", "destinationPortRanges"):
            for value in props.get(field) or []:
                _check_port_range(value)


@resource_type
class NetworkSecurityGroup(ResourceType):
    """An NSG: rule checks, ids, and Azure's default rules."""

    type_name = "Microsoft.Network/networkSecurityGroups"

    def normalize(
        self, cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        props = body.setdefault("properties", {})
        props.setdefault("securityRules", [])
        check_security_rules(props["securityRules"])
        fill_children(rid, props, "securityRules", self.type_name)
        props["defaultSecurityRules"] = default_security_rules()
        fill_children(rid, props, "defaultSecurityRules", self.type_name)
        old = (existing or {}).get("properties") or {}
        props["resourceGuid"] = old.get("resourceGuid") or str(uuid.uuid4())
        return body


# -- load balancers ------------------------------------------------------------------------------
LB_COLLECTIONS = (
    "frontendIPConfigurations",
    "backendAddressPools",
    "probes",
    "loadBalancingRules",
    "inboundNatPools",
    "inboundNatRules",
    "outboundRules",
)
_OWN_REFS = {  # which items refer to which of the load balancer's own collections
    "loadBalancingRules": ("frontendIPConfiguration", "backendAddressPool", "probe"),
    "inboundNatPools": ("frontendIPConfiguration",),
    "inboundNatRules": ("frontendIPConfiguration", "backendAddressPool"),
    "outboundRules": ("frontendIPConfigurations", "backendAddressPool"),
}


def check_lb_references(cloud: Cloud, rid: str, props: dict[str, Any]) -> None:
    """Every id a load balancer refers to exists (its own parts, public IPs, subnets)."""
    own = {item["id"].lower() for coll in LB_COLLECTIONS for item in props.get(coll) or []}
    for coll, keys in _OWN_REFS.items():
        for key in keys:
            for ref in _refs(props.get(coll) or [], key):
                if ref.lower() not in own:
                    raise InvalidResourceReference(ref, rid)
    frontends = props.get("frontendIPConfigurations") or []
    for ref in _refs(frontends, "publicIPAddress") + _refs(frontends, "subnet"):
        if resolve(cloud, ref) is None:
            raise InvalidResourceReference(ref, rid)


def check_nat_rules(props: dict[str, Any]) -> None:
    """Inbound NAT rules V2 (a backend pool and a frontend port range) against V1 (one
    ``frontendPort``): Azure's property-set checks."""
    for rule in props.get("inboundNatRules") or []:
        rp = rule.get("properties") or {}
        ranged = rp.get("frontendPortRangeStart") is not None or (
            rp.get("frontendPortRangeEnd") is not None
        )
        if rp.get("frontendPort") is not None and ranged:
            raise UnsupportedSetOfInboundNatRulePropertiesWhenFrontendPortIsSpecified(
                rp["frontendPort"]
            )
        if rp.get("backendAddressPool") and (
            rp.get("frontendPortRangeStart") is None or rp.get("frontendPortRangeEnd") is None
        ):
            raise MissedInboundNatRuleV2Properties()


def nat_rules_v2_for_pool(cloud: Cloud, pool_id: str) -> list[dict[str, Any]]:
    """The V2 inbound NAT rules (frontend port range on a backend pool) that map ``pool_id``."""
    lb_id, _collection, _name = split_child_id(pool_id)
    lb = cloud.store.resource_get(lb_id)
    rules = ((lb or {}).get("properties") or {}).get("inboundNatRules") or []
    return [
        dict(rule)
        for rule in rules
        if ((rule.get("properties") or {}).get("backendAddressPool") or {}).get("id", "").lower()
        == pool_id.lower()
    ]


def port_range_size(props: dict[str, Any]) -> int:
    start = int(props.get("frontendPortRangeStart", 0))
    return int(props.get("frontendPortRangeEnd", 0)) - start + 1


@resource_type
class LoadBalancer(ResourceType):
    """A load balancer: ids of all its parts, references checked."""

    type_name = "Microsoft.Network/loadBalancers"

    def normalize(
        self, cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        body.setdefault("sku", {"name": "Basic"}).setdefault("tier", "Regional")
        props = body.setdefault("properties", {})
        for coll in LB_COLLECTIONS:
            props.setdefault(coll, [])
            fill_children(rid, props, coll, self.type_name)
        check_lb_references(cloud, rid, props)
        check_nat_rules(props)
        old = (existing or {}).get("properties") or {}
        props["resourceGuid"] = old.get("resourceGuid") or str(uuid.uuid4())
        return body
