"""The Retail Prices client and the estimate arithmetic, replayed over recorded answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cmgdeploy.commands.estimate import EstimateRequest, estimate
from cmgdeploy.domain.errors import AzureError
from cmgdeploy.services.azure.prices import PriceItem, RetailPrices, all_equal, odata_literal

FIXTURES = Path(__file__).parent / "fixtures" / "prices"
ENDPOINT = "https://prices.azure.com/api/retail/prices"


def _recorded(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Replay:
    """A fetch that answers from recordings and keeps what was asked."""

    def __init__(self, answers: dict[str, list[dict[str, Any]]]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, dict[str, str] | None]] = []

    def __call__(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        self.asked.append((url, params))
        if params is None:  # a NextPageLink: the recording that was asked for it
            return next(
                r["answer"]
                for pages in self.answers.values()
                for r in pages
                if r.get("request", {}).get("url") == url
            )
        service = params["$filter"].split("serviceName eq '", 1)[1].split("'", 1)[0]
        return self.answers[service][0]["answer"]


def _vm_pages() -> list[dict[str, Any]]:
    return [_recorded("vm_westeurope_eur_1.json"), _recorded("vm_westeurope_eur_2.json")]


def test_query_follows_next_page_link_with_the_query_it_carries() -> None:
    replay = Replay({"Virtual Machines": _vm_pages()})
    client = RetailPrices(ENDPOINT, fetch=replay)
    first = _vm_pages()[0]["request"]

    items = client.query(first["params"]["$filter"], "EUR")

    assert len(items) == 107 and client.requests == 2
    assert replay.asked[0] == (
        ENDPOINT,
        {"currencyCode": "'EUR'", "$filter": first["params"]["$filter"]},
    )
    assert replay.asked[1] == (_vm_pages()[0]["answer"]["NextPageLink"], None)
    a2 = [i for i in items if i.arm_sku_name == "Standard_A2_v2"]
    assert {i.meter_name for i in a2} == {"A2 v2", "A2 v2 Spot", "A2 v2 Low Priority"}
    assert all(i.currency == "EUR" for i in items)


def test_items_of_microsoft_published_answers_read_as_published() -> None:
    recorded = _recorded("docs_examples.json")
    spot = PriceItem.from_api(recorded["without_reservation"])
    assert spot == PriceItem(
        service_name="Virtual Machines",
        product_name="Virtual Machines FS Series Windows",
        sku_name="F16s Spot",
        meter_name="F16s Spot",
        arm_sku_name="Standard_F16s",
        arm_region_name="westeurope",
        unit_of_measure="1 Hour",
        price_type="DevTestConsumption",
        currency="USD",
        retail_price=0.176346,
        tier_minimum_units=0.0,
        is_primary_meter_region=True,
    )
    reserved = PriceItem.from_api(recorded["with_reservation"])
    assert (reserved.price_type, reserved.retail_price, reserved.arm_region_name) == (
        "Reservation",
        25007.0,
        "southcentralus",
    )


def test_item_fields_read_from_the_documented_names() -> None:
    raw = _recorded("bandwidth_westeurope_eur.json")["answer"]["Items"][1]
    item = PriceItem.from_api(raw)
    assert (item.service_name, item.meter_name, item.unit_of_measure) == (
        "Bandwidth", "Standard Data Transfer Out", "1 GB",
    )  # fmt: skip
    assert (item.tier_minimum_units, item.retail_price, item.price_type) == (
        100.0,
        0.0805,
        "Consumption",
    )


def test_filter_text_quotes_values_and_groups_alternatives() -> None:
    assert odata_literal("O'Brien") == "'O''Brien'"
    text = all_equal(
        serviceName="Virtual Machines", armSkuName=("Standard_A2_v2", "Standard_A4_v2")
    )
    assert text == (
        "serviceName eq 'Virtual Machines' and "
        "(armSkuName eq 'Standard_A2_v2' or armSkuName eq 'Standard_A4_v2')"
    )


def _all_recordings() -> Replay:
    one = {
        "Bandwidth": "bandwidth", "Storage": "storage",
        "Virtual Network": "publicip", "Load Balancer": "loadbalancer",
    }  # fmt: skip
    answers = {k: [_recorded(f"{v}_westeurope_eur.json")] for k, v in one.items()}
    return Replay({**answers, "Virtual Machines": _vm_pages()})


def test_estimate_figures_come_from_the_answers() -> None:
    client = RetailPrices(ENDPOINT, fetch=_all_recordings())
    request = EstimateRequest(clients=12000, region="westeurope", currency="EUR")

    result = estimate(client, request, ENDPOINT)

    z = result.sizing
    assert (z.vm_size, z.instances, z.connection_points, z.capacity) == (
        "Standard_A2_v2",
        2,
        2,
        12000,
    )
    lines = {c.item: c for c in result.costs}
    assert lines["vm"].unit_price == 0.1376
    assert lines["vm"].monthly_low == round(0.1376 * 2 * 730, 2)
    # 12,000 × 100 MB and × 300 MB; the first 100 GB free, then 0.0805 per GB.
    assert lines["outbound data"].monthly_low == round((12000 * 100 / 1024 - 100) * 0.0805, 2)
    assert lines["outbound data"].monthly_high == round((12000 * 300 / 1024 - 100) * 0.0805, 2)
    assert lines["storage"].monthly_low == 0.0
    assert lines["public IP"].monthly_low == round(0.0047 * 730, 2)
    assert lines["load balancer"].monthly_low == round(0.0232 * 730, 2)
    assert result.monthly_low == round(sum(c.monthly_low for c in result.costs), 2)
    assert result.alternatives[0]["vm_size"] == "Standard_A4_v2"
    assert result.alternatives[0]["vm_monthly"] == round(0.2892 * 2 * 730, 2)


def test_tiers_apply_to_large_outbound_volumes() -> None:
    client = RetailPrices(ENDPOINT, fetch=_all_recordings())
    request = EstimateRequest(clients=150000, region="westeurope", currency="EUR")

    lines = {c.item: c for c in estimate(client, request, ENDPOINT).costs}

    gb = 150000 * 300 / 1024  # 43,945 GB: into the third tier
    expected = (10340 - 100) * 0.0805 + (gb - 10340) * 0.0768
    assert lines["outbound data"].monthly_high == round(expected, 2)
    assert lines["outbound data"].unit_price == 0.0768


def test_a_region_without_the_meter_is_a_clear_error() -> None:
    empty = {"BillingCurrency": "EUR", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
             "Items": [], "NextPageLink": None, "Count": 0}  # fmt: skip
    client = RetailPrices(ENDPOINT, fetch=lambda url, params: empty)
    with pytest.raises(AzureError) as caught:
        estimate(client, EstimateRequest(clients=10, region="mars", currency="EUR"), ENDPOINT)
    assert caught.value.code == "PriceNotFound"
    assert "mars" in caught.value.message and "EUR" in caught.value.message


def test_recorded_meters_priced_where_the_api_lists_them() -> None:
    """Recorded answers: the load balancer at "Global", Hot LRS storage as non-primary."""
    lb = _recorded("recorded_loadbalancer_global_usd.json")
    stored = _recorded("recorded_storage_hot_lrs_eastus_usd.json")
    hand_written = _all_recordings()  # VM, bandwidth and public IP: no recording exists
    empty = {"BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail",
             "Items": [], "NextPageLink": None, "Count": 0}  # fmt: skip
    asked: list[str] = []

    def fetch(url: str, params: dict[str, str] | None) -> dict[str, Any]:
        if params is None:  # the hand-written VM answer's second page
            return hand_written(url, params)
        asked.append(params["$filter"])
        for recording in (lb, stored):
            if params == recording["request"]["params"]:
                return dict(recording["answer"])
        if "'Load Balancer'" in params["$filter"] or "'Storage'" in params["$filter"]:
            return empty  # the regional load balancer query answers no item
        return hand_written(url, params)

    client = RetailPrices(ENDPOINT, fetch=fetch)
    request = EstimateRequest(clients=12000, region="eastus", currency="USD", content_gb=100)
    lines = {c.item: c for c in estimate(client, request, ENDPOINT).costs}

    assert lines["load balancer"].unit_price == 0.025
    assert lines["load balancer"].monthly_low == round(0.025 * 730, 2)
    lb_asked = [f for f in asked if "'Load Balancer'" in f]
    assert [f.split(" and ")[0] for f in lb_asked] == [
        "armRegionName eq 'eastus'",
        "armRegionName eq 'Global'",
    ]
    assert lines["storage"].unit_price == 0.0208  # the first tier of three
    assert lines["storage"].monthly_low == round(0.0208 * 100, 2)
