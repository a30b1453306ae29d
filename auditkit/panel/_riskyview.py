"""The panel's risky-changes view: its widgets, one row per finding with "filter to" buttons.

The findings come from :class:`auditkit.panel._findings.Findings` (the
frame's :func:`~auditkit.analysis.risky_changes`, kept when their row matches
the filter), their text from :func:`auditkit.panel._render.finding_html`. The
view owns a fixed pool of rows (the first ``limit`` findings), built once and
updated in place: an update sets texts and hides unused rows, it never creates
widgets. Each row has two buttons: one filters the panel to the finding's actor,
the other to its resource (its type and exact id).

ipywidgets is passed in by the panel (imported when a panel is built).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from auditkit.analysis._columns import _missing

from . import _render as render

#: What a "filter to" button asks the panel: ``("actor", finding)`` or ``("resource", finding)``.
Pick = Callable[[str, dict[str, Any]], None]


class RiskyView:
    """The risky-changes view: a title and ``limit`` finding rows with two buttons each.

    Parameters
    ----------
    widgets
        The ipywidgets module.
    limit
        Findings listed at most (the title gives the total).
    pick
        Called as ``pick("actor", finding)`` or ``pick("resource", finding)`` when a
        row's button is clicked (``finding`` is the row as a dict).
    """

    def __init__(self, widgets: Any, limit: int, pick: Pick) -> None:
        layout = widgets.Layout
        self._pick = pick
        self.title = widgets.HTML()
        self.title.add_class("auditkit-risky-title")
        #: Per row: its text, its "actor" button and its "resource" button.
        self.rows: list[tuple[Any, Any, Any]] = []
        self._findings: list[dict[str, Any]] = []
        boxes = []
        for i in range(limit):
            text = widgets.HTML(layout=layout(flex="1 1 auto"))
            actor = widgets.Button(
                description="actor", icon="filter", tooltip="Filter the panel to this actor"
            )
            resource = widgets.Button(
                description="resource", icon="filter", tooltip="Filter the panel to this resource"
            )
            for button in (actor, resource):
                button.layout = layout(width="auto")
            actor.add_class("auditkit-risky-actor")
            resource.add_class("auditkit-risky-resource")
            actor.on_click(lambda _b, i=i: self._clicked("actor", i))
            resource.on_click(lambda _b, i=i: self._clicked("resource", i))
            box = widgets.HBox(
                [actor, resource, text],
                layout=layout(align_items="center", grid_gap="6px", display="none"),
            )
            box.add_class("auditkit-risky-row")
            self.rows.append((text, actor, resource))
            boxes.append(box)
        self._boxes = boxes
        self.widget = widgets.VBox(
            [self.title, *boxes], layout=layout(grid_gap="2px", max_height="320px")
        )
        self.widget.add_class("auditkit-risky")

    def update(self, findings: pd.DataFrame, error: str | None = None) -> None:
        """Show the first findings of ``findings`` (ordered already), hide the other rows."""
        shown = findings.head(len(self.rows))
        self._findings = shown.to_dict("records")
        self.title.value = render.findings_title_html(len(shown), len(findings), error)
        for i, (box, (text, actor, resource)) in enumerate(
            zip(self._boxes, self.rows, strict=True)
        ):
            if i >= len(self._findings):
                if box.layout.display != "none":
                    box.layout.display = "none"
                continue
            finding = self._findings[i]
            text.value = render.finding_html(finding)
            actor.tooltip = f"Filter the panel to {finding['actor']}"
            resource.disabled = _missing(finding["resource_id"])
            resource.tooltip = f"Filter the panel to {finding['resource']}"
            if box.layout.display != "flex":
                box.layout.display = "flex"

    @property
    def shown(self) -> list[dict[str, Any]]:
        """The findings listed, in order (one dict per row shown)."""
        return list(self._findings)

    def _clicked(self, kind: str, i: int) -> None:
        if i < len(self._findings):
            self._pick(kind, self._findings[i])
