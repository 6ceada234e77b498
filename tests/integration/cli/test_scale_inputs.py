"""`scale` changes only the instance count: CMGDEPLOY_* variables do not leak into a
scaled CMG; `-o json` on a bare command group still gives the envelope."""

from __future__ import annotations

from typing import Any

import pytest

UP = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1", "--yes")


def test_scale_ignores_other_cmgdeploy_variables(
    cli: Any, cloud_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    e = ("-e", cloud_env)
    assert cli(*e, "up", "--name", "keepsize", *UP).code == 0
    monkeypatch.setenv("CMGDEPLOY_VM_SIZE", "Standard_A4_v2")
    monkeypatch.setenv("CMGDEPLOY_REGION", "northeurope")
    monkeypatch.setenv("CMGDEPLOY_MANAGEMENT_POINTS", "mp9.contoso.com")
    scaled = cli(*e, "-o", "json", "scale", "--name", "keepsize", "--instances", "2")
    assert scaled.code == 0, scaled.err
    data = scaled.json["data"]
    assert (data["instances"], data["vm_size"], data["region"]) == (
        2, "Standard_A2_v2", "westeurope",
    )  # fmt: skip
    assert data["site_roles"] == []
    help_text = cli("scale", "--help").out
    assert "CMGDEPLOY_" in help_text and "do not change" in help_text


def test_json_group_without_subcommand_gives_envelope(cli: Any) -> None:
    run = cli("-o", "json", "environments")
    assert run.code == 2
    envelope = run.json
    assert envelope["ok"] is False and envelope["exit_code"] == 2
    assert envelope["command"] == "environments"
