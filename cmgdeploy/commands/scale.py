"""``cmgdeploy scale --instances N``: the same template and inputs, another capacity.

NSG rules, the NAT pool and the connection points' ports follow from the template and
the site rules, exactly as for ``up``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cmgdeploy.commands.up import load_inputs, up
from cmgdeploy.domain import validate
from cmgdeploy.domain.environments import require_cmg_supported
from cmgdeploy.domain.errors import UsageError
from cmgdeploy.domain.results import CmgStatus
from cmgdeploy.services.config import settings_of
from cmgdeploy.services.context import OpContext
from cmgdeploy.services.spec import spec_from


def scale(
    ctx: OpContext,
    name: str,
    instances: int,
    server_cert_password: str | None = None,
    password_prompt: Callable[[str], str] | None = None,
) -> CmgStatus:
    """Redeploy CMG ``name`` with ``instances`` (1–16) from the inputs ``up`` kept.

    Only the instance count changes: other ``CMGDEPLOY_*`` variables and the config
    file play no part (they would silently change a scaled CMG); the server
    certificate's password is given (the CLI reads CMGDEPLOY_SERVER_CERT_PASSWORD, a
    PFX's password is not kept with the inputs) or asked for with the prompt."""
    require_cmg_supported(ctx.env)
    validate.instances(instances, "--instances")
    flags = _saved_flags(ctx, name)
    flags["instances"] = instances
    secrets = {"server_cert_password": server_cert_password}
    spec = spec_from(settings_of(flags, secrets), password_prompt=password_prompt)
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
