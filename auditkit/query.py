"""Validated audit-log filters, their wire form, and the load plan.

:class:`AuditLogQuery` checks every filter before any request is made and turns
it into Cloudflare's wire parameters (``action.type``, ``actor.email``, ...).

:func:`plan_windows` splits a load's time range into *windows* aligned to UTC
months and days. Each window is paged on its own with fixed bounds, so that:

- a closed window (it ended more than :data:`SETTLE` ago) is cached for good
  and never asked for again, even by a load with a different ``since``;
- re-running "the last 30 days" tomorrow fetches only what is new;
- entries written while a load runs fall after its fixed upper bound.

Windows are requested one second wider on each side (Cloudflare does not say
whether ``since``/``before`` are inclusive) and results are clipped to the
window exactly: auditkit's own semantics are ``since <= when < before``.

Examples
--------
>>> q = AuditLogQuery.build(since="2026-10-01", actor_email="michelle@example.com")
>>> q.since
Timestamp('2026-10-01 00:00:00+0000', tz='UTC')
>>> q.filter_params()
{'actor.email': 'michelle@example.com', 'direction': 'desc'}
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeAlias

import pandas as pd

from .errors import InvalidParameterError

__all__ = [
    "FILTERS",
    "FILTER_NAMES",
    "MAX_PER_PAGE",
    "SETTLE",
    "AuditLogQuery",
    "Filter",
    "TimeLike",
    "Window",
    "filter_values",
    "plan_windows",
    "to_utc",
]

TimeLike: TypeAlias = datetime | date | pd.Timestamp | str
MAX_PER_PAGE = 1000
#: How long after its end a window is treated as final and cached for good.
SETTLE = pd.Timedelta(hours=1)
#: Cloudflare keeps audit logs for 18 months; older windows are merged into one.
RETENTION_MONTHS = 18

_ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ONE_SECOND = pd.Timedelta(seconds=1)


def to_utc(value: Any, parameter: str) -> pd.Timestamp:
    """Parse a time bound into a tz-aware UTC ``Timestamp``; naive values mean UTC.

    Accepts ``datetime``, ``date``, ``pandas.Timestamp`` and ISO-8601 strings.

    Raises
    ------
    InvalidParameterError
        Anything else, or text that is not a date.

    Examples
    --------
    >>> to_utc("2026-10-01T14:00:00+02:00", "since")
    Timestamp('2026-10-01 12:00:00+0000', tz='UTC')
    """
    if isinstance(value, pd.Timestamp | datetime):
        ts = pd.Timestamp(value)
    elif isinstance(value, date):
        ts = pd.Timestamp(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise InvalidParameterError(parameter, "must not be empty")
        try:
            ts = pd.Timestamp(text)
        except (ValueError, OverflowError) as exc:
            raise InvalidParameterError(
                parameter, f"{value!r} is not an ISO-8601 date or date-time ({exc})"
            ) from None
    else:
        raise InvalidParameterError(
            parameter,
            f"expected a datetime, date, pandas.Timestamp or ISO-8601 string, "
            f"not {type(value).__name__}",
        )
    if ts is pd.NaT or pd.isna(ts):
        raise InvalidParameterError(parameter, f"{value!r} is not a point in time")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.as_unit("us")


def _text(value: Any, parameter: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidParameterError(parameter, f"must be a string, not {type(value).__name__}")
    if not value.strip():
        raise InvalidParameterError(parameter, "must not be empty")
    if any(ch in value for ch in "\r\n\0"):
        raise InvalidParameterError(parameter, "must not contain line breaks or NUL")
    return value


def _ip(value: Any) -> str | None:
    text = _text(value, "actor_ip")
    if text is None:
        return None
    try:
        ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise InvalidParameterError(
            "actor_ip",
            f"{text!r} is not an IP address or CIDR range (e.g. 198.51.100.7, 2001:db8::/32)",
        ) from None
    return text.strip()


def _time(value: Any, parameter: str) -> pd.Timestamp | None:
    return None if value is None else to_utc(value, parameter)


def _direction(value: Any, parameter: str) -> str:
    if not isinstance(value, str) or value.lower() not in ("desc", "asc"):
        raise InvalidParameterError(parameter, f"must be 'desc' or 'asc', got {value!r}")
    return "asc" if value.lower() == "asc" else "desc"


def _flag(value: Any, parameter: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidParameterError(parameter, f"must be True or False, got {value!r}")
    return value


def _account(value: Any, parameter: str) -> str | None:
    acct = _text(value, parameter)
    if acct is not None and not _ACCOUNT_ID.match(acct):
        raise InvalidParameterError(
            parameter, "must be a Cloudflare account id (letters and digits only)"
        )
    return acct


def _clean_text(value: Any, parameter: str) -> str | None:
    return _strip(_text(value, parameter))


def _clean_ip(value: Any, parameter: str) -> str | None:
    return _ip(value)


@dataclass(frozen=True)
class Filter:
    """One filter of a load, declared once: the loaders, the query and the CLI read it here.

    Attributes
    ----------
    name
        The keyword of :func:`auditkit.load_audit_logs` (and the CLI's ``--name-with-dashes``).
    wire
        Cloudflare's query parameter, or ``None`` for what is not sent as is (time bounds,
        which are sent per window; ``account_id``, which is part of the path).
    help
        One line, for the CLI's ``--help`` and the docs.
    check
        ``check(value, name)``: the clean value, or :class:`InvalidParameterError`.
    default
        The default, the same for every caller.
    """

    name: str
    wire: str | None
    help: str
    check: Callable[[Any, str], Any]
    default: Any = None

    @property
    def option(self) -> str:
        """The CLI option, e.g. ``--actor-email``."""
        return "--" + self.name.replace("_", "-")


#: Every filter of a load, in the order the docs list them.
FILTERS: tuple[Filter, ...] = (
    Filter("since", None, "ISO-8601 date or date-time (UTC if no offset); since <= when", _time),
    Filter("before", None, "ISO-8601 date or date-time (UTC if no offset); when < before", _time),
    Filter("actor_email", "actor.email", "the actor's email", _clean_text),
    Filter("actor_ip", "actor.ip", "an IP address or CIDR range", _clean_ip),
    Filter("action_type", "action.type", "what was done, e.g. change_setting", _clean_text),
    Filter("zone_name", "zone.name", "the zone touched, e.g. example.com", _clean_text),
    Filter("id", "id", "one entry's id", _clean_text),
    Filter("direction", "direction", "desc (newest first, the default) or asc", _direction, "desc"),
    Filter("hide_user_logs", "hide_user_logs", "Cloudflare's hide_user_logs flag", _flag, False),
    Filter("account_id", None, "read /accounts/{id}/audit_logs", _account),
)
FILTER_NAMES: tuple[str, ...] = tuple(f.name for f in FILTERS)


def filter_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The filters among ``values`` (a caller's ``locals()``), by :data:`FILTERS`.

    Examples
    --------
    >>> filter_values({"actor_email": "a@b.c", "token": "x"})["actor_email"]
    'a@b.c'
    """
    return {f.name: values.get(f.name, f.default) for f in FILTERS}


@dataclass(frozen=True)
class AuditLogQuery:
    """A validated audit-log query. Build it with :meth:`build`.

    Attributes hold clean values: ``since``/``before`` are UTC timestamps or
    ``None``; text filters are stripped strings or ``None``.
    """

    since: pd.Timestamp | None = None
    before: pd.Timestamp | None = None
    actor_email: str | None = None
    actor_ip: str | None = None
    action_type: str | None = None
    zone_name: str | None = None
    id: str | None = None
    direction: Literal["desc", "asc"] = "desc"
    hide_user_logs: bool = False
    account_id: str | None = None
    per_page: int = MAX_PER_PAGE

    @classmethod
    def build(cls, *, per_page: int = MAX_PER_PAGE, **filters: Any) -> AuditLogQuery:
        """Validate every filter (:data:`FILTERS`) and ``per_page``; raise
        :class:`InvalidParameterError` naming the first bad one.

        Examples
        --------
        >>> AuditLogQuery.build(per_page=0)
        Traceback (most recent call last):
        ...
        auditkit.errors.InvalidParameterError: per_page: must be between 1 and 1000, got 0
        >>> AuditLogQuery.build(actor="x")
        Traceback (most recent call last):
        ...
        auditkit.errors.InvalidParameterError: actor: is not a filter (filters: since, before, actor_email, actor_ip, action_type, zone_name, id, direction, hide_user_logs, account_id)
        """
        for name in filters:
            if name not in FILTER_NAMES:
                raise InvalidParameterError(
                    name, f"is not a filter (filters: {', '.join(FILTER_NAMES)})"
                )
        clean = {f.name: f.check(filters.get(f.name, f.default), f.name) for f in FILTERS}
        since_ts, before_ts = clean["since"], clean["before"]
        if since_ts is not None and before_ts is not None and since_ts >= before_ts:
            raise InvalidParameterError(
                "since",
                f"must be earlier than before ({since_ts.isoformat()} >= {before_ts.isoformat()})",
            )
        if isinstance(per_page, bool) or not isinstance(per_page, int):
            raise InvalidParameterError("per_page", f"must be an integer, got {per_page!r}")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise InvalidParameterError(
                "per_page", f"must be between 1 and {MAX_PER_PAGE}, got {per_page}"
            )
        return cls(**clean, per_page=per_page)

    @property
    def path(self) -> str:
        """The endpoint path below the base URL."""
        if self.account_id is None:
            return "/user/audit_logs"
        return f"/accounts/{self.account_id}/audit_logs"

    @property
    def scope(self) -> str:
        """``"user"`` or ``"account"``."""
        return "user" if self.account_id is None else "account"

    def filter_params(self) -> dict[str, str]:
        """Wire parameters for every filter except time bounds and paging (:data:`FILTERS`)."""
        params: dict[str, str] = {}
        for f in FILTERS:
            value = getattr(self, f.name)
            if f.wire is None or value is None or value is False:
                continue
            params[f.wire] = "true" if value is True else str(value)
        return params

    def describe(self) -> dict[str, Any]:
        """The query as plain values, for ``df.attrs`` (no credentials exist here)."""
        out = asdict(self)
        for key in ("since", "before"):
            if out[key] is not None:
                out[key] = out[key].isoformat()
        return out


def _strip(value: str | None) -> str | None:
    return None if value is None else value.strip()


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


def retention_floor(now: pd.Timestamp) -> pd.Timestamp:
    """Start of the oldest month Cloudflare may still hold (18 months before this one)."""
    return _add_months(month_start(now), -RETENTION_MONTHS)


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
