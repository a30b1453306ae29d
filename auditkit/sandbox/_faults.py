"""Fault injection: :class:`SandboxFaults`, and how faults alter the sandbox's answers.

Faults count audit-log requests only (routed v1 and v2 audit-log paths answered by GET,
whatever their auth; not ``/accounts``), and fire before auth and validation:
:func:`apply_faults` wraps the serving of each such request (see
:func:`auditkit.sandbox._semantics.answer`). In order: ``latency`` sleeps; the next
queued one-shot fault either replaces the answer (``rate_limit``: 429 with
``Retry-After``; ``server_error``: a 5xx, HTML or JSON) or alters it (``truncate_json``:
half the body; ``drop_connection``: half the body, then the socket is closed;
``success_false``: 200 with ``"success": false``; ``repeat_cursor``: a v2 page whose
cursor leads back to the same page); then ``write_during_load`` inserts its records
(:class:`LiveWriter`, into the first account's v1 log and, read as v2, its v2 log)
before the response is sent.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any, Literal, Self

from auditkit.sandbox._auth import Auth
from auditkit.sandbox._data import live_record
from auditkit.sandbox._envelope import Response, envelope_error
from auditkit.sandbox._people import Identity
from auditkit.sandbox._store import Store
from auditkit.sandbox._times import format_when

__all__ = ["LiveWriter", "SandboxFaults", "apply_faults"]

_HTML_5XX = """<html>
<head><title>{status} {reason}</title></head>
<body>
<center><h1>{status} {reason}</h1></center>
<hr><center>cloudflare</center>
</body>
</html>
"""
#: Reason phrases of the status line (as ``http.server`` sends them).
_REASONS = {status.value: status.phrase for status in HTTPStatus}


# ---------------------------------------------------------------------------
# the knobs
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
    ``truncate_json``, ``success_false``, ``repeat_cursor``) are queued in the order
    they are armed; each audit-log request (v1 or v2) consumes one from the head of the
    queue, so ``faults.rate_limit(2).server_error(1)`` gives 429, 429, 503, then normal
    answers. Only audit-log requests count (any other path, ``/accounts`` included,
    neither consumes nor triggers).
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

    def repeat_cursor(self, n: int = 1) -> Self:
        """Hand back, on the next ``n`` audit-log requests, the cursor that led to the page.

        A v2 page then carries (where the sandbox puts cursors) the request's own cursor,
        or for a first page one that leads to the first page again, even on the last
        page: a client that follows it gets the same records again, forever, unless it
        notices. A v1 page or an error is left as it is (the fault is still used up).

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
        >>> SandboxFaults().repeat_cursor(2).pending
        [('repeat_cursor', 2)]
        """
        return self._arm(_Armed("repeat_cursor", n))

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
            out = [(armed.kind, armed.remaining) for armed in self._queue]
            writer = self._writer
            if writer is not None:
                out.append(
                    ("write_during_load", 1 if writer.times is None else writer.times - writer.done)
                )
        return out

    # -- used by apply_faults ----------------------------------------------------
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
            writer = self._writer
            if writer is None:
                return None
            writer.seen += 1
            if writer.seen % writer.every:
                return None
            writer.done += 1
            if writer.times is not None and writer.done >= writer.times:
                self._writer = None
            return writer.count, writer.when


# ---------------------------------------------------------------------------
# how faults alter an answer
# ---------------------------------------------------------------------------


def _rate_limited(armed: _Armed) -> Response:
    resp = envelope_error(429, 971, "Please wait and consider throttling your request speed")
    resp.headers.append(("Retry-After", str(armed.retry_after)))
    return resp


def _server_error(armed: _Armed) -> Response:
    status = armed.status
    html = armed.body == "html" or (
        armed.body == "auto" and (status in (502, 503, 504) or 520 <= status <= 530)
    )
    if html:
        reason = _REASONS.get(status, "Server Error")
        body = _HTML_5XX.format(status=status, reason=reason).encode()
        return Response(status, body, "text/html; charset=utf-8")
    return envelope_error(status, 1000, "Internal error")


def _mangle(armed: _Armed, resp: Response) -> Response:
    if armed.kind == "success_false":
        return envelope_error(200, 1000, "Internal error")
    if armed.kind == "repeat_cursor":
        if resp.same_page is not None:
            resp.body = resp.same_page()
    elif armed.kind == "truncate_json":
        resp.body = resp.body[: len(resp.body) // 2]
    elif armed.kind == "drop_connection":
        resp.drop = True
    return resp


def apply_faults(
    faults: SandboxFaults,
    write_live: Callable[[int, str | datetime], None],
    serve: Callable[[], tuple[Auth, Response]],
) -> tuple[Auth, Response, str | None]:
    """Serve one audit-log request through the faults: ``(auth, response, fault)``.

    ``serve`` is not called when a fault replaces the answer (``auth`` is then
    ``None``); ``write_live(count, when)`` runs when ``write_during_load`` fires.
    """
    latency = faults.latency
    if latency > 0:
        time.sleep(latency)
    armed = faults._take()
    fault = armed.kind if armed else None
    auth: Auth = None
    if armed is not None and armed.kind == "rate_limit":
        resp = _rate_limited(armed)
    elif armed is not None and armed.kind == "server_error":
        resp = _server_error(armed)
    else:
        auth, resp = serve()
        if armed is not None:
            resp = _mangle(armed, resp)
    tick = faults._tick()
    if tick is not None:
        write_live(*tick)
    return auth, resp, fault


# ---------------------------------------------------------------------------
# records written during a load
# ---------------------------------------------------------------------------


class LiveWriter:
    """Writes ``write_during_load``'s records into a sandbox's store.

    Its records come from :func:`~auditkit.sandbox._data.live_record` with a random
    generator seeded by the sandbox's seed; ``"past"`` ones go 1 ms apart just below
    ``past_ref_ns`` (the newest record the sandbox started with). ``mirror``, if given,
    is called with each batch after it is stored (the sandbox adds them to the v2 log).
    """

    def __init__(
        self,
        store: Store,
        ident: Identity,
        seed: int,
        past_ref_ns: int,
        mirror: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self._mirror = mirror
        self._store = store
        self._ident = ident
        self._rng = random.Random(f"auditkit-sandbox-live:{seed}")
        self._lock = threading.Lock()
        self._past_ref_ns = past_ref_ns
        self._past_n = 0

    def write(self, count: int, when: str | datetime) -> None:
        """Insert ``count`` records, at ``when`` (``"now"``, ``"past"`` or a datetime)."""
        with self._lock:
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
                recs.append(live_record(self._rng, text, self._ident))
        self._store.add(recs)
        if self._mirror is not None:
            self._mirror(recs)
