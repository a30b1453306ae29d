"""When events happen: events per period stacked by group (:func:`plot_activity`)
and events by weekday and hour (:func:`plot_activity_heatmap`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from auditkit.analysis import activity_heatmap, activity_over_time
from auditkit.analysis._checks import check_freq, check_int, check_tz, require_columns
from auditkit.analysis._columns import REQUIRED_COLUMNS, check_by, check_when

from ._axes import _axes, _check_ax, _date_axis, _no_data
from ._style import OTHER_COLOR, OTHER_LABEL, _check_cmap, _group_colors
from ._time import _period_bounds, _period_name, _tz_label

if TYPE_CHECKING:
    from matplotlib.axes import Axes


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
