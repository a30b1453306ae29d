"""The filter panel's ipywidgets: the controls built from the index, and the panel's layout.

:func:`make_controls` builds one control per filter (:data:`CONTROL_NAMES`),
with the options and counts of :class:`auditkit.panel._index.PanelIndex`;
:func:`arrange` puts the controls, buttons and views into the panel's
``VBox``. No state and no callbacks: those are :class:`~auditkit.panel.FilterPanel`'s.

ipywidgets is passed in by the panel (imported when a panel is built).
"""

from __future__ import annotations

from typing import Any

from . import _render as render
from ._index import CONTROL_NAMES, PanelIndex

__all__ = ["CONTROL_NAMES", "arrange", "make_controls"]

#: Titles of the multi-choice controls (``interface`` is retitled on a v2 frame).
TITLES = {
    "actor": "Actor",
    "action_type": "Action type",
    "resource_type": "Resource type",
    "zone": "Zone",
    "interface": "Interface",
}


def make_controls(widgets: Any, index: PanelIndex, total: int) -> dict[str, Any]:
    """The controls by filter name, every one in its cleared state (``total`` rows)."""
    layout = widgets.Layout
    controls: dict[str, Any] = {}
    for name, choice in index.choices.items():
        width = "260px" if name in ("actor", "action_type") else "190px"
        select = widgets.SelectMultiple(
            options=choice.options(), value=(), rows=6, layout=layout(width=width)
        )
        select.add_class(f"auditkit-{name.replace('_', '-')}")
        controls[name] = select
    result = widgets.ToggleButtons(
        options=index.result_options(total), value="all", style={"button_width": "auto"}
    )
    result.add_class("auditkit-result")
    controls["result"] = result
    days = index.day_options()
    date_range = widgets.SelectionRangeSlider(
        options=days,
        index=(0, len(days) - 1),
        continuous_update=False,
        readout=False,  # its fixed-width readout clips two ISO dates
        disabled=not index.has_when.any(),
        layout=layout(width="300px"),
    )
    date_range.add_class("auditkit-date-range")
    controls["date_range"] = date_range
    search = widgets.Text(
        value="",
        placeholder="search values, metadata, ids (Enter)",
        continuous_update=False,
        layout=layout(width="320px"),
    )
    search.add_class("auditkit-search")
    controls["search"] = search
    resource = widgets.Text(
        value="",
        placeholder="exact resource id (Enter)",
        continuous_update=False,
        layout=layout(width="260px"),
    )
    resource.add_class("auditkit-resource")
    controls["resource"] = resource
    return controls


def arrange(
    widgets: Any,
    controls: dict[str, Any],
    *,
    interface_title: str,
    range_label: Any,
    actions: list[Any],
    count: Any,
    errors: Any,
    chart: Any | None,
    summary: Any,
    risky: Any | None,
    table: Any,
) -> Any:
    """The panel's ``VBox``: count, controls, actions, errors, views, risky changes, rows."""
    layout = widgets.Layout

    def labelled(title: str, w: Any) -> Any:
        return widgets.VBox([widgets.HTML(f'<div class="ak-title">{title}</div>'), w])

    titles = {**TITLES, "interface": interface_title}
    boxes = [labelled(titles[name], controls[name]) for name in TITLES]
    row2 = widgets.HBox(
        [
            labelled("Result", controls["result"]),
            labelled(
                "Date range (UTC)",
                widgets.HBox(
                    [controls["date_range"], range_label], layout=layout(align_items="center")
                ),
            ),
            labelled("Search", controls["search"]),
            labelled("Resource id", controls["resource"]),
        ],
        layout=layout(flex_flow="row wrap", grid_gap="16px"),
    )
    views = widgets.HBox(
        [
            widgets.VBox([chart] if chart is not None else []),
            widgets.VBox([widgets.HTML('<div class="ak-title">By actor</div>'), summary]),
        ],
        layout=layout(flex_flow="row wrap", grid_gap="16px", align_items="flex-start"),
    )
    panel = widgets.VBox(
        [
            widgets.HTML(render.CSS),
            count,
            widgets.HBox(boxes, layout=layout(flex_flow="row wrap", grid_gap="12px")),
            row2,
            widgets.HBox(actions, layout=layout(align_items="center", grid_gap="8px")),
            errors,
            views,
            *([risky] if risky is not None else []),
            widgets.HTML('<div class="ak-title">First matching entries</div>'),
            table,
        ],
        layout=layout(padding="4px", grid_gap="6px"),
    )
    panel.add_class("auditkit-panel")
    return panel
