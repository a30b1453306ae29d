"""v2's record layout, read from the v2 schema: the decoders that read only what it keeps.

:data:`auditkit.frame.V2` gives each column's wire path (``id``, or
``head.key`` inside a nested object); from it come:

- :data:`_ENVELOPE`: the envelope, and of each record its ``id``, its foreign
  fields (``when``: only whether it is there) and its ``json`` columns
  (``resource.request``, ``resource.scope``, ...) as raw text, never decoded;
- :data:`_ARROW_PARSE`: pyarrow's JSON reader typing every other column;
- :data:`_RECORDS`: msgspec structs holding every column the frame keeps.

A nested object that is absent reads as an empty struct; one that is ``null``
or not an object fails validation, and the page takes the general path.

Examples
--------
>>> _NESTED["resource"][:3], sorted(_Id.__struct_fields__)
(['id', 'type', 'product'], ['id', 'resource', 'when'])
"""

from __future__ import annotations

from typing import Any

import msgspec
import pyarrow as pa
import pyarrow.json as pj

from ...frame._schema import Column
from ...frame._schema_v2 import V2

#: Top-level keys read as values (``id``), and the keys read inside each nested object.
_TOP: list[str] = [c.path[0] for c in V2.columns if len(c.path) == 1]
_NESTED: dict[str, list[str]] = {}
for _col in V2.columns:
    if len(_col.path) == 2:
        _NESTED.setdefault(_col.path[0], []).append(_col.path[1])

_JSON_PATHS = frozenset(c.path for c in V2.json_columns)


def _json_field(col: Column) -> tuple[str, Any, Any]:
    """A ``json`` column's field: its raw text, empty when absent."""
    return (col.path[-1], msgspec.Raw, msgspec.Raw())


def _struct(
    name: str, fields: list[tuple[str, Any, Any]], nested: dict[str, list[tuple[str, Any, Any]]]
) -> type[msgspec.Struct]:
    """A struct of ``fields`` and, per nested object, a struct of its fields (default empty).

    ``gc=False``: plain data that cannot form cycles, so the collector need not
    scan a thousand records a page.
    """
    out = list(fields)
    for head, inner_fields in nested.items():
        inner = msgspec.defstruct(f"{name}_{head}", inner_fields, gc=False)
        out.append((head, inner, msgspec.field(default_factory=inner)))
    return msgspec.defstruct(name, out, gc=False)


# Each record's id (unset when absent: the page's shape check tells absent from null),
# its foreign fields (empty raw text when absent), and its json columns.
_Id = _struct(
    "_Id",
    [(k, Any, msgspec.UNSET) for k in _TOP if (k,) not in _JSON_PATHS]
    + [(k, msgspec.Raw, msgspec.Raw()) for k in V2.foreign_fields]
    + [_json_field(c) for c in V2.json_columns if len(c.path) == 1],
    {
        head: [_json_field(c) for c in V2.json_columns if c.path[0] == head]
        for head in _NESTED
        if any(c.path[0] == head for c in V2.json_columns)
    },
)


class _Envelope(msgspec.Struct, gc=False):
    """What the client needs of a page: the envelope, and each record's id and json fields."""

    result: list[_Id] | None = None  # type: ignore[valid-type]
    success: Any = None
    errors: Any = None
    result_info: Any = None


def _column_field(col: Column) -> tuple[str, Any, Any]:
    return _json_field(col) if col.kind == "json" else (col.path[-1], Any, None)


_Record = _struct(
    "_Record",
    [_column_field(c) for c in V2.columns if len(c.path) == 1],
    {
        head: [_column_field(c) for c in V2.columns if c.path[0] == head and len(c.path) == 2]
        for head in _NESTED
    },
)


class _Records(msgspec.Struct, gc=False):
    result: list[_Record] | None = None  # type: ignore[valid-type]


# float_hook: numbers beyond float range (valid JSON) read as +-inf, as json.loads reads them.
_ENVELOPE = msgspec.json.Decoder(_Envelope, float_hook=float)
_RECORDS = msgspec.json.Decoder(_Records, float_hook=float)


def _arrow_type(col: Column) -> pa.DataType:
    """How pyarrow's reader reads ``col``: text, except integers and JSON booleans."""
    if col.kind == "integer":
        return pa.int64()
    if col.kind == "boolean" and col.true is None:
        return pa.bool_()
    return pa.string()


def _arrow_schema() -> pa.Schema:
    """The envelope as pyarrow's JSON reader should type it: only the non-json columns."""
    typed = [c for c in V2.columns if c.kind != "json"]
    top = [pa.field(c.path[0], _arrow_type(c)) for c in typed if len(c.path) == 1]
    for head in _NESTED:
        inner = [pa.field(c.path[1], _arrow_type(c)) for c in typed if c.path[:-1] == (head,)]
        if inner:
            top.append(pa.field(head, pa.struct(inner)))
    return pa.schema([pa.field("result", pa.list_(pa.struct(top)))])


#: The nested objects the reader types fields of.
_ARROW_HEADS = frozenset(f.name for f in _arrow_schema().field("result").type.value_type)
_ARROW_PARSE = pj.ParseOptions(
    explicit_schema=_arrow_schema(), unexpected_field_behavior="ignore", newlines_in_values=True
)
