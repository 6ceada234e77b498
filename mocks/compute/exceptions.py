"""Errors of Microsoft.Compute, named after Azure's codes."""

from __future__ import annotations

from mocks.core.errors import ArmError, InvalidRequestContent  # noqa: F401 (re-exported)


class SkuNotAvailable(ArmError):
    status = 409
    code = "SkuNotAvailable"

    def __init__(self, size: str, location: str, subscription: str) -> None:
        super().__init__(
            f"The requested VM size '{size}' is not available in location '{location}' for "
            f"subscription '{subscription}'. Please try another size or deploy to a different "
            "location. See https://aka.ms/azureskunotavailable for details.",
            target="sku.name",
        )


class InvalidParameter(ArmError):
    status = 400
    code = "InvalidParameter"


class LocationNotAvailableForResourceType(ArmError):
    status = 400
    code = "LocationNotAvailableForResourceType"


class KeyVaultAccessForbidden(ArmError):
    status = 400
    code = "KeyVaultAccessForbidden"

    def __init__(self, url: str, vault_id: str) -> None:
        super().__init__(
            f"Key Vault {url} either has not been enabled for deployment or the vault id "
            f"provided, {vault_id}, does not match the Key Vault's true resource id."
        )


class KeyVaultSecretDoesNotExist(ArmError):
    status = 400
    code = "KeyVaultSecretDoesNotExist"

    def __init__(self, url: str) -> None:
        super().__init__(f"The Key Vault secret {url} does not exist.")


class InboundNatPoolFrontendPortRangeSmallerThanRequestedPorts(ArmError):
    status = 400
    code = "InboundNatPoolFrontendPortRangeSmallerThanRequestedPorts"

    def __init__(self, pool_id: str, size: int, capacity: int) -> None:
        super().__init__(
            f"The frontend port range of inbound NAT pool {pool_id} has {size} ports, fewer "
            f"than the {capacity} virtual machines requested in the scale set."
        )
