"""What the migration tests share: the lab (a local Azure with a classic CMG), the
request log, ARM reads with a real token, the CLI as a subprocess, waiting on conditions."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from azure.identity import ClientSecretCredential

from mocks import LocalAzure

SOURCE = "oldcmg"
TARGET = "newcmg"
GROUP = f"{TARGET}-cmg-rg"
VMSS = "Microsoft.Compute/virtualMachineScaleSets"
CLASSIC_SLOT = "Microsoft.ClassicCompute/domainNames/slots"
# --site-confirmed: the admin ran the site runbook (tests of the site phase leave it out).
TARGET_ARGS = ("--self-signed-cert", "--site-code", "PS1", "--site-confirmed",
               "--connection-point", "cp1.contoso.com", "--connection-point", "cp2.contoso.com")  # fmt: skip


@dataclass
class Lab:
    """A fresh local Azure with classic CMG ``oldcmg`` (2 instances, westeurope), reachable
    as the environment row ``lab``; AZURE_* and the management certificate are set."""

    az: LocalAzure
    home: Path
    env: dict[str, str]

    def args(self, *extra: str) -> list[str]:
        """``-e lab -o json migrate --from-classic oldcmg --to newcmg …`` + ``extra``."""
        return ["-e", "lab", "-o", "json", "migrate", "--from-classic", SOURCE, "--to", TARGET,
                *TARGET_ARGS, *extra]  # fmt: skip

    def requests(self) -> list[dict[str, Any]]:
        path = self.az.state_dir / "requests.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def writes(self) -> list[dict[str, Any]]:
        return [r for r in self.requests() if r.get("kind") in ("write", "delete")]

    def classic_deletes(self) -> list[str]:
        return [
            r["path"]
            for r in self.requests()
            if r["method"] == "DELETE" and "/hostedservices/" in r["path"] and r["status"] < 400
        ]

    def faults(self, *targeted: dict[str, Any]) -> None:
        self.az.cloud.faults.set({"targeted": list(targeted)})

    def arm(self, path: str) -> requests.Response:
        """GET an ARM path with the service principal's token (what any client sees)."""
        ident = self.az.identity
        cred = ClientSecretCredential(
            ident.tenant_id, ident.client_id, ident.client_secret, authority=self.az.url,
            connection_verify=self.az.ca_bundle, disable_instance_discovery=True,
        )  # fmt: skip
        token = cred.get_token("https://management.azure.com/.default").token
        sub = ident.subscription_id
        return requests.get(
            f"{self.az.url}/subscriptions/{sub}{path}",
            params={"api-version": "2021-04-01"},
            headers={"Authorization": f"Bearer {token}"},
            verify=self.az.ca_bundle,
            timeout=30,
        )

    def group_tags(self) -> dict[str, str] | None:
        found = self.arm(f"/resourcegroups/{GROUP}")
        return found.json().get("tags", {}) if found.status_code == 200 else None

    def group_resources(self) -> list[dict[str, Any]]:
        return list(self.arm(f"/resourcegroups/{GROUP}/resources").json()["value"])

    def spawn(self, *args: str) -> subprocess.Popen[bytes]:
        """The CLI as its own process (so it can be SIGKILLed)."""
        return subprocess.Popen(
            [sys.executable, "-m", "cmgdeploy", *args],
            env=self.env, cwd=self.home.parent,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip


def wait_for(condition: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll ``condition`` (tiny interval) until it is truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"condition not met within {timeout} s")
