"""HTTP for the audit-log endpoints: auth headers, retries, the envelope, paging.

:class:`AuditLogClient` asks for one page at a time through a (cached) session,
retries what is worth retrying, and turns Cloudflare's error envelopes into
auditkit's exceptions. :meth:`AuditLogClient.iter_pages` walks one time window
with a stop rule that cannot loop: it stops at the first page shorter than the
effective page size (``per_page``, or the smaller one the server states; an
empty page included) and raises :class:`~auditkit.errors.IncompleteLoadError`
if a full page brings no new ids, the page limit is reached, or the pages end
before a stated ``total_count``, rather than looping or returning partial data.

Bounds: every response is read within ``RetryPolicy.timeout`` as a whole, and
within :data:`MAX_BODY_BYTES`; a page may not hold more entries than asked;
at most :data:`MAX_READ_AHEAD` pages are requested ahead. Every exception
raised out of the client is an :class:`~auditkit.errors.AuditKitError` with no
``__cause__``/``__context__`` chain (nothing behind it holds the credential).

Examples
--------
>>> RetryPolicy().max_retries
5
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import random
import socket
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import pandas as pd
import requests
import urllib3
from requests.adapters import HTTPAdapter

from .credentials import Credentials
from .errors import (
    APIError,
    AuditKitError,
    AuthenticationError,
    IncompleteLoadError,
    InvalidParameterError,
    OfflineCacheMissError,
    RateLimitError,
    TransportError,
)
from .frame._schema import Chunk
from .query import AuditLogQuery, Window
from .wire import Payload, decode_response

__all__ = ["DEFAULT_BASE_URL", "AuditLogClient", "Page", "RetryPolicy", "resolve_base_url"]

log = logging.getLogger("auditkit")
T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
ENV_BASE_URL = "CLOUDFLARE_BASE_URL"
USER_AGENT = "auditkit/0.1 (+python-requests)"
#: Cloudflare codes that mean "this credential may not do this" (on a 4xx answer only:
#: a 429, a 5xx or a ``200`` is never taken for a credential problem, whatever it carries).
AUTH_CODES = frozenset({6003, 6100, 6101, 6102, 6103, 6111, 9103, 9106, 9107, 9109, 10000, 10001})
#: Hard ceiling on pages per window (10 million entries at 1000 a page).
MAX_PAGES = 10_000
#: Largest response body read, in bytes (after decompression). A 1000-entry page is
#: about 0.6 MB; a larger body is an :class:`~auditkit.errors.APIError`, refused from
#: its ``Content-Length`` before reading, or as soon as the bytes read pass the limit.
MAX_BODY_BYTES = 64 * 1024 * 1024
#: Most pages of one walk requested ahead of the page being read (with an executor).
MAX_READ_AHEAD = 8
#: An export may take ``RetryPolicy.timeout`` seconds, and as many again for each of these.
EXPORT_BYTES_PER_TIMEOUT = 1 << 20
#: Retries of a refused connection (nothing listening), each waiting at most 1 s.
REFUSED_RETRIES = 2


def resolve_base_url(base_url: str | None, env: Mapping[str, str] | None = None) -> str:
    """The API root: ``base_url``, else ``$CLOUDFLARE_BASE_URL``, else Cloudflare's.

    Credentials are only ever sent over HTTPS, or plain HTTP to loopback (the sandbox).

    Examples
    --------
    >>> resolve_base_url("http://127.0.0.1:8787/client/v4/")
    'http://127.0.0.1:8787/client/v4'
    """
    import os

    env = os.environ if env is None else env
    value = base_url if base_url is not None else (env.get(ENV_BASE_URL) or DEFAULT_BASE_URL)
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameterError("base_url", "must be a non-empty URL string")
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidParameterError("base_url", f"{value!r} is not an http(s) URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidParameterError("base_url", "must not carry credentials, a query or a fragment")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InvalidParameterError(
            "base_url",
            "plain http is only allowed to a loopback address (127.0.0.0/8, ::1) or "
            "'localhost': credentials would travel in clear",
        )
    return value


def is_loopback_host(hostname: str) -> bool:
    """Whether ``hostname`` is a loopback IP literal or exactly ``localhost``.

    Decided from the text alone, never through DNS: a name such as
    ``127.0.0.1.nip.io`` or ``127.attacker.example`` is not loopback, whatever
    it resolves to.

    Examples
    --------
    >>> is_loopback_host("127.0.0.2"), is_loopback_host("::1"), is_loopback_host("localhost")
    (True, True, True)
    >>> is_loopback_host("127.0.0.1.nip.io"), is_loopback_host("127.attacker.example")
    (False, False)
    """
    import ipaddress

    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving up.

    Parameters
    ----------
    max_retries
        Retries per request after the first try (429, 5xx, dropped connections,
        timeouts, truncated or invalid JSON, ``200`` with ``success: false``).
    backoff
        First wait in seconds; doubles each retry, with jitter, up to ``max_backoff``.
    max_backoff
        Longest wait between two tries when the server gives no ``Retry-After``.
    max_wait
        Longest ``Retry-After`` honoured; a longer one raises
        :class:`~auditkit.errors.RateLimitError` at once, saying when to retry.
    timeout
        Seconds one request may take in all: connecting (at most 10 s of it),
        waiting for the answer and reading the whole body. requests' own timeout
        bounds each socket read, so a server trickling bytes would hold a load
        forever; auditkit also checks a monotonic clock while reading the body,
        and a response not complete in time is a retried
        :class:`~auditkit.errors.TransportError` ("no complete response within
        N s"). The wait for the headers is bounded by the same deadline (a
        timer shuts the socket down when it passes). A refused connection (nothing listening) is retried at most twice,
        quickly, whatever ``max_retries`` says.

    Examples
    --------
    >>> RetryPolicy(max_wait=60).max_wait
    60
    """

    max_retries: int = 5
    backoff: float = 0.5
    max_backoff: float = 16.0
    max_wait: float = 300.0
    timeout: float = 60.0

    def __post_init__(self) -> None:
        if (
            isinstance(self.max_retries, bool)
            or not isinstance(self.max_retries, int)
            or self.max_retries < 0
        ):
            raise InvalidParameterError(
                "max_retries", f"must be an integer >= 0, got {self.max_retries!r}"
            )
        for name in ("backoff", "max_backoff", "max_wait", "timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InvalidParameterError(name, f"must be a number >= 0, got {value!r}")
        if self.timeout == 0:
            raise InvalidParameterError("timeout", "must be greater than 0")

    def delay(self, attempt: int) -> float:
        """Backoff before retry number ``attempt`` (0-based), with jitter."""
        base = min(self.max_backoff, self.backoff * (2**attempt))
        return base * (0.5 + random.random() / 2)


@dataclass
class Page:
    """One page of results.

    Its envelope is decoded where it arrived; its records are typed on the
    first access of :attr:`rows` (the loader does that in one thread, while
    other threads wait on the network).
    """

    payload: Payload
    from_cache: bool

    def __len__(self) -> int:
        return len(self.payload)

    @property
    def rows(self) -> Chunk:
        """The page's records, typed."""
        rows = self.payload.rows
        return rows if rows is not None else Chunk.empty()

    @property
    def ids(self) -> list[Any]:
        """Each record's ``id`` as sent."""
        return self.payload.ids or []

    @property
    def result_info(self) -> dict[str, Any]:
        """The envelope's ``result_info`` (paging hints)."""
        return self.payload.result_info


@dataclass
class ClientStats:
    """Counters for one load (thread-safe)."""

    requests: int = 0
    pages: int = 0
    pages_from_cache: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)


def _retry_after(response: Any) -> float | None:
    """Seconds ``Retry-After`` asks to wait: ``None`` when absent or meaningless.

    A number of seconds or an HTTP date. ``nan``, a negative number or an
    unparseable date says nothing (the usual backoff applies); ``inf``, a huge
    number or a far date is a wait beyond any ``max_wait`` (a ``RateLimitError``).
    Never raises.
    """
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is None:
        try:
            when = parsedate_to_datetime(value)
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = (when - datetime.now(UTC)).total_seconds()
        except Exception:  # any malformed date: ignore the header
            return None
        return max(0.0, seconds)
    if math.isnan(seconds) or seconds < 0:
        return None
    return seconds


def _retry_at(wait: float | None) -> datetime | None:
    """When a wait of ``wait`` seconds ends (``None`` when it cannot be told)."""
    if wait is None:
        return None
    try:
        return datetime.now(UTC) + timedelta(seconds=wait)
    except (OverflowError, ValueError):
        return None


def _settle_environment(session: requests.Session, base_url: str) -> _WholeBodyAdapter:
    """Read the proxy and CA-bundle settings from the environment once, not per request.

    requests re-reads them (and ``~/.netrc``) on every request while ``trust_env``
    is on: thousands of environment look-ups per load, and a ``.netrc`` entry for
    the API host would replace the ``Authorization`` header. Proxies
    (``HTTPS_PROXY``, ``NO_PROXY``...) and ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``
    keep working.
    """
    import os

    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    session.trust_env = False
    # Up to 2 x workers requests in flight (windows and prefetched pages): a pool
    # as small as requests' default (10) would drop and reopen connections.
    adapter = _WholeBodyAdapter(pool_maxsize=32)
    for prefix in ("https://", "http://"):
        session.mount(prefix, adapter)
    return adapter


class _Rejected(requests.RequestException):
    """Internal: the adapter refused a response; ``error`` says why (not retried)."""

    def __init__(self, error: AuditKitError) -> None:
        super().__init__(str(error))
        self.error = error


class _Overdue(requests.Timeout):
    """Internal: no complete response within the whole-response deadline."""


class _Halted(requests.RequestException):
    """Internal: the load was stopped while this request was in flight."""


#: The monotonic time by which the request this thread is sending must be answered.
_DEADLINE = threading.local()


class _Deadlined:
    """A connection whose wait for the response headers ends at the request's deadline.

    urllib3 bounds each socket read, so a server trickling its status line and
    headers a byte at a time would hold the request forever; a timer shuts the
    socket down when the thread's deadline (:data:`_DEADLINE`) passes.
    """

    sock: Any

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        deadline = getattr(_DEADLINE, "at", None)
        if deadline is None:
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]
        timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._expire)
        timer.daemon = True
        timer.start()
        try:
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]
        finally:
            timer.cancel()

    def _expire(self) -> None:
        sock = getattr(self, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _tracked_pools(live: weakref.WeakSet[Any], lock: threading.Lock) -> dict[str, type]:
    """urllib3 pool classes whose connections register in ``live`` when they connect.

    (Connections through a proxy are not tracked: a halt does not unblock them.)
    """

    class Conn(_Deadlined, urllib3.connection.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            with lock:
                live.add(self)

    class SecureConn(_Deadlined, urllib3.connection.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            with lock:
                live.add(self)

    class Pool(urllib3.HTTPConnectionPool):
        ConnectionCls = Conn

    class SecurePool(urllib3.HTTPSConnectionPool):
        ConnectionCls = SecureConn

    return {"http": Pool, "https": SecurePool}


def _per_page_asked(url: str | None) -> int | None:
    """The ``per_page`` a request URL asks for, if any."""
    from urllib.parse import parse_qs

    values = parse_qs(urlsplit(url or "").query).get("per_page")
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


def _read_part(raw: Any, sock: Any, size: int, deadline: float | None, overdue: str) -> bytes:
    """One read of up to ``size`` bytes of a body, given up at ``deadline`` (monotonic).

    The socket's timeout is set to what is left before the read, so a peer that
    trickles bytes cannot hold it past the deadline: then :class:`_Overdue` with
    the message ``overdue``. urllib3's errors are raised as requests raises them.
    """
    if deadline is not None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Overdue(overdue)
        if sock is not None:
            sock.settimeout(left)
    try:
        return bytes(raw.read1(size, decode_content=True))
    except (urllib3.exceptions.ReadTimeoutError, OSError) as exc:  # timed out, reset, halted
        if deadline is not None and time.monotonic() >= deadline - 0.05:
            raise _Overdue(overdue) from None
        raise requests.ConnectionError(exc) from exc
    except urllib3.exceptions.ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from exc


class _WholeBodyAdapter(HTTPAdapter):
    """Reads a (non-streamed) body in few large reads, within a deadline and a size limit.

    A 600 kB page in requests' 10 kB chunks takes some sixty Python-level reads,
    each giving up the GIL and winning it back; in 1 MiB reads it costs half the
    client CPU (measured: 0.037 s against 0.075 s for 20 pages). Beyond that:

    - **Deadline.** The read timeout of ``timeout=(connect, read)`` is also a
      deadline for the whole response: requests' own timeout bounds each socket
      read, so a server trickling a byte a second would hold a request forever.
      The wait for the headers ends at the deadline (:class:`_Deadlined`); the
      body is read with the socket's timeout set to what is left of the deadline
      before each read. Past it: :class:`_Overdue` (a ``requests.Timeout``,
      retried as a timeout).
    - **Size.** A body longer than :data:`MAX_BODY_BYTES` is refused from its
      ``Content-Length`` before any of it is read, or as soon as the bytes read
      (after decompression) pass the limit; a page with more entries than its
      ``per_page`` asked is refused too. Both raise :class:`_Rejected` (an
      ``APIError`` for the caller, not retried: the server would say it again),
      before requests-cache could store the response.
    - **Halt.** :meth:`halt` (an interrupted load) shuts down every socket the
      adapter opened, so that threads blocked in a read return at once; a
      response completed after the halt is discarded, never cached.

    Errors while reading are raised as requests raises them, so retries see the
    same exceptions.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._live: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.halted = threading.Event()
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _tracked_pools(self._live, self._lock)

    def halt(self) -> None:
        """Stop: refuse further responses and unblock every read in flight."""
        self.halted.set()
        with self._lock:
            live = list(self._live)
        for conn in live:
            sock = getattr(conn, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        if self.halted.is_set():
            raise _Halted("the load was stopped")
        kwargs: dict[str, Any] = {
            "timeout": timeout,
            "verify": verify,
            "cert": cert,
            "proxies": proxies,
        }
        limit = timeout[1] if isinstance(timeout, tuple) else timeout
        started = time.monotonic()
        _DEADLINE.at = None if stream or limit is None else started + limit
        try:
            response = super().send(request, stream=stream, **kwargs)
        except requests.ConnectionError:
            if _DEADLINE.at is not None and time.monotonic() >= _DEADLINE.at - 0.05:
                raise _Overdue(f"no complete response within {limit:g} s") from None
            raise
        finally:
            _DEADLINE.at = None
        if stream:
            return response
        try:
            response._content = self._read(response, started, limit)
        except BaseException:
            response.raw.close()  # never hand a half-read connection back to the pool
            raise
        finally:
            response.raw.release_conn()
        response._content_consumed = True  # type: ignore[attr-defined]
        if self.halted.is_set():
            raise _Halted("the load was stopped")
        asked = _per_page_asked(request.url)
        if asked is not None and response.status_code == 200:
            sent = len(decode_response(response))  # decoded once, kept on the response
            if sent > asked:
                raise _Rejected(
                    APIError(
                        f"the server sent {sent} entries on a page of per_page={asked}; "
                        "refusing a page larger than asked",
                        status=200,
                        url=request.url.split("?")[0] if request.url else None,
                    )
                )
        return response

    @staticmethod
    def _read(response: Any, started: float, limit: float | None) -> bytes:
        """The whole body, within the deadline and :data:`MAX_BODY_BYTES`."""
        url = (response.url or "").split("?")[0] or None
        cap = MAX_BODY_BYTES
        try:
            declared = int(response.headers.get("Content-Length", "-1"))
        except ValueError:
            declared = -1
        if declared > cap:
            raise _Rejected(_too_large(f"announces {declared} bytes", url, response.status_code))
        raw = response.raw
        sock = getattr(getattr(raw, "connection", None), "sock", None)
        deadline = None if limit is None else started + limit
        overdue = f"no complete response within {limit or 0:g} s"
        parts: list[bytes] = []
        total = 0
        while part := _read_part(raw, sock, 1 << 20, deadline, overdue):
            total += len(part)
            if total > cap:
                raise _Rejected(_too_large(f"went past {cap} bytes", url, response.status_code))
            parts.append(part)
        return b"".join(parts)


def _too_large(what: str, url: str | None, status: int) -> APIError:
    return APIError(
        f"response body {what}, more than auditkit.client.MAX_BODY_BYTES="
        f"{MAX_BODY_BYTES} (a 1000-entry page is about 0.6 MB); refusing to read it",
        status=status,
        url=url,
    )


def _origin(location: str | None) -> str:
    """The scheme, host and port of a redirect's target (never its path or query)."""
    if not location:
        return "an unnamed location"
    parts = urlsplit(location)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.netloc else "a path"


def _count(info: Mapping[str, Any], key: str) -> int | None:
    """``info[key]`` if it is a whole number >= 0 (``None`` otherwise)."""
    value = info.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _announced_pages(info: Mapping[str, Any], per_page: int) -> int:
    """Pages the server says a window has (0 if it does not say)."""
    total = info.get("total_count")
    if isinstance(total, int) and not isinstance(total, bool) and total > 0:
        return -(-total // per_page)
    pages = info.get("total_pages")
    if isinstance(pages, int) and not isinstance(pages, bool) and pages > 0:
        return pages
    return 0


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying.

    ``limit`` caps the retries of this kind of failure below ``max_retries``, and
    ``max_delay`` the backoff before each (a refused connection: 2 quick retries).
    """

    def __init__(
        self,
        error: Exception,
        wait: float | None = None,
        *,
        limit: int | None = None,
        max_delay: float | None = None,
    ) -> None:
        self.error = error
        self.wait = wait
        self.limit = limit
        self.max_delay = max_delay


def _detached(error: BaseException) -> BaseException:
    """``error`` cut loose from whatever was being handled when it was made.

    Every exception auditkit raises out of the client goes through here, and is
    raised outside any ``except`` block: its ``__cause__`` and ``__context__``
    are ``None`` and its traceback starts where it is raised, so no requests
    exception (whose ``.request`` holds the ``Authorization`` header) and no
    frame holding a response can be reached from it.
    """
    error.__cause__ = None
    error.__context__ = None
    error.__suppress_context__ = True
    return error.with_traceback(None)


def _refused(exc: BaseException) -> bool:
    """Whether a requests ``ConnectionError`` is a refused connection (nothing listening)."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen or len(seen) > 16:
            continue
        seen.add(id(item))
        if isinstance(item, ConnectionRefusedError):
            return True
        todo.extend([*item.args, getattr(item, "reason", None), item.__cause__, item.__context__])
    return False


def _address(url: str) -> str:
    """``host:port`` of ``url``."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or "?"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class AuditLogClient:
    """Fetches audit-log pages for one credential through one session.

    Parameters
    ----------
    credentials
        Who asks. Its headers are added to each request and never logged.
    base_url
        API root including ``/client/v4``.
    session
        A ``requests.Session`` or requests-cache ``CachedSession``.
    retry
        Retry and timeout policy.
    offline
        Answer from the cache only; a page not cached raises
        :class:`~auditkit.errors.OfflineCacheMissError`.
    pace
        Called before every network request (the rate budget hooks in here).
    """

    def __init__(
        self,
        credentials: Credentials,
        base_url: str,
        session: requests.Session,
        *,
        retry: RetryPolicy | None = None,
        offline: bool = False,
        pace: Callable[[], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._headers = {
            **credentials.headers(),
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        self.base_url = base_url
        self.session = session
        self._adapter = _settle_environment(session, base_url)
        self.retry = retry or RetryPolicy()
        self.offline = offline
        self.pace = pace
        self.sleep = sleep
        self.stats = ClientStats()
        self.cached = hasattr(session, "cache")

    @property
    def halted(self) -> bool:
        """Whether :meth:`halt` was called."""
        return self._adapter.halted.is_set()

    def halt(self) -> None:
        """Stop this client's work at once, from any thread (an interrupted load).

        Waits between retries end, reads in flight are unblocked (their sockets
        shut down), and every request after this raises
        :class:`~auditkit.errors.TransportError` without being sent. A response
        that completes after the halt is discarded, never cached.
        """
        self._adapter.halt()

    def _pause(self, seconds: float) -> None:
        """Wait ``seconds`` between tries, cut short by :meth:`halt`."""
        if self.sleep is time.sleep:
            self._adapter.halted.wait(seconds)
        else:
            self.sleep(seconds)

    def __repr__(self) -> str:
        return f"AuditLogClient(base_url={self.base_url!r}, offline={self.offline})"

    # ------------------------------------------------------------------ one request

    def _send(self, url: str, params: Mapping[str, str], expire: Any) -> tuple[Any, bool]:
        """One GET; returns the response and whether it came from the cache."""
        timeout = (min(10.0, self.retry.timeout), self.retry.timeout)
        # A requests-cache CachedSession when cached: its get takes expire_after, only_if_cached.
        session: Any = self.session
        # Never follow a redirect: the credential would go wherever it points.
        get = functools.partial(session.get, allow_redirects=False)
        if self.cached and (self.offline or expire != 0):
            # A read-only look in the cache first, so that cached pages cost no rate budget
            # (and a miss writes nothing).
            probe = session.prepare_request(
                requests.Request("GET", url, params=params, headers=self._headers)
            )
            if session.cache.contains(request=probe):
                hit = get(
                    url,
                    params=params,
                    headers=self._headers,
                    timeout=timeout,
                    expire_after=expire,
                    only_if_cached=self.offline,
                )
                if getattr(hit, "from_cache", False):
                    return hit, True
                return hit, False  # expired meanwhile: it was fetched afresh
            if self.offline:
                raise OfflineCacheMissError(
                    f"offline: no cached page for {url} with {dict(params)}; "
                    "load it once online first"
                )
        if self.pace is not None:
            self.pace()
        kwargs = {"expire_after": expire} if self.cached else {}
        return get(url, params=params, headers=self._headers, timeout=timeout, **kwargs), False

    def get_page(self, path: str, params: Mapping[str, str], *, cacheable: bool) -> Page:
        """GET one page, retrying as :class:`RetryPolicy` says.

        Raises
        ------
        AuthenticationError, RateLimitError, APIError, TransportError, OfflineCacheMissError
        """
        url = f"{self.base_url}{path}"
        expire = -1 if cacheable else 0  # -1: never expires; 0: not stored
        return self._retrying(lambda: self._attempt(url, params, expire))

    def _retrying(self, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` until it succeeds, retrying what raises ``_Retry`` with backoff.

        Gives up after ``max_retries`` retries (fewer where the failure says so),
        raising the last attempt's error; stops at once after :meth:`halt`.
        Whatever it raises is :func:`_detached` from the failures behind it.
        """
        try:
            return self._retry_loop(attempt)
        except AuditKitError as exc:
            error: BaseException = exc
        raise _detached(error)

    def _retry_loop(self, attempt: Callable[[], T]) -> T:
        tries = 0
        while True:
            if self.halted:
                raise TransportError("the load was stopped")
            try:
                return attempt()
            except _Retry as retry:
                if self.halted:
                    raise TransportError("the load was stopped") from None
                limit = self.retry.max_retries
                if retry.limit is not None:
                    limit = min(limit, retry.limit)
                if tries >= limit:
                    raise retry.error from None
                wait = retry.wait if retry.wait is not None else self.retry.delay(tries)
                if retry.max_delay is not None:
                    wait = min(wait, retry.max_delay)
                log.warning(
                    "auditkit: %s; retry %d of %d in %.1f s", retry.error, tries + 1, limit, wait
                )
                tries += 1
                self._pause(wait)

    def _transport_failure(self, exc: requests.RequestException, url: str) -> Exception:
        """The auditkit error (or ``_Retry``) for a request that got no usable response."""
        if isinstance(exc, _Rejected):
            self.stats.add(requests=1)
            return exc.error
        if isinstance(exc, _Halted):
            return TransportError("the load was stopped")
        if isinstance(exc, _Overdue):
            return _Retry(
                TransportError(
                    f"no complete response from {url} within {self.retry.timeout:g} s "
                    "(RetryPolicy.timeout bounds each whole response)"
                )
            )
        if isinstance(exc, requests.Timeout):
            return _Retry(TransportError(f"timed out talking to {url}: {type(exc).__name__}"))
        if isinstance(exc, requests.ConnectionError) and _refused(exc):
            return _Retry(
                TransportError(
                    f"nothing is listening at {_address(url)} (connection refused); "
                    "check base_url and that the server is running"
                ),
                limit=REFUSED_RETRIES,
                max_delay=1.0,
            )
        if isinstance(
            exc,
            requests.ConnectionError
            | requests.exceptions.ChunkedEncodingError
            | requests.exceptions.ContentDecodingError,
        ):
            return _Retry(TransportError(f"connection to {url} failed: {type(exc).__name__}"))
        return TransportError(f"request to {url} failed: {type(exc).__name__}")

    def _attempt(self, url: str, params: Mapping[str, str], expire: Any) -> Page:
        failure: Exception | None = None
        try:
            response, from_cache = self._send(url, params, expire)
        except requests.RequestException as exc:
            failure = self._transport_failure(exc, url)
        if failure is not None:
            raise failure  # outside the except block: nothing of requests' exception behind it
        if not from_cache:
            self.stats.add(requests=1)
        status = response.status_code
        payload = decode_response(response)
        errors = payload.errors
        if status == 200 and payload.is_object:
            if payload.success is True:
                if payload.ids is None:
                    raise APIError("response 'result' is not a list", status=status, url=url)
                asked = str(params.get("per_page", ""))
                if asked.isdigit() and len(payload) > int(asked):  # a cached page, or no adapter
                    raise APIError(
                        f"the server sent {len(payload)} entries on a page of per_page={asked}; "
                        "refusing a page larger than asked",
                        status=status,
                        url=url,
                    )
                self.stats.add(pages=1, pages_from_cache=int(from_cache))
                payload.prepare()  # typed here, in the fetching thread, mostly outside the GIL
                return Page(payload, from_cache)
            raise _Retry(
                APIError("200 OK with success: false", status=status, errors=errors, url=url)
            )
        if status == 200:
            raise _Retry(
                APIError("response body is not valid JSON (truncated?)", status=status, url=url)
            )
        self._raise_for_status(response, errors, url, "request failed")

    @staticmethod
    def _raise_auth(status: int, errors: list[dict[str, Any]], url: str) -> None:
        """Raise :class:`~auditkit.errors.AuthenticationError` if the answer blames the credential.

        Only a client error does: 401 or 403, or another 4xx (Cloudflare's 400 for
        malformed auth headers, 6003 with 6103/6111) carrying one of
        :data:`AUTH_CODES`. The status decides first: a 429 or a 5xx is retried and
        a ``200 success: false`` is retried like a 5xx whatever codes its body
        carries (Cloudflare documents auth failures as 4xx only; an auth code on
        a 200 or a 5xx is taken for a transient fault, and still raises, as an
        :class:`~auditkit.errors.APIError` with its codes, once retries run out).
        """
        probe = APIError("", errors=errors)
        if status in (401, 403) or (
            400 <= status < 500 and status != 429 and AUTH_CODES.intersection(probe.codes)
        ):
            raise AuthenticationError(
                "Cloudflare rejected the credential (check the token and that it has "
                "'Account Settings Read' on this account)",
                status=status,
                errors=errors,
                url=url,
            )

    # ------------------------------------------------------------------ paging

    def iter_pages(
        self, query: AuditLogQuery, window: Window, executor: Executor | None = None
    ) -> Iterator[Page]:
        """Every page of one window (or run of days walked as one range), in order, once each.

        **Page size.** A page is *short* relative to the effective page size:
        ``query.per_page``, or less when the server states a smaller
        ``result_info.per_page`` (a server that caps it). A page with more entries
        than asked is an :class:`~auditkit.errors.APIError` (the adapter refuses it).

        **Stop rule.** The walk ends at the first empty page, or at the first short
        page when the server has stated its page size, or when the entries received
        reach a stated ``total_count``. A short non-empty page with neither hint
        may come from a server that caps ``per_page`` silently: the next page is
        then asked for once, and if it is not empty the short page's size is taken
        for the server's page size and the walk goes on. That costs one request per
        walk, only against servers that give no hint (Cloudflare's generic
        ``result_info`` states both ``per_page`` and ``total_count``), and is what
        keeps a silent cap from returning the first page alone. Hints are never
        trusted alone: a page that is not short but brings no new id, or more than
        :data:`MAX_PAGES` pages, raises :class:`~auditkit.errors.IncompleteLoadError`
        instead of looping.

        **Count check.** When the walk ends with fewer entries received (raw, before
        deduplication) than the first ``total_count`` stated in the walk, it raises
        :class:`~auditkit.errors.IncompleteLoadError`: the server says it holds
        entries it did not send. More entries than announced is accepted (entries
        shifting across page boundaries arrive twice; the loader drops repeats).

        **Read-ahead.** With an ``executor``, once a page proves full and the server
        has announced how many pages there are, up to :data:`MAX_READ_AHEAD` of the
        next announced pages are requested ahead, one more for each further full
        page: a false ``total_count`` costs at most that many requests.
        """
        asked = query.per_page
        params = {**query.filter_params(), **window.wire_bounds(), "per_page": str(asked)}

        def fetch(number: int) -> Page:
            return self.get_page(
                query.path, {**params, "page": str(number)}, cacheable=window.cacheable
            )

        seen: set[Any] = set()
        ahead: deque[Future[Page]] = deque()
        size, sized = asked, False  # the effective page size, and whether it is known
        total: int | None = None
        received = 0
        try:
            for number in range(1, MAX_PAGES + 1):
                page = ahead.popleft().result() if ahead else fetch(number)
                received += len(page)
                info = page.result_info
                if total is None:
                    total = _count(info, "total_count")
                stated = _count(info, "per_page")
                if stated is not None and stated > 0:
                    size, sized = min(asked, stated), True
                yield page
                if len(page) < size:
                    done = total is not None and received >= total
                    if not len(page) or sized or done:
                        break
                    # Shorter than asked, no hint: perhaps a silent cap. Ask once more.
                    size, sized = len(page), True
                ids = set(page.ids)
                if ids <= seen:
                    raise IncompleteLoadError(
                        f"page {number} repeated entries already seen; the server is not "
                        "paging (refusing to loop)"
                    )
                seen |= ids
                if executor is not None and len(page) >= size:
                    announced = _announced_pages({"total_count": total, **info}, size)
                    last = min(announced, MAX_PAGES)
                    following = number + len(ahead) + 1
                    while len(ahead) < MAX_READ_AHEAD and following <= last:
                        ahead.append(executor.submit(fetch, following))
                        following += 1
            else:
                raise IncompleteLoadError(
                    f"more than {MAX_PAGES} pages in one window; narrow the time range"
                )
        finally:
            for future in ahead:
                future.cancel()
        if total is not None and received < total:
            raise IncompleteLoadError(
                f"the server announced {total} entries (result_info.total_count) but its "
                f"pages ended after {received}; refusing a partial result"
            )

    def oldest_when(self, query: AuditLogQuery, window: Window) -> pd.Timestamp | bool | None:
        """When the oldest matching entry in ``window`` happened (one request, one entry).

        Returns ``None`` when the window holds no matching entry, and ``False``
        when the server's answer cannot say (an unparseable ``when``).
        """
        params = {
            **query.filter_params(),
            **window.wire_bounds(),
            "direction": "asc",
            "per_page": "1",
            "page": "1",
        }
        page = self.get_page(query.path, params, cacheable=window.cacheable)
        if not len(page):
            return None
        when = page.rows.table.column("when")[0].as_py()
        if when is None:
            return False
        return pd.Timestamp(when).tz_convert("UTC")

    def stream_to(self, path: str, params: Mapping[str, str], write: Callable[[bytes], Any]) -> int:
        """GET ``path`` without caching and hand the body to ``write`` in chunks.

        Returns the number of bytes written. Errors are raised before anything is written.
        """
        url = f"{self.base_url}{path}"
        return self._retrying(lambda: self._stream_once(url, params, write))

    def _stream_once(
        self, url: str, params: Mapping[str, str], write: Callable[[bytes], Any]
    ) -> int:
        started = time.monotonic()
        limit = self.retry.timeout
        try:
            with self._stream(url, params) as response:
                raw = response.raw
                sock = getattr(getattr(raw, "connection", None), "sock", None)

                slow = f"too slow (under 1 MiB per {limit:g} s)"

                def read(size: int, written: int) -> bytes:
                    # The deadline grows with what has arrived: `timeout` seconds, and as
                    # many again for every MiB. A trickling server cannot hold an export.
                    deadline = started + limit * (1 + written / EXPORT_BYTES_PER_TIMEOUT)
                    return _read_part(raw, sock, size, deadline, slow)

                if response.status_code != 200:
                    head = b""
                    while len(head) <= MAX_BODY_BYTES and (part := read(1 << 20, len(head))):
                        head += part
                    response._content = head[: MAX_BODY_BYTES + 1]
                    errors = decode_response(response).errors
                    self._raise_for_status(response, errors, url, "export failed")
                total = 0
                while part := read(1 << 16, total):
                    write(part)
                    total += len(part)
                return total
        except requests.RequestException as exc:
            # Not retried: part of the body may already be written.
            reason = str(exc) if isinstance(exc, _Overdue) else type(exc).__name__
            raise TransportError(f"export from {url} failed: {reason}") from None

    def _stream(self, url: str, params: Mapping[str, str]) -> Any:
        if self.pace is not None:
            self.pace()
        self.stats.add(requests=1)
        getter = requests.get if self.cached else self.session.get
        return getter(
            url,
            params=params,
            headers={**self._headers, "Accept": "text/csv"},
            timeout=(min(10.0, self.retry.timeout), self.retry.timeout),
            stream=True,
            allow_redirects=False,  # the credential never follows a redirect
        )

    def _raise_for_status(
        self, response: Any, errors: list[dict[str, Any]], url: str, what: str
    ) -> NoReturn:
        """Turn a failed response into the right exception; retryable ones as ``_Retry``.

        429 waits as ``Retry-After`` says, unless that is beyond ``max_wait``: then
        :class:`~auditkit.errors.RateLimitError` at once, saying when to retry.
        """
        status = response.status_code
        if status == 429:
            wait = _retry_after(response)
            retry_at = _retry_at(wait)
            if wait is not None and wait > self.retry.max_wait:
                message = (
                    f"rate limited by Cloudflare, which asks to wait {wait:.0f} s: more than "
                    f"max_wait={self.retry.max_wait:g} s. "
                    + (
                        f"Retry after {retry_at:%Y-%m-%d %H:%M:%S} UTC"
                        if retry_at is not None
                        else "It gives no usable time to retry"
                    )
                )
            else:
                message = "rate limited by Cloudflare"
            err = RateLimitError(
                message, status=status, errors=errors, url=url, retry_after=wait, retry_at=retry_at
            )
            if wait is not None and wait > self.retry.max_wait:
                raise err
            raise _Retry(err, wait)
        if 300 <= status < 400:
            raise APIError(
                f"{what}: the server redirected to {_origin(response.headers.get('Location'))}; "
                "auditkit never follows redirects, so that the credential goes nowhere but "
                "base_url (set base_url to the API root itself)",
                status=status,
                url=url,
            )
        if status >= 500:  # the server's fault, whatever codes the body carries: retried
            raise _Retry(APIError("server error", status=status, errors=errors, url=url))
        self._raise_auth(status, errors, url)
        raise APIError(what, status=status, errors=errors, url=url)
