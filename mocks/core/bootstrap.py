"""First-start bootstrap of a local Azure: PKI, identity, initial provider states.

``ensure(cloud)`` is idempotent and safe when several processes share a state dir:
the identity is created inside one store transaction and then only read.

The identity lives in the store's meta (``identity``); ``endpoint.json`` (mode 0600)
tells clients where the running server is and how to sign in.

Not simulated: more than one tenant or subscription, app registrations other than the
one service principal (public clients for the device-code grant are accepted by id).
"""

from __future__ import annotations

import json
import os
import secrets
import string
import uuid
from pathlib import Path
from typing import Any

from .cloud import Cloud, CloudConfig, Identity
from .pki import Pki, ensure_pki, state_lock, write_private

IDENTITY_KEY = "identity"
CONFIG_KEY = "config"
PROVIDERS = "providers"  # document collection, key "{sub}/{namespace}" (lower-cased)
INITIAL_PROVIDERS = {
    "Microsoft.Resources": "Registered",
    "Microsoft.Compute": "Registered",
    "Microsoft.Network": "Registered",
    "Microsoft.Storage": "Registered",
    "Microsoft.KeyVault": "NotRegistered",
    "Microsoft.ClassicCompute": "NotRegistered",
}
_SECRET_ALPHABET = string.ascii_letters + string.digits + "~._-"
# The first character is alphanumeric: a secret starting with "-" reads as an option
# to argparse-based CLIs (azure-cli expands `-p @file` to `-p -xyz…` and rejects it).
_SECRET_FIRST = string.ascii_letters + string.digits


def ensure(cloud: Cloud) -> Identity:
    """Create PKI and identity on first use, set ``cloud.identity`` and return it."""
    pki = ensure_pki(cloud.state_dir)
    with cloud.store.tx():
        record = cloud.store.meta_get(IDENTITY_KEY)
        if record is None:
            record = _new_identity(pki)
            cloud.store.meta_set(IDENTITY_KEY, record)
            register_initial_providers(cloud, record["subscription_id"])
    cloud.identity = identity_from_record(record)
    _make_store_private(cloud.state_dir)
    return cloud.identity


def _make_store_private(state_dir: Path) -> None:
    # cloud.db holds the client secret (meta "identity"); SQLite creates it with the
    # umask's mode and gives its -wal/-shm files the database file's mode.
    for name in ("cloud.db", "cloud.db-wal", "cloud.db-shm"):
        try:
            os.chmod(state_dir / name, 0o600)
        except FileNotFoundError:
            pass


def new_client_secret(length: int = 40) -> str:
    """A random client secret in Entra's alphabet whose first character is alphanumeric."""
    rest = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(length - 1))
    return secrets.choice(_SECRET_FIRST) + rest


def _new_identity(pki: Pki) -> dict[str, Any]:
    return {
        "tenant_id": str(uuid.uuid4()),
        "subscription_id": str(uuid.uuid4()),
        "client_id": str(uuid.uuid4()),
        "client_secret": new_client_secret(),
        "client_certificate": str(pki.sp_pem),
        "client_certificate_thumbprint": pki.sp_thumbprint,
        "management_certificate": str(pki.management_pem),
        "management_certificate_thumbprint": pki.management_thumbprint,
        # Extra fields (not on Identity): the managed-identity endpoint's shared secret
        # and the object id of the device-code test user.
        "identity_header": secrets.token_urlsafe(24),
        "user_object_id": str(uuid.uuid4()),
    }


def identity_from_record(record: dict[str, Any]) -> Identity:
    fields = Identity.__dataclass_fields__
    return Identity(**{k: v for k, v in record.items() if k in fields})


def identity_record(cloud: Cloud) -> dict[str, Any]:
    """The full identity record, including the extra fields not on :class:`Identity`."""
    record = cloud.store.meta_get(IDENTITY_KEY)
    if record is None:
        raise RuntimeError("the local Azure is not bootstrapped (call bootstrap.ensure)")
    return dict(record)


def register_initial_providers(cloud: Cloud, subscription_id: str) -> None:
    """Provider registrations a new subscription starts with (some NotRegistered)."""
    for namespace, state in INITIAL_PROVIDERS.items():
        key = f"{subscription_id}/{namespace}"
        if cloud.store.doc_get(PROVIDERS, key) is None:
            cloud.store.doc_put(
                PROVIDERS, key, {"namespace": namespace, "registrationState": state}
            )


def save_config(cloud: Cloud, config: CloudConfig) -> None:
    """Persist the base configuration so every process on this state dir agrees."""
    cloud.store.meta_set(CONFIG_KEY, config.to_dict())
    refresh_config(cloud)


def load_config(cloud: Cloud) -> CloudConfig:
    """The persisted base configuration (defaults if none was saved)."""
    return CloudConfig.from_dict(cloud.store.meta_get(CONFIG_KEY) or {})


def refresh_config(cloud: Cloud) -> CloudConfig:
    """Re-read the base configuration, lay this run's own settings over it
    (``cloud.run_config``), then the faults' overrides: the result is ``cloud.config``."""
    base = load_config(cloud)
    if cloud.run_config:
        base = CloudConfig.from_dict({**base.to_dict(), **cloud.run_config})
    cloud.config = cloud.faults.overlay(base)
    return cloud.config


def endpoint_info(cloud: Cloud, url: str, pid: int, *, embedded: bool = False) -> dict[str, Any]:
    """What ``endpoint.json`` says about a server. ``embedded``: the server lives only
    for one command of the process ``pid`` (cmgdeploy's in-process local Azure), so
    other processes must not adopt it."""
    record = identity_record(cloud)
    return {
        "url": url,
        "ca_bundle": str(cloud.state_dir / "ca.pem"),
        "tenant_id": record["tenant_id"],
        "subscription_id": record["subscription_id"],
        "client_id": record["client_id"],
        "client_secret": record["client_secret"],
        "client_certificate": record["client_certificate"],
        "client_certificate_pfx": str(cloud.state_dir / "sp.pfx"),
        "management_certificate": record["management_certificate"],
        "identity_endpoint": f"{url}/msi/token",
        "prices": f"{url}/api/retail/prices",
        "service_endpoints": f"{url}/_localazure/service-endpoints",
        "identity_header": record["identity_header"],
        # The Blob service (path-style: {blob_url}/{account}/…) and Microsoft Graph
        # (same server as ARM: {graph_url}/v1.0/…).
        "blob_url": cloud.blob_url,
        "graph_url": url,
        "pid": pid,
        "embedded": embedded,
        # This server's own settings (``serve`` flags), which end with it.
        "run_settings": dict(cloud.run_config),
    }


def write_endpoint(
    cloud: Cloud, url: str, pid: int | None = None, *, embedded: bool = False
) -> Path:
    """Write ``endpoint.json`` (0600: it holds the client secret) for a running server.

    A server already named there and still alive is remembered under ``"others"``, so
    when the newer one stops, the file names the older one again (several servers may
    serve one state dir).
    """
    path = cloud.state_dir / "endpoint.json"
    info = endpoint_info(cloud, url, os.getpid() if pid is None else pid, embedded=embedded)
    with state_lock(cloud.state_dir, "endpoint"):
        old = _read_json(path)
        others = _live([_server_of(old), *old.get("others", [])] if old else [])
        info["others"] = [o for o in others if o != _server_of(info)]
        write_private(path, json.dumps(info, indent=2).encode())
    return path


def mark_stopped(state_dir: Path, pid: int, url: str | None = None) -> None:
    """This server (``pid``, and ``url`` when given) stopped: drop it from
    ``endpoint.json``; name another live server there if one is left, else no pid."""
    path = Path(state_dir) / "endpoint.json"
    with state_lock(state_dir, "endpoint"):
        info = _read_json(path)
        if not info:
            return
        me = _key({"url": url or info.get("url"), "pid": pid})
        others = [o for o in _live(info.get("others", [])) if _key(o) != me]
        if _key(_server_of(info)) == me:
            gone = {"url": info["url"], "pid": None, "embedded": False, "run_settings": {}}
            info = _named(info, others[0] if others else gone)
            others = others[1:]
        info["others"] = others
        write_private(path, json.dumps(info, indent=2).encode())


def _read_json(path: Path) -> dict[str, Any]:
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def _server_of(info: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": info.get("url"),
        "pid": info.get("pid"),
        "embedded": bool(info.get("embedded")),
        "run_settings": dict(info.get("run_settings") or {}),
    }


def _key(server: dict[str, Any]) -> tuple[Any, Any]:
    """Which server an entry names (its url and pid; ``embedded`` is only about it)."""
    return server.get("url"), server.get("pid")


def _live(servers: list[Any]) -> list[dict[str, Any]]:
    """The servers (``{"url", "pid", "embedded"}``) of ``servers`` whose process is alive."""
    return [
        _server_of(s)
        for s in servers
        if isinstance(s, dict) and isinstance(s.get("pid"), int) and _alive(s["pid"])
    ]


def _named(info: dict[str, Any], server: dict[str, Any]) -> dict[str, Any]:
    """``info`` pointing at another server of the same state dir (same identity)."""
    return {
        **info,
        **server,
        "identity_endpoint": f"{server['url']}/msi/token",
        "graph_url": server["url"],
    }


def read_endpoint(state_dir: Path) -> dict[str, Any] | None:
    """``endpoint.json`` if a server process named in it is alive, else None."""
    try:
        info = json.loads((Path(state_dir) / "endpoint.json").read_text())
    except (OSError, ValueError):
        return None
    pid = info.get("pid")
    if not isinstance(pid, int) or not _alive(pid):
        return None
    return dict(info)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
