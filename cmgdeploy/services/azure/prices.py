"""The Azure Retail Prices API client: ``$filter``, ``currencyCode``, ``NextPageLink``.

The API is public and unauthenticated (no token). One query is followed through its
``NextPageLink`` pages (100 items each, per Microsoft's page); 429/5xx and resets are
retried a few times, honouring ``Retry-After``. ``fetch`` can be injected: the unit tests
replay recorded answers through it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cmgdeploy.domain.errors import AzureError
from cmgdeploy.services.azure.retry import THROTTLED, TRANSIENT, parse_retry_after

MAX_PAGES = 50
MAX_ATTEMPTS = 5
# The currencies the API's page lists as supported.
CURRENCIES = (
    "USD", "AUD", "BRL", "CAD", "CHF", "CNY", "DKK", "EUR", "GBP", "INR", "JPY", "KRW",
    "NOK", "NZD", "RUB", "SEK", "TWD",
)  # fmt: skip

Fetch = Callable[[str, dict[str, str] | None], dict[str, Any]]


@dataclass(frozen=True)
class PriceItem:
    """One price of the API's ``Items`` (the fields cmgdeploy reads)."""

    service_name: str
    product_name: str
    sku_name: str
    meter_name: str
    arm_sku_name: str
    arm_region_name: str
    unit_of_measure: str
    price_type: str
    currency: str
    retail_price: float
    tier_minimum_units: float
    is_primary_meter_region: bool

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> PriceItem:
        return cls(
            service_name=str(item.get("serviceName", "")),
            product_name=str(item.get("productName", "")),
            sku_name=str(item.get("skuName", "")),
            meter_name=str(item.get("meterName", "")),
            arm_sku_name=str(item.get("armSkuName", "")),
            arm_region_name=str(item.get("armRegionName", "")),
            unit_of_measure=str(item.get("unitOfMeasure", "")),
            price_type=str(item.get("type", "")),
            currency=str(item.get("currencyCode", "")),
            retail_price=float(item.get("retailPrice") or 0.0),
            tier_minimum_units=float(item.get("tierMinimumUnits") or 0.0),
            is_primary_meter_region=bool(item.get("isPrimaryMeterRegion", True)),
        )


def odata_literal(value: str) -> str:
    """``'value'`` with quotes doubled, as OData wants string literals."""
    return "'" + value.replace("'", "''") + "'"


def all_equal(**fields: str | tuple[str, ...]) -> str:
    """``a eq 'x' and (b eq 'y' or b eq 'z')`` from ``a="x", b=("y", "z")``."""
    terms = []
    for name, value in fields.items():
        values = value if isinstance(value, tuple) else (value,)
        alternatives = [f"{name} eq {odata_literal(v)}" for v in values]
        terms.append(
            alternatives[0] if len(alternatives) == 1 else f"({' or '.join(alternatives)})"
        )
    return " and ".join(terms)


class RetailPrices:
    """Queries one Retail Prices endpoint (``https://prices.azure.com/api/retail/prices``)."""

    def __init__(
        self,
        endpoint: str,
        *,
        ca_bundle: str | None = None,
        fetch: Fetch | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.endpoint = endpoint
        self.ca_bundle = ca_bundle
        self._fetch = fetch or self._http_get
        self._sleep = sleep
        self.requests = 0

    def query(self, filter_text: str, currency: str = "USD") -> tuple[PriceItem, ...]:
        """Every item matching ``filter_text`` in ``currency``, all pages followed."""
        url: str | None = self.endpoint
        params: dict[str, str] | None = {"currencyCode": f"'{currency}'", "$filter": filter_text}
        items: list[PriceItem] = []
        for _ in range(MAX_PAGES):
            if url is None:
                return tuple(items)
            page = self._fetch(url, params)
            self.requests += 1
            items.extend(PriceItem.from_api(i) for i in page.get("Items") or [])
            url, params = page.get("NextPageLink") or None, None  # the link carries the query
        raise AzureError(
            f"the Retail Prices API gave more than {MAX_PAGES} pages for {filter_text!r}",
            code="TooManyPages",
            target=self.endpoint,
        )

    def _http_get(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        import requests

        for attempt in range(MAX_ATTEMPTS):
            last = attempt == MAX_ATTEMPTS - 1
            try:
                response = requests.get(
                    url, params=params, verify=self.ca_bundle or True, timeout=60
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise AzureError(
                        f"the Retail Prices API at {self.endpoint} did not answer: {exc}",
                        code="PricesUnreachable",
                        target=self.endpoint,
                    ) from None
                self._sleep(_backoff(attempt))
                continue
            if response.status_code in THROTTLED | TRANSIENT and not last:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                self._sleep(wait if wait is not None else _backoff(attempt))
                continue
            return _answer(response, self.endpoint)
        raise AssertionError("unreachable")  # pragma: no cover


def _backoff(attempt: int) -> float:
    return float(random.uniform(0, min(8.0, 0.5 * 2**attempt)))


def _answer(response: Any, endpoint: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        error = (body or {}).get("error") or (body or {}).get("Error") or {}
        message = error.get("message") or error.get("Message") or response.text[:300]
        raise AzureError(
            f"the Retail Prices API answered {response.status_code}: {message}",
            code=str(error.get("code") or error.get("Code") or f"HTTP{response.status_code}"),
            target=endpoint,
        )
    return body
