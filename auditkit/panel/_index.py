"""The filter panel's pure index: what it computes from the frame, with no widgets and no HTML.

:class:`PanelIndex` reads a frame once (category codes per multi-choice
control, succeeded / failed flags, day numbers, a lower-cased text blob per row
for the search, the summary's input) so that each update of the panel is a few
vectorised numpy operations: on 100,000 rows it takes well under 300 ms
(``benchmarks/panel_update.py``). From those it gives the rows each control
lets through (:meth:`PanelIndex.choice_mask`, :meth:`~PanelIndex.result_mask`,
:meth:`~PanelIndex.date_mask`, :meth:`~PanelIndex.search_mask`, combined with
AND by :func:`combine_masks`), the controls' options with their counts, the
summary by actor (:func:`auditkit.analysis.activity_by_actor` of the matching
rows; vectorised, about 10 ms on 100,000 rows) and the chart's bins.

Nothing here imports ipywidgets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from auditkit.analysis import ACTOR_COLUMNS, activity_by_actor, actor_label, text_labels
from auditkit.analysis._columns import (
    MISSING_LABEL,
    REQUIRED_COLUMNS,
    STRING,
    _as_string,
    column_for,
)
from auditkit.frame._jsoncolumn import is_json_column, json_texts

#: Columns the panel reads (besides any other column, searched when present). As for
#: the analyses, ``interface`` is read from ``actor_context`` on a frame without it
#: (Audit Logs v2; see :data:`auditkit.analysis._columns.COLUMN_ALIASES`).
REQUIRED = (
    "id",
    "when",
    "action_type",
    "action_result",
    *ACTOR_COLUMNS,
    "actor_ip",
    "interface",
    "resource_type",
    "resource_id",
    "zone_name",
)

#: Multi-choice controls: control name -> frame column (``actor`` is derived; each
#: column read through :func:`~auditkit.analysis._columns.column_for`).
CHOICE_CONTROLS: dict[str, str] = {
    "actor": "actor",
    "action_type": "action_type",
    "resource_type": "resource_type",
    "zone": "zone_name",
    "interface": "interface",
}

#: Every control, in display order. ``resource`` is an exact resource id (a text
#: box: a frame may hold more resource ids than a list box can show).
CONTROL_NAMES = (*CHOICE_CONTROLS, "result", "date_range", "search", "resource")

#: How every view and control spells a missing value (an empty zone, interface,
#: result, time or change side): the multi-choice controls' option, the table's
#: cells and the risky-changes view all show it.
MISSING = MISSING_LABEL

#: Columns of :meth:`FilterPanel.summary`: those of
#: :func:`auditkit.analysis.activity_by_actor` the "By actor" table shows.
SUMMARY_COLUMNS = (
    "actor",
    "events",
    "failures",
    "first_seen",
    "last_seen",
    "distinct_ips",
    "distinct_zones",
    "top_action",
)

_US_PER_DAY = 86_400_000_000
_NO_DAY = np.iinfo(np.int64).min


class _Choice:
    """One multi-choice control's precomputed codes: a label per row, coded once."""

    def __init__(self, labels: pd.Series) -> None:
        codes, uniques = pd.factorize(labels.to_numpy(dtype=object), sort=False)
        counts = np.bincount(codes, minlength=len(uniques)) if len(codes) else np.zeros(0, int)
        order = sorted(range(len(uniques)), key=lambda i: (-int(counts[i]), str(uniques[i])))
        #: Per row, the index of its label in ``uniques``.
        self.codes: np.ndarray = codes.astype(np.int64)
        #: Labels in order of first appearance.
        self.uniques: np.ndarray = np.array([str(u) for u in uniques], dtype=object)
        #: Labels by count (descending), then name: the options' order.
        self.values: list[str] = [str(uniques[i]) for i in order]
        self.counts: list[int] = [int(counts[i]) for i in order]
        self._code = {str(v): i for i, v in enumerate(uniques)}

    def options(self) -> list[tuple[str, str]]:
        return [(f"{v} ({n:,})", v) for v, n in zip(self.values, self.counts, strict=True)]

    def mask(self, selected: Sequence[str]) -> np.ndarray | None:
        """Rows whose label is one of ``selected``; ``None`` when nothing is selected."""
        if not selected:
            return None
        allowed = np.zeros(len(self._code), dtype=bool)
        for value in selected:
            code = self._code.get(str(value))
            if code is not None:
                allowed[code] = True
        return allowed[self.codes]


def _when_us(df: pd.DataFrame) -> np.ndarray:
    """``when`` as int64 microseconds since the epoch (UTC); NaT as int64 min."""
    when = df["when"]
    if not isinstance(when.dtype, pd.DatetimeTZDtype):
        when = pd.to_datetime(when, utc=True, errors="coerce")
    return pd.DatetimeIndex(when).as_unit("us").asi8.copy()


def _summary_input(df: pd.DataFrame, when_us: np.ndarray) -> pd.DataFrame:
    """The columns :func:`~auditkit.analysis.activity_by_actor` reads, ``when`` as the panel reads it.

    ``when`` is the panel's (times, UTC; a value that is not a time counts as no
    date, as in the chart and the date filter), and ``actor_type``, which the
    panel does not need, is all missing when the frame has none; every other
    column is ``df``'s own, under the name the analysis reads (``interface`` may
    be ``df``'s ``actor_context``).
    """
    columns: dict[str, Any] = {
        name: df[column_for(df, name)]
        for name in REQUIRED_COLUMNS["activity_by_actor"]
        if column_for(df, name) in df.columns
    }
    columns["when"] = pd.Series(when_us.view("datetime64[us]"), index=df.index).dt.tz_localize(
        "UTC"
    )
    if "actor_type" not in columns:
        columns["actor_type"] = pd.Series(pd.NA, index=df.index, dtype=STRING)
    for name in ("actor_ip", "zone_name"):
        # Coded once here rather than on every update (same texts, same counts).
        columns[name] = _as_string(columns[name]).astype("category")
    return pd.DataFrame(columns)


def _search_blob(df: pd.DataFrame) -> list[str]:
    """One lower-cased text per row: every value, JSON values and metadata as JSON text.

    Fields are joined with newlines, so a search term (which has no whitespace)
    never matches across two fields. A plain list of ``str``: ``term in text``
    over it costs about 30 ms per 100,000 rows whatever the term, where
    pyarrow's ``match_substring`` takes up to ten times longer on rare terms.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(df):
        return []
    parts: list[Any] = []
    for name in df.columns:
        col = df[name]
        if name == "when" or str(col.dtype) == "boolean" or col.dtype == bool:
            continue
        if col.dtype == object or is_json_column(col):
            arr = pc.fill_null(json_texts(col), "")
        else:
            if isinstance(col.dtype, pd.CategoricalDtype):
                text = _as_string(col)  # converted in Arrow, each category once
            elif str(col.dtype) == "string[pyarrow]":
                text = col
            else:
                text = col.astype("string[pyarrow]")
            arr = pa.array(text.array)
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            arr = pc.fill_null(arr.cast(pa.large_string()), "")
        parts.append(arr)
    if not parts:
        return [""] * len(df)
    joined = pc.binary_join_element_wise(*parts, pa.scalar("\n", type=pa.large_string()))
    return [text.lower() for text in joined.to_pylist()]


def _day_label(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def as_date(day: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(day))


def combine_masks(masks: Iterable[np.ndarray | None], n: int) -> np.ndarray:
    """The rows every mask lets through (AND), over ``n`` rows; ``None`` does not filter."""
    mask = np.ones(n, dtype=bool)
    for m in masks:
        if m is not None:
            mask &= m
    return mask


class PanelIndex:
    """What the panel reads from a frame, computed once when the panel is built.

    Parameters
    ----------
    df
        The frame, with the :data:`REQUIRED` columns (each once).
    """

    def __init__(self, df: pd.DataFrame) -> None:
        n = len(df)
        actor = actor_label(df)
        self.choices: dict[str, _Choice] = {
            name: _Choice(actor if column == "actor" else text_labels(df[column_for(df, column)]))
            for name, column in CHOICE_CONTROLS.items()
        }
        result = df["action_result"]
        self.succeeded = result.eq(True).fillna(False).to_numpy(dtype=bool)
        self.failed = result.eq(False).fillna(False).to_numpy(dtype=bool)
        self.when = _when_us(df)
        self.has_when = self.when != _NO_DAY
        self.day = np.full(n, _NO_DAY, dtype=np.int64)
        self.day[self.has_when] = self.when[self.has_when] // _US_PER_DAY
        if self.has_when.any():
            first, last = int(self.day[self.has_when].min()), int(self.day[self.has_when].max())
        else:
            today = (dt.date.today() - dt.date(1970, 1, 1)).days
            first = last = today
        self.days = np.arange(first, last + 1, dtype=np.int64)
        self.blob = _search_blob(df)
        # The actor of each row (for the first-rows table), as codes into its labels.
        self.actor_codes = self.choices["actor"].codes
        self.actor_uniques = self.choices["actor"].uniques
        self.summary_input = _summary_input(df, self.when)
        # Exact resource ids, coded once (missing ones are never matched by the text box).
        self.resource = _Choice(_as_string(df["resource_id"]).fillna(""))

    # ---------------------------------------------------------------- options

    def result_options(self, total: int) -> list[tuple[str, str]]:
        """Options of the ``result`` control, with their counts (``total`` rows in all)."""
        n_ok, n_failed = int(self.succeeded.sum()), int(self.failed.sum())
        return [
            (f"all ({total:,})", "all"),
            (f"succeeded ({n_ok:,})", "succeeded"),
            (f"failed ({n_failed:,})", "failed"),
        ]

    def day_options(self) -> list[tuple[str, dt.date]]:
        """Options of the ``date_range`` control: one per UTC day from the first to the last."""
        return [(_day_label(int(d)), as_date(int(d))) for d in self.days]

    # ---------------------------------------------------------------- masks

    def choice_mask(self, name: str, selected: Sequence[str]) -> np.ndarray | None:
        """The rows multi-choice control ``name`` lets through, or ``None``."""
        return self.choices[name].mask(selected)

    def result_mask(self, value: str) -> np.ndarray | None:
        """The rows the ``result`` control lets through, or ``None`` (``"all"``)."""
        if value == "succeeded":
            return self.succeeded
        if value == "failed":
            return self.failed
        return None

    def date_mask(self, lo: int, hi: int) -> np.ndarray | None:
        """The rows dated from day ``lo`` to day ``hi`` (positions in :attr:`days`), or ``None``."""
        if lo == 0 and hi == len(self.days) - 1:
            return None
        first, last = int(self.days[lo]), int(self.days[hi])
        return self.has_when & (self.day >= first) & (self.day <= last)

    def search_mask(self, query: str) -> np.ndarray | None:
        """The rows holding every whitespace-separated term of ``query``, or ``None``."""
        terms = list(dict.fromkeys(query.lower().split()))
        if not terms:
            return None
        blob = self.blob
        n = len(blob)
        # Longest term first: usually the most selective; later terms only look at
        # the rows still matching.
        terms.sort(key=len, reverse=True)
        mask = np.fromiter([terms[0] in text for text in blob], dtype=bool, count=n)
        for term in terms[1:]:
            rows = np.flatnonzero(mask)
            if not len(rows):
                break
            keep = np.fromiter(
                [term in blob[i] for i in rows.tolist()], dtype=bool, count=len(rows)
            )
            mask[rows[~keep]] = False
        return mask

    def resource_mask(self, value: str) -> np.ndarray | None:
        """The rows whose ``resource_id`` is exactly ``value`` (stripped), or ``None`` (empty)."""
        value = value.strip()
        if not value:
            return None
        return self.resource.mask([value])

    # ---------------------------------------------------------------- views

    def first_positions(self, mask: np.ndarray, rows: int) -> np.ndarray:
        """Positions of the first ``rows`` matching rows."""
        return np.flatnonzero(mask)[:rows]

    def actor_labels(self, positions: np.ndarray) -> np.ndarray:
        """The actor label of the rows at ``positions``."""
        return self.actor_uniques[self.actor_codes[positions]]

    def summary(self, mask: np.ndarray) -> pd.DataFrame:
        """:func:`auditkit.analysis.activity_by_actor` of the matching rows, :data:`SUMMARY_COLUMNS`."""
        rows = self.summary_input
        if not mask.all():
            rows = rows[mask]
        return activity_by_actor(rows)[list(SUMMARY_COLUMNS)]

    def binned(self, mask: np.ndarray) -> tuple[int, int, np.ndarray, np.ndarray]:
        """The chart's bins: step (days), first day, matching events and failures per bin."""
        n_days = len(self.days)
        step = 1 if n_days <= 400 else (7 if n_days <= 3000 else 30)
        first = int(self.days[0])
        n_bins = (n_days + step - 1) // step
        m = mask & self.has_when
        bins = (self.day[m] - first) // step
        counts = np.bincount(bins, minlength=n_bins)
        fails = np.bincount(bins[self.failed[m]], minlength=n_bins)
        return step, first, counts, fails

    def chart_data(self, mask: np.ndarray, lo: int, hi: int) -> pd.DataFrame:
        """Matching events and failures per bin from day ``lo`` to ``hi`` (positions in :attr:`days`)."""
        step, first, counts, fails = self.binned(mask)
        lo_bin, hi_bin = lo // step, hi // step + 1
        days = [as_date(first + i * step) for i in range(lo_bin, hi_bin)]
        return pd.DataFrame(
            {"events": counts[lo_bin:hi_bin], "failed": fails[lo_bin:hi_bin]},
            index=pd.Index(days, name="day"),
        )
