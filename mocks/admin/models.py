"""The control API's behaviour: reset, faults, request log, classic seeding, config,
Graph password credential dates.

Used by ``/_localazure/…`` and by ``python -m mocks …`` (which works on the state dir
directly, with or without a running server: SQLite is shared).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from mocks.core import bootstrap, requestlog
from mocks.core.cloud import Cloud, CloudConfig
from mocks.core.faults import COUNTERS_KEY

from .exceptions import InvalidControlRequest

# meta keys that survive a reset: who we are and how we are configured
_KEPT_META = {"schema_version", bootstrap.IDENTITY_KEY, bootstrap.CONFIG_KEY}


def reset(cloud: Cloud) -> dict[str, Any]:
    """Wipe resources, documents, faults and counters; keep identity, PKI and config."""
    with cloud.store.tx() as db:
        resources = db.execute("DELETE FROM resources").rowcount
        documents = db.execute("DELETE FROM documents").rowcount
        marks = ",".join("?" for _ in _KEPT_META)
        db.execute(f"DELETE FROM meta WHERE key NOT IN ({marks})", tuple(_KEPT_META))
        bootstrap.register_initial_providers(cloud, cloud.identity.subscription_id)
    bootstrap.refresh_config(cloud)
    return {"resources_deleted": resources, "documents_deleted": documents}


def get_faults(cloud: Cloud) -> dict[str, Any]:
    return {"faults": cloud.faults.settings(), "counters": cloud.faults.counters()}


def set_faults(cloud: Cloud, body: Any) -> dict[str, Any]:
    try:
        cloud.faults.set(body)
    except ValueError as exc:
        raise InvalidControlRequest(str(exc)) from None
    bootstrap.refresh_config(cloud)
    return get_faults(cloud)


def clear_faults(cloud: Cloud) -> dict[str, Any]:
    cloud.faults.clear()
    cloud.store.meta_set(COUNTERS_KEY, {})
    bootstrap.refresh_config(cloud)
    return get_faults(cloud)


def requests_since(cloud: Cloud, since: int) -> dict[str, Any]:
    entries = requestlog.read(cloud.state_dir, since)
    return {"since": since, "next": since + len(entries), "entries": entries}


def seed_classic(cloud: Cloud, body: Any) -> dict[str, Any]:
    """Create a classic CMG via the classic part's ``seed_classic`` (imported lazily)."""
    if not isinstance(body, dict) or not body.get("name") or not body.get("region"):
        raise InvalidControlRequest("seed-classic needs {name, region, instances}")
    try:
        instances = int(body.get("instances", 1))
    except (TypeError, ValueError):
        raise InvalidControlRequest("instances must be an integer") from None
    if instances < 1:
        raise InvalidControlRequest("instances must be at least 1")
    classic = importlib.import_module("mocks.classic.models")
    result: dict[str, Any] = classic.seed_classic(
        cloud, str(body["name"]), str(body["region"]), instances
    )
    return result


def set_password_dates(cloud: Cloud, app: str, key_id: str, body: Any) -> dict[str, Any]:
    """Set ``endDateTime`` (and/or ``startDateTime``, ISO 8601) of an app registration's
    password credential (``app``: object id or appId), e.g. in the past or near future,
    so expiry checks can be tested without waiting."""
    if not isinstance(body, dict) or not (body.get("endDateTime") or body.get("startDateTime")):
        raise InvalidControlRequest("the body needs endDateTime and/or startDateTime")
    graph = importlib.import_module("mocks.graph.models")
    result: dict[str, Any] = graph.set_password_dates(cloud, app, key_id, body)
    return result


def health(cloud: Cloud) -> dict[str, Any]:
    return {
        "status": "ok",
        "url": cloud.base_url,
        "pid": os.getpid(),
        "tenant_id": cloud.identity.tenant_id,
        "subscription_id": cloud.identity.subscription_id,
        # What this server applies now (persisted configuration, its run's own settings,
        # faults), so a client can say why its deployments are slow.
        "settings": cloud.config.to_dict(),
        "run_settings": dict(cloud.run_config),
        "faults": cloud.faults.settings(),
    }


def get_config(cloud: Cloud) -> dict[str, Any]:
    return bootstrap.load_config(cloud).to_dict()


def set_config(cloud: Cloud, body: Any) -> dict[str, Any]:
    """Merge ``body`` into the persisted configuration (unknown keys refused)."""
    if not isinstance(body, dict):
        raise InvalidControlRequest("config must be a JSON object")
    current = bootstrap.load_config(cloud).to_dict()
    unknown = sorted(set(body) - set(current))
    if unknown:
        raise InvalidControlRequest(f"unknown config field(s): {', '.join(unknown)}")
    try:
        config = CloudConfig.from_dict({**current, **body})
    except TypeError as exc:
        raise InvalidControlRequest(str(exc)) from None
    bootstrap.save_config(cloud, config)
    return config.to_dict()
