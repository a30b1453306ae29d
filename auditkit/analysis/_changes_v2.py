"""Value changes of an Audit Logs v2 frame, read from the request and response bodies.

Audit Logs v2 has no old/new value columns: a record carries the body of the
request (``resource.request``) and of the response (``resource.response``), any
JSON. :func:`_changes_v2` reads them as :func:`change_timeline` rows:

- A response shaped ``{"before": ..., "after": ...}`` (only those keys; either may
  be absent, for a creation or a deletion) is the resource before and after the
  call: ``before`` is the old value, ``after`` the new one.
- Otherwise v2 records no old value: it is missing (never guessed) and the new
  value is the request body (the value as sent), else the response body.
- A body that holds one setting (``{"id": "ssl", "value": "full"}``, or
  ``{"value": ...}`` sent to a ``*setting*`` resource) is a setting change,
  named by its ``id`` (else the row's ``resource_id``), as v1's ``change_setting``.
- Other objects are diffed key by key, as v1's JSON values; rows with no body are
  no change.

:func:`_resource_labels` names each row's resource from its bodies, for the
reasons of the v2 rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from ._changetable import ChangeRow, _dict_diff, _json_values, _resource_name, _table
from ._columns import STRING, _as_string, _missing, _text

#: What the old and new values of ``change_timeline`` on a v2 frame are (the output's
#: ``attrs["old_value"]``).
V2_OLD_VALUE_NOTE = (
    "Audit Logs v2 records no old value in general: old_value is the response's "
    "'before' where the response is a {'before': ..., 'after': ...} pair, else missing; "
    "new_value is that 'after', else the request body, else the response body."
)

_ENVELOPE = frozenset({"before", "after"})
_LABEL_KEYS = ("name", "email", "description")


def _is_envelope(response: Any) -> bool:
    return isinstance(response, dict) and bool(response) and _ENVELOPE.issuperset(response)


def _bodies(request: Any, response: Any) -> tuple[Any, Any]:
    """``(old, new)`` of one v2 row; ``None`` where there is none."""
    if _is_envelope(response):
        return response.get("before"), response.get("after")
    for body in (request, response):
        if isinstance(body, dict | list) and body:
            return None, body
    return None, None


def _is_setting(body: Any, setting_resource: bool) -> bool:
    if not isinstance(body, dict) or "value" not in body:
        return False
    return setting_resource or (isinstance(body.get("id"), str) and bool(body["id"]))


def _row_changes_v2(rtype: Any, rid: Any, request: Any, response: Any) -> list[ChangeRow]:
    """(setting, key, old, new, resource_name) for every value one v2 row changed."""
    old, new = _bodies(request, response)
    sides = [b for b in (old, new) if b is not None]
    if not sides:
        return []
    setting_resource = not _missing(rtype) and "setting" in str(rtype).lower()
    if all(_is_setting(b, setting_resource) for b in sides):
        ids = [b["id"] for b in sides if isinstance(b.get("id"), str) and b["id"]]
        name = ids[0] if ids else (None if _missing(rid) else str(rid))
        before = None if old is None else old["value"]
        after = None if new is None else new["value"]
        if before is None and after is None:
            return []
        if isinstance(before, dict | None) and isinstance(after, dict | None):
            return [(name, k, o, n, None) for k, o, n in _dict_diff(before or {}, after or {})]
        return [(name, None, _text(before), _text(after), None)]
    rname = _resource_name(new) or _resource_name(old)
    if isinstance(old, dict | None) and isinstance(new, dict | None):
        return [(None, k, o, n, rname) for k, o, n in _dict_diff(old or {}, new or {})]
    return [(None, None, _text(old), _text(new), rname)]


def _changes_v2(df: pd.DataFrame, with_position: bool = False) -> pd.DataFrame:
    """The unfiltered long table of :func:`change_timeline` for a v2 frame.

    ``with_position`` adds ``_pos``: the position of each change's row in ``df``.
    """
    if df.empty:
        return _table(df, [], [], with_position)
    rtypes = _as_string(df["resource_type"]).tolist()
    rids = _as_string(df["resource_id"]).tolist()
    requests = _json_values(df["resource_request"])
    responses = _json_values(df["resource_response"])
    positions: list[int] = []
    rows: list[ChangeRow] = []
    for i, (rtype, rid, req, resp) in enumerate(
        zip(rtypes, rids, requests, responses, strict=True)
    ):
        for row in _row_changes_v2(rtype, rid, req, resp):
            positions.append(i)
            rows.append(row)
    return _table(df, positions, rows, with_position)


def _label(bodies: Iterable[Any]) -> str | None:
    bodies = [b for b in bodies if isinstance(b, dict)]
    for key in _LABEL_KEYS:
        for body in bodies:
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def _resource_labels(df: pd.DataFrame) -> pd.Series:
    """Per row, the resource's name from its bodies, else its ``resource_id``.

    The first non-empty ``name``, else ``email``, else ``description`` of the
    request, the response's ``after`` and ``before`` (or the plain response).
    Named ``resource_label``, string dtype, ``df``'s index.
    """
    labels: list[str | None] = []
    for req, resp, rid in zip(
        _json_values(df["resource_request"]),
        _json_values(df["resource_response"]),
        _as_string(df["resource_id"]).tolist(),
        strict=True,
    ):
        bodies = [req, resp.get("after"), resp.get("before")] if _is_envelope(resp) else [req, resp]
        label = _label(bodies)
        labels.append(label if label is not None else (None if _missing(rid) else rid))
    return pd.Series(labels, index=df.index, dtype=STRING, name="resource_label")
