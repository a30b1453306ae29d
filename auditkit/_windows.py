"""The load plan: a time range cut into windows aligned to UTC months and days.

:func:`plan_windows` splits a load's time range into *windows*. Each window is
paged on its own with fixed bounds, so that:

- a closed window (it ended more than :data:`SETTLE` ago) is cached for good
  and never asked for again, even by a load with a different ``since``;
- re-running "the last 30 days" tomorrow fetches only what is new;
- entries written while a load runs fall after its fixed upper bound.

Windows are requested one second wider on each side (Cloudflare does not say
whether ``since``/``before`` are inclusive) and results are clipped to the
window exactly: auditkit's own semantics are ``since <= when < before``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pandas as pd

#: How long after its end a window is treated as final and cached for good.
SETTLE = pd.Timedelta(hours=1)


#: Cloudflare keeps audit logs v1 for 18 months; older windows are merged into one.
RETENTION_MONTHS = 18


_ONE_SECOND = pd.Timedelta(seconds=1)


@dataclass(frozen=True)
class Window:
    """A slice ``start <= when < end`` of a load, paged on its own.

    ``start is None`` means "from the beginning". ``cacheable`` windows are
    closed: their pages never change and are cached for good.
    """

    start: pd.Timestamp | None
    end: pd.Timestamp
    cacheable: bool

    def wire_bounds(self, widen: bool = True) -> dict[str, str]:
        """``since``/``before`` sent for this window, in whole seconds.

        With ``widen`` (for loads, which clip results exactly) one second wider
        on each side, whatever Cloudflare's inclusiveness; without it (for CSV
        exports, which cannot be clipped) the window rounded outwards.
        """
        pad = _ONE_SECOND if widen else pd.Timedelta(0)
        out = {"before": _rfc3339(self.end.ceil("s") + pad)}
        if self.start is not None:
            out["since"] = _rfc3339(self.start.floor("s") - pad)
        return out


def _rfc3339(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def month_start(ts: pd.Timestamp) -> pd.Timestamp:
    """Midnight UTC on the first day of ``ts``'s month."""
    return pd.Timestamp(ts.year, ts.month, 1, tz="UTC").as_unit("us")


def retention_floor(now: pd.Timestamp, months: int = RETENTION_MONTHS) -> pd.Timestamp:
    """Start of the oldest month a server keeping ``months`` months may still hold.

    Examples
    --------
    >>> retention_floor(pd.Timestamp("2026-12-01 10:00", tz="UTC"))
    Timestamp('2025-06-01 00:00:00+0000', tz='UTC')
    """
    return _add_months(month_start(now), -months)


def _add_months(ts: pd.Timestamp, months: int) -> pd.Timestamp:
    return (ts + pd.DateOffset(months=months)).as_unit("us")


def plan_windows(
    since: pd.Timestamp | None,
    upper: pd.Timestamp,
    now: pd.Timestamp,
    *,
    align: bool = True,
    settle: timedelta | pd.Timedelta = SETTLE,
) -> list[Window]:
    """Split ``[since, upper)`` into windows aligned to UTC months and days.

    Whole months inside the range are one window each; partial months are cut
    into UTC days; the last window ends at ``upper``. With ``since=None``
    everything older than the retention period (18 months before this month)
    is one window. A window is ``cacheable`` when it ended more than
    ``settle`` before ``now``.

    Parameters
    ----------
    since, upper
        The load's bounds (``upper`` is the given ``before``, else ``now``).
    now
        The load's start time.
    align
        ``False`` gives one window for the whole range (used for ``id`` lookups).
    settle
        Grace period after which a window's content is final.

    Examples
    --------
    >>> now = pd.Timestamp("2026-11-25 12:00", tz="UTC")
    >>> ws = plan_windows(pd.Timestamp("2026-10-30", tz="UTC"), now, now)
    >>> [(str(w.start.date()), str(w.end), w.cacheable) for w in ws][-2:]
    [('2026-11-24', '2026-11-25 00:00:00+00:00', True), ('2026-11-25', '2026-11-25 12:00:00+00:00', False)]
    """
    final_before = now - pd.Timedelta(settle)

    def window(start: pd.Timestamp | None, end: pd.Timestamp) -> Window:
        return Window(start, end, cacheable=end <= final_before)

    if not align:
        return [window(since, upper)]
    windows: list[Window] = []
    if since is None:
        floor = min(retention_floor(now), upper.floor("D"))
        if floor >= upper:
            return [window(None, upper)]
        windows.append(window(None, floor))
        cursor = floor
    else:
        cursor = since.floor("D")
    while cursor < upper:
        month = month_start(cursor)
        next_month = _add_months(month, 1)
        # A whole month is one window only when the range covers all of it: a rolling
        # "last 30 days" from the 1st at 10:00 stays in day windows, which yesterday's
        # run already cached, instead of becoming a new month window.
        covered = since is None or since <= month
        if cursor == month and next_month <= upper and covered:
            end = next_month
        else:
            end = min(cursor + pd.Timedelta(days=1), upper)
        windows.append(window(cursor, end))
        cursor = end
    return windows
