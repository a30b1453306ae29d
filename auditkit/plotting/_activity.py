"""When events happen: events per period stacked by group (:func:`plot_activity`)
and events by weekday and hour (:func:`plot_activity_heatmap`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from auditkit.analysis import activity_heatmap, activity_over_time
from auditkit.analysis._checks import check_freq, check_int, check_tz, require_columns
from auditkit.analysis._columns import REQUIRED_COLUMNS, _when, check_by, check_when

from ._axes import _axes, _check_ax, _date_axis, _no_data
from ._style import OTHER_COLOR, OTHER_LABEL, _check_cmap, _colormap, _group_colors
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


#: Periods :func:`plot_activity` chooses from when ``freq`` is not given, finest first.
AUTO_FREQS = ("D", "W", "MS", "QS", "YS")
#: Most bars a chosen period may give.
MAX_BARS = 90
#: How a partial period's bars are drawn: hatched and lighter.
PARTIAL_HATCH = "///"
PARTIAL_ALPHA = 0.45
#: Colour bar label of :func:`plot_activity_heatmap`: blank cells are cells without events.
ZERO_LABEL = "events (blank: 0)"


def auto_freq(when: pd.Series) -> str:
    """The finest of :data:`AUTO_FREQS` giving at most :data:`MAX_BARS` periods over
    ``when``'s range (``"D"`` for no times): 30 to 90 bars for any range of 90 days
    to centuries, fewer only for ranges a daily chart shows whole.

    Examples
    --------
    >>> auto_freq(pd.Series(pd.to_datetime(["2022-01-01", "2026-07-01"], utc=True)))
    'MS'
    >>> auto_freq(pd.Series(pd.to_datetime(["2026-10-01", "2026-10-20"], utc=True)))
    'D'
    """
    times = when.dropna()
    if times.empty:
        return "D"
    ends = pd.Series([0, 0], index=pd.DatetimeIndex([times.min(), times.max()]))
    for freq in AUTO_FREQS:
        if len(ends.resample(freq).sum()) <= MAX_BARS:
            return freq
    return AUTO_FREQS[-1]


def plot_activity(
    df: pd.DataFrame,
    freq: str | None = None,
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
    freq
        pandas frequency of the bars (``"h"``, ``"D"``, ``"W"``, ``"MS"``...); by
        default chosen from the data's range (:func:`auto_freq`: the finest of
        day, week, month, quarter, year giving at most 90 bars).
    by, tz
        As for :func:`auditkit.analysis.activity_over_time`.
    top
        Groups shown by name (the most active); the rest are stacked as ``"other"``.
    ax
        Axes to draw on; a new figure when ``None``.

    Returns
    -------
    matplotlib.axes.Axes
        One bar container per group (bottom to top: most active first, ``other``
        last), bars spanning their period; legend titled ``by``. The first and last
        periods when only partly covered by the data (``partial`` of
        :func:`~auditkit.analysis.activity_over_time`: a week holding one day of
        data) are hatched and lighter, and the legend says so (``"partial week"``).

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
    ['ana@example.com', 'system']

    Weekly, the week of 2026-09-28 is partial (data from Thursday only):

    >>> ax = plot_activity(df, freq="W")
    >>> [t.get_text() for t in ax.get_legend().get_texts()][-1]
    'partial week (data cover part of it)'
    """
    from matplotlib.ticker import MaxNLocator

    require_columns(df, REQUIRED_COLUMNS["activity_over_time"], "plot_activity")
    check_when(df)
    if freq is not None:
        check_freq(freq, text_only=True)
    check_by(df, by)
    check_tz(tz)
    check_int("top", top, 1)
    _check_ax(ax)
    if freq is None:
        freq = auto_freq(_when(df, tz))
    wide = activity_over_time(df, freq=freq, by=by, tz=tz, partial=True)
    partial = wide.pop("partial").to_numpy(dtype=bool) if "partial" in wide else np.zeros(0, bool)
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
        bars = ax.bar(
            left,
            heights,
            width=width,
            bottom=bottom,
            align="edge",
            label=str(name),
            color=color,
            linewidth=0,
        )
        for patch in np.asarray(bars.patches, dtype=object)[partial]:
            patch.set_alpha(PARTIAL_ALPHA)
            patch.set_hatch(PARTIAL_HATCH)
        bottom = bottom + heights
    ax.set_ylim(0, max(1, int(bottom.max())) * 1.05)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    handles, labels = ax.get_legend_handles_labels() if by is not None else ([], [])
    if partial.any():
        from matplotlib.patches import Patch

        handles.append(
            Patch(
                facecolor=OTHER_COLOR,
                alpha=PARTIAL_ALPHA,
                hatch=PARTIAL_HATCH,
                linewidth=0,
            )
        )
        labels.append(f"partial {period} (data cover part of it)")
    if handles:
        ax.legend(
            handles,
            labels,
            title=by,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
        )
    return ax


def _tick_size() -> float:
    """The active style's y tick label size, in points."""
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties

    return float(FontProperties(size=mpl.rcParams["ytick.labelsize"]).get_size_in_points())


def plot_activity_heatmap(
    df: pd.DataFrame,
    *,
    tz: str | None = None,
    cmap: str = "viridis",
    ax: Axes | None = None,
) -> Axes:
    """Events by weekday (rows) and hour of day (columns), to spot off-hours work.

    Cells without events are left transparent, so the background shows through on
    any theme; the colour bar gives the counts from 1 event up, and its outlined,
    blank bottom triangle, marked ``0``, stands for the blank cells, as its label
    says (:data:`ZERO_LABEL`).

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
        :func:`auditkit.analysis.activity_heatmap` (zeros masked; colour scale
        from 1, zeros in the colormap's transparent "bad" and "under" colours).

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
    >>> ax.images[0].colorbar.ax.get_ylabel()
    'events (blank: 0)'
    """
    require_columns(df, REQUIRED_COLUMNS["activity_heatmap"], "plot_activity_heatmap")
    check_when(df)
    check_tz(tz)
    _check_cmap(cmap)
    _check_ax(ax)
    counts = activity_heatmap(df, tz=tz)
    ax = _axes(ax, (10, 3.6))
    values = np.ma.masked_equal(counts.to_numpy(dtype=np.int64), 0)
    vmax = max(2, int(counts.to_numpy().max()))
    colormap = _colormap(cmap).with_extremes(bad=(0, 0, 0, 0), under=(0, 0, 0, 0))
    image = ax.imshow(
        values, aspect="auto", cmap=colormap, interpolation="nearest", vmin=1, vmax=vmax
    )
    # The scale starts at 1 event; its blank "min" triangle is the blank zero cells.
    colorbar = ax.figure.colorbar(image, ax=ax, pad=0.02, extend="min", extendfrac=0.12)
    colorbar.set_label(ZERO_LABEL)
    outline: Any = (
        colorbar.outline
    )  # typed differently by matplotlib's stubs from one release to the next
    outline.set_edgecolor(OTHER_COLOR)
    outline.set_linewidth(0.6)
    colorbar.ax.annotate(
        "0",
        (1.0, -0.06),
        xycoords="axes fraction",
        xytext=(4, 0),
        textcoords="offset points",
        va="center",
        fontsize=_tick_size(),
    )
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
