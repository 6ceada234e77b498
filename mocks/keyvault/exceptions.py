"""Errors of Microsoft.KeyVault, named after Azure's codes."""

from __future__ import annotations

from typing import Any

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


# -- the data plane (https://{vault}.vault.azure.net) ---------------------------------------
class KeyVaultDataError(ArmError):
    """Key Vault's data-plane error shape: ``{"error": {code, message[, innererror]}}``."""

    inner: str | None = None

    def to_error(self) -> dict[str, Any]:
        err = super().to_error()
        if self.inner:
            err["innererror"] = {"code": self.inner}
        return err


class Unauthorized(KeyVaultDataError):
    status = 401
    code = "Unauthorized"


class Forbidden(KeyVaultDataError):
    status = 403
    code = "Forbidden"
    inner = "AccessDenied"

    def __init__(self, claims: dict[str, Any], permission: str, vault: str, location: str) -> None:
        who = ";".join(f"{k}={claims.get(k, '')}" for k in ("appid", "oid", "iss"))
        super().__init__(
            f"The user, group or application '{who}' does not have secrets {permission} "
            f"permission on key vault '{vault};location={location}'. For help resolving this "
            "issue, please see https://go.microsoft.com/fwlink/?linkid=2125287"
        )


class SecretNotFound(KeyVaultDataError):
    status = 404
    code = "SecretNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"A secret with (name/id) {name} was not found in this key vault. If you recently "
            "deleted this secret you may be able to recover it using the correct recovery "
            "command. For help resolving this issue, please see "
            "https://go.microsoft.com/fwlink/?linkid=2125182"
        )


class BadParameter(KeyVaultDataError):
    status = 400
    code = "BadParameter"


class LocalAzureVaultNotFound(KeyVaultDataError):
    """No vault of that name: real Azure's host would not resolve; the local Azure says so."""

    status = 404
    code = "LocalAzureVaultNotFound"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"The local Azure has no key vault named '{name}' (in Azure its host name "
            f"{name}.vault.azure.net would not resolve)."
        )
