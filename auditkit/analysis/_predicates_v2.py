"""Rule predicates for Audit Logs v2 frames: :func:`action_on` and :func:`first_token_use`.

v2's ``action_type`` is only ``create``/``update``/``delete``/``view``; what was
acted on is ``resource_product`` and ``resource_type``. :func:`action_on` selects
by all three (and ``action_result``); :func:`first_token_use` selects each API
token's first appearance in the frame. Each is a frame -> boolean Series
function with a readable ``repr`` (shown by ``rules_table``); ``a | b`` selects
the rows either selects.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ._checks import _short, check_bool, check_timedelta
from ._columns import STRING, _as_string, _when


def _norm(names: pd.Series) -> pd.Series:
    """Names compared ignoring case, spaces and hyphens as ``_`` (``"API Tokens"``: ``api_tokens``)."""
    return names.str.lower().str.replace(r"[\s\-]+", "_", regex=True)


def _norm_one(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.lower())


def _isin(events: pd.DataFrame, column: str, names: frozenset[str]) -> np.ndarray:
    """``column``'s values (normalised) in ``names``; categories tested once each."""
    col = events[column]
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = _norm(pd.Series(col.cat.categories).astype(STRING))
        hits = cats.isin(names).fillna(False).to_numpy(dtype=bool)
        codes = col.cat.codes.to_numpy()
        return np.where(codes >= 0, hits[codes] if len(hits) else False, False)
    return _norm(_as_string(col)).isin(names).fillna(False).to_numpy(dtype=bool)


def _names(parameter: str, names: Any) -> frozenset[str]:
    if isinstance(names, str):
        names = (names,)
    if not isinstance(names, tuple | list | frozenset | set):
        raise InvalidParameterError(parameter, f"must be a tuple of strings, got {_short(names)}")
    for i, n in enumerate(names):
        if not isinstance(n, str):
            raise InvalidParameterError(
                parameter, f"must hold only strings; item {i} is {_short(n)}"
            )
    return frozenset(_norm_one(n) for n in names)


class _Combinable:
    def __or__(self, other: Callable[[pd.DataFrame], Any]) -> AnyOf:
        return AnyOf((self, other))  # type: ignore[arg-type]


@dataclass(frozen=True)
class AnyOf(_Combinable):
    """Predicate: rows any of ``predicates`` selects. Build with ``a | b``."""

    predicates: tuple[Callable[[pd.DataFrame], Any], ...]

    def __call__(self, events: pd.DataFrame) -> pd.Series:
        mask = np.zeros(len(events), dtype=bool)
        for predicate in self.predicates:
            got = predicate(events)
            if isinstance(got, pd.Series):
                got = got.astype("boolean").fillna(False).to_numpy(dtype=bool)
            mask |= np.asarray(got, dtype=bool)
        return pd.Series(mask, index=events.index, dtype=bool)

    def __or__(self, other: Callable[[pd.DataFrame], Any]) -> AnyOf:
        return AnyOf((*self.predicates, other))

    def __repr__(self) -> str:
        return " | ".join(repr(p) for p in self.predicates)


@dataclass(frozen=True)
class ActionOn(_Combinable):
    """Predicate: v2 rows by action type, product or resource type, result. Build with :func:`action_on`."""

    types: frozenset[str]
    products: frozenset[str] = frozenset()
    resource_types: frozenset[str] = frozenset()
    result: bool | None = None

    def __call__(self, events: pd.DataFrame) -> pd.Series:
        mask = np.ones(len(events), dtype=bool)
        if self.types:
            mask &= _isin(events, "action_type", self.types)
        if self.products or self.resource_types:
            about = np.zeros(len(events), dtype=bool)
            if self.products:
                about |= _isin(events, "resource_product", self.products)
            if self.resource_types:
                about |= _isin(events, "resource_type", self.resource_types)
            mask &= about
        if self.result is not None:
            mask &= events["action_result"].eq(self.result).fillna(False).to_numpy(dtype=bool)
        return pd.Series(mask, index=events.index, dtype=bool)

    def __repr__(self) -> str:
        parts = [repr(t) for t in sorted(self.types)]
        if self.products:
            parts.append(f"products={tuple(sorted(self.products))!r}")
        if self.resource_types:
            parts.append(f"resource_types={tuple(sorted(self.resource_types))!r}")
        if self.result is not None:
            parts.append(f"result={self.result}")
        return f"action_on({', '.join(parts)})"


def action_on(
    *types: str,
    products: str | tuple[str, ...] = (),
    resource_types: str | tuple[str, ...] = (),
    result: bool | None = None,
) -> ActionOn:
    """A rule predicate for v2 frames: rows by action type and what was acted on.

    A row is selected when its ``action_type`` is one of ``types`` (any if none
    given), and its ``resource_product`` is one of ``products`` **or** its
    ``resource_type`` one of ``resource_types`` (either may be left out; any if
    both are), and its ``action_result`` is ``result`` (if given). Names are
    compared ignoring case, with spaces and hyphens read as ``_``
    (``"API Tokens"`` matches ``api_tokens``).

    Parameters
    ----------
    *types
        v2 action types: ``"create"``, ``"update"``, ``"delete"``, ``"view"``.
    products
        Products (``resource_product``), e.g. ``("api_tokens",)``.
    resource_types
        Resource types (``resource_type``), e.g. ``("dns_record",)``.
    result
        If given, also require ``action_result`` to be this (``False``: failures).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        A name is not a string, or ``result`` is not ``True``, ``False`` or ``None``.

    Examples
    --------
    >>> from auditkit.frame import V2, records_to_frame
    >>> df = records_to_frame([
    ...     {"action": {"type": "delete"}, "resource": {"product": "DNS", "type": "dns_record"}},
    ...     {"action": {"type": "create"}, "resource": {"product": "dns", "type": "dns_record"}},
    ... ], schema=V2)
    >>> action_on("delete", resource_types="dns_record")(df).tolist()
    [True, False]
    >>> action_on("delete", resource_types="dns_record") | action_on(products="dns")
    action_on('delete', resource_types=('dns_record',)) | action_on(products=('dns',))
    """
    check_bool("result", result, optional=True)
    return ActionOn(
        _names("types", types),
        _names("products", products),
        _names("resource_types", resource_types),
        result,
    )


@dataclass(frozen=True)
class FirstTokenUse(_Combinable):
    """Predicate: each API token's first row, after a learning window. Build with :func:`first_token_use`."""

    warmup: str | timedelta | pd.Timedelta = "7D"

    def __call__(self, events: pd.DataFrame) -> pd.Series:
        token = _as_string(events["actor_token_id"])
        when = _when(events, None)
        mask = np.zeros(len(events), dtype=bool)
        valid = (token.notna() & when.notna()).to_numpy(dtype=bool)
        if valid.any():
            work = pd.DataFrame(
                {
                    "pos": np.flatnonzero(valid),
                    "token": token.array[valid],
                    "when": when.array[valid],
                }
            ).sort_values("when", kind="stable")
            first = work.drop_duplicates("token")
            cutoff = when.min() + pd.Timedelta(self.warmup)
            mask[first.loc[first["when"] >= cutoff, "pos"].to_numpy()] = True
        return pd.Series(mask, index=events.index, dtype=bool)

    def __repr__(self) -> str:
        return f"first_token_use(warmup={str(self.warmup)!r})"


def first_token_use(warmup: str | timedelta | pd.Timedelta = "7D") -> FirstTokenUse:
    """A rule predicate for v2 frames: the first row of each ``actor_token_id``, if it is new.

    "Never seen before" within one frame: the first ``warmup`` of the frame (from
    its earliest ``when``) is a learning window, as for :func:`new_ips`: tokens
    used in it are known. After it, the earliest row (by ``when``; of rows at the
    same time, the first in the frame) of each token id not used before is
    selected. Rows without a token id or a time are never selected.

    Parameters
    ----------
    warmup
        Length of the learning window (``"7D"``, ``"12h"``, a ``Timedelta``; ``"0D"``
        selects every token's first row).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``warmup`` is not a duration >= 0.

    Examples
    --------
    >>> from auditkit.frame import V2, records_to_frame
    >>> df = records_to_frame([
    ...     {"action": {"time": "2026-10-01T00:00:00Z"}, "actor": {"token_id": "t1"}},
    ...     {"action": {"time": "2026-10-09T00:00:00Z"}, "actor": {"token_id": "t1"}},
    ...     {"action": {"time": "2026-10-09T00:00:00Z"}, "actor": {"token_id": "t2"}},
    ...     {"action": {"time": "2026-10-10T00:00:00Z"}, "actor": {"token_id": "t2"}},
    ... ], schema=V2)
    >>> first_token_use("7D")(df).tolist()
    [False, False, True, False]
    """
    check_timedelta("warmup", warmup)
    return FirstTokenUse(warmup)
