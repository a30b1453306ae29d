"""Raw columns typed into Arrow chunks, and chunks into the audit-log frame.

The loader's path from records to a frame: :func:`extract_columns` pulls each
column's raw values out of a page of records, :meth:`Chunk.from_columns` cleans
and types them into one Arrow table (per page, in worker threads), and
:func:`chunks_to_frame` turns any number of chunks into the typed frame. Each
takes the frame's :class:`~auditkit.frame._schema.Schema` (default ``V1``) and
reads only the lookups it worked out when it was made.

Cleaning rules, applied per column kind:

- ``string`` / ``category``: ``""`` becomes missing; numbers and booleans become
  their text; objects become compact JSON text. ``old_value`` and ``new_value``
  also turn the literal ``"null"`` into missing.
- ``boolean``: only JSON ``true``/``false`` count; anything else is missing.
  A column with ``true``/``false`` texts (v2's ``action_result``) reads those
  two texts instead, and anything else (JSON booleans too) is missing.
- ``integer``: pandas ``Int64``. JSON integers are kept, floats without a
  fraction (``200.0``) too; text of an integer (``"200"``, ``"-3"``: ASCII
  digits, an optional sign, nothing else) is parsed; anything else (floats with
  a fraction, booleans, other text, values beyond 64 bits) is missing.
- ``datetime``: RFC 3339 text, with or without fractional seconds, parsed to
  ``datetime64[us, UTC]``; unparseable values become ``NaT``.
- ``json``: JSON objects and arrays are kept, as their compact JSON text in a
  :class:`~auditkit.frame._json.JSONArray` column (dtype ``json``; each distinct
  text stored once), read back as fresh ``dict``/``list`` objects; anything
  else is missing (``None``). A value nested deeper than
  :data:`~auditkit.frame._depth.MAX_DEPTH` levels is missing too, with a
  :class:`RuntimeWarning` (see :mod:`auditkit.frame._depth`). A column with
  ``any_json`` (v2's ``resource_scope``) keeps every JSON value but ``null``:
  strings, numbers and booleans too, as their JSON text (``"accounts"`` is
  stored as ``'"accounts"'`` and read back as ``'accounts'``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._depth import _shallow_json
from ._dictionary import categorical as _categorical
from ._dictionary import clean_text as _clean_text
from ._dictionary import encode_table
from ._dictionary import json_codes as _json_codes
from ._json import JSONArray, _code_dtype
from ._jsoncodec import decode_text, encode_value
from ._memory import RELEASE_ROWS, release_unused
from ._schema import INTEGER_DTYPE, STRING_DTYPE, V1, WHEN_DTYPE, Column, Schema

__all__ = [
    "Chunk",
    "as_integer",
    "as_text",
    "chunks_to_frame",
    "extract_columns",
    "frame_of_taken",
]

_EMPTY: dict[str, Any] = {}


def as_text(value: Any, nulls: frozenset[str] = frozenset()) -> str | None:
    """A JSON value as text: strings as they are (``""`` and ``nulls`` -> ``None``),
    booleans as ``true``/``false``, numbers as digits, objects as compact sorted JSON.

    Examples
    --------
    >>> as_text({"b": 1, "a": True}), as_text(""), as_text(3.5)
    ('{"a":true,"b":1}', None, '3.5')
    """
    if value is None:
        return None
    if isinstance(value, str):
        return None if value == "" or value in nulls else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = encode_value(value, sort_keys=True) if isinstance(value, dict | list) else None
    return str(value) if text is None else text.decode()


def _text_values(values: list[Any], col: Column) -> list[str | None]:
    nulls = frozenset(col.null_literals) | {""}
    # Fast path: most values are already clean strings or None.
    return [
        (None if v in nulls else v)
        if type(v) is str
        else (None if v is None else as_text(v, nulls))
        for v in values
    ]


_ARROW_WHEN = pa.timestamp("us", tz="UTC")


def _arrow_text(col: Column, values: Sequence[Any]) -> pa.Array:
    """Text as an Arrow string array; the common case never leaves C.

    Values that are not strings are written as text here; ``""`` and the
    column's null literals are left for :func:`~auditkit.frame._dictionary.clean_text`, which runs once
    per frame rather than once per page.
    """
    try:
        return pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(_text_values(list(values), col), type=pa.string())


def _arrow_when(values: Sequence[Any] | pa.Array) -> pa.Array:
    try:
        text = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
        return text.cast(_ARROW_WHEN)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        # Odd values (dates without time, wrong types, out-of-range years): pandas, per value.
        if isinstance(values, pa.Array):
            values = values.to_pylist()
        return pa.array(_parse_when(values), type=_ARROW_WHEN)


def _arrow_column(col: Column, values: Sequence[Any] | pa.Array) -> pa.Array:
    """``values`` typed for ``col``; an Arrow array of text (or booleans) is taken as it is.

    An Arrow array given to an ``integer`` column or a boolean column read from
    text is typed by its values, as a list would be.
    """
    if col.kind == "integer":
        return _arrow_integer(values)
    if col.true is not None:
        return _arrow_flag(col, values)
    if isinstance(values, pa.Array) and col.kind != "datetime":
        return values
    if col.kind in ("string", "category"):
        return _arrow_text(col, values)
    if col.kind == "boolean":
        return pa.array([v if type(v) is bool else None for v in values], type=pa.bool_())
    return _arrow_when(values)


def _arrow_flag(col: Column, values: Sequence[Any] | pa.Array) -> pa.Array:
    """A boolean read from text: ``col.true`` -> ``True``, ``col.false`` -> ``False``, else null."""
    if isinstance(values, pa.Array):
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            yes, no = pc.equal(values, col.true), pc.equal(values, col.false)
            flag = pc.if_else(pc.or_kleene(yes, no), yes, pa.scalar(None, pa.bool_()))
            return flag.cast(pa.bool_())
        values = values.to_pylist()
    flags = {col.true: True, col.false: False}
    return pa.array([flags.get(v) if type(v) is str else None for v in values], type=pa.bool_())


_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


def as_integer(value: Any) -> int | None:
    """A JSON value as an ``integer`` column reads it, or ``None`` (missing).

    JSON integers are kept, and floats without a fraction; text of an integer
    (ASCII digits with an optional sign) is parsed; anything else (a fraction,
    a boolean, other text, beyond 64 bits) is missing.

    Examples
    --------
    >>> as_integer(200), as_integer("404"), as_integer(200.0)
    (200, 404, 200)
    >>> as_integer(2.5), as_integer(True), as_integer("x"), as_integer(" 1")
    (None, None, None, None)
    """
    kind = type(value)
    if kind is int:
        number = value
    elif kind is str:
        if not _INT_TEXT.fullmatch(value):
            return None
        number = int(value)
    elif kind is float:
        if not math.isfinite(value) or not value.is_integer():
            return None
        number = int(value)
    else:
        return None
    return number if _INT_MIN <= number <= _INT_MAX else None


def _arrow_integer(values: Sequence[Any] | pa.Array) -> pa.Array:
    """``values`` as Arrow ``int64`` (nulls for missing), per :func:`as_integer`."""
    if isinstance(values, pa.Array):
        if pa.types.is_integer(values.type):
            try:
                return values.cast(pa.int64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        values = values.to_pylist()
    return pa.array([as_integer(v) for v in values], type=pa.int64())


_ARROW_JSON = pa.large_string()


def _arrow_json(values: Sequence[Any], any_json: bool = False) -> pa.Array:
    """JSON objects and arrays as compact JSON text; anything else missing.

    With ``any_json``, strings, numbers and booleans are kept too, as their JSON
    text (``None`` and non-finite floats are missing).
    """
    if any_json:
        return pa.array([_scalar_text(v) for v in values], type=pa.binary()).cast(_ARROW_JSON)
    return pa.array([encode_value(v) for v in values], type=pa.binary()).cast(_ARROW_JSON)


_ENCODE_SCALAR = msgspec.json.Encoder()


def _scalar_text(value: Any) -> bytes | None:
    """Compact JSON text of any JSON value (``None`` for ``None``, NaN and infinities)."""
    if value is None or (type(value) is float and not math.isfinite(value)):
        return None
    if isinstance(value, str | bool | int | float):
        try:
            return _ENCODE_SCALAR.encode(value)
        except (OverflowError, UnicodeEncodeError, msgspec.EncodeError):
            return None  # nothing JSON can hold (a lone surrogate, say): missing
    return encode_value(value)


def _derived(col: Column, source: pa.Array) -> pa.Array:
    """``col`` (e.g. ``zone_name``) read out of the JSON column ``source``, per distinct text."""
    encoded = pc.dictionary_encode(source)
    key = col.path[1]
    values = [
        d.get(key) if type(d) is dict else None
        for d in map(decode_text, encoded.dictionary.to_pylist())
    ]
    return _arrow_column(col, values).take(encoded.indices)


@dataclass(frozen=True)
class Chunk:
    """Typed rows on their way to a frame: every column in one Arrow table.

    JSON columns are held as compact JSON text (``large_string``). Chunks are
    cheap to build per page (in worker threads), to store (Arrow IPC) and to
    concatenate; :func:`chunks_to_frame` turns any number of them into one frame.
    """

    table: pa.Table

    def __len__(self) -> int:
        return self.table.num_rows

    @classmethod
    def from_columns(cls, columns: Mapping[str, Sequence[Any]], schema: Schema = V1) -> Chunk:
        """Type raw columns from :func:`extract_columns`, per ``schema`` (default ``V1``).

        JSON columns take ``dict``/``list`` values or a ready Arrow text array.
        A column read out of a JSON column (``zone_name`` from ``metadata``) is
        derived from it when ``columns`` does not hold it.

        Examples
        --------
        >>> len(Chunk.from_columns(extract_columns([{"id": "a"}, {"id": "b"}])))
        2
        >>> from auditkit.frame import V2
        >>> rows = extract_columns([{"raw": {"status_code": "404"}}], V2)
        >>> Chunk.from_columns(rows, V2).table.column("raw_status_code").to_pylist()
        [404]
        """
        arrays: dict[str, pa.Array] = {}
        for c in schema.json_columns:
            values = columns[c.name]
            text = values if isinstance(values, pa.Array) else _arrow_json(values, c.any_json)
            arrays[c.name] = _shallow_json(text)
        derived = schema.derived
        for c in schema.typed_columns:
            if c.name in columns:
                arrays[c.name] = _arrow_column(c, columns[c.name])
            else:
                arrays[c.name] = _derived(c, arrays[derived[c.name]])
        return cls(pa.table({name: arrays[name] for name in schema.names}))

    def first_when(self) -> pd.Timestamp | None:
        """``when`` of the first row (UTC), or ``None`` if there is none or it is missing.

        Examples
        --------
        >>> Chunk.from_columns(extract_columns([{"when": "2026-10-01T12:00:00Z"}])).first_when()
        Timestamp('2026-10-01 12:00:00+0000', tz='UTC')
        >>> Chunk.empty().first_when() is None
        True
        """
        if not len(self):
            return None
        when = self.table.column("when")[0].as_py()
        return None if when is None else pd.Timestamp(when).tz_convert("UTC")

    @classmethod
    def empty(cls, schema: Schema = V1) -> Chunk:
        """A chunk with no rows and the columns of ``schema`` (default ``V1``).

        Examples
        --------
        >>> from auditkit.frame import V2
        >>> len(Chunk.empty(V2)), Chunk.empty(V2).table.column_names[-1]
        (0, 'zone_id')
        """
        return cls.from_columns({name: [] for name in schema.names}, schema)

    @classmethod
    def concat(cls, chunks: Sequence[Chunk], schema: Schema = V1) -> Chunk:
        """One chunk holding the rows of ``chunks`` in order (``schema``'s empty chunk if none).

        Examples
        --------
        >>> from auditkit.frame import V2
        >>> Chunk.concat([], V2).table.num_columns
        27
        """
        if not chunks:
            return cls.empty(schema)
        if len(chunks) == 1:
            return chunks[0]
        tables = [c.table for c in chunks]
        if any(t.schema != tables[0].schema for t in tables[1:]):
            # Encoded and plain text (a window stored by an older auditkit): all encoded.
            tables = [encode_table(t, schema) for t in tables]
        return cls(pa.concat_tables(tables))

    def encoded(self, schema: Schema = V1) -> Chunk:
        """This chunk with its ``category`` and ``json`` columns dictionary-encoded.

        What a source hands the loader: each distinct value once per batch of
        pages, not once per row (see :mod:`auditkit.frame._dictionary`).

        Examples
        --------
        >>> rows = Chunk.from_columns(extract_columns([{"actor": {"ip": "10.0.0.1"}}] * 3))
        >>> rows.encoded().table.column("actor_ip").chunk(0).dictionary.to_pylist()
        ['10.0.0.1']
        """
        return Chunk(encode_table(self.table, schema))


def chunks_to_frame(chunks: Sequence[Chunk], schema: Schema = V1) -> pd.DataFrame:
    """The audit-log frame of the rows of ``chunks``, typed per ``schema`` (default ``V1``).

    Examples
    --------
    >>> chunks_to_frame([Chunk.from_columns(extract_columns([{"id": "x"}]))]).loc[0, "id"]
    'x'
    >>> from auditkit.frame import V2
    >>> str(chunks_to_frame([], V2)["raw_status_code"].dtype)
    'Int64'
    """
    return frame_of_taken([Chunk.concat(chunks, schema)], schema)


#: Kinds in the order :func:`frame_of_taken` converts them: the ones whose Arrow data
#: it lets go (and the largest of them, the JSON text, largest column first) first.
_ORDER = {"json": 0, "category": 1}


def frame_of_taken(held: list[Chunk], schema: Schema = V1, *, release: bool = True) -> pd.DataFrame:
    """:func:`chunks_to_frame` of the one chunk in ``held``, which it takes out of the list.

    The frame is built column by column, and each column is dropped from the
    chunk's table once its frame column is made: when ``held`` held the only
    reference to the chunk, the Arrow data a frame column does not share (the
    encoded ``category`` and ``json`` columns, the ``datetime``, ``boolean`` and
    ``integer`` columns) is freed as the frame grows, not after it is complete.
    The frame is the same as :func:`chunks_to_frame`'s. From :data:`RELEASE_ROWS` rows
    the memory freed is handed back to the system after each column, unless ``release``
    is false (a caller that holds the chunk's table: nothing would be freed).

    Examples
    --------
    >>> held = [Chunk.from_columns(extract_columns([{"id": "x"}, {"id": "y"}]))]
    >>> frame_of_taken(held)["id"].tolist(), held
    (['x', 'y'], [])
    """
    (chunk,) = held
    held.clear()
    table = chunk.table
    del chunk
    data: dict[str, pd.Series] = {}
    release = release and table.num_rows >= RELEASE_ROWS
    size = {c.name: table.column(c.name).nbytes for c in schema.columns if c.kind == "json"}
    for col in sorted(schema.columns, key=lambda c: (_ORDER.get(c.kind, 2), -size.get(c.name, 0))):
        arr = table.column(col.name)
        table = table.drop_columns([col.name])
        data[col.name] = _frame_column(col, arr)
        del arr
        if release:
            release_unused()
    del table
    # copy=False: the series are this function's own (a dict's default is to copy them).
    return pd.DataFrame({c.name: data.pop(c.name) for c in schema.columns}, copy=False)


def _frame_column(col: Column, arr: pa.ChunkedArray) -> pd.Series:
    """One frame column of ``col``'s Arrow values."""
    if col.kind in ("string", "category"):
        arr = _clean_text(col, arr)
    if col.kind == "json":
        if len(arr) >= RELEASE_ROWS and arr.num_chunks > 1 and pa.types.is_dictionary(arr.type):
            codes, texts = _json_codes(arr)
            return pd.Series(JSONArray(codes.astype(_code_dtype(len(texts)), copy=False), texts))
        return pd.Series(JSONArray.from_arrow(arr))
    if col.kind == "string":
        return pd.Series(pd.arrays.ArrowStringArray(arr), dtype=STRING_DTYPE)
    if col.kind == "category":
        return _categorical(col, arr)
    if col.kind == "boolean":
        return pd.Series(pd.array(arr.to_numpy(zero_copy_only=False), dtype="boolean"))
    if col.kind == "integer":
        return _integers(arr)
    when = arr.to_pandas() if len(arr) else pd.Series([], dtype=object)
    return pd.Series(pd.DatetimeIndex(when, tz="UTC").as_unit("us"))


def _integers(arr: pa.ChunkedArray | pa.Array) -> pd.Series:
    """Arrow integers as a pandas ``Int64`` column (no float round trip: exact to 64 bits)."""
    return pd.Series(INTEGER_DTYPE.__from_arrow__(arr.cast(pa.int64())))


def _parse_when(values: Sequence[Any]) -> pd.DatetimeIndex:
    """The values Arrow could not cast, parsed by pandas, each as it would be alone.

    pandas picks one unit for a whole batch: beside a nanosecond fraction, a
    date outside 1677-2262 comes out ``NaT``. Such values are parsed again one
    by one, so a row's ``when`` never depends on the rows typed with it.
    """
    text = [v if type(v) is str and v else None for v in values]
    if not text:
        return pd.DatetimeIndex([], dtype=WHEN_DTYPE)
    try:
        parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
        micros = pd.DatetimeIndex(parsed).as_unit("us").asi8.copy()
    except (ValueError, OverflowError, TypeError):
        # One pathological value can defeat the vectorised parser.
        micros = np.full(len(text), np.iinfo(np.int64).min, dtype=np.int64)
    for i in np.flatnonzero(micros == np.iinfo(np.int64).min):
        ts = _parse_one(text[i])
        if ts is not pd.NaT:
            micros[i] = ts.as_unit("us").asm8.view("i8")
    return pd.DatetimeIndex(micros.view("M8[us]")).tz_localize("UTC")


def _parse_one(value: str | None) -> pd.Timestamp:
    if value is None:
        return pd.NaT
    try:
        ts = pd.to_datetime(value, utc=True, format="ISO8601")
    except (ValueError, OverflowError, TypeError):
        return pd.NaT
    return ts if isinstance(ts, pd.Timestamp) else pd.NaT


def extract_columns(
    records: Sequence[Any] | Iterable[Any], schema: Schema = V1
) -> dict[str, list[Any]]:
    """Raw per-column values of ``records`` (the first half of :func:`records_to_frame`).

    The loader runs this per page in its worker threads, so the work overlaps
    with waiting for the network; :func:`frame_from_columns` then types the
    concatenated columns once. ``schema`` (default ``V1``) says which values.

    Examples
    --------
    >>> extract_columns([{"actor": {"email": "a@b.c"}}])["actor_email"]
    ['a@b.c']
    >>> from auditkit.frame import V2
    >>> extract_columns([{"action": {"time": "2026-10-01T00:00:00Z"}}], V2)["when"]
    ['2026-10-01T00:00:00Z']
    """
    recs = records if isinstance(records, list) else list(records)
    tops = [r if type(r) is dict else _EMPTY for r in recs]
    # Each nested object ("action", "actor", ...) is looked up once per record.
    inner: dict[str, list[dict[str, Any]]] = {}
    for head in schema.nested_heads:
        values = [t.get(head) for t in tops]
        inner[head] = [v if type(v) is dict else _EMPTY for v in values]
    out: dict[str, list[Any]] = {}
    for col in schema.columns:
        if len(col.path) == 1:
            key = col.path[0]
            out[col.name] = [t.get(key) for t in tops]
        else:
            head, key = col.path
            out[col.name] = [d.get(key) for d in inner[head]]
    return out
