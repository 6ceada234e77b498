"""Writing and deleting ARM resources through the type registry.

Shared by the generic by-id routes and the deployment driver, so a resource gets
the same validation, read-only properties and provisioning state machine whichever
way it is written (CONTRACTS 1.2).  Types without a registered class are stored as
generic resources: their body is kept as sent (plus id/name/type/location/tags),
like ARM would for a provider the local Azure does not model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mocks.core import lro, registry
from mocks.core.errors import UnsupportedOperation

from . import catalog, models, schema_types
from .exceptions import (
    InvalidResourceType,
    LocationRequired,
    NoRegisteredProviderFound,
    ParentResourceNotFound,
    ResourceNotFound,
)

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud

# Namespaces whose resources have neither location nor tags (role assignments and role
# definitions: their REST schemas hold only id, name, type and properties).
LOCATIONLESS_NAMESPACES = {"microsoft.authorization"}
_OPTIONAL_TOP_LEVEL = ("sku", "kind", "zones", "identity", "plan", "managedBy", "extendedLocation")


@dataclass
class ResourceRef:
    """A resource id split into its parts (child types have several type/name pairs).

    An extension resource (``…/vaults/v/providers/Microsoft.Authorization/roleAssignments/x``)
    keeps the resource it extends in ``scope``; its own namespace/types/names follow."""

    subscription: str
    group: str
    namespace: str
    types: list[str]
    names: list[str]
    scope: str = ""

    @classmethod
    def parse(cls, sub: str, group: str, rest: str) -> ResourceRef:
        """``rest`` = ``{ns}/{type}/{name}[/{childType}/{childName}…]`` (maybe a collection),
        or ``{resource}/providers/{ns}/{type}/{name}`` for an extension resource."""
        head, marker, tail = _split_extension(rest)
        if marker:
            scope = f"/subscriptions/{sub}/resourceGroups/{group}/providers/{head.strip('/')}"
            inner = cls.parse(sub, group, tail)
            return cls(sub, group, inner.namespace, inner.types, inner.names, scope)
        parts = [p for p in rest.split("/") if p]
        return cls(sub, group, parts[0], parts[1::2], parts[2::2])

    @classmethod
    def from_id(cls, rid: str) -> ResourceRef:
        parts = rid.strip("/").split("/")
        return cls.parse(parts[1], parts[3], "/".join(parts[5:]))

    @property
    def is_collection(self) -> bool:
        return len(self.types) != len(self.names)

    @property
    def type_name(self) -> str:
        return "/".join([self.namespace, *self.types])

    @property
    def name(self) -> str:
        return "/".join(self.names)

    def resource_id(self, type_name: str | None = None) -> str:
        canonical = (type_name or self.type_name).split("/")
        segments = [canonical[0]]
        for typ, name in zip(canonical[1:], self.names, strict=False):
            segments += [typ, name]
        base = (
            f"{self.scope}/providers/"
            if self.scope
            else f"/subscriptions/{self.subscription}/resourceGroups/{self.group}/providers/"
        )
        return base + "/".join(segments)

    def parent_id(self) -> str | None:
        """The parent resource, or for an extension resource the resource it extends."""
        if len(self.types) < 2:
            return self.scope or None
        parent = ResourceRef(
            self.subscription,
            self.group,
            self.namespace,
            self.types[:-1],
            self.names[:-1],
            self.scope,
        )
        return parent.resource_id(canonical_type(parent.type_name))


def _split_extension(rest: str) -> tuple[str, str, str]:
    """``(resource path, "/providers/", extension path)`` or ``(rest, "", "")``."""
    lowered = rest.lower()
    at = lowered.find("/providers/")
    if at < 0:
        return rest, "", ""
    return rest[:at], rest[at : at + len("/providers/")], rest[at + len("/providers/") :]


def type_of_id(rid: str) -> str:
    """A resource id's type in ARM's casing (an extension resource's own type)."""
    return canonical_type(ResourceRef.from_id(rid).type_name)


def canonical_type(type_name: str) -> str:
    """ARM's casing of a type: the registered class's, the catalog's, else as given."""
    cls = registry.lookup(type_name)
    if cls is not None:
        return type(cls).type_name
    return catalog.canonical_type(type_name) or type_name


def require_known_type(type_name: str, api_version: str) -> None:
    """404 NoRegisteredProviderFound / InvalidResourceType for types nobody models."""
    if registry.lookup(type_name) is not None or catalog.canonical_type(type_name):
        return
    if catalog.canonical_namespace(type_name.split("/")[0]) is None:
        raise NoRegisteredProviderFound(type_name, api_version)
    raise InvalidResourceType(type_name, api_version)


def type_behaviour(type_name: str) -> registry.ResourceType:
    return registry.lookup(type_name) or registry.ResourceType()


def provisioning_seconds(cloud: Cloud, type_name: str) -> float:
    """Simulated provisioning time of a type (config override, else the default)."""
    return cloud.provisioning_seconds(type_name)


def build_body(
    cloud: Cloud, ref: ResourceRef, requested: dict[str, Any], existing: dict[str, Any] | None
) -> dict[str, Any]:
    """The generic part of a stored body: id, name, type, location, tags, properties."""
    type_name = canonical_type(ref.type_name)
    body: dict[str, Any] = {
        "id": existing["id"] if existing else ref.resource_id(type_name),
        "name": ref.name if len(ref.names) == 1 else ref.names[-1],
        "type": type_name,
    }
    if ref.namespace.lower() not in LOCATIONLESS_NAMESPACES:
        body["location"] = _location(cloud, ref, requested, existing)
        body["tags"] = requested.get("tags") or {}
    for key in _OPTIONAL_TOP_LEVEL:
        if requested.get(key) is not None:
            body[key] = requested[key]
    body["properties"] = dict(requested.get("properties") or {})
    body["properties"].pop("provisioningState", None)
    return body


def _location(
    cloud: Cloud, ref: ResourceRef, requested: dict[str, Any], existing: dict[str, Any] | None
) -> str:
    raw = requested.get("location")
    if raw:
        return catalog.normalize_location(str(raw))
    if existing and existing.get("location"):
        return str(existing["location"])
    parent_id = ref.parent_id()
    if parent_id is None:
        raise LocationRequired()
    parent = stored_parent(cloud, parent_id)
    if parent is None:
        raise ParentResourceNotFound(_path_in_provider(parent_id))
    return str(parent.get("location", ""))


def stored_parent(cloud: Cloud, parent_id: str) -> dict[str, Any] | None:
    """The parent's record; for an implicit parent (a storage account's
    ``blobServices/default``) the record of the resource it belongs to."""
    from mocks.storage.models import implicit_parent

    return cloud.store.resource_get(parent_id) or implicit_parent(cloud, parent_id)


def _path_in_provider(rid: str) -> str:
    """``{namespace}/{type}/{name}…``: how ARM names a missing parent."""
    return rid.split("/providers/")[-1]


def write_resource(
    cloud: Cloud, ref: ResourceRef, requested: dict[str, Any], at: float | None = None
) -> tuple[dict[str, Any], bool]:
    """Normalize, store as Creating/Updating with ``ready_at``, run ``after_put``.

    ``at`` is when the write happened (default: now); a deployment passes the time its
    plan reached the resource, so provisioning ends at the same moment however late
    someone reads.  Returns (stored body, created).  Raises the type's ArmError when
    Azure would refuse.
    """
    with cloud.store.tx():
        existing = cloud.store.resource_get(ref.resource_id())
        if existing and existing["properties"].get("provisioningState") == "Deleting":
            existing = None
        if ref.parent_id() and stored_parent(cloud, ref.parent_id() or "") is None:
            raise ParentResourceNotFound(_path_in_provider(ref.parent_id() or ""))
        behaviour = type_behaviour(ref.type_name)
        body = schema_types.coerce(ref.type_name, build_body(cloud, ref, requested, existing))
        body = behaviour.normalize(cloud, body["id"], body, existing)
        body.setdefault("properties", {})["provisioningState"] = (
            "Updating" if existing else "Creating"
        )
        ready_at = (cloud.now() if at is None else at) + provisioning_seconds(cloud, ref.type_name)
        cloud.store.resource_put(body, ready_at=ready_at)
        behaviour.after_put(cloud, body, at)
    return body, existing is None


def merge_patch(existing: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """ARM PATCH: tags replaced wholesale, objects merged recursively, lists replaced."""
    out = dict(existing)
    for key, value in patch.items():
        if key == "tags":
            out["tags"] = value or {}
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_patch(out[key], value)
        else:
            out[key] = value
    return out


def require_writable(cloud: Cloud, ref: ResourceRef, api_version: str, operation: str) -> None:
    """Refuse a write Azure would refuse: on a collection path (a loud answer naming
    ``operation``), into a group being deleted, of an unknown type, of a namespace the
    subscription has not registered."""
    if ref.is_collection:
        raise UnsupportedOperation(f"The local Azure does not support {operation}.")
    models.require_group_writable(cloud, ref.subscription, ref.group)
    require_known_type(ref.type_name, api_version)
    models.require_registered(cloud, ref.subscription, ref.type_name)


def put_resource(
    cloud: Cloud, ref: ResourceRef, requested: dict[str, Any]
) -> tuple[dict[str, Any], bool, dict[str, Any]]:
    """Generic PUT: the stored body, whether it was created, and its operation."""
    body, created = write_resource(cloud, ref, requested)
    return body, created, start_operation(cloud, ref, body, kind="provisioning")


def patch_resource(
    cloud: Cloud, ref: ResourceRef, existing: dict[str, Any], patch: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Generic PATCH of ``existing``: merged, then written like a PUT (body, operation)."""
    body, _created = write_resource(cloud, ref, merge_patch(existing, patch))
    return body, start_operation(cloud, ref, body, kind="provisioning")


def start_delete(cloud: Cloud, ref: ResourceRef) -> dict[str, Any] | None:
    """Generic DELETE: its operation, or None when there was nothing to delete."""
    body = delete_resource(cloud, ref)
    if body is None:
        return None
    return start_operation(cloud, ref, body, kind="resource-delete")


def start_operation(
    cloud: Cloud, ref: ResourceRef, body: dict[str, Any], *, kind: str
) -> dict[str, Any]:
    """The long-running operation of a write or delete of ``body``.  It lasts the type's
    provisioning time, so it ends when the stored resource leaves Creating/Updating."""
    return lro.start(
        cloud,
        kind=kind,
        subscription_id=ref.subscription,
        namespace=ref.namespace,
        location=body.get("location") or "global",
        target_id=body["id"],
        duration=provisioning_seconds(cloud, ref.type_name),
    )


def resource_or_inline_child(cloud: Cloud, rid: str) -> dict[str, Any] | None:
    """The stored resource ``rid``, or the child its parent holds inline (a subnet in
    its virtual network's ``properties.subnets``), as ``reference()`` sees them."""
    body = cloud.store.resource_get(rid)
    if body is not None:
        return body
    parts = rid.rstrip("/").split("/")
    if len(parts) < 11:  # /subscriptions/s/resourceGroups/g/providers/NS/t/n/child/name
        return None
    parent = cloud.store.resource_get("/".join(parts[:-2]))
    if parent is None:
        return None
    for key, items in (parent.get("properties") or {}).items():
        if key.lower() == parts[-2].lower() and isinstance(items, list):
            for item in items:
                if (
                    isinstance(item, dict)
                    and str(item.get("name", "")).lower() == parts[-1].lower()
                ):
                    return item
    return None


def get_resource(cloud: Cloud, ref: ResourceRef) -> dict[str, Any]:
    body = cloud.store.resource_get(ref.resource_id())
    if body is None:
        raise ResourceNotFound.in_group(f"{ref.type_name}/{ref.name}", ref.group)
    return body


def read_resource(cloud: Cloud, ref: ResourceRef, api_version: str) -> dict[str, Any]:
    """GET by id: a type nobody models answers its 404 before a missing resource does."""
    if cloud.store.resource_get(ref.resource_id()) is None:
        require_known_type(ref.type_name, api_version)
    return get_resource(cloud, ref)


def list_collection(cloud: Cloud, ref: ResourceRef, api_version: str) -> list[dict[str, Any]]:
    """GET on a collection path of a known type (404 for a type nobody models)."""
    require_known_type(ref.type_name, api_version)
    return list_children(cloud, ref)


def list_children(cloud: Cloud, ref: ResourceRef) -> list[dict[str, Any]]:
    """GET on a collection path: the resources of that type under the parent."""
    rows = cloud.store.resource_list(
        ref.subscription, resource_group=ref.group, type_name=canonical_type(ref.type_name)
    )
    parent = ref.parent_id()
    if parent is None:
        return rows
    return [r for r in rows if r["id"].lower().startswith(parent.lower() + "/")]


def mark_deleting(cloud: Cloud, body: dict[str, Any], seconds: float) -> None:
    """Put a resource into Deleting; the store removes it once ``seconds`` pass."""
    body.setdefault("properties", {})["provisioningState"] = "Deleting"
    cloud.store.resource_put(body, ready_at=cloud.now() + seconds)
    if body["type"].lower() != models.GROUP_TYPE.lower():
        type_behaviour(body["type"]).on_delete(cloud, body)


def delete_resource(cloud: Cloud, ref: ResourceRef) -> dict[str, Any] | None:
    """Start deleting a resource and its children; None when it does not exist."""
    with cloud.store.tx():
        body = cloud.store.resource_get(ref.resource_id())
        if body is None:
            return None
        seconds = provisioning_seconds(cloud, ref.type_name)
        if body["properties"].get("provisioningState") != "Deleting":
            children = cloud.store.resource_list(
                ref.subscription, resource_group=ref.group, id_prefix=body["id"] + "/"
            )
            for res in [*children, body]:
                mark_deleting(cloud, res, seconds)
    return body
