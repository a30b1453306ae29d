"""v2's response body: the envelope at once, the records straight into typed columns.

A page of 1,000 v2 records is about 1 MB of JSON; decoding it into a Python
``dict`` per record (and per nested object) and picking the columns out costs
more than downloading it. As for v1 (:mod:`auditkit.sources.v1._wire`), a page
goes through up to three decoders, each built from the v2 schema
(:data:`auditkit.frame.V2`, the one source of truth: :mod:`._layout`), and all
three give the same rows (``tests/test_v2_wire_paths.py``):

1. ``arrow``: pyarrow's JSON reader types the columns that are not ``json`` in
   C++, outside the GIL; the ``json`` columns are those the envelope's decode
   cut out (``resource.request``/``response`` as raw text, never decoded;
   ``resource.scope`` too). :meth:`V2Payload.prepare` (in the thread that
   fetched the page) starts it in a reader thread of its own, so that it
   overlaps the download of the next page: v2's cursor walk is sequential.
2. ``struct``: pages the reader will not type (an ``id`` that is a number, a
   ``raw.status_code`` that is text such as ``"404"`` or ``200.0``, a key sent
   twice, a number beyond float range): msgspec structs with only the fields
   the frame keeps.
3. ``general``: pages neither can type (a record that is not an object, a
   nested object that is not an object, or ``null`` for ``resource``, which the
   envelope's decode reads; ``result`` not a list), and pages whose first
   record is not plainly a v2 record
   (no ``id``, or a top-level ``when``): the body decoded into plain values,
   the records typed by :func:`auditkit.frame._chunk.extract_columns`.

The body is made valid UTF-8 first and a decode that fails on lone surrogates
or JSON nested too deep is retried on the body repaired
(:mod:`auditkit.http._body`, the same as for v1 and on every path). A page
whose records have none of the fields v2 reads (v1 records, say, with a
top-level ``when``) raises :class:`~auditkit.errors.APIError` when its rows are
asked for: never a frame of missing values.

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
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import msgspec

from ...errors import APIError
from ...frame._chunk import Chunk, extract_columns
from ...frame._records import record_shape_problem
from ...frame._schema_v2 import V2
from ...http._body import decode, decode_loose, repaired, valid_utf8
from ...http._envelope import envelope_errors, envelope_info, hashable_id
from ._columns import _arrow_columns, _struct_rows
from ._layout import _ENVELOPE, _RECORDS

__all__ = ["V2Payload", "decode_body", "rows_of"]


class V2Payload:
    """A decoded v2 response body: an :class:`~auditkit.http.Envelope`, and its rows.

    ``ids`` is each record's ``id`` as sent (``None`` when ``result`` is neither
    a list nor null); :attr:`rows` types the records on first access (or in
    :meth:`prepare`): from the body (``body``, with the envelope's record structs
    ``cut``), or from the records decoded into plain values (``records``).
    """

    __slots__ = (
        "_ahead",
        "_body",
        "_cut",
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
        *,
        ids: list[Any] | None = None,
        body: bytes = b"",
        cut: list[Any] | None = None,
    ) -> None:
        self.is_object = is_object
        self.success = success
        self.errors: list[dict[str, Any]] = envelope_errors(errors)
        self.result_info: dict[str, Any] = envelope_info(result_info)
        if records is not None:
            ids = [hashable_id(r.get("id")) if isinstance(r, dict) else None for r in records]
        self.ids: list[Any] | None = ids
        self._records = records
        self._body = body
        self._cut = cut
        self._rows: Chunk | None = None
        self._ahead: Future[dict[str, Any] | None] | None = None
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
                self._rows = self._typed()
                self._records = self._cut = self._ahead = None
                self._body = b""
            return self._rows

    def _typed(self) -> Chunk:
        """The records typed by the first path that can (the module docstring's three)."""
        if self._records is None and self._cut:
            columns = self._read_ahead()
            if columns is not None:
                return Chunk.from_columns(columns, V2)
            try:
                return _struct_rows(decode(_RECORDS, self._body).result or [])
            except msgspec.ValidationError:
                self._records = _loose_records(self._body)
            except msgspec.DecodeError as exc:  # the envelope decoded, the records did not
                raise APIError(f"a page's records could not be decoded ({exc})") from None
        records = self._records or []
        problem = record_shape_problem(records, V2)
        if problem is not None:
            raise APIError(problem)
        return Chunk.from_columns(extract_columns(records, V2), V2)

    def _read_ahead(self) -> dict[str, Any] | None:
        """The columns pyarrow's reader read ahead (:meth:`prepare`), or reads now."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and not ahead.cancel():  # started: wait for it
            return ahead.result()
        return _arrow_columns(self._body, self._cut or [])

    def prepare(self) -> None:
        """Start reading the records (called in the thread that fetched the page).

        v2's cursor walk is sequential: typing the page here would hold back the
        request for the next one. pyarrow's reader reads it in a thread of its
        own instead (in C++, outside the GIL), while the next page downloads;
        :attr:`rows` takes what it read (typing the rest where it is asked for,
        so any warning is raised there), or reads the page itself if the reader
        has not started on it.
        """
        if self.ids and self._cut and self._records is None and self._ahead is None:
            with self._lock, contextlib.suppress(RuntimeError):  # no thread at shutdown
                if self._rows is None and self._ahead is None:
                    self._ahead = _reader().submit(_arrow_columns, self._body, self._cut)


_READER: list[ThreadPoolExecutor] = []
_READER_LOCK = threading.Lock()


def _reader() -> ThreadPoolExecutor:
    """The one thread reading pages ahead (made on first use, and again in a forked child)."""
    with _READER_LOCK:
        if not _READER:
            _READER.append(ThreadPoolExecutor(1, thread_name_prefix="auditkit-v2-read"))
        return _READER[0]


if hasattr(os, "register_at_fork"):  # a child has none of its parent's threads
    os.register_at_fork(after_in_child=_READER.clear)


_NOT_JSON = V2Payload(False)


def _plainly_v2(record: Any) -> bool:
    """Whether the envelope's struct of a record says it is a v2 record: an ``id``, no
    foreign field (so :func:`~auditkit.frame.record_shape_problem` finds no problem)."""
    return record.id is not msgspec.UNSET and not any(
        len(getattr(record, key)) for key in V2.foreign_fields
    )


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
        env, body = _envelope(valid_utf8(body))
    except msgspec.DecodeError:
        return _NOT_JSON
    if env is None:
        return _loose(body)
    cut = env.result
    if cut and not _plainly_v2(cut[0]):
        return _loose(body)
    ids = [] if cut is None else [None if r.id is msgspec.UNSET else hashable_id(r.id) for r in cut]
    return V2Payload(True, env.success, env.errors, env.result_info, ids=ids, body=body, cut=cut)


def _envelope(body: bytes) -> tuple[Any, bytes]:
    """The envelope's struct (``None`` if the structs cannot describe the body), and the
    body as repaired for it (:func:`~auditkit.http._body.decode_keeping`, but the repaired
    body is kept for the general path too: it is repaired, and warned about, once).

    Raises ``msgspec.DecodeError`` when the body is not JSON.
    """
    try:
        return _ENVELOPE.decode(body), body
    except msgspec.ValidationError:
        return None, body
    except (msgspec.DecodeError, RecursionError) as exc:
        fixed = repaired(body, exc)
        if fixed is None:
            raise msgspec.DecodeError(str(exc)) from None
        return _envelope(fixed)


def _loose(body: bytes) -> V2Payload:
    """The general path: any JSON, the records as plain values."""
    try:
        data = decode_loose(body)
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


def _loose_records(body: bytes) -> list[Any]:
    """The records of a body whose envelope decoded, as plain values."""
    payload = _loose(body)
    return payload._records or []


def rows_of(payloads: Sequence[V2Payload]) -> Chunk:
    """The records of several pages, typed (each page's rows, concatenated).

    Examples
    --------
    >>> pages = [decode_body(b'{"success":true,"result":[{"id":"%d"}]}' % n) for n in (1, 2)]
    >>> rows_of(pages).table.column("id").to_pylist()
    ['1', '2']
    """
    parts = [p.rows for p in payloads if p.ids is not None]
    return Chunk.concat([p for p in parts if p is not None], V2)
