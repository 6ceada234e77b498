"""The chaos suite's machinery: one lifecycle of the real CLI (a subprocess, so it can be
SIGKILLed) against a fresh local Azure with injected faults, and the convergence checks.

A lifecycle is a list of :class:`Step`; :data:`LIFECYCLES` maps a name to a builder, so
another lifecycle (a migration) is added by registering one more builder.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from clifixtures import write_dsc_package

from mocks import LocalAzure
from mocks.core.cloud import CloudConfig

CMG_TAG = "cmgdeploy-cmg"
MANAGED_BY = ("managed-by", "cmgdeploy")
VMSS = "microsoft.compute/virtualmachinescalesets"
GROUP = "microsoft.resources/resourcegroups"
EXPECTED_TYPES = {
    VMSS,
    "microsoft.network/loadbalancers",
    "microsoft.network/publicipaddresses",
    "microsoft.network/virtualnetworks",
    "microsoft.network/networksecuritygroups",
    "microsoft.keyvault/vaults",
    "microsoft.storage/storageaccounts",
    "microsoft.keyvault/vaults/secrets",  # the server certificate, a child of the vault
}
# How many of each type the CMG template declares (the key vault holds several secrets).
TEMPLATE_COUNTS = Counter(
    r["type"].lower()
    for r in json.loads((Path(__file__).parents[2] / "arm_templates" / "cmg.json").read_text())[
        "resources"
    ]
)
STEP_TIMEOUT = 240  # seconds: --timeout of each command (exit 4 would fail the lifecycle)
KILL_WINDOW = (0.3, 5.0)  # seconds after start: before sign-in … well into the deployment


def chaos_faults(seed: int) -> dict[str, Any]:
    """The weather: 429 10 %, 503 5 %, resets 2 %, tokens shorter than a deployment."""
    return {
        "seed": seed,
        "p429": 0.10,
        "p503": 0.05,
        "preset": 0.02,
        "retry_after": 1,
        "token_lifetime": 2,
        "scope": "all",
        "targeted": [
            {"kind": "slow", "type": "Microsoft.Compute/virtualMachineScaleSets", "seconds": 3}
        ],
    }


@dataclass(frozen=True)
class Step:
    """One CLI command of a lifecycle and the state it must leave."""

    label: str
    args: tuple[str, ...]
    check: Callable[[Lab], list[str]]  # problems found ([] = converged)


@dataclass
class Outcome:
    """Figures of one lifecycle (one JSON file per lifecycle for the summary)."""

    lifecycle: str
    seed: int
    converged: bool = False
    crash_step: str = ""
    crash_after: float = 0.0
    crash_landed: bool = False
    exit_codes: list[tuple[str, int]] = field(default_factory=list)
    retries: int = 0
    tracebacks: int = 0
    orphaned: int = 0
    duplicated: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Lab:
    """A fresh local Azure and a CMGDEPLOY_HOME for one lifecycle."""

    az: LocalAzure
    home: Path
    name: str
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def sub(self) -> str:
        return self.az.identity.subscription_id

    def env(self) -> dict[str, str]:
        ident = self.az.identity
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("CMGDEPLOY_", "AZURE_"))}
        # A site's DSC package, as an environment other than `local` requires.
        package = self.home.parent / f"{self.home.name}-cmgdsc.zip"
        if not package.exists():
            write_dsc_package(package)
        return {**keep, "CMGDEPLOY_HOME": str(self.home), "AZURE_TENANT_ID": ident.tenant_id,
                "AZURE_CLIENT_ID": ident.client_id, "AZURE_CLIENT_SECRET": ident.client_secret,
                "CMGDEPLOY_CMG_PACKAGE": str(package), "NO_COLOR": "1",
                **self.extra_env}  # fmt: skip

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "cmgdeploy", "--debug", "-e", "lab", "-o", "json", *args]

    # -- what Azure (the local one's store) and the site DB say ---------------------------
    def tagged(self) -> list[dict[str, Any]]:
        """Every resource and group in the subscription tagged for this CMG."""
        return [
            r for r in self.az.cloud.store.resource_list(self.sub)
            if (r.get("tags") or {}).get(CMG_TAG) == self.name
        ]  # fmt: skip

    def site_rows(self, table: str) -> list[dict[str, Any]]:
        path = self.home / "site.db"
        if not path.exists():
            return []
        db = sqlite3.connect(path)
        db.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in db.execute(f"SELECT * FROM {table} WHERE {_key(table)}=?",
                                                (self.name,))]  # fmt: skip
        finally:
            db.close()


def _key(table: str) -> str:
    return "name" if table == "cmg_services" else "cmg"


# -- checks ---------------------------------------------------------------------------------
def deployed(instances: int) -> Callable[[Lab], list[str]]:
    """Checks: one of each resource, capacity, the site DB row Ready, the ports."""

    def check(lab: Lab) -> list[str]:
        res = [r for r in lab.tagged() if r["type"].lower() != GROUP]
        types = [r["type"].lower() for r in res]
        problems = [
            f"duplicate {t}"
            for t in sorted(set(types))
            if types.count(t) > TEMPLATE_COUNTS.get(t, 1)
        ]
        problems += [f"missing {t}" for t in sorted(EXPECTED_TYPES - set(types))]
        problems += [f"unexpected {t}" for t in sorted(set(types) - EXPECTED_TYPES)]
        vmss = [r for r in res if r["type"].lower() == VMSS]
        capacity = vmss[0].get("sku", {}).get("capacity") if vmss else None
        if capacity != instances:
            problems.append(f"scale set capacity {capacity}, expected {instances}")
        return problems + _site_problems(lab, instances)

    return check


def _site_problems(lab: Lab, instances: int) -> list[str]:
    rows = lab.site_rows("cmg_services")
    if len(rows) != 1:
        return [f"{len(rows)} site DB rows for the CMG"]
    row, problems = rows[0], []
    if row["state"] != "Ready" or row["instances"] != instances:
        problems.append(f"site DB says {row['state']} with {row['instances']} instances")
    points = lab.site_rows("connection_points")
    want = [443] if instances == 1 else list(range(10124, 10124 + instances))
    if [json.loads(p["ports"]) for p in points] != [want]:
        problems.append(f"connection point ports {[p['ports'] for p in points]}, expected {want}")
    return problems


def removed(lab: Lab) -> list[str]:
    """Checks after down: nothing tagged left in Azure (no unpurged soft-deleted vault
    either), nothing left in the site DB/home."""
    from mocks.keyvault.models import list_deleted_vaults

    problems = [f"orphaned {r['type']} {r['id']}" for r in lab.tagged()]
    # A soft-deleted vault left unpurged holds the name: the CMG could not be redeployed.
    problems += [
        f"orphaned soft-deleted key vault {v['name']}"
        for v in list_deleted_vaults(lab.az.cloud, lab.sub)
        if (v["properties"].get("tags") or {}).get(CMG_TAG) == lab.name
    ]
    for table in ("cmg_services", "connection_points", "site_roles"):
        if lab.site_rows(table):
            problems.append(f"site DB table {table} still has rows for the CMG")
    for path in (lab.home / "cmgs" / f"{lab.name}.json", lab.home / "certs" / f"{lab.name}.pem"):
        if path.exists():
            problems.append(f"orphaned file {path.name}")
    return problems


UP_ARGS = ("--region", "westeurope", "--self-signed-cert", "--site-code", "PS1",
           "--connection-point", "cp1.contoso.com", "--management-point", "mp1.contoso.com")  # fmt: skip


T = ("--timeout", str(STEP_TIMEOUT), "--yes")


def arm_lifecycle(lab: Lab) -> list[Step]:
    """up → scale 3 → scale 1 → down."""
    name, t = lab.name, T
    return [
        Step("up", ("up", "--name", name, *UP_ARGS, *t), deployed(1)),
        Step("scale 3", ("scale", "--name", name, "--instances", "3", *t), deployed(3)),
        Step("scale 1", ("scale", "--name", name, "--instances", "1", *t), deployed(1)),
        Step("down", ("down", "--name", name, *t), removed),
    ]


def migration_lifecycle(lab: Lab) -> list[Step]:
    """A seeded classic CMG (2 instances) → `migrate` (drain 0, --yes) → down."""
    from mocks.classic.models import seed_classic

    classic = f"old{lab.name}"
    seed_classic(lab.az.cloud, classic, "westeurope", 2)
    lab.extra_env["CMGDEPLOY_SUBSCRIPTION"] = lab.sub  # Service Management needs it named
    args = ("migrate", "--from-classic", classic, "--to", lab.name, "--drain-hours", "0",
            "--self-signed-cert", "--site-code", "PS1", "--connection-point", "cp1.contoso.com",
            "--site-confirmed", "--management-cert", lab.az.identity.management_certificate,
            *T)  # fmt: skip
    return [
        Step("migrate", args, migrated(classic, 2)),
        Step("down", ("down", "--name", lab.name, *T), removed),
    ]


def migrated(classic: str, instances: int) -> Callable[[Lab], list[str]]:
    """Checks: the classic service is gone, the new CMG deployed with its instances."""

    def check(lab: Lab) -> list[str]:
        from mocks.classic.models import list_services

        left = [s for s in list_services(lab.az.cloud, lab.sub) if s.get("ServiceName") == classic]
        problems = [f"orphaned classic service {classic}"] if left else []
        return problems + deployed(instances)(lab)

    return check


# Lifecycles by name (`--chaos-kinds`); each builder may prepare the lab (seed a source).
LIFECYCLES: dict[str, Callable[[Lab], list[Step]]] = {
    "arm": arm_lifecycle,
    "migration": migration_lifecycle,
}


# -- running ---------------------------------------------------------------------------------
def start_lab(state_dir: Path, home: Path, seed: int) -> Lab:
    """A fresh local Azure with the chaos faults and the `lab` environment row."""
    config = CloudConfig(provisioning_seconds=0.2, poll_retry_after=0.2)
    az = LocalAzure(state_dir, config=config, faults=chaos_faults(seed)).start()
    lab = Lab(az, home, f"chaos{seed}")
    add = lab.command("environments", "add", "lab", "--authority", az.url,
                      "--resource-manager", az.url + "/", "--service-management", az.url + "/",
                      "--ca-bundle", str(az.ca_bundle), "--no-instance-discovery")  # fmt: skip
    subprocess.run(add, env=lab.env(), check=True, capture_output=True, timeout=60)
    return lab


def run_step(lab: Lab, step: Step, outcome: Outcome, kill_after: float | None) -> int | None:
    """Run one step; with ``kill_after``, SIGKILL it then (None if it was killed)."""
    proc = subprocess.Popen(lab.command(*step.args), env=lab.env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    killed = False
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            killed = True
    out, err = proc.communicate(timeout=STEP_TIMEOUT + 60)
    outcome.retries += sum(1 for line in err.splitlines() if "cmgdeploy.retry: retry" in line)
    outcome.tracebacks += err.count("Traceback (most recent call last)")
    if killed:
        outcome.crash_landed = True
        return None
    outcome.exit_codes.append((step.label, proc.returncode))
    if proc.returncode != 0:
        outcome.problems.append(f"{step.label} exit {proc.returncode}: {_last_error(out, err)}")
    return proc.returncode


def _last_error(out: str, err: str) -> str:
    try:
        errors = json.loads(out).get("errors") or []
        return "; ".join(f"{e['code']}: {e['message']}" for e in errors)[:500]
    except (ValueError, AttributeError):
        return err.strip().splitlines()[-1][:500] if err.strip() else "(no output)"


def run_lifecycle(kind: str, seed: int, workdir: Path) -> Outcome:
    """One lifecycle with a crash at a seeded random point; the figures of the run."""
    started = time.monotonic()
    rng = random.Random(seed)
    outcome = Outcome(kind, seed)
    completed, steps = 0, []
    lab = start_lab(workdir / "azure", workdir / "home", seed)
    try:
        steps = LIFECYCLES[kind](lab)
        crash_at = rng.randrange(len(steps))
        outcome.crash_step = steps[crash_at].label
        outcome.crash_after = round(rng.uniform(*KILL_WINDOW), 2)
        for index, step in enumerate(steps):
            if index == crash_at:
                early = run_step(lab, step, outcome, outcome.crash_after)
                if early not in (None, 0):
                    break  # it finished before the kill came, and failed
            if run_step(lab, step, outcome, None) != 0:
                break
            outcome.problems += [f"after {step.label}: {p}" for p in step.check(lab)]
            completed += 1
        outcome.faults = lab.az.cloud.faults.counters()
        _count_damage(lab, outcome)
    finally:
        lab.az.stop()
    outcome.converged = not outcome.problems and completed == len(steps) > 0
    outcome.seconds = round(time.monotonic() - started, 1)
    return outcome


def _count_damage(lab: Lab, outcome: Outcome) -> None:
    outcome.orphaned = sum(1 for p in outcome.problems if "orphaned" in p)
    outcome.duplicated = sum(1 for p in outcome.problems if "duplicate" in p)
    # Anything cmgdeploy-managed left anywhere in the subscription is orphaned too.
    leftovers = [
        r for r in lab.az.cloud.store.resource_list(lab.sub)
        if (r.get("tags") or {}).get(MANAGED_BY[0]) == MANAGED_BY[1]
    ]  # fmt: skip
    outcome.orphaned = max(outcome.orphaned, len(leftovers))


def save(outcome: Outcome, results_dir: Path) -> None:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{outcome.lifecycle}-{outcome.seed}.json"
    path.write_text(json.dumps(asdict(outcome)))


def summary(results_dir: Path) -> list[str]:
    """The figures (convergence, orphans, duplicates, times) over every lifecycle saved in ``results_dir``."""
    outcomes = [json.loads(p.read_text()) for p in sorted(results_dir.glob("*.json"))]
    if not outcomes:
        return []
    faults: dict[str, int] = {}
    for o in outcomes:
        for name, count in o["faults"].items():
            faults[name] = faults.get(name, 0) + count
    shown = ", ".join(f"{k} {v}" for k, v in sorted(faults.items()))
    return [
        f"lifecycles: {len(outcomes)}",
        f"faults injected: {sum(faults.values())} ({shown})",
        f"retries: {sum(o['retries'] for o in outcomes)}",
        f"crashes survived: {sum(1 for o in outcomes if o['crash_landed'] and o['converged'])}"
        f" of {sum(1 for o in outcomes if o['crash_landed'])} landed SIGKILLs",
        f"lifecycles converged: {sum(1 for o in outcomes if o['converged'])}",
        f"resources orphaned: {sum(o['orphaned'] for o in outcomes)}",
        f"resources duplicated: {sum(o['duplicated'] for o in outcomes)}",
        f"tracebacks: {sum(o['tracebacks'] for o in outcomes)}",
        f"wall time per lifecycle: {sum(o['seconds'] for o in outcomes) / len(outcomes):.1f} s",
    ]
