"""Site rules: connection point ports, role planning, warnings, diff, PowerShell export."""

from __future__ import annotations

import pytest

from cmgdeploy.domain.errors import InputError
from cmgdeploy.domain.runbook import Runbook, SiteCmg, ps_quote, render
from cmgdeploy.domain.site_records import CmgService, ConnectionPoint, GatewaySettings
from cmgdeploy.services.site import (
    SiteConfig,
    connection_point_ports,
    plan_site,
    site_diff,
    site_warnings,
)
from cmgdeploy.services.spec import CmgSpec, load_spec


def spec(**flags: object) -> CmgSpec:
    base = {"name": "contosocmg", "region": "westeurope", "site_code": "P01"}
    return load_spec({**base, **flags}, {}, None)


@pytest.mark.parametrize(
    ("instances", "ports"),
    [
        (1, (443,)),
        (2, (10124, 10125)),
        (3, (10124, 10125, 10126)),
        (16, tuple(range(10124, 10140))),
    ],
)
def test_connection_point_ports(instances: int, ports: tuple[int, ...]) -> None:
    assert connection_point_ports(instances) == ports


@pytest.mark.parametrize("bad", [0, 17])
def test_ports_outside_range(bad: int) -> None:
    with pytest.raises(InputError, match="1 to 16"):
        connection_point_ports(bad)


def test_plan_site() -> None:
    plan = plan_site(
        spec(
            instances=3,
            connection_points=["cp1.contoso.com", "cp2.contoso.com"],
            management_points=["mp.contoso.com"],
            software_update_points=["sup.contoso.com", "http://wsus.contoso.com"],
        )
    )
    assert [(p.server, p.ports, p.protocol, p.site_code) for p in plan.connection_points] == [
        ("cp1.contoso.com", (10124, 10125, 10126), "HTTPS", "P01"),
        ("cp2.contoso.com", (10124, 10125, 10126), "HTTPS", "P01"),
    ]
    roles = {(r.role, r.server): (r.https, r.cmg_enabled) for r in plan.site_roles}
    assert roles == {
        ("MP", "mp.contoso.com"): (True, True),
        ("SUP", "sup.contoso.com"): (True, True),
        ("SUP", "wsus.contoso.com"): (False, True),
    }


def test_http_management_point_is_kept_with_an_enhanced_http_warning() -> None:
    http = CmgSpec(
        name="contosocmg",
        region="westeurope",
        resource_group="rg",
        site_code="P01",
        management_points=("http://mp.contoso.com",),
    )
    (role,) = plan_site(http).site_roles
    assert (role.server, role.role, role.https) == ("mp.contoso.com", "MP", False)
    assert any("Enhanced HTTP" in w for w in site_warnings(http))


def test_warnings() -> None:
    assert any(
        "at least 4 connection points" in w
        for w in site_warnings(spec(instances=16, connection_points=["cp.contoso.com"]))
    )
    assert any(
        "high availability" in w
        for w in site_warnings(spec(instances=2, connection_points=["cp.contoso.com"]))
    )
    assert (
        site_warnings(spec(instances=2, connection_points=["a.contoso.com", "b.contoso.com"])) == []
    )
    assert any("no connection point" in w for w in site_warnings(spec()))
    five = spec(instances=5, connection_points=["a.contoso.com"])
    assert any("at least 2 connection points" in w for w in site_warnings(five))


def test_site_diff() -> None:
    current = plan_site(
        spec(
            instances=1,
            connection_points=["cp1.contoso.com", "old.contoso.com"],
            management_points=["mp.contoso.com"],
        )
    )
    desired = plan_site(
        spec(
            instances=2,
            connection_points=["cp1.contoso.com", "new.contoso.com"],
            management_points=["mp.contoso.com"],
        )
    )
    changes = {(c.action, c.key): c for c in site_diff(current, desired)}
    assert set(changes) == {
        ("create", "new.contoso.com"),
        ("modify", "cp1.contoso.com"),
        ("delete", "old.contoso.com"),
    }
    assert changes[("modify", "cp1.contoso.com")].changes == {"ports": ([443], [10124, 10125])}
    assert site_diff(desired, desired) == ()
    assert site_diff(SiteConfig("x"), SiteConfig("x")) == ()


def test_powershell_quoting() -> None:
    assert ps_quote("a'b") == "'a''b'"
    assert ps_quote("$(Remove-Item C:\\)") == "'$(Remove-Item C:\\)'"
    assert ps_quote("x\u2019y") == "'x\u2019\u2019y'"
    svc = CmgService("obrien", "AzurePublicCloud", "westeurope", 1, "Ready")
    gateway = GatewaySettings("obrien", "o'brien.contoso.com")
    point = ConnectionPoint("cp.contoso.com", "P01", "obrien")
    script = render(Runbook(cmgs=(SiteCmg(svc, gateway, points=(point,)),)))
    assert "-CloudManagementGatewayName 'o''brien.contoso.com'" in script
