"""Regenerate the generated part of mocks/COVERAGE.md from the code itself.

The operation table comes from every provider's ``ROUTES`` (in the order the server
tries them), the resource types from the registry, the template functions from the
engine. ``--check`` exits 1 when the file is out of date (the test suite runs it).

    .venv/bin/python scripts/gen_coverage.py [--check]
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

START = "<!-- generated:start (scripts/gen_coverage.py; do not edit by hand) -->"
END = "<!-- generated:end -->"
COVERAGE = Path(__file__).resolve().parent.parent / "mocks" / "COVERAGE.md"


def route_table() -> list[str]:
    from mocks.core.server import BLOB_ROUTE_MODULES, ROUTE_MODULES

    lines = [
        "### Operations (in routing order; the Blob service's routes on its own port last)",
        "",
        "| module | method | path | operation | auth |",
        "|---|---|---|---|---|",
    ]
    for module_name in ROUTE_MODULES + BLOB_ROUTE_MODULES:
        module = importlib.import_module(module_name)
        short = module_name.removeprefix("mocks.").removesuffix(".urls")
        for route in module.ROUTES:
            pattern = route.pattern.replace("|", "\\|")
            lines.append(
                f"| {short} | {route.method} | `{pattern}` | {route.name} | {route.auth} |"
            )
    return lines


def type_list() -> list[str]:
    from mocks.core import registry
    from mocks.core.server import ROUTE_MODULES

    for module_name in ROUTE_MODULES:  # importing the routes registers the types
        importlib.import_module(module_name)
    lines = ["### Resource types with provider behaviour", ""]
    lines += [f"- `{name}`" for name in registry.registered_types()]
    lines += ["", "Other types deploy as generic resources (stored and served as sent)."]
    return lines


def function_list() -> list[str]:
    from mocks.templates import catalogue, function_names

    implemented = {name.lower() for name in function_names()}
    lines = [
        "### ARM template functions (every function of the docs' function reference)",
        "",
        "| function | docs page | status |",
        "|---|---|---|",
    ]
    for name in catalogue.documented_names():
        pages = ", ".join(catalogue.pages_of(name))
        lines.append(f"| `{name}` | {pages} | {_function_status(name, implemented)} |")
    extra = sorted(set(function_names()) - set(catalogue.documented_names()), key=str.lower)
    if extra:
        lines += ["", "Also implemented: " + ", ".join(f"`{n}`" for n in extra)]
    return lines


def _function_status(name: str, implemented: set[str]) -> str:
    from mocks.templates import catalogue

    if name in catalogue.REFUSED:
        return f"refused loudly: LocalAzureUnsupportedOperation ({catalogue.REFUSED[name]})"
    if name in catalogue.OTHER_SCOPE_ONLY:
        return f"ARM's error at resource-group scope ({catalogue.OTHER_SCOPE_ONLY[name]})"
    if name.lower() in implemented:
        return "simulated"
    if name.lower().startswith("list"):
        return "the resource's provider answers the action; others refused loudly"
    return "MISSING"


def generated() -> str:
    body = ["## Generated inventory", "", *route_table(), "", *type_list(), ""]
    body += [*function_list(), ""]
    return "\n".join([START, *body, END])


def render(current: str) -> str:
    block = generated()
    if START in current and END in current:
        head, _, rest = current.partition(START)
        _, _, tail = rest.partition(END)
        return head + block + tail
    return current.rstrip("\n") + "\n\n" + block + "\n"


def main(argv: list[str]) -> int:
    current = COVERAGE.read_text()
    wanted = render(current)
    if "--check" in argv:
        if wanted != current:
            print("mocks/COVERAGE.md is out of date: run scripts/gen_coverage.py", file=sys.stderr)
            return 1
        return 0
    COVERAGE.write_text(wanted)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
