"""``cmgdeploy scale --instances N``: the same template and inputs, another capacity.

NSG rules, the NAT pool and the connection points' ports follow from the template and
the site rules, exactly as for ``up``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .. import validate
from ..errors import UsageError
from ..results import CmgStatus
from ..spec import load_spec
from .context import OpContext
from .up import load_inputs, up


def scale(
    ctx: OpContext, name: str, instances: int, env: Mapping[str, str] | None = None
) -> CmgStatus:
    """Redeploy CMG ``name`` with ``instances`` (1–16) from the inputs ``up`` kept."""
    validate.instances(instances, "--instances")
    flags = _saved_flags(ctx, name)
    flags["instances"] = instances
    spec = load_spec(flags, dict(env if env is not None else os.environ), None)
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
