"""Service Management paths (``https://management.core.windows.net/{subscription}/…``).

Served on the same server as ARM; the first path segment is the subscription id.
"""

from __future__ import annotations

from mocks.core.routing import Route

from . import responses

_SERVICE = "/{subscription_id}/services/hostedservices/{service}"
_STORAGE = "/{subscription_id}/services/storageservices"

ROUTES: list[Route] = [
    Route(
        "GET",
        "/{subscription_id}/services/hostedservices",
        responses.list_hosted_services,
        "HostedServices_List",
        auth="classic",
    ),
    Route("GET", _SERVICE, responses.get_hosted_service, "HostedServices_Get", auth="classic"),
    Route(
        "DELETE", _SERVICE, responses.delete_hosted_service, "HostedServices_Delete", auth="classic"
    ),
    Route(
        "GET",
        _SERVICE + "/deploymentslots/{slot}",
        responses.get_deployment_by_slot,
        "Deployments_GetBySlot",
        auth="classic",
    ),
    Route(
        "DELETE",
        _SERVICE + "/deploymentslots/{slot}",
        responses.delete_deployment_by_slot,
        "Deployments_DeleteBySlot",
        auth="classic",
    ),
    Route(
        "GET",
        _SERVICE + "/deployments/{deployment}",
        responses.get_deployment_by_name,
        "Deployments_GetByName",
        auth="classic",
    ),
    Route(
        "DELETE",
        _SERVICE + "/deployments/{deployment}",
        responses.delete_deployment_by_name,
        "Deployments_DeleteByName",
        auth="classic",
    ),
    Route("GET", _STORAGE, responses.list_storage_services, "StorageServices_List", auth="classic"),
    Route(
        "GET",
        _STORAGE + "/{account}",
        responses.get_storage_service,
        "StorageServices_Get",
        auth="classic",
    ),
    Route(
        "DELETE",
        _STORAGE + "/{account}",
        responses.delete_storage_service,
        "StorageServices_Delete",
        auth="classic",
    ),
    Route(
        "GET",
        "/{subscription_id}/operations/{request_id}",
        responses.get_operation_status,
        "Operations_GetStatus",
        auth="classic",
    ),
]
