"""The target spec of ``migrate``: the spec options, with the source's values as defaults.

``migrate`` learns the source's region, instance count and VM size only after it has
found the source; those apply where the admin set nothing (no flag, no ``CMGDEPLOY_*``
variable, no config file key), so an explicit setting always wins.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from ..config import resolve
from ..spec import CmgSpec, PasswordPrompt, load_spec

# load(defaults, require_region) -> the target CmgSpec (what MigrateRequest.load_spec is).
TargetLoader = Callable[[dict[str, Any], bool], CmgSpec]


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
        for key, value in defaults.items():
            if resolve(key, flags, env, config).source == "default":
                merged[key] = value
        merged["name"] = name
        merged["environment"] = environment
        return load_spec(
            merged, env, config, require_region=require_region, password_prompt=password_prompt
        )

    return load
