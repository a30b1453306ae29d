"""Argument checks of the analyses: each raises a clear ``InvalidParameterError``.

Checks of plain arguments (integers, flags, filters, time zones, frequencies,
durations, ``by``) and :func:`require_columns`, the check that a frame has the
columns a function reads, with :data:`COLUMN_ALIASES` and :func:`column_for`,
the one place that says which column stands for a needed one. None of them
reads the frame's values; the checks that do (``check_when``, ``check_by``) are
in :mod:`._columns`.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from datetime import timedelta, tzinfo
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError

#: A needed column -> the columns that can stand for it, in order: the first one the
#: frame has is read. A v1 frame's ``interface`` (``UI``, ``API``...) is a v2 frame's
#: ``actor_context`` (``dash``, ``api_token``...), read with its values as they are.
#: A needed column not named here is read by its own name.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "interface": ("interface", "actor_context"),
}


def column_for(df: pd.DataFrame, name: str) -> str:
    """The column of ``df`` read for the needed column ``name`` (see :data:`COLUMN_ALIASES`).

    The first of ``name``'s aliases that ``df`` has; ``name`` itself when it has
    none of them (or ``name`` has no aliases).

    Examples
    --------
    >>> column_for(pd.DataFrame(columns=["interface", "actor_context"]), "interface")
    'interface'
    >>> column_for(pd.DataFrame(columns=["actor_context"]), "interface")
    'actor_context'
    >>> column_for(pd.DataFrame(columns=["when"]), "when")
    'when'
    """
    for candidate in COLUMN_ALIASES.get(name, (name,)):
        if candidate in df.columns:
            return candidate
    return name


def require_columns(
    df: pd.DataFrame, columns: Iterable[str], what: str, parameter: str = "df"
) -> None:
    """Raise a clear error unless ``df`` is a frame with all of ``columns``, each once.

    A needed column with :data:`COLUMN_ALIASES` is there when any of its aliases
    is (the one :func:`column_for` picks must then appear once).

    Parameters
    ----------
    df
        The frame to check.
    columns
        Column names ``what`` needs.
    what
        Name used in the message, e.g. ``"activity_by_actor"``.
    parameter
        Name of the frame's parameter, for the error.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        If ``df`` is not a :class:`pandas.DataFrame`, naming every missing column,
        or naming a needed column that appears more than once.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"when": []}), ["when"], "activity_heatmap")
    >>> require_columns(pd.DataFrame(), ["when", "id"], "new_ips")
    Traceback (most recent call last):
    ...
    auditkit.errors.InvalidParameterError: df: new_ips needs the column(s) 'when', 'id', missing ...
    >>> require_columns(pd.DataFrame({"actor_context": []}), ["interface"], "activity_by_actor")
    >>> require_columns(pd.DataFrame(), ["interface"], "activity_by_actor")
    Traceback (most recent call last):
    ...
    auditkit.errors.InvalidParameterError: df: activity_by_actor needs the column(s) 'interface' (or 'actor_context'), ...
    """
    if not isinstance(df, pd.DataFrame):
        raise InvalidParameterError(
            parameter, f"{what} needs a pandas DataFrame, got {type(df).__name__}"
        )
    needed = list(dict.fromkeys(columns))
    missing = [c for c in needed if column_for(df, c) not in df.columns]
    if missing:
        names = ", ".join(_alternatives(c) for c in missing)
        raise InvalidParameterError(
            parameter,
            f"{what} needs the column(s) {names}, missing from the frame "
            "(build audit-log frames with auditkit.frame.records_to_frame)",
        )
    if not df.columns.is_unique:
        read = dict.fromkeys(column_for(df, c) for c in needed)
        doubled = [c for c in read if int((df.columns == c).sum()) > 1]
        if doubled:
            names = ", ".join(repr(c) for c in doubled)
            raise InvalidParameterError(
                parameter, f"{what} needs each column once; the frame has {names} more than once"
            )


def _alternatives(name: str) -> str:
    """``'interface' (or 'actor_context')``: a needed column and what can stand for it."""
    others = [repr(c) for c in COLUMN_ALIASES.get(name, ()) if c != name]
    return repr(name) + (f" (or {' or '.join(others)})" if others else "")


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


def check_int(parameter: str, value: Any, minimum: int) -> None:
    """Raise :class:`~auditkit.errors.InvalidParameterError` unless ``value`` is an int >= ``minimum``."""
    if not _is_int(value) or value < minimum:
        wanted = "a non-negative integer" if minimum == 0 else f"an integer >= {minimum}"
        raise InvalidParameterError(parameter, f"must be {wanted}, got {_short(value)}")


def check_bool(parameter: str, value: Any, *, optional: bool = False) -> None:
    """Raise :class:`~auditkit.errors.InvalidParameterError` unless ``value`` is a bool."""
    if not (_is_bool(value) or (optional and value is None)):
        wanted = "True, False or None" if optional else "True or False"
        raise InvalidParameterError(parameter, f"must be {wanted}, got {_short(value)}")


def _short(value: Any) -> str:
    """A value for an error message: its repr if short, else its type."""
    if isinstance(value, str | int | float | bool | type(None) | np.generic):
        text = repr(value)
        return text if len(text) <= 60 else f"{text[:57]}..."
    return f"a {type(value).__name__}"


def check_filter(parameter: str, value: Any) -> str | tuple[str, ...] | None:
    """A filter value (``None``, a string or an iterable of strings), iterables as a tuple."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes | Mapping) or not isinstance(value, Iterable):
        raise InvalidParameterError(
            parameter, f"must be a string or an iterable of strings, got {_short(value)}"
        )
    values = tuple(value)
    for i, item in enumerate(values):
        if not isinstance(item, str):
            raise InvalidParameterError(
                parameter, f"must hold only strings; item {i} is {_short(item)}"
            )
    return values


def check_tz(tz: Any) -> None:
    """Raise :class:`~auditkit.errors.InvalidParameterError` unless ``tz`` is ``None`` or a time zone."""
    if tz is None:
        return
    if not isinstance(tz, str | tzinfo):
        raise InvalidParameterError(
            "tz", f"must be a time zone name such as 'Europe/Berlin' or None, got {_short(tz)}"
        )
    try:
        pd.Timestamp(0, tz="UTC").tz_convert(tz)
    except Exception:
        raise InvalidParameterError(
            "tz", f"unknown time zone {_short(tz)} (expected e.g. 'UTC' or 'Europe/Berlin')"
        ) from None


def check_freq(freq: Any, *, text_only: bool = False) -> None:
    """Raise :class:`~auditkit.errors.InvalidParameterError` unless ``freq`` is a positive frequency."""
    if text_only and not isinstance(freq, str):
        raise InvalidParameterError(
            "freq", f"must be a pandas frequency string such as 'D' or 'h', got {_short(freq)}"
        )
    if freq is None or _is_bool(freq):
        raise InvalidParameterError(
            "freq", f"must be a pandas frequency such as 'D' or 'h', got {_short(freq)}"
        )
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except (ValueError, TypeError):
        raise InvalidParameterError(
            "freq", f"{_short(freq)} is not a pandas frequency (expected e.g. 'h', 'D', 'W', 'MS')"
        ) from None
    if offset is None or offset.n <= 0:
        raise InvalidParameterError("freq", f"must be a positive period, got {_short(freq)}")


def check_timedelta(parameter: str, value: Any) -> pd.Timedelta:
    """``value`` (text like ``"7D"``, a ``timedelta``) as a ``Timedelta`` >= 0."""
    if _is_bool(value) or not isinstance(value, str | timedelta | np.timedelta64):
        raise InvalidParameterError(
            parameter, f"must be a duration such as '7D' or a Timedelta, got {_short(value)}"
        )
    try:
        delta = pd.Timedelta(value)
    except (ValueError, TypeError):
        raise InvalidParameterError(
            parameter, f"{_short(value)} is not a duration (expected e.g. '7D', '12h', '10min')"
        ) from None
    if delta is pd.NaT or pd.isna(delta):
        raise InvalidParameterError(parameter, f"must be a duration, got {_short(value)}")
    if delta < pd.Timedelta(0):
        raise InvalidParameterError(parameter, f"must not be negative, got {_short(value)}")
    return delta


def check_by_type(by: Any) -> None:
    """Raise :class:`~auditkit.errors.InvalidParameterError` unless ``by`` is ``None`` or a string."""
    if by is not None and not isinstance(by, str):
        raise InvalidParameterError(
            "by", f"must be a column name (or 'actor', or None), got {_short(by)}"
        )
