"""v1's response body: the envelope at once, the records straight into typed columns.

A page of 1,000 audit records is about 600 kB of JSON. Decoding it into a
Python ``dict`` per record (and per nested object) and then picking the
columns out costs several times more than downloading it. Here no record
ever becomes a dict. A page goes through up to three decoders, each built
from :data:`auditkit.frame.COLUMNS` (so the schema stays the one source of
truth), and all three give the same rows (``tests/test_wire.py``):

1. :meth:`Payload.prepare`, in the thread that fetched the page: pyarrow's
   JSON reader types the scalar fields in C++, outside the GIL, and msgspec
   cuts out the free-form JSON fields (``metadata``, ``oldValueJson``,
   ``newValueJson``) as raw text, never decoded.
2. Pages the reader will not type (an ``id`` that is a number, a ``result``
   that is not ``true``/``false``, a stray byte): msgspec structs with only
   the fields the frame keeps, typed a few pages at a time (:func:`rows_of`).
3. Pages the structs cannot describe (a record that is not an object, an
   ``actor`` that is ``null`` or a string): the general decode, through
   :func:`auditkit.frame._chunk.extract_columns`, for any shape at all.

The envelope itself (``success``, ``errors``, ``result_info``, each record's
``id``) is decoded first and cheaply, for the client's checks and the cache's
filter.

Bytes no decoder should see are dealt with once, before any decoder runs
(:mod:`auditkit.http._body`), so no path depends on what a given msgspec or
pyarrow version raises for them:

- **Invalid UTF-8** (:func:`~auditkit.http._body.valid_utf8`): a body that is not ASCII is checked
  by Arrow's UTF-8 validation (about 60 us for a 600 kB page; ``isascii`` is
  the fast path, about 25 us); invalid sequences become U+FFFD. A leading
  UTF-8 byte-order mark is dropped. Every record stays a row.
- **Escaped lone surrogates** (``"\\ud800"``, valid JSON that msgspec refuses):
  when a decode fails, they are rewritten as ``"\\ufffd"`` and the body read again.
- **Deep nesting.** msgspec cannot decode JSON nested deeper than Python's
  recursion limit allows (``RecursionError`` in msgspec 0.23, a "nesting
  depth" ``DecodeError`` in others), and where that limit falls depends on the
  caller's own stack. Decision, fail-safe and loud, the same on every path: a
  field's value nested more than :data:`~auditkit.frame.MAX_DEPTH` (200)
  levels is read as missing, with a :class:`RuntimeWarning`; the row is kept,
  its other fields as sent, and the page is never mistaken for a truncated
  body. When a decode fails so, every such value is cut out of the body
  (written ``null``, at the record's field or envelope member holding it) and
  the body decoded again; values that do decode are cut from the JSON columns
  by :class:`~auditkit.frame._chunk.Chunk` (so a kept value always reads back).
- **Records of another shape** (:func:`auditkit.frame.record_shape_problem`):
  a page whose records have none of the fields the schema reads (Cloudflare
  Logpush output, with ``ActionType``/``When``/...) raises
  :class:`~auditkit.errors.APIError` when its rows are asked for, on every
  path. The check is one null count of ``id`` and ``when`` on the typed rows
  (one attribute read of the first record on the struct path); only a page
  where both are all missing is looked at record by record.

Examples
--------
>>> page = decode_body(b'{"success":true,"errors":[],"result":[{"id":"a",'
...                    b'"metadata":{"zone_name":"example.com"}}]}')
>>> page.success, len(page), page.ids
(True, 1, ['a'])
>>> page.rows.table.column("zone_name").to_pylist()
['example.com']
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import msgspec

from ...errors import APIError
from ...frame._chunk import Chunk, extract_columns
from ...frame._depth import MAX_DEPTH
from ...frame._memory import RELEASE_BYTES, release_unused
from ...frame._records import record_shape_problem
from ...frame._schema import V1
from ...http._body import decode as _decode
from ...http._body import decode_keeping as _decode_keeping
from ...http._body import decode_loose as _decode_loose
from ...http._body import valid_utf8 as _valid_utf8
from ...http._envelope import decoded, envelope_errors, envelope_info, hashable_id
from ._columns import _arrow_rows, _plausible, _typed_rows
from ._layout import _ENVELOPE, _ID, _RECORDS

__all__ = ["MAX_DEPTH", "Payload", "decode_body", "decode_response", "rows_of"]


class Payload:
    """A decoded response body: the envelope at once, the records when first asked for.

    Decoding the envelope (``success``, ``errors``, ``result_info``, and each
    record's ``id``) is cheap and happens where the response arrives, in the
    thread that fetched it. Typing the records is the expensive part: the
    client asks for it there too (:meth:`prepare`, mostly outside the GIL);
    what that leaves undone happens on first access of :attr:`rows`.

    It is v1's :class:`~auditkit.http.Envelope` (``is_object``, ``success``,
    ``errors``, ``result_info``, ``ids``: see there); an ``id`` that is missing
    is ``None`` in ``ids``.
    """

    __slots__ = (
        "_body",
        "_lock",
        "_problem",
        "_raws",
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
        ids: list[Any] | None = None,
        *,
        body: bytes = b"",
        rows: Chunk | None = None,
        raws: list[Any] | None = None,
        problem: str | None = None,
    ) -> None:
        self.is_object = is_object
        self.success = success
        self.errors = envelope_errors(errors)
        self.result_info = envelope_info(result_info)
        self.ids = ids
        self._body = body
        self._rows = rows
        self._raws = raws
        self._problem = problem
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.ids) if self.ids is not None else 0

    @property
    def rows(self) -> Chunk | None:
        """The ``result`` records, typed; ``None`` when ``result`` is neither a list nor null.

        Raises :class:`~auditkit.errors.APIError` when no record has any field
        the schema reads (:func:`auditkit.frame.record_shape_problem`).
        """
        if self.ids is None:
            return None
        with self._lock:
            if self._problem is not None:
                raise APIError(self._problem)
            if self._rows is None:
                self._keep(rows_of([self]))
            return self._rows

    def prepare(self) -> None:
        """Type the records now, in C++ outside the GIL where the page allows it.

        Meant for the thread that fetched the page: pyarrow's JSON reader parses
        the fields the frame keeps while other threads run Python. A page it
        cannot read (odd shapes, stray bytes) is left for :attr:`rows`.
        """
        if self.ids is None or self._rows is not None or not self.ids:
            return
        rows = _arrow_rows(self._body, self._raws or [])
        # Rows with neither an id nor a time are left for rows_of, which looks closer.
        if rows is not None and _plausible(rows.table):
            rows = rows.encoded(V1)  # dictionary-encoded here too, outside the GIL
            with self._lock:
                if self._rows is None:
                    self._keep(rows)
        # The reader's transient buffers, freed in this thread: mimalloc would keep them
        # until this thread allocates again, and the loader's threads end with the load.
        release_unused(in_use_over=RELEASE_BYTES)

    def _keep(self, rows: Chunk) -> None:
        """Hold the typed rows; the body (and the raw fields cut from it) are no longer needed."""
        self._rows = rows
        self._body = b""
        self._raws = None

    def _records(self) -> list[Any] | Chunk:
        """The page's record structs, or its typed rows when the structs cannot describe it.

        Raises :class:`~auditkit.errors.APIError` when no record has a field the
        schema reads.
        """
        if self._problem is not None:
            raise APIError(self._problem)
        if self._rows is not None:
            return self._rows
        if not self.ids:
            return []
        try:
            records = _decode(_RECORDS, self._body).result or []
        except msgspec.ValidationError:  # odd shapes: the general path
            loose = _loose(self._body)
            self._problem = loose._problem
            if self._problem is not None:
                raise APIError(self._problem) from None
            if loose.rows is None:
                raise APIError("a page's records could not be decoded") from None
            self._rows = loose.rows
            return self._rows
        except msgspec.DecodeError as exc:  # the envelope decoded, the records did not
            raise APIError(f"a page's records could not be decoded ({exc})") from None
        if records and records[0].id is None and records[0].when is None:
            self._problem = _shape_problem(self._body)
            if self._problem is not None:
                raise APIError(self._problem)
        return records


_NOT_JSON = Payload(False)


def _shape_problem(body: bytes) -> str | None:
    """:func:`~auditkit.frame.record_shape_problem` of the page ``body`` (slow: decodes it)."""
    try:
        data = _decode_loose(body)
    except msgspec.DecodeError:
        return None
    result = data.get("result") if isinstance(data, dict) else None
    return record_shape_problem(result) if isinstance(result, list) else None


def decode_body(body: bytes) -> Payload:
    """Decode one response body into a :class:`Payload` (never raises).

    The body is made valid UTF-8 first (:func:`_valid_utf8`), so no decoder ever
    sees a stray byte; see the module docstring for bodies nested too deep.

    Examples
    --------
    >>> decode_body(b"not json").is_object
    False
    >>> decode_body(b'{"success":false,"errors":[{"code":10000,"message":"no"}]}').errors
    [{'code': 10000, 'message': 'no'}]
    """
    body = _valid_utf8(body)
    try:
        env, body = _decode_keeping(_ENVELOPE, body)
    except msgspec.ValidationError:
        return _loose(body)
    except msgspec.DecodeError:
        return _NOT_JSON
    records = env.result
    ids = (
        [i if type(i) is str else hashable_id(i) for i in map(_ID, records)]
        if records is not None
        else []
    )
    return Payload(True, env.success, env.errors, env.result_info, ids, body=body, raws=records)


def rows_of(payloads: Sequence[Payload]) -> Chunk:
    """The records of several pages, typed together (one Arrow conversion per column).

    Typing pages in batches rather than one by one matters when other threads
    are busy: every Arrow call releases the GIL and must win it back.

    Examples
    --------
    >>> pages = [decode_body(b'{"success":true,"result":[{"id":"%d"}]}' % n) for n in (1, 2)]
    >>> rows_of(pages).table.column("id").to_pylist()
    ['1', '2']
    """
    parts: list[Chunk] = []
    pending: list[Any] = []
    for payload in payloads:
        if payload.ids is None:
            continue
        with payload._lock:
            records = payload._records()
        if isinstance(records, Chunk):
            if pending:
                parts.append(_typed_rows(pending))
                pending = []
            parts.append(records)
        else:
            pending.extend(records)
    if pending or not parts:
        parts.append(_typed_rows(pending))
    return Chunk.concat(parts)


def _loose(body: bytes) -> Payload:
    """The general path: any JSON, records through :func:`extract_columns`."""
    try:
        data = _decode_loose(body)
    except msgspec.DecodeError:
        return _NOT_JSON
    if not isinstance(data, dict):
        return _NOT_JSON
    result = data.get("result")
    rows: Chunk | None = None
    ids: list[Any] | None = None
    problem: str | None = None
    if result is None:
        ids, rows = [], Chunk.empty()
    elif isinstance(result, list):
        problem = record_shape_problem(result)  # stops at the first record with a known field
        rows = Chunk.from_columns(extract_columns(result))
        ids = [hashable_id(r.get("id")) if isinstance(r, dict) else None for r in result]
    return Payload(
        True,
        data.get("success"),
        data.get("errors"),
        data.get("result_info"),
        ids,
        rows=rows,
        problem=problem,
    )


def decode_response(response: Any) -> Payload:
    """The decoded body of ``response``, decoded once and kept on the response.

    The adapter, the cache's filter and the client all need it; after the first,
    the others ask for free.
    """
    payload = decoded(response, decode_body)
    assert isinstance(payload, Payload)
    return payload
