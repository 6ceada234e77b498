"""Resource type registry shared by direct PUTs and the ARM template engine.

Like moto's CloudFormation parsing, each Azure resource type is a class that
declares its ARM type name; the registry is built from the classes.  The same
class serves a direct ``PUT`` of the resource and a template deployment, so both
paths apply the same validation and fill in the same read-only properties.

A provider package (``mocks/compute/models.py`` …) defines subclasses and
decorates them with :func:`resource_type`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .cloud import Cloud

_REGISTRY: dict[str, type[ResourceType]] = {}


class ResourceType:
    """Behaviour of one ARM resource type.

    ``normalize`` validates a requested body and returns the body to store, with
    read-only properties (ids, addresses, fqdn, uniqueId …) filled in.  It raises
    an :class:`~mocks.core.errors.ArmError` subclass named after Azure's error
    code when Azure would refuse.  It must not set ``provisioningState``: the
    caller does that (Creating/Updating, then Succeeded once ``ready_at`` passes).

    ``after_put`` and ``on_delete`` maintain dependent records (VMSS instances,
    globally-unique name reservations); ``invoke_action`` answers ``list*`` actions.
    """

    type_name: ClassVar[str] = ""
    # Which provider namespace must be Registered for this type (derived if empty).
    namespace: ClassVar[str] = ""

    def normalize(
        self, cloud: Cloud, rid: str, body: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        return body

    def after_put(self, cloud: Cloud, body: dict[str, Any], at: float | None = None) -> None:
        return None

    def on_delete(self, cloud: Cloud, body: dict[str, Any]) -> None:
        return None

    def invoke_action(
        self, cloud: Cloud, body: dict[str, Any], action: str, payload: Any
    ) -> dict[str, Any] | None:
        """A ``list*`` action (``listKeys`` …) on the stored resource ``body``, as the
        template functions of that name call it; None when the type has no such action."""
        return None


def resource_type(cls: type[ResourceType]) -> type[ResourceType]:
    """Class decorator: register ``cls`` under its ``type_name`` (case-insensitive)."""
    if not cls.namespace:
        cls.namespace = cls.type_name.split("/")[0]
    _REGISTRY[cls.type_name.lower()] = cls
    return cls


def lookup(type_name: str) -> ResourceType | None:
    cls = _REGISTRY.get(type_name.lower())
    return cls() if cls else None


def registered_types() -> list[str]:
    return sorted(cls.type_name for cls in _REGISTRY.values())
