"""The sandbox's HTTP side: the request handler, the socket server and the request log.

:class:`_Handler` reads one request, asks :func:`auditkit.sandbox._semantics.answer`
what to answer (with the sandbox's faults around it), logs it (:class:`RequestLog`) and
writes the response; every response carries a random ``CF-RAY`` header, HEAD gets the
headers only. The request log keeps which auth headers were present, never their
values, and query parameters redacted (:func:`auditkit.sandbox._auth.redact`).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl, urlsplit

from auditkit.sandbox._auth import auth_scheme, redact
from auditkit.sandbox._envelope import Response
from auditkit.sandbox._faults import apply_faults
from auditkit.sandbox._semantics import Request, answer, parse_query_values, parse_target

if TYPE_CHECKING:
    from auditkit.sandbox._server import Sandbox

__all__ = ["RequestLog", "Server"]

log = logging.getLogger("auditkit.sandbox")

# ---------------------------------------------------------------------------
# request log
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestLog:
    """One request the sandbox served. Never holds a secret header value.

    Supports attribute access (``r.status``) and item access (``r["status"]``).

    Attributes
    ----------
    method, path
        HTTP method and URL path (no query string).
    params
        Query parameters (last value wins); secret-looking values are redacted.
    query
        Every query parameter as ``(name, value)`` pairs, in order (v2's array
        filters repeat names), redacted like ``params``.
    status
        HTTP status sent (200 for ``drop_connection``, whose body is cut).
    audit_log
        Whether the path is an audit-log endpoint (what fault knobs count).
    scope
        ``"user"``, ``"account"``, ``"organization"`` or ``None`` (not an audit log).
    api
        ``"v1"``, ``"v2"``, ``"accounts"`` (``GET /accounts``) or ``None`` (404).
    has_authorization, has_x_auth_email, has_x_auth_key
        Which auth headers were present.
    auth_scheme
        First word of the ``Authorization`` header (e.g. ``"Bearer"``), if any.
    auth
        The credential accepted: ``"token"``, ``"key"`` or ``None``.
    fault
        Name of the fault applied (``"rate_limit"``, ...), if any.
    time
        ``time.time()`` when the request was answered.
    """

    method: str
    path: str
    params: dict[str, str]
    status: int
    audit_log: bool
    scope: Literal["user", "account", "organization"] | None
    has_authorization: bool
    has_x_auth_email: bool
    has_x_auth_key: bool
    auth_scheme: str | None
    auth: Literal["token", "key"] | None
    fault: str | None
    time: float
    api: Literal["v1", "v2", "accounts"] | None = None
    query: tuple[tuple[str, str], ...] = ()

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        """Dict-style access with a default."""
        return getattr(self, key, default)


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------


class Server(ThreadingHTTPServer):
    """A threading HTTP server for one :class:`~auditkit.sandbox._server.Sandbox`."""

    daemon_threads = True
    request_queue_size = 128
    sandbox: Sandbox

    def __init__(self, addr: tuple[str, int], sandbox: Sandbox) -> None:
        if ":" in addr[0]:
            self.address_family = socket.AF_INET6
        self.sandbox = sandbox
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(addr, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "auditkit-sandbox"
    sys_version = ""
    timeout = 60
    server: Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's
        # algorithm plus the client's delayed ACK add ~40 ms to every response.
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        with self.server.sockets_lock:
            self.server.open_sockets.discard(self.connection)

    def version_string(self) -> str:
        return self.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The request line may carry secrets in its query string: log the path only.
        log.debug("%s %s -> %s", self.command, urlsplit(self.path).path, code)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox: " + format, *args)

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # -------------------------------------------------------------------------
    def _handle(self) -> None:
        sb = self.server.sandbox
        self._drain_body()
        path, params = parse_target(self.path)
        values = parse_query_values(self.path)
        outcome = answer(
            Request(self.command, path, params, self.headers, values),
            sb._site(),
            around=functools.partial(apply_faults, sb.faults, sb._live.write),
        )
        secrets = (sb.token, sb.api_key)
        sb._log(
            RequestLog(
                method=self.command,
                path=path,
                params=redact(params, secrets),
                status=outcome.response.status,
                audit_log=outcome.scope is not None,
                scope=outcome.scope,
                has_authorization="Authorization" in self.headers,
                has_x_auth_email="X-Auth-Email" in self.headers,
                has_x_auth_key="X-Auth-Key" in self.headers,
                auth_scheme=auth_scheme(self.headers.get("Authorization")),
                auth=outcome.auth,
                fault=outcome.fault,
                time=time.time(),
                api=outcome.api,
                query=tuple(
                    (name, redact({name: value}, secrets)[name])
                    for name, value in parse_qsl(urlsplit(self.path).query, keep_blank_values=True)
                ),
            )
        )
        self._send(outcome.response)

    def _drain_body(self) -> None:
        length = self.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > 0:
            self.rfile.read(int(length))
        elif self.headers.get("Transfer-Encoding"):
            self.close_connection = True

    def _send(self, resp: Response) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        self.send_header("CF-RAY", f"{random.getrandbits(64):016x}-SBX")
        for name, value in resp.headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        if resp.drop:
            self.wfile.write(resp.body[: len(resp.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(resp.body)
