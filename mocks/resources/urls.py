"""Routes of the Resource Manager core (specific paths; see generic_urls.py for by-id)."""

from __future__ import annotations

from mocks.core.routing import Route

from . import responses as r

_SUB = "/subscriptions/{sub}"
_RG = _SUB + "/resourcegroups/{rg}"
_DEP = _RG + "/providers/Microsoft.Resources/deployments/{name}"
_DEP_OPS = _RG + "/deployments/{name}/operations"  # ARM: no providers/… segment here
_LRO = _SUB + "/providers/{ns}/locations/{loc}"

ROUTES: list[Route] = [
    Route("GET", "/metadata/endpoints", r.metadata_endpoints, "MetadataEndpoints_Get", "none"),
    Route("GET", "/subscriptions", r.list_subscriptions, "Subscriptions_List"),
    Route("GET", "/tenants", r.list_tenants, "Tenants_List"),
    Route("GET", _SUB, r.get_subscription, "Subscriptions_Get"),
    Route("GET", _SUB + "/locations", r.list_locations, "Subscriptions_ListLocations"),
    Route("GET", _SUB + "/resources", r.list_subscription_resources, "Resources_List"),
    Route("GET", _SUB + "/providers", r.list_providers, "Providers_List"),
    Route("GET", _SUB + "/providers/{ns}", r.get_provider, "Providers_Get"),
    Route("POST", _SUB + "/providers/{ns}/register", r.register_provider, "Providers_Register"),
    Route(
        "POST", _SUB + "/providers/{ns}/unregister", r.unregister_provider, "Providers_Unregister"
    ),
    Route("GET", _LRO + "/operationStatuses/{op}", r.operation_status, "Operations_GetStatus"),
    Route("GET", _LRO + "/operationResults/{op}", r.operation_result, "Operations_GetResult"),
    Route("GET", _SUB + "/resourcegroups", r.list_groups, "ResourceGroups_List"),
    Route("PUT", _RG, r.put_group, "ResourceGroups_CreateOrUpdate"),
    Route("GET", _RG, r.get_group, "ResourceGroups_Get"),
    Route("PATCH", _RG, r.patch_group, "ResourceGroups_Update"),
    Route("DELETE", _RG, r.delete_group, "ResourceGroups_Delete"),
    Route("POST", _RG + "/exportTemplate", r.export_group_template, "ResourceGroups_Export"),
    Route("GET", _RG + "/resources", r.list_group_resources, "Resources_ListByResourceGroup"),
    Route(
        "GET",
        _RG + "/providers/Microsoft.Resources/deployments",
        r.list_deployments,
        "Deployments_ListByResourceGroup",
    ),
    Route("PUT", _DEP, r.put_deployment, "Deployments_CreateOrUpdate"),
    Route("GET", _DEP, r.get_deployment, "Deployments_Get"),
    Route("DELETE", _DEP, r.delete_deployment, "Deployments_Delete"),
    Route("POST", _DEP + "/validate", r.validate_deployment, "Deployments_Validate"),
    Route("POST", _DEP + "/whatIf", r.what_if_deployment, "Deployments_WhatIf"),
    Route("POST", _DEP + "/cancel", r.cancel_deployment, "Deployments_Cancel"),
    Route(
        "POST", _DEP + "/exportTemplate", r.export_deployment_template, "Deployments_ExportTemplate"
    ),
    Route("GET", _DEP + "/operationStatuses/{op}", r.deployment_status, "Deployments_GetStatus"),
    Route("GET", _DEP_OPS, r.list_deployment_operations, "DeploymentOperations_List"),
    Route("GET", _DEP_OPS + "/{op}", r.get_deployment_operation, "DeploymentOperations_Get"),
    Route("GET", _DEP + "/operations", r.list_deployment_operations, "DeploymentOperations_List"),
    Route("GET", _DEP + "/operations/{op}", r.get_deployment_operation, "DeploymentOperations_Get"),
]
