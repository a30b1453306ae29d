"""Rule predicates on the action type: :func:`action_in` and :func:`action_matches`.

Each is a frame -> boolean Series function with a readable ``repr`` (shown by
``rules_table``); the predicate of a :class:`RiskRule` or :class:`BurstRule`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ._checks import _short, check_bool
from ._columns import STRING, _lower_actions


def _action_mask(events: pd.DataFrame, test: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``test`` applied to the lower-cased action types (once per category)."""
    col = events["action_type"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        names = pd.Series(col.cat.categories).astype(STRING).str.lower()
        hits = test(names).fillna(False).to_numpy(dtype=bool)
        codes = col.cat.codes.to_numpy()
        return np.where(codes >= 0, hits[codes] if len(hits) else False, False)
    return test(_lower_actions(events)).fillna(False).to_numpy(dtype=bool)


def _with_result(events: pd.DataFrame, mask: np.ndarray, result: bool | None) -> pd.Series:
    if result is not None:
        mask = mask & events["action_result"].eq(result).fillna(False).to_numpy(dtype=bool)
    return pd.Series(mask, index=events.index, dtype=bool)


@dataclass(frozen=True)
class ActionIn:
    """Predicate: ``action_type`` is one of ``names`` (ignoring case).

    Build with :func:`action_in`.
    """

    names: frozenset[str]
    result: bool | None = None

    def __call__(self, events: pd.DataFrame) -> pd.Series:
        mask = _action_mask(events, lambda actions: actions.isin(self.names))
        return _with_result(events, mask, self.result)

    def __repr__(self) -> str:
        names = ", ".join(repr(n) for n in sorted(self.names))
        extra = "" if self.result is None else f", result={self.result}"
        return f"action_in({names}{extra})"


@dataclass(frozen=True)
class ActionMatches:
    """Predicate: ``action_type`` matches the regular expression (ignoring case).

    Build with :func:`action_matches`.
    """

    pattern: str
    result: bool | None = None

    def __call__(self, events: pd.DataFrame) -> pd.Series:
        mask = _action_mask(
            events, lambda actions: actions.str.contains(self.pattern, flags=re.IGNORECASE)
        )
        return _with_result(events, mask, self.result)

    def __repr__(self) -> str:
        extra = "" if self.result is None else f", result={self.result}"
        return f"action_matches({self.pattern!r}{extra})"


def action_in(*names: str, result: bool | None = None) -> ActionIn:
    """A rule predicate: rows whose ``action_type`` is one of ``names``, ignoring case.

    Parameters
    ----------
    *names
        Action types, e.g. ``"token_create"``.
    result
        If given, also require ``action_result`` to be this (``False``: failures).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        A name is not a string, or ``result`` is not ``True``, ``False`` or ``None``.

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([{"action": {"type": "Token_Create"}}, {"action": {"type": "x"}}])
    >>> action_in("token_create")(df).tolist()
    [True, False]
    """
    for i, n in enumerate(names):
        if not isinstance(n, str):
            raise InvalidParameterError("names", f"must be strings; name {i} is {_short(n)}")
    check_bool("result", result, optional=True)
    return ActionIn(frozenset(n.lower() for n in names), result)


def action_matches(pattern: str, result: bool | None = None) -> ActionMatches:
    """A rule predicate: rows whose ``action_type`` matches a regex, ignoring case.

    Parameters
    ----------
    pattern
        Regular expression searched in the action type.
    result
        If given, also require ``action_result`` to be this.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``pattern`` is not a valid regular expression, or ``result`` is not
        ``True``, ``False`` or ``None``.

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([{"action": {"type": "2fa_enforcement_disable"}}])
    >>> action_matches(r"2fa.*disable")(df).tolist()
    [True]
    """
    if not isinstance(pattern, str):
        raise InvalidParameterError(
            "pattern", f"must be a regular expression (a string), got {_short(pattern)}"
        )
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise InvalidParameterError("pattern", f"not a valid regular expression: {exc}") from None
    check_bool("result", result, optional=True)
    return ActionMatches(pattern, result)
