"""``python -m mocks``: run and control a local Azure.

Subcommands: ``serve``, ``reset``, ``seed-classic``, ``faults``, ``requests``,
``endpoint``. All but ``serve`` work on the state dir directly, so they work whether
or not a server is running (every process shares the SQLite store).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from mocks import LocalAzure, read_endpoint
from mocks.admin import models as admin
from mocks.core import bootstrap, requestlog
from mocks.core.cloud import Cloud
from mocks.core.errors import ArmError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mocks", description="A local Azure.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = _with_state_dir(sub.add_parser("serve", help="run the HTTPS server"))
    serve.add_argument("--port", type=int, default=0, help="0 = any free port")
    serve.add_argument(
        "--faults",
        help="faults JSON, or @file holding it (kept in the state dir: `faults --clear` ends them)",
    )
    serve.add_argument("--seed", type=int, help="seed of the random faults (kept with them)")
    run_only = " (this server run only; not kept in the state dir)"
    serve.add_argument(
        "--provisioning-seconds", type=float, help="simulated time per resource" + run_only
    )
    serve.add_argument(
        "--poll-retry-after", type=float, help="Retry-After of status polls" + run_only
    )
    serve.add_argument("--token-lifetime", type=int, help="access token seconds" + run_only)
    _with_state_dir(sub.add_parser("reset", help="delete all resources (keeps identity)"))
    seed = _with_state_dir(sub.add_parser("seed-classic", help="create a classic CMG"))
    seed.add_argument("--name", required=True)
    seed.add_argument("--region", required=True)
    seed.add_argument("--instances", type=int, default=1)
    faults = _with_state_dir(sub.add_parser("faults", help="show, set or clear faults"))
    faults.add_argument("--set", dest="set_json", help="faults JSON, or @file holding it")
    faults.add_argument("--clear", action="store_true")
    reqs = _with_state_dir(sub.add_parser("requests", help="print the request log"))
    reqs.add_argument("--tail", type=int, default=20)
    shown = _with_state_dir(
        sub.add_parser(
            "endpoint",
            help="print endpoint.json of a live server, its settings and what the state "
            "dir keeps (configuration, faults)",
        )
    )
    shown.add_argument(
        "--show-secrets",
        action="store_true",
        help="print client_secret and identity_header too (redacted by default)",
    )
    return parser


def _with_state_dir(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--state-dir", required=True, type=Path)
    return parser


def _json_arg(value: str) -> Any:
    text = Path(value[1:]).read_text() if value.startswith("@") else value
    return json.loads(text)


def _cloud(state_dir: Path) -> Cloud:
    cloud = Cloud(state_dir)
    bootstrap.ensure(cloud)
    bootstrap.refresh_config(cloud)
    return cloud


def _print(obj: Any) -> None:
    print(json.dumps(obj, indent=2))


def serve(args: argparse.Namespace) -> int:
    """Serve until SIGTERM/SIGINT; print the URL on one line once listening."""
    # One Cloud (one Store) per process: the server's own, configured in place.
    azure = LocalAzure(args.state_dir, port=args.port, run_config=_run_config(args))
    _configure(azure.cloud, args)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    azure.start()
    print(azure.url, flush=True)
    try:
        stop.wait()
    finally:
        azure.stop()
    return 0


RUN_FLAGS = ("provisioning_seconds", "poll_retry_after", "token_lifetime")


def _run_config(args: argparse.Namespace) -> dict[str, Any]:
    """``serve``'s configuration flags: settings of this server run, never persisted (a
    later server, or cmgdeploy's embedded one, starts from the state dir's own)."""
    return {flag: getattr(args, flag) for flag in RUN_FLAGS if getattr(args, flag) is not None}


def _configure(cloud: Cloud, args: argparse.Namespace) -> None:
    """Persist ``serve``'s faults, as ``LocalAzure(faults=)`` would (the faults are the
    state dir's: ``python -m mocks faults`` shows and changes them from any process)."""
    faults = _json_arg(args.faults) if args.faults else None  # bad JSON: nothing changed
    if args.seed is not None:
        faults = {**(faults or cloud.faults.settings()), "seed": args.seed}
    if faults is not None:
        cloud.faults.set(faults)
    bootstrap.refresh_config(cloud)


def reset(args: argparse.Namespace) -> int:
    _print(admin.reset(_cloud(args.state_dir)))
    return 0


def seed_classic(args: argparse.Namespace) -> int:
    body = {"name": args.name, "region": args.region, "instances": args.instances}
    _print(admin.seed_classic(_cloud(args.state_dir), body))
    return 0


def faults(args: argparse.Namespace) -> int:
    cloud = _cloud(args.state_dir)
    if args.clear:
        admin.clear_faults(cloud)
    if args.set_json:
        admin.set_faults(cloud, _json_arg(args.set_json))
    _print(admin.get_faults(cloud))
    return 0


def requests(args: argparse.Namespace) -> int:
    for entry in requestlog.tail(args.state_dir, args.tail):
        print(json.dumps(entry))
    return 0


def endpoint(args: argparse.Namespace) -> int:
    info = read_endpoint(args.state_dir)
    if info is None:
        print(f"no local Azure is running on {args.state_dir}", file=sys.stderr)
        if (args.state_dir / "cloud.db").exists():  # what the next server starts from
            _print({"persisted": _persisted(_cloud(args.state_dir))})
        return 1
    shown = info if args.show_secrets else redacted(info)
    # What the state dir keeps for every server on it (a serve's own flags are in the
    # server's entry as run_settings, and end with it).
    shown["persisted"] = _persisted(_cloud(args.state_dir))
    _print(shown)
    return 0


def _persisted(cloud: Cloud) -> dict[str, Any]:
    return {"config": bootstrap.load_config(cloud).to_dict(), "faults": cloud.faults.settings()}


SECRET_FIELDS = ("client_secret", "identity_header")


def redacted(info: dict[str, Any]) -> dict[str, Any]:
    """``endpoint.json`` with its secrets replaced (they stay in the 0600 file)."""
    hidden = "<redacted: --show-secrets prints it>"
    return {k: hidden if k in SECRET_FIELDS and v else v for k, v in info.items()}


COMMANDS = {
    "serve": serve,
    "reset": reset,
    "seed-classic": seed_classic,
    "faults": faults,
    "requests": requests,
    "endpoint": endpoint,
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ArmError as exc:
        print(f"python -m mocks {args.command}: error: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:
        # Bad faults JSON, unreadable @file, port in use: one line, no traceback.
        print(f"python -m mocks {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
