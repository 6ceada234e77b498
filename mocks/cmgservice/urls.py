"""Route of the CMG service endpoint map (control API: no token; loopback only)."""

from __future__ import annotations

from mocks.core.routing import Route

from . import responses

ROUTES = [
    Route(
        "GET",
        "/_localazure/service-endpoints",
        responses.service_endpoints,
        "LocalAzure_ServiceEndpoints",
        auth="admin",
    ),
]
