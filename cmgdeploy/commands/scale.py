"""``cmgdeploy scale --instances N``: the same template and inputs, another capacity.

NSG rules, the NAT pool and the connection points' ports follow from the template and
the site rules, exactly as for ``up``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from cmgdeploy.commands.up import load_inputs, up
from cmgdeploy.domain import validate
from cmgdeploy.domain.environments import require_cmg_supported
from cmgdeploy.domain.errors import UsageError
from cmgdeploy.domain.results import CmgStatus
from cmgdeploy.services.context import OpContext
from cmgdeploy.services.spec import load_spec

# The only variable scale reads: a PFX's password is not kept with the inputs.
SECRET_VARS = ("CMGDEPLOY_SERVER_CERT_PASSWORD",)


def scale(
    ctx: OpContext,
    name: str,
    instances: int,
    env: Mapping[str, str] | None = None,
    password_prompt: Callable[[str], str] | None = None,
) -> CmgStatus:
    """Redeploy CMG ``name`` with ``instances`` (1–16) from the inputs ``up`` kept.

    Only the instance count changes: other ``CMGDEPLOY_*`` variables and the config
    file are not read (they would silently change a scaled CMG); the server
    certificate's password comes from CMGDEPLOY_SERVER_CERT_PASSWORD or the prompt."""
    require_cmg_supported(ctx.env)
    validate.instances(instances, "--instances")
    flags = _saved_flags(ctx, name)
    flags["instances"] = instances
    source = env if env is not None else os.environ
    secrets = {k: source[k] for k in SECRET_VARS if k in source}
    spec = load_spec(flags, secrets, None, password_prompt=password_prompt)
    return up(ctx, spec, command="scale")


def _saved_flags(ctx: OpContext, name: str) -> dict[str, Any]:
    saved = load_inputs(ctx.home, name)
    if saved is None or ctx.db.get_service(name) is None:
        raise UsageError(
            f"no CMG named {name} was deployed from this machine",
            hint="deploy it with `cmgdeploy up` first (see `cmgdeploy status --name ...`)",
        )
    saved["environment"] = ctx.env.name
    return {k: v for k, v in saved.items() if v not in (None, [], "")}
