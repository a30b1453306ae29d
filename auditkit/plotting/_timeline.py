"""What changed: value changes per resource on a time axis
(:func:`plot_change_timeline`), with its row names and non-overlapping labels."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from auditkit.analysis import change_timeline
from auditkit.analysis._checks import check_filter, check_int, require_columns
from auditkit.analysis._columns import check_when, required_for

from ._axes import _axes, _check_ax, _date_axis, _no_data
from ._style import _clip

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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
    require_columns(df, required_for(df, "change_timeline"), "plot_change_timeline")
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
