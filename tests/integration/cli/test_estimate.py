"""``estimate`` and the cost in ``plan``, through the real CLI against the local price API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from clifixtures import add_environment_row

from mocks.prices.models import price_sheet


def _sheet_price(region: str, currency: str, **match: str) -> float:
    for item in price_sheet()["items"]:
        if (
            item["armRegionName"] == region
            and item["currencyCode"] == currency
            and all(item.get(k) == v for k, v in match.items())
        ):
            return float(item["retailPrice"])
    raise AssertionError(f"no sheet item for {match}")


def _a2_windows(region: str = "westeurope", currency: str = "USD") -> float:
    return _sheet_price(
        region, currency, armSkuName="Standard_A2_v2",
        productName="Virtual Machines Av2 Series Windows", meterName="A2 v2",
    )  # fmt: skip


@pytest.fixture()
def priced_env(local_azure: Any, cli: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A row for the shared local Azure with its price API, added as a user would."""
    prices = f"{local_azure.url}/api/retail/prices"
    add_environment_row(cli, local_azure, monkeypatch, "pricecloud", "--prices", prices)
    return "pricecloud"


def test_estimate_12000_clients_westeurope_json(cli: Any, home: Path) -> None:
    run = cli(
        "-e", "local", "estimate", "--clients", "12000", "--region", "westeurope", "-o", "json"
    )
    assert run.code == 0, run.err
    data = run.json["data"]
    z = data["sizing"]
    assert (z["vm_size"], z["instances"], z["connection_points"]) == ("Standard_A2_v2", 2, 2)
    assert z["capacity"] == 12000 and z["clients_per_instance"] == 6000
    lines = {c["item"]: c for c in data["costs"]}
    assert set(lines) == {"vm", "outbound data", "storage", "public IP", "load balancer"}
    hourly = _a2_windows()
    assert lines["vm"]["unit_price"] == hourly
    assert lines["vm"]["monthly_low"] == round(hourly * 2 * 730, 2)
    bandwidth = _sheet_price("westeurope", "USD", meterName="Standard Data Transfer Out",
                             tierMinimumUnits=100.0)  # type: ignore[arg-type]  # fmt: skip
    assert lines["outbound data"]["monthly_low"] == round((12000 * 100 / 1024 - 100) * bandwidth, 2)
    assert lines["outbound data"]["monthly_high"] == round(
        (12000 * 300 / 1024 - 100) * bandwidth, 2
    )
    # The API prices the load balancer once for the public regions, at "Global".
    lb = _sheet_price("Global", "USD", serviceName="Load Balancer")
    assert lines["load balancer"]["monthly_low"] == round(lb * 730, 2)
    assert data["monthly_low"] == round(sum(c["monthly_low"] for c in data["costs"]), 2)
    assert data["monthly_high"] > data["monthly_low"]
    assert data["prices_source"].endswith("/api/retail/prices")


def test_estimate_text_and_currency(cli: Any, priced_env: str) -> None:
    run = cli("-e", priced_env, "estimate", "--clients", "12000", "--region", "westeurope",
              "--currency", "eur", "--content-gb", "200")  # fmt: skip
    assert run.code == 0, run.err
    assert "2 × Standard_A2_v2" in run.out and "2 connection point(s)" in run.out
    assert "Monthly cost (EUR)" in run.out and "total" in run.out
    as_json = cli("-e", priced_env, "-o", "json", "estimate", "--clients", "12000",
                  "--region", "westeurope", "--currency", "EUR", "--content-gb", "200")  # fmt: skip
    lines = {c["item"]: c for c in as_json.json["data"]["costs"]}
    assert lines["vm"]["unit_price"] == _a2_windows(currency="EUR")
    stored = _sheet_price("westeurope", "EUR", meterName="Hot LRS Data Stored")
    assert lines["storage"]["monthly_low"] == round(stored * 200, 2)


@pytest.mark.parametrize(
    ("region", "lb_at", "storage"),
    [
        # Recorded figures: Hot LRS Data Stored in eastus is listed with
        # isPrimaryMeterRegion false only; the load balancer at "Global" / "US Gov".
        ("eastus", "Global", 0.0208),
        ("usgovvirginia", "US Gov", 0.0229),
    ],
)
def test_recorded_meters_priced_where_the_api_lists_them(
    cli: Any, priced_env: str, region: str, lb_at: str, storage: float
) -> None:
    run = cli("-e", priced_env, "-o", "json", "estimate", "--clients", "12000",
              "--region", region, "--content-gb", "100")  # fmt: skip
    assert run.code == 0, run.err
    lines = {c["item"]: c for c in run.json["data"]["costs"]}
    lb = _sheet_price(lb_at, "USD", serviceName="Load Balancer")
    assert lines["load balancer"]["unit_price"] == lb
    assert lines["load balancer"]["monthly_low"] == round(lb * 730, 2)
    stored = _sheet_price(region, "USD", meterName="Hot LRS Data Stored",
                          tierMinimumUnits=0.0)  # type: ignore[arg-type]  # fmt: skip
    assert stored == storage and lines["storage"]["unit_price"] == stored
    assert lines["storage"]["monthly_low"] == round(stored * 100, 2)


@pytest.mark.parametrize(
    ("clients", "size", "instances", "points"),
    [
        (5, "Standard_B2s", 2, 2),  # a lab: the proof-of-concept size is cheapest
        (30000, "Standard_A2_v2", 5, 2),
        (100000, "Standard_A4_v2", 10, 7),  # > 16 × 6,000; 16,384 clients per point
        (200000, "Standard_A4_v2", 16, 13),  # beyond 16 × 10,000: served, with delay
    ],
)
def test_sizing_follows_the_planning_numbers(
    cli: Any, priced_env: str, clients: int, size: str, instances: int, points: int
) -> None:
    run = cli("-e", priced_env, "-o", "json", "estimate", "--clients", str(clients),
              "--region", "eastus")  # fmt: skip
    assert run.code == 0, run.err
    z = run.json["data"]["sizing"]
    assert (z["vm_size"], z["instances"], z["connection_points"]) == (size, instances, points)


def test_without_high_availability_one_instance(cli: Any, priced_env: str) -> None:
    run = cli("-e", priced_env, "-o", "json", "estimate", "--clients", "3000", "--region",
              "westeurope", "--no-high-availability")  # fmt: skip
    z = run.json["data"]["sizing"]
    assert (z["instances"], z["connection_points"]) == (1, 1)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--clients", "0"), "--clients"),
        (("--clients", "12k"), "--clients"),
        (("--clients", "10", "--currency", "XYZ"), "--currency"),
        (("--clients", "10", "--content-gb", "-1"), "--content-gb"),
        (("--clients", "10", "--region", "West_Europe!"), "--region"),
    ],
)
def test_bad_input_exit_2_names_the_field(
    cli: Any, home: Path, args: tuple[str, ...], field: str
) -> None:
    full = ["estimate", "--region", "westeurope", *args]
    run = cli("-o", "json", *full)  # no environment needed: refused before any request
    assert run.code == 2, run.err
    assert f"cmgdeploy: error: {field}:" in run.err and "Traceback" not in run.err
    assert run.json["errors"][0]["target"] == field


def test_unknown_region_is_exit_1_naming_it(cli: Any, priced_env: str) -> None:
    run = cli("-e", priced_env, "estimate", "--clients", "10", "--region", "mars")
    assert run.code == 1
    assert "no USD price" in run.err and "mars" in run.err


def test_a_cloud_without_a_price_api_says_so(cli: Any, cloud_env: str) -> None:
    run = cli("-e", cloud_env, "estimate", "--clients", "10", "--region", "westeurope")
    assert run.code == 2 and "has no Azure Retail Prices API" in run.err


def test_plan_shows_the_estimate_of_the_cmg_it_would_deploy(cli: Any, priced_env: str) -> None:
    run = cli("-e", priced_env, "-o", "json", "plan", "--name", "plancostcmg", "--region",
              "westeurope", "--instances", "3", "--vm-size", "Standard_A4_v2",
              "--self-signed-cert", "--site-code", "PS1",
              "--connection-point", "cp1.contoso.com")  # fmt: skip
    assert run.code == 0, run.err
    est = run.json["data"]["estimate"]
    assert est["sizing"]["vm_size"] == "Standard_A4_v2" and est["sizing"]["instances"] == 3
    assert est["clients"] == 30000  # the CMG's capacity
    hourly = _sheet_price("westeurope", "USD", armSkuName="Standard_A4_v2",
                          productName="Virtual Machines Av2 Series Windows", meterName="A4 v2")  # fmt: skip
    assert est["costs"][0]["monthly_low"] == round(hourly * 3 * 730, 2)
    text = cli("-e", priced_env, "plan", "--name", "plancostcmg", "--region", "westeurope",
               "--self-signed-cert", "--site-code", "PS1")  # fmt: skip
    assert text.code == 0, text.err
    assert "Monthly cost (USD)" in text.out and "1 × Standard_A2_v2" in text.out
    assert json.dumps(est)  # JSON-serialisable as it stands
