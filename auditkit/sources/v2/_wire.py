"""v2's response body: the envelope, its records typed into the v2 frame's columns.

The body is made valid UTF-8 and decoded once (:mod:`auditkit.http._body`
repairs lone surrogates and JSON nested too deep, the same as for v1), into
plain values; the records are then read by the v2 schema's wire paths
(:data:`auditkit.frame.V2`), in the thread that fetched the page
(:meth:`V2Payload.prepare`). A page whose records have none of the fields v2
reads (v1 records, say, with a top-level ``when``) raises
:class:`~auditkit.errors.APIError` when its rows are asked for: never a frame of
missing values.

Examples
--------
>>> page = decode_body(b'{"success":true,"errors":[],"result_info":{"count":"1"},'
...                    b'"result":[{"id":"a","action":{"time":"2026-10-01T12:00:00Z"}}]}')
>>> page.success, len(page), page.ids, page.result_info["count"]
(True, 1, ['a'], '1')
>>> str(page.rows.table.column("when")[0])
'2026-10-01 12:00:00+00:00'
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from typing import Any

import msgspec

from ...errors import APIError
from ...frame._chunk import Chunk, extract_columns
from ...frame._records import record_shape_problem
from ...frame._schema_v2 import V2
from ...http._body import decode_loose, valid_utf8
from ...http._envelope import envelope_errors, envelope_info, hashable_id

__all__ = ["V2Payload", "decode_body", "rows_of"]


class V2Payload:
    """A decoded v2 response body: an :class:`~auditkit.http.Envelope`, and its rows.

    ``ids`` is each record's ``id`` as sent (``None`` when ``result`` is neither
    a list nor null); :attr:`rows` types the records on first access (or in
    :meth:`prepare`).
    """

    __slots__ = (
        "_lock",
        "_records",
        "_rows",
        "errors",
        "ids",
        "is_object",
        "result_info",
        "success",
    )

    def __init__(
        self,
        is_object: bool,
        success: Any = None,
        errors: Any = None,
        result_info: Any = None,
        records: list[Any] | None = None,
    ) -> None:
        self.is_object = is_object
        self.success = success
        self.errors: list[dict[str, Any]] = envelope_errors(errors)
        self.result_info: dict[str, Any] = envelope_info(result_info)
        self.ids: list[Any] | None = (
            None
            if records is None
            else [hashable_id(r.get("id")) if isinstance(r, dict) else None for r in records]
        )
        self._records = records
        self._rows: Chunk | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids) if self.ids is not None else 0

    @property
    def rows(self) -> Chunk | None:
        """The ``result`` records, typed; ``None`` when ``result`` is neither a list nor null.

        Raises :class:`~auditkit.errors.APIError` when no record has a field v2 reads.
        """
        if self.ids is None:
            return None
        with self._lock:
            if self._rows is None:
                records = self._records or []
                problem = record_shape_problem(records, V2)
                if problem is not None:
                    raise APIError(problem)
                self._rows = Chunk.from_columns(extract_columns(records, V2), V2)
                self._records = None
            return self._rows

    def prepare(self) -> None:
        """Type the records now (in the thread that fetched the page)."""
        if self.ids:
            with contextlib.suppress(APIError):  # raised again when the rows are asked for
                _ = self.rows


_NOT_JSON = V2Payload(False)


def decode_body(body: bytes) -> V2Payload:
    """Decode one v2 response body into a :class:`V2Payload` (never raises).

    Examples
    --------
    >>> decode_body(b"not json").is_object
    False
    >>> decode_body(b'{"success":true,"result":null}').ids
    []
    """
    try:
        data = decode_loose(valid_utf8(body))
    except msgspec.DecodeError:
        return _NOT_JSON
    if not isinstance(data, dict):
        return _NOT_JSON
    result = data.get("result")
    records: list[Any] | None
    if result is None:
        records = []
    elif isinstance(result, list):
        records = result
    else:
        records = None
    return V2Payload(
        True, data.get("success"), data.get("errors"), data.get("result_info"), records
    )


def rows_of(payloads: Sequence[V2Payload]) -> Chunk:
    """The records of several pages, typed (each page's rows, concatenated)."""
    parts = [p.rows for p in payloads if p.ids is not None]
    return Chunk.concat([p for p in parts if p is not None], V2)
