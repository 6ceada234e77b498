"""Measure what users feel: `cmgdeploy --help` time (and that it imports no Azure SDK),
`up` wall time against the local Azure, and the no-change re-run (time, requests).

Usage: .venv/bin/python scripts/bench.py [--repeat 5]
Prints a table; not a test (numbers depend on the machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mocks import LocalAzure
from mocks.core import requestlog

UP = ["--region", "westeurope", "--self-signed-cert", "--site-code", "PS1", "--connection-point",
      "cp1.contoso.com", "--management-point", "mp1.contoso.com", "--yes"]  # fmt: skip
SDK_CHECK = (
    "import sys\nfrom cmgdeploy.cli import main\nmain(['--help'])\n"
    "sdk = sorted(m for m in sys.modules if m.split('.')[0] in ('azure', 'msal'))\n"
    "print('SDK:' + ','.join(sdk))"
)


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "cmgdeploy", *args]


def bench_help(env: dict[str, str], repeat: int) -> list[tuple[str, str]]:
    times = [timed(cli("--help"), env)[0] for _ in range(repeat)]
    out = subprocess.run(
        [sys.executable, "-c", SDK_CHECK], env=env, capture_output=True, text=True, check=False
    ).stdout
    marked = [line[4:] for line in out.splitlines() if line.startswith("SDK:")]
    if not marked:
        raise SystemExit(f"the import check did not run: {out}")
    imported = marked[0]
    return [
        ("cmgdeploy --help (median)", f"{statistics.median(times) * 1000:.0f} ms"),
        ("Azure SDK modules imported by --help", imported or "none"),
    ]


def bench_up(env: dict[str, str], az: LocalAzure) -> list[tuple[str, str]]:
    add = cli("environments", "add", "lab", "--authority", az.url, "--resource-manager",
              az.url + "/", "--ca-bundle", str(az.ca_bundle),
              "--no-instance-discovery")  # fmt: skip
    subprocess.run(add, env=env, check=True, capture_output=True)
    seconds, done = timed(cli("-e", "lab", "up", "--name", "benchcmg", *UP), env)
    if done.returncode != 0:
        raise SystemExit(f"up failed: {done.stderr}")
    before = requestlog.read(az.state_dir)
    again, done = timed(cli("-e", "lab", "up", "--name", "benchcmg", *UP), env)
    if done.returncode != 0 or "no changes" not in done.stdout:
        raise SystemExit(f"re-run was not a no-op: {done.stdout}{done.stderr}")
    rerun = requestlog.read(az.state_dir, len(before))
    writes = sum(1 for e in rerun if e["kind"] in ("write", "delete"))
    arm = sum(1 for e in rerun if not e["operation"].startswith("Entra"))
    return [
        ("up, first deployment (wall)", f"{seconds:.1f} s"),
        ("up, no-change re-run (wall)", f"{again:.1f} s"),
        ("no-change re-run: requests (ARM + Entra)", f"{len(rerun)} ({arm} + {len(rerun) - arm})"),
        ("no-change re-run: write requests", str(writes)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of --help (median shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cmgdeploy-bench-") as tmp:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("CMGDEPLOY_", "AZURE_"))}
        with LocalAzure(Path(tmp) / "azure") as az:
            ident = az.identity
            env = {**keep, "CMGDEPLOY_HOME": str(Path(tmp) / "home"), "NO_COLOR": "1",
                   "AZURE_TENANT_ID": ident.tenant_id, "AZURE_CLIENT_ID": ident.client_id,
                   "AZURE_CLIENT_SECRET": ident.client_secret}  # fmt: skip
            rows = bench_help(env, args.repeat) + bench_up(env, az)
    width = max(len(name) for name, _ in rows)
    print(f"{'measure'.ljust(width)}  value")
    print(f"{'-' * width}  -----")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
