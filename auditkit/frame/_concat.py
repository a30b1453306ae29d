"""Audit-log frames end to end, keeping their dtypes: :func:`concat`.

``pd.concat`` of two loads turns a ``category`` column into plain strings (or
objects) as soon as the loads saw different values, since their categories
differ; :func:`concat` gives such a column the union of the categories instead
(the schema's known values first, then the others sorted, as one load of all
the rows would have them), so the result has the dtypes of a load.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from ..errors import InvalidParameterError
from ._schema import STRING_DTYPE, V1, Column, Schema, with_account
from ._schema_v2 import V2

__all__ = ["concat"]

_SCHEMAS: tuple[Schema, ...] = (V1, V2, with_account(V1))


def _known(name: str) -> tuple[str, ...]:
    """The known categories of the column ``name`` (the first schema that has it)."""
    for schema in _SCHEMAS:
        col: Column | None = schema.by_name.get(name)
        if col is not None:
            return col.known
    return ()


def _frames(frames: Any) -> list[pd.DataFrame]:
    if isinstance(frames, pd.DataFrame | str | bytes) or not isinstance(frames, Iterable):
        raise InvalidParameterError(
            "frames", f"must be a list of audit-log frames, not {type(frames).__name__}"
        )
    out = list(frames)
    if not out:
        raise InvalidParameterError("frames", "must hold at least one frame")
    for i, df in enumerate(out):
        if not isinstance(df, pd.DataFrame):
            raise InvalidParameterError(
                "frames", f"item {i} is a {type(df).__name__}, not a pandas DataFrame"
            )
    first = list(out[0].columns)
    for i, df in enumerate(out[1:], start=1):
        names = list(df.columns)
        if names != first:
            missing = _few([n for n in first if n not in names])
            extra = _few([n for n in names if n not in first])
            if missing and extra:
                what = f"lacks {missing} and has {extra}"
            else:
                what = f"lacks {missing}" if missing else f"has {extra} too" if extra else ""
            what = what or "has them in another order"
            raise InvalidParameterError(
                "frames",
                f"frame {i} has other columns than frame 0 (it {what}): frames of different "
                "schemas (v1 and v2, one account and several) cannot be concatenated",
            )
    return out


def _few(names: list[Any]) -> str:
    shown = ", ".join(map(str, names[:4]))
    return shown + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _union(name: str, parts: Sequence[pd.Series]) -> pd.CategoricalDtype:
    """The categories of every part: the known values first, then the rest sorted."""
    known = _known(name)
    seen: set[Any] = set()
    for s in parts:
        seen.update(s.cat.categories.tolist())
    rest = sorted(seen.difference(known), key=str)
    values = [*known, *rest]
    kinds = {s.cat.categories.dtype for s in parts}
    index = pd.Index(values, dtype=STRING_DTYPE if STRING_DTYPE in kinds else None)
    return pd.CategoricalDtype(index)


def concat(frames: Sequence[pd.DataFrame] | Iterable[pd.DataFrame]) -> pd.DataFrame:
    """The rows of several audit-log frames, in order, with the dtypes of one load.

    Unlike ``pd.concat``, a ``category`` column whose frames have different
    categories stays a category column: its categories are the union of theirs
    (a schema's known values first, then the others sorted by their text, as the
    loader makes them). Every other column is concatenated by pandas, which keeps
    each dtype the frames share (``json``, ``string``, ``boolean``, ...).

    Rows are neither sorted nor deduplicated: two loads whose ranges overlap give
    an entry twice (``result.drop_duplicates("id")`` keeps one).

    Parameters
    ----------
    frames
        Frames with the same columns in the same order (e.g. loads of one API and
        scope), usually from :func:`auditkit.load_audit_logs` or
        :func:`auditkit.frame.read_frame`.

    Returns
    -------
    pandas.DataFrame
        Every row of every frame, in order, with a fresh ``RangeIndex``. Its
        ``attrs`` hold each key on which all frames' ``attrs`` agree, and
        ``"parts"``: the list of each frame's own ``attrs`` (a copy), in order.

    Raises
    ------
    auditkit.InvalidParameterError
        ``frames`` is not a list of DataFrames, is empty, or its frames have
        different columns (a v1 and a v2 load, say).

    Examples
    --------
    >>> import auditkit
    >>> a = auditkit.records_to_frame([{"id": "1", "action": {"type": "login"}}])
    >>> b = auditkit.records_to_frame([{"id": "2", "action": {"type": "purge"}}])
    >>> str(pd.concat([a, b])["action_type"].dtype)
    'string'
    >>> both = auditkit.concat([a, b])
    >>> both["action_type"].cat.categories.tolist(), both.index.tolist()
    (['login', 'purge'], [0, 1])
    """
    parts = _frames(frames)
    columns: dict[int, pd.Series] = {}
    for position, name in enumerate(parts[0].columns):
        pieces = [df.iloc[:, position].reset_index(drop=True) for df in parts]
        cats = [isinstance(p.dtype, pd.CategoricalDtype) for p in pieces]
        if all(cats) and len({p.dtype for p in pieces}) > 1:
            dtype = _union(str(name), pieces)
            pieces = [p.astype(dtype) for p in pieces]
        columns[position] = pd.concat(pieces, ignore_index=True)
    out = pd.DataFrame(columns, index=pd.RangeIndex(sum(len(df) for df in parts)))
    out.columns = parts[0].columns
    attrs = [dict(df.attrs) for df in parts]
    shared = {
        k: v for k, v in attrs[0].items() if all(k in a and _same(a[k], v) for a in attrs[1:])
    }
    out.attrs = {**shared, "parts": attrs}
    return out


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
