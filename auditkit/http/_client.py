"""One Cloudflare API client for one credential: a GET of a page, retried; an export, streamed.

:class:`ApiClient` adds the credential's headers, asks the cache first (a cached
page costs no rate budget), paces with the rate budget, retries what is worth
retrying (:mod:`._retry`) and turns Cloudflare's error envelopes into auditkit's
exceptions. It knows Cloudflare's v4 envelope (``success``, ``errors``,
``result``, ``result_info``) through the decoder its source gives it, and
nothing of audit logs: paging is the source's (:mod:`auditkit.sources`).

Every exception raised out of the client is an
:class:`~auditkit.errors.AuditKitError` with no ``__cause__``/``__context__``
chain (nothing behind it holds the credential).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import requests

from ..errors import (
    APIError,
    AuditKitError,
    AuthenticationError,
    OfflineCacheMissError,
    RateLimitError,
    TransportError,
)
from . import _transport
from ._credentials import Credentials
from ._envelope import Decode, Envelope, decoded
from ._retry import RetryPolicy, _address, _detached, _refused, _Retry, _retry_after, _retry_at
from ._transport import (
    _Halted,
    _Overdue,
    _read_part,
    _Rejected,
    _settle_environment,
    page_size_asked,
)

log = logging.getLogger("auditkit")
#: Query parameters: a list value is sent as the key repeated (Audit Logs v2's array filters).
Params = Mapping[str, str | list[str]]
T = TypeVar("T")

USER_AGENT = "auditkit/0.1 (+python-requests)"


#: Cloudflare codes that mean "this credential may not do this" (on a 4xx answer only:
#: a 429, a 5xx or a ``200`` is never taken for a credential problem, whatever it carries).
AUTH_CODES = frozenset({6003, 6100, 6101, 6102, 6103, 6111, 9103, 9106, 9107, 9109, 10000, 10001})


#: An export may take ``RetryPolicy.timeout`` seconds, and as many again for each of these.
EXPORT_BYTES_PER_TIMEOUT = 1 << 20


#: Retries of a refused connection (nothing listening), each waiting at most 1 s.
REFUSED_RETRIES = 2


@dataclass
class Page:
    """One page of results: its envelope, decoded where it arrived by the source's decoder.

    Its records are the source's to type (the loader does that in one thread,
    while other threads wait on the network).
    """

    payload: Envelope
    from_cache: bool

    def __len__(self) -> int:
        return len(self.payload)

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


def _origin(location: str | None) -> str:
    """The scheme, host and port of a redirect's target (never its path or query)."""
    if not location:
        return "an unnamed location"
    parts = urlsplit(location)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.netloc else "a path"


class ApiClient:
    """GETs pages of one Cloudflare API for one credential through one session.

    Parameters
    ----------
    credentials
        Who asks. Its headers are added to each request and never logged.
    base_url
        API root including ``/client/v4``.
    session
        A ``requests.Session`` or requests-cache ``CachedSession``.
    decode
        The source's decoder: a body to its :class:`~auditkit.http.Envelope`
        (the adapter counts a page's entries with it, the client checks it).
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
        decode: Decode,
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
        self.decode = decode
        self._adapter = _settle_environment(session, base_url, decode)
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
        return f"ApiClient(base_url={self.base_url!r}, offline={self.offline})"

    # ------------------------------------------------------------------ one request

    def _send(self, url: str, params: Params, expire: Any) -> tuple[Any, bool]:
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

    def get_page(self, path: str, params: Params, *, cacheable: bool) -> Page:
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

    def _attempt(self, url: str, params: Params, expire: Any) -> Page:
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
        payload = decoded(response, self.decode)
        errors = payload.errors
        if status == 200 and payload.is_object:
            if payload.success is True:
                if payload.ids is None:
                    raise APIError("response 'result' is not a list", status=status, url=url)
                size = page_size_asked(params)
                if size is not None and len(payload) > size[1]:  # a cached page, or no adapter
                    raise APIError(
                        f"the server sent {len(payload)} entries on a page of {size[0]}={size[1]}; "
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

    def stream_to(self, path: str, params: Params, write: Callable[[bytes], Any]) -> int:
        """GET ``path`` without caching and hand the body to ``write`` in chunks.

        Returns the number of bytes written. Errors are raised before anything is written.
        """
        url = f"{self.base_url}{path}"
        return self._retrying(lambda: self._stream_once(url, params, write))

    def _stream_once(self, url: str, params: Params, write: Callable[[bytes], Any]) -> int:
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
                    while len(head) <= _transport.MAX_BODY_BYTES and (
                        part := read(1 << 20, len(head))
                    ):
                        head += part
                    response._content = head[: _transport.MAX_BODY_BYTES + 1]
                    errors = decoded(response, self.decode).errors
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

    def _stream(self, url: str, params: Params) -> Any:
        if self.pace is not None:
            self.pace()
        self.stats.add(requests=1)
        session: Any = self.session  # never a cached one: exports are not cached
        return session.get(
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
