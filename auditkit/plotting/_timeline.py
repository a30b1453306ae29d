"""What changed: value changes per resource on a time axis
(:func:`plot_change_timeline`), with its row names and non-overlapping labels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from auditkit.analysis import change_timeline
from auditkit.analysis._checks import check_filter, check_int, require_columns
from auditkit.analysis._columns import check_when, required_for

from ._axes import _axes, _check_ax, _date_axis, _no_data
from ._labels import fit_text, place_labels
from ._style import FAILURE_COLOR, _clip, _group_colors

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
    new"`` for JSON keys on a resource row, several joined by ``"; "``). Events that
    :func:`auditkit.analysis.risky_changes` flags on ``df`` (matched by ``id``) are
    downgrades: red triangles with red labels, named in the legend, and labelled
    first. Labels are measured by the renderer and placed beside their point (above
    or below, right or left) where they overlap no other label or marker and stay
    inside the Axes; a label with no such place is left out (its point stays). The
    title stays on one line (clipped with ``…`` to the Axes' width).

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
        A scatter labelled ``change`` (a point per changed event and row; x: its
        time), a second one labelled ``downgrade (risky_changes)`` when
        there are any, the annotations (downgrades' in ``FAILURE_COLOR``) and the
        legend; y tick labels name the rows, earliest changed on top.

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
    ax.set_title(title)
    ax.set_xlabel("time (UTC)")
    ax.set_ylabel("")
    _date_axis(ax)
    if not rows:
        _no_data(ax, "no value changes")
        ax.set_yticks([])
        return ax
    row_of = {r: i for i, r in enumerate(rows)}
    named = {r: r.rsplit(" · ", 1)[1] if " · " in r else None for r in rows}
    flagged = _flagged_ids(df)
    xs: list[np.datetime64] = []
    ys: list[int] = []
    labels: list[str] = []
    risky: list[bool] = []
    for (row, _), group in changes.groupby(["_row", "_event"], sort=False):
        if row not in row_of:
            continue
        xs.append(group["when"].iloc[0].tz_convert(None).to_datetime64())
        ys.append(row_of[row])
        labels.append(_change_label(group, named[row], max_label))
        event_id = group["id"].iloc[0]
        risky.append(not pd.isna(event_id) and str(event_id) in flagged)
    x = np.array(xs, dtype="datetime64[us]")
    y = np.array(ys, dtype=float)
    bad = np.array(risky, dtype=bool)
    ax.scatter(x[~bad], y[~bad], s=30, zorder=3, color=_group_colors(1)[0], label="change")
    if bad.any():
        ax.scatter(
            x[bad],
            y[bad],
            s=55,
            marker="v",
            zorder=4,
            color=FAILURE_COLOR,
            label="downgrade (risky_changes)",
        )
    _set_xlim(ax, xs)
    ax.set_yticks(range(len(rows)), labels=_row_ticks(ax, rows))
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="x", alpha=0.3)
    ax.grid(axis="y", visible=False)
    ax.set_axisbelow(True)
    legend = ax.legend(loc="best", fontsize=8, framealpha=0.9)
    _fit_title(ax, title)
    legend_box = _pin_legend(ax, legend)
    # Downgrades are labelled first, then the rest in time order.
    order = sorted(range(len(xs)), key=lambda i: (not risky[i], xs[i], ys[i]))
    place_labels(
        ax,
        list(zip(xs, ys, strict=True)),
        labels,
        order=order,
        colors=[FAILURE_COLOR if r else None for r in risky],
        markers=list(zip(xs, ys, strict=True)),
        obstacles=[legend_box],
    )
    return ax


def _flagged_ids(df: pd.DataFrame) -> set[str]:
    """Ids of the events :func:`~auditkit.analysis.risky_changes` flags (none if it
    cannot run on ``df``: a frame without the columns its rules read)."""
    from auditkit.analysis import risky_changes
    from auditkit.errors import AuditKitError

    try:
        found = risky_changes(df)
    except AuditKitError:
        return set()
    return {str(i) for i in found["id"].dropna()}


def _set_xlim(ax: Axes, xs: list[np.datetime64]) -> None:
    """The events' time span plus 3 % each side (an hour each side for one instant)."""
    low_t, high_t = min(xs), max(xs)
    pad = (high_t - low_t) * 0.03 if high_t > low_t else np.timedelta64(1, "h")
    low: Any = low_t - pad  # datetimes: matplotlib's stubs say float
    high: Any = high_t + pad
    ax.set_xlim(low, high)


def _pin_legend(ax: Axes, legend: Any) -> tuple[float, float, float, float]:
    """Fix the legend where ``loc="best"`` put it (away from the markers; the labels,
    placed later, must not move it) and return its box in pixels."""
    from ._labels import _renderer

    box = legend.get_window_extent(_renderer(ax))
    x0, y0 = ax.transAxes.inverted().transform((box.x0, box.y0))
    legend.set_loc((float(x0), float(y0)))
    return (float(box.x0), float(box.y0), float(box.x1), float(box.y1))


def _fit_title(ax: Axes, title: str) -> None:
    """``title`` on one line, clipped with ``…`` to the Axes' width."""
    from ._labels import _renderer

    text = ax.set_title(title)
    renderer = _renderer(ax)
    frame = ax.get_window_extent(renderer)
    limit = min(frame.x1, ax.figure.bbox.x1)

    def fits(candidate: str) -> bool:
        text.set_text(candidate)
        return float(text.get_window_extent(renderer).x1) <= limit

    text.set_text(fit_text(title, fits))


def _row_ticks(ax: Axes, rows: list[str]) -> list[str]:
    """Row labels; when every row is one resource, its name moves to the y label."""
    resources = {r.split(" · ", 1)[0] for r in rows}
    if len(resources) != 1 or not any(" · " in r for r in rows):
        return rows
    ax.set_ylabel(resources.pop())
    return [r.split(" · ", 1)[1] if " · " in r else "(other values)" for r in rows]
