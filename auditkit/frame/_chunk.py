"""Raw columns typed into Arrow chunks, and chunks into the audit-log frame.

The loader's path from records to a frame: :func:`extract_columns` pulls each
column's raw values out of a page of records, :meth:`Chunk.from_columns` cleans
and types them into one Arrow table (per page, in worker threads), and
:func:`chunks_to_frame` turns any number of chunks into the typed frame.

Cleaning rules, applied per column kind:

- ``string`` / ``category``: ``""`` becomes missing; numbers and booleans become
  their text; objects become compact JSON text. ``old_value`` and ``new_value``
  also turn the literal ``"null"`` into missing.
- ``boolean``: only JSON ``true``/``false`` count; anything else is missing.
- ``datetime``: RFC 3339 text, with or without fractional seconds, parsed to
  ``datetime64[us, UTC]``; unparseable values become ``NaT``.
- ``json``: JSON objects and arrays are kept, as their compact JSON text in a
  :class:`~auditkit.frame._json.JSONArray` column (dtype ``json``; each distinct
  text stored once), read back as fresh ``dict``/``list`` objects; anything
  else is missing (``None``). A value nested deeper than
  :data:`~auditkit.frame._depth.MAX_DEPTH` levels is missing too, with a
  :class:`RuntimeWarning` (see :mod:`auditkit.frame._depth`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._depth import _shallow_json
from ._json import JSONArray
from ._jsoncodec import decode_text, encode_value
from ._schema import COLUMNS, STRING_DTYPE, WHEN_DTYPE, Column

__all__ = [
    "Chunk",
    "as_text",
    "chunks_to_frame",
    "extract_columns",
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


def _category_dtype(col: Column, observed: Iterable[str | None]) -> pd.CategoricalDtype:
    seen = {v for v in observed if v is not None}
    cats = list(col.known) + sorted(seen.difference(col.known))
    return pd.CategoricalDtype(pd.Index(cats, dtype=STRING_DTYPE))


_ARROW_WHEN = pa.timestamp("us", tz="UTC")


def _arrow_text(col: Column, values: Sequence[Any]) -> pa.Array:
    """Text as an Arrow string array; the common case never leaves C.

    Values that are not strings are written as text here; ``""`` and the
    column's null literals are left for :func:`_clean_text`, which runs once
    per frame rather than once per page.
    """
    try:
        return pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(_text_values(list(values), col), type=pa.string())


def _clean_text(col: Column, arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """``""`` and the column's null literals become missing."""
    nulls = pa.array(["", *col.null_literals], type=arr.type)
    mask = pc.is_in(arr, value_set=nulls)
    if pc.any(mask).as_py():
        return pc.if_else(mask, pa.scalar(None, arr.type), arr)
    return arr


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
    """``values`` typed for ``col``; an Arrow array of text (or booleans) is taken as it is."""
    if isinstance(values, pa.Array) and col.kind != "datetime":
        return values
    if col.kind in ("string", "category"):
        return _arrow_text(col, values)
    if col.kind == "boolean":
        return pa.array([v if type(v) is bool else None for v in values], type=pa.bool_())
    return _arrow_when(values)


_ARROW_JSON = pa.large_string()


def _arrow_json(values: Sequence[Any]) -> pa.Array:
    """JSON objects and arrays as compact JSON text; anything else missing."""
    return pa.array([encode_value(v) for v in values], type=pa.binary()).cast(_ARROW_JSON)


def _derived(col: Column, source: pa.Array) -> pa.Array:
    """``col`` (e.g. ``zone_name``) read out of the JSON column ``source``, per distinct text."""
    encoded = pc.dictionary_encode(source)
    key = col.path[1]
    values = [
        d.get(key) if type(d) is dict else None
        for d in map(decode_text, encoded.dictionary.to_pylist())
    ]
    return _arrow_column(col, values).take(encoded.indices)


_JSON_BY_WIRE = {c.path[0]: c.name for c in COLUMNS if c.kind == "json"}


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
    def from_columns(cls, columns: Mapping[str, Sequence[Any]]) -> Chunk:
        """Type raw columns from :func:`extract_columns`.

        JSON columns take ``dict``/``list`` values or a ready Arrow text array.
        A column read out of a JSON column (``zone_name`` from ``metadata``) is
        derived from it when ``columns`` does not hold it.

        Examples
        --------
        >>> len(Chunk.from_columns(extract_columns([{"id": "a"}, {"id": "b"}])))
        2
        """
        arrays: dict[str, pa.Array] = {}
        for c in COLUMNS:
            if c.kind == "json":
                values = columns[c.name]
                text = values if isinstance(values, pa.Array) else _arrow_json(values)
                arrays[c.name] = _shallow_json(text)
        for c in COLUMNS:
            if c.kind == "json":
                continue
            if c.name in columns:
                arrays[c.name] = _arrow_column(c, columns[c.name])
            else:
                arrays[c.name] = _derived(c, arrays[_JSON_BY_WIRE[c.path[0]]])
        return cls(pa.table({c.name: arrays[c.name] for c in COLUMNS}))

    @classmethod
    def empty(cls) -> Chunk:
        """A chunk with no rows."""
        return cls.from_columns({c.name: [] for c in COLUMNS})

    @classmethod
    def concat(cls, chunks: Sequence[Chunk]) -> Chunk:
        """One chunk holding the rows of ``chunks`` in order."""
        if not chunks:
            return cls.empty()
        if len(chunks) == 1:
            return chunks[0]
        return cls(pa.concat_tables([c.table for c in chunks]))


def chunks_to_frame(chunks: Sequence[Chunk]) -> pd.DataFrame:
    """The audit-log frame of the rows of ``chunks``, typed per :data:`COLUMNS`.

    Examples
    --------
    >>> chunks_to_frame([Chunk.from_columns(extract_columns([{"id": "x"}]))]).loc[0, "id"]
    'x'
    """
    whole = Chunk.concat(chunks)
    data: dict[str, Any] = {}
    for col in COLUMNS:
        arr = whole.table.column(col.name)
        if col.kind in ("string", "category"):
            arr = _clean_text(col, arr)
        if col.kind == "json":
            data[col.name] = pd.Series(JSONArray.from_arrow(arr))
        elif col.kind == "string":
            data[col.name] = pd.Series(pd.arrays.ArrowStringArray(arr), dtype=STRING_DTYPE)
        elif col.kind == "category":
            data[col.name] = _categorical(col, arr)
        elif col.kind == "boolean":
            data[col.name] = pd.Series(
                pd.array(arr.to_numpy(zero_copy_only=False), dtype="boolean")
            )
        else:
            when = arr.to_pandas() if len(arr) else pd.Series([], dtype=object)
            data[col.name] = pd.Series(pd.DatetimeIndex(when, tz="UTC").as_unit("us"))
    return pd.DataFrame(data)


def _categorical(col: Column, arr: pa.ChunkedArray) -> pd.Series:
    """A category column straight from Arrow's dictionary encoding (no string hashing in pandas)."""
    encoded = pc.dictionary_encode(arr).combine_chunks() if len(arr) else None
    values = encoded.dictionary.to_pylist() if encoded is not None else []
    dtype = _category_dtype(col, values)
    if encoded is None:
        return pd.Series(pd.Categorical([], dtype=dtype))
    position = {v: i for i, v in enumerate(dtype.categories)}
    remap = np.array([position[v] for v in values], dtype=np.int64)
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    valid = ~np.asarray(encoded.indices.is_null().to_numpy(zero_copy_only=False))
    codes = np.full(len(indices), -1, dtype=np.int64)
    codes[valid] = remap[indices[valid].astype(np.int64)]
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype))


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


def extract_columns(records: Sequence[Any] | Iterable[Any]) -> dict[str, list[Any]]:
    """Raw per-column values of ``records`` (the first half of :func:`records_to_frame`).

    The loader runs this per page in its worker threads, so the work overlaps
    with waiting for the network; :func:`frame_from_columns` then types the
    concatenated columns once.

    Examples
    --------
    >>> extract_columns([{"actor": {"email": "a@b.c"}}])["actor_email"]
    ['a@b.c']
    """
    recs = records if isinstance(records, list) else list(records)
    tops = [r if type(r) is dict else _EMPTY for r in recs]
    # Each nested object ("action", "actor", ...) is looked up once per record.
    inner: dict[str, list[dict[str, Any]]] = {}
    for head in {c.path[0] for c in COLUMNS if len(c.path) == 2}:
        values = [t.get(head) for t in tops]
        inner[head] = [v if type(v) is dict else _EMPTY for v in values]
    out: dict[str, list[Any]] = {}
    for col in COLUMNS:
        if len(col.path) == 1:
            key = col.path[0]
            out[col.name] = [t.get(key) for t in tops]
        else:
            head, key = col.path
            out[col.name] = [d.get(key) for d in inner[head]]
    return out
