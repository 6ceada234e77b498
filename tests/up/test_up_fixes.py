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

    lab.cloud.faults.set({})
    healed = cli(*E, "up", "--name", "errcmg", *UP)
    assert healed.code == 0 and healed.json["data"]["state"] == "Ready"
