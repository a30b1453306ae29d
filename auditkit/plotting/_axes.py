"""The Axes every plot draws on: the ``ax`` check, a new figure for ``ax=None``,
the date x axis and the "no data" note."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auditkit.analysis._checks import _short
from auditkit.errors import InvalidParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _check_ax(ax: Any) -> None:
    """Raise :class:`~auditkit.errors.InvalidParameterError` unless ``ax`` is ``None`` or Axes."""
    if ax is None:
        return
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise InvalidParameterError("ax", f"must be a matplotlib Axes or None, got {_short(ax)}")


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


def _no_data(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", alpha=0.7)
