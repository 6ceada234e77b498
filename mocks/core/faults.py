"""Fault injection: the weather of a real cloud, on demand and reproducible.

Settings (the admin API body, ``python -m mocks serve --faults``) are stored in the
store's meta (``faults``) so every process sharing the state dir sees them::

    {"seed": 1, "p429": 0.1, "p500": 0, "p503": 0.05, "preset": 0.02, "latency_ms": 0,
     "retry_after": 1, "token_lifetime": 3599, "provisioning_seconds": 0.3,
     "scope": "writes" | "all",
     "targeted": [{"kind": "fail_deployment", "type": "...", "code": "...", "message": "...",
                   "count": 1},
                  {"kind": "slow", "type": "...", "seconds": 30},
                  {"kind": "unready", "target": "vmss" | "classic", ...},
                  {"kind": "throttle", "scope_prefix": "/subscriptions/.../resourcegroups/x",
                   "retry_after": 5, "duration": 30}]}

Random faults are drawn from ``random.Random(seed)``, re-seeded whenever the settings
change, so a sequential client sees the same faults on every run. Counters of injected
faults are kept in meta (``fault_counters``) for the chaos suite's figures.

Not simulated: Azure's real fault distribution, partial responses, slow bodies.
"""

from __future__ import annotations

import dataclasses
import json
import random
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cloud import Cloud, CloudConfig

FAULTS_KEY = "faults"
COUNTERS_KEY = "fault_counters"
RANDOM_FAULTS = (("p429", "429"), ("p500", "500"), ("p503", "503"), ("preset", "reset"))
TARGETED_KINDS = {"fail_deployment", "slow", "unready", "throttle"}
_NUMBERS = {
    "seed",
    "p429",
    "p500",
    "p503",
    "preset",
    "latency_ms",
    "retry_after",
    "token_lifetime",
    "provisioning_seconds",
}
_KNOWN = {*_NUMBERS, "scope", "targeted"}


def validate(data: Any) -> dict[str, Any]:
    """Check a faults document; raise ValueError naming the bad field."""
    if not isinstance(data, dict):
        raise ValueError("faults must be a JSON object")
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}")
    for key in _NUMBERS & set(data):
        if not isinstance(data[key], int | float) or isinstance(data[key], bool):
            raise ValueError(f"fault setting {key!r} must be a number")
        if data[key] < 0:
            raise ValueError(f"fault setting {key!r} must not be negative")
    if sum(float(data.get(key, 0)) for key, _ in RANDOM_FAULTS) > 1:
        raise ValueError("p429 + p500 + p503 + preset must not exceed 1")
    if data.get("scope", "all") not in ("all", "writes"):
        raise ValueError("fault setting 'scope' must be 'all' or 'writes'")
    for entry in data.get("targeted", []):
        _validate_targeted(entry)
    return dict(data)


def _validate_targeted(entry: Any) -> None:
    if not isinstance(entry, dict) or entry.get("kind") not in TARGETED_KINDS:
        raise ValueError(f"targeted fault kind must be one of {sorted(TARGETED_KINDS)}")
    if entry["kind"] in ("fail_deployment", "slow") and not entry.get("type"):
        raise ValueError(f"targeted fault {entry['kind']!r} needs a resource 'type'")
    if entry["kind"] == "throttle" and not str(entry.get("scope_prefix", "")).startswith("/"):
        raise ValueError("targeted fault 'throttle' needs a 'scope_prefix' starting with '/'")


class FaultInjector:
    """Reads and applies the fault settings of one cloud (thread-safe)."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self._lock = threading.Lock()
        self._rng = random.Random(0)
        self._rng_settings = ""

    # -- settings ---------------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        return dict(self.cloud.store.meta_get(FAULTS_KEY) or {})

    def set(self, data: Any) -> dict[str, Any]:
        """Replace the settings (validated); throttle windows start now."""
        settings = validate(data)
        for entry in settings.get("targeted", []):
            if entry["kind"] == "throttle":
                entry.setdefault("started_at", self.cloud.now())
        self.cloud.store.meta_set(FAULTS_KEY, settings)
        return settings

    def clear(self) -> None:
        self.cloud.store.meta_set(FAULTS_KEY, {})

    # -- random faults ----------------------------------------------------------------
    def roll(self, request_kind: str) -> str | None:
        """Which random fault (if any) hits this request: "429"/"500"/"503"/"reset"."""
        settings = self.settings()
        if settings.get("scope") == "writes" and request_kind == "read":
            return None
        draw = self._draw(settings)
        threshold = 0.0
        for key, name in RANDOM_FAULTS:
            threshold += float(settings.get(key, 0))
            if draw < threshold:
                return name
        return None

    def _draw(self, settings: dict[str, Any]) -> float:
        fingerprint = json.dumps(settings, sort_keys=True)
        with self._lock:
            if fingerprint != self._rng_settings:
                self._rng = random.Random(settings.get("seed", 0))
                self._rng_settings = fingerprint
            return self._rng.random()

    def latency_seconds(self) -> float:
        return float(self.settings().get("latency_ms", 0)) / 1000.0

    def retry_after(self) -> int:
        return max(1, int(self.settings().get("retry_after", 1)))

    # -- counters ---------------------------------------------------------------------
    def record(self, name: str) -> None:
        """Count one injected fault (persisted, all processes add up)."""
        with self.cloud.store.tx():
            counters = self.cloud.store.meta_get(COUNTERS_KEY) or {}
            counters[name] = int(counters.get(name, 0)) + 1
            self.cloud.store.meta_set(COUNTERS_KEY, counters)

    def counters(self) -> dict[str, int]:
        return dict(self.cloud.store.meta_get(COUNTERS_KEY) or {})

    # -- targeted faults --------------------------------------------------------------
    def take_targeted(self, kind: str, type_name: str) -> dict[str, Any] | None:
        """Consume one targeted fault of ``kind`` for ``type_name``: ``{"code", "message"}``."""
        with self.cloud.store.tx():
            settings = self.settings()
            for entry in settings.get("targeted", []):
                if entry["kind"] != kind or entry.get("type", "").lower() != type_name.lower():
                    continue
                if int(entry.get("count", 1)) <= 0:
                    continue
                entry["count"] = int(entry.get("count", 1)) - 1
                self.cloud.store.meta_set(FAULTS_KEY, settings)
                self.record(kind)
                return {
                    "code": entry.get("code", "InternalServerError"),
                    "message": entry.get("message", f"Injected failure of {type_name}."),
                }
        return None

    def flag(self, name: str, target: str | None = None) -> dict[str, Any] | None:
        """The first targeted entry of kind ``name`` (and ``target``, if given), or None.

        A generic switch for other parts: e.g. ``flag("unready", "vmss")``.
        """
        for entry in self.settings().get("targeted", []):
            if entry["kind"] == name and (target is None or entry.get("target") == target):
                return dict(entry)
        return None

    def throttled(self, path: str) -> int | None:
        """Retry-After seconds if an admin-set "throttle" fault covers ``path`` now."""
        now = self.cloud.now()
        for entry in self.settings().get("targeted", []):
            if entry["kind"] != "throttle":
                continue
            if not path.lower().startswith(entry["scope_prefix"].lower()):
                continue
            started = float(entry.get("started_at", now))
            if started <= now < started + float(entry.get("duration", 30)):
                return max(1, int(entry.get("retry_after", 1)))
        return None

    # -- configuration overlay --------------------------------------------------------
    def overlay(self, config: CloudConfig) -> CloudConfig:
        """``config`` with the faults' token lifetime, provisioning time and slow types."""
        settings = self.settings()
        changes: dict[str, Any] = {}
        if "token_lifetime" in settings:
            changes["token_lifetime"] = int(settings["token_lifetime"])
        if "provisioning_seconds" in settings:
            changes["provisioning_seconds"] = float(settings["provisioning_seconds"])
        slow = {
            e["type"]: float(e.get("seconds", 30))
            for e in settings.get("targeted", [])
            if e["kind"] == "slow"
        }
        if slow:
            changes["provisioning_overrides"] = {**config.provisioning_overrides, **slow}
        return dataclasses.replace(config, **changes) if changes else config
