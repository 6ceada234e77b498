"""Control API routes under ``/_localazure/`` (no token; the server is loopback-only)."""

from __future__ import annotations

from mocks.core.routing import Handler, Route

from . import responses

PREFIX = "/_localazure"


def _admin(method: str, path: str, handler: Handler, name: str) -> Route:
    return Route(method, PREFIX + path, handler, name, auth="admin")


ROUTES = [
    _admin("POST", "/reset", responses.reset, "LocalAzure_Reset"),
    _admin("GET", "/faults", responses.get_faults, "LocalAzure_GetFaults"),
    _admin("PUT", "/faults", responses.put_faults, "LocalAzure_SetFaults"),
    _admin("DELETE", "/faults", responses.delete_faults, "LocalAzure_ClearFaults"),
    _admin("GET", "/requests", responses.get_requests, "LocalAzure_Requests"),
    _admin("POST", "/seed-classic", responses.seed_classic, "LocalAzure_SeedClassic"),
    _admin("GET", "/health", responses.health, "LocalAzure_Health"),
    _admin(
        "PUT",
        "/graph/applications/{app}/passwordCredentials/{key_id}",
        responses.set_password_dates,
        "LocalAzure_SetGraphPasswordDates",
    ),
    _admin("GET", "/config", responses.get_config, "LocalAzure_GetConfig"),
    _admin("PUT", "/config", responses.put_config, "LocalAzure_SetConfig"),
]
