"""The table of value changes, whatever the frame's shape: columns, JSON diffs, assembly.

:data:`CHANGE_TIMELINE_COLUMNS` (the output of ``change_timeline``),
:data:`NOISE_KEYS`, the key-by-key diff of two JSON values (:func:`_dict_diff`),
the ``"<type> <name>"`` of a JSON value (:func:`_resource_name`), a JSON
column's values (:func:`_json_values`) and :func:`_table`, the change rows of
a frame as the output table. The rows themselves are read by
:mod:`._changes` (v1's values) and :mod:`._changes_v2` (v2's bodies).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..frame._json import JSONArray
from ._columns import STRING, UTC, _as_string, _empty, _text, _typed, _when, actor_label

#: Keys of JSON values (DNS records, ...) that bookkeep rather than describe the
#: value; :func:`change_timeline` shows them only when nothing else changed.
NOISE_KEYS = frozenset({"id", "zone_id", "zone_name", "created_on", "modified_on", "meta"})

#: Output columns (and dtypes) of :func:`change_timeline`.
CHANGE_TIMELINE_COLUMNS: dict[str, Any] = {
    "when": UTC,
    "actor": STRING,
    "action_type": STRING,
    "resource_type": STRING,
    "resource_id": STRING,
    "resource_name": STRING,
    "zone_name": STRING,
    "setting": STRING,
    "key": STRING,
    "old_value": STRING,
    "new_value": STRING,
    "id": STRING,
}

#: One change: (setting, key, old, new, resource_name).
ChangeRow = tuple[str | None, str | None, str | None, str | None, str | None]


def _json_values(col: pd.Series) -> list[Any]:
    """Per row, a JSON column's value; each distinct value decoded once and shared (read only)."""
    arr = col.array
    if isinstance(arr, JSONArray):
        distinct = arr.distinct_values()
        return [None if code < 0 else distinct[code] for code in arr.codes.tolist()]
    return col.tolist()


def _table(
    df: pd.DataFrame, positions: Sequence[int], rows: Sequence[ChangeRow], with_position: bool
) -> pd.DataFrame:
    """The change ``rows`` (row ``i`` from ``df``'s row ``positions[i]``) as the output table.

    Sorted by ``when`` (stable; ``NaT`` last); ``with_position`` adds ``_pos``.
    """
    columns = {**CHANGE_TIMELINE_COLUMNS, **({"_pos": "int64"} if with_position else {})}
    if not positions:
        return _empty(columns)
    base = df.iloc[list(positions)]
    changes = pd.DataFrame(
        rows, columns=["setting", "key", "old_value", "new_value", "resource_name"], dtype=STRING
    )
    out = pd.DataFrame(
        {
            "when": _when(base, None).array,
            "actor": actor_label(base).array,
            "action_type": _as_string(base["action_type"]).array,
            "resource_type": _as_string(base["resource_type"]).array,
            "resource_id": _as_string(base["resource_id"]).array,
            "resource_name": changes["resource_name"].array,
            "zone_name": _as_string(base["zone_name"]).array,
            "setting": changes["setting"].array,
            "key": changes["key"].array,
            "old_value": changes["old_value"].array,
            "new_value": changes["new_value"].array,
            "id": _as_string(base["id"]).array,
        }
    )
    out = out.sort_values("when", kind="stable", na_position="last")
    typed = _typed(out, CHANGE_TIMELINE_COLUMNS)
    if with_position:
        typed["_pos"] = np.asarray(positions, dtype=np.int64)[out.index.to_numpy()]
    return typed


def _resource_name(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    name, kind = value.get("name"), value.get("type")
    if isinstance(name, str) and name:
        return f"{kind} {name}" if isinstance(kind, str) and kind else name
    return None


def _diff(
    old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = ""
) -> list[tuple[str, str | None, str | None]]:
    """(dotted key, old text, new text) for every leaf that differs, keys sorted."""
    changed: list[tuple[str, str | None, str | None]] = []
    for k in sorted(old.keys() | new.keys()):
        o, n = old.get(k), new.get(k)
        if type(o) is type(n) and o == n:
            continue
        key = f"{prefix}{k}"
        if isinstance(o, dict | None) and isinstance(n, dict | None):
            changed.extend(_diff(o or {}, n or {}, key + "."))
            continue
        before, after = _text(o), _text(n)
        if before != after:
            changed.append((key, before, after))
    return changed


def _dict_diff(
    old: Mapping[str, Any], new: Mapping[str, Any]
) -> list[tuple[str, str | None, str | None]]:
    changed = _diff(old, new)
    meaningful = [c for c in changed if c[0].split(".", 1)[0] not in NOISE_KEYS]
    return meaningful or changed
