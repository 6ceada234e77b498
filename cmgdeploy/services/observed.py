"""The site database follows Azure: what a read of a CMG learned is written back.

Every command that reads a CMG's live state (``status``, ``status --watch``, ``up``
attaching or not waiting, ``scale``) passes the status here. Only a CMG that already
has a site row, in the environment of this run, is written: state and fqdn always;
instances and the connection points' ports only once the CMG is Ready (while a
deployment runs, the scale set may still show the old capacity, and the site records
already describe the intended one). Nothing is written when nothing changed.
"""

from __future__ import annotations

from cmgdeploy.domain.results import CmgStatus
from cmgdeploy.services.context import OpContext
from cmgdeploy.services.site import connection_point_ports


def record_status(ctx: OpContext, status: CmgStatus) -> None:
    """Write what ``status`` shows about its CMG into the site database (see module)."""
    svc = ctx.db.get_service(status.name)
    if svc is None or svc.kind != "arm" or svc.environment != ctx.env.name:
        return
    if status.state == "NotFound":
        return  # nothing was read: the row stays as the last run left it
    fqdn = status.fqdn or svc.fqdn
    instances = ports = None
    if status.state == "Ready" and status.instances:
        instances, ports = status.instances, connection_point_ports(status.instances)
    points = ctx.db.list_connection_points(status.name)
    same_ports = ports is None or all(p.ports == ports for p in points)
    same_row = (svc.state, svc.fqdn) == (status.state, fqdn) and instances in (None, svc.instances)
    if same_row and same_ports:
        return
    ctx.db.record_observed(
        status.name, ctx.env.name, state=status.state, fqdn=fqdn, instances=instances, ports=ports
    )
