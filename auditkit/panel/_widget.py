"""The filter panel's widget: :class:`FilterPanel`, its ipywidgets controls, state and callbacks.

The rows each control lets through, the counts and the summary are computed by
:mod:`auditkit.panel._index`, the views' HTML and SVG by :mod:`auditkit.panel._render`.
ipywidgets is imported when a panel is built, never when this module is imported.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from auditkit.analysis._checks import _short, check_bool, check_int, column_for, require_columns
from auditkit.errors import InvalidParameterError

from . import _render as render
from ._controls import arrange, make_controls
from ._findings import Findings
from ._index import CHOICE_CONTROLS, CONTROL_NAMES, REQUIRED, PanelIndex, combine_masks
from ._riskyview import RiskyView
from ._selection import Selections
from ._state import REGISTRY
from ._views import Views

if TYPE_CHECKING:
    import ipywidgets

__all__ = ["FilterPanel"]

log = logging.getLogger("auditkit.panel")


class FilterPanel(Selections, Views):
    """Interactive filters over an audit-log frame, for Jupyter (ipywidgets 8).

    Put the panel last in a cell to display it. Each control filters one aspect;
    filters combine with AND. Changing a control updates, in place, the count of
    matching entries, the activity chart (events per day, failures in red), the
    summary by actor, the risky changes among the matching rows (each with buttons
    that filter the panel to its actor or its resource) and the first matching
    rows. A missing value reads ``"(none)"`` everywhere (controls, table, views).

    Re-running ``FilterPanel(df)`` on the same ``df`` object keeps the selections
    of the panel last changed on it (see :mod:`auditkit.panel._state`: frames are
    told apart by identity, held weakly, 16 at most); any other frame starts
    fresh. :meth:`reset` clears them.

    Parameters
    ----------
    df
        Audit-log frame (as returned by :func:`auditkit.load_audit_logs`). The
        panel reads it when built; later changes to ``df`` are not seen.
    rows
        Matching rows shown in the table.
    top_actors
        Actors shown in the summary (the most active among the matching rows).
    chart
        Show the activity chart (events per day, failures in red; inline SVG).
    export_path
        Default file name of the "Export CSV" button.
    risky
        Findings of :func:`auditkit.analysis.risky_changes` listed in the "Risky
        changes" view (0: no view). The rules run once, on the whole frame, when
        the panel is built; the view lists the findings whose row matches the
        filter, high severity first.
    remember
        Restore the selections last made on this frame, and remember new ones.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``df`` is not a frame with the needed columns (each once); ``rows``,
        ``top_actors`` or ``risky`` is not an integer >= 0; ``chart`` or ``remember``
        is not a bool;
        ``export_path`` is not a path.

    Attributes
    ----------
    controls : dict[str, ipywidgets.Widget]
        The controls by filter name. ``actor``, ``action_type``,
        ``resource_type``, ``zone``, ``interface``: ``SelectMultiple`` whose options
        are ``("<value> (<count>)", "<value>")`` pairs over the whole frame (value
        ``"(none)"`` for missing; actor = email, else actor id, else
        ``"(unknown)"``; ``interface`` reads ``actor_context`` on a v2 frame, which
        has no ``interface``, titled "Actor context"); an empty selection does not
        filter. ``result``:
        ``ToggleButtons``, ``"all"``, ``"succeeded"`` or ``"failed"`` (rows with an
        unknown result match only ``"all"``). ``date_range``:
        ``SelectionRangeSlider`` over UTC days, value ``(first_day, last_day)``
        as :class:`datetime.date`, both included; rows without ``when`` match only
        the full range. ``search``: ``Text``; whitespace-separated terms that must
        all occur (case-insensitive substrings) in a row's values, JSON values,
        metadata or ids. ``resource``: ``Text``; an exact ``resource_id`` (empty:
        no filter).
    widget : ipywidgets.VBox
        The whole panel.
    buttons : dict[str, ipywidgets.Button]
        ``reset`` (same as :meth:`reset`) and ``export`` (writes :attr:`filtered`
        with :meth:`to_csv` to the file named in :attr:`export_file`).
    export_file : ipywidgets.Text
        File the ``export`` button writes (relative to the kernel's directory).
    errors : list[BaseException]
        Exceptions raised inside callbacks (also shown, with tracebacks, in the panel).
    last_update_ms : float
        Duration of the last update, in milliseconds.

    Examples
    --------
    >>> import datetime as dt
    >>> import auditkit
    >>> df = auditkit.records_to_frame([
    ...     {"id": "a", "when": "2026-10-01T09:00:00Z", "action": {"type": "purge"},
    ...      "actor": {"email": "ana@example.com"}, "metadata": {"zone_name": "shop.example.org"}},
    ...     {"id": "b", "when": "2026-10-03T09:00:00Z", "action": {"type": "login", "result": True},
    ...      "actor": {"email": "ana@example.com"}},
    ... ])
    >>> panel = FilterPanel(df)
    >>> panel.controls["search"].value = "SHOP."
    >>> panel.filtered["id"].tolist()
    ['a']
    >>> panel.reset()
    >>> panel.controls["date_range"].value = (dt.date(2026, 10, 2), dt.date(2026, 10, 3))
    >>> panel.filtered["id"].tolist()
    ['b']
    """

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        rows: int = 10,
        top_actors: int = 10,
        chart: bool = True,
        export_path: str | Path = "audit-filtered.csv",
        risky: int = 8,
        remember: bool = True,
    ) -> None:
        require_columns(df, REQUIRED, "FilterPanel")
        if not df.columns.is_unique:
            doubled = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
            raise InvalidParameterError(
                "df", f"FilterPanel needs each column once; the frame repeats {', '.join(doubled)}"
            )
        check_int("rows", rows, 0)
        check_int("top_actors", top_actors, 0)
        check_bool("chart", chart)
        check_int("risky", risky, 0)
        check_bool("remember", remember)
        if not isinstance(export_path, str | os.PathLike):
            raise InvalidParameterError(
                "export_path", f"must be a file name or path, got {_short(export_path)}"
            )

        import ipywidgets as widgets

        self._df = df
        self._rows = int(rows)
        self._top_actors = int(top_actors)
        self._callbacks: list[Callable[[pd.DataFrame], Any]] = []
        self._holding = False
        self._dirty: set[str] = set()
        self._mask = np.ones(len(df), dtype=bool)
        self._filtered: pd.DataFrame | None = None
        self._masks: dict[str, np.ndarray | None] = {}
        self.errors: list[BaseException] = []
        self.last_update_ms = 0.0
        self._remember = remember

        self._index = PanelIndex(df)
        self._findings = Findings(df) if risky else None
        self._build(widgets, chart=chart, export_path=str(export_path), risky=int(risky))
        for name in CONTROL_NAMES:
            self._masks[name] = None
        saved = REGISTRY.load(df) if remember else None
        if saved:
            with self.hold():
                self._restore(saved)
        else:
            self._update()

    # ---------------------------------------------------------------- widgets

    def _build(self, widgets: Any, *, chart: bool, export_path: str, risky: int) -> None:
        layout = widgets.Layout
        self.controls: dict[str, Any] = make_controls(widgets, self._index, len(self._df))
        reset = widgets.Button(description="Reset", icon="undo", tooltip="Clear every filter")
        reset.add_class("auditkit-reset")
        reset.on_click(lambda _b: self._guarded(self.reset))
        self.export_file = widgets.Text(
            value=export_path, layout=layout(width="220px"), tooltip="CSV file to write"
        )
        export = widgets.Button(
            description="Export CSV", icon="download", tooltip="Write the matching rows to CSV"
        )
        export.add_class("auditkit-export")
        export.on_click(lambda _b: self._guarded(self._export_clicked))
        self.buttons: dict[str, Any] = {"reset": reset, "export": export}
        self._status = widgets.HTML("")

        def html(css_class: str) -> Any:
            w = widgets.HTML()
            w.add_class(css_class)
            return w

        self._count = html("auditkit-count")
        self._range_label = html("auditkit-date-range-label")
        self._errors = widgets.Output(layout=layout(max_height="240px", overflow="auto"))
        self._errors.add_class("auditkit-errors")
        self._chart = html("auditkit-chart")
        self._chart_enabled = chart
        self._summary = html("auditkit-summary")
        self._table = html("auditkit-rows")
        self._risky = (
            RiskyView(widgets, risky, lambda kind, f: self._guarded(lambda: self._pick(kind, f)))
            if risky
            else None
        )
        v1_interface = column_for(self._df, "interface") == "interface"
        self.widget: ipywidgets.VBox = arrange(
            widgets,
            self.controls,
            interface_title="Interface" if v1_interface else "Actor context",
            range_label=self._range_label,
            actions=[reset, export, self.export_file, self._status],
            count=self._count,
            errors=self._errors,
            chart=self._chart if chart else None,
            summary=self._summary,
            risky=self._risky.widget if self._risky is not None else None,
            table=self._table,
        )
        for name, control in self.controls.items():
            control.observe(lambda change, name=name: self._changed(name), names="value")

    # ---------------------------------------------------------------- display

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """Display as the panel's widget (Jupyter calls this for the last value of a cell)."""
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return f"<FilterPanel: {self.count:,} of {len(self._df):,} entries match>"

    # ---------------------------------------------------------------- public API

    @property
    def filtered(self) -> pd.DataFrame:
        """The matching rows, as a frame with the input's columns and index labels.

        Examples
        --------
        >>> import auditkit
        >>> panel = FilterPanel(auditkit.empty_frame())
        >>> len(panel.filtered)
        0
        """
        if self._filtered is None:
            self._filtered = self._df[self._mask]
        return self._filtered

    @property
    def mask(self) -> np.ndarray:
        """The matching rows as a boolean array over the input frame's rows (a copy).

        Examples
        --------
        >>> import auditkit
        >>> df = auditkit.records_to_frame([{"id": "a", "interface": "UI"}, {"id": "b"}])
        >>> panel = FilterPanel(df, chart=False)
        >>> panel.controls["interface"].value = ("(none)",)
        >>> panel.mask.tolist()
        [False, True]
        """
        return self._mask.copy()

    @property
    def count(self) -> int:
        """Number of matching entries (the number the panel shows).

        Examples
        --------
        >>> import auditkit
        >>> FilterPanel(auditkit.records_to_frame([{"id": "a"}]), chart=False).count
        1
        """
        return int(self._mask.sum())

    def on_change(
        self, callback: Callable[[pd.DataFrame], Any], *, remove: bool = False
    ) -> Callable[[pd.DataFrame], Any]:
        """Call ``callback(filtered)`` after every update (or stop, with ``remove=True``).

        Exceptions raised by ``callback`` are shown in the panel and kept in
        :attr:`errors`; they do not stop the panel or other callbacks.

        Parameters
        ----------
        callback
            Called with :attr:`filtered`.
        remove
            Unregister ``callback`` instead.

        Returns
        -------
        callable
            ``callback``, so ``on_change`` works as a decorator.

        Raises
        ------
        auditkit.errors.InvalidParameterError
            ``callback`` is not callable, or ``remove`` is not a bool.

        Examples
        --------
        >>> import auditkit
        >>> df = auditkit.records_to_frame([{"id": "a", "actor": {"email": "ana@example.com"}}])
        >>> panel = FilterPanel(df, chart=False)
        >>> seen = []
        >>> _ = panel.on_change(lambda f: seen.append(len(f)))
        >>> panel.controls["search"].value = "nobody"
        >>> seen
        [0]
        """
        if not callable(callback):
            raise InvalidParameterError(
                "callback", f"must be a function of the filtered frame, got {_short(callback)}"
            )
        check_bool("remove", remove)
        if remove:
            with contextlib.suppress(ValueError):
                self._callbacks.remove(callback)
        else:
            self._callbacks.append(callback)
        return callback

    def reset(self) -> None:
        """Clear every filter (one update, not one per control).

        Examples
        --------
        >>> import auditkit
        >>> df = auditkit.records_to_frame([{"id": "a"}, {"id": "b"}])
        >>> panel = FilterPanel(df, chart=False)
        >>> panel.controls["search"].value = "a"
        >>> panel.reset(); panel.count
        2
        """
        with self.hold():
            for name in CHOICE_CONTROLS:
                self.controls[name].value = ()
            self.controls["result"].value = "all"
            slider = self.controls["date_range"]
            slider.index = (0, len(slider.options) - 1)
            self.controls["search"].value = ""
            self.controls["resource"].value = ""

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Change several controls with one update at the end.

        Examples
        --------
        >>> import auditkit
        >>> df = auditkit.records_to_frame([{"id": "a", "interface": "UI"}, {"id": "b"}])
        >>> panel = FilterPanel(df, chart=False)
        >>> with panel.hold():
        ...     panel.controls["interface"].value = ("UI",)
        ...     panel.controls["search"].value = "a"
        >>> panel.filtered["id"].tolist()
        ['a']
        """
        if self._holding:
            yield
            return
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
            dirty, self._dirty = self._dirty, set()

            def run() -> None:
                for name in CONTROL_NAMES:
                    if name in dirty:
                        self._masks[name] = self._control_mask(name)
                self._update()

            self._guarded(run)

    def to_csv(self, path: str | Path) -> Path:
        """Write the matching rows to a CSV file.

        Written by :func:`auditkit.frame.write_frame`, the writer of ``auditkit
        fetch -o x.csv`` too (same bytes for the same rows): ``when`` as
        ``2026-10-01T12:00:00.000000Z``, JSON columns (``metadata``, values) as
        compact JSON text, missing values as empty fields; mode ``0600``, via a
        temporary file renamed into place.

        Parameters
        ----------
        path
            File to write (parent directories are created); CSV whatever its suffix.

        Returns
        -------
        pathlib.Path
            The absolute path written.

        Examples
        --------
        >>> import auditkit, tempfile, os
        >>> df = auditkit.records_to_frame([{"id": "a", "metadata": {"k": 1}}])
        >>> out = FilterPanel(df, chart=False).to_csv(os.path.join(tempfile.mkdtemp(), "x.csv"))
        >>> out.read_text().splitlines()[1]
        'a,,,,,,,,,,,,,,,,,,"{""k"":1}"'
        """
        from auditkit.frame import write_frame

        target = Path(path).expanduser().resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        return write_frame(self.filtered, target, format="csv")

    # ---------------------------------------------------------------- updating

    def _changed(self, name: str) -> None:
        if self._holding:
            self._dirty.add(name)
            return

        def run() -> None:
            self._masks[name] = self._control_mask(name)
            self._update()

        self._guarded(run)

    def _guarded(self, func: Callable[[], Any]) -> None:
        """Run ``func``; show any exception with its traceback inside the panel."""
        try:
            func()
        except Exception as exc:
            self._show_error(exc, "while updating the panel")

    def _show_error(self, exc: BaseException, where: str) -> None:
        self.errors.append(exc)
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        log.error("FilterPanel error %s:\n%s", where, text)
        self._errors.append_stderr(f"Error {where}:\n{text}")

    def _control_mask(self, name: str) -> np.ndarray | None:
        """The rows control ``name`` lets through, or ``None`` when it does not filter."""
        control = self.controls[name]
        if name in CHOICE_CONTROLS:
            return self._index.choice_mask(name, control.value)
        if name == "result":
            return self._index.result_mask(control.value)
        if name == "date_range":
            return self._index.date_mask(*control.index)
        if name == "search":
            return self._index.search_mask(control.value)
        if name == "resource":
            return self._index.resource_mask(control.value)
        raise KeyError(name)  # pragma: no cover

    def _update(self) -> None:
        start = time.perf_counter()
        if self._errors.outputs:
            self._errors.outputs = ()
        self._mask = combine_masks(self._masks.values(), len(self._df))
        self._filtered = None
        if self._remember:
            REGISTRY.save(self._df, self.state)
        self._render()
        self.last_update_ms = (time.perf_counter() - start) * 1000
        if self._callbacks:
            filtered = self.filtered
            for callback in list(self._callbacks):
                try:
                    callback(filtered)
                except Exception as exc:
                    self._show_error(exc, f"in on_change callback {callback!r}")

    # ---------------------------------------------------------------- rendering

    def _render(self) -> None:
        n, total = self.count, len(self._df)
        active = [name for name, m in self._masks.items() if m is not None]
        self._count.value = render.count_html(n, total, active)
        lo, hi = self.controls["date_range"].value
        self._range_label.value = render.range_label_html(lo, hi)
        self._summary.value = self._summary_html()
        self._table.value = self._rows_html()
        if self._chart_enabled:
            self._chart.value = self._chart_svg()
        if self._risky is not None and self._findings is not None:
            self._risky.update(self._findings.matching(self._mask), self._findings.error)

    def _export_clicked(self) -> None:
        path = self.to_csv(self.export_file.value or "audit-filtered.csv")
        self._status.value = render.export_status_html(self.count, path)
