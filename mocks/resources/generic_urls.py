"""By-id catch-all routes for any resource in a group (GET/HEAD/PUT/PATCH/DELETE).

These must be the LAST entries of the server's ``ROUTE_MODULES``: the router
takes the first match, and providers' specific routes (VMSS instanceView, skus …)
live under the same paths.
"""

from __future__ import annotations

from mocks.core.routing import Route

from . import responses as r

_BY_ID = "/subscriptions/{sub}/resourcegroups/{rg}/providers/{rest:path}"

ROUTES: list[Route] = [
    Route("GET", _BY_ID, r.get_resource, "Resources_GetById"),
    Route("PUT", _BY_ID, r.put_resource, "Resources_CreateOrUpdateById"),
    Route("PATCH", _BY_ID, r.patch_resource, "Resources_UpdateById"),
    Route("DELETE", _BY_ID, r.delete_resource, "Resources_DeleteById"),
]
