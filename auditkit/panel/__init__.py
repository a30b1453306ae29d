"""An interactive filter panel over an audit-log frame (ipywidgets).

:class:`FilterPanel` shows a loaded frame with one control per filter (actor,
action type, resource type, zone, interface, result, date range, a free-text
search and an exact resource id) and, updated in place whenever a control
changes: the number of matching entries, a chart of activity per day, a summary
by actor, the risky changes among the matching rows (high severity first, each
with buttons filtering the panel to its actor or resource) and the first
matching rows. Filters combine with AND; an empty multi-choice control does not
filter. A missing value reads ``"(none)"`` in every control and view.
Re-running ``FilterPanel(df)`` on the same frame keeps its selections.

Modules:

- :mod:`auditkit.panel._index`: the pure index: what is computed once from the
  frame, and from it the rows each control lets through, the controls' options
  and counts, the summary by actor (:func:`auditkit.analysis.activity_by_actor`;
  actors labelled by :func:`auditkit.analysis.actor_label`) and the chart's bins.
  No ipywidgets, no HTML.
- :mod:`auditkit.panel._findings`: the risky changes of the frame
  (:func:`auditkit.analysis.risky_changes`, run once) and those of a filter.
- :mod:`auditkit.panel._state`: the registry of selections per frame (identity,
  weak references, bounded).
- :mod:`auditkit.panel._render`: the views' HTML and the chart's inline SVG, from
  plain data.
- :mod:`auditkit.panel._controls`: the ipywidgets controls and the panel's layout.
- :mod:`auditkit.panel._riskyview`: the risky-changes view's widgets.
- :mod:`auditkit.panel._widget`: :class:`FilterPanel` itself: state, callbacks,
  updates and CSV export, with :mod:`~auditkit.panel._selection` (selections as
  values) and :mod:`~auditkit.panel._views` (the views' data) as its parts.

ipywidgets is imported when a panel is built, never when :mod:`auditkit` or
:mod:`auditkit.panel` is imported.

Examples
--------
>>> import auditkit
>>> from auditkit.panel import FilterPanel
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

from ._index import SUMMARY_COLUMNS
from ._widget import FilterPanel

__all__ = ["SUMMARY_COLUMNS", "FilterPanel"]
