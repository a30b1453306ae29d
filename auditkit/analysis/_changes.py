"""Value changes: :func:`change_timeline`, one row per changed value.

Reads old/new values (text, JSON values, setting values and ``old_``/``new_``
pairs in ``metadata``) and diffs JSON values key by key. :func:`_changes` is the
unfiltered table, also read by the rules engine for setting downgrades. On a v2
frame the values come from the request and response bodies
(:mod:`._changes_v2`); the table is built the same way (:mod:`._changetable`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..frame._jsoncodec import decode_text
from ._changes_v2 import V2_OLD_VALUE_NOTE, _changes_v2
from ._changetable import CHANGE_TIMELINE_COLUMNS as CHANGE_TIMELINE_COLUMNS
from ._changetable import NOISE_KEYS as NOISE_KEYS
from ._changetable import ChangeRow, _dict_diff, _json_values, _resource_name, _table
from ._checks import check_filter, require_columns
from ._columns import (
    REQUIRED_COLUMNS,
    REQUIRED_COLUMNS_V2,
    _as_string,
    _empty,
    _missing,
    _text,
    check_when,
    is_v2_frame,
)


def change_timeline(
    df: pd.DataFrame,
    resource_id: str | Iterable[str] | None = None,
    resource_type: str | Iterable[str] | None = None,
    zone_name: str | Iterable[str] | None = None,
    setting: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every value change, in time order, one row per changed value.

    A row of the frame is a change when it has an ``old_value``/``new_value``, a JSON
    value (``old_value_json``/``new_value_json``), a setting value in ``metadata``
    (``{"name": ..., "value": ...}``, used when ``new_value`` is empty), or
    ``metadata`` pairs ``old_<x>``/``new_<x>`` (e.g. token status). JSON values (DNS
    records, TLS settings; also JSON text) are compared key by key: one output row
    per key that differs, nested keys dotted (``data.port``); bookkeeping keys
    (:data:`NOISE_KEYS`: ``id``, ``zone_id``, ``modified_on``, ...) only when nothing
    else changed. Values are shown as recorded; a missing old value is not guessed.

    On an Audit Logs v2 frame (see :func:`~auditkit.analysis._columns.is_v2_frame`)
    the values come from ``resource_request`` and ``resource_response``. Audit Logs
    v2 has no old value in general: a response shaped ``{"before": ..., "after":
    ...}`` gives the old value (``before``) and the new one (``after``; either may
    be absent, for a creation or a deletion); any other row's new value is its
    request body (the value as sent), else its response body, and its old value is
    missing (``<NA>``), never guessed. A body holding a setting (``{"id": "ssl",
    "value": "full"}``, or ``{"value": ...}`` sent to a ``*setting*`` resource) is a
    setting change: ``setting`` is its ``id`` (else the ``resource_id``), ``old_value``
    and ``new_value`` its values. Rows without bodies are no changes, as v1's rows
    without values. The output's ``attrs["old_value"]`` says so.

    Parameters
    ----------
    df
        Audit-log frame.
    resource_id, resource_type, zone_name
        Keep only changes of these resources / resource types / zones (one value or
        several; ``resource_type`` and ``zone_name`` ignore case).
    setting
        Keep only changes of these settings (matches ``setting`` or ``key``, ignoring
        case), e.g. ``"security_level"`` or ``"min_tls_version"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``when``, ``actor``, ``action_type``, ``resource_type``,
        ``resource_id``, ``resource_name`` (``"<type> <name>"`` from the JSON value,
        e.g. ``"A www.example.com"``), ``zone_name``, ``setting`` (setting name from
        ``metadata`` for setting changes), ``key`` (JSON key that changed),
        ``old_value``, ``new_value`` (text; missing = absent), ``id`` (of the frame's
        row); every column string except ``when``. Sorted by ``when`` (stable;
        ``NaT`` last).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``df`` is not a frame with the needed columns (v1's, or v2's
        :data:`~auditkit.analysis._columns.REQUIRED_COLUMNS_V2`), or a filter is not a
        string or an iterable of strings.

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([
    ...     {"id": "s1", "when": "2026-10-01T09:00:00Z", "action": {"type": "change_setting"},
    ...      "actor": {"email": "ana@example.com"}, "resource": {"type": "zone"},
    ...      "oldValue": "high", "newValue": "low",
    ...      "metadata": {"name": "security_level", "zone_name": "example.com"}},
    ...     {"id": "d1", "when": "2026-10-01T09:30:00Z", "action": {"type": "rec_set"},
    ...      "actor": {"email": "ana@example.com"}, "resource": {"type": "DNS_record"},
    ...      "oldValueJson": {"name": "www", "type": "A", "content": "192.0.2.1", "ttl": 1},
    ...      "newValueJson": {"name": "www", "type": "A", "content": "192.0.2.2", "ttl": 1}},
    ... ])
    >>> change_timeline(df)[["setting", "key", "old_value", "new_value", "resource_name"]]
              setting      key  old_value  new_value resource_name
    0  security_level     <NA>       high        low          <NA>
    1            <NA>  content  192.0.2.1  192.0.2.2         A www

    On a v2 frame:

    >>> from auditkit.frame import V2
    >>> v2 = records_to_frame([
    ...     {"id": "s2", "action": {"time": "2026-10-01T09:00:00Z", "type": "update"},
    ...      "resource": {"id": "ssl", "type": "zone_setting", "request": {"value": "flexible"},
    ...                   "response": {"before": {"id": "ssl", "value": "full"},
    ...                                "after": {"id": "ssl", "value": "flexible"}}}},
    ...     {"id": "s3", "action": {"time": "2026-10-01T09:05:00Z", "type": "update"},
    ...      "resource": {"id": "security_level", "type": "zone_setting",
    ...                   "request": {"value": "low"}}},
    ... ], schema=V2)
    >>> change_timeline(v2)[["setting", "old_value", "new_value", "id"]]
              setting old_value new_value  id
    0             ssl      full  flexible  s2
    1  security_level      <NA>       low  s3
    """
    v2 = is_v2_frame(df)
    needed = REQUIRED_COLUMNS_V2 if v2 else REQUIRED_COLUMNS
    require_columns(df, needed["change_timeline"], "change_timeline")
    check_when(df)
    resource_id = check_filter("resource_id", resource_id)
    resource_type = check_filter("resource_type", resource_type)
    zone_name = check_filter("zone_name", zone_name)
    setting = check_filter("setting", setting)
    mask = np.ones(len(df), dtype=bool)
    if resource_id is not None:
        mask &= _isin(df["resource_id"], resource_id, ignore_case=False)
    if resource_type is not None:
        mask &= _isin(df["resource_type"], resource_type, ignore_case=True)
    if zone_name is not None:
        mask &= _isin(df["zone_name"], zone_name, ignore_case=True)
    rows = df[mask] if not mask.all() else df
    out = _changes_v2(rows) if v2 else _changes(rows)
    if setting is not None and len(out):
        keep = _isin(out["setting"], setting, ignore_case=True) | _isin(
            out["key"], setting, ignore_case=True
        )
        out = out[keep].reset_index(drop=True)
    if v2:
        out.attrs["old_value"] = V2_OLD_VALUE_NOTE
    return out


def _isin(s: pd.Series, values: str | Iterable[str], *, ignore_case: bool) -> np.ndarray:
    wanted = [values] if isinstance(values, str) else list(values)
    text = _as_string(s)
    if ignore_case:
        text = text.str.lower()
        wanted = [str(v).lower() for v in wanted]
    return text.isin(wanted).fillna(False).to_numpy(dtype=bool)


def _changes(df: pd.DataFrame, with_position: bool = False) -> pd.DataFrame:
    """The unfiltered long table of :func:`change_timeline`.

    ``with_position`` adds ``_pos``: the position of each change's row in ``df``.
    """
    columns = {**CHANGE_TIMELINE_COLUMNS, **({"_pos": "int64"} if with_position else {})}
    if df.empty:
        return _empty(columns)
    actions = _as_string(df["action_type"]).tolist()
    old_text = _as_string(df["old_value"]).tolist()
    new_text = _as_string(df["new_value"]).tolist()
    old_json = _json_values(df["old_value_json"])
    new_json = _json_values(df["new_value_json"])
    meta = _json_values(df["metadata"])
    positions: list[int] = []
    rows: list[ChangeRow] = []
    for i, (action, ot, nt, oj, nj, md) in enumerate(
        zip(actions, old_text, new_text, old_json, new_json, meta, strict=True)
    ):
        for row in _row_changes(action, ot, nt, oj, nj, md):
            positions.append(i)
            rows.append(row)
    return _table(df, positions, rows, with_position)


def _maybe_object(text: str | None) -> Any:
    """Text that holds a JSON object (the loader turns wire objects into text) as a dict."""
    if text is not None and text[:1] == "{":
        try:
            value = decode_text(text)
        except ValueError:
            return text
        return value if isinstance(value, dict) else text
    return text


def _row_changes(
    action: Any, old_text: Any, new_text: Any, old_json: Any, new_json: Any, meta: Any
) -> list[ChangeRow]:
    """(setting, key, old, new, resource_name) for every value one row changed."""
    old_text = None if _missing(old_text) else old_text
    new_text = None if _missing(new_text) else new_text
    action = "" if _missing(action) else str(action).lower()
    md = meta if isinstance(meta, dict) else {}
    name = md.get("name")
    setting = name if "setting" in action and isinstance(name, str) and name else None
    old: Any = old_json if isinstance(old_json, (dict, list)) else _maybe_object(old_text)
    new: Any = new_json if isinstance(new_json, (dict, list)) else _maybe_object(new_text)
    if new is None and setting is not None and "value" in md:
        new = md["value"]
    rname = _resource_name(new) or _resource_name(old)
    if isinstance(old, dict | None) and isinstance(new, dict | None) and (old, new) != (None, None):
        return [(setting, k, o, n, rname) for k, o, n in _dict_diff(old or {}, new or {})]
    if old is not None or new is not None:
        return [(setting, None, _text(old), _text(new), rname)]
    pairs = _metadata_pairs(md)
    return [(setting, k, o, n, rname) for k, o, n in pairs]


def _metadata_pairs(md: Mapping[str, Any]) -> list[tuple[str, str | None, str | None]]:
    suffixes = sorted(
        {k[4:] for k in md if isinstance(k, str) and k[:4] in ("old_", "new_") and len(k) > 4}
    )
    pairs = [(s, _text(md.get("old_" + s)), _text(md.get("new_" + s))) for s in suffixes]
    return [p for p in pairs if p[1] != p[2]]
