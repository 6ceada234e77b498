"""Retail Prices route: public and unauthenticated, like ``prices.azure.com``."""

from __future__ import annotations

from mocks.core.routing import Route

from . import responses

ROUTES = [
    Route("GET", "/api/retail/prices", responses.list_prices, "RetailPrices_List", auth="none"),
]
