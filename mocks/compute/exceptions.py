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


class ArtifactNotFound(ArmError):
    """A VM extension handler (or one of its versions) Azure does not publish."""

    status = 404
    code = "ArtifactNotFound"

    @classmethod
    def for_type(cls, publisher: str, type_: str, location: str) -> ArtifactNotFound:
        return cls(
            f"The VM extension with publisher '{publisher}' and type '{type_}' could not be "
            f"found in location '{location}'."
        )

    @classmethod
    def for_version(cls, publisher: str, type_: str, version: str) -> ArtifactNotFound:
        return cls(
            f"Extension with publisher '{publisher}', type '{type_}', and type handler "
            f"version '{version}' could not be found in the extension repository."
        )


class PlatformImageNotFound(ArmError):
    status = 404
    code = "PlatformImageNotFound"

    def __init__(self, urn: str) -> None:
        super().__init__(f"The platform image '{urn}' is not available.")


class HypervisorGenerationMismatch(ArmError):
    """A Generation 2 image on a size that boots only Generation 1 (or the reverse)."""

    status = 400
    code = "BadRequest"

    def __init__(self, size: str, generation: str) -> None:
        super().__init__(
            f"The selected VM size '{size}' cannot boot Hypervisor Generation '{generation}'. "
            "If this was a Create operation please check that the Hypervisor Generation of the "
            "Image matches the Hypervisor Generation of the selected VM Size. If this was an "
            f"Update operation please select a Hypervisor Generation '{generation}' VM Size. "
            "For more information, see https://aka.ms/azuregen2vm"
        )
