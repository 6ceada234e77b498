"""Resource Manager errors, named after Azure's error codes (moto's convention)."""

from __future__ import annotations

from mocks.core.errors import (
    ArmError,
    MissingSubscriptionRegistration,
    NotFound,
    ParentResourceNotFound,
    ResourceNotFound,
)

__all__ = [
    "DeploymentActive",
    "DeploymentCannotBeCancelled",
    "DeploymentNotFound",
    "DeploymentOperationNotFound",
    "InvalidDeploymentMode",
    "InvalidFilterInQueryString",
    "InvalidResourceGroupLocation",
    "InvalidResourceGroupName",
    "InvalidResourceType",
    "InvalidTemplate",
    "InvalidTemplateDeployment",
    "LocationNotAvailableForResourceGroup",
    "LocationRequired",
    "MissingSubscriptionRegistration",
    "NoRegisteredProviderFound",
    "OperationNotFound",
    "ParentResourceNotFound",
    "ResourceGroupBeingDeleted",
    "ResourceGroupNotFound",
    "ResourceNotFound",
    "SubscriptionNotFound",
]


class ResourceGroupNotFound(NotFound):
    code = "ResourceGroupNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(f"Resource group '{name}' could not be found.")


class ResourceGroupBeingDeleted(ArmError):
    status = 409
    code = "ResourceGroupBeingDeleted"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The resource group '{name}' is in deprovisioning state and cannot perform "
            "this operation."
        )


class DeploymentNotFound(NotFound):
    code = "DeploymentNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(f"Deployment '{name}' could not be found.")


class DeploymentOperationNotFound(NotFound):
    code = "DeploymentOperationNotFound"

    def __init__(self, operation_id: str) -> None:
        super().__init__(f"Deployment operation '{operation_id}' could not be found.")


class SubscriptionNotFound(NotFound):
    code = "SubscriptionNotFound"

    def __init__(self, sub: str) -> None:
        super().__init__(f"The subscription '{sub}' could not be found.")


class InvalidTemplate(ArmError):
    code = "InvalidTemplate"


class InvalidTemplateDeployment(ArmError):
    code = "InvalidTemplateDeployment"


class InvalidDeploymentMode(ArmError):
    code = "InvalidDeploymentMode"


class LocationRequired(ArmError):
    code = "LocationRequired"

    def __init__(self) -> None:
        super().__init__("The location property is required for this definition.")


class LocationNotAvailableForResourceGroup(ArmError):
    code = "LocationNotAvailableForResourceGroup"

    def __init__(self, location: str, available: list[str]) -> None:
        super().__init__(
            f"The provided location '{location}' is not available for resource group. "
            f"List of available regions is '{','.join(available)}'."
        )


class InvalidResourceGroupLocation(ArmError):
    status = 409
    code = "InvalidResourceGroupLocation"

    def __init__(self, requested: str, existing: str) -> None:
        super().__init__(
            f"Invalid resource group location '{requested}'. The Resource group already "
            f"exists in location '{existing}'."
        )


class InvalidResourceGroupName(ArmError):
    code = "InvalidResourceGroupName"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Resource group name '{name}' is invalid. It can include alphanumeric, "
            "underscore, parentheses, hyphen, period (except at end), and Unicode characters "
            "that match the allowed characters."
        )


class DeploymentActive(ArmError):
    status = 409
    code = "DeploymentActive"

    def __init__(self, name: str, started: str, action: str = "edit or replace") -> None:
        # action "delete": ARM refuses deleting a deployment that is still running.
        super().__init__(
            f"Unable to {action} deployment '{name}': previous deployment from "
            f"'{started}' is still active. Please see https://aka.ms/arm-deploy for usage "
            "details."
        )


class OperationNotFound(NotFound):
    code = "OperationNotFound"

    def __init__(self, operation_id: str) -> None:
        super().__init__(f"The operation '{operation_id}' could not be found.")


class DeploymentCannotBeCancelled(ArmError):
    status = 409
    code = "DeploymentCannotBeCancelled"

    def __init__(self, name: str, state: str) -> None:
        super().__init__(
            f"The deployment '{name}' cannot be cancelled. The deployment provisioning state "
            f"'{state}' is not one of the cancellable states: Accepted, Running."
        )


class NoRegisteredProviderFound(NotFound):
    code = "NoRegisteredProviderFound"

    def __init__(self, type_name: str, api_version: str) -> None:
        super().__init__(
            f"No registered resource provider found for type '{type_name}' and API version "
            f"'{api_version}'. The local Azure does not know this namespace."
        )


class InvalidResourceType(NotFound):
    code = "InvalidResourceType"

    def __init__(self, type_name: str, api_version: str) -> None:
        namespace = type_name.split("/")[0]
        rest = "/".join(type_name.split("/")[1:])
        super().__init__(
            f"The resource type '{rest}' could not be found in the namespace '{namespace}' "
            f"for api version '{api_version}'."
        )


class InvalidFilterInQueryString(ArmError):
    code = "InvalidFilterInQueryString"

    def __init__(self, flt: str) -> None:
        super().__init__(
            f"Invalid $filter '{flt}' specified in the query string. The local Azure supports "
            "resourceType eq, tagName eq and tagValue eq joined by 'and'."
        )


def missing_registration(namespace: str) -> MissingSubscriptionRegistration:
    """The 409 ARM answers for a write of a type whose namespace is not Registered.

    The message format matters: the SDKs' auto-registration policy extracts the
    namespace from between the quotes.
    """
    return MissingSubscriptionRegistration(
        f"The subscription is not registered to use namespace '{namespace}'. See "
        "https://aka.ms/rps-not-found for how to register subscriptions.",
        details=[
            {
                "code": "MissingSubscriptionRegistration",
                "target": namespace,
                "message": f"The subscription is not registered to use namespace '{namespace}'. "
                "See https://aka.ms/rps-not-found for how to register subscriptions.",
            }
        ],
    )
