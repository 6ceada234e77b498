"""``cmgdeploy estimate``: size a CMG for a client count and price it per month.

Sizing uses only the planning document's numbers (docs/SOURCES.md, "Size and cost"):
clients per VM instance per size, 1–16 instances, one connection point per 4
instances and per 16,384 clients, at least 2 instances and 2 connection points for
high availability. Prices come from the cloud's Azure Retail Prices API: Windows VM
hours (730 hours a month, the Azure pricing calculator's month), outbound data (100–300
MB per client per month, plus content), Hot LRS blob storage for content, one Standard
static public IP and one Standard load balancer.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from cmgdeploy.domain import validate
from cmgdeploy.domain.errors import AzureError, InputError, UsageError

CLIENTS_PER_VM = {"Standard_B2s": 10, "Standard_A2_v2": 6000, "Standard_A4_v2": 10000}
LAB_SIZE = "Standard_B2s"
DEFAULT_SIZE = "Standard_A2_v2"
MAX_INSTANCES = 16
INSTANCES_PER_CONNECTION_POINT = 4
CLIENTS_PER_CONNECTION_POINT = 16384
HIGH_AVAILABILITY_MINIMUM = 2
HOURS_PER_MONTH = 730
MB_PER_CLIENT_MONTH = (100, 300)
MB_PER_GB = 1024
MAX_CLIENTS = 10_000_000

# Meters of the Retail Prices API, per cost line.
BANDWIDTH = {"serviceName": "Bandwidth", "meterName": "Standard Data Transfer Out"}
STORAGE = {
    "serviceName": "Storage",
    "productName": "General Block Blob v2",
    "meterName": "Hot LRS Data Stored",
}
PUBLIC_IP = {"serviceName": "Virtual Network", "meterName": "Standard IPv4 Static Public IP"}
LOAD_BALANCER = {
    "serviceName": "Load Balancer",
    "meterName": "Standard Included LB Rules and Outbound Rules",
}
# Services the API prices once for all public regions (armRegionName "Global") and once
# for the US Government regions ("US Gov") rather than per region; a regional query for
# them answers no item, so it is asked again there.
PRICED_ONCE = ("Load Balancer",)


@dataclass(frozen=True)
class EstimateRequest:
    """Validated inputs of ``estimate`` (``vm_size``/``instances`` fix the size: ``plan``)."""

    clients: int
    region: str
    currency: str = "USD"
    content_gb: float = 0.0
    high_availability: bool = True
    vm_size: str | None = None
    instances: int | None = None


@dataclass(frozen=True)
class Sizing:
    """A VM size, its instance and connection point counts and what they serve."""

    vm_size: str
    instances: int
    connection_points: int
    clients_per_instance: int
    capacity: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CostLine:
    """One line of the monthly cost: quantity × the API's price (low and high)."""

    item: str
    meter: str
    unit: str
    unit_price: float
    quantity_low: float
    quantity_high: float
    monthly_low: float
    monthly_high: float


@dataclass(frozen=True)
class EstimateResult:
    clients: int
    region: str
    currency: str
    sizing: Sizing
    costs: tuple[CostLine, ...]
    monthly_low: float
    monthly_high: float
    prices_source: str
    alternatives: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["costs"] = [asdict(c) for c in self.costs]
        data["sizing"]["notes"] = list(self.sizing.notes)
        data["alternatives"] = list(self.alternatives)
        data["notes"] = list(self.notes)
        return data


# -- inputs ----------------------------------------------------------------------------------
def estimate_request(
    clients: Any,
    region: Any,
    *,
    currency: Any = "USD",
    content_gb: Any = 0.0,
    high_availability: bool = True,
) -> EstimateRequest:
    """Validate the options of ``estimate`` (InputError names the field and what is allowed)."""
    from cmgdeploy.services.azure.prices import CURRENCIES

    number = _whole(clients, "--clients", 1, MAX_CLIENTS)
    code = str(currency).strip().upper() if isinstance(currency, str) else currency
    if code not in CURRENCIES:
        raise InputError("--currency", currency, f"one of {', '.join(CURRENCIES)}")
    try:
        content = float(content_gb)
    except (TypeError, ValueError):
        content = -1.0
    if not math.isfinite(content) or content < 0:
        raise InputError("--content-gb", content_gb, "a number of GB per month, 0 or more")
    return EstimateRequest(
        number, validate.region(region, "--region"), code, content, high_availability
    )


def _whole(value: Any, name: str, low: int, high: int) -> int:
    allowed = f"a whole number from {low} to {high:,}"
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InputError(name, value, allowed)
    try:
        number = int(value)
    except ValueError:
        raise InputError(name, value, allowed) from None
    if not low <= number <= high:
        raise InputError(name, value, allowed)
    return number


# -- sizing ----------------------------------------------------------------------------------
def connection_points_for(instances: int, clients: int, high_availability: bool) -> int:
    """One per 4 instances and per 16,384 clients; 2 for high availability."""
    needed = max(
        math.ceil(instances / INSTANCES_PER_CONNECTION_POINT),
        math.ceil(clients / CLIENTS_PER_CONNECTION_POINT),
    )
    return max(needed, HIGH_AVAILABILITY_MINIMUM if high_availability else 1)


def size_with(vm_size: str, clients: int, high_availability: bool) -> Sizing:
    """The instances ``vm_size`` needs for ``clients`` (capped at 16, with a note)."""
    per = CLIENTS_PER_VM[vm_size]
    wanted = math.ceil(clients / per)
    floor = HIGH_AVAILABILITY_MINIMUM if high_availability else 1
    instances = min(MAX_INSTANCES, max(wanted, floor))
    notes = []
    if wanted > MAX_INSTANCES:
        notes.append(
            f"{clients:,} clients exceed {MAX_INSTANCES} × {per:,}: they are still served, "
            "with delay (or split them over more than one CMG)"
        )
    if vm_size == LAB_SIZE:
        notes.append(f"{LAB_SIZE} is for a proof of concept only ({per} clients per instance)")
    return Sizing(
        vm_size,
        instances,
        connection_points_for(instances, clients, high_availability),
        per,
        per * instances,
        tuple(notes),
    )


def fixed_sizing(vm_size: str, instances: int, clients: int) -> Sizing:
    """The sizing of a CMG whose size and instance count are given (``plan``)."""
    per = CLIENTS_PER_VM[vm_size]
    points = connection_points_for(instances, clients, instances >= HIGH_AVAILABILITY_MINIMUM)
    return Sizing(vm_size, instances, points, per, per * instances)


def candidate_sizes(clients: int) -> tuple[str, ...]:
    """Sizes worth pricing: the lab size only for a lab's client count; the production
    sizes that can serve the clients within 16 instances (the largest if none can)."""
    if clients <= CLIENTS_PER_VM[LAB_SIZE]:
        return tuple(CLIENTS_PER_VM)
    production = [s for s in CLIENTS_PER_VM if s != LAB_SIZE]
    fitting = [s for s in production if CLIENTS_PER_VM[s] * MAX_INSTANCES >= clients]
    return tuple(fitting or production[-1:])


# -- prices ----------------------------------------------------------------------------------
def estimate(prices: Any, request: EstimateRequest, source: str) -> EstimateResult:
    """Size and price a CMG for ``request`` with the Retail Prices API ``prices``.

    Without a fixed size, each candidate size is priced and the cheapest monthly VM
    cost wins (the default size on a tie); the others are listed as alternatives."""
    sizes = (request.vm_size,) if request.vm_size else candidate_sizes(request.clients)
    hourly = vm_prices(prices, request.region, request.currency, sizes)
    if request.vm_size and request.instances:
        sizings = [fixed_sizing(request.vm_size, request.instances, request.clients)]
    else:
        sizings = [size_with(s, request.clients, request.high_availability) for s in sizes]
    ranked = sorted(
        sizings, key=lambda z: (hourly[z.vm_size] * z.instances, z.vm_size != DEFAULT_SIZE)
    )
    chosen = ranked[0]
    costs = (_vm_line(chosen, hourly[chosen.vm_size]), *_other_lines(prices, request))
    return EstimateResult(
        clients=request.clients,
        region=request.region,
        currency=request.currency,
        sizing=chosen,
        costs=costs,
        monthly_low=round(sum(c.monthly_low for c in costs), 2),
        monthly_high=round(sum(c.monthly_high for c in costs), 2),
        prices_source=source,
        alternatives=tuple(
            {
                "vm_size": z.vm_size,
                "instances": z.instances,
                "vm_monthly": round(hourly[z.vm_size] * z.instances * HOURS_PER_MONTH, 2),
            }
            for z in ranked[1:]
        ),
        notes=(
            f"VM hours: {HOURS_PER_MONTH} a month; outbound data: "
            f"{MB_PER_CLIENT_MONTH[0]}–{MB_PER_CLIENT_MONTH[1]} MB per client per month "
            "(default vs. aggressive client settings) plus content; inbound data is free",
            "not priced: Key Vault operations, the storage the CMG uses for its own "
            "operations, and content egress past what --content-gb says",
        ),
    )


def vm_prices(prices: Any, region: str, currency: str, sizes: tuple[str, ...]) -> dict[str, float]:
    """Windows pay-as-you-go hourly price per size (Spot and Low Priority meters skipped)."""
    from cmgdeploy.services.azure.prices import all_equal

    query = all_equal(
        serviceName="Virtual Machines",
        armRegionName=region,
        priceType="Consumption",
        armSkuName=sizes,
    )
    found: dict[str, float] = {}
    for item in prices.query(query, currency):
        spot = any(w in item.meter_name for w in ("Spot", "Low Priority"))
        if item.product_name.endswith(" Windows") and not spot and item.unit_of_measure == "1 Hour":
            found.setdefault(item.arm_sku_name, item.retail_price)
    missing = [s for s in sizes if s not in found]
    if missing:
        raise _no_price(f"Windows VM {', '.join(missing)}", region, currency)
    return found


def _vm_line(sizing: Sizing, hourly: float) -> CostLine:
    hours = float(sizing.instances * HOURS_PER_MONTH)
    monthly = round(hours * hourly, 2)
    return CostLine(
        "vm", f"{sizing.vm_size} Windows", "1 Hour", hourly, hours, hours, monthly, monthly
    )


def _other_lines(prices: Any, request: EstimateRequest) -> tuple[CostLine, ...]:
    low_gb, high_gb = (
        request.clients * mb / MB_PER_GB + request.content_gb for mb in MB_PER_CLIENT_MONTH
    )
    tiers = _tiers(prices, request, BANDWIDTH)
    data = CostLine(
        "outbound data", BANDWIDTH["meterName"], "1 GB", _marginal(tiers, high_gb),
        round(low_gb, 1), round(high_gb, 1),
        round(_tiered(tiers, low_gb), 2), round(_tiered(tiers, high_gb), 2),
    )  # fmt: skip
    storage_price = _single(prices, request, STORAGE)
    storage = CostLine(
        "storage", STORAGE["meterName"], "1 GB/Month", storage_price,
        request.content_gb, request.content_gb,
        round(storage_price * request.content_gb, 2), round(storage_price * request.content_gb, 2),
    )  # fmt: skip
    return (
        data,
        storage,
        _hourly_line(prices, request, "public IP", PUBLIC_IP),
        _hourly_line(prices, request, "load balancer", LOAD_BALANCER),
    )


def _hourly_line(
    prices: Any, request: EstimateRequest, item: str, meter: dict[str, str]
) -> CostLine:
    price = _single(prices, request, meter)
    monthly = round(price * HOURS_PER_MONTH, 2)
    hours = float(HOURS_PER_MONTH)
    return CostLine(item, meter["meterName"], "1 Hour", price, hours, hours, monthly, monthly)


def _price_location(region: str) -> str:
    """Where the API lists a ``PRICED_ONCE`` service for ``region``."""
    return "US Gov" if region.startswith(("usgov", "usdod")) else "Global"


def _items(prices: Any, request: EstimateRequest, meter: dict[str, str]) -> list[Any]:
    from cmgdeploy.services.azure.prices import all_equal

    query = all_equal(armRegionName=request.region, priceType="Consumption", **meter)
    found = list(prices.query(query, request.currency))
    if not found and meter["serviceName"] in PRICED_ONCE:
        where = _price_location(request.region)
        query = all_equal(armRegionName=where, priceType="Consumption", **meter)
        found = list(prices.query(query, request.currency))
    # The primary meter region's items when there are some; a meter the API lists for
    # this product only as non-primary (Hot LRS Data Stored of General Block Blob v2)
    # still carries its price there.
    found = [i for i in found if i.is_primary_meter_region] or found
    if not found:
        raise _no_price(meter["meterName"], request.region, request.currency)
    return found


def _single(prices: Any, request: EstimateRequest, meter: dict[str, str]) -> float:
    return float(
        min(_items(prices, request, meter), key=lambda i: i.tier_minimum_units).retail_price
    )


def _tiers(
    prices: Any, request: EstimateRequest, meter: dict[str, str]
) -> list[tuple[float, float]]:
    items = _items(prices, request, meter)
    return sorted({(i.tier_minimum_units, i.retail_price) for i in items})


def _tiered(tiers: list[tuple[float, float]], quantity: float) -> float:
    """Cost of ``quantity`` under tiered prices (each tier from its minimum units)."""
    total = 0.0
    for n, (start, price) in enumerate(tiers):
        end = tiers[n + 1][0] if n + 1 < len(tiers) else math.inf
        total += max(0.0, min(quantity, end) - start) * price
    return total


def _marginal(tiers: list[tuple[float, float]], quantity: float) -> float:
    """The price of the tier ``quantity`` ends in."""
    return [p for start, p in tiers if start <= quantity][-1] if tiers else 0.0


def _no_price(what: str, region: str, currency: str) -> AzureError:
    return AzureError(
        f"the Retail Prices API has no {currency} price for {what} in region {region}",
        code="PriceNotFound",
        target=region,
        hint="check the region name (e.g. westeurope); CMGs run in the public and US "
        "Government clouds",
    )


def retail_prices_for(env: Any) -> Any:
    """The Retail Prices client of a resolved environment; UsageError when it has none."""
    from cmgdeploy.services.azure.prices import RetailPrices

    if not env.prices:
        raise UsageError(
            f"environment {env.name} has no Azure Retail Prices API: the cloud documents "
            "none; estimate in AzurePublicCloud for list prices"
        )
    return RetailPrices(env.prices, ca_bundle=env.ca_bundle)
