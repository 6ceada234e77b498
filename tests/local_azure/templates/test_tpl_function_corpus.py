"""The docs' function-example templates deploy through the SDK to the local Azure and
give the outputs the docs document (corpus/functions, see its README)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sdkclients import Clients, sdk_clients

from mocks import LocalAzure
from mocks.templates import loads_jsonc

CORPUS = Path(__file__).parent / "corpus" / "functions"
EXPECTED: dict[str, dict[str, Any]] = json.loads((CORPUS / "expected.json").read_text())
GROUP, STORAGE_GROUP, LOCATION = "fn-corpus-rg", "fn-corpus-storage-rg", "westeurope"
STORAGE = "fncorpusexisting01"


@pytest.fixture(scope="module")
def clients(local_azure: LocalAzure) -> Clients:
    c = sdk_clients(local_azure)
    c.resources.resource_groups.create_or_update(GROUP, {"location": LOCATION})
    c.resources.resource_groups.create_or_update(STORAGE_GROUP, {"location": LOCATION})
    storage = {"resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
               "name": STORAGE, "location": LOCATION, "sku": {"name": "Standard_LRS"},
               "kind": "StorageV2", "properties": {}}]}  # fmt: skip
    body = {"properties": {"mode": "Incremental", "template": {**_empty(), **storage}}}
    poller = c.deployments.deployments.begin_create_or_update(STORAGE_GROUP, "storage", body)
    assert poller.result().properties.provisioning_state == "Succeeded"
    return c


def _empty() -> dict[str, Any]:
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [],
    }


def _placeholders(c: Clients, case: str) -> dict[str, str]:
    return {
        "{subscriptionId}": c.subscription_id,
        "{tenantId}": c.tenant_id,
        "{resourceGroup}": GROUP,
        "{location}": LOCATION,
        "{deploymentName}": _deployment_name(case),
        "{storageResourceGroup}": STORAGE_GROUP,
        "{storageAccountName}": STORAGE,
        "{newStorageAccountName}": "fncorpusnew01",
    }


def _fill(value: Any, fills: dict[str, str]) -> Any:
    if isinstance(value, str):
        for key, replacement in fills.items():
            value = value.replace(key, replacement)
        return value
    if isinstance(value, list):
        return [_fill(v, fills) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, fills) for k, v in value.items()}
    return value


def _deployment_name(case: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", case.rsplit("/", 1)[-1].removesuffix(".json"))[:60]


def _deploy(c: Clients, case: str, spec: dict[str, Any]) -> dict[str, Any]:
    template = loads_jsonc((CORPUS / spec.get("file", case.split("#")[0])).read_text())
    fills = _placeholders(c, case)
    parameters = {k: {"value": _fill(v, fills)} for k, v in spec.get("parameters", {}).items()}
    body = {"properties": {"mode": "Incremental", "template": template, "parameters": parameters}}
    poller = c.deployments.deployments.begin_create_or_update(GROUP, _deployment_name(case), body)
    result = poller.result()
    assert result.properties.provisioning_state == "Succeeded", result.properties.error
    return {k: v.get("value") for k, v in (result.properties.outputs or {}).items()}


def _at(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        value = value[part]
    return value


def _contains(actual: Any, subset: Any) -> bool:
    if isinstance(subset, dict):
        return isinstance(actual, dict) and all(
            k in actual and _contains(actual[k], v) for k, v in subset.items()
        )
    return bool(actual == subset)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_documented_outputs(clients: Clients, case: str) -> None:
    spec = EXPECTED[case]
    outputs = _deploy(clients, case, spec)
    fills = _placeholders(clients, case)
    for name, want in spec["outputs"].items():
        assert outputs[name] == _fill(want, fills), name
    for dotted, pattern in spec.get("formats", {}).items():
        assert re.match(pattern, str(_at(outputs, dotted))), (dotted, _at(outputs, dotted))
    for name, subset in spec.get("subsets", {}).items():
        assert _contains(outputs[name], _fill(subset, fills)), (name, outputs[name])


def test_corpus_size() -> None:
    templates = {spec.get("file", case.split("#")[0]) for case, spec in EXPECTED.items()}
    assert len(templates) >= 90
    on_disk = {f"{p.parent.name}/{p.name}" for p in CORPUS.glob("*/*.json")}
    assert templates == on_disk
