"""What the provider tests share: write and delete resources through the same
generic path a PUT or a deployment takes (normalize → provisioning state → after_put)."""

from __future__ import annotations

from typing import Any

from mocks.core.cloud import Cloud
from mocks.core.registry import lookup
from mocks.resources.provisioning import ResourceRef, write_resource


def put(cloud: Cloud, type_name: str, res_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Store ``body`` (id, name, type, tags and location filled in) at ``res_id``."""
    full = {"id": res_id, "name": res_id.split("/")[-1], "type": type_name, "tags": {}, **body}
    full.setdefault("location", "westeurope")
    stored, _created = write_resource(cloud, ResourceRef.from_id(res_id), full)
    return stored


def delete(cloud: Cloud, res_id: str) -> None:
    """Delete like the provider does: its ``on_delete`` (name reservations …), then the row."""
    body = cloud.store.resource_get(res_id)
    assert body is not None
    rtype = lookup(body["type"])
    assert rtype is not None
    rtype.on_delete(cloud, body)
    cloud.store.resource_delete(res_id)
