"""The sandbox's socket server: Cloudflare's audit-log endpoints on loopback.

A :class:`Sandbox` (create it with :func:`start`) is a real HTTP/1.1 server (stdlib
``ThreadingHTTPServer``, one daemon thread per connection) that serves
``GET {base}/user/audit_logs`` and ``GET {base}/accounts/{account_id}/audit_logs`` with
``base = http://<host>:<port>/client/v4``. The handler only reads requests and writes
responses: what to answer is :func:`auditkit.sandbox._semantics.answer`'s, with the
sandbox's :class:`~auditkit.sandbox._faults.SandboxFaults` around it. Every response
carries a random ``CF-RAY`` header; HEAD gets the headers only.

``sb.requests`` logs every request (:class:`RequestLog`: method, path, params, which
auth headers were present, status, fault); secret header values are never stored, and
query parameters that look like secrets or carry one of the sandbox's secrets are
redacted.

Examples
--------
>>> import requests
>>> from auditkit import sandbox
>>> with sandbox.start(anchor="2026-10-01") as sb:
...     r = requests.get(f"{sb.base_url}/user/audit_logs",
...                      headers={"Authorization": f"Bearer {sb.token}"},
...                      params={"per_page": 5})
...     (r.status_code, len(r.json()["result"]))
(200, 5)
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import urlsplit

from auditkit.sandbox._auth import (
    DEFAULT_API_KEY,
    DEFAULT_EMAIL,
    DEFAULT_TOKEN,
    Credentials,
    auth_scheme,
    redact,
)
from auditkit.sandbox._data import generate_records
from auditkit.sandbox._envelope import API_PREFIX, Response
from auditkit.sandbox._faults import LiveWriter, SandboxFaults, apply_faults
from auditkit.sandbox._people import Identity, identity
from auditkit.sandbox._semantics import Request, Site, answer, parse_target
from auditkit.sandbox._store import Store
from auditkit.sandbox._times import parse_anchor

__all__ = ["RequestLog", "Sandbox", "start"]

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
    status
        HTTP status sent (200 for ``drop_connection``, whose body is cut).
    audit_log
        Whether the path is an audit-log endpoint (what fault knobs count).
    scope
        ``"user"``, ``"account"`` or ``None``.
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
    scope: Literal["user", "account"] | None
    has_authorization: bool
    has_x_auth_email: bool
    has_x_auth_key: bool
    auth_scheme: str | None
    auth: Literal["token", "key"] | None
    fault: str | None
    time: float

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


class _Server(ThreadingHTTPServer):
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
    server: _Server

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
        outcome = answer(
            Request(self.command, path, params, self.headers),
            sb._site(),
            around=functools.partial(apply_faults, sb.faults, sb._live.write),
        )
        sb._log(
            RequestLog(
                method=self.command,
                path=path,
                params=redact(params, (sb.token, sb.api_key)),
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


# ---------------------------------------------------------------------------
# the sandbox
# ---------------------------------------------------------------------------


class Sandbox:
    """A running Cloudflare audit-log API on loopback. Create it with :func:`start`.

    Attributes
    ----------
    base_url : str
        ``http://<host>:<port>/client/v4``, the SDKs' ``base_url``.
    host, port : str, int
        Where it listens (``port`` is the real one when started with ``port=0``).
    token : str
        API token accepted as ``Authorization: Bearer <token>``.
    email, api_key : str
        Legacy credentials accepted as ``X-Auth-Email`` + ``X-Auth-Key``.
    account_id : str
        The one account served at ``/accounts/{account_id}/audit_logs``.
    user_id : str
        Id of the token's user (``michelle`` in the synthetic data).
    anchor : datetime
        End of the synthetic history (UTC, whole seconds).
    seed : int
        Seed of the synthetic data.
    identity : Identity
        Ids of the synthetic account, users and zones.
    faults : SandboxFaults
        Fault knobs.

    Examples
    --------
    >>> from auditkit import sandbox
    >>> with sandbox.start(records=[]) as sb:
    ...     sb.base_url.endswith("/client/v4")
    True
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        records: Iterable[Mapping[str, Any]] | None = None,
        seed: int = 0,
        anchor: datetime | date | str | None = None,
        token: str | None = None,
        email: str | None = None,
        api_key: str | None = None,
        account_id: str | None = None,
        latency: float = 0.0,
    ) -> None:
        self.seed = seed
        self.anchor = parse_anchor(anchor)
        self.identity: Identity = identity(seed, account_id)
        self.account_id = self.identity.account_id
        self.user_id = self.identity.people["michelle"].id
        self.token = token or DEFAULT_TOKEN
        self.email = email or DEFAULT_EMAIL
        self.api_key = api_key or DEFAULT_API_KEY
        self.faults = SandboxFaults(latency)
        if records is None:
            recs = generate_records(seed, self.anchor, account_id=account_id)
        else:
            recs = [_as_record(record) for record in records]
        self._store = Store(recs, self.identity.user_ids)
        newest = self._store.newest_ns()
        self._live = LiveWriter(
            self._store,
            self.identity,
            seed,
            newest if newest is not None else int(self.anchor.timestamp()) * 1_000_000_000,
        )
        self._requests: list[RequestLog] = []
        self._requests_lock = threading.Lock()
        self._server = _Server((host, port), self)
        self.host = host
        self.port: int = self._server.server_address[1]
        url_host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
        if ":" in url_host:
            url_host = f"[{url_host}]"
        self.base_url = f"http://{url_host}:{self.port}{API_PREFIX}"
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()

    # -- lifecycle ----------------------------------------------------------------
    def _start(self) -> Self:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"auditkit-sandbox:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        """Whether the server thread is serving."""
        return self._thread is not None and self._thread.is_alive() and not self._stopped.is_set()

    def stop(self) -> None:
        """Stop serving, close open connections and join the server thread (idempotent).

        Examples
        --------
        >>> from auditkit import sandbox
        >>> sb = sandbox.start(records=[])
        >>> sb.stop(); sb.stop()
        >>> sb.running
        False
        """
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._thread is not None:
            self._server.shutdown()
        self._server.server_close()
        with self._server.sockets_lock:
            socks = list(self._server.open_sockets)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Block until :meth:`stop` is called (from another thread) or Ctrl-C, then stop.

        Parameters
        ----------
        poll_interval
            How often to wake up to notice Ctrl-C, in seconds.

        Examples
        --------
        >>> from auditkit import sandbox
        >>> sb = sandbox.start(port=8787)           # doctest: +SKIP
        >>> print(sb.base_url, sb.token)            # doctest: +SKIP
        >>> sb.serve_forever()                      # doctest: +SKIP
        """
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(poll_interval)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Sandbox {self.base_url} {state}, {len(self.records)} records>"

    # -- data -----------------------------------------------------------------------
    @property
    def records(self) -> list[dict[str, Any]]:
        """The records served, newest first (by ``when``, then ``id``); a new list."""
        return self._store.records()

    def add_records(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Insert records; they are served from the next request on.

        Parameters
        ----------
        records
            Record dicts (stored as given, served exactly as stored).

        Examples
        --------
        >>> from auditkit import sandbox
        >>> with sandbox.start(records=[]) as sb:
        ...     sb.add_records([{"id": "x", "when": "2026-10-01T00:00:00Z"}])
        ...     len(sb.records)
        1
        """
        self._store.add([_as_record(record) for record in records])

    def _site(self) -> Site:
        """What the request semantics serve, as configured now."""
        return Site(self._store, Credentials(self.token, self.email, self.api_key), self.account_id)

    # -- request log ------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestLog]:
        """Every request served so far, oldest first (a new list)."""
        with self._requests_lock:
            return list(self._requests)

    def reset_requests(self) -> None:
        """Forget the requests logged so far."""
        with self._requests_lock:
            self._requests.clear()

    def _log(self, entry: RequestLog) -> None:
        with self._requests_lock:
            self._requests.append(entry)

    def url(self, path: str) -> str:
        """Return ``base_url`` + ``path`` (``path`` starting with ``/``).

        Examples
        --------
        >>> from auditkit import sandbox
        >>> with sandbox.start(records=[]) as sb:
        ...     sb.url("/user/audit_logs").endswith("/client/v4/user/audit_logs")
        True
        """
        return self.base_url + path


def _as_record(record: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(record, dict):
        return record
    if isinstance(record, Mapping):
        return dict(record)
    raise TypeError(f"records must be mappings, got {type(record).__name__}")


def start(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    records: Iterable[Mapping[str, Any]] | None = None,
    seed: int = 0,
    anchor: datetime | date | str | None = None,
    token: str | None = None,
    email: str | None = None,
    api_key: str | None = None,
    account_id: str | None = None,
    latency: float = 0.0,
) -> Sandbox:
    """Start a sandbox on a background thread and return it.

    Parameters
    ----------
    host, port
        Where to listen; ``port=0`` picks a free port (see ``sb.port``).
    records
        Serve these records instead of the synthetic account (e.g. the real fixture).
    seed
        Seed of the synthetic account (and of records written by ``write_during_load``).
    anchor
        End of the synthetic history: tz-aware datetime, date or RFC 3339 string;
        default today's UTC midnight.
    token
        API token to accept; default :data:`DEFAULT_TOKEN`.
    email, api_key
        Legacy credentials to accept; default :data:`DEFAULT_EMAIL` /
        :data:`DEFAULT_API_KEY`.
    account_id
        The account served; default the seed's (``sb.account_id``).
    latency
        Initial ``faults.latency`` in seconds.

    Returns
    -------
    Sandbox
        Running; stop it with ``sb.stop()`` or use it as a context manager; block on it
        with ``sb.serve_forever()``.

    Examples
    --------
    >>> from auditkit import sandbox
    >>> with sandbox.start(anchor="2026-10-01") as sb:
    ...     len(sb.records) > 3000
    True
    """
    return Sandbox(
        host,
        port,
        records=records,
        seed=seed,
        anchor=anchor,
        token=token,
        email=email,
        api_key=api_key,
        account_id=account_id,
        latency=latency,
    )._start()
