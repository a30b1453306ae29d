"""Periods and time zones as the plots draw and name them: period words for
titles, the span of each period's bar, wall-clock dates, the zone in labels."""

from __future__ import annotations

import numpy as np
import pandas as pd

_PERIOD_NAMES = {
    "min": "minute",
    "T": "minute",
    "h": "hour",
    "H": "hour",
    "D": "day",
    "B": "business day",
    "W": "week",
    "MS": "month",
    "ME": "month",
    "M": "month",
    "QS": "quarter",
    "QE": "quarter",
    "YS": "year",
    "YE": "year",
}


def _naive(index: pd.DatetimeIndex) -> np.ndarray:
    """Wall-clock ``datetime64`` values (matplotlib plots naive dates as given)."""
    if index.tz is not None:
        index = index.tz_localize(None)
    return index.to_numpy()


def _tz_label(tz: str | None) -> str:
    return "UTC" if tz is None else str(tz)


def _period_name(freq: str) -> str:
    base = freq.lstrip("0123456789")
    name = _PERIOD_NAMES.get(base) or _PERIOD_NAMES.get(base.split("-")[0])
    if name is None:
        return f"{freq} period"
    return name if base == freq else f"{freq} period"


def _period_bounds(index: pd.DatetimeIndex, freq: str) -> tuple[np.ndarray, np.ndarray]:
    """Left edges and widths of the periods ``activity_over_time`` labels ``index``
    (as :func:`auditkit.analysis._activity.period_span` spans them)."""
    from auditkit.analysis._activity import period_span

    left, right = period_span(index, freq)
    return _naive(pd.DatetimeIndex(left)), _naive(pd.DatetimeIndex(right)) - _naive(
        pd.DatetimeIndex(left)
    )
