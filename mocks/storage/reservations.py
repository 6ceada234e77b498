"""Globally unique names (CONTRACTS 1.2), shared by Storage, Key Vault and DNS labels.

A reservation is a document in a ``names/…`` collection keyed by the lower-cased
name whose value is the owning resource id.  It is taken inside ``normalize`` (so in
the caller's store transaction) and released in ``on_delete``.  A reservation whose
owner no longer exists in the store counts as free: the store may drop a resource
lazily (``Deleting`` past its clock time) without calling ``on_delete``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mocks.core.cloud import Cloud


def owner_of(cloud: Cloud, collection: str, name: str) -> str | None:
    """The id of the live resource holding ``name``, or None when it is free."""
    owner = cloud.store.doc_get(collection, name.lower())
    if not owner or cloud.store.resource_get(owner) is None:
        return None
    return str(owner)


def reserve(cloud: Cloud, collection: str, name: str, rid: str) -> bool:
    """Reserve ``name`` for ``rid``; False when another live resource holds it."""
    with cloud.store.tx():
        owner = owner_of(cloud, collection, name)
        if owner is not None and owner.lower() != rid.lower():
            return False
        cloud.store.doc_put(collection, name.lower(), rid)
        return True


def release(cloud: Cloud, collection: str, name: str, rid: str) -> None:
    """Drop the reservation of ``name`` if ``rid`` holds it."""
    with cloud.store.tx():
        owner = cloud.store.doc_get(collection, name.lower())
        if owner and str(owner).lower() == rid.lower():
            cloud.store.doc_delete(collection, name.lower())
