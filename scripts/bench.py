"""Measure cmgdeploy side by side with the Azure CLI on one local Azure.

usage: .venv/bin/python scripts/bench.py [--vs-az] [--repeat 5] [--parallel 8] [--json FILE]

Starts one local Azure (``python -m mocks serve``, default settings), then runs each
measure ``--repeat`` times, alternating cmgdeploy and az (the order swaps each round),
and prints the medians: wall time, requests the server logged, peak memory (max RSS of
the process, or of the largest of the az processes a measure runs), and the ratio
cmgdeploy / az. Without ``--vs-az`` only the cmgdeploy column is measured.

The Azure CLI is the unmodified ``azure-cli`` in its own virtualenv (``.venv-azcli``,
created on first use, as ``scripts/az-cli-e2e.sh`` does; ``AZCLI_VENV`` overrides),
registered as a custom cloud, signed in once with the local Azure's service principal
(its token cache then serves every az command; cmgdeploy signs in on every run, and
its requests include that sign-in). Both deploy the same template
(``arm_templates/cmg.json``); az gets a parameters file made by
``tests/azcli/make_parameters.py``'s functions (an empty package SAS unless the measure
uploads the package).

Measures (az equivalent in brackets):
  --help                       [az --help]
  up/status/scale/down --help  [az deployment group create/show --help, az vmss scale --help,
                                az group delete --help]
  fresh deploy                 [az group create + az deployment group create]
  fresh deploy, same job       [az group create, the storage stage (deployment group create
                                of the template's storage account alone), storage account
                                keys list, storage container create, storage blob upload of
                                the DSC package (account key, --blob-endpoint of the local
                                Blob service), storage blob generate-sas, then deployment
                                group create with that SAS]
  no-change re-run             [az deployment group create, same parameters]
  status                       [az deployment group show + vmss show + vmss get-instance-view
                                + network public-ip show]
  scale 1 -> 3                 [az deployment group create with instanceCount 3]
  N deploys in parallel / one  [cmgdeploy fleet up: N CMGs in one run; az: N concurrent processes]

Not a test: the numbers depend on the machine and its load (use medians of several
rounds). ``docs/PERFORMANCE.md`` holds a run's output and how to reproduce it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "azcli"))

from mocks.core import requestlog  # noqa: E402

AZ_VERSION = os.environ.get("AZCLI_VERSION", "2.91.0")
REGION = "westeurope"
CMGDEPLOY = str(Path(sys.executable).with_name("cmgdeploy"))
UP_FLAGS = [
    "--region",
    REGION,
    "--self-signed-cert",
    "--site-code",
    "PS1",
    "--connection-point",
    "cp1.contoso.com",
    "--management-point",
    "mp1.contoso.com",
    "--yes",
]


@dataclass
class Run:
    """One process (or a group of processes counted as one measure)."""

    seconds: float
    requests: int
    peak_kib: int
    ok: bool
    detail: str = ""


@dataclass
class Measure:
    name: str
    ours: list[Run] = field(default_factory=list)
    theirs: list[Run] = field(default_factory=list)
    note: str = ""


# -- processes ---------------------------------------------------------------------------
def run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, int, int, str]:
    """(wall seconds, exit code, the child's own peak RSS in KiB from ``wait4``, output tail)."""
    seconds, code, kib, out, err = run_child(argv, env)
    return seconds, code, kib, (out + err)[-800:]


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, int, int, str, str]:
    """(wall seconds, exit code, peak RSS in KiB from ``wait4``, stdout, stderr)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    # Read the pipes on threads so a chatty child never blocks; reap with wait4 for rusage.
    import threading

    chunks: dict[int, bytes] = {}

    def drain(index: int, stream: Any) -> None:
        chunks[index] = stream.read()

    streams = (proc.stdout, proc.stderr)
    readers = [threading.Thread(target=drain, args=(i, s)) for i, s in enumerate(streams)]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    for reader in readers:
        reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = (chunks.get(i, b"").decode(errors="replace") for i in (0, 1))
    return seconds, proc.returncode, int(usage.ru_maxrss), out, err


class Server:
    """One local Azure in its own process; counts the requests each measure makes."""

    def __init__(self, work: Path) -> None:
        self.state = work / "state"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mocks", "serve", "--state-dir", str(self.state), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode()
        found = re.search(r"https://[^ /\s]+", line)
        if not found:
            self.stop()
            raise SystemExit(f"the local Azure did not start: {line!r}")
        self.url = found.group(0)
        self.endpoint = json.loads((self.state / "endpoint.json").read_text())

    def mark(self) -> int:
        return len(requestlog.read(self.state))

    def since(self, mark: int) -> list[dict[str, Any]]:
        return requestlog.read(self.state, mark)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def measured(server: Server, commands: list[tuple[list[str], dict[str, str]]]) -> Run:
    """Run ``commands`` one after another as one measure."""
    mark = server.mark()
    total, peak, ok, detail = 0.0, 0, True, ""
    for argv, env in commands:
        seconds, code, kib, text = run_measured(argv, env)
        total += seconds
        peak = max(peak, kib)
        if code != 0:
            ok, detail = False, f"{' '.join(argv[:4])}… exit {code}: {text}"
    return Run(total, len(server.since(mark)), peak, ok, detail)


Script = list[Any]  # steps: (argv, env) or a callable(outputs so far) -> (argv, env)


def measured_script(server: Server, steps: Script) -> Run:
    """Run ``steps`` one after another as one measure; a callable step gets the stdout of
    the steps before it (e.g. a key or a SAS that a later command needs)."""
    mark = server.mark()
    total, peak, ok, detail = 0.0, 0, True, ""
    outputs: list[str] = []
    for step in steps:
        argv, env = step(outputs) if callable(step) else step
        seconds, code, kib, out, err = run_child(argv, env)
        total += seconds
        peak = max(peak, kib)
        outputs.append(out.strip())
        if code != 0:
            ok, detail = False, f"{' '.join(argv[:4])}… exit {code}: {err[-800:]}"
            break
    return Run(total, len(server.since(mark)), peak, ok, detail)


def parallel(server: Server, commands: list[tuple[list[str], dict[str, str]]]) -> Run:
    """Start ``commands`` at once; the measure ends when the last one does."""
    mark = server.mark()
    started = time.perf_counter()
    procs = [
        subprocess.Popen(a, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for a, e in commands
    ]
    outs = [p.communicate() for p in procs]
    seconds = time.perf_counter() - started
    bad = [
        (p.returncode, o[1].decode(errors="replace")[-400:])
        for p, o in zip(procs, outs, strict=True)
        if p.returncode
    ]
    return Run(seconds, len(server.since(mark)), 0, not bad, str(bad[:1]))


# -- the two tools -----------------------------------------------------------------------
class Cmgdeploy:
    def __init__(self, server: Server, work: Path) -> None:
        ep = server.endpoint
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("CMGDEPLOY_", "AZURE_"))}
        self.env = {
            **keep,
            "CMGDEPLOY_HOME": str(work / "cmgdeploy-home"),
            "NO_COLOR": "1",
            "AZURE_TENANT_ID": ep["tenant_id"],
            "AZURE_CLIENT_ID": ep["client_id"],
            "AZURE_CLIENT_SECRET": ep["client_secret"],
        }
        self.env["CMGDEPLOY_CMG_PACKAGE"] = str(dsc_package(work))
        self.subscription = ep["subscription_id"]
        add = [
            CMGDEPLOY,
            "environments",
            "add",
            "lab",
            "--authority",
            server.url,
            "--resource-manager",
            server.url + "/",
            "--ca-bundle",
            ep["ca_bundle"],
            "--no-instance-discovery",
        ]
        subprocess.run(add, env=self.env, check=True, capture_output=True)

    def cmd(self, *args: str) -> tuple[list[str], dict[str, str]]:
        return [CMGDEPLOY, "-e", "lab", *args], self.env

    def up(self, name: str) -> tuple[list[str], dict[str, str]]:
        return self.cmd("up", "--name", name, "--subscription", self.subscription, *UP_FLAGS)


class AzureCli:
    def __init__(self, server: Server, work: Path, venv: Path) -> None:
        self.az = str(ensure_azure_cli(venv))
        self.work = work
        ep = server.endpoint
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "CMGDEPLOY_"))}
        self.env = {
            **keep,
            "AZURE_CONFIG_DIR": str(work / "azconfig"),
            "REQUESTS_CA_BUNDLE": ep["ca_bundle"],
            "AZURE_CORE_COLLECT_TELEMETRY": "false",
            "AZURE_CORE_INSTANCE_DISCOVERY": "false",
            "AZURE_CORE_SURVEY_MESSAGE": "false",
            "AZURE_CORE_NO_COLOR": "true",
            "AZURE_CORE_ONLY_SHOW_ERRORS": "true",
        }
        secret = work / "sp-secret"
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, ep["client_secret"].encode())
        os.close(fd)
        for args in (
            [
                "cloud",
                "register",
                "-n",
                "LocalAzure",
                "--skip-endpoint-discovery",
                "--endpoint-resource-manager",
                server.url + "/",
                "--endpoint-active-directory",
                server.url,
                "--endpoint-active-directory-resource-id",
                "https://management.core.windows.net/",
            ],
            ["cloud", "set", "-n", "LocalAzure"],
            [
                "login",
                "--service-principal",
                "-u",
                ep["client_id"],
                f"--password=@{secret}",
                "--tenant",
                ep["tenant_id"],
            ],
        ):
            done = subprocess.run([self.az, *args], env=self.env, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"az {' '.join(args[:2])} failed: {done.stderr[-500:]}")
        secret.unlink()
        self.template = str(ROOT / "arm_templates" / "cmg.json")

    def cmd(self, *args: str) -> tuple[list[str], dict[str, str]]:
        return [self.az, *args, "-o", "none"], self.env

    def parameters(self, name: str, instances: int) -> str:
        """A parameters file for CMG ``name`` (made once per name; the capacity varies)."""
        import make_parameters as mp

        keep = self.work / f"{name}.values.json"
        if keep.exists():
            values = json.loads(keep.read_text())
        else:
            values = mp.generated_values(REGION, self.work, name)
            mp.write_private(keep, json.dumps(values).encode())
        values["instanceCount"] = instances
        values |= mp.dsc_values(dsc_package(self.work))  # an empty SAS: nothing uploaded
        path = self.work / f"{name}.{instances}.parameters.json"
        mp.write_parameters(path, mp.cmg_parameters(values, Path(self.template)))
        return str(path)

    def deploy(self, name: str, instances: int) -> tuple[list[str], dict[str, str]]:
        return self.cmd(
            "deployment",
            "group",
            "create",
            "-g",
            f"{name}-rg",
            "-n",
            name,
            "--template-file",
            self.template,
            "--parameters",
            f"@{self.parameters(name, instances)}",
        )

    def same_job(self, name: str, blob_url: str) -> Script:
        """What a fresh ``up`` does, with az: the group, the template's storage account
        alone (the same stage template cmgdeploy deploys), the account key, the package
        container, the DSC package upload (account key in ``AZURE_STORAGE_KEY``, the local
        Blob service as ``--blob-endpoint``), a read-only SAS for it valid a year, then the
        CMG deployment with that SAS."""
        from cmgdeploy.services.template import load_template, storage_stage

        rg = f"{name}-rg"
        full = self.parameters(name, 1)
        stage = storage_stage(load_template(Path(self.template)))
        stage_file = self.work / f"{name}.storage.json"
        stage_file.write_text(json.dumps(stage.body))
        params = json.loads(Path(full).read_text())
        stage_params = {k: v for k, v in params["parameters"].items() if k in stage.declared}
        stage_params_file = self.work / f"{name}.storage.parameters.json"
        doc = {"contentVersion": "1.0.0.0", "parameters": stage_params}
        stage_params_file.write_text(json.dumps(doc))
        endpoint = f"{blob_url}/{name}"
        package = str(dsc_package(self.work))
        expiry = (dt.datetime.now(dt.UTC) + dt.timedelta(days=365)).strftime("%Y-%m-%dT%H:%MZ")
        where = ["--blob-endpoint", endpoint, "--container-name", "cmgdsc"]

        def with_key(outputs: list[str]) -> dict[str, str]:
            return {**self.env, "AZURE_STORAGE_KEY": outputs[2]}

        def cmg(outputs: list[str]) -> tuple[list[str], dict[str, str]]:
            document = json.loads(Path(full).read_text())
            document["parameters"]["dscPackageSasToken"] = {"value": outputs[5]}
            path = self.work / f"{name}.sas.parameters.json"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, json.dumps(document).encode())
            os.close(fd)
            return self.cmd(
                "deployment", "group", "create", "-g", rg, "-n", name,
                "--template-file", self.template, "--parameters", f"@{path}",
            )  # fmt: skip

        stage_deploy = self.cmd(
            "deployment", "group", "create", "-g", rg, "-n", f"{name}-storage",
            "--template-file", str(stage_file), "--parameters", f"@{stage_params_file}",
        )  # fmt: skip
        key = [self.az, "storage", "account", "keys", "list", "-g", rg, "-n", name,
               "--query", "[0].value", "-o", "tsv"]  # fmt: skip
        container = self.cmd("storage", "container", "create", "-n", "cmgdsc",
                             "--blob-endpoint", endpoint)[0]  # fmt: skip
        upload = self.cmd("storage", "blob", "upload", *where, "--name", "cmgdsc.zip",
                          "--file", package, "--overwrite")[0]  # fmt: skip
        sas = [self.az, "storage", "blob", "generate-sas", *where, "--name", "cmgdsc.zip",
               "--permissions", "r", "--expiry", expiry, "--https-only", "-o", "tsv"]  # fmt: skip
        return [
            self.group(name),
            stage_deploy,
            (key, self.env),
            lambda o: (container, with_key(o)),
            lambda o: (upload, with_key(o)),
            lambda o: (sas, with_key(o)),
            cmg,
        ]

    def group(self, name: str) -> tuple[list[str], dict[str, str]]:
        return self.cmd("group", "create", "-n", f"{name}-rg", "-l", REGION)

    def status(self, name: str) -> list[tuple[list[str], dict[str, str]]]:
        rg = f"{name}-rg"
        return [
            self.cmd("deployment", "group", "show", "-g", rg, "-n", name),
            self.cmd("vmss", "show", "-g", rg, "-n", name),
            self.cmd("vmss", "get-instance-view", "-g", rg, "-n", name),
            self.cmd("network", "public-ip", "show", "-g", rg, "-n", f"{name}-pip"),
        ]


DSC_CONFIGURATION = "CmgSite"


def dsc_package(work: Path) -> Path:
    """A DSC package shaped like a site's cmgdsc.zip (one configuration script), the same
    file for both tools."""
    path = work / "cmgdsc.zip"
    if not path.exists():
        with zipfile.ZipFile(path, "w") as archive:
            script = f"Configuration {DSC_CONFIGURATION}\n{{\n}}\n"
            archive.writestr(f"{DSC_CONFIGURATION}.ps1", script)
    return path


def ensure_azure_cli(venv: Path) -> Path:
    az = venv / "bin" / "az"
    if not az.exists():
        print(f"installing azure-cli {AZ_VERSION} into {venv} (once)…", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", f"azure-cli=={AZ_VERSION}"],
            check=True,
        )
    return az


# -- measures ----------------------------------------------------------------------------
def alternate(rounds: int) -> Iterator[tuple[int, bool]]:
    """(round, cmgdeploy first?) — the order swaps every round."""
    for i in range(rounds):
        yield i, i % 2 == 0


Step = Any  # a callable giving one Run, or None (az not measured)


def both(m: Measure, first_ours: bool, ours: Step, theirs: Step) -> None:
    steps = [(m.ours, ours), (m.theirs, theirs)]
    for bucket, fn in steps if first_ours else reversed(steps):
        if fn is not None:
            bucket.append(fn())


def server_deployment_seconds(server: Server, name: str) -> float | None:
    """The server's own duration of the newest deployment in CMG ``name``'s group."""
    sub = server.endpoint["subscription_id"]
    group = f"/subscriptions/{sub}/resourcegroups/{name}-cmg-rg"
    path = f"{group}/providers/Microsoft.Resources/deployments"
    try:
        deployments = _arm_get(server, path).get("value") or []
    except urllib.error.HTTPError:  # the deployment failed before its group existed
        return None
    if not deployments:
        return None
    newest = max(deployments, key=lambda d: str(d["properties"].get("timestamp")))
    found = re.fullmatch(r"PT(?:(\d+)M)?([\d.]+)S", str(newest["properties"].get("duration")))
    if not found:
        return None
    return int(found.group(1) or 0) * 60 + float(found.group(2))


def _arm_get(server: Server, path: str) -> dict[str, Any]:
    """A GET on the local Azure with a token of its service principal (for the bench's
    own bookkeeping; not counted: marks are taken around each measure)."""
    import ssl
    import urllib.parse
    import urllib.request

    ep = server.endpoint
    ctx = ssl.create_default_context(cafile=ep["ca_bundle"])
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": ep["client_id"],
            "client_secret": ep["client_secret"],
            "scope": "https://management.core.windows.net/.default",
        }
    )
    token_url = f"{server.url}/{ep['tenant_id']}/oauth2/v2.0/token"
    with urllib.request.urlopen(token_url, form.encode(), context=ctx) as answer:
        token = json.loads(answer.read())["access_token"]
    request = urllib.request.Request(
        f"{server.url}{path}?api-version=2021-04-01", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, context=ctx) as answer:
        return dict(json.loads(answer.read()))


def write_fleet(work: Path, names: list[str], subscription: str) -> Path:
    lines = [
        "[defaults]",
        f'region = "{REGION}"',
        "self_signed_cert = true",
        'site_code = "PS1"',
        'connection_points = ["cp1.contoso.com"]',
        'management_points = ["mp1.contoso.com"]',
        f'subscription = "{subscription}"',
        "",
    ]
    for name in names:
        lines += ["[[cmg]]", f'name = "{name}"', ""]
    path = work / f"fleet-{len(names)}.toml"
    path.write_text("\n".join(lines))
    return path


def has_fleet(cmg: Cmgdeploy) -> bool:
    done = subprocess.run([CMGDEPLOY, "fleet", "--help"], env=cmg.env, capture_output=True)
    return done.returncode == 0


def bench(args: argparse.Namespace, work: Path) -> list[Measure]:
    server = Server(work)
    try:
        cmg = Cmgdeploy(server, work)
        az = AzureCli(server, work, args.azcli_venv) if args.vs_az else None
        return _measures(args, work, server, cmg, az)
    finally:
        server.stop()


def _measures(
    args: argparse.Namespace, work: Path, server: Server, cmg: Cmgdeploy, az: AzureCli | None
) -> list[Measure]:
    rounds = args.repeat
    parts = set(args.only or PARTS)
    measures = [_help(server, cmg, az, rounds, *h) for h in HELPS] if "help" in parts else []
    if "lifecycle" in parts:
        measures += _lifecycle(server, cmg, az, rounds)
    if "parallel" in parts and has_fleet(cmg) and args.parallel > 1:
        tag = secrets.token_hex(2)
        measures += _parallel(server, cmg, az, work, args.parallel, max(1, rounds // 2), tag)
    return measures


PARTS = ("help", "lifecycle", "parallel")


def _lifecycle(server: Server, cmg: Cmgdeploy, az: AzureCli | None, rounds: int) -> list[Measure]:
    """Fresh deploy, no-change re-run, status and scale of one CMG per round."""
    fresh = Measure("fresh deploy", note="az group create + deployment group create")
    same = Measure(
        "fresh deploy, same job",
        note="az group create, storage stage deployment, storage account keys list, "
        "storage container create, storage blob upload, storage blob generate-sas, "
        "deployment group create",
    )
    again = Measure("no-change re-run", note="az deployment group create, same parameters")
    status = Measure(
        "status",
        note="az deployment group show + vmss show + vmss "
        "get-instance-view + network public-ip show",
    )
    scale = Measure("scale 1 -> 3", note="az deployment group create, instanceCount 3")
    server_times: list[float] = []
    tag = secrets.token_hex(2)
    for i, first in alternate(rounds):
        ours, theirs = f"bc{tag}{i}", f"ba{tag}{i}"
        their_fresh = [az.group(theirs), az.deploy(theirs, 1)] if az else []
        both(
            fresh,
            first,
            partial(measured, server, [cmg.up(ours)]),
            partial(measured, server, their_fresh) if az else None,
        )
        took = server_deployment_seconds(server, ours)
        if took is not None:
            server_times.append(took)
        if az is not None:  # cmgdeploy's side is the fresh up above, run once
            same.ours.append(fresh.ours[-1])
            same.theirs.append(
                measured_script(server, az.same_job(f"bs{tag}{i}", server.endpoint["blob_url"]))
            )
        both(
            again,
            first,
            partial(measured, server, [cmg.up(ours)]),
            partial(measured, server, [az.deploy(theirs, 1)]) if az else None,
        )
        both(
            status,
            first,
            partial(measured, server, [cmg.cmd("status", "--name", ours)]),
            partial(measured, server, az.status(theirs)) if az else None,
        )
        ours_scale = [cmg.cmd("scale", "--name", ours, "--instances", "3")]
        both(
            scale,
            first,
            partial(measured, server, ours_scale),
            partial(measured, server, [az.deploy(theirs, 3)]) if az else None,
        )
    if server_times:
        fresh.note += f"; the server's own deployment time: {statistics.median(server_times):.2f} s"
    return [fresh, *([same] if az is not None else []), again, status, scale]


HELPS = [
    ("--help", ["--help"], ["--help"]),
    ("up --help", ["up", "--help"], ["deployment", "group", "create", "--help"]),
    ("status --help", ["status", "--help"], ["deployment", "group", "show", "--help"]),
    ("scale --help", ["scale", "--help"], ["vmss", "scale", "--help"]),
    ("down --help", ["down", "--help"], ["group", "delete", "--help"]),
]


def _help(
    server: Server,
    cmg: Cmgdeploy,
    az: AzureCli | None,
    rounds: int,
    label: str,
    ours: list[str],
    theirs: list[str],
) -> Measure:
    m = Measure(label, note=f"az {' '.join(theirs)}")
    for _, first in alternate(rounds):
        both(
            m,
            first,
            partial(measured, server, [([CMGDEPLOY, *ours], cmg.env)]),
            partial(measured, server, [([az.az, *theirs], az.env)]) if az else None,
        )
    return m


def _parallel(
    server: Server,
    cmg: Cmgdeploy,
    az: AzureCli | None,
    work: Path,
    count: int,
    rounds: int,
    tag: str,
) -> list[Measure]:
    """One CMG vs ``count`` at once: cmgdeploy deploys a fleet in one run, az runs
    ``count`` processes at once (their groups made beforehand, not timed)."""
    one = Measure("1 deploy (fleet of 1)", note="az: one deployment group create")
    many = Measure(f"{count} deploys in parallel", note=f"az: {count} concurrent processes")
    for i, first in alternate(rounds):
        single = write_fleet(work, [f"bq{tag}{i}"], cmg.subscription)
        fleet = write_fleet(work, [f"bp{tag}{i}x{j}" for j in range(count)], cmg.subscription)
        az_one, az_many = f"by{tag}{i}", [f"bz{tag}{i}x{j}" for j in range(count)]
        if az:
            for name in [az_one, *az_many]:
                subprocess.run(az.group(name)[0], env=az.env, capture_output=True, check=True)
        both(
            one,
            first,
            partial(measured, server, [cmg.cmd("fleet", "up", str(single), "--yes")]),
            partial(parallel, server, [az.deploy(az_one, 1)]) if az else None,
        )
        both(
            many,
            first,
            partial(measured, server, [cmg.cmd("fleet", "up", str(fleet), "--yes")]),
            partial(parallel, server, [az.deploy(n, 1) for n in az_many]) if az else None,
        )
    for mine, label in ((True, "cmgdeploy"), (False, "az")):
        pick = (lambda m: m.ours) if mine else (lambda m: m.theirs)
        if pick(one) and pick(many):
            factor = _median(pick(many), "seconds") / _median(pick(one), "seconds")
            many.note += f"; {label}: {count} at once cost {factor:.2f}x one"
    return [one, many]


# -- output ------------------------------------------------------------------------------
def _median(runs: list[Run], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in runs) if runs else float("nan")


def table(measures: list[Measure], vs_az: bool) -> str:
    head = ["measure", "cmgdeploy", "requests", "peak MiB"]
    if vs_az:
        head += ["az", "requests", "peak MiB", "ratio"]
    rows = [head]
    for m in measures:
        row = [
            m.name,
            f"{_median(m.ours, 'seconds'):.3f} s",
            f"{_median(m.ours, 'requests'):.0f}",
            _mib(m.ours),
        ]
        if vs_az:
            ratio = (
                _median(m.ours, "seconds") / _median(m.theirs, "seconds")
                if m.theirs
                else float("nan")
            )
            row += [
                f"{_median(m.theirs, 'seconds'):.3f} s",
                f"{_median(m.theirs, 'requests'):.0f}",
                _mib(m.theirs),
                f"{ratio:.2f}",
            ]
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    notes = [f"- {m.name}: {m.note}" for m in measures if m.note and vs_az]
    failed = [
        f"- FAILED {m.name}: {r.detail}" for m in measures for r in [*m.ours, *m.theirs] if not r.ok
    ]
    return "\n".join(lines + (["", *notes] if notes else []) + (["", *failed] if failed else []))


def _mib(runs: list[Run]) -> str:
    peaks = [r.peak_kib for r in runs if r.peak_kib]
    return f"{statistics.median(peaks) / 1024:.0f}" if peaks else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vs-az", action="store_true", help="measure the Azure CLI too")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per measure (medians)")
    parser.add_argument("--parallel", type=int, default=8, help="CMGs deployed at once")
    parser.add_argument(
        "--azcli-venv", type=Path, default=Path(os.environ.get("AZCLI_VENV", ROOT / ".venv-azcli"))
    )
    parser.add_argument("--json", type=Path, help="also write the raw runs here")
    parser.add_argument(
        "--only", action="append", choices=PARTS, help="measure only this part (repeatable)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cmgdeploy-bench-"))
    os.chmod(work, 0o700)
    try:
        started = time.perf_counter()
        measures = bench(args, work)
        print(
            f"cmgdeploy bench, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
            f"{os.cpu_count()} CPUs, "
            f"{args.repeat} rounds, medians ({time.perf_counter() - started:.0f} s in all)"
        )
        print(table(measures, args.vs_az))
        if args.json:
            args.json.write_text(
                json.dumps(
                    [
                        {
                            "name": m.name,
                            "ours": [r.__dict__ for r in m.ours],
                            "az": [r.__dict__ for r in m.theirs],
                        }
                        for m in measures
                    ],
                    indent=1,
                )
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
