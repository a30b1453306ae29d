"""The load's filters, declared once, and their checks.

:data:`FILTERS` lists every filter of a load (keyword, wire name, help, check,
default); :func:`auditkit.load_audit_logs`, :func:`auditkit.export_audit_logs`,
each source's query and the CLI's options all read it. Every value is checked
before any request, and a bad one raises
:class:`~auditkit.errors.InvalidParameterError` naming it.

Examples
--------
>>> filter_values({"actor_email": "a@b.c", "token": "x"})["actor_email"]
'a@b.c'
>>> [f.option for f in FILTERS][:2]
['--since', '--before']
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeAlias

import pandas as pd

from .errors import InvalidParameterError

__all__ = [
    "FILTERS",
    "FILTER_NAMES",
    "MAX_PER_PAGE",
    "Filter",
    "TimeLike",
    "filter_values",
    "to_utc",
]

TimeLike: TypeAlias = datetime | date | pd.Timestamp | str


MAX_PER_PAGE = 1000


_ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


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


def _strip(value: str | None) -> str | None:
    return None if value is None else value.strip()
