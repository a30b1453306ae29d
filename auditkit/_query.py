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
    "V2_CHOICES",
    "Filter",
    "TimeLike",
    "check_per_page",
    "check_range",
    "filter_values",
    "foreign_filters",
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
    """One filter of a load, declared once: the loaders, the queries and the CLI read it here.

    Attributes
    ----------
    name
        The keyword of :func:`auditkit.load_audit_logs` (and the CLI's ``--name-with-dashes``).
    wire
        Audit Logs v1's query parameter, or ``None`` for what v1 does not send as is (time
        bounds, which are sent per window; ``account_id``, which is part of the path).
    help
        One line, for the CLI's ``--help`` and the docs.
    check
        v1's ``check(value, name)``: the clean value, or :class:`InvalidParameterError`;
        ``None`` when v1 has no such filter.
    default
        The default, the same for every caller and every API.
    v2
        Audit Logs v2's query parameter (``None``: not sent as is, or not a v2 filter).
    check_v2
        v2's check (v2 filters take one value or a list of them); ``None`` when v2 has no
        such filter.
    """

    name: str
    wire: str | None
    help: str
    check: Callable[[Any, str], Any] | None
    default: Any = None
    v2: str | None = None
    check_v2: Callable[[Any, str], Any] | None = None

    @property
    def option(self) -> str:
        """The CLI option, e.g. ``--actor-email``."""
        return "--" + self.name.replace("_", "-")

    @property
    def repeatable(self) -> bool:
        """Whether the filter takes several values (a list; the CLI option given again).

        v2's array filters do, and ``account_id`` (several accounts, either API).
        """
        return self.name == "account_id" or self.check_v2 in _ARRAY_CHECKS

    @property
    def apis(self) -> tuple[str, ...]:
        """The APIs that have this filter, e.g. ``("v1", "v2")``."""
        return tuple(
            api for api, check in (("v1", self.check), ("v2", self.check_v2)) if check is not None
        )


#: Values of the v2 filters that take a fixed vocabulary (Cloudflare's docs and SDK 5.9).
V2_CHOICES: dict[str, tuple[str, ...]] = {
    "action_result": ("success", "failure"),
    "action_type": ("create", "delete", "view", "update"),
}


def _texts(value: Any, parameter: str) -> str | tuple[str, ...] | None:
    """One text value, or a list (tuple) of them: v2's array filters."""
    if value is None:
        return None
    if isinstance(value, str):
        return _strip(_text(value, parameter))
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else list(value)
        if not items:
            raise InvalidParameterError(parameter, "must not be an empty list")
        out: list[str] = []
        for item in items:
            if not isinstance(item, str):
                raise InvalidParameterError(
                    parameter, f"must be a string or a list of strings, not {type(item).__name__}"
                )
            text = _strip(_text(item, parameter))
            assert text is not None
            out.append(text)
        return tuple(dict.fromkeys(out))
    raise InvalidParameterError(
        parameter, f"must be a string or a list of strings, not {type(value).__name__}"
    )


def _each(clean: str | tuple[str, ...] | None) -> tuple[str, ...]:
    return (clean,) if isinstance(clean, str) else clean or ()


def _choices_v2(value: Any, parameter: str) -> str | tuple[str, ...] | None:
    clean = _texts(value, parameter)
    allowed = V2_CHOICES[parameter]
    for item in _each(clean):
        if item not in allowed:
            raise InvalidParameterError(
                parameter, f"{item!r} is not one of {', '.join(allowed)} (Audit Logs v2)"
            )
    return clean


def _ips_v2(value: Any, parameter: str) -> str | tuple[str, ...] | None:
    clean = _texts(value, parameter)
    for item in _each(clean):
        try:
            ipaddress.ip_address(item)
        except ValueError:
            raise InvalidParameterError(
                parameter, f"{item!r} is not an IP address (e.g. 198.51.100.7, 2001:db8::1)"
            ) from None
    return clean


def _status_codes(value: Any, parameter: str) -> int | tuple[int, ...] | None:
    if value is None:
        return None
    many = isinstance(value, list | tuple | set | frozenset)
    items = list(value) if many else [value]
    if not items:
        raise InvalidParameterError(parameter, "must not be an empty list")
    out: list[int] = []
    for item in items:
        if isinstance(item, str) and item.strip().isdigit():
            item = int(item.strip())
        if isinstance(item, bool) or not isinstance(item, int) or not 100 <= item <= 599:
            raise InvalidParameterError(
                parameter,
                f"must be an HTTP status code (100 to 599) or a list of them, not {item!r}",
            )
        out.append(item)
    codes = tuple(sorted(dict.fromkeys(out)))
    return codes if many else codes[0]


#: The v2 checks that take one value or a list (v2's array filters).
_ARRAY_CHECKS: tuple[Callable[[Any, str], Any], ...] = (
    _texts,
    _choices_v2,
    _ips_v2,
    _status_codes,
)


def _v2(name: str, help: str, check: Callable[[Any, str], Any] = _texts) -> Filter:
    """A filter only Audit Logs v2 has, sent as its own name."""
    return Filter(name, None, help, None, None, name, check)


#: Every filter of a load, in the order the docs list them: v1's, then v2's own.
FILTERS: tuple[Filter, ...] = (
    Filter("since", None, "ISO-8601 date or date-time (UTC if no offset); since <= when", _time,
           check_v2=_time),
    Filter("before", None, "ISO-8601 date or date-time (UTC if no offset); when < before", _time,
           check_v2=_time),
    Filter("actor_email", "actor.email", "the actor's email", _clean_text,
           v2="actor_email", check_v2=_texts),
    Filter("actor_ip", "actor.ip", "an IP address or CIDR range (v2: actor_ip_address)",
           _clean_ip, v2="actor_ip_address", check_v2=_ips_v2),
    Filter("action_type", "action.type", "what was done, e.g. change_setting (v2: create, ...)",
           _clean_text, v2="action_type", check_v2=_choices_v2),
    Filter("zone_name", "zone.name", "the zone touched, e.g. example.com", _clean_text,
           v2="zone_name", check_v2=_texts),
    Filter("id", "id", "one entry's id", _clean_text, v2="id", check_v2=_texts),
    Filter("direction", "direction", "desc (newest first, the default) or asc", _direction,
           "desc", v2="direction", check_v2=_direction),
    Filter("hide_user_logs", "hide_user_logs", "Cloudflare's hide_user_logs flag (v1)", _flag,
           False),
    Filter("account_id", None, "read /accounts/{id}/audit_logs (v2: /accounts/{id}/logs/audit)",
           _account, check_v2=_account),
    Filter("organization_id", None, "v2: read /organizations/{id}/logs/audit", None,
           check_v2=_account),
    _v2("account_name", "v2: the account's name"),
    _v2("action_result", "v2: success or failure", _choices_v2),
    _v2("actor_context", "v2: how the actor authenticated: api_token, api_key, dash, oauth, ..."),
    _v2("actor_id", "v2: the actor's id"),
    _v2("actor_ip_address", "v2: the actor's IP address", _ips_v2),
    _v2("actor_token_id", "v2: id of the API token used"),
    _v2("actor_token_name", "v2: name of the API token used"),
    _v2("actor_type", "v2: account, cloudflare_admin, system, user, ..."),
    _v2("raw_cf_ray_id", "v2: the request's Cloudflare Ray id"),
    _v2("raw_method", "v2: the request's HTTP method"),
    _v2("raw_status_code", "v2: the response's HTTP status code", _status_codes),
    _v2("raw_uri", "v2: the request's URI"),
    _v2("resource_id", "v2: the resource's id"),
    _v2("resource_product", "v2: the product, e.g. dns, waf"),
    _v2("resource_scope", "v2: accounts, user, zones or memberships"),
    _v2("resource_type", "v2: the resource's type"),
    _v2("zone_id", "v2: the zone's id"),
)  # fmt: skip


FILTER_NAMES: tuple[str, ...] = tuple(f.name for f in FILTERS)


def filter_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The filters among ``values`` (a caller's ``locals()``), by :data:`FILTERS`.

    Examples
    --------
    >>> filter_values({"actor_email": "a@b.c", "token": "x"})["actor_email"]
    'a@b.c'
    """
    return {f.name: values.get(f.name, f.default) for f in FILTERS}


def check_range(since: pd.Timestamp | None, before: pd.Timestamp | None) -> None:
    """Raise :class:`InvalidParameterError` (naming ``since``) unless ``since < before``.

    Examples
    --------
    >>> check_range(pd.Timestamp("2026-09-02", tz="UTC"), pd.Timestamp("2026-09-01", tz="UTC"))
    Traceback (most recent call last):
    ...
    auditkit.errors.InvalidParameterError: since: must be earlier than before (2026-09-02T00:00:00+00:00 >= 2026-09-01T00:00:00+00:00)
    """
    if since is not None and before is not None and since >= before:
        raise InvalidParameterError(
            "since", f"must be earlier than before ({since.isoformat()} >= {before.isoformat()})"
        )


def check_per_page(per_page: Any) -> int:
    """``per_page`` if it is an integer from 1 to :data:`MAX_PER_PAGE`, else :class:`InvalidParameterError`."""
    if isinstance(per_page, bool) or not isinstance(per_page, int):
        raise InvalidParameterError("per_page", f"must be an integer, got {per_page!r}")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidParameterError(
            "per_page", f"must be between 1 and {MAX_PER_PAGE}, got {per_page}"
        )
    return per_page


def foreign_filters(values: Mapping[str, Any], api: str) -> None:
    """Raise :class:`InvalidParameterError` for the first filter set in ``values`` that ``api`` lacks.

    A filter counts as set when its value is not its default.

    Examples
    --------
    >>> foreign_filters({"resource_product": "dns"}, "v1")
    Traceback (most recent call last):
    ...
    auditkit.errors.InvalidParameterError: resource_product: is not a filter of api='v1' (only of api='v2')
    """
    for f in FILTERS:
        if api in f.apis or f.name not in values or values[f.name] == f.default:
            continue
        others = " or ".join(f"api={a!r}" for a in f.apis)
        raise InvalidParameterError(f.name, f"is not a filter of api={api!r} (only of {others})")


def _strip(value: str | None) -> str | None:
    return None if value is None else value.strip()
