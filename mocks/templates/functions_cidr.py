"""CIDR template functions: ``parseCidr``, ``cidrSubnet``, ``cidrHost`` (IPv4 and IPv6)."""

from __future__ import annotations

import ipaddress
from typing import Any

from .evaluator import Context
from .functions import _fail, _want, function

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(name: str, value: Any) -> Network:
    text = _want(name, value, str)
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise _fail(name, f"the value '{text}' is not a valid CIDR notation.") from None


@function("parseCidr", 1, 1)
def _parse_cidr(ctx: Context, args: list[Any]) -> dict:
    net = _network("parseCidr", args[0])
    info: dict[str, Any] = {"network": str(net.network_address), "netmask": str(net.netmask)}
    if net.version == 4:
        info["broadcast"] = str(net.broadcast_address)
        usable = list(_usable_bounds(net))
    else:
        usable = [net.network_address, net.broadcast_address]
    info["firstUsable"], info["lastUsable"] = (str(a) for a in usable)
    info["cidr"] = net.prefixlen
    return info


def _usable_bounds(net: Network) -> tuple[Any, Any]:
    if net.prefixlen >= net.max_prefixlen - 1:  # /31 and /32 have no network/broadcast
        return net.network_address, net.broadcast_address
    return net.network_address + 1, net.broadcast_address - 1


@function("cidrSubnet", 3, 3)
def _cidr_subnet(ctx: Context, args: list[Any]) -> str:
    net = _network("cidrSubnet", args[0])
    new_prefix = _want("cidrSubnet", args[1], int)
    index = _want("cidrSubnet", args[2], int)
    if not net.prefixlen <= new_prefix <= net.max_prefixlen:
        raise _fail(
            "cidrSubnet",
            f"the new CIDR '{new_prefix}' must be between '{net.prefixlen}' and "
            f"'{net.max_prefixlen}'.",
        )
    count = 2 ** (new_prefix - net.prefixlen)
    if not 0 <= index < count:
        raise _fail(
            "cidrSubnet",
            f"the subnet index '{index}' is out of range: '{net}' has '{count}' subnets of "
            f"size /{new_prefix}.",
        )
    size = 2 ** (net.max_prefixlen - new_prefix)
    first = net.network_address + index * size
    return f"{first}/{new_prefix}"


@function("cidrHost", 2, 2)
def _cidr_host(ctx: Context, args: list[Any]) -> str:
    net = _network("cidrHost", args[0])
    index = _want("cidrHost", args[1], int)
    first, last = _usable_bounds(net) if net.version == 4 else (net.network_address + 1, None)
    if last is None:
        last = net.broadcast_address
    host = first + index if index >= 0 else None
    if host is None or host > last:
        raise _fail(
            "cidrHost", f"the host index '{index}' is out of range for the network '{net}'."
        )
    return str(host)
