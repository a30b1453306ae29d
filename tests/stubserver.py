"""Small HTTP servers on loopback that behave the way our sandbox never would.

A test hands :class:`StubServer` a function from the request to a :class:`Reply`;
the server answers over real HTTP on ``127.0.0.1`` and records every request.
Replies can carry any bytes, stray headers, a body trickled a byte at a time,
a redirect, a dropped connection or no answer at all.

Examples
--------
>>> import requests
>>> with StubServer(lambda req: Reply(body=envelope([{"id": "a"}]))) as stub:
...     requests.get(stub.base_url + "/user/audit_logs", timeout=5).json()["result"]
[{'id': 'a'}]
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "Reply",
    "Request",
    "StubServer",
    "envelope",
    "filtering_handler",
    "pages_handler",
    "record",
]


@dataclass
class Request:
    """One request as the stub saw it."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    #: Every query parameter in order, repeated keys included (``params`` keeps the last).
    query: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Reply:
    """What the stub answers.

    ``chunks`` (with ``chunk_delay`` seconds between them) replaces ``body``;
    ``hang`` never answers (until the server stops); ``drop`` closes the
    connection without a response.
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] | None = None
    chunk_delay: float = 0.0
    content_length: int | None = None
    hang: bool = False
    drop: bool = False
    #: Send ``chunks`` with ``Transfer-Encoding: chunked`` (no ``Content-Length``).
    chunked: bool = False


def envelope(records: list[Any], success: bool = True, **result_info: Any) -> bytes:
    """A Cloudflare envelope holding ``records`` (``result_info`` only when given)."""
    body: dict[str, Any] = {"success": success, "errors": [], "messages": [], "result": records}
    if result_info:
        body["result_info"] = result_info
    return json.dumps(body).encode()


def record(n: int, when: str = "2026-09-01T12:00:00Z") -> dict[str, Any]:
    """A plausible v1 audit record with id ``r<n>``."""
    return {
        "id": f"r{n:06d}",
        "action": {"type": "change_setting", "result": True},
        "actor": {"id": "u1", "email": "a@example.com", "ip": "192.0.2.1", "type": "user"},
        "interface": "API",
        "metadata": {"zone_name": "example.com"},
        "owner": {"id": "o1"},
        "resource": {"id": "z1", "type": "zone"},
        "when": when,
    }


def pages_handler(
    records: list[dict[str, Any]], cap: int | None = None, **extra_info: Any
) -> Callable[[Request], Reply]:
    """A handler that pages ``records`` by ``page``/``per_page`` (capped at ``cap``)."""

    def handle(req: Request) -> Reply:
        per_page = int(req.params.get("per_page", "100"))
        if cap is not None:
            per_page = min(per_page, cap)
        page = int(req.params.get("page", "1"))
        chunk = records[(page - 1) * per_page : page * per_page]
        info = {
            "page": page,
            "per_page": per_page,
            "count": len(chunk),
            "total_count": len(records),
            **extra_info,
        }
        return Reply(body=envelope(chunk, **info))

    return handle


def _instant(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def filtering_handler(
    records: list[dict[str, Any]], *, honour_direction: bool = True
) -> Callable[[Request], Reply]:
    """A handler that filters ``records`` by ``since``/``before`` and pages them.

    Newest first unless ``direction=asc`` (ignored when ``honour_direction`` is
    false, as a server might).
    """

    def handle(req: Request) -> Reply:
        since = req.params.get("since")
        before = req.params.get("before")
        rows = [
            r
            for r in records
            if (since is None or _instant(r["when"]) >= _instant(since))
            and (before is None or _instant(r["when"]) < _instant(before))
        ]
        asc = honour_direction and req.params.get("direction") == "asc"
        rows.sort(key=lambda r: (r["when"], r["id"]), reverse=not asc)
        per_page = int(req.params.get("per_page", "100"))
        page = int(req.params.get("page", "1"))
        chunk = rows[(page - 1) * per_page : page * per_page]
        info = {"page": page, "per_page": per_page, "count": len(chunk), "total_count": len(rows)}
        return Reply(body=envelope(chunk, **info))

    return handle


class StubServer:
    """A threaded HTTP server on ``127.0.0.1`` answering with ``handler(request)``."""

    def __init__(
        self,
        handler: Callable[[Request], Reply],
        path_prefix: str = "/client/v4",
        host: str = "127.0.0.1",
    ) -> None:
        self.handler = handler
        self.prefix = path_prefix
        self.requests: list[Request] = []
        self._stop = threading.Event()
        stub = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                path = url.path
                if path.startswith(stub.prefix):
                    path = path[len(stub.prefix) :]
                pairs = parse_qsl(url.query, keep_blank_values=True)
                req = Request(
                    "GET", path, dict(parse_qsl(url.query)), dict(self.headers.items()), pairs
                )
                stub.requests.append(req)
                reply = stub.handler(req)
                if reply.hang:
                    stub._stop.wait(60)
                    self.close_connection = True
                    return
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.chunks is not None and reply.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    try:
                        for part in reply.chunks:
                            if stub._stop.is_set():
                                break
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                            time.sleep(reply.chunk_delay)
                        self.wfile.write(b"0\r\n\r\n")
                    except OSError:
                        pass
                    self.close_connection = True
                    return
                if reply.chunks is not None:
                    parts = list(reply.chunks)
                    length = reply.content_length
                    self.send_header(
                        "Content-Length",
                        str(length if length is not None else sum(map(len, parts))),
                    )
                    self.end_headers()
                    try:
                        for part in parts:
                            if stub._stop.is_set():
                                break
                            self.wfile.write(part)
                            self.wfile.flush()
                            time.sleep(reply.chunk_delay)
                    except OSError:
                        pass
                    self.close_connection = True
                    return
                length = reply.content_length
                self.send_header(
                    "Content-Length", str(len(reply.body) if length is None else length)
                )
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(reply.body)

        self._server = ThreadingHTTPServer((host, 0), _Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.origin = f"http://{host}:{self.port}"
        self.base_url = f"{self.origin}{path_prefix}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
