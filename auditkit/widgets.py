"""An interactive filter panel over an audit-log frame (ipywidgets).

:class:`FilterPanel` shows a loaded frame with one control per filter (actor,
action type, resource type, zone, interface, result, date range and a free-text
search) and, updated in place whenever a control changes: the number of matching
entries, a chart of activity per day, a summary by actor and the first matching
rows. Filters combine with AND; an empty multi-choice control does not filter.

Everything that depends only on the frame (category codes per control, day
numbers, a lower-cased text blob per row for the search) is computed once when
the panel is built, so an update is a few vectorised numpy operations: on
100,000 rows it takes well under 300 ms (``benchmarks/panel_update.py``).

ipywidgets is imported when a panel is built, never when :mod:`auditkit` is
imported. The chart is inline SVG drawn by the panel itself (a matplotlib figure
costs 100 ms or more per redraw, a third of the budget); the summary by actor is
:func:`auditkit.analysis.activity_by_actor` of the matching rows (vectorised,
about 10 ms on 100,000 rows), and actors are labelled by
:func:`auditkit.analysis.actor_label`.

Examples
--------
>>> import auditkit
>>> from auditkit.widgets import FilterPanel
>>> df = auditkit.records_to_frame([
...     {"id": "a", "when": "2026-10-01T09:00:00Z", "action": {"type": "login", "result": True},
...      "actor": {"email": "ana@example.com"}},
...     {"id": "b", "when": "2026-10-02T09:00:00Z", "action": {"type": "login", "result": False},
...      "actor": {"email": "raj@example.com"}},
... ])
>>> panel = FilterPanel(df)
>>> panel.controls["actor"].options
(('ana@example.com (1)', 'ana@example.com'), ('raj@example.com (1)', 'raj@example.com'))
>>> panel.controls["result"].value = "failed"
>>> panel.filtered["id"].tolist(), panel.count
(['b'], 1)
>>> panel.reset()
>>> panel.count
2
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import logging
import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from auditkit.analysis import (
    ACTOR_COLUMNS,
    REQUIRED_COLUMNS,
    STRING,
    _as_string,
    _missing,
    _short,
    activity_by_actor,
    actor_label,
    check_bool,
    check_int,
    require_columns,
    text_labels,
)
from auditkit.errors import InvalidParameterError
from auditkit.frame._json import is_json_column, json_texts

if TYPE_CHECKING:
    import ipywidgets

__all__ = ["FilterPanel"]

log = logging.getLogger(__name__)

#: Columns the panel reads (besides any other column, searched when present).
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

#: Multi-choice controls: control name -> frame column (``actor`` is derived).
CHOICE_CONTROLS: dict[str, str] = {
    "actor": "actor",
    "action_type": "action_type",
    "resource_type": "resource_type",
    "zone": "zone_name",
    "interface": "interface",
}

#: Every control, in display order.
CONTROL_NAMES = (*CHOICE_CONTROLS, "result", "date_range", "search")

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

#: Columns shown in the table of first matching rows.
ROW_COLUMNS = (
    "when",
    "actor",
    "action_type",
    "result",
    "resource_type",
    "resource_id",
    "zone_name",
    "interface",
    "actor_ip",
    "change",
)

_FAILURE_COLOR = "#d62728"
_EVENT_COLOR = "#1f77b4"
_US_PER_DAY = 86_400_000_000
_NO_DAY = np.iinfo(np.int64).min

_CSS = """
<style>
.auditkit-panel .ak-table table {border-collapse: collapse; font-size: 12px; width: 100%;}
.auditkit-panel .ak-table th {text-align: left; padding: 2px 8px; border-bottom: 1px solid #999;}
.auditkit-panel .ak-table td {padding: 2px 8px; border-bottom: 1px solid rgba(128,128,128,.25);
  white-space: nowrap; max-width: 28em; overflow: hidden; text-overflow: ellipsis;}
.auditkit-panel .ak-title {font-weight: 600; margin: 6px 0 2px 0;}
.auditkit-panel .ak-count {font-size: 15px;}
.auditkit-panel .ak-failed {color: #d62728; font-weight: 600;}
</style>
"""


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
    column is ``df``'s own.
    """
    columns: dict[str, Any] = {
        name: df[name] for name in REQUIRED_COLUMNS["activity_by_actor"] if name in df.columns
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
            text = col if str(col.dtype) == "string[pyarrow]" else col.astype("string[pyarrow]")
            arr = pa.array(text.array)
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            arr = pc.fill_null(arr.cast(pa.large_string()), "")
        parts.append(arr)
    if not parts:
        return [""] * len(df)
    joined = pc.binary_join_element_wise(*parts, pa.scalar("\n", type=pa.large_string()))
    return [text.lower() for text in joined.to_pylist()]


def _nice_ticks(peak: int) -> tuple[int, list[int]]:
    """Top of the y axis and its ticks: a 1-2-5 step giving at most 5 ticks."""
    peak = max(peak, 1)
    step = 1
    while True:
        for mult in (1, 2, 5):
            s = step * mult
            if -(-peak // s) <= 4:
                top = -(-peak // s) * s
                return top, list(range(0, top + 1, s))
        step *= 10


def _date_ticks(first_day: int, end_day: int) -> list[tuple[int, str]]:
    """Tick positions (day numbers in ``[first_day, end_day]``) and labels, at most ~8."""
    span = end_day - first_day
    start = _as_date(first_day)
    ticks: list[tuple[int, str]] = []
    if span <= 16:
        every = 1 if span <= 8 else 2
        for d in range(first_day, end_day + 1, every):
            ticks.append((d, _as_date(d).strftime("%b %d")))
        return ticks
    if span <= 70:
        # Mondays
        d = first_day + (7 - start.weekday()) % 7
        every = 7 if span <= 56 else 14
        while d <= end_day:
            ticks.append((d, _as_date(d).strftime("%b %d")))
            d += every
        return ticks
    months = 1 if span <= 250 else (3 if span <= 800 else 12)
    year, month = start.year, start.month
    previous_year = None
    while True:
        if month > 12:
            year, month = year + 1, month - 12
        day = (dt.date(year, month, 1) - dt.date(1970, 1, 1)).days
        if day > end_day:
            break
        if day >= first_day and (month - 1) % months == 0:
            label = dt.date(year, month, 1).strftime("%b")
            if previous_year != year:
                label += f" {year}" if months < 12 else ""
                label = str(year) if months == 12 else label
                previous_year = year
            ticks.append((day, label))
        month += 1
    return ticks


def _day_label(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def _as_date(day: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(day))


class FilterPanel:
    """Interactive filters over an audit-log frame, for Jupyter (ipywidgets 8).

    Put the panel last in a cell to display it. Each control filters one aspect;
    filters combine with AND. Changing a control updates, in place, the count of
    matching entries, the activity chart (events per day, failures in red), the
    summary by actor and the first matching rows.

    Parameters
    ----------
    df
        Audit-log frame (as returned by :func:`auditkit.load_audit_logs`). The
        panel reads it when built; later changes to ``df`` are not seen.
    rows
        Matching rows shown in the table.
    top_actors
        Actors shown in the summary (the most active among the matching rows).
    chart
        Show the activity chart (events per day, failures in red; inline SVG).
    export_path
        Default file name of the "Export CSV" button.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``df`` is not a frame with the needed columns (each once); ``rows`` or
        ``top_actors`` is not an integer >= 0; ``chart`` is not a bool;
        ``export_path`` is not a path.

    Attributes
    ----------
    controls : dict[str, ipywidgets.Widget]
        The controls by filter name. ``actor``, ``action_type``,
        ``resource_type``, ``zone``, ``interface``: ``SelectMultiple`` whose options
        are ``("<value> (<count>)", "<value>")`` pairs over the whole frame (value
        ``"(none)"`` for missing; actor = email, else actor id, else
        ``"(unknown)"``); an empty selection does not filter. ``result``:
        ``ToggleButtons``, ``"all"``, ``"succeeded"`` or ``"failed"`` (rows with an
        unknown result match only ``"all"``). ``date_range``:
        ``SelectionRangeSlider`` over UTC days, value ``(first_day, last_day)``
        as :class:`datetime.date`, both included; rows without ``when`` match only
        the full range. ``search``: ``Text``; whitespace-separated terms that must
        all occur (case-insensitive substrings) in a row's values, JSON values,
        metadata or ids.
    widget : ipywidgets.VBox
        The whole panel.
    buttons : dict[str, ipywidgets.Button]
        ``reset`` (same as :meth:`reset`) and ``export`` (writes :attr:`filtered`
        with :meth:`to_csv` to the file named in :attr:`export_file`).
    export_file : ipywidgets.Text
        File the ``export`` button writes (relative to the kernel's directory).
    errors : list[BaseException]
        Exceptions raised inside callbacks (also shown, with tracebacks, in the panel).
    last_update_ms : float
        Duration of the last update, in milliseconds.

    Examples
    --------
    >>> import datetime as dt
    >>> import auditkit
    >>> df = auditkit.records_to_frame([
    ...     {"id": "a", "when": "2026-10-01T09:00:00Z", "action": {"type": "purge"},
    ...      "actor": {"email": "ana@example.com"}, "metadata": {"zone_name": "shop.example.org"}},
    ...     {"id": "b", "when": "2026-10-03T09:00:00Z", "action": {"type": "login", "result": True},
    ...      "actor": {"email": "ana@example.com"}},
    ... ])
    >>> panel = FilterPanel(df)
    >>> panel.controls["search"].value = "SHOP."
    >>> panel.filtered["id"].tolist()
    ['a']
    >>> panel.reset()
    >>> panel.controls["date_range"].value = (dt.date(2026, 10, 2), dt.date(2026, 10, 3))
    >>> panel.filtered["id"].tolist()
    ['b']
    """

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        rows: int = 10,
        top_actors: int = 10,
        chart: bool = True,
        export_path: str | Path = "audit-filtered.csv",
    ) -> None:
        require_columns(df, REQUIRED, "FilterPanel")
        if not df.columns.is_unique:
            doubled = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
            raise InvalidParameterError(
                "df", f"FilterPanel needs each column once; the frame repeats {', '.join(doubled)}"
            )
        check_int("rows", rows, 0)
        check_int("top_actors", top_actors, 0)
        check_bool("chart", chart)
        if not isinstance(export_path, str | os.PathLike):
            raise InvalidParameterError(
                "export_path", f"must be a file name or path, got {_short(export_path)}"
            )

        import ipywidgets as widgets

        self._df = df
        self._rows = int(rows)
        self._top_actors = int(top_actors)
        self._callbacks: list[Callable[[pd.DataFrame], Any]] = []
        self._holding = False
        self._dirty: set[str] = set()
        self._mask = np.ones(len(df), dtype=bool)
        self._filtered: pd.DataFrame | None = None
        self._masks: dict[str, np.ndarray | None] = {}
        self.errors: list[BaseException] = []
        self.last_update_ms = 0.0

        self._precompute(df)
        self._build(widgets, chart=chart, export_path=str(export_path))
        for name in CONTROL_NAMES:
            self._masks[name] = None
        self._update()

    # ---------------------------------------------------------------- precompute

    def _precompute(self, df: pd.DataFrame) -> None:
        n = len(df)
        actor = actor_label(df)
        self._choices: dict[str, _Choice] = {
            name: _Choice(actor if column == "actor" else text_labels(df[column]))
            for name, column in CHOICE_CONTROLS.items()
        }
        result = df["action_result"]
        self._succeeded = result.eq(True).fillna(False).to_numpy(dtype=bool)
        self._failed = result.eq(False).fillna(False).to_numpy(dtype=bool)
        self._when = _when_us(df)
        self._has_when = self._when != _NO_DAY
        self._day = np.full(n, _NO_DAY, dtype=np.int64)
        self._day[self._has_when] = self._when[self._has_when] // _US_PER_DAY
        if self._has_when.any():
            first, last = int(self._day[self._has_when].min()), int(self._day[self._has_when].max())
        else:
            today = (dt.date.today() - dt.date(1970, 1, 1)).days
            first = last = today
        self._days = np.arange(first, last + 1, dtype=np.int64)
        self._blob = _search_blob(df)
        # The actor of each row (for the first-rows table), as codes into its labels.
        self._actor_codes = self._choices["actor"].codes
        self._actor_uniques = self._choices["actor"].uniques
        self._summary_input = _summary_input(df, self._when)

    # ---------------------------------------------------------------- widgets

    def _build(self, widgets: Any, *, chart: bool, export_path: str) -> None:
        layout = widgets.Layout
        controls: dict[str, Any] = {}
        titles = {
            "actor": "Actor",
            "action_type": "Action type",
            "resource_type": "Resource type",
            "zone": "Zone",
            "interface": "Interface",
        }
        boxes = []
        for name, choice in self._choices.items():
            width = "260px" if name in ("actor", "action_type") else "190px"
            select = widgets.SelectMultiple(
                options=choice.options(),
                value=(),
                rows=6,
                layout=layout(width=width),
            )
            select.add_class(f"auditkit-{name.replace('_', '-')}")
            controls[name] = select
            boxes.append(
                widgets.VBox([widgets.HTML(f'<div class="ak-title">{titles[name]}</div>'), select])
            )
        total = len(self._df)
        n_ok, n_failed = int(self._succeeded.sum()), int(self._failed.sum())
        result = widgets.ToggleButtons(
            options=[
                (f"all ({total:,})", "all"),
                (f"succeeded ({n_ok:,})", "succeeded"),
                (f"failed ({n_failed:,})", "failed"),
            ],
            value="all",
            style={"button_width": "auto"},
        )
        result.add_class("auditkit-result")
        controls["result"] = result
        days = [(_day_label(int(d)), _as_date(int(d))) for d in self._days]
        date_range = widgets.SelectionRangeSlider(
            options=days,
            index=(0, len(days) - 1),
            continuous_update=False,
            readout=False,  # its fixed-width readout clips two ISO dates
            disabled=not self._has_when.any(),
            layout=layout(width="300px"),
        )
        date_range.add_class("auditkit-date-range")
        controls["date_range"] = date_range
        search = widgets.Text(
            value="",
            placeholder="search values, metadata, ids (Enter)",
            continuous_update=False,
            layout=layout(width="320px"),
        )
        search.add_class("auditkit-search")
        controls["search"] = search
        self.controls: dict[str, Any] = controls

        reset = widgets.Button(description="Reset", icon="undo", tooltip="Clear every filter")
        reset.add_class("auditkit-reset")
        reset.on_click(lambda _b: self._guarded(self.reset))
        self.export_file = widgets.Text(
            value=export_path, layout=layout(width="220px"), tooltip="CSV file to write"
        )
        export = widgets.Button(
            description="Export CSV", icon="download", tooltip="Write the matching rows to CSV"
        )
        export.add_class("auditkit-export")
        export.on_click(lambda _b: self._guarded(self._export_clicked))
        self.buttons: dict[str, Any] = {"reset": reset, "export": export}
        self._status = widgets.HTML("")

        self._count = widgets.HTML()
        self._count.add_class("auditkit-count")
        self._range_label = widgets.HTML()
        self._range_label.add_class("auditkit-date-range-label")
        self._errors = widgets.Output(layout=layout(max_height="240px", overflow="auto"))
        self._errors.add_class("auditkit-errors")
        self._chart = widgets.HTML()
        self._chart.add_class("auditkit-chart")
        self._chart_enabled = chart
        self._summary = widgets.HTML()
        self._summary.add_class("auditkit-summary")
        self._table = widgets.HTML()
        self._table.add_class("auditkit-rows")

        def labelled(title: str, w: Any) -> Any:
            return widgets.VBox([widgets.HTML(f'<div class="ak-title">{title}</div>'), w])

        row2 = widgets.HBox(
            [
                labelled("Result", result),
                labelled(
                    "Date range (UTC)",
                    widgets.HBox(
                        [date_range, self._range_label], layout=layout(align_items="center")
                    ),
                ),
                labelled("Search", search),
            ],
            layout=layout(flex_flow="row wrap", grid_gap="16px"),
        )
        actions = widgets.HBox(
            [reset, export, self.export_file, self._status],
            layout=layout(align_items="center", grid_gap="8px"),
        )
        views = widgets.HBox(
            [
                widgets.VBox([self._chart] if chart else []),
                widgets.VBox([widgets.HTML('<div class="ak-title">By actor</div>'), self._summary]),
            ],
            layout=layout(flex_flow="row wrap", grid_gap="16px", align_items="flex-start"),
        )
        self.widget: ipywidgets.VBox = widgets.VBox(
            [
                widgets.HTML(_CSS),
                self._count,
                widgets.HBox(boxes, layout=layout(flex_flow="row wrap", grid_gap="12px")),
                row2,
                actions,
                self._errors,
                views,
                widgets.HTML('<div class="ak-title">First matching entries</div>'),
                self._table,
            ],
            layout=layout(padding="4px", grid_gap="6px"),
        )
        self.widget.add_class("auditkit-panel")
        for name, control in controls.items():
            control.observe(lambda change, name=name: self._changed(name), names="value")

    # ---------------------------------------------------------------- display

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """Display as the panel's widget (Jupyter calls this for the last value of a cell)."""
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return f"<FilterPanel: {self.count:,} of {len(self._df):,} entries match>"

    # ---------------------------------------------------------------- public API

    @property
    def filtered(self) -> pd.DataFrame:
        """The matching rows, as a frame with the input's columns and index labels.

        Examples
        --------
        >>> import auditkit
        >>> panel = FilterPanel(auditkit.empty_frame())
        >>> len(panel.filtered)
        0
        """
        if self._filtered is None:
            self._filtered = self._df[self._mask]
        return self._filtered

    @property
    def mask(self) -> np.ndarray:
        """The matching rows as a boolean array over the input frame's rows (a copy).

        Examples
        --------
        >>> import auditkit
        >>> df = auditkit.records_to_frame([{"id": "a", "interface": "UI"}, {"id": "b"}])
        >>> panel = FilterPanel(df, chart=False)
        >>> panel.controls["interface"].value = ("(none)",)
        >>> panel.mask.tolist()
        [False, True]
        """
        return self._mask.copy()

    @property
    def count(self) -> int:
        """Number of matching entries (the number the panel shows).

        Examples
        --------
        >>> import auditkit
        >>> FilterPanel(auditkit.records_to_frame([{"id": "a"}]), chart=False).count
        1
        """
        return int(self._mask.sum())

    def on_change(
        self, callback: Callable[[pd.DataFrame], Any], *, remove: bool = False
    ) -> Callable[[pd.DataFrame], Any]:
        """Call ``callback(filtered)`` after every update (or stop, with ``remove=True``).

        Exceptions raised by ``callback`` are shown in the panel and kept in
        :attr:`errors`; they do not stop the panel or other callbacks.

        Parameters
        ----------
        callback
            Called with :attr:`filtered`.
        remove
            Unregister ``callback`` instead.

        Returns
        -------
        callable
            ``callback``, so ``on_change`` works as a decorator.

        Raises
        ------
        auditkit.errors.InvalidParameterError
            ``callback`` is not callable, or ``remove`` is not a bool.

        Examples
        --------
        >>> import auditkit
        >>> df = auditkit.records_to_frame([{"id": "a", "actor": {"email": "ana@example.com"}}])
        >>> panel = FilterPanel(df, chart=False)
        >>> seen = []
        >>> _ = panel.on_change(lambda f: seen.append(len(f)))
        >>> panel.controls["search"].value = "nobody"
        >>> seen
        [0]
        """
        if not callable(callback):
            raise InvalidParameterError(
                "callback", f"must be a function of the filtered frame, got {_short(callback)}"
            )
        check_bool("remove", remove)
        if remove:
            with contextlib.suppress(ValueError):
                self._callbacks.remove(callback)
        else:
            self._callbacks.append(callback)
        return callback

    def reset(self) -> None:
        """Clear every filter (one update, not one per control).

        Examples
        --------
        >>> import auditkit
        >>> df = auditkit.records_to_frame([{"id": "a"}, {"id": "b"}])
        >>> panel = FilterPanel(df, chart=False)
        >>> panel.controls["search"].value = "a"
        >>> panel.reset(); panel.count
        2
        """
        with self.hold():
            for name in CHOICE_CONTROLS:
                self.controls[name].value = ()
            self.controls["result"].value = "all"
            slider = self.controls["date_range"]
            slider.index = (0, len(slider.options) - 1)
            self.controls["search"].value = ""

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Change several controls with one update at the end.

        Examples
        --------
        >>> import auditkit
        >>> df = auditkit.records_to_frame([{"id": "a", "interface": "UI"}, {"id": "b"}])
        >>> panel = FilterPanel(df, chart=False)
        >>> with panel.hold():
        ...     panel.controls["interface"].value = ("UI",)
        ...     panel.controls["search"].value = "a"
        >>> panel.filtered["id"].tolist()
        ['a']
        """
        if self._holding:
            yield
            return
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
            dirty, self._dirty = self._dirty, set()

            def run() -> None:
                for name in CONTROL_NAMES:
                    if name in dirty:
                        self._masks[name] = self._control_mask(name)
                self._update()

            self._guarded(run)

    def to_csv(self, path: str | Path) -> Path:
        """Write the matching rows to a CSV file.

        Written by :func:`auditkit.frame.write_frame`, the writer of ``auditkit
        fetch -o x.csv`` too (same bytes for the same rows): ``when`` as
        ``2026-10-01T12:00:00.000000Z``, JSON columns (``metadata``, values) as
        compact JSON text, missing values as empty fields; mode ``0600``, via a
        temporary file renamed into place.

        Parameters
        ----------
        path
            File to write (parent directories are created); CSV whatever its suffix.

        Returns
        -------
        pathlib.Path
            The absolute path written.

        Examples
        --------
        >>> import auditkit, tempfile, os
        >>> df = auditkit.records_to_frame([{"id": "a", "metadata": {"k": 1}}])
        >>> out = FilterPanel(df, chart=False).to_csv(os.path.join(tempfile.mkdtemp(), "x.csv"))
        >>> out.read_text().splitlines()[1]
        'a,,,,,,,,,,,,,,,,,,"{""k"":1}"'
        """
        from auditkit.frame import write_frame

        target = Path(path).expanduser().resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        return write_frame(self.filtered, target, format="csv")

    # ---------------------------------------------------------------- updating

    def _changed(self, name: str) -> None:
        if self._holding:
            self._dirty.add(name)
            return

        def run() -> None:
            self._masks[name] = self._control_mask(name)
            self._update()

        self._guarded(run)

    def _guarded(self, func: Callable[[], Any]) -> None:
        """Run ``func``; show any exception with its traceback inside the panel."""
        try:
            func()
        except Exception as exc:
            self._show_error(exc, "while updating the panel")

    def _show_error(self, exc: BaseException, where: str) -> None:
        self.errors.append(exc)
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        log.error("FilterPanel error %s:\n%s", where, text)
        self._errors.append_stderr(f"Error {where}:\n{text}")

    def _control_mask(self, name: str) -> np.ndarray | None:
        """The rows control ``name`` lets through, or ``None`` when it does not filter."""
        control = self.controls[name]
        if name in CHOICE_CONTROLS:
            return self._choices[name].mask(control.value)
        if name == "result":
            value = control.value
            if value == "succeeded":
                return self._succeeded
            if value == "failed":
                return self._failed
            return None
        if name == "date_range":
            lo, hi = control.index
            if lo == 0 and hi == len(control.options) - 1:
                return None
            first, last = int(self._days[lo]), int(self._days[hi])
            return self._has_when & (self._day >= first) & (self._day <= last)
        if name == "search":
            return self._search_mask(control.value)
        raise KeyError(name)  # pragma: no cover

    def _search_mask(self, query: str) -> np.ndarray | None:
        terms = list(dict.fromkeys(query.lower().split()))
        if not terms:
            return None
        blob = self._blob
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

    def _update(self) -> None:
        start = time.perf_counter()
        if self._errors.outputs:
            self._errors.outputs = ()
        mask = np.ones(len(self._df), dtype=bool)
        for m in self._masks.values():
            if m is not None:
                mask &= m
        self._mask = mask
        self._filtered = None
        self._render()
        self.last_update_ms = (time.perf_counter() - start) * 1000
        if self._callbacks:
            filtered = self.filtered
            for callback in list(self._callbacks):
                try:
                    callback(filtered)
                except Exception as exc:
                    self._show_error(exc, f"in on_change callback {callback!r}")

    # ---------------------------------------------------------------- rendering

    def _render(self) -> None:
        n, total = self.count, len(self._df)
        active = [name for name, m in self._masks.items() if m is not None]
        shown = f" &nbsp;<small>filters: {html.escape(', '.join(active))}</small>" if active else ""
        self._count.value = (
            f'<span class="ak-count"><b>{n:,}</b> of {total:,} entries match</span>{shown}'
        )
        lo, hi = self.controls["date_range"].value
        n_days = (hi - lo).days + 1
        self._range_label.value = f"{lo.isoformat()} → {hi.isoformat()} <small>({n_days:,} day{'s' if n_days > 1 else ''})</small>"
        self._summary.value = self._summary_html()
        self._table.value = self._rows_html()
        if self._chart_enabled:
            self._chart.value = self._chart_svg()

    def summary(self) -> pd.DataFrame:
        """Activity by actor over the matching rows: :func:`auditkit.analysis.activity_by_actor`.

        Its columns :data:`SUMMARY_COLUMNS` (``actor``, ``events``, ``failures``,
        ``first_seen``, ``last_seen``, ``distinct_ips``, ``distinct_zones``,
        ``top_action``), in its order: events (descending), then actor. The
        "By actor" table shows the first ``top_actors`` rows.

        Examples
        --------
        >>> import auditkit
        >>> df = auditkit.records_to_frame([
        ...     {"action": {"type": "login", "result": False}, "actor": {"email": "a@x"}},
        ...     {"action": {"type": "login", "result": True}, "actor": {"email": "a@x"}},
        ... ])
        >>> FilterPanel(df, chart=False).summary()[["actor", "events", "failures"]]
          actor  events  failures
        0   a@x       2         1
        """
        rows = self._summary_input
        if not self._mask.all():
            rows = rows[self._mask]
        return activity_by_actor(rows)[list(SUMMARY_COLUMNS)]

    def _summary_html(self) -> str:
        summary = self.summary()
        total = len(summary)
        head = summary.head(self._top_actors)
        if head.empty:
            return '<div class="ak-table"><i>no matching entries</i></div>'
        view = pd.DataFrame(
            {
                "actor": head["actor"].astype(object),
                "events": head["events"].map("{:,}".format),
                "failures": head["failures"].map("{:,}".format),
                "IPs": head["distinct_ips"],
                "zones": head["distinct_zones"],
                "top action": head["top_action"].astype(object).fillna(""),
                "last seen": head["last_seen"].dt.strftime("%Y-%m-%d %H:%M").fillna(""),
            }
        )
        more = (
            f"<div><small>… and {total - len(head):,} more actors</small></div>"
            if total > len(head)
            else ""
        )
        return f'<div class="ak-table">{view.to_html(index=False, border=0)}{more}</div>'

    def _rows_html(self) -> str:
        positions = np.flatnonzero(self._mask)[: self._rows]
        if len(positions) == 0:
            return '<div class="ak-table"><i>no matching entries</i></div>'
        rows = self._df.iloc[positions]
        actor = self._actor_uniques[self._actor_codes[positions]]
        when = rows["when"]
        when_text = (
            when.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
            if isinstance(when.dtype, pd.DatetimeTZDtype)
            else when.astype(str)
        )
        result = [
            "ok" if v is True else ("FAILED" if v is False else "")
            for v in rows["action_result"].astype(object).where(rows["action_result"].notna(), None)
        ]
        change = []
        for old, new in zip(
            rows.get("old_value", pd.Series([None] * len(rows))).astype(object),
            rows.get("new_value", pd.Series([None] * len(rows))).astype(object),
            strict=True,
        ):
            o = "" if _missing(old) else str(old)
            v = "" if _missing(new) else str(new)
            change.append(f"{o} → {v}"[:60] if o or v else "")
        view = pd.DataFrame(
            {
                "when": when_text.to_numpy(dtype=object),
                "actor": actor,
                "action_type": text_labels(rows["action_type"]).to_numpy(dtype=object),
                "result": result,
                "resource_type": text_labels(rows["resource_type"]).to_numpy(dtype=object),
                "resource_id": rows["resource_id"].astype(object).fillna("").to_numpy(),
                "zone_name": rows["zone_name"].astype(object).fillna("").to_numpy(),
                "interface": rows["interface"].astype(object).fillna("").to_numpy(),
                "actor_ip": rows["actor_ip"].astype(object).fillna("").to_numpy(),
                "change": change,
            }
        )
        more = self.count - len(view)
        tail = f"<div><small>… and {more:,} more</small></div>" if more > 0 else ""
        table = view[list(ROW_COLUMNS)].to_html(index=False, border=0)
        table = table.replace("<td>FAILED</td>", '<td class="ak-failed">FAILED</td>')
        return f'<div class="ak-table">{table}{tail}</div>'

    def chart_data(self) -> pd.DataFrame:
        """Matching events per day (UTC) over the selected date range, as the chart shows.

        Returns
        -------
        pandas.DataFrame
            Index ``day`` (:class:`datetime.date`; weeks or 30-day periods when the
            frame spans more than 400 or 3,000 days), columns ``events`` and ``failed``.

        Examples
        --------
        >>> import auditkit
        >>> df = auditkit.records_to_frame([
        ...     {"when": "2026-10-01T09:00:00Z", "action": {"result": False}},
        ...     {"when": "2026-10-03T09:00:00Z"}])
        >>> FilterPanel(df, chart=False).chart_data()["events"].tolist()
        [1, 0, 1]
        """
        step, first, counts, fails = self._binned()
        lo, hi = self.controls["date_range"].index
        lo_bin, hi_bin = lo // step, hi // step + 1
        days = [_as_date(first + i * step) for i in range(lo_bin, hi_bin)]
        return pd.DataFrame(
            {"events": counts[lo_bin:hi_bin], "failed": fails[lo_bin:hi_bin]},
            index=pd.Index(days, name="day"),
        )

    def _binned(self) -> tuple[int, int, np.ndarray, np.ndarray]:
        n_days = len(self._days)
        step = 1 if n_days <= 400 else (7 if n_days <= 3000 else 30)
        first = int(self._days[0])
        n_bins = (n_days + step - 1) // step
        m = self._mask & self._has_when
        bins = (self._day[m] - first) // step
        counts = np.bincount(bins, minlength=n_bins)
        fails = np.bincount(bins[self._failed[m]], minlength=n_bins)
        return step, first, counts, fails

    def _chart_svg(self) -> str:
        """The activity chart as inline SVG: events per day, failures in red.

        Drawn by hand (two step areas, gridlines, date ticks) rather than with
        matplotlib: it costs about a millisecond, stays sharp at any zoom and
        takes its text colour from the notebook theme.
        """
        step, first, counts, fails = self._binned()
        lo, hi = self.controls["date_range"].index
        lo_bin, hi_bin = lo // step, hi // step + 1
        counts, fails = counts[lo_bin:hi_bin], fails[lo_bin:hi_bin]
        x0_day = first + lo_bin * step
        span = max(len(counts) * step, 1)
        width, height = 640, 210
        left, right, top, bottom = 46, 12, 26, 30
        pw, ph = width - left - right, height - top - bottom
        ymax, yticks = _nice_ticks(int(counts.max()) if len(counts) else 0)

        def sx(day: Any) -> Any:  # a number or an array of them
            return left + (day - x0_day) / span * pw

        def sy(v: Any) -> Any:
            return top + ph - v / ymax * ph

        def area(values: np.ndarray) -> str:
            if not len(values) or not values.any():
                return ""
            xs = sx(x0_day + step * np.arange(len(values) + 1))
            ys = sy(values.astype(float))
            pts = [f"M{xs[0]:.1f},{sy(0):.1f}"]
            for i, y in enumerate(ys):
                pts.append(f"L{xs[i]:.1f},{y:.1f}L{xs[i + 1]:.1f},{y:.1f}")
            pts.append(f"L{xs[-1]:.1f},{sy(0):.1f}Z")
            return "".join(pts)

        period = {1: "day", 7: "week", 30: "30 days"}[step]
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" class="ak-svg" '
            'style="font: 11px sans-serif; color: inherit">',
            f"<title>Matching events per {period} (UTC)</title>",
            f'<text x="{left}" y="14" fill="currentColor" font-weight="600">'
            f"Matching events per {period} (UTC)</text>",
            f'<rect x="{width - 150}" y="6" width="10" height="10" fill="{_EVENT_COLOR}"/>'
            f'<text x="{width - 136}" y="15" fill="currentColor">events</text>'
            f'<rect x="{width - 84}" y="6" width="10" height="10" fill="{_FAILURE_COLOR}"/>'
            f'<text x="{width - 70}" y="15" fill="currentColor">failed</text>',
        ]
        for v in yticks:
            y = sy(v)
            out.append(
                f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                'stroke="currentColor" stroke-opacity="0.15"/>'
                f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                f'fill="currentColor">{v:,}</text>'
            )
        out.append(f'<path d="{area(counts)}" fill="{_EVENT_COLOR}"/>')
        out.append(f'<path d="{area(fails)}" fill="{_FAILURE_COLOR}"/>')
        base = sy(0)
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{base:.1f}" y2="{base:.1f}" '
            'stroke="currentColor" stroke-opacity="0.6"/>'
        )
        for day, label in _date_ticks(x0_day, x0_day + span):
            x = sx(day)
            out.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base:.1f}" y2="{base + 4:.1f}" '
                'stroke="currentColor" stroke-opacity="0.6"/>'
                f'<text x="{x:.1f}" y="{base + 17:.1f}" text-anchor="middle" '
                f'fill="currentColor">{html.escape(label)}</text>'
            )
        out.append("</svg>")
        return "".join(out)

    def _export_clicked(self) -> None:
        path = self.to_csv(self.export_file.value or "audit-filtered.csv")
        self._status.value = f"wrote {self.count:,} rows to <code>{html.escape(str(path))}</code>"
