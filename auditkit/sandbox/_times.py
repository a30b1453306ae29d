"""RFC 3339 timestamps: exact parsing, the history's anchor, Cloudflare's ``when`` format.

Shared by the data generator (anchors, ``when``) and the request semantics (``since``,
``before``, sorting stored records).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

__all__ = ["default_anchor", "format_when", "parse_anchor", "parse_timestamp_ns"]

_TS_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,12}))?([Zz]|[+-]\d{2}:\d{2}))?"
)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def parse_timestamp_ns(text: str) -> int:
    """Parse an RFC 3339 date or date-time to integer nanoseconds since the epoch (UTC).

    Accepts a full date (``2026-10-01``, meaning midnight UTC) or a date-time with
    ``T``/``t``/space separator, optional fractional seconds (up to nanoseconds are
    kept, further digits are ignored) and a ``Z`` or ``±hh:mm`` offset. A date-time
    without an offset is rejected, as RFC 3339 requires one.

    Parameters
    ----------
    text
        The timestamp.

    Returns
    -------
    int
        Nanoseconds since 1970-01-01T00:00:00Z; exact, so comparisons never round.

    Raises
    ------
    ValueError
        If ``text`` is not an RFC 3339 date or date-time.

    Examples
    --------
    >>> parse_timestamp_ns("1970-01-01T00:00:01.5Z")
    1500000000
    >>> parse_timestamp_ns("1970-01-01T02:00:00+02:00")
    0
    """
    match = _TS_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"not an RFC 3339 date or date-time: {text!r}")
    year, month, day_, hh, mm, ss, frac, off = match.groups()
    try:
        day_date = date(int(year), int(month), int(day_))
    except ValueError as exc:
        raise ValueError(f"invalid date in {text!r}") from exc
    seconds = (day_date.toordinal() - _EPOCH_ORDINAL) * 86_400
    if hh is None:
        return seconds * 1_000_000_000
    hour, minute, second = int(hh), int(mm), int(ss)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"invalid time in {text!r}")
    seconds += hour * 3600 + minute * 60 + second
    if off not in ("Z", "z"):
        off_hours, off_minutes = int(off[1:3]), int(off[4:6])
        if off_hours > 23 or off_minutes > 59:
            raise ValueError(f"invalid offset in {text!r}")
        delta = off_hours * 3600 + off_minutes * 60
        seconds -= delta if off[0] == "+" else -delta
    nanos = int((frac or "0")[:9].ljust(9, "0"))
    return seconds * 1_000_000_000 + nanos


def default_anchor() -> datetime:
    """Return today's UTC midnight, the default end of the synthetic history.

    Returns
    -------
    datetime
        A tz-aware UTC datetime at 00:00:00.

    Examples
    --------
    >>> a = default_anchor()
    >>> (a.hour, a.minute, a.second, a.tzinfo is not None)
    (0, 0, 0, True)
    """
    now = datetime.now(UTC)
    return datetime(now.year, now.month, now.day, tzinfo=UTC)


def parse_anchor(anchor: datetime | date | str | None) -> datetime:
    """Normalise an anchor to a tz-aware UTC datetime truncated to whole seconds.

    Parameters
    ----------
    anchor
        A tz-aware ``datetime``, a ``date`` (midnight UTC), an RFC 3339 date or
        date-time string, or ``None`` for :func:`default_anchor`.

    Returns
    -------
    datetime
        The anchor in UTC, microseconds dropped.

    Raises
    ------
    ValueError
        For a naive datetime or an unparseable string.

    Examples
    --------
    >>> parse_anchor("2026-10-01").isoformat()
    '2026-10-01T00:00:00+00:00'
    >>> parse_anchor("2026-10-01T12:30:00.9+02:00").isoformat()
    '2026-10-01T10:30:00+00:00'
    """
    if anchor is None:
        return default_anchor()
    if isinstance(anchor, datetime):
        if anchor.tzinfo is None or anchor.utcoffset() is None:
            raise ValueError("anchor must be timezone-aware")
        return anchor.astimezone(UTC).replace(microsecond=0)
    if isinstance(anchor, date):
        return datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC)
    if isinstance(anchor, str):
        ns = parse_timestamp_ns(anchor.strip())
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=ns // 1_000_000_000)
    raise TypeError(f"anchor must be a datetime, date, str or None, not {type(anchor).__name__}")


def format_when(dt: datetime) -> str:
    """Format a datetime the way Cloudflare writes ``when``.

    Whole seconds give ``2026-10-01T12:00:00Z``; otherwise six fractional digits.

    Parameters
    ----------
    dt
        A tz-aware datetime (converted to UTC) or a naive one taken as UTC.

    Returns
    -------
    str
        The RFC 3339 text with a ``Z`` suffix.

    Examples
    --------
    >>> format_when(datetime(2026, 10, 1, 12, 0, 0, 250, tzinfo=UTC))
    '2026-10-01T12:00:00.000250Z'
    """
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt.isoformat() + "Z"
