"""What is worth another try, and how long to wait before it.

:class:`RetryPolicy` (the public knob), the parsing of ``Retry-After``, the
internal :class:`_Retry` signal, and :func:`_detached`, through which every
exception leaves the client with no chain behind it.

Examples
--------
>>> RetryPolicy().max_retries
5
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from ..errors import (
    InvalidParameterError,
)


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
