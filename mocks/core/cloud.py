"""The local Azure's runtime context, handed to every handler.

Handlers receive ``(cloud, request)``.  What they may rely on:

* ``cloud.store`` — the SQLite :class:`~mocks.core.store.Store`
* ``cloud.config`` — :class:`CloudConfig` (timings, token lifetime, throttle scale)
* ``cloud.identity`` — :class:`Identity` of the bootstrap tenant, subscription and
  service principal (also written to ``endpoint.json``)
* ``cloud.base_url`` — ``https://127.0.0.1:PORT`` once the server listens
* ``cloud.blob_url`` — ``https://127.0.0.1:BLOBPORT``, the Blob service (its own port)
* ``cloud.now()`` — the clock (time.time); everything time-based uses it
* ``cloud.provisioning_seconds(type_name)`` — simulated duration for a resource type
  (targeted faults "make provisioning of X take N s" override it)
* ``cloud.faults.take_targeted(kind, type_name)`` — pop a one-shot targeted fault
  ("fail the next deployment of type X with code Y"), or None

PKI, bootstrap, faults and the server live in sibling modules (``pki.py``,
``bootstrap.py``, ``faults.py``, ``server.py``); this module only ties them together.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .faults import FaultInjector
from .store import Store


@dataclass
class CloudConfig:
    provisioning_seconds: float = 0.3  # default simulated provisioning time per resource
    provisioning_overrides: dict[str, float] = field(default_factory=dict)  # type -> s
    initial_retry_after: int = 1  # Retry-After on an LRO's first response (>= 1)
    poll_retry_after: float = 0.2  # Retry-After on status polls (fractional allowed)
    token_lifetime: int = 3599  # seconds, access tokens
    device_code_delay: float = 1.0  # device-code grant auto-approves after this
    throttle_scale: float = 1.0  # multiplies ARM's bucket sizes and refill rates

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CloudConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class Identity:
    tenant_id: str
    subscription_id: str
    client_id: str
    client_secret: str
    client_certificate: str  # path to PEM (cert + key) of the service principal
    client_certificate_thumbprint: str  # SHA-1 hex, upper-case
    management_certificate: str  # path to PEM (cert + key) registered for classic
    management_certificate_thumbprint: str
    subscription_name: str = "Local Azure subscription"
    tenant_domain: str = "localazure.onmicrosoft.com"


class Cloud:
    """State and settings of one local Azure (one state directory)."""

    def __init__(self, state_dir: Path, config: CloudConfig | None = None) -> None:
        self.state_dir = Path(state_dir)
        # Private from the start: the state dir holds keys and cloud.db the client secret.
        # (An existing directory keeps the mode its owner gave it.)
        self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.store = Store(self.state_dir / "cloud.db", clock=self.now)
        self.config = config or CloudConfig()
        # Settings of this process's server run only (``python -m mocks serve`` flags):
        # laid over the persisted configuration, never written to the state dir.
        self.run_config: dict[str, Any] = {}
        self.base_url = ""
        self.blob_url = ""  # https://127.0.0.1:BLOBPORT once the Blob service listens
        self.identity: Identity  # set by bootstrap.ensure(cloud)
        self.faults = FaultInjector(self)  # random/targeted faults (mocks.core.faults)

    def now(self) -> float:
        return time.time()

    def provisioning_seconds(self, type_name: str) -> float:
        overrides = {k.lower(): v for k, v in self.config.provisioning_overrides.items()}
        return float(overrides.get(type_name.lower(), self.config.provisioning_seconds))
