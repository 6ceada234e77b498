"""What the reliability tests share: a lab environment and ArmSession on a local Azure,
and a tiny scripted HTTP server for answers the local Azure never gives."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from clifixtures import write_dsc_package

from cmgdeploy.services.azure.arm import ArmSession
from cmgdeploy.services.azure.auth import make_credential
from mocks import LocalAzure
from mocks.core import requestlog


@dataclass(frozen=True)
class LabEnvironment:
    """An environment (EnvironmentLike) pointing at one local Azure."""

    authority: str
    resource_manager: str
    audience: str
    ca_bundle: str
    name: str = "lab"
    instance_discovery: bool = False


@dataclass(frozen=True)
class SecretAuth:
    """Sign-in settings as config.AuthSettings has them (secret method)."""

    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)
    method: str = "secret"
    effective_method: str = "secret"
    client_certificate: str | None = None
    client_certificate_password: str | None = None


def lab_environment(az: LocalAzure) -> LabEnvironment:
    return LabEnvironment(az.url, az.url + "/", az.url + "/", str(az.ca_bundle))


def arm_session(az: LocalAzure, credential: Any = None) -> ArmSession:
    """An ArmSession on the local Azure's subscription, signed in with its SP's secret."""
    env = lab_environment(az)
    ident = az.identity
    auth = SecretAuth(ident.tenant_id, ident.client_id, ident.client_secret)
    cred = credential or make_credential(env, auth)
    return ArmSession(env, cred, ident.subscription_id)


@dataclass
class Scripted:
    """A plain-HTTP server on 127.0.0.1 answering from a script: (status, headers)."""

    script: list[tuple[int, dict[str, str]]]
    hits: list[tuple[float, str, str]] = field(default_factory=list)  # (monotonic, method, path)
    url: str = ""

    def next_answer(self) -> tuple[int, dict[str, str]]:
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]


def handler_for(scripted: Scripted) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            scripted.hits.append((time.monotonic(), self.command, self.path))
            status, headers = scripted.next_answer()
            body = b'{"error": {"code": "Scripted%d", "message": "scripted"}}' % status
            self.send_response(status)
            for key, value in {**headers, "Content-Type": "application/json"}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_POST = do_DELETE = _answer

        def log_message(self, *args: Any) -> None:
            return None

    return Handler


# -- the CLI as a subprocess (signals need a process of its own) ----------------------------
UP_ARGS = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1",
           "--connection-point", "cp1.contoso.com", "--management-point", "mp1.contoso.com",
           "--yes")  # fmt: skip
VMSS_TYPE = "Microsoft.Compute/virtualMachineScaleSets"


@dataclass
class CliLab:
    """A CMGDEPLOY_HOME with an environment row ``lab`` for one running local Azure."""

    az: LocalAzure
    home: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        ident = self.az.identity
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("CMGDEPLOY_", "AZURE_"))}
        # A site's DSC package, as an environment other than `local` requires.
        package = self.home.parent / "cmgdsc.zip"
        if not package.exists():
            write_dsc_package(package)
        return {**keep, "CMGDEPLOY_HOME": str(self.home), "AZURE_TENANT_ID": ident.tenant_id,
                "AZURE_CLIENT_ID": ident.client_id, "AZURE_CLIENT_SECRET": ident.client_secret,
                "CMGDEPLOY_CMG_PACKAGE": str(package), "NO_COLOR": "1",
                **self.extra_env}  # fmt: skip

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "cmgdeploy", "-e", "lab", *args]

    def run(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(*args), env=self.env(), capture_output=True, text=True,
                              timeout=timeout, check=False)  # fmt: skip

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(self.argv(*args), env=self.env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip

    def wait_for_request(
        self, operation: str, method: str = "PUT", timeout: float = 60, skip: str = "-storage"
    ) -> None:
        """Until the local Azure has logged ``method`` of route ``operation`` (not on a
        path ending in ``skip``: by default the CMG's deployment, not its storage stage)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for entry in requestlog.read(self.az.state_dir):
                if entry["operation"] == operation and entry["method"] == method:
                    if skip and str(entry.get("path", "")).endswith(skip):
                        continue
                    return
            time.sleep(0.05)
        raise AssertionError(f"no {method} {operation} within {timeout} s")


def cli_lab(az: LocalAzure, home: Path) -> CliLab:
    lab = CliLab(az, home)
    done = lab.run("environments", "add", "lab", "--authority", az.url, "--resource-manager",
                   az.url + "/", "--ca-bundle", str(az.ca_bundle), "--no-instance-discovery")  # fmt: skip
    assert done.returncode == 0, done.stderr
    return lab


def slow_vmss(seconds: float) -> dict[str, Any]:
    return {"targeted": [{"kind": "slow", "type": VMSS_TYPE, "seconds": seconds}]}
