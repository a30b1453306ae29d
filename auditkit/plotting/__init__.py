"""Plots of the audit-log frame (matplotlib): frame -> :class:`~matplotlib.axes.Axes`.

Every function draws on ``ax`` (or on a new figure's axes when ``ax`` is
``None``), returns the :class:`~matplotlib.axes.Axes` and never calls
``plt.show()``. matplotlib is imported inside the functions, so importing
:mod:`auditkit` stays fast: every module here has ``from __future__ import
annotations``, imports ``Axes`` only under ``TYPE_CHECKING`` and imports
matplotlib only in function bodies, when a plot is drawn.

Style: colours come from the active matplotlib colour cycle (plus a neutral grey
for "other" and a red for failures), text and backgrounds from the active style,
so the plots read on light and dark notebook themes alike. Time axes use real
dates with :class:`~matplotlib.dates.ConciseDateFormatter`.

Modules (private; import from :mod:`auditkit.plotting`):

- ``_activity``: when events happen, :func:`plot_activity` and
  :func:`plot_activity_heatmap`.
- ``_actors``: who acts, :func:`plot_actor_summary`.
- ``_timeline``: what changed, :func:`plot_change_timeline`.
- ``_labels``: point labels placed without overlaps (measured by the renderer)
  and text clipped to fit.
- ``_axes``: the Axes every plot draws on (the ``ax`` check, a new figure for
  ``ax=None``, the date x axis, the "no data" note).
- ``_style``: colours (:data:`OTHER_COLOR`, :data:`FAILURE_COLOR`, the colour
  cycle, colormaps) and label clipping.
- ``_time``: periods and time zones as the plots draw and name them.

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

from ._activity import plot_activity, plot_activity_heatmap
from ._actors import plot_actor_summary
from ._style import FAILURE_COLOR as FAILURE_COLOR
from ._style import OTHER_COLOR as OTHER_COLOR
from ._style import OTHER_LABEL as OTHER_LABEL
from ._timeline import plot_change_timeline

__all__ = [
    "plot_activity",
    "plot_activity_heatmap",
    "plot_actor_summary",
    "plot_change_timeline",
]
