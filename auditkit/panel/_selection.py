"""The filter panel's selections as plain values: read, restored, and set from a finding.

:class:`Selections` is a part of :class:`~auditkit.panel.FilterPanel` (a mixin):
:attr:`~Selections.state` reads what the controls select (what
:mod:`auditkit.panel._state` remembers per frame), :meth:`~Selections._restore`
sets the controls back from it, skipping values the panel no longer offers, and
:meth:`~Selections._pick` sets them to a risky finding's actor or resource
(the risky-changes view's buttons). No widget is created here.
"""

from __future__ import annotations

import contextlib
from typing import Any

from auditkit.analysis._columns import _missing
from auditkit.errors import InvalidParameterError

from ._index import CHOICE_CONTROLS
from ._state import State


class Selections:
    """The selection half of :class:`~auditkit.panel.FilterPanel` (see the module)."""

    controls: dict[str, Any]

    def hold(self) -> contextlib.AbstractContextManager[None]:  # FilterPanel's
        raise NotImplementedError  # pragma: no cover

    def _pick(self, kind: str, finding: dict[str, Any]) -> None:
        """Filter the panel to a finding's actor (``kind="actor"``) or resource (one update)."""
        controls = self.controls
        with self.hold():
            if kind == "actor":
                self._select("actor", str(finding["actor"]))
            else:
                resource_type = finding["resource_type"]
                if not _missing(resource_type):
                    self._select("resource_type", str(resource_type))
                controls["resource"].value = str(finding["resource_id"])

    def _select(self, name: str, value: str) -> None:
        control = self.controls[name]
        if value not in {v for _, v in control.options}:
            raise InvalidParameterError(name, f"{value!r} is not among the panel's {name} values")
        control.value = (value,)

    @property
    def state(self) -> State:
        """The selections: each control that filters, by name, and its value.

        What re-running ``FilterPanel(df)`` on the same frame restores; ``{}`` when
        nothing filters.

        Examples
        --------
        >>> import auditkit
        >>> from auditkit.panel import FilterPanel
        >>> df = auditkit.records_to_frame([{"id": "a", "interface": "UI"}, {"id": "b"}])
        >>> panel = FilterPanel(df, chart=False)
        >>> panel.controls["interface"].value = ("UI",)
        >>> panel.state
        {'interface': ('UI',)}
        >>> FilterPanel(df, chart=False).filtered["id"].tolist()  # the cell run again
        ['a']
        >>> panel.reset(); FilterPanel(df, chart=False).state
        {}
        """
        state: State = {}
        for name in CHOICE_CONTROLS:
            if self.controls[name].value:
                state[name] = tuple(self.controls[name].value)
        if self.controls["result"].value != "all":
            state["result"] = self.controls["result"].value
        slider = self.controls["date_range"]
        if tuple(slider.index) != (0, len(slider.options) - 1):
            state["date_range"] = tuple(slider.value)
        for name in ("search", "resource"):
            if self.controls[name].value:
                state[name] = self.controls[name].value
        return state

    def _restore(self, saved: State) -> None:
        """Set the controls to ``saved`` (:attr:`state`), skipping values the panel does not offer."""
        for name, value in saved.items():
            control = self.controls.get(name)
            if control is None:
                continue
            if name in CHOICE_CONTROLS or name in ("result", "date_range"):
                offered = {v for _, v in control.options}
                if name in CHOICE_CONTROLS:
                    control.value = tuple(v for v in value if v in offered)
                elif name == "result" and value in offered:
                    control.value = value
                elif name == "date_range" and all(v in offered for v in value):
                    control.value = tuple(value)
            elif isinstance(value, str):
                control.value = value
