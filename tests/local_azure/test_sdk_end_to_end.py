"""With only ``endpoint.json``, the unmodified Azure SDKs deploy the
CMG template, poll it to Succeeded, read what it made, scale, run what-if and delete the
group — TLS verification on, trusting the local CA through ``connection_verify``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import TokenCredential
from azure.identity import CertificateCredential, ClientSecretCredential, EnvironmentCredential
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient
from rm_lab import cmg_parameters, cmg_template

from mocks import LocalAzure, read_endpoint

SCOPE = "https://management.azure.com/.default"


def make_credential(kind: str, ep: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    common: dict[str, Any] = {"disable_instance_discovery": True,
                              "connection_verify": ep["ca_bundle"]}  # fmt: skip
    if kind == "secret":
        return ClientSecretCredential(
            ep["tenant_id"], ep["client_id"], ep["client_secret"], authority=ep["url"], **common
        )
    if kind == "certificate":
        return CertificateCredential(
            ep["tenant_id"], ep["client_id"], ep["client_certificate"], authority=ep["url"],
            **common,
        )  # fmt: skip
    monkeypatch.setenv("AZURE_TENANT_ID", ep["tenant_id"])
    monkeypatch.setenv("AZURE_CLIENT_ID", ep["client_id"])
    monkeypatch.setenv("AZURE_CLIENT_SECRET", ep["client_secret"])
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", ep["url"])
    return EnvironmentCredential(**common)


@pytest.mark.parametrize("kind", ["secret", "certificate", "environment"])
def test_sdks_deploy_read_scale_whatif_delete(
    kind: str, local_azure: LocalAzure, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ep = read_endpoint(local_azure.state_dir)
    assert ep is not None
    cred: TokenCredential = make_credential(kind, ep, monkeypatch)
    sub = ep["subscription_id"]
    kw: dict[str, Any] = {"base_url": ep["url"], "credential_scopes": [SCOPE],
                          "connection_verify": ep["ca_bundle"], "polling_interval": 0.1}  # fmt: skip
    rm = ResourceManagementClient(cred, sub, **kw)
    dm = DeploymentsMgmtClient(cred, sub, **kw)
    compute = ComputeManagementClient(cred, sub, **kw)
    network = NetworkManagementClient(cred, sub, **kw)
    name, rg = f"sdk{kind[:4]}cmg", f"sdk-{kind}-rg"

    # Microsoft.KeyVault starts NotRegistered: the deployment registers it (as ARM does).
    rm.resource_groups.create_or_update(rg, {"location": "westeurope"})
    template = cmg_template()
    body = {"properties": {"mode": "Incremental", "template": template,
                           "parameters": cmg_parameters(name, tmp_path)}}  # fmt: skip
    result = dm.deployments.begin_create_or_update(rg, "cmg", body).result()
    assert result.properties.provisioning_state == "Succeeded"
    assert result.properties.outputs["fqdn"]["value"] == f"{name}.westeurope.cloudapp.azure.com"

    vmss = compute.virtual_machine_scale_sets.get(rg, name)
    assert vmss.sku.name == "Standard_A2_v2" and vmss.sku.capacity == 1
    view = compute.virtual_machine_scale_sets.get_instance_view(rg, name)
    assert view.virtual_machine.statuses_summary[0].count == 1
    pip = network.public_ip_addresses.get(rg, f"{name}-pip")
    assert pip.dns_settings.fqdn == f"{name}.westeurope.cloudapp.azure.com" and pip.ip_address
    lb = network.load_balancers.get(rg, f"{name}-lb")
    assert [rule.frontend_port for rule in lb.load_balancing_rules] == [443]
    nsg = network.network_security_groups.get(rg, f"{name}-nsg")
    assert any(rule.destination_port_range == "443" for rule in nsg.security_rules)

    compute.virtual_machine_scale_sets.begin_update(rg, name, {"sku": {"capacity": 2}}).result()
    assert len(list(compute.virtual_machine_scale_set_vms.list(rg, name))) == 2

    what_if = dm.deployments.begin_what_if(rg, "cmg", body).result()
    changes = {c.resource_id.rsplit("/", 1)[-1]: c for c in what_if.changes}
    assert changes[name].change_type == "Modify"  # capacity 2 in Azure, 1 in the template
    capacity = [d for d in changes[name].delta if d.path == "sku.capacity"]
    assert [(d.property_change_type, d.before, d.after) for d in capacity] == [("Modify", 2, 1)]
    assert changes[f"{name}-pip"].change_type == "NoChange"

    rm.resource_groups.begin_delete(rg).result()
    assert not rm.resource_groups.check_existence(rg)
