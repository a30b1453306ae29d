"""Plots of the audit-log frame (matplotlib).

Every function draws on ``ax`` (or on a new figure's axes when ``ax`` is
``None``), returns the :class:`~matplotlib.axes.Axes` and never calls
``plt.show()``. matplotlib is imported inside the functions, so importing
:mod:`auditkit` stays fast.

Style: colours come from the active matplotlib colour cycle (plus a neutral grey
for "other" and a red for failures), text and backgrounds from the active style,
so the plots read on light and dark notebook themes alike. Time axes use real
dates with :class:`~matplotlib.dates.ConciseDateFormatter`.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from auditkit.frame import records_to_frame
>>> df = records_to_frame([{"when": "2026-10-01T09:00:00Z", "actor": {"email": "ana@example.com"}}])
>>> ax = plot_activity(df)
>>> ax.get_title()
'Events per day by actor'
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from auditkit.analysis import (
    REQUIRED_COLUMNS,
    _short,
    activity_by_actor,
    activity_heatmap,
    activity_over_time,
    change_timeline,
    check_by,
    check_filter,
    check_freq,
    check_int,
    check_tz,
    check_when,
    require_columns,
)
from auditkit.errors import InvalidParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_activity",
    "plot_activity_heatmap",
    "plot_actor_summary",
    "plot_change_timeline",
]

#: Colour of the "other" group: a mid grey that reads on light and dark backgrounds.
OTHER_COLOR = "#8c8c8c"
#: Colour of failures in :func:`plot_actor_summary`.
FAILURE_COLOR = "#d62728"
#: Label of the group that collects everything past the top N.
OTHER_LABEL = "other"

_PERIOD_NAMES = {
    "min": "minute",
    "T": "minute",
    "h": "hour",
    "H": "hour",
    "D": "day",
    "B": "business day",
    "W": "week",
    "MS": "month",
    "ME": "month",
    "M": "month",
    "QS": "quarter",
    "QE": "quarter",
    "YS": "year",
    "YE": "year",
}


def _check_ax(ax: Any) -> None:
    """Raise :class:`~auditkit.errors.InvalidParameterError` unless ``ax`` is ``None`` or Axes."""
    if ax is None:
        return
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise InvalidParameterError("ax", f"must be a matplotlib Axes or None, got {_short(ax)}")


def _check_cmap(cmap: Any) -> None:
    import matplotlib as mpl
    from matplotlib.colors import Colormap

    if isinstance(cmap, Colormap):
        return
    if not isinstance(cmap, str) or cmap not in mpl.colormaps:
        raise InvalidParameterError(
            "cmap", f"must be a matplotlib colormap name such as 'viridis', got {_short(cmap)}"
        )


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax``, or the axes of a new figure (constrained layout)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def _date_axis(ax: Axes) -> None:
    """Real dates on the x axis: auto locator, concise formatter."""
    import matplotlib.dates as mdates

    ax.xaxis_date()
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _naive(index: pd.DatetimeIndex) -> np.ndarray:
    """Wall-clock ``datetime64`` values (matplotlib plots naive dates as given)."""
    if index.tz is not None:
        index = index.tz_localize(None)
    return index.to_numpy()


def _tz_label(tz: str | None) -> str:
    return "UTC" if tz is None else str(tz)


def _period_name(freq: str) -> str:
    base = freq.lstrip("0123456789")
    name = _PERIOD_NAMES.get(base) or _PERIOD_NAMES.get(base.split("-")[0])
    if name is None:
        return f"{freq} period"
    return name if base == freq else f"{freq} period"


def _no_data(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", alpha=0.7)


def _period_bounds(index: pd.DatetimeIndex, freq: str) -> tuple[np.ndarray, np.ndarray]:
    """Left edges and widths of the periods ``activity_over_time`` labels ``index``."""
    offset = pd.tseries.frequencies.to_offset(freq)
    probe = pd.Timestamp("2001-01-10 12:34:56", tz=index.tz)
    label = pd.Series([1], index=[probe]).resample(freq).sum().index[0]
    left = index if label <= probe else index - offset
    right = left + offset
    return _naive(pd.DatetimeIndex(left)), _naive(pd.DatetimeIndex(right)) - _naive(
        pd.DatetimeIndex(left)
    )


def _group_colors(n: int) -> list[Any]:
    """``n`` colours from the active style's colour cycle, leaving out greys (which
    would read as "other"); the cycle's own colours if it has nothing else."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import rgb_to_hsv, to_rgb

    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color") or ["C0"]
    vivid = [c for c in cycle if rgb_to_hsv(to_rgb(c))[1] >= 0.15] or list(cycle)
    return [vivid[i % len(vivid)] for i in range(n)]


def _top_columns(wide: pd.DataFrame, top: int) -> pd.DataFrame:
    """The first ``top`` columns plus an ``other`` column summing the rest."""
    check_int("top", top, 1)
    if wide.shape[1] <= top:
        return wide
    kept = wide.iloc[:, :top].copy()
    kept[OTHER_LABEL] = wide.iloc[:, top:].sum(axis=1)
    return kept


def plot_activity(
    df: pd.DataFrame,
    freq: str = "D",
    by: str | None = "actor",
    *,
    top: int = 8,
    tz: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Stacked event counts over time, one colour per group.

    Parameters
    ----------
    df
        Audit-log frame.
    freq, by, tz
        As for :func:`auditkit.analysis.activity_over_time`.
    top
        Groups shown by name (the most active); the rest are stacked as ``"other"``.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        One bar container per group (bottom to top: most active first, ``other``
        last), bars spanning their period; legend titled ``by``.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        Before drawing: ``df`` is not a frame with the needed columns; ``freq`` is
        not a pandas frequency string; ``by`` or ``tz`` is bad (as for
        :func:`~auditkit.analysis.activity_over_time`); ``top`` is not an integer
        >= 1; ``ax`` is not an Axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([
    ...     {"when": "2026-10-01T09:00:00Z", "actor": {"email": "ana@example.com"}},
    ...     {"when": "2026-10-01T11:00:00Z", "actor": {"email": "ana@example.com"}},
    ...     {"when": "2026-10-02T09:00:00Z", "actor": {"id": "1", "type": "system"}},
    ... ])
    >>> ax = plot_activity(df, freq="D")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['ana@example.com', '1']
    """
    from matplotlib.ticker import MaxNLocator

    require_columns(df, REQUIRED_COLUMNS["activity_over_time"], "plot_activity")
    check_when(df)
    check_freq(freq, text_only=True)
    check_by(df, by)
    check_tz(tz)
    check_int("top", top, 1)
    _check_ax(ax)
    wide = activity_over_time(df, freq=freq, by=by, tz=tz)
    ax = _axes(ax, (10, 4))
    period = _period_name(freq)
    ax.set_title(f"Events per {period}" + (f" by {by}" if by is not None else ""))
    ax.set_ylabel("events")
    ax.set_xlabel(f"date ({_tz_label(tz)})")
    _date_axis(ax)
    if wide.empty or wide.shape[1] == 0:
        _no_data(ax, "no events")
        return ax
    wide = _top_columns(wide, top)
    left, width = _period_bounds(pd.DatetimeIndex(wide.index), freq)
    bottom = np.zeros(len(wide), dtype=np.int64)
    collapsed = wide.shape[1] > top
    colors = _group_colors(wide.shape[1])
    for i, name in enumerate(wide.columns):
        heights = wide[name].to_numpy(dtype=np.int64)
        color = OTHER_COLOR if collapsed and i == wide.shape[1] - 1 else colors[i]
        ax.bar(
            left,
            heights,
            width=width,
            bottom=bottom,
            align="edge",
            label=str(name),
            color=color,
            linewidth=0,
        )
        bottom = bottom + heights
    ax.set_ylim(0, max(1, int(bottom.max())) * 1.05)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    if by is not None:
        ax.legend(title=by, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def plot_activity_heatmap(
    df: pd.DataFrame,
    *,
    tz: str | None = None,
    cmap: str = "viridis",
    ax: Axes | None = None,
) -> Axes:
    """Events by weekday (rows) and hour of day (columns), to spot off-hours work.

    Cells without events are left transparent, so the background shows through on
    any theme; a colour bar gives the counts.

    Parameters
    ----------
    df
        Audit-log frame.
    tz
        Time zone of the weekdays and hours (UTC by default).
    cmap
        matplotlib colormap name.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        With one image whose (masked) array is
        :func:`auditkit.analysis.activity_heatmap` (zeros masked).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        Before drawing: ``df`` is not a frame with the needed columns; ``tz`` is
        not a time zone; ``cmap`` is not a colormap (name); ``ax`` is not an Axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([{"when": "2026-10-03T23:30:00Z"}])
    >>> ax = plot_activity_heatmap(df)
    >>> int(ax.images[0].get_array().filled(0)[5, 23])
    1
    """
    require_columns(df, REQUIRED_COLUMNS["activity_heatmap"], "plot_activity_heatmap")
    check_when(df)
    check_tz(tz)
    _check_cmap(cmap)
    _check_ax(ax)
    counts = activity_heatmap(df, tz=tz)
    ax = _axes(ax, (10, 3.6))
    values = np.ma.masked_equal(counts.to_numpy(dtype=np.int64), 0)
    vmax = max(1, int(counts.to_numpy().max()))
    image = ax.imshow(values, aspect="auto", cmap=cmap, interpolation="nearest", vmin=0, vmax=vmax)
    colorbar = ax.figure.colorbar(image, ax=ax, pad=0.02)
    colorbar.set_label("events")
    outline: Any = (
        colorbar.outline
    )  # typed differently by matplotlib's stubs from one release to the next
    outline.set_visible(False)
    ax.set_yticks(range(len(counts.index)), labels=list(counts.index))
    ax.set_xticks(range(0, 24, 2), labels=[f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xticks(np.arange(-0.5, 24, 1), minor=True)
    ax.tick_params(axis="x", which="minor", length=0)
    ax.set_xlabel(f"hour of day ({_tz_label(tz)})")
    ax.set_ylabel("weekday")
    ax.set_title(f"Events by weekday and hour ({_tz_label(tz)})")
    for spine in ax.spines.values():
        spine.set_visible(False)
    if not counts.to_numpy().any():
        _no_data(ax, "no events")
    return ax


def _colormap(name: str) -> Any:
    """``name`` as a colormap; for the default, viridis without its darkest and
    lightest ends, so that even the smallest count reads on black and on white."""
    import matplotlib as mpl

    if name != "viridis":
        return mpl.colormaps[name]
    from matplotlib.colors import ListedColormap

    return ListedColormap(mpl.colormaps["viridis"](np.linspace(0.12, 0.95, 256)), name="viridis")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"


def _change_label(rows: pd.DataFrame, row_name: str | None, max_label: int) -> str:
    """``"name: old -> new"`` per change of one event (no name when the row is named
    after it), ``"; "``-joined."""
    parts = []
    for key, setting, old, new in zip(
        rows["key"], rows["setting"], rows["old_value"], rows["new_value"], strict=True
    ):
        o = "(none)" if pd.isna(old) else _clip(str(old), 24)
        n = "(none)" if pd.isna(new) else _clip(str(new), 24)
        name = setting if pd.isna(key) else key
        shown = not pd.isna(name) and name != row_name
        parts.append(f"{name}: {o} -> {n}" if shown else f"{o} -> {n}")
    return _clip("; ".join(parts), max_label)


def _resource_label(resource_type: Any, resource_id: Any, name: Any, zone: Any) -> str:
    if pd.isna(name):
        is_zone = not pd.isna(resource_type) and resource_type == "zone"
        name = zone if is_zone and not pd.isna(zone) else resource_id
    name = "(unknown)" if pd.isna(name) else _clip(str(name), 32)
    return name if pd.isna(resource_type) else f"{name} ({resource_type})"


def _timeline_rows(changes: pd.DataFrame, by_key: bool) -> list[str]:
    """Row label per change: the resource, plus the setting (or, if ``by_key``, the key)."""
    labels = []
    for rtype, rid, rname, zone, setting, key in zip(
        changes["resource_type"],
        changes["resource_id"],
        changes["resource_name"],
        changes["zone_name"],
        changes["setting"],
        changes["key"],
        strict=True,
    ):
        label = _resource_label(rtype, rid, rname, zone)
        name = setting if not pd.isna(setting) else (key if by_key else None)
        labels.append(label if name is None or pd.isna(name) else f"{label} · {name}")
    return labels


def plot_change_timeline(
    df: pd.DataFrame,
    resource_id: str | Iterable[str] | None = None,
    resource_type: str | Iterable[str] | None = None,
    zone_name: str | Iterable[str] | None = None,
    setting: str | Iterable[str] | None = None,
    *,
    max_label: int = 60,
    max_rows: int = 25,
    ax: Axes | None = None,
) -> Axes:
    """Value changes on a time axis, one row per resource, each labelled old -> new.

    Rows are resources, split by setting for setting changes (``"example.com (zone) ·
    ssl"``) and, when ``setting`` is given, by JSON key too; when all rows belong to
    one resource, the rows are named by setting alone and the resource is the y-axis
    label. Each changed event is a point labelled ``"old -> new"`` (``"key: old ->
    new"`` for JSON keys on a resource row, several joined by ``"; "``); where labels
    would overlap, later ones are left out (the points stay).

    Parameters
    ----------
    df
        Audit-log frame.
    resource_id, resource_type, zone_name, setting
        Filters, as for :func:`auditkit.analysis.change_timeline`.
    max_label
        Longest label, in characters (longer ones end in ``…``).
    max_rows
        Rows shown: those with the most changed events.
    ax
        Axes to draw on; a new figure (its height fitting the rows) when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        One scatter (a point per changed event and row; x: its time) and the
        annotations; y tick labels name the rows, earliest changed on top.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        Before drawing: ``df`` is not a frame with the needed columns; a filter is
        not a string or an iterable of strings; ``max_label`` or ``max_rows`` is
        not an integer >= 1; ``ax`` is not an Axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([{"id": "s", "when": "2026-10-01T09:00:00Z",
    ...     "action": {"type": "change_setting"}, "resource": {"type": "zone", "id": "z"},
    ...     "oldValue": "high", "newValue": "low",
    ...     "metadata": {"name": "security_level", "zone_name": "example.com"}}])
    >>> ax = plot_change_timeline(df)
    >>> [t.get_text() for t in ax.texts], [t.get_text() for t in ax.get_yticklabels()]
    (['high -> low'], ['security_level'])
    >>> ax.get_ylabel()
    'example.com (zone)'
    """
    require_columns(df, REQUIRED_COLUMNS["change_timeline"], "plot_change_timeline")
    check_when(df)
    resource_id = check_filter("resource_id", resource_id)
    resource_type = check_filter("resource_type", resource_type)
    zone_name = check_filter("zone_name", zone_name)
    setting = check_filter("setting", setting)
    check_int("max_label", max_label, 1)
    check_int("max_rows", max_rows, 1)
    _check_ax(ax)
    changes = change_timeline(
        df,
        resource_id=resource_id,
        resource_type=resource_type,
        zone_name=zone_name,
        setting=setting,
    ).dropna(subset=["when"])
    by_key = setting is not None
    changes = changes.assign(
        _row=_timeline_rows(changes, by_key),
        _event=changes["id"].fillna("").astype(str) + "@" + changes["when"].astype(str),
    )
    points = changes.drop_duplicates(["_row", "_event"])
    counts = points.groupby("_row", sort=False).size()
    keep = counts.sort_values(ascending=False, kind="stable").index[:max_rows]
    first = points[points["_row"].isin(keep)].groupby("_row")["when"].min()
    rows = list(first.sort_values(kind="stable").index)
    ax = _axes(ax, (10, max(2.5, 0.45 * len(rows) + 1.6)))
    filters = {
        "resource_id": resource_id,
        "resource_type": resource_type,
        "zone_name": zone_name,
        "setting": setting,
    }
    shown = [
        f"{k}={v if isinstance(v, str) else ', '.join(map(str, v))}"
        for k, v in filters.items()
        if v is not None
    ]
    title = "Value changes" + (f" ({'; '.join(shown)})" if shown else "")
    ax.set_title(textwrap.fill(title, 80) if len(title) > 80 else title)
    ax.set_xlabel("time (UTC)")
    ax.set_ylabel("")
    _date_axis(ax)
    if not rows:
        _no_data(ax, "no value changes")
        ax.set_yticks([])
        return ax
    row_of = {r: i for i, r in enumerate(rows)}
    named = {r: r.rsplit(" · ", 1)[1] if " · " in r else None for r in rows}
    xs: list[np.datetime64] = []
    ys: list[int] = []
    labels: list[str] = []
    for (row, _), group in changes.groupby(["_row", "_event"], sort=False):
        if row not in row_of:
            continue
        xs.append(group["when"].iloc[0].tz_convert(None).to_datetime64())
        ys.append(row_of[row])
        labels.append(_change_label(group, named[row], max_label))
    ax.scatter(np.array(xs, dtype="datetime64[us]"), ys, s=30, zorder=3)
    if len(set(xs)) == 1:
        pad = np.timedelta64(1, "h")
        low: Any = xs[0] - pad  # datetimes: matplotlib's stubs say float
        high: Any = xs[0] + pad
        ax.set_xlim(low, high)
    _annotate_without_overlap(ax, xs, ys, labels)
    ax.set_yticks(range(len(rows)), labels=_row_ticks(ax, rows))
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="x", alpha=0.3)
    ax.grid(axis="y", visible=False)
    ax.set_axisbelow(True)
    return ax


def _row_ticks(ax: Axes, rows: list[str]) -> list[str]:
    """Row labels; when every row is one resource, its name moves to the y label."""
    resources = {r.split(" · ", 1)[0] for r in rows}
    if len(resources) != 1 or not any(" · " in r for r in rows):
        return rows
    ax.set_ylabel(resources.pop())
    return [r.split(" · ", 1)[1] if " · " in r else "(other values)" for r in rows]


def _annotate_without_overlap(
    ax: Axes, xs: list[np.datetime64], ys: list[int], labels: list[str], fontsize: float = 8
) -> None:
    """Label points (in time order per row) above or below them; a label that would
    overlap both the previous label above and the previous one below is left out."""
    import matplotlib.dates as mdates

    ax.autoscale_view()
    left, right = ax.get_xlim()
    width_px = max(ax.get_window_extent().width, 1.0)
    char = fontsize * 0.62 * ax.figure.dpi / 72 / width_px * (right - left)
    levels = (6, -13)
    last_end: dict[tuple[int, int], float] = {}
    for x, y, label in zip(xs, ys, labels, strict=True):
        start = float(mdates.date2num(x))
        for level in levels:
            if start >= last_end.get((y, level), -np.inf):
                last_end[(y, level)] = start + char * (len(label) + 2)
                point: Any = (x, y)  # a datetime x: matplotlib's stubs say float
                ax.annotate(
                    label,
                    point,
                    xytext=(5, level),
                    textcoords="offset points",
                    fontsize=fontsize,
                )
                break


def plot_actor_summary(df: pd.DataFrame, *, top: int = 15, ax: Axes | None = None) -> Axes:
    """Events and failures per actor, as horizontal bars (most active on top).

    Parameters
    ----------
    df
        Audit-log frame.
    top
        Actors shown: the most active ones.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        Two bar containers, labelled ``events`` and ``failures`` (bar widths are
        the counts of :func:`auditkit.analysis.activity_by_actor`), y tick labels
        the actors.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        Before drawing: ``df`` is not a frame with the needed columns; ``top`` is
        not an integer >= 1; ``ax`` is not an Axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([
    ...     {"action": {"type": "login", "result": False}, "actor": {"email": "ana@example.com"}},
    ...     {"action": {"type": "login", "result": True}, "actor": {"email": "ana@example.com"}},
    ...     {"action": {"type": "purge", "result": True}, "actor": {"id": "1"}},
    ... ])
    >>> ax = plot_actor_summary(df)
    >>> events, failures = ax.containers
    >>> [float(p.get_width()) for p in events], [float(p.get_width()) for p in failures]
    ([2.0, 1.0], [1.0, 0.0])
    """
    from matplotlib.ticker import MaxNLocator

    require_columns(df, REQUIRED_COLUMNS["activity_by_actor"], "plot_actor_summary")
    check_when(df)
    check_int("top", top, 1)
    _check_ax(ax)
    summary = activity_by_actor(df)
    total = len(summary)
    summary = summary.head(top)
    ax = _axes(ax, (8, max(2.5, 0.4 * len(summary) + 1.2)))
    title = "Events and failures per actor"
    if total > top:
        title += f" (top {top} of {total})"
    ax.set_title(title)
    ax.set_xlabel("events")
    if summary.empty:
        _no_data(ax, "no events")
        return ax
    y = np.arange(len(summary))
    events = ax.barh(
        y - 0.2, summary["events"].to_numpy(dtype=float), height=0.4, label="events", linewidth=0
    )
    failures = ax.barh(
        y + 0.2,
        summary["failures"].to_numpy(dtype=float),
        height=0.4,
        label="failures",
        color=FAILURE_COLOR,
        linewidth=0,
    )
    ax.bar_label(events, padding=2, fontsize=8)
    ax.bar_label(
        failures, labels=[str(v) if v else "" for v in summary["failures"]], padding=2, fontsize=8
    )
    ax.set_yticks(y, labels=[_clip(str(a), 40) for a in summary["actor"]])
    ax.set_ylim(len(summary) - 0.5, -0.5)
    ax.set_xlim(0, float(summary["events"].max()) * 1.12)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(loc="lower right", frameon=False)
    return ax
