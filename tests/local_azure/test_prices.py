"""The local Azure's Retail Prices API: unauthenticated GET, $filter, currency, paging."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from mocks import LocalAzure
from mocks.prices import models
from mocks.prices.exceptions import InvalidFilter, UnsupportedCurrency


def _get(az: LocalAzure, **params: str) -> requests.Response:
    return requests.get(
        f"{az.url}/api/retail/prices", params=params, verify=az.ca_bundle, timeout=30
    )


def test_answer_has_the_documented_shape_without_a_token(local_azure: LocalAzure) -> None:
    flt = "serviceName eq 'Virtual Machines' and armRegionName eq 'westeurope' and armSkuName eq 'Standard_A2_v2'"
    answer = _get(local_azure, **{"$filter": flt})
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"BillingCurrency", "CustomerEntityId", "CustomerEntityType", "Items",
                         "NextPageLink", "Count"}  # fmt: skip
    assert body["BillingCurrency"] == "USD" and body["NextPageLink"] is None
    assert body["Count"] == len(body["Items"]) == 3  # Windows, Linux, Spot
    assert {i["productName"] for i in body["Items"]} == {
        "Virtual Machines Av2 Series Windows", "Virtual Machines Av2 Series",
    }  # fmt: skip
    for item in body["Items"]:
        assert item["armSkuName"] == "Standard_A2_v2" and item["unitOfMeasure"] == "1 Hour"


def test_currency_code_selects_the_sheet_s_currency(local_azure: LocalAzure) -> None:
    flt = "serviceName eq 'Load Balancer' and armRegionName eq 'Global'"
    body = _get(local_azure, currencyCode="'EUR'", **{"$filter": flt}).json()
    assert body["BillingCurrency"] == "EUR"
    assert [i["currencyCode"] for i in body["Items"]] == ["EUR"]


def test_or_and_parentheses(local_azure: LocalAzure) -> None:
    flt = ("armRegionName eq 'eastus' and priceType eq 'Consumption' and "
           "(serviceName eq 'Bandwidth' or serviceName eq 'Virtual Network')")  # fmt: skip
    body = _get(local_azure, **{"$filter": flt}).json()
    assert {i["serviceName"] for i in body["Items"]} == {"Bandwidth", "Virtual Network"}


def test_values_are_case_sensitive(local_azure: LocalAzure) -> None:
    body = _get(local_azure, **{"$filter": "serviceName eq 'virtual machines'"}).json()
    assert body["Items"] == [] and body["Count"] == 0


@pytest.mark.parametrize(
    ("flt", "words"),
    [
        ("colour eq 'red'", "not a filterable field"),
        ("serviceName ne 'Storage'", "expected serviceName eq"),
        ("(serviceName eq 'Storage' x", "missing ')'"),
        ("serviceName eq", "ends too early"),
    ],
)
def test_a_bad_filter_is_400_naming_it(local_azure: LocalAzure, flt: str, words: str) -> None:
    answer = _get(local_azure, **{"$filter": flt})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "InvalidFilter" and words in error["message"]


def test_a_currency_the_sheet_lacks_is_400(local_azure: LocalAzure) -> None:
    answer = _get(local_azure, currencyCode="'JPY'")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "UnsupportedCurrency"


def _sheet(n: int) -> dict[str, Any]:
    items = [
        {"currencyCode": "USD", "serviceName": "Storage", "meterName": f"m{i}"} for i in range(n)
    ]
    return {"currencies": ["USD"], "items": items}


def test_pages_of_at_most_page_size_with_a_next_link_carrying_skip() -> None:
    sheet = _sheet(250)
    first = models.query("https://h", "serviceName eq 'Storage'", "'USD'", 0, sheet=sheet)
    assert first["Count"] == 100
    assert first["NextPageLink"] == (
        "https://h/api/retail/prices?currencyCode=%27USD%27"
        "&$filter=serviceName%20eq%20%27Storage%27&$skip=100"
    )
    last = models.query("https://h", "serviceName eq 'Storage'", "'USD'", 200, sheet=sheet)
    assert last["Count"] == 50 and last["NextPageLink"] is None
    assert last["Items"][0]["meterName"] == "m200"


def test_next_page_link_is_followed_over_https(local_azure: LocalAzure) -> None:
    body = _get(local_azure).json()  # every USD item: one page (the sheet is small)
    assert body["Count"] == len(body["Items"]) <= models.PAGE_SIZE
    assert body["NextPageLink"] is None


def test_model_errors_are_azure_shaped() -> None:
    with pytest.raises(InvalidFilter):
        models.query("https://h", "x eq 'y'", None, 0)
    with pytest.raises(UnsupportedCurrency):
        models.query("https://h", None, "GBP", 0)


def test_the_sheet_names_its_source() -> None:
    sheet = models.price_sheet()
    assert "learn.microsoft.com/rest/api/cost-management/retail-prices" in sheet["source"]
    # Recorded items name their source; every other item says it is not sourced.
    assert "NOT SOURCED" in sheet["source"]
    recorded = {(r["meterId"], r["currencyCode"], r["armRegionName"]) for r in sheet["recorded"]}
    assert all(
        r["from"].startswith("rshade/finfocus-plugin-azure-public ") for r in sheet["recorded"]
    )
    for i in sheet["items"]:
        key = (i["meterId"], i["currencyCode"], i["armRegionName"])
        assert key in recorded or i["meterId"].startswith("00000000-0000-4000-8000-"), key
    assert {k[0] for k in recorded} <= {i["meterId"] for i in sheet["items"]}
    assert set(sheet["currencies"]) == {"USD", "EUR"}
