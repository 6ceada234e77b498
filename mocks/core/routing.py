"""Case-insensitive path routing, the way ARM matches paths.

Each provider package has a ``urls.py`` exposing ``ROUTES``: a list of
:class:`Route`.  Patterns use ``{name}`` for one path segment and ``{name:path}``
for the rest of the path.  Literal segments match case-insensitively
(``resourcegroups`` == ``resourceGroups``); captured values keep their case.

``auth`` says who may call a route: ``"arm"`` (bearer token), ``"classic"``
(management certificate), ``"admin"`` (the control API) or ``"none"``.
``kind`` feeds the throttle buckets: ``"read"``, ``"write"`` or ``"delete"``;
``None`` means derive from the method (GET/HEAD read, DELETE delete, else write).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .http import Request, Response

if TYPE_CHECKING:
    from .cloud import Cloud

Handler = Callable[["Cloud", Request], Response]


@dataclass
class Route:
    method: str  # GET, PUT, POST, PATCH, DELETE, HEAD or "*"
    pattern: str
    handler: Handler
    name: str  # operation name, e.g. "ResourceGroups_CreateOrUpdate" (used in COVERAGE.md)
    auth: str = "arm"
    kind: str | None = None
    regex: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.regex = compile_pattern(self.pattern)

    def throttle_kind(self, method: str) -> str:
        if self.kind:
            return self.kind
        if method in ("GET", "HEAD"):
            return "read"
        return "delete" if method == "DELETE" else "write"


def compile_pattern(pattern: str) -> re.Pattern[str]:
    out = []
    for piece in re.split(r"(\{[^}]+\})", pattern.rstrip("/")):
        if piece.startswith("{"):
            name, _, kind = piece[1:-1].partition(":")
            out.append(f"(?P<{name}>.+)" if kind == "path" else f"(?P<{name}>[^/]+)")
        else:
            out.append(re.escape(piece))
    return re.compile("^" + "".join(out) + "/?$", re.IGNORECASE)


class Router:
    def __init__(self, routes: list[Route] | None = None) -> None:
        self.routes: list[Route] = list(routes or [])

    def extend(self, routes: list[Route]) -> None:
        self.routes.extend(routes)

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """Return (route, params, path_known).

        ``path_known`` is True when some route matched the path but not the method,
        so the caller can answer "operation not supported" rather than "not found".
        """
        path_known = False
        for route in self.routes:
            m = route.regex.match(path)
            if not m:
                continue
            if route.method in (method, "*") or (method == "HEAD" and route.method == "GET"):
                return route, m.groupdict(), True
            path_known = True
        return None, {}, path_known
