"""The text plan names each target by type and name, never a raw ARM id."""

from __future__ import annotations

import io

from rich.console import Console

from cmgdeploy.cli.render import _plan_text
from cmgdeploy.domain.results import resource_label

SUB = "/subscriptions/0b1c/resourceGroups/rg/providers"


def test_resource_label_of_top_level_and_child_ids() -> None:
    assert resource_label(f"{SUB}/Microsoft.Network/loadBalancers/x-lb") == (
        "Microsoft.Network/loadBalancers",
        "x-lb",
    )
    assert resource_label(f"{SUB}/Microsoft.KeyVault/vaults/v1/secrets/servercert") == (
        "Microsoft.KeyVault/vaults/secrets",
        "v1/servercert",
    )
    assert resource_label("connection_point cp1.contoso.com") == (
        "connection_point",
        "cp1.contoso.com",
    )


def test_plan_text_shows_type_name_and_delta() -> None:
    out = io.StringIO()
    data = {"name": "x", "deployment_name": "cmgdeploy-x-1", "changes": [
        {"scope": "azure", "target": f"{SUB}/Microsoft.Compute/virtualMachineScaleSets/x",
         "change": "Modify",
         "deltas": [{"path": "sku.capacity", "change": "Modify", "before": 3, "after": 2}]},
    ]}  # fmt: skip
    _plan_text(data, Console(file=out, width=200, color_system=None))
    text = out.getvalue()
    assert "Microsoft.Compute/virtualMachineScaleSets" in text
    assert "sku.capacity: 3 → 2" in text
    assert "/subscriptions/" not in text
