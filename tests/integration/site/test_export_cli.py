"""``site export`` through the real CLI after ``up`` on the local Azure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from certfactory import make_pfx

PASSWORD = "wild-card-pfx-pw"


def test_runbook_of_a_two_instance_cmg_with_a_wildcard_certificate(
    cli: Any, cloud_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pfx = make_pfx(tmp_path / "wildcard.pfx", "*.contoso.com", PASSWORD)
    monkeypatch.setenv("CMGDEPLOY_SERVER_CERT_PASSWORD", PASSWORD)
    up = cli("-e", cloud_env, "up", "--name", "wildcmg", "--region", "westeurope",
             "--instances", "2", "--server-cert", str(pfx), "--site-code", "PS1",
             "--connection-point", "cp1.contoso.com", "--connection-point", "cp2.contoso.com",
             "--management-point", "http://mp1.contoso.com", "--no-enforce-tls12",
             "--content-from-storage", "--yes")  # fmt: skip
    assert up.code == 0, up.err
    assert "Enhanced HTTP" in up.err
    exported = cli("-e", cloud_env, "site", "export", "--format", "powershell")
    assert exported.code == 0, exported.err
    script = exported.out
    new = next(line for line in script.splitlines() if "New-CMCloudManagementGateway " in line)
    for part in ("-ServiceName 'wildcmg.contoso.com'", "-VMInstanceCount 2",
                 "-GroupName 'wildcmg-cmg-rg'", "-Region WestEurope",
                 "-ServiceCertPath ($PSScriptRoot + '\\wildcard.pfx')", "-EnforceProtocol $false",
                 "-EnableCloudDPFunction $true", "-CheckClientCertRevocation $true"):  # fmt: skip
        assert part in new, part
    assert script.count("-CloudManagementGatewayName 'wildcmg.contoso.com'") == 2
    assert "-EnableSsl" not in script and PASSWORD not in script
    shown = cli("-e", cloud_env, "-o", "json", "site", "show")
    assert shown.code == 0, shown.err
