"""Retail prices: the price sheet, the ``$filter`` subset and paging.

Simulated (as Microsoft's page describes the API): no authentication; ``$filter``
with ``eq`` on the documented fields, joined by ``and`` / ``or`` with parentheses;
values compared case-sensitively (API version 2023-01-01-preview and later);
``currencyCode='EUR'``; at most 100 items per answer with ``NextPageLink`` carrying
``$skip`` (null on the last page); ``Count`` = the items in this answer.
Not simulated: the other OData operators, ``meterRegion='primary'``, savings plans,
reservation terms, and any currency the sheet does not hold (answered 400, where the
real API converts).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .exceptions import InvalidFilter, UnsupportedCurrency

SHEET = Path(__file__).with_name("sheet.json")
PAGE_SIZE = 100
# The filterable fields the API's page lists; priceType filters the item's "type".
FIELDS = {
    "armregionname": "armRegionName",
    "location": "location",
    "meterid": "meterId",
    "metername": "meterName",
    "productid": "productId",
    "skuid": "skuId",
    "productname": "productName",
    "skuname": "skuName",
    "servicename": "serviceName",
    "serviceid": "serviceId",
    "servicefamily": "serviceFamily",
    "pricetype": "type",
    "armskuname": "armSkuName",
}
_TOKEN = re.compile(r"\s*(\(|\)|'(?:[^']|'')*'|[A-Za-z_][A-Za-z0-9_]*)")


@functools.cache
def price_sheet(path: Path = SHEET) -> dict[str, Any]:
    """The price sheet file (``source``, ``currencies``, ``items``)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _tokens(text: str) -> list[str]:
    tokens, at = [], 0
    while at < len(text.rstrip()):
        match = _TOKEN.match(text, at)
        if match is None:
            raise InvalidFilter(f"Invalid $filter at position {at}: {text[at : at + 20]!r}.")
        tokens.append(match.group(1))
        at = match.end()
    return tokens


class _Parser:
    """``expr := and_expr ('or' and_expr)*``; ``and_expr := term ('and' term)*``;
    ``term := '(' expr ')' | field 'eq' 'literal'``. Returns a predicate over items."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def parse(self) -> Any:
        predicate = self._expr()
        if self.at != len(self.tokens):
            raise InvalidFilter(f"Invalid $filter: unexpected {self.tokens[self.at]!r}.")
        return predicate

    def _next(self) -> str:
        if self.at >= len(self.tokens):
            raise InvalidFilter("Invalid $filter: the expression ends too early.")
        self.at += 1
        return self.tokens[self.at - 1]

    def _peek(self) -> str:
        return self.tokens[self.at].lower() if self.at < len(self.tokens) else ""

    def _expr(self) -> Any:
        parts = [self._and()]
        while self._peek() == "or":
            self._next()
            parts.append(self._and())
        return lambda item: any(p(item) for p in parts)

    def _and(self) -> Any:
        parts = [self._term()]
        while self._peek() == "and":
            self._next()
            parts.append(self._term())
        return lambda item: all(p(item) for p in parts)

    def _term(self) -> Any:
        token = self._next()
        if token == "(":
            inner = self._expr()
            if self._next() != ")":
                raise InvalidFilter("Invalid $filter: missing ')'.")
            return inner
        field = FIELDS.get(token.lower())
        if field is None:
            raise InvalidFilter(
                f"Invalid $filter: {token!r} is not a filterable field; use one of "
                f"{', '.join(sorted(FIELDS.values()))} (priceType filters type)."
            )
        operator, literal = self._next(), self._next()
        if operator.lower() != "eq" or not literal.startswith("'"):
            raise InvalidFilter(f"Invalid $filter: expected {token} eq '<value>'.")
        value = literal[1:-1].replace("''", "'")
        return lambda item: item.get(field) == value


def _currency(raw: str | None, sheet: dict[str, Any]) -> str:
    code = (raw or "USD").strip().strip("'").upper()
    if code not in sheet["currencies"]:
        raise UnsupportedCurrency(
            f"currencyCode {raw!r}: the local price sheet holds "
            f"{', '.join(sheet['currencies'])} only."
        )
    return code


def query(
    base_url: str,
    filter_text: str | None,
    currency: str | None,
    skip: int,
    *,
    sheet: dict[str, Any] | None = None,
    page_size: int = PAGE_SIZE,
) -> dict[str, Any]:
    """One answer of ``GET /api/retail/prices``: the matching items from ``skip`` on."""
    sheet = sheet or price_sheet()
    code = _currency(currency, sheet)
    keep = _Parser(filter_text).parse() if filter_text and filter_text.strip() else None
    matched = [i for i in sheet["items"] if i["currencyCode"] == code and (keep is None or keep(i))]
    page = matched[skip : skip + page_size]
    following = skip + page_size < len(matched)
    return {
        "BillingCurrency": code,
        "CustomerEntityId": "Default",
        "CustomerEntityType": "Retail",
        "Items": page,
        "NextPageLink": _next_link(base_url, filter_text, currency, skip + page_size)
        if following
        else None,
        "Count": len(page),
    }


def _next_link(base_url: str, filter_text: str | None, currency: str | None, skip: int) -> str:
    params = []
    if currency:
        params.append(f"currencyCode={quote(currency, safe='')}")
    if filter_text:
        params.append(f"$filter={quote(filter_text, safe='')}")
    params.append(f"$skip={skip}")
    return f"{base_url}/api/retail/prices?{'&'.join(params)}"
