"""v1 records into typed columns, two ways: pyarrow's JSON reader, or msgspec structs.

:func:`_arrow_rows` types a page's scalar fields in C++ outside the GIL (the
fetching thread's path); :func:`_typed_rows` types decoded record structs a few
pages at a time. Both give the same :class:`~auditkit.frame._chunk.Chunk`,
column by column through :func:`_schema_columns`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from ...frame._chunk import Chunk
from .._arrow import raw_texts, result_records
from ._layout import _JSON_KEYS, _KIND, _NAME, _NESTED, _TOP


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


def _raw_json(raws: Sequence[msgspec.Raw]) -> pa.Array:
    """Raw JSON texts as one Arrow text array (:func:`~auditkit.sources._arrow.raw_texts`):
    objects and arrays kept, anything else missing. It never gives up the GIL (see
    :func:`rows_of`)."""
    return raw_texts(raws)


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


_ARROW_PARSE = pj.ParseOptions(
    explicit_schema=_arrow_schema(), unexpected_field_behavior="ignore", newlines_in_values=True
)


def _arrow_rows(body: bytes, raw: list[Any]) -> Chunk | None:
    """A page's records typed by pyarrow's JSON reader (the scalar fields), with the raw
    JSON fields the envelope's decode cut out (``raw``); ``None`` when the page holds
    anything the reader will not type."""
    records = result_records(body, _ARROW_PARSE, len(raw))
    if records is None:
        return None
    return _schema_columns(
        lambda key: (
            _raw_json(_pick(raw, key)) if key in _JSON_KEYS else pc.struct_field(records, key)
        ),
        lambda head: pc.struct_field(records, head),
        pc.struct_field,
    )


def _plausible(table: pa.Table) -> bool:
    """Cheap: some row has an ``id`` or a ``when`` (or there are no rows)."""
    n = table.num_rows
    return not n or table.column("id").null_count < n or table.column("when").null_count < n
