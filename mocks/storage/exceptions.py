"""Errors of Microsoft.Storage, named after Azure's codes."""

from __future__ import annotations

from mocks.core.errors import ArmError, InvalidRequestContent  # noqa: F401 (re-exported)


class AccountNameInvalid(ArmError):
    status = 400
    code = "AccountNameInvalid"

    def __init__(self, name: str) -> None:
        super().__init__(
            f"{name} is not a valid storage account name. Storage account name must be "
            "between 3 and 24 characters in length and use numbers and lower-case letters only.",
            target="name",
        )


class StorageAccountAlreadyTaken(ArmError):
    status = 409
    code = "StorageAccountAlreadyTaken"

    def __init__(self, name: str) -> None:
        super().__init__(f"The storage account named {name} is already taken.", target=name)
