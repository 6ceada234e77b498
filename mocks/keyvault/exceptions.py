"""Errors of Microsoft.KeyVault, named after Azure's codes."""

from __future__ import annotations

from mocks.core.errors import ArmError, InvalidRequestContent  # noqa: F401 (re-exported)

_RULES = (
    "A vault's name must be between 3-24 alphanumeric characters. The name must begin "
    "with a letter, end with a letter or digit, and not contain consecutive hyphens."
)


class VaultNameNotValid(ArmError):
    status = 400
    code = "VaultNameNotValid"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The vault name '{name}' is invalid. {_RULES} Follow this link for more "
            "information: https://go.microsoft.com/fwlink/?linkid=2147742"
        )


class VaultAlreadyExists(ArmError):
    status = 409
    code = "VaultAlreadyExists"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The vault name '{name}' is already in use. Vault names are globally unique so "
            "it is possible that the name is already taken. If you are sure that the vault "
            "name was not taken then it is possible that a vault with the same name was "
            "recently deleted but not purged after being placed in a recoverable state. If "
            "the vault is in a recoverable state then the vault will need to be purged before "
            "reusing the name. For more information on VaultAlreadyExists, soft delete and "
            "purging a vault follow this link https://go.microsoft.com/fwlink/?linkid=2147740."
        )


class ParentResourceNotFound(ArmError):
    status = 404
    code = "ParentResourceNotFound"

    def __init__(self, parent_id: str) -> None:
        super().__init__(
            "Can not perform requested operation on nested resource. Parent resource "
            f"'{parent_id.rstrip('/').split('/')[-1]}' not found."
        )


class BadRequest(ArmError):
    status = 400
    code = "BadRequest"


class ConflictError(ArmError):
    """PUT of a vault whose name a soft-deleted vault of the same subscription holds."""

    status = 409
    code = "ConflictError"

    def __init__(self) -> None:
        super().__init__(
            "A vault with the same name already exists in deleted state. You need to either "
            "recover or purge existing key vault. Follow this link "
            "https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft "
            "delete."
        )


class DeletedVaultNotFound(ArmError):
    status = 404
    code = "ResourceNotFound"

    def __init__(self, name: str, location: str) -> None:
        super().__init__(
            f"The Resource 'Microsoft.KeyVault/locations/{location}/deletedVaults/{name}' "
            "was not found."
        )


class MethodNotAllowed(ArmError):
    """Purge of a deleted vault that has purge protection."""

    status = 405
    code = "MethodNotAllowed"

    def __init__(self) -> None:
        super().__init__("Operation 'DeletedVaultPurge' is not allowed.")
