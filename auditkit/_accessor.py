"""The ``df.audit`` accessor: every analysis and plot as a method of the frame.

Registered when :mod:`auditkit` is imported. ``df.audit.<name>(...)`` is the
function of the same name in :mod:`auditkit.analysis` (each one named in
:data:`~auditkit.analysis.REQUIRED_COLUMNS`) or :mod:`auditkit.plotting` (each
one in its ``__all__``) with the frame as first argument: the method is built
from the function, so it has the function's parameters, defaults and docstring
(``help(df.audit.new_ips)``, ``inspect.signature(df.audit.new_ips)``), and
nothing here restates them. Before calling, each method checks that the frame
has the columns the function needs (with ``by="actor"``, also the
:data:`~auditkit.analysis.ACTOR_COLUMNS`; a needed column with aliases, such
as ``activity_by_actor``'s ``interface``, which a v2 frame's ``actor_context``
stands for, is met by any of them) and raises an
:class:`~auditkit.errors.InvalidParameterError` (a :class:`ValueError`) naming
the missing ones. Importing this module does not import matplotlib.

Examples
--------
>>> import inspect
>>> import auditkit  # registers df.audit
>>> from auditkit.frame import records_to_frame
>>> df = records_to_frame([{"when": "2026-10-01T09:00:00Z", "actor": {"email": "ana@example.com"}}])
>>> df.audit.activity_by_actor()["events"].tolist()
[1]
>>> inspect.signature(df.audit.new_ips)
<Signature (warmup: 'str | timedelta | pd.Timedelta' = '7D') -> 'pd.DataFrame'>
>>> import pandas as pd
>>> pd.DataFrame({"x": [1]}).audit.new_ips()
Traceback (most recent call last):
...
auditkit.errors.InvalidParameterError: df: df.audit.new_ips() needs the column(s) 'id', 'when', ...
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable
from typing import Any

import pandas as pd

from auditkit import analysis, plotting
from auditkit.analysis import (
    ACTOR_COLUMNS,
    REQUIRED_COLUMNS,
    check_by_type,
    require_columns,
    required_for,
)

__all__ = ["AuditAccessor"]

#: The analysis each plot draws: the plot needs its columns.
_PLOT_DRAWS: dict[str, str] = {
    "plot_activity": "activity_over_time",
    "plot_activity_heatmap": "activity_heatmap",
    "plot_change_timeline": "change_timeline",
    "plot_actor_summary": "activity_by_actor",
}


class _Delegate:
    """A method of :class:`AuditAccessor` that is ``func`` with the accessor's frame first.

    On the class it is a plain function (so ``inspect`` and ``help`` list it as a
    method); on an accessor, a bound method. Its ``__signature__`` is ``func``'s
    with ``df`` replaced by ``self``, and it carries ``func``'s name, docstring
    and ``__wrapped__``. (A descriptor rather than a function in the class body,
    so doctest does not run ``func``'s examples a second time here.)

    Parameters
    ----------
    func
        Function of the frame: its first parameter is ``df``.
    analysis
        The analysis whose columns ``func`` needs (v1's or v2's, by the frame:
        ``auditkit.analysis.required_for``), checked before calling it.
    """

    def __init__(self, func: Callable[..., Any], analysis: str) -> None:
        signature = inspect.signature(func)
        first, *rest = signature.parameters.values()
        if first.name != "df":
            raise TypeError(f"{func.__name__}: the first parameter must be df, not {first.name}")
        name = func.__name__
        by_signature = signature if "by" in signature.parameters else None

        @functools.wraps(func)
        def method(self: AuditAccessor, *args: Any, **kwargs: Any) -> Any:
            extra: tuple[str, ...] = ()
            if by_signature is not None:
                bound = by_signature.bind(self._df, *args, **kwargs)
                bound.apply_defaults()
                by = bound.arguments["by"]
                check_by_type(by)
                extra = ACTOR_COLUMNS if by == "actor" else ()
            requires = required_for(self._df, analysis)
            require_columns(self._df, [*requires, *extra], f"df.audit.{name}()")
            return func(self._df, *args, **kwargs)

        self_parameter = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        method.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[self_parameter, *rest]
        )
        method.__qualname__ = f"AuditAccessor.{name}"
        self.function: Callable[..., Any] = method

    def __get__(self, obj: Any, objtype: type | None = None) -> Callable[..., Any]:
        if obj is None:
            return self.function
        return types.MethodType(self.function, obj)


@pd.api.extensions.register_dataframe_accessor("audit")
class AuditAccessor:
    """Audit-log analyses and plots on a frame: ``df.audit.<name>(...)``.

    Methods: the analyses ``activity_by_actor``, ``change_timeline``,
    ``activity_over_time``, ``activity_heatmap``, ``new_ips``, ``risky_changes``
    (:mod:`auditkit.analysis`), the plots ``plot_activity``,
    ``plot_activity_heatmap``, ``plot_change_timeline``, ``plot_actor_summary``
    (:mod:`auditkit.plotting`), each with its function's parameters and
    docstring, and :meth:`panel`.

    Parameters
    ----------
    pandas_obj
        The frame (as built by :func:`auditkit.frame.records_to_frame`).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import auditkit  # registers df.audit
    >>> from auditkit.frame import empty_frame
    >>> df = empty_frame()
    >>> list(df.audit.risky_changes().columns)[:3]
    ['when', 'actor', 'action_type']
    >>> len(df.audit.activity_by_actor()), len(df.audit.change_timeline(setting="ssl"))
    (0, 0)
    >>> df.audit.activity_over_time(by=None).shape, df.audit.activity_heatmap().shape
    ((0, 1), (7, 24))
    >>> len(df.audit.new_ips(warmup="1D"))
    0
    >>> df.audit.plot_activity(freq="W").get_title()
    'Events per week by actor'
    >>> df.audit.plot_activity_heatmap().get_title()
    'Events by weekday and hour (UTC)'
    >>> df.audit.plot_change_timeline(setting="ssl").get_title()
    'Value changes (setting=ssl)'
    >>> df.audit.plot_actor_summary().get_title()
    'Events and failures per actor'
    """

    def __init__(self, pandas_obj: pd.DataFrame) -> None:
        self._df = pandas_obj

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
        >>> import auditkit  # registers df.audit
        >>> from auditkit.frame import empty_frame
        >>> panel = empty_frame().audit.panel()  # doctest: +SKIP
        """
        from auditkit.panel import FilterPanel

        return FilterPanel(self._df, **kwargs)


for _name in REQUIRED_COLUMNS:
    setattr(AuditAccessor, _name, _Delegate(getattr(analysis, _name), _name))
for _name in plotting.__all__:
    setattr(AuditAccessor, _name, _Delegate(getattr(plotting, _name), _PLOT_DRAWS[_name]))
del _name
