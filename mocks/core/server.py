"""The local Azure's HTTPS server and request dispatch (CONTRACTS.md section 1.1).

A ``ThreadingHTTPServer`` (daemon threads, HTTP/1.1 keep-alive) on a loopback address,
wrapped in TLS with the state dir's server certificate. Client certificates are
optional at the TLS layer (``CERT_OPTIONAL``), so classic Service Management handlers
receive ``request.client_cert_der`` while ARM clients connect without one. Python's
``ssl`` has no verify callback, so the trust anchors are the local CA plus every
registered management certificate (a self-signed one is its own anchor); the context
is rebuilt before accepting a connection whenever the registered set changed (also
when another process registered one). The thumbprint check stays in the classic
handlers. The TLS handshake runs in the connection's own thread, so a slow or broken
client never blocks ``accept``.

Not simulated: an *unregistered* certificate that no anchor vouches for (e.g. a
self-signed one) fails the handshake with a TLS ``unknown ca`` alert, where Azure
completes it and answers 403 ForbiddenError.

:class:`Dispatcher` is the transport-free part: request ids, faults, authentication,
throttling, the handler, error rendering, response headers and the request log.

Not simulated: HTTP/2, request body size limits, ARM's regional front doors.
"""

from __future__ import annotations

import base64
import importlib
import ipaddress
import logging
import socket
import ssl
import struct
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

from . import bootstrap, requestlog, throttle
from .cloud import Cloud
from .errors import ArmError, TooManyRequests
from .http import Request, Response
from .routing import Route, Router
from .store import parse_resource_id
from .tokens import verify_arm_token

ROUTE_MODULES = [
    "mocks.entra.urls",
    "mocks.admin.urls",
    "mocks.resources.urls",
    "mocks.compute.urls",
    "mocks.network.urls",
    "mocks.keyvault.urls",
    "mocks.storage.urls",
    "mocks.classic.urls",
    "mocks.prices.urls",
    "mocks.cmgservice.urls",
    "mocks.graph.urls",
    # Last: by-id catch-alls; every more specific provider route above must win.
    "mocks.resources.generic_urls",
]
# The Blob service listens on a port of its own (path-style URLs, /{account}/… would
# collide with the routes above).
BLOB_ROUTE_MODULES = ["mocks.blob.urls"]
BLOB_PORT_KEY = "blob_port"  # meta: the state dir's Blob port, kept across restarts
LOG = logging.getLogger("mocks.server")
# Where classic/models.py keeps uploaded management certificates (core must not import
# a provider module, so the collection name is repeated here).
MANAGEMENT_CERTIFICATES = "classic/management-certificates"


class ConnectionResetFault(Exception):
    """Raised by the dispatcher when a "preset" fault drops the connection unanswered."""


# -- routing --------------------------------------------------------------------------
def import_routes(module_name: str) -> list[Route]:
    """``ROUTES`` of one provider module; [] only while that module does not exist yet."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            return []
        raise
    return list(module.ROUTES)


def build_router(modules: list[str] | None = None) -> Router:
    router = Router()
    for name in ROUTE_MODULES if modules is None else modules:
        router.extend(import_routes(name))
    return router


def check_loopback(host: str) -> None:
    """Refuse anything but a loopback address: the local Azure is never on the network."""
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"the local Azure only listens on a loopback address (127.0.0.1, ::1 or "
            f"localhost); refusing to bind {host!r}"
        )


# -- dispatch ---------------------------------------------------------------------------
def _require_api_version(request: Request) -> None:
    # Every ARM operation needs one (azure-cli and the SDKs always send it; the LRO
    # URLs we hand out carry one); Entra, the admin API and /metadata are exempt.
    if not request.query.get("api-version"):
        raise ArmError(
            "The api-version query parameter (?api-version=) is required for all requests.",
            code="MissingApiVersionParameter",
        )


def _default_kind(method: str) -> str:
    if method in ("GET", "HEAD"):
        return "read"
    return "delete" if method == "DELETE" else "write"


# Entra's AADSTS codes for a transient failure and for throttling.
_AADSTS_TRANSIENT, _AADSTS_THROTTLED = 90033, 90055
_CLASSIC_NS = "http://schemas.microsoft.com/windowsazure"


def route_family(route: Route | None, default: str = "arm") -> str:
    """ "entra" (OAuth2 errors), "classic" (Service Management XML), "storage" (Azure
    Storage XML) or "arm" (ARM JSON)."""
    if route is None:
        return default
    module = route.handler.__module__
    if route.auth == "classic" or module.startswith("mocks.classic"):
        return "classic"
    if route.auth == "storage" or module.startswith("mocks.blob"):
        return "storage"
    if route.auth == "graph" or module.startswith("mocks.graph"):
        return "graph"
    return "entra" if module.startswith("mocks.entra") else "arm"


def _error_response(
    exc: ArmError,
    family: str = "arm",
    correlation_id: str = "",
    request_id: str = "",
    client_request_id: str = "",
) -> Response:
    """An error in the shape the route's clients parse (faults and handler failures)."""
    if family == "classic":
        return _classic_error(exc)
    if family == "entra":
        return _oauth_error(exc, correlation_id)
    if family == "storage":
        return _storage_error(exc, request_id)
    if family == "graph":
        return _graph_error(exc, request_id, client_request_id)
    return Response.json(exc.status, exc.to_body(), exc.headers)


def _graph_error(exc: ArmError, request_id: str, client_request_id: str) -> Response:
    # Microsoft Graph: {"error": {"code", "message", "innerError": {date, request-id,
    # client-request-id}}}, details when the service gives them.
    error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.details:
        error["details"] = exc.details
    error["innerError"] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
        "request-id": request_id,
        "client-request-id": client_request_id or request_id,
    }
    headers = {"request-id": request_id, **exc.headers}
    if client_request_id:
        headers["client-request-id"] = client_request_id
    return Response.json(exc.status, {"error": error}, headers)


# Storage's own answers for the framework's throttling and transient errors (Storage never
# answers 429: it throttles with 503 ServerBusy; "Common REST API error codes").
_STORAGE_TRANSIENT = {
    "SubscriptionRequestsThrottled": (
        503,
        "ServerBusy",
        "Operations per second is over the account limit.",
    ),
    "ServiceUnavailable": (
        503,
        "ServerBusy",
        "The server is currently unable to receive requests. Please retry your request.",
    ),
    "InternalServerError": (
        500,
        "InternalError",
        "The server encountered an internal error. Please retry the request.",
    ),
}


def _storage_error(exc: ArmError, request_id: str) -> Response:
    # Azure Storage: <Error><Code/><Message/> (+ detail elements); the message ends with
    # the request id and time lines; the code is also in x-ms-error-code (HEAD has no body).
    if exc.code in _STORAGE_TRANSIENT:
        status, code, message = _STORAGE_TRANSIENT[exc.code]
        exc = ArmError(message, code=code, status=status, headers=exc.headers)
    now = time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime())
    root = ET.Element("Error")
    ET.SubElement(root, "Code").text = exc.code
    ET.SubElement(root, "Message").text = f"{exc.message}\nRequestId:{request_id}\nTime:{now}"
    for name, value in getattr(exc, "extra", {}).items():
        ET.SubElement(root, name).text = value
    text = '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode")
    headers = {"x-ms-error-code": exc.code, **exc.headers}
    return Response.xml(exc.status, text, headers)


def _classic_error(exc: ArmError) -> Response:
    root = ET.Element("Error", xmlns=_CLASSIC_NS)
    ET.SubElement(root, "Code").text = exc.code
    ET.SubElement(root, "Message").text = exc.message
    text = '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode")
    return Response.xml(exc.status, text, exc.headers)


def _oauth_error(exc: ArmError, correlation_id: str) -> Response:
    # OAuth2: "error" is a string; Entra adds an AADSTS-prefixed description and extras.
    throttled = exc.status == 429
    error = "temporarily_unavailable" if throttled or exc.status == 503 else "server_error"
    aadsts = _AADSTS_THROTTLED if throttled else _AADSTS_TRANSIENT
    now = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
    trace_id = str(uuid.uuid4())
    body = {
        "error": error,
        "error_description": f"AADSTS{aadsts}: {exc.message} Trace ID: {trace_id} "
        f"Correlation ID: {correlation_id} Timestamp: {now}",
        "error_codes": [aadsts],
        "timestamp": now,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
    }
    return Response.json(exc.status, body, {"Cache-Control": "no-store", **exc.headers})


class Dispatcher:
    """Turns a :class:`Request` into a :class:`Response` (CONTRACTS 1.1, steps 1–7)."""

    def __init__(self, cloud: Cloud, router: Router, family: str = "arm") -> None:
        self.cloud = cloud
        self.router = router
        self.family = family  # the error shape of requests no route serves

    def dispatch(self, request: Request) -> Response:
        started = time.monotonic()
        self._assign_ids(request)
        bootstrap.refresh_config(self.cloud)
        route, params, path_known = self.router.match(request.method, request.path)
        request.params = params
        kind = route.throttle_kind(request.method) if route else _default_kind(request.method)
        state: dict[str, Any] = {"fault": None}
        try:
            response = self._guarded(request, route, path_known, kind, state)
        except ConnectionResetFault:
            self._log(request, route, kind, 0, started, state["fault"])
            raise
        self._finish_headers(request, response, state)
        self._log(request, route, kind, response.status, started, state["fault"])
        return response

    def _assign_ids(self, request: Request) -> None:
        request.request_id = str(uuid.uuid4())
        request.correlation_id = (
            request.header("x-ms-correlation-request-id")
            or request.header("x-ms-client-request-id")
            or str(uuid.uuid4())
        )

    def _guarded(
        self,
        request: Request,
        route: Route | None,
        path_known: bool,
        kind: str,
        state: dict[str, Any],
    ) -> Response:
        try:
            if route is None or route.auth != "admin":
                fault = self._random_fault(kind, state)
                if fault is not None:
                    return fault
            return self._route(request, route, path_known, kind, state)
        except ArmError as exc:
            return self._error(request, route, exc)
        except ConnectionResetFault:
            raise
        except Exception as exc:  # the contract: any handler bug is a 500, never a traceback
            LOG.exception("handler failed for %s %s", request.method, request.path)
            error = ArmError(str(exc), code="InternalServerError", status=500)
            return self._error(request, route, error)

    def _error(self, request: Request, route: Route | None, exc: ArmError) -> Response:
        return _error_response(
            exc,
            route_family(route, self.family),
            request.correlation_id,
            request.request_id,
            request.header("client-request-id"),
        )

    def _random_fault(self, kind: str, state: dict[str, Any]) -> Response | None:
        faults = self.cloud.faults
        delay = faults.latency_seconds()
        if delay > 0:
            time.sleep(delay)  # injected latency is the point of this fault
        name = faults.roll(kind)
        if name is None:
            return None
        state["fault"] = name
        faults.record(name)
        if name == "reset":
            raise ConnectionResetFault()
        retry = {"Retry-After": str(faults.retry_after())}
        if name == "429":
            raise TooManyRequests(
                "The request was throttled (injected fault).",
                headers=retry,
            )
        if name == "503":
            raise ArmError(
                "The service is temporarily unavailable (injected fault).",
                code="ServiceUnavailable",
                status=503,
                headers=retry,
            )
        raise ArmError(
            "The server encountered an internal error (injected fault).",
            code="InternalServerError",
            status=500,
        )

    def _route(
        self,
        request: Request,
        route: Route | None,
        path_known: bool,
        kind: str,
        state: dict[str, Any],
    ) -> Response:
        if route is None:
            self._unsupported(request, path_known)
        assert route is not None
        if route.auth == "arm":
            request.principal = verify_arm_token(self.cloud, request.header("authorization"))
            _require_api_version(request)
            self._throttle(request, kind, state)
        return route.handler(self.cloud, request)

    def malformed(self, method: str, path: str, message: str) -> Response:
        """The answer (JSON 400, logged) to a request the transport could not parse."""
        request = Request(method=method, path=path, query={}, headers={}, body=b"")
        started = time.monotonic()
        self._assign_ids(request)
        error = ArmError(f"The request is malformed: {message}", code="BadRequest")
        response = _error_response(error)
        self._finish_headers(request, response, {})
        self._log(request, None, _default_kind(method), 400, started, None)
        return response

    def _unsupported(self, request: Request, path_known: bool) -> None:
        what = f"{request.method} {request.path}"
        if path_known:
            raise ArmError(
                f"The local Azure does not support {what} (method not allowed on this path).",
                code="LocalAzureUnsupportedOperation",
                status=405,
            )
        raise ArmError(
            f"The local Azure does not support {what}: no registered provider serves it.",
            code="NoRegisteredProviderFound",
            status=404,
        )

    def _throttle(self, request: Request, kind: str, state: dict[str, Any]) -> None:
        forced = self.cloud.faults.throttled(request.path)
        if forced is not None:
            state["fault"] = "throttle"
            self.cloud.faults.record("throttle")
            raise TooManyRequests(
                "Number of requests for this scope exceeded the limit (injected throttle).",
                headers={"Retry-After": str(forced)},
            )
        subscription, _ = parse_resource_id(request.path)
        principal = request.principal.client_id if request.principal else ""
        decision = throttle.take(self.cloud, subscription, principal, kind)
        state["ratelimit"] = (decision.header, str(decision.remaining))
        if not decision.allowed:
            raise TooManyRequests(
                f"Number of {kind} requests for subscription '{subscription}' actor "
                f"'{principal}' exceeded. Please try again after '{decision.retry_after}' "
                "seconds.",
                headers={"Retry-After": str(decision.retry_after), decision.header: "0"},
            )

    def _finish_headers(self, request: Request, response: Response, state: dict[str, Any]) -> None:
        headers = response.headers
        headers.setdefault("x-ms-request-id", request.request_id)
        headers.setdefault("x-ms-correlation-request-id", request.correlation_id)
        if "ratelimit" in state:
            name, remaining = state["ratelimit"]
            headers.setdefault(name, remaining)

    def _log(
        self,
        request: Request,
        route: Route | None,
        kind: str,
        status: int,
        started: float,
        fault: str | None,
    ) -> None:
        api_version = request.query.get("api-version")
        requestlog.append(
            self.cloud.state_dir,
            {
                "time": requestlog.utc_iso(time.time()),
                "method": request.method,
                "path": request.path,
                "query": {"api-version": api_version} if api_version is not None else {},
                "status": status,
                "duration_ms": round((time.monotonic() - started) * 1000, 2),
                "user_agent": request.header("user-agent"),
                "request_id": request.request_id,
                "kind": kind,
                "operation": request.operation or (route.name if route else None),
                "fault": fault,
                "principal": request.principal.client_id if request.principal else None,
            },
        )


# -- HTTP transport ---------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer has a Content-Length
    timeout = 120  # idle keep-alive connections give their thread back
    server: LocalAzureHTTPServer

    def setup(self) -> None:
        self.request.settimeout(self.timeout)
        # Headers and body are separate writes: without NODELAY, Nagle + delayed ACK
        # add ~40 ms to every answer on a keep-alive connection.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        # The request log (requestlog.py) is the record; stderr lines could leak queries.
        return None

    def _serve(self) -> None:
        try:
            request = self._request()
        except ValueError as exc:
            self.close_connection = True  # the body's framing is unknown: no keep-alive
            dispatcher = self.server.dispatcher
            self._write(dispatcher.malformed(self.command, urlsplit(self.path).path, str(exc)))
            return
        try:
            response = self.server.dispatcher.dispatch(request)
        except ConnectionResetFault:
            self._reset()
            return
        self._write(response)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    def _request(self) -> Request:
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        return Request(
            method=self.command,
            path=unquote(url.path),
            query=Request.parse_query(url.query),
            headers=headers,
            body=self._body(headers),
            client_cert_der=self.request.getpeercert(binary_form=True),
            raw_path=url.path,
            raw_query=url.query,
            client_ip=str(self.client_address[0]),
            raw_headers=list(self.headers.items()),
        )

    def _body(self, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return self._chunked_body()
        length = int(headers.get("content-length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length) if length else b""

    def _chunked_body(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline().strip():
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _write(self, response: Response) -> None:
        self.send_response(response.status)
        declared = ""
        for name, value in response.headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
            else:
                declared = value
        # A HEAD answer may declare the length of what GET would send (Blob properties).
        length = declared if self.command == "HEAD" and declared else str(len(response.body))
        self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    def _reset(self) -> None:
        # SO_LINGER 0 turns close() into a TCP RST: the client sees a reset connection.
        self.close_connection = True
        try:
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.server.abort(self.request)


class LocalAzureHTTPServer(ThreadingHTTPServer):
    """HTTPS + threads; tracks open connections so ``stop`` can close idle keep-alives.

    ``share_port``: bind with SO_REUSEPORT, so every server of one state dir can listen
    on its Blob port at once (they share the state; the kernel spreads connections)."""

    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        dispatcher: Dispatcher,
        context: ssl.SSLContext,
        *,
        share_port: bool = False,
    ):
        self.share_port = share_port
        self.dispatcher = dispatcher
        self.context = context
        self._anchors_seen: frozenset[str] | None = None
        self._open: set[Any] = set()
        self._aborted: set[Any] = set()
        self._open_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        if self.share_port and hasattr(socket, "SO_REUSEPORT"):
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()

    def get_request(self) -> tuple[Any, Any]:
        # The listening socket stays plain: each connection is wrapped with the context
        # current at accept time, so newly registered certificates count at once.
        conn, address = self.socket.accept()
        self._refresh_context()
        try:
            wrapped = self.context.wrap_socket(
                conn, server_side=True, do_handshake_on_connect=False
            )
        except OSError:
            conn.close()
            raise
        return wrapped, address

    def _refresh_context(self) -> None:
        cloud = self.dispatcher.cloud
        try:
            registered = management_certificates(cloud)
        except Exception:  # a busy or broken store must not stop the accept loop
            LOG.debug("could not read management certificates", exc_info=True)
            return
        seen = frozenset(registered)
        if seen != self._anchors_seen:
            self.context = tls_context(cloud, list(registered.values()))
            self._anchors_seen = seen

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
            aborted = request in self._aborted
            self._aborted.discard(request)
        if aborted:
            # No FIN first: close() with SO_LINGER 0 sends a TCP RST.
            self.close_request(request)
        else:
            super().shutdown_request(request)

    def abort(self, request: Any) -> None:
        """Drop a connection without an answer (a reset fault): closed, not shut down."""
        with self._open_lock:
            self._aborted.add(request)

    def close_connections(self) -> None:
        with self._open_lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Handshake failures and clients hanging up are routine; anything else is logged.
        LOG.debug("connection from %s ended with an error", client_address, exc_info=True)


def management_certificates(cloud: Cloud) -> dict[str, bytes]:
    """Every registered management certificate (all subscriptions), DER by store key."""
    found: dict[str, bytes] = {}
    for key, doc in cloud.store.doc_list(MANAGEMENT_CERTIFICATES):
        try:
            found[key] = base64.b64decode(doc["data"])
        except (KeyError, TypeError, ValueError):
            continue  # a malformed record vouches for nobody
    return found


def tls_context(cloud: Cloud, anchors: list[bytes] | None = None) -> ssl.SSLContext:
    """Server TLS: our certificate; optional client certificates that chain to the local
    CA or are themselves a registered management certificate (``anchors``, DER)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cloud.state_dir / "server.pem", cloud.state_dir / "server.key")
    context.load_verify_locations(cloud.state_dir / "ca.pem")
    for der in anchors or []:
        try:
            context.load_verify_locations(cadata=der)
        except ssl.SSLError:
            LOG.debug("a registered management certificate is not loadable; skipped")
    # A registered leaf issued by a CA we do not know is trusted on its own.
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    context.verify_mode = ssl.CERT_OPTIONAL
    return context


def make_server(cloud: Cloud, host: str = "127.0.0.1", port: int = 0) -> LocalAzureHTTPServer:
    """Bind (loopback only), set ``cloud.base_url`` and return the unstarted server."""
    check_loopback(host)
    dispatcher = Dispatcher(cloud, build_router())
    server = LocalAzureHTTPServer((host, port), dispatcher, tls_context(cloud))
    bound_host, bound_port = server.server_address[:2]
    shown = "127.0.0.1" if host == "localhost" else str(bound_host)
    shown = f"[{shown}]" if ":" in shown else shown
    cloud.base_url = f"https://{shown}:{bound_port}"
    return server


def make_blob_server(cloud: Cloud, host: str = "127.0.0.1") -> LocalAzureHTTPServer:
    """The Blob service's server: on the state dir's Blob port when it is free or held
    by another server of this state dir (SO_REUSEPORT; its TLS certificate chains to
    our CA), else on a new port, which is then recorded. Sets ``cloud.blob_url``."""
    check_loopback(host)
    dispatcher = Dispatcher(cloud, build_router(BLOB_ROUTE_MODULES), family="storage")
    recorded = cloud.store.meta_get(BLOB_PORT_KEY)
    server = None
    if isinstance(recorded, int) and _port_is_ours_or_free(cloud, host, recorded):
        try:
            server = LocalAzureHTTPServer(
                (host, recorded), dispatcher, tls_context(cloud), share_port=True
            )
        except OSError:
            server = None
    if server is None:
        port = _free_port(host)
        server = LocalAzureHTTPServer((host, port), dispatcher, tls_context(cloud), share_port=True)
        cloud.store.meta_set(BLOB_PORT_KEY, server.server_address[1])
    shown = "127.0.0.1" if host == "localhost" else host
    shown = f"[{shown}]" if ":" in shown else shown
    cloud.blob_url = f"https://{shown}:{server.server_address[1]}"
    return server


def _free_port(host: str) -> int:
    # Chosen without SO_REUSEPORT, so it is not a port another server shares.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _port_is_ours_or_free(cloud: Cloud, host: str, port: int) -> bool:
    """Nothing listens on ``port``, or a server whose certificate our CA issued."""
    try:
        conn = socket.create_connection((host, port), timeout=2)
    except OSError:
        return True  # nobody listens
    context = ssl.create_default_context(cafile=str(cloud.state_dir / "ca.pem"))
    context.check_hostname = False  # any name: the point is who issued it
    try:
        with context.wrap_socket(conn, server_hostname=host):
            return True
    except (OSError, ssl.SSLError):
        return False
    finally:
        conn.close()
