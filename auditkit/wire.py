"""Cloudflare's response envelope, decoded straight into typed columns.

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
   :func:`auditkit.frame._schema.extract_columns`, for any shape at all.

The envelope itself (``success``, ``errors``, ``result_info``, each record's
``id``) is decoded first and cheaply, for the client's checks and the cache's
filter.

Bytes no decoder should see are dealt with once, before any decoder runs, so
no path depends on what a given msgspec or pyarrow version raises for them:

- **Invalid UTF-8** (:func:`_valid_utf8`): a body that is not ASCII is checked
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
  by :class:`~auditkit.frame._schema.Chunk` (so a kept value always reads back).
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

import contextlib
import re
import threading
import warnings
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from .errors import APIError
from .frame._schema import (
    COLUMNS,
    JSON_TOKENS,
    MAX_DEPTH,
    Chunk,
    extract_columns,
    record_shape_problem,
)

__all__ = ["MAX_DEPTH", "Payload", "decode_body", "decode_response", "rows_of"]

#: Attribute under which a response keeps its decoded payload (decoded once).
PAYLOAD_ATTR = "_auditkit_payload"


class Payload:
    """A decoded response body: the envelope at once, the records when first asked for.

    Decoding the envelope (``success``, ``errors``, ``result_info``, and each
    record's ``id``) is cheap and happens where the response arrives, in the
    thread that fetched it. Typing the records is the expensive part: the
    client asks for it there too (:meth:`prepare`, mostly outside the GIL);
    what that leaves undone happens on first access of :attr:`rows`.

    Attributes
    ----------
    is_object
        The body was a JSON object (``False`` for anything else, invalid JSON included).
    success
        The envelope's ``success`` value, as sent.
    errors
        The envelope's ``errors`` entries that are objects.
    result_info
        The envelope's ``result_info`` (``{}`` if absent or not an object).
    ids
        Each record's ``id`` as sent (``None`` where missing); ``None`` when
        ``result`` is neither a list nor null.
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
        self.errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
        self.result_info = result_info if isinstance(result_info, dict) else {}
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
            with self._lock:
                if self._rows is None:
                    self._keep(rows)

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


# ----------------------------------------------------------- structs from the schema

_JSON_KEYS = {c.path[0] for c in COLUMNS if c.kind == "json"}


def _schema_layout() -> tuple[list[str], dict[str, list[str]]]:
    """Top-level wire keys the frame reads, and the keys read inside each nested object."""
    top: list[str] = []
    nested: dict[str, list[str]] = {}
    for col in COLUMNS:
        head = col.path[0]
        if len(col.path) == 1 or head in _JSON_KEYS:
            if head not in top:
                top.append(head)
        else:
            nested.setdefault(head, []).append(col.path[1])
    return [k for k in top if k not in nested], nested


_TOP, _NESTED = _schema_layout()


def _record_struct() -> type[msgspec.Struct]:
    """A msgspec struct per nested object of the schema, and one for the record.

    JSON fields are :class:`msgspec.Raw` (their text, undecoded). A nested
    object that is absent decodes as an empty struct; one that is ``null`` or
    not an object fails validation, and the page takes the general path.
    """
    fields: list[tuple[str, Any, Any]] = [
        (key, msgspec.Raw, msgspec.Raw()) if key in _JSON_KEYS else (key, Any, None) for key in _TOP
    ]
    for head, keys in _NESTED.items():
        inner = msgspec.defstruct(f"_{head}", [(k, Any, None) for k in keys], gc=False)
        fields.append((head, inner, msgspec.field(default_factory=inner)))
    # gc=False: plain data that cannot form cycles, so the collector need not
    # scan 1,000 records a page (measured: half the decoding time).
    return msgspec.defstruct("_Record", fields, gc=False)


_Record = _record_struct()


class _Records(msgspec.Struct, gc=False):
    result: list[_Record] | None = None  # type: ignore[valid-type]


# Each record's id, and its free-form JSON fields as raw text (for Payload.prepare).
_Id = msgspec.defstruct(
    "_Id",
    [("id", Any, None)] + [(k, msgspec.Raw, msgspec.Raw()) for k in _TOP if k in _JSON_KEYS],
    gc=False,
)


class _Envelope(msgspec.Struct, gc=False):
    """What the client needs of a page: the envelope and each record's id."""

    result: list[_Id] | None = None  # type: ignore[valid-type]
    success: Any = None
    errors: Any = None
    result_info: Any = None


# float_hook: numbers beyond float range (valid JSON) read as +-inf, as json.loads reads them.
_ID = attrgetter("id")
_ENVELOPE = msgspec.json.Decoder(_Envelope, float_hook=float)
_RECORDS = msgspec.json.Decoder(_Records, float_hook=float)
_LOOSE = msgspec.json.Decoder(float_hook=float)


_BOM = b"\xef\xbb\xbf"


def _valid_utf8(body: bytes) -> bytes:
    r"""``body`` as valid UTF-8: a leading byte-order mark dropped, invalid sequences
    replaced by U+FFFD. A valid body is returned as it is (the same object).

    Examples
    --------
    >>> _valid_utf8(b'{"id":"a\xffb"}').decode()
    '{"id":"a\ufffdb"}'
    """
    if body.startswith(_BOM):
        body = body[len(_BOM) :]
    if body.isascii():
        return body
    offsets = pa.py_buffer(np.array([0, len(body)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(body)).validate(full=True)
    except pa.ArrowInvalid:
        return body.decode("utf-8", "replace").encode()
    return body


# An escaped backslash (kept), a surrogate pair (kept), or a lone surrogate (replaced).
_SURROGATES = re.compile(
    rb"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    rb"|\\u[dD][89a-fA-F][0-9a-fA-F]{2}"
)


def _lone_surrogates_replaced(body: bytes) -> bytes:
    r"""``body`` with every escaped lone surrogate (``\ud800``) written as ``\ufffd``.

    Examples
    --------
    >>> _lone_surrogates_replaced(rb'["\ud800","\ud83d\ude00","\\ud800"]')
    b'["\\ufffd","\\ud83d\\ude00","\\\\ud800"]'
    """
    if b"\\u" not in body:
        return body

    def fix(match: re.Match[bytes]) -> bytes:
        text = match.group()
        return rb"\ufffd" if len(text) == 6 else text

    return _SURROGATES.sub(fix, body)


_FIELD_DEPTH = 4  # body -> result -> record -> the record's field (or envelope member's child)


def _deep_values_cut(body: bytes, limit: int = MAX_DEPTH + _FIELD_DEPTH - 1) -> tuple[bytes, int]:
    """``body`` with every value nesting deeper than ``limit`` (from the body's top)
    cut out at its field (the container at depth 4: a record's field, or a value
    inside an envelope member), written as ``null``; and how many fields were cut.
    The default cuts a field's value nested more than :data:`MAX_DEPTH` levels.

    A slow, Python-level scan: it runs only on a body the decoders refused.

    Examples
    --------
    >>> _deep_values_cut(b'{"result":[{"id":"a","metadata":{"a":{"a":[1]}}}]}', limit=6)
    (b'{"result":[{"id":"a","metadata":{"a":{"a":[1]}}}]}', 0)
    >>> _deep_values_cut(b'{"result":[{"id":"a","metadata":{"a":{"a":[1]}}}]}', limit=5)
    (b'{"result":[{"id":"a","metadata":null}]}', 1)
    """
    out: list[bytes] = []
    pos = depth = start = cuts = 0
    deep = False
    for match in JSON_TOKENS.finditer(body):
        char = body[match.start()]
        if char == 0x22:  # '"'
            continue
        if char in (0x7B, 0x5B):  # '{', '['
            depth += 1
            if depth == _FIELD_DEPTH:
                start, deep = match.start(), False
            elif depth > limit:
                deep = True
        else:
            if depth == _FIELD_DEPTH and deep:
                out += (body[pos:start], b"null")
                pos, cuts, deep = match.end(), cuts + 1, False
            depth -= 1
    if not cuts:
        return body, 0
    out.append(body[pos:])
    return b"".join(out), cuts


def _too_deep(exc: BaseException) -> bool:
    """Whether a decoder gave up because the JSON nests too deep (whatever its version)."""
    return isinstance(exc, RecursionError) or (
        isinstance(exc, msgspec.DecodeError) and "depth" in str(exc)
    )


def _repaired(body: bytes, exc: BaseException) -> bytes | None:
    """``body`` with what made a decoder fail taken out, or ``None`` if nothing is to blame."""
    if _too_deep(exc):
        fixed, cuts = _deep_values_cut(body)
        if cuts:
            warnings.warn(
                f"auditkit: {cuts} JSON value(s) of a page nest deeper than {MAX_DEPTH} "
                "levels and cannot be decoded; they are read as missing",
                RuntimeWarning,
                stacklevel=4,
            )
            return fixed
        return None
    fixed = _lone_surrogates_replaced(body)
    return fixed if fixed is not body and fixed != body else None


def _decode(decoder: Any, body: bytes) -> Any:
    """``decoder.decode(body)``, a body too deep or with lone surrogates repaired first
    (:func:`_decode_keeping`). Raises ``msgspec.DecodeError`` (``ValidationError``
    included) when it cannot be decoded."""
    return _decode_keeping(decoder, body)[0]


def _decode_loose(body: bytes) -> Any:
    """Any JSON (the body is valid UTF-8 already: see :func:`decode_body`)."""
    return _decode(_LOOSE, body)


def _plausible(table: pa.Table) -> bool:
    """Cheap: some row has an ``id`` or a ``when`` (or there are no rows)."""
    n = table.num_rows
    return not n or table.column("id").null_count < n or table.column("when").null_count < n


def _shape_problem(body: bytes) -> str | None:
    """:func:`~auditkit.frame.record_shape_problem` of the page ``body`` (slow: decodes it)."""
    try:
        data = _decode_loose(body)
    except msgspec.DecodeError:
        return None
    result = data.get("result") if isinstance(data, dict) else None
    return record_shape_problem(result) if isinstance(result, list) else None


_NAME = {col.path: col.name for col in COLUMNS}


def _schema_columns(
    top: Callable[[str], Any], nested: Callable[[str], Any], field: Callable[[Any, str], Any]
) -> Chunk:
    """The chunk of one page's columns, read by schema path.

    ``top(key)`` gives a top-level field's column, ``nested(head)`` a nested
    object's column and ``field(objects, key)`` a field's column inside it.
    """
    columns: dict[str, Any] = {}
    for key in _TOP:
        if (key,) in _NAME:
            columns[_NAME[(key,)]] = top(key)
    for head, keys in _NESTED.items():
        objects = nested(head)
        for key in keys:
            columns[_NAME[(head, key)]] = field(objects, key)
    return Chunk.from_columns(columns)


def _pick(objects: Sequence[Any], key: str) -> list[Any]:
    """``key`` of every object (one C-level ``map``)."""
    return list(map(attrgetter(key), objects))


def _typed_rows(records: list[Any]) -> Chunk:
    """Columns of decoded record structs.

    One C-level ``map`` per field: no per-record tuples, so nothing for the
    garbage collector to chase (per-record tuples cost twice as much in
    collections as in building them).
    """
    if not records:
        return Chunk.empty()
    return _schema_columns(
        lambda key: _raw_json(_pick(records, key)) if key in _JSON_KEYS else _pick(records, key),
        lambda head: _pick(records, head),
        _pick,
    )


_OPENERS = np.array([ord("{"), ord("[")], dtype=np.uint8)


def _raw_json(raws: Sequence[msgspec.Raw]) -> pa.Array:
    """Raw JSON texts as one Arrow text array, without a Python object per value.

    Objects and arrays are kept; anything else (``null``, strings, numbers,
    an absent field) is missing, as :mod:`auditkit.frame` has it. Built from
    buffers with numpy, so it never gives up the GIL (see :func:`rows_of`).
    """
    n = len(raws)
    lengths = np.fromiter(map(len, raws), dtype=np.int64, count=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    data = np.frombuffer(b"".join(raws), dtype=np.uint8)
    if not len(data):
        return pa.nulls(n, pa.large_string())
    first = data[np.minimum(offsets[:-1], len(data) - 1)]
    valid = (lengths > 0) & ((first == _OPENERS[0]) | (first == _OPENERS[1]))
    if lengths[~valid].any():
        # Missing values take no bytes: keep only the valid ones' text (an absent
        # field has none already; a ``null`` or a string has some).
        data = data[np.repeat(valid, lengths)]
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.where(valid, lengths, 0), out=offsets[1:])
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little"))
    arr = pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(data), bitmap, int(n - valid.sum())
    )
    try:
        arr.validate(full=True)  # UTF-8
    except pa.ArrowInvalid:
        texts = [
            bytes(r).decode("utf-8", "replace") if ok else None
            for r, ok in zip(raws, valid, strict=True)
        ]
        arr = pa.array(texts, type=pa.large_string())
    return arr


def _arrow_schema() -> pa.Schema:
    """The envelope as pyarrow's JSON reader should type it: only the scalar fields kept."""
    kinds = {"boolean": pa.bool_()}
    top: list[pa.Field] = []
    for key in _TOP:
        if key not in _JSON_KEYS and (key,) in _NAME:
            top.append(pa.field(key, kinds.get(_KIND[(key,)], pa.string())))
    for head, keys in _NESTED.items():
        inner = [pa.field(k, kinds.get(_KIND[(head, k)], pa.string())) for k in keys]
        top.append(pa.field(head, pa.struct(inner)))
    return pa.schema([pa.field("result", pa.list_(pa.struct(top)))])


_KIND = {col.path: col.kind for col in COLUMNS}
_ARROW_PARSE = pj.ParseOptions(
    explicit_schema=_arrow_schema(), unexpected_field_behavior="ignore", newlines_in_values=True
)


def _arrow_rows(body: bytes, raw: list[Any]) -> Chunk | None:
    """A page's records typed by pyarrow's JSON reader (the scalar fields), with the raw
    JSON fields the envelope's decode cut out (``raw``); ``None`` when the page holds
    anything the reader will not type."""
    try:
        table = pj.read_json(
            pa.BufferReader(body),
            read_options=pj.ReadOptions(use_threads=False, block_size=len(body) + 1),
            parse_options=_ARROW_PARSE,
        )
        records = pc.list_flatten(table.column("result")).combine_chunks()
    except (pa.ArrowException, ValueError):
        return None
    if len(records) != len(raw) or not raw:
        return None
    return _schema_columns(
        lambda key: (
            _raw_json(_pick(raw, key)) if key in _JSON_KEYS else pc.struct_field(records, key)
        ),
        lambda head: pc.struct_field(records, head),
        pc.struct_field,
    )


# ----------------------------------------------------------------- decoding


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
        [i if type(i) is str else _hashable(i) for i in map(_ID, records)]
        if records is not None
        else []
    )
    return Payload(True, env.success, env.errors, env.result_info, ids, body=body, raws=records)


def _decode_keeping(decoder: Any, body: bytes) -> tuple[Any, bytes]:
    """:func:`_decode`, and the body as repaired for it (the other decoders read that one)."""
    try:
        return decoder.decode(body), body
    except (msgspec.DecodeError, RecursionError) as exc:
        if isinstance(exc, msgspec.ValidationError):
            raise
        fixed = _repaired(body, exc)
        if fixed is None:
            raise msgspec.DecodeError(str(exc)) from None
        return _decode_keeping(decoder, fixed)


def _hashable(value: Any) -> Any:
    """An id as sent, or its JSON text when it is an object or array (ids are compared in sets)."""
    return msgspec.json.encode(value).decode() if isinstance(value, dict | list) else value


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
        ids = [_hashable(r.get("id")) if isinstance(r, dict) else None for r in result]
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

    The cache's filter and the client both need it; the second asks for free.
    """
    payload = getattr(response, PAYLOAD_ATTR, None)
    if payload is None:
        try:
            body = response.content
        except Exception:
            body = b""
        payload = decode_body(body if isinstance(body, bytes) else b"")
        with contextlib.suppress(AttributeError):  # slotted response types
            setattr(response, PAYLOAD_ATTR, payload)
    return payload
