"""The target spec of ``migrate``: the spec options, with the source's values as defaults.

``migrate`` learns the source's region, instance count and VM size only after it has
found the source, and keeps the first run's target spec (``spec_inputs``); those apply
where the admin set nothing (no flag, no ``CMGDEPLOY_*`` variable, no config file key),
so an explicit setting always wins.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from cmgdeploy.services.config import resolve
from cmgdeploy.services.spec import CmgSpec, PasswordPrompt, load_spec

# load(defaults, require_region) -> the target CmgSpec (what MigrateRequest.load_spec is).
TargetLoader = Callable[[dict[str, Any], bool], CmgSpec]
CERT_KEYS = ("server_cert", "self_signed_cert")


def spec_inputs(spec: CmgSpec) -> dict[str, Any]:
    """The target spec as the settings that rebuild it (no secret: paths, not contents),
    kept in the site database so later migrate runs need no spec options."""
    values: dict[str, Any] = {
        "region": spec.region,
        "resource_group": spec.resource_group,
        "subscription": spec.subscription,
        "vm_size": spec.vm_size,
        "instances": spec.instances,
        "server_cert": str(spec.server_cert) if spec.server_cert else None,
        "self_signed_cert": spec.self_signed_cert or None,
        "trusted_cas": [str(p) for p in spec.trusted_cas],
        "verify_client_revocation": spec.verify_client_revocation,
        "enforce_tls12": spec.enforce_tls12,
        "content_from_storage": spec.content_from_storage,
        "site_code": spec.site_code,
        "connection_points": list(spec.connection_points),
        "management_points": list(spec.management_points),
        "software_update_points": list(spec.software_update_points),
        "tags": dict(spec.tags),
    }
    return {k: v for k, v in values.items() if v not in (None, [], {})}


def target_spec_loader(
    flags: Mapping[str, Any],
    config: Any,
    *,
    name: str | None,
    environment: str,
    password_prompt: PasswordPrompt | None = None,
    env: Mapping[str, str] = os.environ,
) -> TargetLoader:
    """``load(defaults, require_region)``: the target spec named ``name``; ``defaults``
    (the source's region, instances, size) apply only where nothing else is set."""

    def load(defaults: dict[str, Any], require_region: bool) -> CmgSpec:
        merged = dict(flags)
        cert_given = any(resolve(k, flags, env, config).source != "default" for k in CERT_KEYS)
        for key, value in defaults.items():
            if cert_given and key in CERT_KEYS:
                continue  # a certificate given now replaces the kept choice, both keys
            if resolve(key, flags, env, config).source == "default":
                merged[key] = value
        merged["name"] = name
        merged["environment"] = environment
        return load_spec(
            merged, env, config, require_region=require_region, password_prompt=password_prompt
        )

    return load
