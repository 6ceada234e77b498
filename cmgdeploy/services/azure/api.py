"""The Resource Manager calls the services and commands make: :class:`ArmApi`.

:class:`~cmgdeploy.services.azure.arm.ArmSession` implements it over the Azure SDKs
(``open_session`` holds one for a block); the unit tests implement it in memory. Reads
return the frozen views of :mod:`cmgdeploy.domain.arm_views`; template bodies and
parameters go in as ARM's JSON.
"""

from __future__ import annotations

from typing import Any, Protocol

from cmgdeploy.domain.arm_views import (
    DeletedVault,
    Deployment,
    DeploymentOperation,
    GroupResource,
    Instance,
    PublicIp,
    ResourceGroup,
    ScaleSet,
    Started,
    StorageAccount,
    Subscription,
    WhatIfChange,
)


class ArmApi(Protocol):
    """One signed-in subscription in one environment."""

    @property
    def subscription_id(self) -> str: ...

    @property
    def credential(self) -> Any:
        """The azure-identity credential (also signs Microsoft Graph calls)."""
        ...

    # -- subscriptions, regions, sizes, providers ----------------------------------------
    def list_subscriptions(self) -> list[Subscription]: ...

    def get_subscription(self) -> Subscription: ...

    def list_locations(self) -> list[str]: ...

    def vm_size_offer(self, region: str, size: str) -> tuple[str | None, tuple[str, ...]]: ...

    def provider_state(self, namespace: str) -> str: ...

    def register_provider(self, namespace: str) -> str: ...

    # -- resource groups and their resources -----------------------------------------------
    def get_group(self, name: str) -> ResourceGroup | None: ...

    def ensure_group(self, name: str, region: str, tags: dict[str, str]) -> ResourceGroup: ...

    def delete_group(self, name: str, timeout: float | None = None) -> bool: ...

    def list_group_resources(self, group: str, missing_ok: bool = False) -> list[GroupResource]: ...

    def tagged_groups(self, tag: str, value: str) -> list[ResourceGroup]: ...

    def tagged_resources(self, tag: str, value: str) -> list[GroupResource]: ...

    def delete_resource(
        self, rid: str, api_version: str = ..., timeout: float | None = None
    ) -> bool: ...

    # -- storage accounts and soft-deleted key vaults -------------------------------------
    def storage_account(self, group: str, name: str) -> StorageAccount | None: ...

    def storage_key(self, rid: str) -> str: ...

    def list_deleted_vaults(self) -> list[DeletedVault]: ...

    def purge_deleted_vault(
        self, location: str, name: str, timeout: float | None = None
    ) -> bool: ...

    # -- name checks ----------------------------------------------------------------------
    def check_storage_name(self, name: str) -> tuple[bool, str]: ...

    def check_vault_name(self, name: str) -> tuple[bool, str]: ...

    def check_dns_label(self, region: str, label: str) -> bool: ...

    # -- deployments ----------------------------------------------------------------------
    def get_deployment(self, group: str, name: str) -> Deployment | None: ...

    def find_deployment(self, group: str, name: str) -> tuple[Deployment | None, bool]: ...

    def list_deployments(self, group: str) -> list[Deployment]: ...

    def begin_deployment(
        self, group: str, name: str, template: dict[str, Any], parameters: dict[str, Any]
    ) -> None: ...

    def started(self, group: str, name: str) -> Started | None: ...

    def poll_status(self, url: str, name: str) -> tuple[str, float | None]: ...

    def poll_deployment(self, group: str, name: str) -> tuple[Deployment | None, float | None]: ...

    def deployment_operations(self, group: str, name: str) -> list[DeploymentOperation]: ...

    def what_if(
        self, group: str, name: str, template: dict[str, Any], parameters: dict[str, Any]
    ) -> list[WhatIfChange]: ...

    # -- compute and network ----------------------------------------------------------------
    def get_vmss(self, group: str, name: str) -> ScaleSet | None: ...

    def vmss_instances(self, group: str, name: str) -> list[Instance]: ...

    def get_public_ip(self, group: str, name: str) -> PublicIp | None: ...
