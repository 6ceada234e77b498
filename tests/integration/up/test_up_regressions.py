"""``up`` regressions: a CMG ending in Error is a failure, ``--no-wait`` registers the
site, and a name freed by ``down`` can be deployed again (Key Vault soft delete)."""

from __future__ import annotations

from typing import Any

from mocks import LocalAzure

UP = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1",
      "--connection-point", "cp1.contoso.com", "--management-point", "mp1.contoso.com", "--yes")  # fmt: skip
E = ("-e", "lab", "-o", "json")


def test_up_of_a_cmg_in_error_exits_1_with_the_instance_error(lab: LocalAzure, cli: Any) -> None:
    assert cli(*E, "up", "--name", "errcmg", *UP).code == 0
    lab.cloud.faults.set({"targeted": [{"kind": "unready", "target": "vmss"}]})

    again = cli(*E, "up", "--name", "errcmg", *UP)
    assert again.code == 1, again.out
    envelope = again.json
    assert envelope["ok"] is False
    errors = envelope["errors"]
    assert errors[0]["code"] == "CmgNotReady"
    assert "Error" in errors[0]["message"]
    assert errors[-1]["code"] == "ProvisioningState/failed"  # the instance's own status
    assert "errcmg" in (errors[-1]["target"] or "")

    status = cli(*E, "status", "--name", "errcmg")
    assert status.json["data"]["state"] == "Error"
    scaled = cli(*E, "scale", "--name", "errcmg", "--instances", "2", "--yes")
    assert scaled.code == 1 and scaled.json["errors"][0]["code"] == "CmgNotReady"

    lab.cloud.faults.set({})
    healed = cli(*E, "up", "--name", "errcmg", *UP)
    assert healed.code == 0 and healed.json["data"]["state"] == "Ready"


def test_up_no_wait_registers_the_site(lab: LocalAzure, cli: Any) -> None:
    started = cli(*E, "up", "--name", "nowaitcmg", *UP, "--no-wait")
    assert started.code == 0, started.err
    # The site records describe the intended configuration: there as soon as it starts.
    data = started.json["data"]
    assert [p["server"] for p in data["connection_points"]] == ["cp1.contoso.com"]
    assert data["site_roles"][0]["server"] == "mp1.contoso.com"

    status = cli(*E, "status", "--name", "nowaitcmg")
    assert status.code == 0
    assert status.json["data"]["connection_points"][0]["ports"] == [443]
    assert status.json["data"]["site_roles"][0]["cmg_enabled"] is True


def _deleted_vaults(lab: LocalAzure) -> list[str]:
    from mocks.keyvault.models import list_deleted_vaults

    return [v["name"] for v in list_deleted_vaults(lab.cloud, lab.identity.subscription_id)]


def test_up_down_up_reuses_the_name(lab: LocalAzure, cli: Any) -> None:
    # Key Vault soft delete: `down` purges the vault it deleted, so the name is free.
    assert cli(*E, "up", "--name", "againcmg", *UP).code == 0
    assert cli(*E, "down", "--name", "againcmg", "--yes").code == 0
    assert _deleted_vaults(lab) == []
    again = cli(*E, "up", "--name", "againcmg", *UP)
    assert again.code == 0, again.out
    assert again.json["data"]["state"] == "Ready"


def test_up_purges_our_own_soft_deleted_vault(lab: LocalAzure, cli: Any, monkeypatch: Any) -> None:
    # A `down` that deleted the vault but never purged it (killed, or an older version):
    # the soft-deleted vault is ours by tag, so `up` purges it instead of refusing.
    from cmgdeploy.services.azure.arm import ArmSession

    assert cli(*E, "up", "--name", "leftcmg", *UP).code == 0
    with monkeypatch.context() as patch:
        patch.setattr(ArmSession, "purge_deleted_vault", lambda *a, **k: True)
        assert cli(*E, "down", "--name", "leftcmg", "--yes").code == 0
    assert _deleted_vaults(lab) == ["leftcmg"]
    again = cli(*E, "up", "--name", "leftcmg", *UP)
    assert again.code == 0, again.out
    assert _deleted_vaults(lab) == []


def test_soft_deleted_vault_of_someone_else_still_blocks_the_name(
    lab: LocalAzure, cli: Any, monkeypatch: Any
) -> None:
    from cmgdeploy.services.azure.arm import ArmSession

    assert cli(*E, "up", "--name", "theircmg", *UP).code == 0
    with monkeypatch.context() as patch:
        patch.setattr(ArmSession, "purge_deleted_vault", lambda *a, **k: True)
        assert cli(*E, "down", "--name", "theircmg", "--yes").code == 0
    from mocks.keyvault.models import DELETED

    record = lab.cloud.store.doc_get(DELETED, "theircmg")
    lab.cloud.store.doc_put(DELETED, "theircmg", {**record, "tags": {}})  # not tagged ours
    refused = cli(*E, "up", "--name", "theircmg", *UP)
    assert refused.code == 1
    assert refused.json["errors"][0]["code"] == "VaultAlreadyExists"


def test_vault_purge_is_retried_like_other_safe_posts() -> None:
    # `down` under throttling: the purge POST must be retried (a repeat is harmless: 404).
    from cmgdeploy.services.azure.retry import is_idempotent

    url = "https://x/subscriptions/s/providers/Microsoft.KeyVault/locations/l/deletedVaults/v/purge"
    assert is_idempotent("POST", url + "?api-version=2023-07-01")
    assert not is_idempotent(
        "POST", "https://x/subscriptions/s/resourceGroups/g/providers/X/y/restart"
    )


def test_up_restores_a_resource_deleted_behind_its_back(lab: LocalAzure, cli: Any) -> None:
    assert cli(*E, "up", "--name", "gonecmg", *UP).code == 0
    storage = lab.cloud.store.resource_list(
        lab.identity.subscription_id, "gonecmg-cmg-rg", "Microsoft.Storage/storageAccounts"
    )
    assert len(storage) == 1
    lab.cloud.store.resource_delete(storage[0]["id"])  # someone deleted it in the portal

    again = cli(*E, "up", "--name", "gonecmg", *UP)
    assert again.code == 0, again.out
    assert again.json["data"].get("summary") != "no changes"
    restored = lab.cloud.store.resource_list(
        lab.identity.subscription_id, "gonecmg-cmg-rg", "Microsoft.Storage/storageAccounts"
    )
    assert len(restored) == 1
    third = cli(*E, "up", "--name", "gonecmg", *UP)
    assert third.code == 0 and third.json["data"].get("summary") == "no changes"
