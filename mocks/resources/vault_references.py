"""Key Vault references in deployment parameters:
``{"reference": {"keyVault": {"id": <vault id>}, "secretName": …, "secretVersion": …}}``.

ARM reads the secret when it deploys, from a vault whose ``enabledForTemplateDeployment``
is true; the value is never stored with the deployment (only the reference is).
A vault that does not exist answers ``KeyVaultParameterReferenceNotFound``; a vault not
enabled for template deployment, or a missing secret or version,
``KeyVaultParameterReferenceSecretRetrieveFailed``.

Not simulated: the caller's ``Microsoft.KeyVault/vaults/deploy/action`` permission.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mocks.core.errors import ArmError

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

HELP = "Please see https://aka.ms/arm-keyvault for usage details."


def resolve(cloud: Cloud, parameters: dict[str, Any]) -> dict[str, Any]:
    """``parameters`` with each Key Vault reference replaced by ``{"value": secret}``."""
    out = dict(parameters)
    for name, entry in parameters.items():
        if isinstance(entry, dict) and "value" not in entry and "reference" in entry:
            out[name] = {"value": _secret_value(cloud, name, entry["reference"])}
    return out


def _secret_value(cloud: Cloud, parameter: str, reference: Any) -> str:
    from mocks.keyvault.models import SECRETS

    vault_id, secret, version = _parts(parameter, reference)
    vault = cloud.store.resource_get(vault_id)
    if vault is None:
        raise ArmError(
            f"The specified KeyVault '{vault_id}' could not be found for the deployment "
            f"parameter '{parameter}'. {HELP}",
            code="KeyVaultParameterReferenceNotFound",
        )
    if not (vault.get("properties") or {}).get("enabledForTemplateDeployment"):
        raise _retrieve_failed(parameter, vault_id, secret, "the vault is not enabled for "
                               "template deployment (enabledForTemplateDeployment)")  # fmt: skip
    record = cloud.store.doc_get(SECRETS, f"{vault_id}/secrets/{secret}")
    exists = record and cloud.store.resource_get(f"{vault_id}/secrets/{secret}") is not None
    versions = record["versions"] if exists and record else []
    chosen = versions[-1] if versions and not version else None
    chosen = chosen or next((v for v in versions if v["version"] == version), None)
    if chosen is None:
        raise _retrieve_failed(parameter, vault_id, secret, "the secret or version does not exist")
    return str(chosen["value"])


def _parts(parameter: str, reference: Any) -> tuple[str, str, str | None]:
    vault = reference.get("keyVault") if isinstance(reference, dict) else None
    vault_id = vault.get("id") if isinstance(vault, dict) else None
    secret = reference.get("secretName") if isinstance(reference, dict) else None
    if not isinstance(vault_id, str) or not isinstance(secret, str):
        raise ArmError(
            f"The Key Vault reference of deployment parameter '{parameter}' is not valid: it "
            f"needs 'keyVault.id' and 'secretName'. {HELP}",
            code="InvalidRequestContent",
        )
    version = reference.get("secretVersion")
    return vault_id, secret, version if isinstance(version, str) and version else None


def _retrieve_failed(parameter: str, vault_id: str, secret: str, why: str) -> ArmError:
    vault_name = vault_id.rstrip("/").rsplit("/", 1)[-1]
    return ArmError(
        f"A secret could not be retrieved for the deployment parameter '{parameter}' from "
        f"key vault '{vault_name}' (secret '{secret}'): {why}. {HELP}",
        code="KeyVaultParameterReferenceSecretRetrieveFailed",
    )
