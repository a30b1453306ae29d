"""Analyses of the audit-log frame: plain functions, frame in, frame out.

Every function takes the frame built by :func:`auditkit.frame.records_to_frame`
(or any frame with the columns it needs), never modifies it, and returns a new
frame. An empty input gives an empty output with the documented columns and
dtypes. The same functions are methods of the ``df.audit`` accessor.

Who did something is the *actor*: the actor's email, or the actor id where there
is no email (system actors such as ``1``), or ``"(unknown)"`` when both are
missing.

Examples
--------
>>> from auditkit.frame import records_to_frame
>>> df = records_to_frame([
...     {"id": "a", "when": "2026-10-01T09:00:00Z", "action": {"type": "login", "result": True},
...      "actor": {"email": "ana@example.com", "ip": "192.0.2.1", "type": "user"}},
...     {"id": "b", "when": "2026-10-01T09:05:00Z", "action": {"type": "login", "result": False},
...      "actor": {"email": "ana@example.com", "ip": "192.0.2.9", "type": "user"}},
... ])
>>> activity_by_actor(df)[["actor", "events", "failures", "distinct_ips"]]
             actor  events  failures  distinct_ips
0  ana@example.com       2         1             2
>>> risky_changes(df)[["rule", "reason"]]
           rule                       reason
0  failed_login  failed login from 192.0.2.9
"""

from __future__ import annotations

import math
import numbers
import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from typing import Any

import numpy as np
import pandas as pd

from .errors import AuditKitError, InvalidParameterError
from .frame._json import JSONArray, decode_text, is_json_column
from .frame._schema import as_text

__all__ = [
    "ACTOR_COLUMNS",
    "DEFAULT_RULES",
    "BurstRule",
    "RiskRule",
    "SettingRule",
    "action_in",
    "action_matches",
    "activity_by_actor",
    "activity_heatmap",
    "activity_over_time",
    "actor_label",
    "change_timeline",
    "new_ips",
    "risky_changes",
    "rules_table",
    "text_labels",
]

STRING = pd.StringDtype("pyarrow")
UTC = pd.DatetimeTZDtype(unit="us", tz="UTC")

#: Actor label when a row has neither an email nor an actor id.
UNKNOWN_ACTOR = "(unknown)"
#: Group label for missing values in ``activity_over_time`` / ``activity_heatmap``.
MISSING_LABEL = "(none)"
#: Weekday labels of :func:`activity_heatmap`, Monday first.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
#: Keys of JSON values (DNS records, ...) that bookkeep rather than describe the
#: value; :func:`change_timeline` shows them only when nothing else changed.
NOISE_KEYS = frozenset({"id", "zone_id", "zone_name", "created_on", "modified_on", "meta"})

#: Columns the actor label is derived from (see :func:`actor_label`).
ACTOR_COLUMNS = ("actor_email", "actor_id")

#: Output columns (and dtypes) of each analysis.
ACTIVITY_BY_ACTOR_COLUMNS: dict[str, Any] = {
    "actor": STRING,
    "actor_type": STRING,
    "events": "int64",
    "failures": "int64",
    "first_seen": UTC,
    "last_seen": UTC,
    "distinct_ips": "int64",
    "distinct_zones": "int64",
    "top_action": STRING,
    "interfaces": STRING,
}
CHANGE_TIMELINE_COLUMNS: dict[str, Any] = {
    "when": UTC,
    "actor": STRING,
    "action_type": STRING,
    "resource_type": STRING,
    "resource_id": STRING,
    "resource_name": STRING,
    "zone_name": STRING,
    "setting": STRING,
    "key": STRING,
    "old_value": STRING,
    "new_value": STRING,
    "id": STRING,
}
NEW_IPS_COLUMNS: dict[str, Any] = {
    "when": UTC,
    "actor": STRING,
    "actor_ip": STRING,
    "previous_ip": STRING,
    "known_ips": "int64",
    "action_type": STRING,
    "id": STRING,
}
RISKY_CHANGES_COLUMNS: dict[str, Any] = {
    "when": UTC,
    "actor": STRING,
    "action_type": STRING,
    "resource": STRING,
    "resource_type": STRING,
    "resource_id": STRING,
    "zone_name": STRING,
    "rule": STRING,
    "severity": STRING,
    "reason": STRING,
    "events": "int64",
    "id": STRING,
}

#: Columns each analysis reads (the accessor checks them before calling).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "activity_by_actor": (
        "when",
        "action_type",
        "action_result",
        *ACTOR_COLUMNS,
        "actor_ip",
        "actor_type",
        "interface",
        "zone_name",
    ),
    "change_timeline": (
        "id",
        "when",
        "action_type",
        *ACTOR_COLUMNS,
        "resource_type",
        "resource_id",
        "zone_name",
        "old_value",
        "new_value",
        "old_value_json",
        "new_value_json",
        "metadata",
    ),
    "activity_over_time": ("when",),
    "activity_heatmap": ("when",),
    "new_ips": ("id", "when", "action_type", *ACTOR_COLUMNS, "actor_ip"),
    "risky_changes": (
        "id",
        "when",
        "action_type",
        "action_result",
        *ACTOR_COLUMNS,
        "actor_ip",
        "resource_type",
        "resource_id",
        "zone_name",
        "old_value",
        "new_value",
        "old_value_json",
        "new_value_json",
        "metadata",
    ),
}


# ------------------------------------------------------------------- helpers


def require_columns(
    df: pd.DataFrame, columns: Iterable[str], what: str, parameter: str = "df"
) -> None:
    """Raise a clear error unless ``df`` is a frame with all of ``columns``, each once.

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
    """
    if not isinstance(df, pd.DataFrame):
        raise InvalidParameterError(
            parameter, f"{what} needs a pandas DataFrame, got {type(df).__name__}"
        )
    needed = list(dict.fromkeys(columns))
    missing = [c for c in needed if c not in df.columns]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        raise InvalidParameterError(
            parameter,
            f"{what} needs the column(s) {names}, missing from the frame "
            "(build audit-log frames with auditkit.frame.records_to_frame)",
        )
    if not df.columns.is_unique:
        doubled = [c for c in needed if int((df.columns == c).sum()) > 1]
        if doubled:
            names = ", ".join(repr(c) for c in doubled)
            raise InvalidParameterError(
                parameter, f"{what} needs each column once; the frame has {names} more than once"
            )


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


def check_by(df: pd.DataFrame, by: Any) -> None:
    """Raise :class:`~auditkit.errors.InvalidParameterError` unless ``df`` can be grouped by ``by``."""
    check_by_type(by)
    if by is not None:
        _group_labels(df, by, check_only=True)


def check_by_type(by: Any) -> None:
    """Raise :class:`~auditkit.errors.InvalidParameterError` unless ``by`` is ``None`` or a string."""
    if by is not None and not isinstance(by, str):
        raise InvalidParameterError(
            "by", f"must be a column name (or 'actor', or None), got {_short(by)}"
        )


def _empty(columns: Mapping[str, Any]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in columns.items()})


def _typed(frame: pd.DataFrame, columns: Mapping[str, Any]) -> pd.DataFrame:
    """``frame``'s documented columns, in order, with their documented dtypes."""
    out = {}
    for name, dtype in columns.items():
        s = frame[name]
        if str(s.dtype) != str(dtype):
            s = _as_string(s) if dtype == STRING else s.astype(dtype)
        out[name] = s.reset_index(drop=True)
    return pd.DataFrame(out)


def _as_string(s: pd.Series) -> pd.Series:
    """Any series as the pyarrow string dtype, missing values as ``pd.NA``."""
    if s.dtype == STRING:
        return s
    if isinstance(s.dtype, pd.CategoricalDtype | pd.StringDtype):
        return s.astype(STRING)
    return pd.Series(
        [None if _missing(v) else _text(v) for v in s], index=s.index, dtype=STRING, name=s.name
    )


def actor_label(df: pd.DataFrame) -> pd.Series:
    """The actor of each row, as every analysis, plot and the panel show it.

    The actor's email, else the actor id (system actors such as ``1``), else
    :data:`UNKNOWN_ACTOR`. The one definition of "actor": the ``actor`` column of
    every analysis, the labels of the plots and the panel's actor control.

    Parameters
    ----------
    df
        Audit-log frame (needs the :data:`ACTOR_COLUMNS`).

    Returns
    -------
    pandas.Series
        Named ``actor``, string dtype, ``df``'s index; never missing.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``df`` is not a frame with the :data:`ACTOR_COLUMNS`.

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([
    ...     {"actor": {"email": "ana@example.com", "id": "u1"}},
    ...     {"actor": {"id": "1", "type": "system"}},
    ...     {},
    ... ])
    >>> actor_label(df).tolist()
    ['ana@example.com', '1', '(unknown)']
    """
    require_columns(df, ACTOR_COLUMNS, "actor_label")
    email = _as_string(df["actor_email"])
    actor_id = _as_string(df["actor_id"])
    return email.fillna(actor_id).fillna(UNKNOWN_ACTOR).rename("actor")


def text_labels(s: pd.Series) -> pd.Series:
    """A column's values as group labels: text, missing values as :data:`MISSING_LABEL`.

    The labels of ``activity_over_time(by=...)``, ``activity_heatmap(by=...)`` and
    of the panel's multi-choice controls.

    Parameters
    ----------
    s
        Any column of the frame (not a JSON column).

    Returns
    -------
    pandas.Series
        String dtype, ``s``'s index and name; never missing.

    Examples
    --------
    >>> text_labels(pd.Series(["UI", None, "API"], dtype="string")).tolist()
    ['UI', '(none)', 'API']
    """
    return _as_string(s).fillna(MISSING_LABEL)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _text(value: Any) -> str | None:
    """A value as display text, like the loader does: ``""`` and ``None`` are missing."""
    if type(value) is str:
        return value or None
    if isinstance(value, np.generic):
        value = value.item()
    return None if _missing(value) else as_text(value)


def _lower_actions(df: pd.DataFrame) -> pd.Series:
    return _as_string(df["action_type"]).str.lower()


def _group_labels(df: pd.DataFrame, by: str, check_only: bool = False) -> pd.Series:
    """Group labels (text, missing as ``MISSING_LABEL``) for ``by``; ``"actor"`` is derived.

    With ``check_only``, only raise if ``by`` cannot be used (and return an empty series).
    """
    if by == "actor" and "actor" not in df.columns:
        require_columns(df, ACTOR_COLUMNS, "grouping by actor")
        return pd.Series(dtype=STRING) if check_only else actor_label(df)
    if by not in df.columns:
        names = ", ".join(map(str, df.columns))
        raise InvalidParameterError(
            "by",
            f"cannot group by {by!r}: not a column of the frame (nor 'actor'); "
            f"columns are {names if len(names) <= 400 else names[:397] + '...'}",
        )
    require_columns(df, [by], f"grouping by {by!r}")
    col = df[by]
    if is_json_column(col) or (
        col.dtype == object and any(isinstance(v, (dict, list)) for v in col)
    ):
        raise InvalidParameterError(
            "by", f"cannot group by {by!r}: it holds JSON objects, not labels"
        )
    if check_only:
        return pd.Series(dtype=STRING)
    return text_labels(col).rename(by)


def _when(df: pd.DataFrame, tz: str | None) -> pd.Series:
    when = df["when"]
    if not isinstance(when.dtype, pd.DatetimeTZDtype):
        try:
            converted = pd.to_datetime(when, utc=True, errors="coerce")
        except (TypeError, ValueError):
            converted = None
        if not isinstance(getattr(converted, "dtype", None), pd.DatetimeTZDtype):
            raise InvalidParameterError(
                "df",
                "the 'when' column must hold times (datetime64 with a time zone, "
                f"or ISO 8601 text), not {df['when'].dtype} values",
            )
        when = converted
    return when.dt.tz_convert(tz) if tz is not None else when


def check_when(df: pd.DataFrame) -> None:
    """Raise :class:`~auditkit.errors.InvalidParameterError` if ``df["when"]`` cannot be read as times."""
    if not isinstance(df["when"].dtype, pd.DatetimeTZDtype):
        _when(df, None)


# ------------------------------------------------------------------- activity by actor


def activity_by_actor(df: pd.DataFrame) -> pd.DataFrame:
    """One row per actor: how much they did, when, from where and how.

    Parameters
    ----------
    df
        Audit-log frame.

    Returns
    -------
    pandas.DataFrame
        Sorted by ``events`` (descending), then ``actor``; a ``RangeIndex``. Columns:

        - ``actor`` (string): email, else actor id (system actors), else ``"(unknown)"``.
        - ``actor_type`` (string): the actor's most frequent ``actor_type``.
        - ``events``, ``failures`` (int64): rows, and rows with ``action_result`` False.
        - ``first_seen``, ``last_seen`` (datetime64[us, UTC]).
        - ``distinct_ips``, ``distinct_zones`` (int64): distinct non-missing values.
        - ``top_action`` (string): most frequent ``action_type`` (ties: alphabetical).
        - ``interfaces`` (string): interfaces used, sorted, ``", "``-joined
          (missing when none is known).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``df`` is not a frame with the needed columns.

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([
    ...     {"when": "2026-10-01T09:00:00Z", "action": {"type": "purge", "result": True},
    ...      "actor": {"email": "ana@example.com", "id": "u1"}, "interface": "UI"},
    ...     {"when": "2026-10-01T10:00:00Z", "action": {"type": "purge", "result": False},
    ...      "actor": {"id": "1", "type": "system"}},
    ...     {"when": "2026-10-02T09:00:00Z", "action": {"type": "login", "result": True},
    ...      "actor": {"email": "ana@example.com", "id": "u1"}, "interface": "API"},
    ... ])
    >>> activity_by_actor(df)[["actor", "events", "failures", "top_action", "interfaces"]]
                 actor  events  failures top_action interfaces
    0  ana@example.com       2         0      login    API, UI
    1                1       1         1      purge       <NA>
    """
    require_columns(df, REQUIRED_COLUMNS["activity_by_actor"], "activity_by_actor")
    check_when(df)
    if df.empty:
        return _empty(ACTIVITY_BY_ACTOR_COLUMNS)
    # Vectorised over integer codes (about 10 ms per 100,000 rows, where a pandas
    # groupby takes 100 ms or more): the FilterPanel calls this on every update.
    actor, actors = _codes(actor_label(df))
    k = len(actors)
    events = np.bincount(actor, minlength=k)
    failed = df["action_result"].eq(False).fillna(False).to_numpy(dtype=bool)
    when = _when(df, None).astype(UTC)
    stamps = pd.DatetimeIndex(when).asi8
    seen = ~when.isna().to_numpy(dtype=bool)
    first = np.full(k, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(k, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(first, actor[seen], stamps[seen])
    np.maximum.at(last, actor[seen], stamps[seen])
    has_time = np.bincount(actor[seen], minlength=k) > 0
    interface, interfaces = _codes(df["interface"], sort=True)
    out = pd.DataFrame(
        {
            "actor": pd.array(actors, dtype=STRING),
            "actor_type": _most_frequent(actor, k, *_codes(df["actor_type"], sort=True)),
            "events": events.astype("int64"),
            "failures": np.bincount(actor[failed], minlength=k).astype("int64"),
            "first_seen": _stamps(first, has_time),
            "last_seen": _stamps(last, has_time),
            "distinct_ips": _distinct(actor, k, _codes(df["actor_ip"])[0]),
            "distinct_zones": _distinct(actor, k, _codes(df["zone_name"])[0]),
            "top_action": _most_frequent(actor, k, *_codes(df["action_type"], sort=True)),
            "interfaces": _joined(actor, k, interface, interfaces),
        }
    )
    out = out.sort_values(["events", "actor"], ascending=[False, True], kind="stable")
    return _typed(out, ACTIVITY_BY_ACTOR_COLUMNS)


def _codes(s: pd.Series, sort: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (``-1`` for missing) and distinct texts of a column, as :func:`_as_string` reads it.

    With ``sort``, codes follow the texts' order (a lower code is alphabetically first).
    Categorical columns are coded from their categories, without materialising a
    text per row.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        texts = pd.Series(s.cat.categories).astype(STRING)  # as _as_string converts them
        per_category, uniques = pd.factorize(texts, sort=sort)
        codes = s.cat.codes.to_numpy(dtype=np.int64)
        if len(per_category):
            codes = np.where(codes >= 0, per_category[np.maximum(codes, 0)], -1)
    else:
        codes, uniques = pd.factorize(_as_string(s), sort=sort)
    return codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=object)


def _pairs(
    actor: np.ndarray, k: int, codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct ``(actor, code)`` pairs of non-missing codes, sorted, with their row counts."""
    keep = codes >= 0
    width = int(codes.max()) + 1 if keep.any() else 1
    key = actor[keep] * width + codes[keep]
    if k * width <= max(4 * len(key), 1 << 16):
        counts = np.bincount(key, minlength=k * width)
        pairs = np.flatnonzero(counts)
        counts = counts[pairs]
    else:
        pairs, counts = np.unique(key, return_counts=True)
    return pairs // width, pairs % width, counts


def _distinct(actor: np.ndarray, k: int, codes: np.ndarray) -> np.ndarray:
    """Per actor, the number of distinct non-missing codes."""
    owners, _, _ = _pairs(actor, k, codes)
    return np.bincount(owners, minlength=k).astype("int64")


def _most_frequent(actor: np.ndarray, k: int, codes: np.ndarray, uniques: np.ndarray) -> Any:
    """Per actor, the most frequent non-missing value (ties: smallest code); ``codes`` sorted."""
    owners, values, counts = _pairs(actor, k, codes)
    order = np.lexsort((values, -counts, owners))
    owners, values = owners[order], values[order]
    firsts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else owners
    out = np.full(k, None, dtype=object)
    out[owners[firsts]] = uniques[values[firsts]]
    return pd.array(out, dtype=STRING)


def _joined(actor: np.ndarray, k: int, codes: np.ndarray, uniques: np.ndarray) -> Any:
    """Per actor, its distinct non-missing values in code order, ``", "``-joined."""
    owners, values, _ = _pairs(actor, k, codes)
    parts: list[list[str]] = [[] for _ in range(k)]
    for owner, value in zip(owners.tolist(), uniques[values].tolist(), strict=True):
        parts[owner].append(value)
    return pd.array([", ".join(p) if p else None for p in parts], dtype=STRING)


def _stamps(values: np.ndarray, valid: np.ndarray) -> Any:
    """int64 microseconds since the epoch as UTC times, ``NaT`` where not ``valid``."""
    out = values.astype("datetime64[us]")
    out[~valid] = np.datetime64("NaT")
    return pd.DatetimeIndex(out).tz_localize("UTC").array


# ------------------------------------------------------------------- change timeline


def change_timeline(
    df: pd.DataFrame,
    resource_id: str | Iterable[str] | None = None,
    resource_type: str | Iterable[str] | None = None,
    zone_name: str | Iterable[str] | None = None,
    setting: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every value change, in time order, one row per changed value.

    A row of the frame is a change when it has an ``old_value``/``new_value``, a JSON
    value (``old_value_json``/``new_value_json``), a setting value in ``metadata``
    (``{"name": ..., "value": ...}``, used when ``new_value`` is empty), or
    ``metadata`` pairs ``old_<x>``/``new_<x>`` (e.g. token status). JSON values (DNS
    records, TLS settings; also JSON text) are compared key by key: one output row
    per key that differs, nested keys dotted (``data.port``); bookkeeping keys
    (:data:`NOISE_KEYS`: ``id``, ``zone_id``, ``modified_on``, ...) only when nothing
    else changed. Values are shown as recorded; a missing old value is not guessed.

    Parameters
    ----------
    df
        Audit-log frame.
    resource_id, resource_type, zone_name
        Keep only changes of these resources / resource types / zones (one value or
        several; ``resource_type`` and ``zone_name`` ignore case).
    setting
        Keep only changes of these settings (matches ``setting`` or ``key``, ignoring
        case), e.g. ``"security_level"`` or ``"min_tls_version"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``when``, ``actor``, ``action_type``, ``resource_type``,
        ``resource_id``, ``resource_name`` (``"<type> <name>"`` from the JSON value,
        e.g. ``"A www.example.com"``), ``zone_name``, ``setting`` (setting name from
        ``metadata`` for setting changes), ``key`` (JSON key that changed),
        ``old_value``, ``new_value`` (text; missing = absent), ``id`` (of the frame's
        row); every column string except ``when``. Sorted by ``when`` (stable;
        ``NaT`` last).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``df`` is not a frame with the needed columns, or a filter is not a string
        or an iterable of strings.

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([
    ...     {"id": "s1", "when": "2026-10-01T09:00:00Z", "action": {"type": "change_setting"},
    ...      "actor": {"email": "ana@example.com"}, "resource": {"type": "zone"},
    ...      "oldValue": "high", "newValue": "low",
    ...      "metadata": {"name": "security_level", "zone_name": "example.com"}},
    ...     {"id": "d1", "when": "2026-10-01T09:30:00Z", "action": {"type": "rec_set"},
    ...      "actor": {"email": "ana@example.com"}, "resource": {"type": "DNS_record"},
    ...      "oldValueJson": {"name": "www", "type": "A", "content": "192.0.2.1", "ttl": 1},
    ...      "newValueJson": {"name": "www", "type": "A", "content": "192.0.2.2", "ttl": 1}},
    ... ])
    >>> change_timeline(df)[["setting", "key", "old_value", "new_value", "resource_name"]]
              setting      key  old_value  new_value resource_name
    0  security_level     <NA>       high        low          <NA>
    1            <NA>  content  192.0.2.1  192.0.2.2         A www
    """
    require_columns(df, REQUIRED_COLUMNS["change_timeline"], "change_timeline")
    check_when(df)
    resource_id = check_filter("resource_id", resource_id)
    resource_type = check_filter("resource_type", resource_type)
    zone_name = check_filter("zone_name", zone_name)
    setting = check_filter("setting", setting)
    mask = np.ones(len(df), dtype=bool)
    if resource_id is not None:
        mask &= _isin(df["resource_id"], resource_id, ignore_case=False)
    if resource_type is not None:
        mask &= _isin(df["resource_type"], resource_type, ignore_case=True)
    if zone_name is not None:
        mask &= _isin(df["zone_name"], zone_name, ignore_case=True)
    out = _changes(df[mask] if not mask.all() else df)
    if setting is not None and len(out):
        keep = _isin(out["setting"], setting, ignore_case=True) | _isin(
            out["key"], setting, ignore_case=True
        )
        out = out[keep].reset_index(drop=True)
    return out


def _isin(s: pd.Series, values: str | Iterable[str], *, ignore_case: bool) -> np.ndarray:
    wanted = [values] if isinstance(values, str) else list(values)
    text = _as_string(s)
    if ignore_case:
        text = text.str.lower()
        wanted = [str(v).lower() for v in wanted]
    return text.isin(wanted).fillna(False).to_numpy(dtype=bool)


def _json_values(col: pd.Series) -> list[Any]:
    """Per row, a JSON column's value; each distinct value decoded once and shared (read only)."""
    arr = col.array
    if isinstance(arr, JSONArray):
        distinct = arr.distinct_values()
        return [None if code < 0 else distinct[code] for code in arr.codes.tolist()]
    return col.tolist()


def _changes(df: pd.DataFrame, with_position: bool = False) -> pd.DataFrame:
    """The unfiltered long table of :func:`change_timeline`.

    ``with_position`` adds ``_pos``: the position of each change's row in ``df``.
    """
    columns = {**CHANGE_TIMELINE_COLUMNS, **({"_pos": "int64"} if with_position else {})}
    if df.empty:
        return _empty(columns)
    actions = _as_string(df["action_type"]).tolist()
    old_text = _as_string(df["old_value"]).tolist()
    new_text = _as_string(df["new_value"]).tolist()
    old_json = _json_values(df["old_value_json"])
    new_json = _json_values(df["new_value_json"])
    meta = _json_values(df["metadata"])
    positions: list[int] = []
    rows: list[tuple[str | None, str | None, str | None, str | None, str | None]] = []
    for i, (action, ot, nt, oj, nj, md) in enumerate(
        zip(actions, old_text, new_text, old_json, new_json, meta, strict=True)
    ):
        for row in _row_changes(action, ot, nt, oj, nj, md):
            positions.append(i)
            rows.append(row)
    if not positions:
        return _empty(columns)
    base = df.iloc[positions]
    changes = pd.DataFrame(
        rows, columns=["setting", "key", "old_value", "new_value", "resource_name"], dtype=STRING
    )
    out = pd.DataFrame(
        {
            "when": _when(base, None).array,
            "actor": actor_label(base).array,
            "action_type": _as_string(base["action_type"]).array,
            "resource_type": _as_string(base["resource_type"]).array,
            "resource_id": _as_string(base["resource_id"]).array,
            "resource_name": changes["resource_name"].array,
            "zone_name": _as_string(base["zone_name"]).array,
            "setting": changes["setting"].array,
            "key": changes["key"].array,
            "old_value": changes["old_value"].array,
            "new_value": changes["new_value"].array,
            "id": _as_string(base["id"]).array,
        }
    )
    out = out.sort_values("when", kind="stable", na_position="last")
    typed = _typed(out, CHANGE_TIMELINE_COLUMNS)
    if with_position:
        typed["_pos"] = np.asarray(positions, dtype=np.int64)[out.index.to_numpy()]
    return typed


def _maybe_object(text: str | None) -> Any:
    """Text that holds a JSON object (the loader turns wire objects into text) as a dict."""
    if text is not None and text[:1] == "{":
        try:
            value = decode_text(text)
        except ValueError:
            return text
        return value if isinstance(value, dict) else text
    return text


def _row_changes(
    action: Any, old_text: Any, new_text: Any, old_json: Any, new_json: Any, meta: Any
) -> list[tuple[str | None, str | None, str | None, str | None, str | None]]:
    """(setting, key, old, new, resource_name) for every value one row changed."""
    old_text = None if _missing(old_text) else old_text
    new_text = None if _missing(new_text) else new_text
    action = "" if _missing(action) else str(action).lower()
    md = meta if isinstance(meta, dict) else {}
    name = md.get("name")
    setting = name if "setting" in action and isinstance(name, str) and name else None
    old: Any = old_json if isinstance(old_json, (dict, list)) else _maybe_object(old_text)
    new: Any = new_json if isinstance(new_json, (dict, list)) else _maybe_object(new_text)
    if new is None and setting is not None and "value" in md:
        new = md["value"]
    rname = _resource_name(new) or _resource_name(old)
    if isinstance(old, dict | None) and isinstance(new, dict | None) and (old, new) != (None, None):
        return [(setting, k, o, n, rname) for k, o, n in _dict_diff(old or {}, new or {})]
    if old is not None or new is not None:
        return [(setting, None, _text(old), _text(new), rname)]
    pairs = _metadata_pairs(md)
    return [(setting, k, o, n, rname) for k, o, n in pairs]


def _resource_name(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    name, kind = value.get("name"), value.get("type")
    if isinstance(name, str) and name:
        return f"{kind} {name}" if isinstance(kind, str) and kind else name
    return None


def _diff(
    old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = ""
) -> list[tuple[str, str | None, str | None]]:
    """(dotted key, old text, new text) for every leaf that differs, keys sorted."""
    changed: list[tuple[str, str | None, str | None]] = []
    for k in sorted(old.keys() | new.keys()):
        o, n = old.get(k), new.get(k)
        if type(o) is type(n) and o == n:
            continue
        key = f"{prefix}{k}"
        if isinstance(o, dict | None) and isinstance(n, dict | None):
            changed.extend(_diff(o or {}, n or {}, key + "."))
            continue
        before, after = _text(o), _text(n)
        if before != after:
            changed.append((key, before, after))
    return changed


def _dict_diff(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[tuple[str, str | None, str | None]]:
    changed = _diff(old, new)
    meaningful = [c for c in changed if c[0].split(".", 1)[0] not in NOISE_KEYS]
    return meaningful or changed


def _metadata_pairs(md: Mapping[str, Any]) -> list[tuple[str, str | None, str | None]]:
    suffixes = sorted(
        {k[4:] for k in md if isinstance(k, str) and k[:4] in ("old_", "new_") and len(k) > 4}
    )
    pairs = [(s, _text(md.get("old_" + s)), _text(md.get("new_" + s))) for s in suffixes]
    return [p for p in pairs if p[1] != p[2]]


# ------------------------------------------------------------------- activity over time


def activity_over_time(
    df: pd.DataFrame, freq: str = "D", by: str | None = "actor", tz: str | None = None
) -> pd.DataFrame:
    """Event counts per period and group, with empty periods as zeros.

    Parameters
    ----------
    df
        Audit-log frame.
    freq
        pandas frequency of the periods: ``"h"``, ``"D"``, ``"W"``, ``"MS"``, ...
        Periods are labelled as :meth:`pandas.DataFrame.resample` labels them (start
        of the period for ``h``/``D``/``MS``, end for ``W``/``ME``).
    by
        Column to split the counts by (any column of the frame; ``"actor"`` is the
        derived actor), or ``None`` for one ``events`` column.
    tz
        Time zone the periods are cut in (e.g. ``"Europe/Berlin"``); UTC by default.

    Returns
    -------
    pandas.DataFrame
        Wide: a ``DatetimeIndex`` named ``period`` covering every period from the
        first to the last event, one int64 column per group (named by the group;
        missing values grouped as ``"(none)"``), ordered by total count (descending)
        then name. The columns' index is named ``by``. Rows with no ``when`` are not
        counted. Empty input: no rows (and no group columns).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``df`` is not a frame with the needed columns (``"actor"`` needs
        ``actor_email`` and ``actor_id``); ``freq`` is not a positive pandas
        frequency; ``by`` is not a column of labels; ``tz`` is not a time zone.

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([
    ...     {"when": "2026-10-01T09:00:00Z", "actor": {"email": "ana@example.com"}},
    ...     {"when": "2026-10-03T09:00:00Z", "actor": {"email": "ana@example.com"}},
    ...     {"when": "2026-10-03T10:00:00Z", "actor": {"id": "1", "type": "system"}},
    ... ])
    >>> counts = activity_over_time(df, freq="D")
    >>> list(counts.columns), counts["ana@example.com"].tolist(), counts["1"].tolist()
    (['ana@example.com', '1'], [1, 0, 1], [0, 0, 1])
    >>> counts.index[1]
    Timestamp('2026-10-02 00:00:00+0000', tz='UTC')
    """
    require_columns(df, REQUIRED_COLUMNS["activity_over_time"], "activity_over_time")
    check_when(df)
    check_freq(freq)
    check_by(df, by)
    check_tz(tz)
    when = _when(df, tz)
    groups = (
        pd.Series("events", index=df.index, dtype=STRING) if by is None else _group_labels(df, by)
    )
    valid = when.notna().to_numpy(dtype=bool)
    name = by if by is not None else None
    if not valid.any():
        index = pd.DatetimeIndex([], dtype=when.dtype, name="period")
        columns = pd.Index(["events"] if by is None else [], dtype=STRING, name=name)
        return pd.DataFrame(index=index, columns=columns, dtype="int64")
    work = pd.DataFrame({"when": when[valid].array, "group": groups[valid].array})
    wide = (
        work.groupby([pd.Grouper(key="when", freq=freq), "group"])
        .size()
        .unstack("group", fill_value=0)
        .resample(freq)
        .sum()
    )
    totals = wide.sum()
    order = sorted(totals.index, key=lambda g: (-int(totals[g]), str(g)))
    wide = wide[order].astype("int64")
    wide.index.name = "period"
    wide.columns = pd.Index(order, dtype=STRING, name=name)
    return wide


# ------------------------------------------------------------------- heatmap


def activity_heatmap(
    df: pd.DataFrame, by: str | None = None, tz: str | None = None
) -> pd.DataFrame:
    """Event counts by weekday and hour of day, to spot off-hours work.

    Parameters
    ----------
    df
        Audit-log frame.
    by
        ``None`` for one 7 x 24 table, or a column (``"actor"`` is the derived actor)
        for one 7 x 24 block per group.
    tz
        Time zone of the weekdays and hours (e.g. ``"America/New_York"``); UTC by
        default.

    Returns
    -------
    pandas.DataFrame
        int64 counts; columns ``0`` ... ``23`` (named ``hour``). Without ``by``: index
        ``Mon`` ... ``Sun`` (named ``weekday``), always all 7 x 24 cells (zeros for an
        empty frame). With ``by``: a MultiIndex ``(by, weekday)``, groups ordered by
        total (descending) then name, 7 rows per group (no rows for an empty frame).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``df`` is not a frame with the needed columns; ``by`` is not a column of
        labels; ``tz`` is not a time zone.

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([{"when": "2026-10-03T23:30:00Z"}])  # a Saturday
    >>> hm = activity_heatmap(df)
    >>> hm.shape, int(hm.loc["Sat", 23]), int(hm.to_numpy().sum())
    ((7, 24), 1, 1)
    """
    require_columns(df, REQUIRED_COLUMNS["activity_heatmap"], "activity_heatmap")
    check_when(df)
    check_by(df, by)
    check_tz(tz)
    when = _when(df, tz)
    valid = when.notna().to_numpy(dtype=bool)
    days = when[valid].dt.day_of_week.to_numpy(dtype=np.int64)
    hours = when[valid].dt.hour.to_numpy(dtype=np.int64)
    hour_index = pd.RangeIndex(24, name="hour")
    if by is None:
        counts = np.zeros((7, 24), dtype=np.int64)
        np.add.at(counts, (days, hours), 1)
        return pd.DataFrame(counts, index=pd.Index(WEEKDAYS, name="weekday"), columns=hour_index)
    groups = _group_labels(df, by)[valid].to_numpy()
    labels, codes = _ordered_groups(groups)
    counts = np.zeros((len(labels), 7, 24), dtype=np.int64)
    np.add.at(counts, (codes, days, hours), 1)
    index = pd.MultiIndex.from_product(
        [pd.Index(labels, dtype=STRING), list(WEEKDAYS)], names=[by, "weekday"]
    )
    return pd.DataFrame(counts.reshape(len(labels) * 7, 24), index=index, columns=hour_index)


def _ordered_groups(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Distinct labels by count (descending) then name, and each value's code."""
    uniques, inverse, counts = np.unique(
        values.astype(str), return_inverse=True, return_counts=True
    )
    order = sorted(range(len(uniques)), key=lambda i: (-counts[i], uniques[i]))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return [str(uniques[i]) for i in order], rank[inverse]


# ------------------------------------------------------------------- new IPs


def new_ips(df: pd.DataFrame, warmup: str | timedelta | pd.Timedelta = "7D") -> pd.DataFrame:
    """The first time each actor acts from an IP it had not used before.

    The first ``warmup`` of the frame (from its earliest event) is a learning
    window: IPs used then are known, not reported. After it, each actor's first
    event from each IP it had never used in the frame is one row; an actor that
    first appears after the window is reported for its first IP (``known_ips`` 0).
    Rows without ``when`` or ``actor_ip`` (system actors) are ignored.

    Parameters
    ----------
    df
        Audit-log frame.
    warmup
        Length of the learning window (``"7D"``, ``"12h"``, a ``Timedelta``; ``"0D"``
        reports every actor's first IP too).

    Returns
    -------
    pandas.DataFrame
        Columns ``when``, ``actor``, ``actor_ip`` (the new IP), ``previous_ip`` (IP of
        the actor's previous event; missing if none), ``known_ips`` (int64: distinct
        IPs the actor had used before), ``action_type``, ``id``; in time order.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``df`` is not a frame with the needed columns, or ``warmup`` is not a
        duration >= 0.

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([
    ...     {"id": "a", "when": "2026-10-01T09:00:00Z",
    ...      "actor": {"email": "ana@example.com", "ip": "192.0.2.1"}},
    ...     {"id": "b", "when": "2026-10-09T09:00:00Z",
    ...      "actor": {"email": "ana@example.com", "ip": "192.0.2.1"}},
    ...     {"id": "c", "when": "2026-10-10T09:00:00Z",
    ...      "actor": {"email": "ana@example.com", "ip": "203.0.113.7"}},
    ... ])
    >>> new_ips(df)[["actor_ip", "previous_ip", "known_ips", "id"]]
          actor_ip previous_ip  known_ips id
    0  203.0.113.7   192.0.2.1          1  c
    """
    require_columns(df, REQUIRED_COLUMNS["new_ips"], "new_ips")
    check_when(df)
    window = check_timedelta("warmup", warmup)
    when = _when(df, None)
    ip = _as_string(df["actor_ip"])
    valid = (when.notna() & ip.notna()).to_numpy(dtype=bool)
    if not valid.any():
        return _empty(NEW_IPS_COLUMNS)
    work = pd.DataFrame(
        {
            "when": when[valid].array,
            "actor": actor_label(df)[valid].array,
            "actor_ip": ip[valid].array,
            "action_type": _as_string(df["action_type"])[valid].array,
            "id": _as_string(df["id"])[valid].array,
        }
    ).sort_values("when", kind="stable", ignore_index=True)
    work["previous_ip"] = work.groupby("actor")["actor_ip"].shift()
    first = work.drop_duplicates(["actor", "actor_ip"]).copy()
    first["known_ips"] = first.groupby("actor").cumcount()
    cutoff = work["when"].iloc[0] + window
    out = first[first["when"] >= cutoff]
    return _typed(out, NEW_IPS_COLUMNS)


# ------------------------------------------------------------------- risky changes


SEVERITIES = ("high", "medium", "low")


class _Reason(string.Formatter):
    """``str.format`` that renders missing or absent fields as ``unknown``."""

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        try:
            obj, first = super().get_field(field_name, args, kwargs)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError):
            return "unknown", field_name
        return ("unknown" if _missing(obj) or obj == "" else obj), first


def _reason(template: str, fields: Mapping[str, Any]) -> str:
    try:
        return _Reason().vformat(template, (), dict(fields))
    except (ValueError, TypeError):
        return template


def _action_mask(events: pd.DataFrame, test: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``test`` applied to the lower-cased action types (once per category)."""
    col = events["action_type"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        names = pd.Series(col.cat.categories).astype(STRING).str.lower()
        hits = test(names).fillna(False).to_numpy(dtype=bool)
        codes = col.cat.codes.to_numpy()
        return np.where(codes >= 0, hits[codes] if len(hits) else False, False)
    return test(_lower_actions(events)).fillna(False).to_numpy(dtype=bool)


def _with_result(events: pd.DataFrame, mask: np.ndarray, result: bool | None) -> pd.Series:
    if result is not None:
        mask = mask & events["action_result"].eq(result).fillna(False).to_numpy(dtype=bool)
    return pd.Series(mask, index=events.index, dtype=bool)


@dataclass(frozen=True)
class ActionIn:
    """Predicate: ``action_type`` is one of ``names`` (ignoring case).

    Build with :func:`action_in`.
    """

    names: frozenset[str]
    result: bool | None = None

    def __call__(self, events: pd.DataFrame) -> pd.Series:
        mask = _action_mask(events, lambda actions: actions.isin(self.names))
        return _with_result(events, mask, self.result)

    def __repr__(self) -> str:
        names = ", ".join(repr(n) for n in sorted(self.names))
        extra = "" if self.result is None else f", result={self.result}"
        return f"action_in({names}{extra})"


@dataclass(frozen=True)
class ActionMatches:
    """Predicate: ``action_type`` matches the regular expression (ignoring case).

    Build with :func:`action_matches`.
    """

    pattern: str
    result: bool | None = None

    def __call__(self, events: pd.DataFrame) -> pd.Series:
        mask = _action_mask(
            events, lambda actions: actions.str.contains(self.pattern, flags=re.IGNORECASE)
        )
        return _with_result(events, mask, self.result)

    def __repr__(self) -> str:
        extra = "" if self.result is None else f", result={self.result}"
        return f"action_matches({self.pattern!r}{extra})"


def action_in(*names: str, result: bool | None = None) -> ActionIn:
    """A rule predicate: rows whose ``action_type`` is one of ``names``, ignoring case.

    Parameters
    ----------
    *names
        Action types, e.g. ``"token_create"``.
    result
        If given, also require ``action_result`` to be this (``False``: failures).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        A name is not a string, or ``result`` is not ``True``, ``False`` or ``None``.

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([{"action": {"type": "Token_Create"}}, {"action": {"type": "x"}}])
    >>> action_in("token_create")(df).tolist()
    [True, False]
    """
    for i, n in enumerate(names):
        if not isinstance(n, str):
            raise InvalidParameterError("names", f"must be strings; name {i} is {_short(n)}")
    check_bool("result", result, optional=True)
    return ActionIn(frozenset(n.lower() for n in names), result)


def action_matches(pattern: str, result: bool | None = None) -> ActionMatches:
    """A rule predicate: rows whose ``action_type`` matches a regex, ignoring case.

    Parameters
    ----------
    pattern
        Regular expression searched in the action type.
    result
        If given, also require ``action_result`` to be this.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``pattern`` is not a valid regular expression, or ``result`` is not
        ``True``, ``False`` or ``None``.

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([{"action": {"type": "2fa_enforcement_disable"}}])
    >>> action_matches(r"2fa.*disable")(df).tolist()
    [True]
    """
    if not isinstance(pattern, str):
        raise InvalidParameterError(
            "pattern", f"must be a regular expression (a string), got {_short(pattern)}"
        )
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise InvalidParameterError("pattern", f"not a valid regular expression: {exc}") from None
    check_bool("result", result, optional=True)
    return ActionMatches(pattern, result)


class RuleContext:
    """What rules look at, computed once per :func:`risky_changes` call.

    Attributes
    ----------
    events
        The frame with a ``RangeIndex`` and an extra ``actor`` column.
    """

    def __init__(self, df: pd.DataFrame, settings: Iterable[str] = ()) -> None:
        events = df.reset_index(drop=True)
        self.events: pd.DataFrame = events.assign(actor=actor_label(events))
        self._settings = frozenset(n.lower() for n in settings)
        self._changes: pd.DataFrame | None = None

    def changes_of(self, names: Iterable[str]) -> pd.DataFrame:
        """:func:`change_timeline` rows whose ``key`` (or, for plain values, ``setting``)
        is one of ``names``, plus ``_pos``: the row's position in ``events``.

        Names are compared ignoring case, but only JSON values with a top-level key
        spelt in lower case are diffed (as Cloudflare spells them); setting changes
        always are. The work is done once for all the settings the context was made
        for."""
        wanted = frozenset(n.lower() for n in names)
        if not wanted <= self._settings:
            return self._compute_changes(wanted)
        if self._changes is None:
            self._changes = self._compute_changes(self._settings)
        changes = self._changes
        name = changes["key"].fillna(changes["setting"]).str.lower()
        return changes[name.isin(wanted).fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)

    def _compute_changes(self, wanted: frozenset[str]) -> pd.DataFrame:
        events = self.events
        tops = {n.split(".", 1)[0] for n in wanted}

        def has_key(value: Any) -> bool:
            return isinstance(value, dict) and not tops.isdisjoint(value)

        def json_text(value: Any) -> bool:
            return isinstance(value, str) and value[:1] == "{"

        candidate = (
            _lower_actions(events).str.contains("setting", regex=False).fillna(False).to_numpy()
            | np.fromiter(map(has_key, _json_values(events["old_value_json"])), bool, len(events))
            | np.fromiter(map(has_key, _json_values(events["new_value_json"])), bool, len(events))
            | np.fromiter(map(json_text, events["old_value"]), bool, len(events))
            | np.fromiter(map(json_text, events["new_value"]), bool, len(events))
        )
        positions = np.flatnonzero(candidate)
        changes = _changes(events.iloc[positions].drop(columns="actor"), with_position=True)
        changes["_pos"] = positions[changes["_pos"].to_numpy()]
        name = changes["key"].fillna(changes["setting"]).str.lower()
        picked = changes[name.isin(wanted).fillna(False).to_numpy(dtype=bool)]
        return picked.reset_index(drop=True)


def _rule_mask(name: str, predicate: Callable[[pd.DataFrame], Any], events: pd.DataFrame) -> Any:
    """The predicate's selection as a boolean array (missing counts as False)."""
    mask = predicate(events)
    if isinstance(mask, pd.Series):
        mask = mask.astype("boolean").fillna(False).to_numpy(dtype=bool)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (len(events),):
        raise InvalidParameterError(
            "predicate",
            f"rule {name!r}: the predicate must return one boolean per row "
            f"({len(events)}), got shape {mask.shape}",
        )
    return mask


def _findings(
    rule: Any, events: pd.DataFrame, positions: Sequence[int], extra: Sequence[Mapping[str, Any]]
) -> pd.DataFrame:
    """Output rows of :func:`risky_changes` for rows ``positions`` of ``events``.

    ``extra`` holds, per finding, more template fields for the reason (and
    ``events``, the count of rows a finding stands for, when not 1).
    """
    rows = events.iloc[list(positions)].reset_index(drop=True)
    reasons = [
        _reason(rule.reason, {**fields, **more})
        for fields, more in zip(rows.to_dict("records"), extra, strict=True)
    ]
    rtype = _as_string(rows["resource_type"])
    rid = _as_string(rows["resource_id"])
    return pd.DataFrame(
        {
            "when": _when(rows, None).array,
            "actor": rows["actor"].array,
            "action_type": _as_string(rows["action_type"]).array,
            "resource": (rtype + " " + rid).fillna(rtype).fillna(rid).array,
            "resource_type": rtype.array,
            "resource_id": rid.array,
            "zone_name": [
                more.get("zone_name", zone)
                for more, zone in zip(extra, _as_string(rows["zone_name"]), strict=True)
            ],
            "rule": [rule.name] * len(rows),
            "severity": [rule.severity] * len(rows),
            "reason": reasons,
            "events": [int(more.get("events", 1)) for more in extra],
            "id": _as_string(rows["id"]).array,
        }
    )


@dataclass(frozen=True)
class RiskRule:
    """An event rule: every row the predicate selects is a finding.

    Parameters
    ----------
    name
        Short identifier, shown in the ``rule`` column.
    reason
        Plain-words reason; a :meth:`str.format` template over the row's columns
        plus ``actor`` (e.g. ``"failed login from {actor_ip}"``,
        ``"{metadata[token_name]}"``); missing fields read ``unknown``.
    severity
        ``"high"``, ``"medium"`` or ``"low"`` (other text sorts after ``low``).
    predicate
        ``frame -> boolean Series`` (or array), one value per row; the frame has a
        ``RangeIndex`` and an extra ``actor`` column. See :func:`action_in`.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``name``, ``reason`` or ``severity`` is not a string, or ``predicate`` is
        not callable.

    Examples
    --------
    >>> rule = RiskRule("worker_deleted", "Worker script deleted by {actor}", "medium",
    ...                 action_in("script_delete"))
    >>> rule.kind
    'event'
    """

    name: str
    reason: str
    severity: str
    predicate: Callable[[pd.DataFrame], Any]

    def __post_init__(self) -> None:
        _check_rule_fields(self)

    @property
    def kind(self) -> str:
        """``"event"``."""
        return "event"

    def find(self, ctx: RuleContext) -> pd.DataFrame:
        """Findings of this rule, with the output columns of :func:`risky_changes`."""
        positions = np.flatnonzero(_rule_mask(self.name, self.predicate, ctx.events))
        return _findings(self, ctx.events, positions.tolist(), [{}] * len(positions))


def _check_rule_fields(rule: Any) -> None:
    """The checks every rule class makes of ``name``, ``reason``, ``severity``, ``predicate``."""
    for parameter in ("name", "reason", "severity"):
        value = getattr(rule, parameter)
        if not isinstance(value, str):
            raise InvalidParameterError(parameter, f"must be a string, got {_short(value)}")
    predicate = getattr(rule, "predicate", None)
    if not isinstance(rule, SettingRule) and not callable(predicate):
        raise InvalidParameterError(
            "predicate",
            f"must be a function of the frame (e.g. action_in(...)), got {_short(predicate)}",
        )


def _check_rules(parameter: str, rules: Any, *, needs: tuple[str, ...]) -> list[Any]:
    """``rules`` (an iterable of rules) as a list; each must have the attributes ``needs``."""
    if isinstance(rules, str | bytes | Mapping) or not isinstance(rules, Iterable):
        raise InvalidParameterError(
            parameter,
            f"must be a list of rules (RiskRule, SettingRule, BurstRule), got {_short(rules)}",
        )
    chosen = list(rules)
    for i, rule in enumerate(chosen):
        if any(not hasattr(rule, a) for a in needs) or not callable(getattr(rule, "find", None)):
            raise InvalidParameterError(
                parameter,
                f"item {i} is {_short(rule)}, not a rule (RiskRule, SettingRule or BurstRule)",
            )
    return chosen


def _norm_text(value: str) -> str:
    return str(value).strip().lower()


def _norm_switch(value: str) -> str:
    v = _norm_text(value)
    return {"true": "on", "false": "off", "1": "on", "0": "off"}.get(v, v)


def _norm_ssl(value: str) -> str:
    v = re.sub(r"[^a-z0-9]+", "_", _norm_text(value)).strip("_")
    return {"full_strict": "strict"}.get(v, v)


def _norm_tls(value: str) -> str:
    return re.sub(r"^tls\s*v?\s*", "", _norm_text(value))


@dataclass(frozen=True)
class SettingRule:
    """A downgrade rule: a setting changed to a value ranked lower in ``order``.

    Looks at the :func:`change_timeline` rows whose ``setting`` (for plain values)
    or ``key`` (for JSON values, e.g. TLS settings) is one of ``settings``,
    ignoring case. Values are normalised with ``normalize`` and compared by their
    position in ``order`` (weakest first); values not in ``order`` are ignored.
    When a change records only the new value, the old value is taken to be the
    previous new value of the same setting on the same resource in the frame.

    Parameters
    ----------
    name, reason, severity
        As for :class:`RiskRule`; ``reason`` may also use ``{old}``, ``{new}`` and
        ``{setting}``.
    settings
        Setting names (or JSON keys), e.g. ``("security_level",)``.
    order
        Normalised values from weakest to strongest, e.g. ``("off", "on")``.
    normalize
        Maps a recorded value (text) to its form in ``order``. The default lowers
        case and reads ``true``/``false``/``1``/``0`` as ``on``/``off``.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``name``, ``reason`` or ``severity`` is not a string, ``settings`` or
        ``order`` is not a tuple (or list) of strings, or ``normalize`` is not
        callable.

    Examples
    --------
    >>> rule = SettingRule("ipv6_off", "IPv6 turned off", "low", ("ipv6",), ("off", "on"))
    >>> rule.rank("true"), rule.rank("off"), rule.rank("maybe")
    (1, 0, None)
    """

    name: str
    reason: str
    severity: str
    settings: tuple[str, ...]
    order: tuple[str, ...]
    normalize: Callable[[str], str] = field(default=_norm_switch)

    def __post_init__(self) -> None:
        _check_rule_fields(self)
        for parameter in ("settings", "order"):
            value = getattr(self, parameter)
            if isinstance(value, str | bytes) or not isinstance(value, Sequence):
                raise InvalidParameterError(
                    parameter, f"must be a tuple of strings, got {_short(value)}"
                )
            for i, item in enumerate(value):
                if not isinstance(item, str):
                    raise InvalidParameterError(
                        parameter, f"must hold only strings; item {i} is {_short(item)}"
                    )
        if not callable(self.normalize):
            raise InvalidParameterError(
                "normalize", f"must be a function of one string, got {_short(self.normalize)}"
            )

    @property
    def kind(self) -> str:
        """``"setting"``."""
        return "setting"

    def rank(self, value: Any) -> int | None:
        """Position of ``value`` in ``order`` after normalising, or ``None``."""
        if _missing(value):
            return None
        try:
            return self.order.index(self.normalize(str(value)))
        except ValueError:
            return None

    def find(self, ctx: RuleContext) -> pd.DataFrame:
        """Findings of this rule, with the output columns of :func:`risky_changes`."""
        picked = ctx.changes_of(self.settings)
        if picked.empty:
            return _empty(RISKY_CHANGES_COLUMNS)
        name = picked["key"].fillna(picked["setting"]).str.lower()
        target = picked["resource_id"].fillna(picked["zone_name"]).fillna("")
        previous = picked["new_value"].groupby([target, name], sort=False).shift()
        old = picked["old_value"].fillna(previous)
        positions: list[int] = []
        extra: list[dict[str, Any]] = []
        for pos, o, n, s in zip(picked["_pos"], old, picked["new_value"], name, strict=True):
            before, after = self.rank(o), self.rank(n)
            if before is not None and after is not None and after < before:
                positions.append(int(pos))
                extra.append({"old": o, "new": n, "setting": s})
        return _findings(self, ctx.events, positions, extra)


@dataclass(frozen=True)
class BurstRule:
    """A burst rule: ``min_events`` or more selected rows by one actor within ``window``.

    Every selected row that lies in some ``window``-long span holding at least
    ``min_events`` of the actor's selected rows is part of a burst; overlapping and
    adjacent spans merge, so one spree is one finding (``events`` = its size,
    ``when``/``id`` of its first row).

    Parameters
    ----------
    name, reason, severity
        As for :class:`RiskRule`; ``reason`` may also use ``{events}``,
        ``{duration}``, ``{first}``, ``{last}`` and ``{zones}``.
    predicate
        Selects the rows that count, e.g. ``action_in("rec_del")``.
    min_events
        Smallest burst.
    window
        Time span the ``min_events`` must fall in (``"10min"``, a ``Timedelta``).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``name``, ``reason`` or ``severity`` is not a string, ``predicate`` is not
        callable, ``min_events`` is not an integer >= 1, or ``window`` is not a
        duration >= 0.

    Examples
    --------
    >>> rule = BurstRule("purge_burst", "{events} purges in {duration}", "low",
    ...                  action_in("purge"), min_events=20, window="1h")
    >>> rule.kind, rule.min_events
    ('burst', 20)
    """

    name: str
    reason: str
    severity: str
    predicate: Callable[[pd.DataFrame], Any]
    min_events: int = 5
    window: str | timedelta | pd.Timedelta = "10min"

    def __post_init__(self) -> None:
        _check_rule_fields(self)
        check_int("min_events", self.min_events, 1)
        check_timedelta("window", self.window)

    @property
    def kind(self) -> str:
        """``"burst"``."""
        return "burst"

    def find(self, ctx: RuleContext) -> pd.DataFrame:
        """Findings of this rule, with the output columns of :func:`risky_changes`."""
        events = ctx.events
        when = _when(events, None)
        mask = _rule_mask(self.name, self.predicate, events) & when.notna().to_numpy(dtype=bool)
        selected = pd.DataFrame(
            {
                "pos": np.flatnonzero(mask),
                "actor": events["actor"].array[mask],
                "when": when.dt.tz_convert(None).array[mask],
                "zone": _as_string(events["zone_name"]).array[mask],
            }
        ).sort_values(["actor", "when"], kind="stable")
        window = pd.Timedelta(self.window).to_timedelta64()
        positions: list[int] = []
        extra: list[dict[str, Any]] = []
        for _, group in selected.groupby("actor", sort=False):
            times = group["when"].to_numpy()
            for start, stop in _bursts(times, self.min_events, window):
                part = group.iloc[start:stop]
                zones = sorted(set(part["zone"].dropna()))
                first, last = part["when"].iloc[0], part["when"].iloc[-1]
                positions.append(int(part["pos"].iloc[0]))
                extra.append(
                    {
                        "events": stop - start,
                        "first": first.tz_localize("UTC"),
                        "last": last.tz_localize("UTC"),
                        "duration": _duration(last - first),
                        "zones": ", ".join(zones) if zones else "unknown",
                        "zone_name": zones[0] if len(zones) == 1 else None,
                    }
                )
        return _findings(self, events, positions, extra)


def _bursts(times: np.ndarray, min_events: int, window: np.timedelta64) -> list[tuple[int, int]]:
    """Index ranges ``[start, stop)`` of bursts in sorted ``times``."""
    n = len(times)
    if n < min_events or min_events < 1:
        return []
    ends = np.searchsorted(times, times + window, side="right")
    marked = np.zeros(n + 1, dtype=np.int64)
    for i in np.flatnonzero(ends - np.arange(n) >= min_events).tolist():
        marked[i] += 1
        marked[ends[i]] -= 1
    inside = (np.cumsum(marked[:n]) > 0).tolist()
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for i in range(n):
        if inside[i] and start is not None and times[i] - times[i - 1] > window:
            spans.append((start, i))
            start = i
        elif inside[i] and start is None:
            start = i
        elif not inside[i] and start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, n))
    return spans


def _duration(delta: pd.Timedelta) -> str:
    seconds = round(pd.Timedelta(delta).total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


Rule = RiskRule | SettingRule | BurstRule

#: The built-in rules of :func:`risky_changes`, in report order.
DEFAULT_RULES: tuple[Rule, ...] = (
    SettingRule(
        "security_level_lowered",
        "security level lowered from {old} to {new}",
        "high",
        ("security_level",),
        ("essentially_off", "low", "medium", "high", "under_attack"),
        _norm_text,
    ),
    SettingRule(
        "ssl_downgraded",
        "SSL mode downgraded from {old} to {new}",
        "high",
        ("ssl",),
        ("off", "flexible", "full", "strict", "origin_pull"),
        _norm_ssl,
    ),
    SettingRule(
        "min_tls_lowered",
        "minimum TLS version lowered from {old} to {new}",
        "medium",
        ("min_tls_version",),
        ("1.0", "1.1", "1.2", "1.3"),
        _norm_tls,
    ),
    SettingRule(
        "always_use_https_off",
        "Always Use HTTPS turned off",
        "medium",
        ("always_use_https",),
        ("off", "on"),
    ),
    SettingRule("waf_off", "WAF turned off", "high", ("waf",), ("off", "on")),
    RiskRule(
        "api_key_viewed",
        "Global API key viewed",
        "medium",
        action_in("API_key_view", "view_API_key", "API_key_viewed"),
    ),
    RiskRule(
        "api_key_rotated",
        "API key rotated",
        "medium",
        action_in("rotate_API_key", "API_key_rotated", "API_key_roll"),
    ),
    RiskRule(
        "api_key_created",
        "API key created",
        "medium",
        action_in("API_key_created", "API_key_create", "create_API_key"),
    ),
    RiskRule(
        "token_created",
        "API token created: {metadata[token_name]}",
        "medium",
        action_in("token_create", "token_created", "create_token"),
    ),
    RiskRule(
        "token_rolled",
        "API token rolled: {metadata[token_name]}",
        "medium",
        action_in("token_roll", "token_rolled", "roll_token"),
    ),
    RiskRule(
        "member_added",
        "member added or invited",
        "medium",
        action_in(
            "member_add",
            "member_added",
            "add_member",
            "invite_member",
            "member_invite",
            "member_invited",
            "member_create",
            "account_member_add",
        ),
    ),
    RiskRule(
        "member_role_changed",
        "member roles changed",
        "medium",
        action_in(
            "member_role_change",
            "member_roles_change",
            "change_member_role",
            "member_change",
            "member_update",
            "update_member",
            "role_change",
        ),
    ),
    RiskRule(
        "two_factor_removed",
        "two-factor enforcement removed",
        "high",
        action_matches(
            r"^(?=.*(?:2fa|two_factor|two-factor|tfa|mfa))(?=.*(?:disabl|remov|off|delet))"
        ),
    ),
    BurstRule(
        "dns_deletion_burst",
        "{events} DNS records deleted within {duration}",
        "high",
        action_in("rec_del"),
        min_events=5,
        window="10min",
    ),
    RiskRule(
        "failed_login",
        "failed login from {actor_ip}",
        "low",
        action_in("login", result=False),
    ),
)


def risky_changes(
    df: pd.DataFrame,
    rules: Sequence[Rule] | None = None,
    extra_rules: Sequence[Rule] = (),
) -> pd.DataFrame:
    """Security-relevant events, each with the rule that flagged it and a reason.

    Parameters
    ----------
    df
        Audit-log frame.
    rules
        Rules to apply; :data:`DEFAULT_RULES` when ``None``.
    extra_rules
        More rules, applied after ``rules`` (e.g. your own :class:`RiskRule`).

    Returns
    -------
    pandas.DataFrame
        One row per finding (an event may be flagged by several rules; a burst is one
        row). Columns ``when``, ``actor``, ``action_type``, ``resource``
        (``"<resource_type> <resource_id>"``), ``resource_type``, ``resource_id``,
        ``zone_name``, ``rule``, ``severity``, ``reason``, ``events`` (int64; rows a
        burst spans, else 1), ``id`` (the flagged row's id; a burst's first row).
        Sorted by ``when`` (``NaT`` last), then severity (high first), then rule order.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``df`` is not a frame with the needed columns; ``rules`` or ``extra_rules``
        is not a list of rules, or one of its rules fails on the frame (its
        predicate raises or does not return one boolean per row).

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([
    ...     {"id": "t", "when": "2026-10-01T09:00:00Z", "action": {"type": "token_create"},
    ...      "actor": {"email": "ana@example.com"}, "metadata": {"token_name": "ci"}},
    ... ])
    >>> risky_changes(df)[["rule", "severity", "reason"]]
                rule severity                 reason
    0  token_created   medium  API token created: ci
    >>> mine = RiskRule("tokens", "token made", "low", action_in("token_create"))
    >>> risky_changes(df, rules=[], extra_rules=[mine])["rule"].tolist()
    ['tokens']
    """
    require_columns(df, REQUIRED_COLUMNS["risky_changes"], "risky_changes")
    check_when(df)
    base = list(DEFAULT_RULES) if rules is None else _check_rules("rules", rules, needs=())
    chosen = [*base, *_check_rules("extra_rules", extra_rules, needs=())]
    if df.empty or not chosen:
        return _empty(RISKY_CHANGES_COLUMNS)
    settings = [n for r in chosen if isinstance(r, SettingRule) for n in r.settings]
    ctx = RuleContext(df, settings)
    parts = []
    for order, rule in enumerate(chosen):
        found = _find(rule, ctx, "rules" if order < len(base) else "extra_rules")
        if len(found):
            parts.append(found.assign(_rule_order=order))
    if not parts:
        return _empty(RISKY_CHANGES_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    out["_severity"] = [rank.get(str(s).lower(), len(rank)) for s in out["severity"]]
    out = out.sort_values(["when", "_severity", "_rule_order"], kind="stable", na_position="last")
    return _typed(out, RISKY_CHANGES_COLUMNS)


def _find(rule: Any, ctx: RuleContext, parameter: str) -> pd.DataFrame:
    """``rule.find(ctx)``; a rule that fails is reported as a bad ``parameter``."""
    name = getattr(rule, "name", None)
    try:
        found = rule.find(ctx)
    except InvalidParameterError as exc:
        if exc.parameter == "df":
            raise
        detail = str(exc).removeprefix(f"{exc.parameter}: ")
        raise InvalidParameterError(parameter, detail) from exc
    except AuditKitError:
        raise
    except Exception as exc:
        raise InvalidParameterError(
            parameter, f"rule {name!r} failed on this frame: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(found, pd.DataFrame) or any(
        c not in found.columns for c in RISKY_CHANGES_COLUMNS
    ):
        raise InvalidParameterError(
            parameter, f"rule {name!r}: find() must return a frame with the risky_changes columns"
        )
    return found


def rules_table(rules: Sequence[Rule] | None = None) -> pd.DataFrame:
    """The rules as a table: ``name``, ``kind``, ``severity``, ``reason``, ``matches``.

    Parameters
    ----------
    rules
        Rules to describe; :data:`DEFAULT_RULES` when ``None``.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``rules`` is not a list of rules.

    Examples
    --------
    >>> t = rules_table()
    >>> t.loc[t["name"] == "failed_login", "matches"].item()
    "action_in('login', result=False)"
    """
    chosen = (
        DEFAULT_RULES
        if rules is None
        else _check_rules("rules", rules, needs=("name", "severity", "reason"))
    )
    rows = []
    for r in chosen:
        if isinstance(r, SettingRule):
            matches = f"{'/'.join(r.settings)} lowered in {' < '.join(r.order)}"
        elif isinstance(r, BurstRule):
            matches = f"{r.min_events}+ of {r.predicate!r} by one actor within {r.window}"
        else:
            matches = repr(getattr(r, "predicate", r))
        rows.append((r.name, getattr(r, "kind", "event"), r.severity, r.reason, matches))
    return pd.DataFrame(rows, columns=["name", "kind", "severity", "reason", "matches"]).astype(
        STRING
    )
