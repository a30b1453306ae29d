"""A process-wide request budget that keeps auditkit under Cloudflare's rate limit.

Cloudflare allows 1,200 requests per 5 minutes per user (dashboard and API
together) and blocks *every* call for 5 minutes past it. auditkit therefore
paces itself: by default at most 1,000 requests in any 300-second window,
shared by all loads in the process (threads included). A request that would
exceed the budget waits until the oldest request in the window ages out.
Cached pages cost nothing.

Examples
--------
>>> budget = RateBudget(requests=2, period=0.05)
>>> for _ in range(3):
...     budget.acquire()
>>> budget.waited > 0
True
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from ..errors import InvalidParameterError

__all__ = ["RateBudget", "get_rate_budget", "set_rate_budget"]

DEFAULT_REQUESTS = 1000
DEFAULT_PERIOD = 300.0


class RateBudget:
    """At most ``requests`` calls to :meth:`acquire` in any ``period`` seconds.

    Parameters
    ----------
    requests
        Requests allowed per period.
    period
        Length of the sliding window, in seconds.
    """

    def __init__(
        self,
        requests: int = DEFAULT_REQUESTS,
        period: float = DEFAULT_PERIOD,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
            raise InvalidParameterError("requests", f"must be an integer >= 1, got {requests!r}")
        if isinstance(period, bool) or not isinstance(period, int | float) or period <= 0:
            raise InvalidParameterError("period", f"must be a number > 0, got {period!r}")
        self.requests = requests
        self.period = float(period)
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        #: Total seconds spent waiting for the budget.
        self.waited = 0.0

    def __repr__(self) -> str:
        return f"RateBudget(requests={self.requests}, period={self.period:g})"

    def acquire(self) -> None:
        """Block until one more request fits in the budget, then count it."""
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.period:
                    self._sent.popleft()
                if len(self._sent) < self.requests:
                    self._sent.append(now)
                    return
                wait = self.period - (now - self._sent[0])
            self.waited += wait
            self._sleep(wait)

    __call__ = acquire

    def in_window(self) -> int:
        """Requests counted in the current window."""
        with self._lock:
            now = self._clock()
            return sum(1 for t in self._sent if now - t < self.period)


_budget = RateBudget()


def get_rate_budget() -> RateBudget:
    """The budget shared by every load in this process.

    Examples
    --------
    >>> get_rate_budget().requests
    1000
    """
    return _budget


def set_rate_budget(requests: int = DEFAULT_REQUESTS, period: float = DEFAULT_PERIOD) -> RateBudget:
    """Replace the shared budget, e.g. when other tools use the same account.

    Examples
    --------
    >>> set_rate_budget(600, 300)
    RateBudget(requests=600, period=300)
    >>> _ = set_rate_budget()
    """
    global _budget
    _budget = RateBudget(requests, period)
    return _budget
