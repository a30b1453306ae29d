"""v2 records into typed columns, two ways: pyarrow's JSON reader, or msgspec structs.

:func:`_arrow_columns` reads a page's non-json columns in C++ outside the GIL,
with its json columns as the envelope's decode cut them out (:func:`_arrow_rows`
types them); :func:`_struct_rows` types decoded record structs. Both give the chunk the general path gives
(:func:`auditkit.frame._chunk.extract_columns`), column by column.

Raw JSON text is kept as sent (read back, it is the value the general path
stores), except where a number in it is beyond float range (``1e400``): the
general path reads that as infinity and stores ``null``, so a column holding
anything that may be one is typed the general way (:func:`_json_column`).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from ...frame._chunk import Chunk
from ...frame._schema import Column
from ...frame._schema_v2 import V2
from .._arrow import raw_texts, result_records
from ._layout import _ARROW_HEADS, _ARROW_PARSE, _NESTED

_DECODE = msgspec.json.Decoder(float_hook=float)

# A number that may not fit a float (one whose integer part has fewer than 100 digits and
# whose exponent is below 100 is finite): a 3-digit exponent, or 100 digits before the
# point. Look-alikes inside strings only cost the slower typing of their column.
_HUGE = r"(?:^|[:,\[])\s*-?(?:[0-9]{100}|[0-9]+(?:\.[0-9]+)?[eE][+-]?0*[1-9][0-9]{2})"


def _raw_texts(raws: Sequence[msgspec.Raw], any_json: bool) -> pa.Array | None:
    """Raw JSON texts as one Arrow text array, without a Python object per value.

    Kept as the general path keeps them: objects and arrays, or with ``any_json``
    any value but ``null``; anything else (an absent field has no text) is missing.
    ``None`` when a text may hold a number beyond float range (:data:`_HUGE`).
    """
    arr = raw_texts(raws, any_json)
    return None if pc.any(pc.match_substring_regex(arr, _HUGE)).as_py() else arr


def _json_column(col: Column, raws: Sequence[msgspec.Raw]) -> pa.Array | list[Any]:
    """A json column as ``Chunk.from_columns`` takes it: the raw texts, or the values
    they decode to where one may hold a number beyond float range (typed as the
    general path types them: it reads such a number as infinity, written ``null``)."""
    texts = _raw_texts(raws, col.any_json)
    if texts is not None:
        return texts
    return [_DECODE.decode(r) if len(r) else None for r in raws]


def _pick(objects: Sequence[Any], key: str) -> list[Any]:
    """``key`` of every object (one C-level ``map``)."""
    return list(map(attrgetter(key), objects))


def _cut_json(structs: list[Any]) -> dict[str, Any]:
    """The json columns of record structs that hold them (:data:`~._layout._Id`,
    :data:`~._layout._Record`), by column name."""
    columns: dict[str, Any] = {}
    for col in V2.json_columns:
        objects = structs if len(col.path) == 1 else _pick(structs, col.path[0])
        columns[col.name] = _json_column(col, _pick(objects, col.path[-1]))
    return columns


def _struct_rows(records: list[Any]) -> Chunk:
    """The chunk of decoded record structs (:data:`~._layout._RECORDS`)."""
    if not records:
        return Chunk.empty(V2)
    columns = _cut_json(records)
    heads = {head: _pick(records, head) for head in _NESTED}
    for col in V2.typed_columns:
        objects = records if len(col.path) == 1 else heads[col.path[0]]
        columns[col.name] = _pick(objects, col.path[-1])
    return Chunk.from_columns(columns, V2)


def _arrow_columns(body: bytes, cut: list[Any]) -> dict[str, Any] | None:
    """A page's columns read by pyarrow's JSON reader (in C++, outside the GIL), with the
    json columns the envelope's decode cut out of each record (``cut``, its
    :data:`~._layout._Id` structs); ``None`` when the page holds anything the reader
    will not type. Never warns: safe to run in any thread."""
    records = result_records(body, _ARROW_PARSE, len(cut))
    if records is None:
        return None
    columns = _cut_json(cut)
    heads = {head: pc.struct_field(records, head) for head in _NESTED if head in _ARROW_HEADS}
    for col in V2.typed_columns:
        objects = records if len(col.path) == 1 else heads[col.path[0]]
        columns[col.name] = pc.struct_field(objects, col.path[-1])
    return columns


def _arrow_rows(body: bytes, cut: list[Any]) -> Chunk | None:
    """The chunk of :func:`_arrow_columns` (``None`` where it is ``None``)."""
    columns = _arrow_columns(body, cut)
    return None if columns is None else Chunk.from_columns(columns, V2)
