"""The filter panel's views of the matching rows, as data and as HTML.

:class:`Views` is a part of :class:`~auditkit.panel.FilterPanel` (a mixin): the
summary by actor, the chart's data and SVG, the first rows' table and the risky
changes, each read from the panel's index and current mask. Nothing here
changes a control or creates a widget.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from . import _render as render
from ._findings import Findings
from ._index import PanelIndex


class Views:
    """The views half of :class:`~auditkit.panel.FilterPanel` (see the module)."""

    controls: dict[str, Any]
    _df: pd.DataFrame
    _index: PanelIndex
    _mask: np.ndarray
    _rows: int
    _top_actors: int
    _findings: Findings | None

    def summary(self) -> pd.DataFrame:
        """Activity by actor over the matching rows: :func:`auditkit.analysis.activity_by_actor`.

        Its columns :data:`SUMMARY_COLUMNS` (``actor``, ``events``, ``failures``,
        ``first_seen``, ``last_seen``, ``distinct_ips``, ``distinct_zones``,
        ``top_action``), in its order: events (descending), then actor. The
        "By actor" table shows the first ``top_actors`` rows.

        Examples
        --------
        >>> import auditkit
        >>> from auditkit.panel import FilterPanel
        >>> df = auditkit.records_to_frame([
        ...     {"action": {"type": "login", "result": False}, "actor": {"email": "a@x"}},
        ...     {"action": {"type": "login", "result": True}, "actor": {"email": "a@x"}},
        ... ])
        >>> FilterPanel(df, chart=False).summary()[["actor", "events", "failures"]]
          actor  events  failures
        0   a@x       2         1
        """
        return self._index.summary(self._mask)

    def _summary_html(self) -> str:
        return render.summary_html(self.summary(), self._top_actors)

    def _rows_html(self) -> str:
        positions = self._index.first_positions(self._mask, self._rows)
        return render.rows_html(
            self._df.iloc[positions], self._index.actor_labels(positions), int(self._mask.sum())
        )

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
        >>> from auditkit.panel import FilterPanel
        >>> df = auditkit.records_to_frame([
        ...     {"when": "2026-10-01T09:00:00Z", "action": {"result": False}},
        ...     {"when": "2026-10-03T09:00:00Z"}])
        >>> FilterPanel(df, chart=False).chart_data()["events"].tolist()
        [1, 0, 1]
        """
        return self._index.chart_data(self._mask, *self.controls["date_range"].index)

    def _chart_svg(self) -> str:
        """The activity chart as inline SVG (:func:`auditkit.panel._render.chart_svg`)."""
        step, first, counts, fails = self._index.binned(self._mask)
        lo, hi = self.controls["date_range"].index
        return render.chart_svg(step, first, counts, fails, lo, hi)

    def risky_changes(self) -> pd.DataFrame:
        """The risky changes among the matching rows, as the "Risky changes" view lists them.

        The findings of :func:`auditkit.analysis.risky_changes` on the whole frame
        (computed once, when the panel is built) whose flagged row matches the
        filter (a burst's: its first row), high severity first, then by time.
        Empty when the panel was built with ``risky=0`` or the rules cannot read
        the frame.

        Returns
        -------
        pandas.DataFrame
            Columns ``when``, ``severity``, ``rule``, ``reason``, ``actor``,
            ``resource_type``, ``resource_id``, ``resource``, ``zone_name``,
            ``events``, ``id`` (of the flagged row).

        Examples
        --------
        >>> import auditkit
        >>> from auditkit.panel import FilterPanel
        >>> df = auditkit.records_to_frame([
        ...     {"id": "t", "when": "2026-10-01T09:00:00Z", "action": {"type": "token_create"},
        ...      "actor": {"email": "ana@example.com"}, "metadata": {"token_name": "ci"}},
        ...     {"id": "f", "when": "2026-10-01T09:05:00Z",
        ...      "action": {"type": "login", "result": False}, "actor": {"email": "raj@x"}},
        ... ])
        >>> panel = FilterPanel(df, chart=False)
        >>> panel.risky_changes()[["severity", "rule", "actor"]].values.tolist()
        [['medium', 'token_created', 'ana@example.com'], ['low', 'failed_login', 'raj@x']]
        >>> panel.controls["actor"].value = ("raj@x",)
        >>> panel.risky_changes()["rule"].tolist()
        ['failed_login']
        """
        if self._findings is None:
            return Findings(self._df.iloc[:0]).matching(np.zeros(0, dtype=bool))
        return self._findings.matching(self._mask)
