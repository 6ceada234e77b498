"""Control API handler: the map of the CMG services' loopback TLS endpoints."""

from __future__ import annotations

from mocks.core.cloud import Cloud
from mocks.core.http import Request, Response

from . import listeners


def service_endpoints(cloud: Cloud, request: Request) -> Response:
    return Response.json(200, {"endpoints": listeners.reconcile(cloud)})
