"""Who did how much, when and from where: the activity analyses.

:func:`activity_by_actor` (one row per actor), :func:`activity_over_time`
(counts per period), :func:`activity_heatmap` (counts by weekday and hour) and
:func:`new_ips` (an actor's first event from an IP it had not used before).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ._checks import check_freq, check_tz, column_for, require_columns
from ._columns import (
    REQUIRED_COLUMNS,
    STRING,
    UTC,
    _as_string,
    _empty,
    _group_labels,
    _typed,
    _when,
    actor_label,
    check_by,
    check_when,
    is_v2_frame,
)

#: Weekday labels of :func:`activity_heatmap`, Monday first.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: Output columns (and dtypes) of :func:`activity_by_actor`.
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

#: Columns :func:`activity_by_actor` adds on a v2 frame that has their source column:
#: output column -> frame column.
V2_ACTOR_COLUMNS: dict[str, str] = {
    "tokens": "actor_token_name",
    "products": "resource_product",
}

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

        - ``actor`` (string): as :func:`~auditkit.analysis.actor_label` labels it
          (email; else ``system`` or ``Cloudflare`` for those actors; else the
          actor id; else ``"(unknown)"``).
        - ``actor_type`` (string): the actor's most frequent ``actor_type``.
        - ``events``, ``failures`` (int64): rows, and rows with ``action_result`` False.
        - ``first_seen``, ``last_seen`` (datetime64[us, UTC]).
        - ``distinct_ips``, ``distinct_zones`` (int64): distinct non-missing values.
        - ``top_action`` (string): most frequent ``action_type`` (ties: alphabetical).
        - ``interfaces`` (string): interfaces used, sorted, ``", "``-joined
          (missing when none is known). Read from ``interface``, or, on a frame
          without it (Audit Logs v2), from ``actor_context``, with its values as
          they are (``api_token``, ``dash``...).

        On an Audit Logs v2 frame (:func:`~auditkit.analysis._columns.is_v2_frame`),
        two more string columns, each only when the frame has its source column
        (a v1 frame's output never has them):

        - ``tokens``: distinct ``actor_token_name`` values used, sorted,
          ``", "``-joined (missing when none).
        - ``products``: distinct ``resource_product`` values acted on, likewise.

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
    1           system       1         1      purge       <NA>

    On a v2 frame, the interfaces are the actor contexts:

    >>> from auditkit.frame import V2
    >>> v2 = records_to_frame([
    ...     {"action": {"time": "2026-10-01T09:00:00Z", "type": "create", "result": "success"},
    ...      "actor": {"email": "ana@example.com", "context": "dash"}},
    ...     {"action": {"time": "2026-10-01T10:00:00Z", "type": "update", "result": "failure"},
    ...      "actor": {"email": "ana@example.com", "context": "api_token"}},
    ... ], schema=V2)
    >>> activity_by_actor(v2)[["actor", "events", "failures", "interfaces"]]
                 actor  events  failures       interfaces
    0  ana@example.com       2         1  api_token, dash

    And the API tokens and products each actor used:

    >>> v2 = records_to_frame([
    ...     {"action": {"time": "2026-10-01T09:00:00Z", "type": "update"},
    ...      "actor": {"email": "ana@example.com", "token_name": "terraform-ci"},
    ...      "resource": {"product": "dns"}},
    ...     {"action": {"time": "2026-10-01T10:00:00Z", "type": "update"},
    ...      "actor": {"email": "ana@example.com"}, "resource": {"product": "cache"}},
    ... ], schema=V2)
    >>> activity_by_actor(v2)[["actor", "tokens", "products"]]
                 actor        tokens    products
    0  ana@example.com  terraform-ci  cache, dns
    """
    require_columns(df, REQUIRED_COLUMNS["activity_by_actor"], "activity_by_actor")
    check_when(df)
    extra = _v2_extras(df)
    columns = {**ACTIVITY_BY_ACTOR_COLUMNS, **{name: STRING for name in extra}}
    if df.empty:
        return _empty(columns)
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
    interface, interfaces = _codes(df[column_for(df, "interface")], sort=True)
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
            **{
                name: _joined(actor, k, *_codes(df[source], sort=True))
                for name, source in extra.items()
            },
        }
    )
    out = out.sort_values(["events", "actor"], ascending=[False, True], kind="stable")
    return _typed(out, columns)


def _v2_extras(df: pd.DataFrame) -> dict[str, str]:
    """The :data:`V2_ACTOR_COLUMNS` ``df`` has: none unless it is a v2 frame."""
    if not is_v2_frame(df):
        return {}
    return {name: source for name, source in V2_ACTOR_COLUMNS.items() if source in df.columns}


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


# ------------------------------------------------------------------- activity over time


def activity_over_time(
    df: pd.DataFrame,
    freq: str = "D",
    by: str | None = "actor",
    tz: str | None = None,
    *,
    partial: bool = False,
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
    partial
        Add a last, boolean column ``partial``: whether the period is only partly
        covered by the data's range. The data cover whole days (in ``tz``), from
        the midnight starting the first event's day to the midnight ending the
        last event's day; a period that starts before that range or ends after it
        is partial (only the first and the last can be). So hourly and daily
        periods are never partial, and a week (or month) holding only the last day
        of data is.

    Returns
    -------
    pandas.DataFrame
        Wide: a ``DatetimeIndex`` named ``period`` covering every period from the
        first to the last event, one int64 column per group (named by the group;
        missing values grouped as ``"(none)"``), ordered by total count (descending)
        then name; with ``partial``, then the bool ``partial`` column. The columns'
        index is named ``by``. Rows with no ``when`` are not counted. Empty input:
        no rows (and no group columns).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``df`` is not a frame with the needed columns (``"actor"`` needs
        ``actor_email`` and ``actor_id``); ``freq`` is not a positive pandas
        frequency; ``by`` is not a column of labels; ``tz`` is not a time zone;
        ``partial`` is not a bool, or is true while a group is named ``"partial"``.

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([
    ...     {"when": "2026-10-01T09:00:00Z", "actor": {"email": "ana@example.com"}},
    ...     {"when": "2026-10-03T09:00:00Z", "actor": {"email": "ana@example.com"}},
    ...     {"when": "2026-10-03T10:00:00Z", "actor": {"id": "1", "type": "system"}},
    ... ])
    >>> counts = activity_over_time(df, freq="D")
    >>> list(counts.columns), counts["ana@example.com"].tolist(), counts["system"].tolist()
    (['ana@example.com', 'system'], [1, 0, 1], [0, 0, 1])
    >>> counts.index[1]
    Timestamp('2026-10-02 00:00:00+0000', tz='UTC')

    The week labelled Sunday 2026-10-04 (Monday to Sunday) holds data from
    Thursday to Saturday only:

    >>> weekly = activity_over_time(df, freq="W", by=None, partial=True)
    >>> list(weekly.columns), weekly["events"].tolist(), weekly["partial"].tolist()
    (['events', 'partial'], [3], [True])
    """
    require_columns(df, REQUIRED_COLUMNS["activity_over_time"], "activity_over_time")
    check_when(df)
    check_freq(freq)
    check_by(df, by)
    check_tz(tz)
    if not isinstance(partial, bool):
        raise InvalidParameterError("partial", f"must be True or False, got {partial!r}")
    when = _when(df, tz)
    groups = (
        pd.Series("events", index=df.index, dtype=STRING) if by is None else _group_labels(df, by)
    )
    valid = when.notna().to_numpy(dtype=bool)
    name = by if by is not None else None
    if not valid.any():
        index = pd.DatetimeIndex([], dtype=when.dtype, name="period")
        columns = pd.Index(["events"] if by is None else [], dtype=STRING, name=name)
        empty = pd.DataFrame(index=index, columns=columns, dtype="int64")
        return empty.assign(partial=pd.Series([], dtype=bool)) if partial else empty
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
    if not partial:
        return wide
    if "partial" in order:
        raise InvalidParameterError(
            "partial", f"cannot add the 'partial' column: a {by} group is named 'partial'"
        )
    covered = (work["when"].min().floor("D"), work["when"].max().floor("D") + pd.Timedelta("1D"))
    out = wide.assign(partial=_partial_periods(pd.DatetimeIndex(wide.index), freq, covered))
    out.columns = pd.Index([*order, "partial"], dtype=STRING, name=name)
    return out


def _partial_periods(
    index: pd.DatetimeIndex, freq: str, covered: tuple[pd.Timestamp, pd.Timestamp]
) -> np.ndarray:
    """Per period labelled ``index``: whether it starts before ``covered`` starts or
    ends after it ends."""
    start, end = period_span(index, freq)
    return np.asarray((start < covered[0]) | (end > covered[1]), dtype=bool)


def period_span(index: pd.DatetimeIndex, freq: str) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """Start and end (exclusive) of the periods :func:`activity_over_time` labels ``index``.

    A period labelled at its start (``h``, ``D``, ``MS``...) runs from the label for
    one ``freq``; one labelled at its end (``W``, ``ME``, ``QE``, ``YE``) holds the
    whole label day: it ends the midnight after the label and starts one ``freq``
    earlier (a ``W`` week is Monday to Sunday).

    Examples
    --------
    >>> start, end = period_span(pd.DatetimeIndex(["2026-11-29"], tz="UTC"), "W")
    >>> str(start[0]), str(end[0])
    ('2026-11-23 00:00:00+00:00', '2026-11-30 00:00:00+00:00')
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    probe = pd.Timestamp("2001-01-10 12:34:56", tz=index.tz)
    label = pd.Series([1], index=[probe]).resample(freq).sum().index[0]
    if label <= probe:
        return index, index + offset
    day = pd.DateOffset(days=1)
    return (index - offset) + day, index + day


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
