"""Reliability tests: the retry policy against the real local Azure, and against a tiny
scripted HTTP server for answers the local Azure never gives (429 without Retry-After)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer

import pytest
from rel_lab import Scripted, handler_for


@pytest.fixture()
def scripted_server() -> Iterator[Callable[[list[tuple[int, dict[str, str]]]], Scripted]]:
    """``start(script) -> Scripted``: the last entry of the script repeats forever."""
    servers: list[ThreadingHTTPServer] = []

    def start(script: list[tuple[int, dict[str, str]]]) -> Scripted:
        scripted = Scripted(list(script))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(scripted))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        scripted.url = f"http://127.0.0.1:{server.server_address[1]}"
        return scripted

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
