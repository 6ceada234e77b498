"""Public Azure quickstart templates (corpus/quickstarts, see its README) validate,
what-if, deploy and read back through the SDK against the local Azure; templates that
ask for a VM size Azure no longer sells fail as Azure fails."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import ContainerClient
from sdkclients import Clients, sdk_clients, storage_key

from mocks import LocalAzure
from mocks.templates import loads_jsonc

CORPUS = Path(__file__).parent / "corpus" / "quickstarts"
RETIRED_SIZES = {"201-vmss-linux-nat": "Standard_A1", "201-vmss-windows-nat": "Standard_A1"}
DEPLOYABLE = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and p.name not in RETIRED_SIZES)
_numbers = itertools.count()


STAGING_GROUP, STAGING_ACCOUNT, STAGING_CONTAINER = "qs-staging", "qsstaging0001", "artifacts"


@pytest.fixture(scope="module")
def clients(local_azure: LocalAzure) -> Clients:
    return sdk_clients(local_azure)


@pytest.fixture(scope="module")
def staging(local_azure: LocalAzure, clients: Clients) -> str:
    """The quickstart pipeline's ``_artifactsLocation``: every template's nested files on
    a blob container of the local Azure (its Blob service, as a linked template reads)."""
    clients.resources.resource_groups.create_or_update(STAGING_GROUP, {"location": "westeurope"})
    account = {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
               "name": STAGING_ACCOUNT, "location": "westeurope",
               "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}  # fmt: skip
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0", "resources": [account]}  # fmt: skip
    body = {"properties": {"mode": "Incremental", "template": template}}
    clients.deployments.deployments.begin_create_or_update(STAGING_GROUP, "staging", body).result()
    account_id = (f"/subscriptions/{clients.subscription_id}/resourceGroups/{STAGING_GROUP}"
                  f"/providers/Microsoft.Storage/storageAccounts/{STAGING_ACCOUNT}")  # fmt: skip
    base = f"{local_azure.blob_url}/{STAGING_ACCOUNT}/"
    credential = {
        "account_name": STAGING_ACCOUNT,
        "account_key": storage_key(local_azure, account_id),
    }
    container = ContainerClient(base, STAGING_CONTAINER, credential=credential,
                                connection_verify=local_azure.ca_bundle)  # fmt: skip
    container.create_container()
    for path in CORPUS.glob("*/*/*.json"):
        name = path.relative_to(CORPUS).as_posix()
        container.upload_blob(name, path.read_bytes())
    return f"{base}{STAGING_CONTAINER}/"


def placeholder(match: re.Match[str]) -> str:
    """The quickstart test pipeline's GEN-* placeholders, filled the way it fills them."""
    kind, n = match.group(1), next(_numbers)
    if kind.startswith("UNIQUE"):
        size = int(kind.rsplit("-", 1)[1]) if "-" in kind else 12
        return f"qs{n:04d}abcdefghijklmnopqrstuvwxyz"[: min(size, 16)]
    if kind == "PASSWORD":
        return f"Qs-Passw0rd!{n}"
    if kind == "SSH-PUB-KEY":
        return "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 quickstart@example"
    if kind == "AZUREAD-OBJECTID":
        return f"11111111-2222-3333-4444-{n:012d}"
    return match.group(0)


def fill(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"GEN-([A-Z]+(?:-[A-Z]+)*(?:-\d+)?)", placeholder, value)
    if isinstance(value, list):
        return [fill(v) for v in value]
    if isinstance(value, dict):
        return {k: fill(v) for k, v in value.items()}
    return value


def request(name: str, staging: str) -> dict[str, Any]:
    folder = CORPUS / name
    template = loads_jsonc((folder / "azuredeploy.json").read_text())
    parameters = loads_jsonc((folder / "azuredeploy.parameters.json").read_text())
    params = fill(parameters.get("parameters") or {})
    if "_artifactsLocation" in (template.get("parameters") or {}):
        params["_artifactsLocation"] = {"value": f"{staging}{name}/"}
        params["_artifactsLocationSasToken"] = {"value": ""}
    return {"properties": {"mode": "Incremental", "template": template, "parameters": params}}


def group_for(c: Clients, name: str) -> str:
    group = f"qs-{name}"[:90]
    c.resources.resource_groups.create_or_update(group, {"location": "westeurope"})
    return group


@pytest.mark.parametrize("name", DEPLOYABLE)
def test_quickstart_validates_predicts_deploys_and_reads_back(
    clients: Clients, staging: str, name: str
) -> None:
    dm, group = clients.deployments.deployments, group_for(clients, name)
    body = request(name, staging)
    validated = dm.begin_validate(group, "quickstart", body).result()
    assert validated.properties.provisioning_state == "Succeeded"
    before = dm.begin_what_if(group, "quickstart", body).result()
    assert before.changes and {c.change_type for c in before.changes} == {"Create"}
    result = dm.begin_create_or_update(group, "quickstart", body).result()
    assert result.properties.provisioning_state == "Succeeded", result.properties.error
    for made in result.properties.output_resources:
        api = _api_version(body, made.id)
        read = clients.resources.resources.get_by_id(made.id, api_version=api)
        assert read.id.lower() == made.id.lower()
    # What the template sets is what Azure now holds: nothing left to change.
    after = dm.begin_what_if(group, "quickstart", body).result()
    changed = [(c.resource_id, c.change_type) for c in after.changes if c.change_type != "NoChange"]
    assert not changed


@pytest.mark.parametrize("name", sorted(RETIRED_SIZES))
def test_retired_vm_sizes_fail_as_in_azure(clients: Clients, staging: str, name: str) -> None:
    dm, group = clients.deployments.deployments, group_for(clients, name)
    body = request(name, staging)
    poller = dm.begin_create_or_update(group, "quickstart", body)
    with pytest.raises(Exception, match="DeploymentFailed"):
        poller.result()
    ops = clients.deployments.deployment_operations.list(group, "quickstart")
    errors = [
        o.properties.status_message for o in ops if o.properties.provisioning_state == "Failed"
    ]
    text = str(errors)
    assert "SkuNotAvailable" in text and RETIRED_SIZES[name] in text


def _api_version(body: dict[str, Any], rid: str) -> str:
    """The apiVersion the template used for the resource type of ``rid``."""
    rtype = rid.split("/providers/", 1)[1].split("/")
    wanted = "/".join([rtype[0], *rtype[1::2]]).lower()
    for res in _all_resources(body["properties"]["template"].get("resources") or []):
        if str(res.get("type", "")).lower() == wanted:
            return str(res["apiVersion"])
    return "2023-09-01"


def _all_resources(resources: list, parent: str = "") -> list[dict[str, Any]]:
    out = []
    for res in resources:
        rtype = str(res.get("type", ""))
        full = f"{parent}/{rtype}" if parent and "/" not in rtype else rtype
        out.append({**res, "type": full})
        out += _all_resources(res.get("resources") or [], full)
    return out
