"""The ``df.audit`` accessor: every analysis and plot as a method of the frame.

Registered when :mod:`auditkit` is imported. Each method checks that the frame
has the columns it needs and raises an
:class:`~auditkit.errors.InvalidParameterError` (a :class:`ValueError`) naming
the missing ones, then calls the function of the same name in
:mod:`auditkit.analysis` or :mod:`auditkit.plotting` with the frame as first
argument. Importing this module does not import matplotlib.

Examples
--------
>>> import auditkit.accessor
>>> from auditkit.schema import records_to_frame
>>> df = records_to_frame([{"when": "2026-10-01T09:00:00Z", "actor": {"email": "ana@example.com"}}])
>>> df.audit.activity_by_actor()["events"].tolist()
[1]
>>> import pandas as pd
>>> pd.DataFrame({"x": [1]}).audit.new_ips()
Traceback (most recent call last):
...
auditkit.errors.InvalidParameterError: df: df.audit.new_ips() needs the column(s) 'id', 'when', ...
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from auditkit import analysis, plotting
from auditkit.analysis import REQUIRED_COLUMNS, Rule, check_by_type, require_columns

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["AuditAccessor"]

_PLOT_REQUIRES: dict[str, tuple[str, ...]] = {
    "plot_activity": REQUIRED_COLUMNS["activity_over_time"],
    "plot_activity_heatmap": REQUIRED_COLUMNS["activity_heatmap"],
    "plot_change_timeline": REQUIRED_COLUMNS["change_timeline"],
    "plot_actor_summary": REQUIRED_COLUMNS["activity_by_actor"],
}


@pd.api.extensions.register_dataframe_accessor("audit")
class AuditAccessor:
    """Audit-log analyses and plots on a frame: ``df.audit.<name>(...)``.

    Parameters
    ----------
    pandas_obj
        The frame (as built by :func:`auditkit.schema.records_to_frame`).

    Examples
    --------
    >>> import auditkit.accessor
    >>> from auditkit.schema import empty_frame
    >>> list(empty_frame().audit.risky_changes().columns)[:3]
    ['when', 'actor', 'action_type']
    """

    def __init__(self, pandas_obj: pd.DataFrame) -> None:
        self._df = pandas_obj

    def _checked(self, name: str, extra: Iterable[str] = ()) -> pd.DataFrame:
        needed = REQUIRED_COLUMNS.get(name) or _PLOT_REQUIRES[name]
        require_columns(self._df, [*needed, *extra], f"df.audit.{name}()")
        return self._df

    @staticmethod
    def _by_columns(by: str | None) -> tuple[str, ...]:
        """Columns grouping by ``by`` needs (``by`` itself is checked by the function)."""
        check_by_type(by)
        return analysis._ACTOR_COLUMNS if by == "actor" else ()

    # ----------------------------------------------------------- analyses

    def activity_by_actor(self) -> pd.DataFrame:
        """See :func:`auditkit.analysis.activity_by_actor`.

        Examples
        --------
        >>> import auditkit.accessor
        >>> from auditkit.schema import empty_frame
        >>> len(empty_frame().audit.activity_by_actor())
        0
        """
        return analysis.activity_by_actor(self._checked("activity_by_actor"))

    def change_timeline(
        self,
        resource_id: str | Iterable[str] | None = None,
        resource_type: str | Iterable[str] | None = None,
        zone_name: str | Iterable[str] | None = None,
        setting: str | Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """See :func:`auditkit.analysis.change_timeline`.

        Examples
        --------
        >>> import auditkit.accessor
        >>> from auditkit.schema import empty_frame
        >>> len(empty_frame().audit.change_timeline(setting="ssl"))
        0
        """
        return analysis.change_timeline(
            self._checked("change_timeline"),
            resource_id=resource_id,
            resource_type=resource_type,
            zone_name=zone_name,
            setting=setting,
        )

    def activity_over_time(
        self, freq: str = "D", by: str | None = "actor", tz: str | None = None
    ) -> pd.DataFrame:
        """See :func:`auditkit.analysis.activity_over_time`.

        Examples
        --------
        >>> import auditkit.accessor
        >>> from auditkit.schema import empty_frame
        >>> empty_frame().audit.activity_over_time(by=None).shape
        (0, 1)
        """
        df = self._checked("activity_over_time", self._by_columns(by))
        return analysis.activity_over_time(df, freq=freq, by=by, tz=tz)

    def activity_heatmap(self, by: str | None = None, tz: str | None = None) -> pd.DataFrame:
        """See :func:`auditkit.analysis.activity_heatmap`.

        Examples
        --------
        >>> import auditkit.accessor
        >>> from auditkit.schema import empty_frame
        >>> empty_frame().audit.activity_heatmap().shape
        (7, 24)
        """
        df = self._checked("activity_heatmap", self._by_columns(by))
        return analysis.activity_heatmap(df, by=by, tz=tz)

    def new_ips(self, warmup: str | timedelta | pd.Timedelta = "7D") -> pd.DataFrame:
        """See :func:`auditkit.analysis.new_ips`.

        Examples
        --------
        >>> import auditkit.accessor
        >>> from auditkit.schema import empty_frame
        >>> len(empty_frame().audit.new_ips(warmup="1D"))
        0
        """
        return analysis.new_ips(self._checked("new_ips"), warmup=warmup)

    def risky_changes(
        self, rules: Sequence[Rule] | None = None, extra_rules: Sequence[Rule] = ()
    ) -> pd.DataFrame:
        """See :func:`auditkit.analysis.risky_changes`.

        Examples
        --------
        >>> import auditkit.accessor
        >>> from auditkit.schema import empty_frame
        >>> len(empty_frame().audit.risky_changes())
        0
        """
        return analysis.risky_changes(
            self._checked("risky_changes"), rules=rules, extra_rules=extra_rules
        )

    # ----------------------------------------------------------- plots

    def plot_activity(
        self,
        freq: str = "D",
        by: str | None = "actor",
        *,
        top: int = 8,
        tz: str | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """See :func:`auditkit.plotting.plot_activity`.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import auditkit.accessor
        >>> from auditkit.schema import empty_frame
        >>> empty_frame().audit.plot_activity(freq="W").get_title()
        'Events per week by actor'
        """
        df = self._checked("plot_activity", self._by_columns(by))
        return plotting.plot_activity(df, freq=freq, by=by, top=top, tz=tz, ax=ax)

    def plot_activity_heatmap(
        self, *, tz: str | None = None, cmap: str = "viridis", ax: Axes | None = None
    ) -> Axes:
        """See :func:`auditkit.plotting.plot_activity_heatmap`.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import auditkit.accessor
        >>> from auditkit.schema import empty_frame
        >>> empty_frame().audit.plot_activity_heatmap().get_title()
        'Events by weekday and hour (UTC)'
        """
        df = self._checked("plot_activity_heatmap")
        return plotting.plot_activity_heatmap(df, tz=tz, cmap=cmap, ax=ax)

    def plot_change_timeline(
        self,
        resource_id: str | Iterable[str] | None = None,
        resource_type: str | Iterable[str] | None = None,
        zone_name: str | Iterable[str] | None = None,
        setting: str | Iterable[str] | None = None,
        *,
        max_label: int = 60,
        max_rows: int = 25,
        ax: Axes | None = None,
    ) -> Axes:
        """See :func:`auditkit.plotting.plot_change_timeline`.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import auditkit.accessor
        >>> from auditkit.schema import empty_frame
        >>> empty_frame().audit.plot_change_timeline(setting="ssl").get_title()
        'Value changes (setting=ssl)'
        """
        df = self._checked("plot_change_timeline")
        return plotting.plot_change_timeline(
            df,
            resource_id=resource_id,
            resource_type=resource_type,
            zone_name=zone_name,
            setting=setting,
            max_label=max_label,
            max_rows=max_rows,
            ax=ax,
        )

    def plot_actor_summary(self, *, top: int = 15, ax: Axes | None = None) -> Axes:
        """See :func:`auditkit.plotting.plot_actor_summary`.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import auditkit.accessor
        >>> from auditkit.schema import empty_frame
        >>> empty_frame().audit.plot_actor_summary().get_title()
        'Events and failures per actor'
        """
        df = self._checked("plot_actor_summary")
        return plotting.plot_actor_summary(df, top=top, ax=ax)

    # ----------------------------------------------------------- widgets

    def panel(self, **kwargs: Any) -> Any:
        """An interactive filter panel on this frame (``auditkit.widgets.FilterPanel``).

        Parameters
        ----------
        **kwargs
            Passed to ``FilterPanel``.

        Raises
        ------
        auditkit.errors.InvalidParameterError
            As ``FilterPanel`` does.

        Examples
        --------
        >>> import auditkit.accessor
        >>> from auditkit.schema import empty_frame
        >>> panel = empty_frame().audit.panel()  # doctest: +SKIP
        """
        from auditkit.widgets import FilterPanel

        return FilterPanel(self._df, **kwargs)
