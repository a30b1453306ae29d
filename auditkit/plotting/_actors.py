"""Who acts: events and failures per actor (:func:`plot_actor_summary`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from auditkit.analysis import activity_by_actor
from auditkit.analysis._checks import check_int, require_columns
from auditkit.analysis._columns import REQUIRED_COLUMNS, check_when

from ._axes import _axes, _check_ax, _no_data
from ._style import FAILURE_COLOR, _clip

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _failure_labels(failures: pd.Series, events: pd.Series) -> list[str]:
    """``"12 failed (0.8%)"`` per actor (``""`` for none); the rate to 2 significant digits."""
    out = []
    for n, total in zip(failures.tolist(), events.tolist(), strict=True):
        out.append(f"{n} failed ({_percent(n / total)})" if n else "")
    return out


def _percent(rate: float) -> str:
    """A rate as a percentage: ``0.8%``, ``12%``, ``50%``, ``100%``."""
    pct = rate * 100
    text = f"{pct:.2g}" if pct < 10 else f"{pct:.0f}"
    return f"{float(text):g}%"


def plot_actor_summary(df: pd.DataFrame, *, top: int = 15, ax: Axes | None = None) -> Axes:
    """Events and failures per actor, as horizontal bars (most active on top).

    Failures are few beside events (12 beside 1,537), so their bars are labelled
    with the count and the share of the actor's events (``"12 failed (0.8%)"``,
    in the failure colour; no label for none): the label, not the bar's length,
    reads at any scale.

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
        the counts of :func:`auditkit.analysis.activity_by_actor`), bar labels
        (events: the count; failures: count and rate), y tick labels the actors.

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
    >>> [t.get_text() for t in ax.texts]
    ['2', '1', '1 failed (50%)', '']
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
        failures,
        labels=_failure_labels(summary["failures"], summary["events"]),
        padding=3,
        fontsize=8,
        color=FAILURE_COLOR,
        fontweight="bold",
    )
    ax.set_yticks(y, labels=[_clip(str(a), 40) for a in summary["actor"]])
    ax.set_ylim(len(summary) - 0.5, -0.5)
    ax.set_xlim(0, float(summary["events"].max()) * 1.12)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.legend(loc="lower right", frameon=False)
    return ax
