"""The sandbox HTTP server: Cloudflare's audit-log endpoints on loopback.

A :class:`Sandbox` is a real HTTP/1.1 server (stdlib ``ThreadingHTTPServer``) that
serves ``GET {base}/user/audit_logs`` and ``GET {base}/accounts/{account_id}/audit_logs``
with ``base = http://<host>:<port>/client/v4``, the way Cloudflare does: same query
parameters (wire names), same envelope, same error envelopes, plus fault knobs
(:class:`SandboxFaults`) so clients can be tested against rate limits, 5xx, dropped
connections, truncated bodies, ``success: false`` and entries written during a load.

Behaviour, where Cloudflare documents nothing (decisions, tested in
``tests/test_sandbox.py``):

- **Routing** happens first: an unknown path, or an account id that is not 32 letters
  or digits, gets 404 with codes 7003 ("Could not route to ...") and 7000. A method
  other than GET on an audit-log path gets 405 (code 7001).
- **Auth** next. ``Authorization: Bearer <token>`` or ``X-Auth-Email`` + ``X-Auth-Key``.
  No credential (a token in the query string counts as none): 400, code 6003 "Invalid
  request headers" with 6103 in ``error_chain``; ``X-Auth-Key`` without ``X-Auth-Email``:
  6003/6102; an ``Authorization`` header that is not ``Bearer <token>`` (``Basic``, an
  empty token): 6003/6111. When ``Authorization`` is present it decides, whatever
  ``X-Auth-*`` say. A well-formed but wrong token, or a wrong email/key pair: 401, code
  10000 "Authentication error". A valid credential on another (well-formed) account id:
  403, code 9109 "Unauthorized to access requested resource".
- **Account scope** serves the same records as the user scope (the synthetic data is one
  account; all its entries, user-level ones included, are served by both endpoints).
- **Parameters**: ``id``, ``action.type`` (exact), ``actor.email`` (exact,
  case-insensitive), ``actor.ip`` (an IPv4/IPv6 address or CIDR range, host bits
  allowed; matches ``actor.ip`` of the same IP version), ``zone.name`` (exact,
  case-insensitive, on ``metadata.zone_name``), ``since`` (``when >= since``) and
  ``before`` (``when < before``), each an RFC 3339 date (midnight UTC) or date-time with
  ``Z`` or an offset and optional fraction (compared exactly, to the nanosecond);
  ``direction`` ``desc`` (default, newest first, ties by id descending) or ``asc`` (the
  exact reverse); ``hide_user_logs`` ``true`` hides *user-level* entries, those whose
  ``owner.id`` is a user's id (any ``user`` actor's id in the data, plus the synthetic
  users), i.e. logins, API token and API key events; ``page`` >= 1 (default 1) and
  ``per_page`` 1..1000 (default 100), both plain integers; ``export=true`` returns CSV.
  Booleans accept ``true``/``false``/``1``/``0`` (any case). Empty values count as
  absent; repeated parameters: the last wins; unknown parameters are ignored. Any
  invalid value: 400, code 1004, message naming the parameter.
- **Envelope**: ``{"result": [...], "result_info": {"page", "per_page", "count",
  "total_count"}, "success": true, "errors": [], "messages": []}``; records are
  serialised exactly as stored. A page past the end has an empty ``result`` (the official
  SDK's auto-pager stops on an empty page).
- **CSV export** (``export=true``): every matching entry (no paging; ``page`` and
  ``per_page`` are still validated), in the requested direction, ``Content-Type:
  text/csv; charset=utf-8``, CRLF lines, a header row with :data:`CSV_COLUMNS`:
  ``id, when, action.type, action.result, action.info, actor.id, actor.email, actor.ip,
  actor.type, interface, resource.id, resource.type, owner.id, metadata.zone_name,
  oldValue, newValue, oldValueJson, newValueJson, metadata``. Missing values are empty,
  booleans ``true``/``false``, objects compact JSON.
- **Faults** (:class:`SandboxFaults`) count audit-log requests only (routed audit-log
  paths, whatever their auth), and fire before auth and validation.
- ``sb.requests`` logs every request (method, path, params, which auth headers were
  present, status, fault); secret header values are never stored, and query parameters
  that look like secrets or carry one of the sandbox's secrets are redacted.

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
import csv
import functools
import hmac
import io
import ipaddress
import logging
import random
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qsl, urlsplit

import msgspec

from auditkit.sandbox.data import (
    Identity,
    format_when,
    generate_records,
    identity,
    live_record,
    parse_anchor,
    parse_timestamp_ns,
)

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_API_KEY",
    "DEFAULT_EMAIL",
    "DEFAULT_TOKEN",
    "RequestLog",
    "Sandbox",
    "SandboxFaults",
    "start",
]

log = logging.getLogger("auditkit.sandbox")

#: Default API token (a fixed, random-looking 40-character string).
DEFAULT_TOKEN = "DXbmIL62maxGEb6QspObFLEoAnpnhhnffGcOFl7b"
#: Default legacy credentials (``X-Auth-Email`` / ``X-Auth-Key``, 37 hex characters).
DEFAULT_EMAIL = "michelle@example.com"
DEFAULT_API_KEY = "d40c2c9595278fac7c48fcac8db9d38694204"

API_PREFIX = "/client/v4"
#: Columns of the CSV export, in order (nested keys flattened with dots).
CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "when",
    "action.type",
    "action.result",
    "action.info",
    "actor.id",
    "actor.email",
    "actor.ip",
    "actor.type",
    "interface",
    "resource.id",
    "resource.type",
    "owner.id",
    "metadata.zone_name",
    "oldValue",
    "newValue",
    "oldValueJson",
    "newValueJson",
    "metadata",
)
_CSV_PATHS = tuple(tuple(c.split(".")) for c in CSV_COLUMNS)

MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 100
_ACCOUNT_ID_RE = re.compile(r"[0-9A-Za-z]{32}")
_ACCOUNT_PATH_RE = re.compile(rf"{API_PREFIX}/accounts/([^/]*)/audit_logs")
_USER_PATH = f"{API_PREFIX}/user/audit_logs"
_INT_RE = re.compile(r"[0-9]+")
_SECRET_PARAM_RE = re.compile(r"token|key|secret|pass|auth|bearer", re.IGNORECASE)
_BOOLS = {"true": True, "1": True, "false": False, "0": False}
_NS_MIN = -(1 << 80)

_HTML_5XX = """<html>
<head><title>{status} {reason}</title></head>
<body>
<center><h1>{status} {reason}</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
"""


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
# faults
# ---------------------------------------------------------------------------


@dataclass
class _Armed:
    kind: str
    remaining: int
    retry_after: int = 1
    status: int = 503
    body: str = "auto"


@dataclass
class _Writer:
    every: int
    count: int
    when: str | datetime
    times: int | None
    seen: int = 0
    done: int = 0


class SandboxFaults:
    """Thread-safe fault knobs of a :class:`Sandbox`.

    One-shot faults (``rate_limit``, ``server_error``, ``drop_connection``,
    ``truncate_json``, ``success_false``) are queued in the order they are armed; each
    audit-log request consumes one from the head of the queue, so
    ``faults.rate_limit(2).server_error(1)`` gives 429, 429, 503, then normal answers.
    Only audit-log requests count (any other path neither consumes nor triggers).
    ``latency`` and ``write_during_load`` stay in force until :meth:`reset`.

    Examples
    --------
    >>> from auditkit import sandbox
    >>> with sandbox.start(records=[]) as sb:
    ...     _ = sb.faults.rate_limit(1, retry_after=0).truncate_json(1)
    ...     sb.faults.pending
    [('rate_limit', 1), ('truncate_json', 1)]
    """

    def __init__(self, latency: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._queue: deque[_Armed] = deque()
        self._latency = 0.0
        self._writer: _Writer | None = None
        self.latency = latency

    # -- knobs ----------------------------------------------------------------
    @property
    def latency(self) -> float:
        """Seconds to sleep before answering each audit-log request (settable)."""
        return self._latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        seconds = float(seconds)
        if not seconds >= 0:
            raise ValueError("latency must be >= 0")
        with self._lock:
            self._latency = seconds

    def _arm(self, armed: _Armed) -> Self:
        if armed.remaining < 0:
            raise ValueError("n must be >= 0")
        if armed.remaining:
            with self._lock:
                self._queue.append(armed)
        return self

    def rate_limit(self, n: int = 1, retry_after: int = 1) -> Self:
        """Answer the next ``n`` audit-log requests with HTTP 429.

        The body is a Cloudflare envelope with code 971 "Please wait and consider
        throttling your request speed"; ``Retry-After`` carries ``retry_after`` seconds.

        Parameters
        ----------
        n
            Number of requests.
        retry_after
            Value of the ``Retry-After`` header, whole seconds (0 allowed).

        Returns
        -------
        SandboxFaults
            ``self``, for chaining.

        Examples
        --------
        >>> SandboxFaults().rate_limit(2, retry_after=0).pending
        [('rate_limit', 2)]
        """
        if int(retry_after) != retry_after or retry_after < 0:
            raise ValueError("retry_after must be a whole number of seconds >= 0")
        return self._arm(_Armed("rate_limit", n, retry_after=int(retry_after)))

    def server_error(
        self, n: int = 1, status: int = 503, body: Literal["auto", "html", "json"] = "auto"
    ) -> Self:
        """Answer the next ``n`` audit-log requests with a 5xx.

        Parameters
        ----------
        n
            Number of requests.
        status
            HTTP status, 500..599.
        body
            ``"html"`` (Cloudflare's edge error page), ``"json"`` (an envelope with
            code 1000 "Internal error"), or ``"auto"``: HTML for 502, 503, 504 and
            520..530, JSON otherwise.

        Returns
        -------
        SandboxFaults
            ``self``, for chaining.

        Examples
        --------
        >>> SandboxFaults().server_error(1, status=500, body="json").pending
        [('server_error', 1)]
        """
        if not 500 <= status <= 599:
            raise ValueError("status must be 500..599")
        if body not in ("auto", "html", "json"):
            raise ValueError("body must be 'auto', 'html' or 'json'")
        return self._arm(_Armed("server_error", n, status=status, body=body))

    def drop_connection(self, n: int = 1) -> Self:
        """Cut the next ``n`` audit-log responses mid-body and close the socket.

        Headers announce the full ``Content-Length``, half the body is written, then the
        connection is closed: clients see ``ChunkedEncodingError``/``ConnectionError``.

        Parameters
        ----------
        n
            Number of requests.

        Returns
        -------
        SandboxFaults
            ``self``, for chaining.

        Examples
        --------
        >>> SandboxFaults().drop_connection().pending
        [('drop_connection', 1)]
        """
        return self._arm(_Armed("drop_connection", n))

    def truncate_json(self, n: int = 1) -> Self:
        """Cut the next ``n`` audit-log bodies in half (``Content-Length`` matches the cut).

        Parameters
        ----------
        n
            Number of requests.

        Returns
        -------
        SandboxFaults
            ``self``, for chaining.

        Examples
        --------
        >>> SandboxFaults().truncate_json(3).pending
        [('truncate_json', 3)]
        """
        return self._arm(_Armed("truncate_json", n))

    def success_false(self, n: int = 1) -> Self:
        """Answer the next ``n`` audit-log requests with HTTP 200 and ``"success": false``.

        The body is ``{"result": null, "success": false, "errors": [{"code": 1000,
        "message": "Internal error"}], "messages": []}``.

        Parameters
        ----------
        n
            Number of requests.

        Returns
        -------
        SandboxFaults
            ``self``, for chaining.

        Examples
        --------
        >>> SandboxFaults().success_false().pending
        [('success_false', 1)]
        """
        return self._arm(_Armed("success_false", n))

    def write_during_load(
        self,
        every: int = 1,
        count: int = 1,
        when: Literal["now", "past"] | datetime = "now",
        times: int | None = None,
    ) -> Self:
        """Insert records while a client pages through the log.

        After every ``every``-th audit-log request (counted from this call), ``count``
        fresh records are inserted, before that request's response is sent (so that
        response does not hold them and the client's next request does).

        Parameters
        ----------
        every
            Insert after each ``every``-th audit-log request.
        count
            Records inserted each time.
        when
            ``"now"``: ``when`` is the server's current UTC time (so after a load's
            fixed upper bound). ``"past"``: just below the newest record the sandbox
            started with (1 ms older per insert), i.e. inside the already-served range,
            shifting every later newest-first page by one per record. A tz-aware
            datetime: exactly that time.
        times
            Stop after this many insertions; ``None`` (default) until :meth:`reset`.

        Returns
        -------
        SandboxFaults
            ``self``, for chaining.

        Examples
        --------
        >>> f = SandboxFaults().write_during_load(every=2, count=3)
        >>> f.pending
        [('write_during_load', 1)]
        """
        if every < 1 or count < 1:
            raise ValueError("every and count must be >= 1")
        if isinstance(when, datetime):
            if when.tzinfo is None:
                raise ValueError("when must be timezone-aware")
        elif when not in ("now", "past"):
            raise ValueError("when must be 'now', 'past' or a datetime")
        with self._lock:
            self._writer = _Writer(every, count, when, times)
        return self

    def reset(self) -> None:
        """Clear every knob: queued faults, latency and ``write_during_load``.

        Examples
        --------
        >>> f = SandboxFaults(latency=0.5).rate_limit(1)
        >>> f.reset()
        >>> (f.pending, f.latency)
        ([], 0.0)
        """
        with self._lock:
            self._queue.clear()
            self._writer = None
            self._latency = 0.0

    @property
    def pending(self) -> list[tuple[str, int]]:
        """Armed faults as ``(kind, remaining)``, in firing order.

        ``write_during_load``, if set, is listed last with its remaining insertions
        (``1`` if unlimited).
        """
        with self._lock:
            out = [(a.kind, a.remaining) for a in self._queue]
            w = self._writer
            if w is not None:
                out.append(("write_during_load", 1 if w.times is None else w.times - w.done))
        return out

    # -- used by the server ------------------------------------------------------
    def _take(self) -> _Armed | None:
        with self._lock:
            if not self._queue:
                return None
            head = self._queue[0]
            head.remaining -= 1
            if head.remaining <= 0:
                self._queue.popleft()
            return _Armed(head.kind, 1, head.retry_after, head.status, head.body)

    def _tick(self) -> tuple[int, str | datetime] | None:
        with self._lock:
            w = self._writer
            if w is None:
                return None
            w.seen += 1
            if w.seen % w.every:
                return None
            w.done += 1
            if w.times is not None and w.done >= w.times:
                self._writer = None
            return w.count, w.when


# ---------------------------------------------------------------------------
# the record store
# ---------------------------------------------------------------------------


class _Entry:
    __slots__ = ("atype", "email", "id", "ip", "ns", "owner", "rec", "zone")

    def __init__(self, rec: dict[str, Any]) -> None:
        self.rec = rec
        rid = rec.get("id")
        self.id = rid if isinstance(rid, str) else ("" if rid is None else str(rid))
        when = rec.get("when")
        try:
            self.ns: int | None = parse_timestamp_ns(when) if isinstance(when, str) else None
        except ValueError:
            self.ns = None
        action = _obj(rec.get("action"))
        self.atype = action.get("type")
        actor = _obj(rec.get("actor"))
        email = actor.get("email")
        self.email = email.lower() if isinstance(email, str) else None
        ip = actor.get("ip")
        self.ip = _parse_ip(ip) if isinstance(ip, str) and ip else None
        zone = _obj(rec.get("metadata")).get("zone_name")
        self.zone = zone.lower() if isinstance(zone, str) else None
        self.owner = _obj(rec.get("owner")).get("id")

    def key(self) -> tuple[int, str]:
        return (self.ns if self.ns is not None else _NS_MIN, self.id)


@functools.lru_cache(maxsize=8192)
def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Parse an actor ip (cached: a log holds few distinct addresses)."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _obj(v: Any) -> Mapping[str, Any]:
    if isinstance(v, dict):
        return v
    return v if isinstance(v, Mapping) else {}


class _Store:
    """Records, newest first, with pre-parsed filter keys (copy-on-write list)."""

    def __init__(self, records: Iterable[dict[str, Any]], extra_user_ids: Iterable[str]) -> None:
        self._lock = threading.Lock()
        self._extra_users = frozenset(extra_user_ids)
        self._entries: list[_Entry] = []
        self._users: frozenset[str] = self._extra_users
        self.add(records)

    def add(self, records: Iterable[dict[str, Any]]) -> None:
        new = [_Entry(r) for r in records]
        with self._lock:
            entries = self._entries + new
            entries.sort(key=_Entry.key, reverse=True)
            users = set(self._users)
            for e in new:
                actor = _obj(e.rec.get("actor"))
                if actor.get("type") == "user" and isinstance(actor.get("id"), str):
                    users.add(actor["id"])
            self._entries = entries
            self._users = frozenset(users)

    def snapshot(self) -> tuple[list[_Entry], frozenset[str]]:
        with self._lock:
            return self._entries, self._users

    def records(self) -> list[dict[str, Any]]:
        entries, _ = self.snapshot()
        return [e.rec for e in entries]

    def newest_ns(self) -> int | None:
        entries, _ = self.snapshot()
        return next((e.ns for e in entries if e.ns is not None), None)


# ---------------------------------------------------------------------------
# query parameters
# ---------------------------------------------------------------------------


class _BadRequest(Exception):
    def __init__(self, message: str, code: int = 1004) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class _Query:
    id: str | None = None
    action_type: str | None = None
    actor_email: str | None = None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    zone: str | None = None
    since_ns: int | None = None
    before_ns: int | None = None
    direction: str = "desc"
    hide_user_logs: bool = False
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    export: bool = False


def _parse_int(params: Mapping[str, str], name: str, default: int, lo: int, hi: int | None) -> int:
    raw = params.get(name, "")
    if raw == "":
        return default
    if not _INT_RE.fullmatch(raw):
        raise _BadRequest(f"{name} must be an integer, got {raw!r}")
    value = int(raw)
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
        raise _BadRequest(f"{name} must be {bound}, got {raw!r}")
    return value


def _parse_bool(params: Mapping[str, str], name: str) -> bool:
    raw = params.get(name, "")
    if raw == "":
        return False
    try:
        return _BOOLS[raw.lower()]
    except KeyError:
        raise _BadRequest(f"{name} must be true or false, got {raw!r}") from None


def _parse_time(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name, "")
    if raw == "":
        return None
    try:
        return parse_timestamp_ns(raw)
    except ValueError:
        raise _BadRequest(
            f"{name} must be an RFC 3339 date (2026-10-01) or date-time "
            f"(2026-10-01T12:00:00Z), got {raw!r}"
        ) from None


def _parse_query(params: Mapping[str, str]) -> _Query:
    network = None
    raw_ip = params.get("actor.ip", "")
    if raw_ip:
        try:
            network = ipaddress.ip_network(raw_ip, strict=False)
        except ValueError:
            raise _BadRequest(
                f"actor.ip must be an IP address or CIDR range, got {raw_ip!r}"
            ) from None
    direction = params.get("direction", "").lower() or "desc"
    if direction not in ("asc", "desc"):
        raise _BadRequest(f"direction must be asc or desc, got {params['direction']!r}")
    email = params.get("actor.email", "")
    zone = params.get("zone.name", "")
    return _Query(
        id=params.get("id") or None,
        action_type=params.get("action.type") or None,
        actor_email=email.lower() if email else None,
        network=network,
        zone=zone.lower() if zone else None,
        since_ns=_parse_time(params, "since"),
        before_ns=_parse_time(params, "before"),
        direction=direction,
        hide_user_logs=_parse_bool(params, "hide_user_logs"),
        page=_parse_int(params, "page", 1, 1, None),
        per_page=_parse_int(params, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        export=_parse_bool(params, "export"),
    )


def _select(entries: list[_Entry], users: frozenset[str], q: _Query) -> list[dict[str, Any]]:
    net = q.network
    out: list[dict[str, Any]] = []
    for e in entries:
        if q.id is not None and e.id != q.id:
            continue
        if q.action_type is not None and e.atype != q.action_type:
            continue
        if q.actor_email is not None and e.email != q.actor_email:
            continue
        if q.zone is not None and e.zone != q.zone:
            continue
        if net is not None and (e.ip is None or e.ip.version != net.version or e.ip not in net):
            continue
        if q.since_ns is not None and (e.ns is None or e.ns < q.since_ns):
            continue
        if q.before_ns is not None and (e.ns is None or e.ns >= q.before_ns):
            continue
        if q.hide_user_logs and e.owner in users:
            continue
        out.append(e.rec)
    if q.direction == "asc":
        out.reverse()
    return out


# ---------------------------------------------------------------------------
# responses
# ---------------------------------------------------------------------------


#: Compact JSON, dict keys in insertion order. Thread-safe: shared by the handler threads.
_ENCODE = msgspec.json.Encoder()
#: What encoding a record that is not plain JSON data can raise: unsupported types and
#: dict keys (TypeError), lone surrogates and ints past Python's str-conversion limit
#: (ValueError), cycles (RecursionError).
_ENCODE_ERRORS = (msgspec.EncodeError, TypeError, ValueError, OverflowError, RecursionError)


@dataclass
class _Response:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)
    drop: bool = False


def _envelope_error(
    status: int,
    code: int,
    message: str,
    chain: list[tuple[int, str]] | None = None,
    extra: list[tuple[int, str]] | None = None,
) -> _Response:
    err: dict[str, Any] = {"code": code, "message": message}
    if chain:
        err["error_chain"] = [{"code": c, "message": m} for c, m in chain]
    errors = [err] + [{"code": c, "message": m} for c, m in extra or []]
    body = {"success": False, "errors": errors, "messages": [], "result": None}
    return _Response(status, _ENCODE.encode(body))


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict | list):
        return _ENCODE.encode(v).decode()
    return str(v)


def _csv_body(records: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for rec in records:
        row = []
        for path in _CSV_PATHS:
            v: Any = rec
            for part in path:
                v = v.get(part) if isinstance(v, Mapping) else None
            row.append(_csv_cell(v))
        w.writerow(row)
    return buf.getvalue().encode()


_KNOWN_SCHEMES = {"bearer": "Bearer", "basic": "Basic", "digest": "Digest", "token": "Token"}


def _auth_scheme(authz: str | None) -> str | None:
    """Name of the ``Authorization`` scheme, never the credential itself."""
    if authz is None:
        return None
    word = authz.strip().split(" ", 1)[0].lower()
    return _KNOWN_SCHEMES.get(word, "other")


def _redact(params: Mapping[str, str], secrets: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for k, v in params.items():
        secret = _SECRET_PARAM_RE.search(k) or any(s and s in v for s in secrets)
        out[k] = "[redacted]" if secret else v
    return out


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
        split = urlsplit(self.path)
        path = split.path
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        scope: Literal["user", "account"] | None = None
        account: str | None = None
        if path == _USER_PATH:
            scope = "user"
        elif m := _ACCOUNT_PATH_RE.fullmatch(path):
            account = m.group(1)
            if account == sb.account_id or _ACCOUNT_ID_RE.fullmatch(account):
                scope = "account"
        auth: Literal["token", "key"] | None = None
        fault: str | None = None
        if scope is None:
            resp = self._not_found(path)
        elif self.command != "GET":
            resp = _envelope_error(405, 7001, "Method not allowed for this endpoint")
            resp.headers.append(("Allow", "GET"))
        else:
            latency = sb.faults.latency
            if latency > 0:
                time.sleep(latency)
            armed = sb.faults._take()
            fault = armed.kind if armed else None
            if armed is not None and armed.kind == "rate_limit":
                resp = _envelope_error(
                    429, 971, "Please wait and consider throttling your request speed"
                )
                resp.headers.append(("Retry-After", str(armed.retry_after)))
            elif armed is not None and armed.kind == "server_error":
                resp = self._server_error(armed)
            else:
                auth, resp = self._audit_logs(sb, scope, account, params)
                if armed is not None:
                    resp = self._mangle(armed, resp)
            tick = sb.faults._tick()
            if tick is not None:
                sb._write_live(*tick)
        sb._log(
            RequestLog(
                method=self.command,
                path=path,
                params=_redact(params, (sb.token, sb.api_key)),
                status=resp.status,
                audit_log=scope is not None,
                scope=scope,
                has_authorization="Authorization" in self.headers,
                has_x_auth_email="X-Auth-Email" in self.headers,
                has_x_auth_key="X-Auth-Key" in self.headers,
                auth_scheme=_auth_scheme(self.headers.get("Authorization")),
                auth=auth,
                fault=fault,
                time=time.time(),
            )
        )
        self._send(resp)

    def _drain_body(self) -> None:
        length = self.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > 0:
            self.rfile.read(int(length))
        elif self.headers.get("Transfer-Encoding"):
            self.close_connection = True

    def _send(self, resp: _Response) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        self.send_header("CF-RAY", f"{random.getrandbits(64):016x}-SBX")
        for k, v in resp.headers:
            self.send_header(k, v)
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

    @staticmethod
    def _not_found(path: str) -> _Response:
        route = path.removeprefix(API_PREFIX) or "/"
        return _envelope_error(
            404,
            7003,
            f"Could not route to {route}, perhaps your object identifier is invalid?",
            extra=[(7000, "No route for that URI")],
        )

    def _server_error(self, armed: _Armed) -> _Response:
        status = armed.status
        html = armed.body == "html" or (
            armed.body == "auto" and (status in (502, 503, 504) or 520 <= status <= 530)
        )
        if html:
            reason = self.responses.get(status, ("Server Error",))[0]
            body = _HTML_5XX.format(status=status, reason=reason).encode()
            return _Response(status, body, "text/html; charset=utf-8")
        return _envelope_error(status, 1000, "Internal error")

    @staticmethod
    def _mangle(armed: _Armed, resp: _Response) -> _Response:
        if armed.kind == "success_false":
            return _envelope_error(200, 1000, "Internal error")
        if armed.kind == "truncate_json":
            resp.body = resp.body[: len(resp.body) // 2]
        elif armed.kind == "drop_connection":
            resp.drop = True
        return resp

    def _authenticate(self, sb: Sandbox) -> tuple[Literal["token", "key"] | None, _Response | None]:
        authz = self.headers.get("Authorization")
        if authz is not None:
            scheme, _, cred = authz.strip().partition(" ")
            cred = cred.strip()
            if scheme.lower() != "bearer" or not cred or " " in cred:
                return None, _envelope_error(
                    400,
                    6003,
                    "Invalid request headers",
                    chain=[(6111, "Invalid format for Authorization header")],
                )
            if not hmac.compare_digest(cred.encode(), sb.token.encode()):
                return None, _envelope_error(401, 10000, "Authentication error")
            return "token", None
        email = self.headers.get("X-Auth-Email")
        key = self.headers.get("X-Auth-Key")
        if not key:
            return None, _envelope_error(
                400,
                6003,
                "Invalid request headers",
                chain=[(6103, "Invalid format for X-Auth-Key header")],
            )
        if not email:
            return None, _envelope_error(
                400,
                6003,
                "Invalid request headers",
                chain=[(6102, "Invalid format for X-Auth-Email header")],
            )
        ok_key = hmac.compare_digest(key.strip().encode(), sb.api_key.encode())
        ok_email = email.strip().lower() == sb.email.lower()
        if not (ok_key and ok_email):
            return None, _envelope_error(401, 10000, "Authentication error")
        return "key", None

    def _audit_logs(
        self,
        sb: Sandbox,
        scope: Literal["user", "account"],
        account: str | None,
        params: Mapping[str, str],
    ) -> tuple[Literal["token", "key"] | None, _Response]:
        auth, err = self._authenticate(sb)
        if err is not None:
            return None, err
        if scope == "account" and account != sb.account_id:
            return auth, _envelope_error(403, 9109, "Unauthorized to access requested resource")
        try:
            q = _parse_query(params)
        except _BadRequest as exc:
            return auth, _envelope_error(400, exc.code, exc.message)
        entries, users = sb._store.snapshot()
        matched = _select(entries, users, q)
        if q.export:
            return auth, _Response(
                200,
                _csv_body(matched),
                "text/csv; charset=utf-8",
                [("Content-Disposition", 'attachment; filename="audit_logs.csv"')],
            )
        start_ = (q.page - 1) * q.per_page
        page = matched[start_ : start_ + q.per_page]
        body = {
            "result": page,
            "result_info": {
                "page": q.page,
                "per_page": q.per_page,
                "count": len(page),
                "total_count": len(matched),
            },
            "success": True,
            "errors": [],
            "messages": [],
        }
        try:
            return auth, _Response(200, _ENCODE.encode(body))
        except _ENCODE_ERRORS:
            log.exception("sandbox: a stored record is not JSON-serialisable")
            return auth, _envelope_error(500, 1000, "Internal error")


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
            recs = [_as_record(r) for r in records]
        self._store = _Store(recs, self.identity.user_ids)
        self._live_rng = random.Random(f"auditkit-sandbox-live:{seed}")
        self._live_lock = threading.Lock()
        newest = self._store.newest_ns()
        self._past_ref_ns = (
            newest if newest is not None else int(self.anchor.timestamp()) * 1_000_000_000
        )
        self._past_n = 0
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
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
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
        self._store.add([_as_record(r) for r in records])

    def _write_live(self, count: int, when: str | datetime) -> None:
        with self._live_lock:
            recs = []
            for _ in range(count):
                if isinstance(when, datetime):
                    text = format_when(when)
                elif when == "past":
                    self._past_n += 1
                    ns = self._past_ref_ns - self._past_n * 1_000_000
                    text = format_when(datetime(1970, 1, 1) + timedelta(microseconds=ns // 1000))
                else:
                    text = format_when(datetime.now(UTC))
                recs.append(live_record(self._live_rng, text, self.identity))
        self._store.add(recs)

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


def _as_record(r: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(r, dict):
        return r
    if isinstance(r, Mapping):
        return dict(r)
    raise TypeError(f"records must be mappings, got {type(r).__name__}")


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
