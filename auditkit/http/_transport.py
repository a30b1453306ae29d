"""Bytes on the wire: one whole body per request, within a deadline and a size cap.

:class:`_WholeBodyAdapter` is mounted on the session of a load: it reads each
body in few large reads, ends a response that is not complete within its
deadline, refuses a body over :data:`MAX_BODY_BYTES` or a page with more entries
than asked (counted by the source's envelope decoder), and shuts every socket
down on :meth:`~_WholeBodyAdapter.halt`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import weakref
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from ..errors import (
    APIError,
    AuditKitError,
)
from ._envelope import Decode, decoded

#: Largest response body read, in bytes (after decompression). A 1000-entry page is
#: about 0.6 MB; a larger body is an :class:`~auditkit.errors.APIError`, refused from
#: its ``Content-Length`` before reading, or as soon as the bytes read pass the limit.
MAX_BODY_BYTES = 64 * 1024 * 1024


def _settle_environment(
    session: requests.Session, base_url: str, decode: Decode
) -> _WholeBodyAdapter:
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
    adapter = _WholeBodyAdapter(decode, pool_maxsize=32)
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


#: Cloudflare's names for a page's size: ``per_page`` (v4 lists), ``limit`` (cursor lists).
PAGE_SIZE_PARAMS = ("per_page", "limit")


def page_size_asked(params: Mapping[str, Any]) -> tuple[str, int] | None:
    """The page size a request asks for, and under which name (``None`` if it asks for none).

    Examples
    --------
    >>> page_size_asked({"per_page": "50"}), page_size_asked({"limit": ["10"]})
    (('per_page', 50), ('limit', 10))
    """
    for name in PAGE_SIZE_PARAMS:
        value = params.get(name)
        if isinstance(value, list | tuple):
            value = value[0] if value else None
        if isinstance(value, str) and value.isdigit():
            return name, int(value)
    return None


def _page_size_in(url: str | None) -> tuple[str, int] | None:
    """:func:`page_size_asked` of a request URL's query."""
    from urllib.parse import parse_qs

    return page_size_asked(parse_qs(urlsplit(url or "").query))


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
      ``per_page`` (or ``limit``) asked is refused too. Both raise :class:`_Rejected` (an
      ``APIError`` for the caller, not retried: the server would say it again),
      before requests-cache could store the response.
    - **Halt.** :meth:`halt` (an interrupted load) shuts down every socket the
      adapter opened, so that threads blocked in a read return at once; a
      response completed after the halt is discarded, never cached.

    Errors while reading are raised as requests raises them, so retries see the
    same exceptions.
    """

    def __init__(self, decode: Decode, *args: Any, **kwargs: Any) -> None:
        self.decode = decode
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
        size = _page_size_in(request.url)
        if size is not None and response.status_code == 200:
            name, asked = size
            sent = len(decoded(response, self.decode))  # decoded once, kept on the response
            if sent > asked:
                raise _Rejected(
                    APIError(
                        f"the server sent {sent} entries on a page of {name}={asked}; "
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
        f"response body {what}, more than MAX_BODY_BYTES="
        f"{MAX_BODY_BYTES} (a 1000-entry page is about 0.6 MB); refusing to read it",
        status=status,
        url=url,
    )
