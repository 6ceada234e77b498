"""What the Azure boundary needs to know about an environment and a sign-in method.

Structural types only, so this package does not depend on how ``environments.py`` and
``config.py`` build their objects (any object with these attributes works).
"""

from __future__ import annotations

from typing import Any, Protocol


class EnvironmentLike(Protocol):
    """An Azure environment after resolution (URLs, trust, defaults)."""

    @property
    def name(self) -> str: ...
    @property
    def authority(self) -> str: ...
    @property
    def resource_manager(self) -> str: ...
    @property
    def audience(self) -> str: ...
    @property
    def instance_discovery(self) -> bool: ...
    @property
    def ca_bundle(self) -> str | None: ...


def arm_scope(env: EnvironmentLike) -> str:
    """The OAuth scope for Resource Manager in ``env`` (``<audience>/.default``)."""
    return env.audience.rstrip("/") + "/.default"


def transport_kwargs(env: EnvironmentLike) -> dict[str, Any]:
    """TLS trust for every SDK object: the environment's CA bundle when it has one."""
    return {"connection_verify": str(env.ca_bundle)} if env.ca_bundle else {}
