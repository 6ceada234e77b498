"""The target spec of ``migrate``: the spec options, with the source's values as defaults.

``migrate`` learns the source's region, instance count and VM size only after it has
found the source, and keeps the first run's target spec (``spec_inputs``); those apply
where the admin set nothing (no flag, no ``CMGDEPLOY_*`` variable, no config file key),
so an explicit setting always wins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cmgdeploy.domain import settings as table
from cmgdeploy.services.config import Settings
from cmgdeploy.services.spec import CmgSpec, PasswordPrompt, spec_from

# load(defaults, require_region) -> the target CmgSpec (what MigrateRequest.load_spec is).
TargetLoader = Callable[[dict[str, Any], bool], CmgSpec]
CERT_KEYS = ("server_cert", "self_signed_cert")


def spec_inputs(spec: CmgSpec) -> dict[str, Any]:
    """The target spec as the settings that rebuild it (no secret: paths, not contents),
    kept in the site database so later migrate runs need no spec options: every spec
    setting of the table but the name and the environment."""
    return table.kept_inputs(spec)


def target_spec_loader(
    settings: Settings,
    *,
    name: str | None,
    password_prompt: PasswordPrompt | None = None,
) -> TargetLoader:
    """``load(defaults, require_region)``: the target spec named ``name`` from the
    resolved ``settings`` (their environment is the run's); ``defaults`` (the source's
    region, instances, size, or the kept spec) apply only where nothing else is set."""
    cert_given = any(settings.get(k).given for k in CERT_KEYS)

    def load(defaults: dict[str, Any], require_region: bool) -> CmgSpec:
        # A certificate given now replaces the kept choice, both keys.
        kept = {k: v for k, v in defaults.items() if not (cert_given and k in CERT_KEYS)}
        merged = settings.with_defaults(kept).with_flags({"name": name})
        return spec_from(merged, require_region=require_region, password_prompt=password_prompt)

    return load
