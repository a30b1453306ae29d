"""The audit-log frame's schema: one table of columns that drives everything.

Each :class:`Column` says what a column is called, its pandas dtype and where its
value lives in a Cloudflare audit-log record (the *wire path*). The loader builds
frames from it (:func:`records_to_frame`), the empty frame comes from it
(:func:`empty_frame`) and the README's schema table is generated from it
(:func:`schema_markdown`), so the three can never disagree.

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
  else is missing (``None``). A value nested deeper than :data:`MAX_DEPTH`
  levels is missing too, with a :class:`RuntimeWarning`: decoding it (msgspec,
  ``json``) takes a Python stack frame per level, so whether it could be read
  back would depend on how deep the reader's own stack is; it never raises
  ``RecursionError`` this way, and the rest of the row is kept.

No record is ever dropped: a record with missing or malformed fields is a row
with missing values. A batch in which *no* record has *any* top-level field the
schema reads (:data:`KNOWN_FIELDS`), e.g. Cloudflare Logpush output with its
PascalCase ``ActionType``/``When``/``ActorEmail`` fields, is not a batch of
audit-log records with missing values but records of another shape: it raises
:class:`~auditkit.errors.APIError` saying which keys it got, rather than
becoming rows whose every column is missing. An empty batch, and records that
carry only an ``id``, are fine.

Examples
--------
>>> from auditkit.frame import records_to_frame
>>> df = records_to_frame([{"id": "a1", "when": "2026-10-01T12:00:00Z",
...                         "actor": {"email": "michelle@example.com"}}])
>>> df.loc[0, "actor_email"]
'michelle@example.com'
>>> str(df["when"].dtype)
'datetime64[us, UTC]'
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import APIError, InvalidParameterError
from ._json import JSONArray, decode_text, encode_value

__all__ = [
    "COLUMNS",
    "KNOWN_FIELDS",
    "MAX_DEPTH",
    "Chunk",
    "Column",
    "as_text",
    "check_record_shape",
    "chunks_to_frame",
    "column_names",
    "dtypes",
    "empty_frame",
    "extract_columns",
    "frame_from_columns",
    "record_shape_problem",
    "records_to_frame",
    "schema_markdown",
]

Kind = Literal["string", "category", "boolean", "datetime", "json"]

#: pandas dtype used for text columns: pyarrow-backed, ``pd.NA`` for missing.
STRING_DTYPE = pd.StringDtype("pyarrow")
#: pandas dtype of ``when``.
WHEN_DTYPE = pd.DatetimeTZDtype(unit="us", tz="UTC")


@dataclass(frozen=True)
class Column:
    """One column of the audit-log frame.

    Parameters
    ----------
    name
        Column name in the frame.
    kind
        How values are cleaned and typed: ``string``, ``category``, ``boolean``,
        ``datetime`` or ``json``.
    path
        Where the value lives in a record, e.g. ``("actor", "email")``.
    description
        One line for the README's schema table.
    known
        For ``category`` columns: values always present among the categories,
        so frames from different loads share one dtype.
    null_literals
        Extra text values that mean "missing" (besides ``""``).
    """

    name: str
    kind: Kind
    path: tuple[str, ...]
    description: str
    known: tuple[str, ...] = ()
    null_literals: tuple[str, ...] = ()

    @property
    def wire(self) -> str:
        """The dotted wire path, e.g. ``actor.email``."""
        return ".".join(self.path)

    @property
    def dtype_name(self) -> str:
        """The pandas dtype as written in the schema table."""
        return {
            "string": "string",
            "category": "category",
            "boolean": "boolean",
            "datetime": "datetime64[us, UTC]",
            "json": "json (dict/list)",
        }[self.kind]


COLUMNS: tuple[Column, ...] = (
    Column("id", "string", ("id",), "Unique id of the entry."),
    Column("when", "datetime", ("when",), "When the action happened (UTC)."),
    Column("action_type", "category", ("action", "type"), "What was done, e.g. `change_setting`."),
    Column("action_result", "boolean", ("action", "result"), "Whether the action succeeded."),
    Column(
        "action_info",
        "string",
        ("action", "info"),
        "Extra detail on the action (real, undocumented).",
    ),
    Column(
        "actor_id", "string", ("actor", "id"), "User id of the actor (`1` etc. for system actors)."
    ),
    Column(
        "actor_email",
        "string",
        ("actor", "email"),
        "Email of the actor; missing for system actors.",
    ),
    Column("actor_ip", "string", ("actor", "ip"), "IP address (v4 or v6) the request came from."),
    Column(
        "actor_type",
        "category",
        ("actor", "type"),
        "`user`, `admin`, `Cloudflare` or `system`.",
        known=("user", "admin", "Cloudflare", "system"),
    ),
    Column("interface", "category", ("interface",), "Where the action came from: `UI`, `API`, ..."),
    Column("resource_id", "string", ("resource", "id"), "Id of the affected resource."),
    Column(
        "resource_type",
        "category",
        ("resource", "type"),
        "Kind of resource: `zone`, `DNS_record`, ...",
    ),
    Column("owner_id", "string", ("owner", "id"), "Id of the resource's owner (account or user)."),
    Column("zone_name", "string", ("metadata", "zone_name"), "Zone the action touched, if any."),
    Column(
        "old_value",
        "string",
        ("oldValue",),
        'Value before the change; `""` and `"null"` are missing.',
        null_literals=("null",),
    ),
    Column(
        "new_value",
        "string",
        ("newValue",),
        'Value after the change; `""` and `"null"` are missing.',
        null_literals=("null",),
    ),
    Column(
        "old_value_json",
        "json",
        ("oldValueJson",),
        "Structured old value (DNS records, TLS settings).",
    ),
    Column("new_value_json", "json", ("newValueJson",), "Structured new value."),
    Column(
        "metadata", "json", ("metadata",), "Free-form context: setting name/value, token name, ..."
    ),
)

_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
#: Top-level record fields the schema reads (``id``, ``when``, ``action``, ...).
KNOWN_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(c.path[0] for c in COLUMNS))
_KNOWN = frozenset(KNOWN_FIELDS)
_EMPTY: dict[str, Any] = {}


def column_names() -> list[str]:
    """Names of the frame's columns, in order.

    Examples
    --------
    >>> column_names()[:3]
    ['id', 'when', 'action_type']
    """
    return [c.name for c in COLUMNS]


def dtypes() -> dict[str, str]:
    """Column name -> dtype name of an (empty) audit-log frame.

    Examples
    --------
    >>> dtypes()["when"]
    'datetime64[us, UTC]'
    """
    return {c.name: str(s.dtype) for c, s in zip(COLUMNS, _empty_series(), strict=True)}


# --------------------------------------------------------------------- extraction


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


#: Deepest nesting a JSON column's value may have (levels inside the field's value).
MAX_DEPTH = 200
#: A JSON string (skipped whole) or a bracket.
JSON_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)


def json_depth(text: bytes) -> int:
    """How deep ``text`` (JSON) nests: ``0`` for a scalar, ``1`` for ``[1]``.

    Examples
    --------
    >>> json_depth(b'{"a":[1,{"b":"]]}"}]}'), json_depth(b'"[["')
    (3, 0)
    """
    depth = deepest = 0
    for match in JSON_TOKENS.finditer(text):
        char = text[match.start()]
        if char in (0x7B, 0x5B):  # '{', '['
            depth += 1
            deepest = max(deepest, depth)
        elif char != 0x22:  # '"'
            depth -= 1
    return deepest


def _shallow_json(arr: pa.Array) -> pa.Array:
    """``arr`` (JSON texts, ``large_string``) with every value nested deeper than
    :data:`MAX_DEPTH` made missing, and a warning saying how many.

    Cheap for real data: a value nested ``d`` levels takes at least ``2 d``
    bytes, so only longer values are looked at (a count of their brackets, one
    numpy pass, about 0.2 ms per MB of JSON text), and only those with more
    than :data:`MAX_DEPTH` brackets are scanned exactly (in Python).
    """
    n = len(arr)
    if not n:
        return arr
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + n + 1]
    long = np.flatnonzero(np.diff(offsets) > 2 * MAX_DEPTH)
    if not len(long):
        return arr
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    opens = np.zeros(len(data) + 1, dtype=bool)  # one more: reduceat's indices stay in range
    np.logical_or(data == 0x7B, data == 0x5B, out=opens[:-1])
    bounds = np.empty(2 * len(long), dtype=np.int64)
    bounds[0::2], bounds[1::2] = offsets[long], offsets[long + 1]
    brackets = np.add.reduceat(opens, bounds, dtype=np.int64)[0::2]  # '{' and '[' per value
    deep = [
        int(i)
        for i in long[brackets > MAX_DEPTH]
        if arr[int(i)].is_valid
        and json_depth(data[offsets[i] : offsets[i + 1]].tobytes()) > MAX_DEPTH
    ]
    if not deep:
        return arr
    warnings.warn(
        f"auditkit: {len(deep)} JSON value(s) nest deeper than {MAX_DEPTH} levels; "
        "they are read as missing",
        RuntimeWarning,
        stacklevel=2,
    )
    mask = np.zeros(n, dtype=bool)
    mask[deep] = True
    return pc.if_else(pa.array(mask), pa.scalar(None, arr.type), arr)


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


def _empty_series() -> list[pd.Series]:
    frame = empty_frame()
    return [frame[c.name] for c in COLUMNS]


def record_shape_problem(records: Sequence[Any]) -> str | None:
    """What is wrong with ``records`` as a batch of audit-log records, or ``None``.

    A batch is wrong only when it holds records and none of them is an object
    with any of :data:`KNOWN_FIELDS`. The check stops at the first record that
    has one, so a batch of real records costs one dict lookup or so.

    Examples
    --------
    >>> record_shape_problem([{"id": "a"}]) is None, record_shape_problem([]) is None
    (True, True)
    >>> record_shape_problem([{"When": "2026-10-01T00:00:00Z"}])[:40]
    'none of the 1 records has any field audi'
    """
    for r in records:
        if type(r) is dict and not _KNOWN.isdisjoint(r):
            return None
    if not records:
        return None
    keys = sorted({str(k) for r in records if type(r) is dict for k in r})
    kinds = sorted({type(r).__name__ for r in records if type(r) is not dict})
    got = f"got keys {', '.join(keys[:12])}{', ...' if len(keys) > 12 else ''}" if keys else ""
    if kinds:
        got += ("; " if got else "got ") + f"records that are not objects ({', '.join(kinds)})"
    if not got:
        got = "got only empty objects"
    hint = (
        " Is this Cloudflare Logpush output (PascalCase fields such as ActionType, When)?"
        " auditkit reads the audit-log API's records"
        " (GET /accounts/{account_id}/audit_logs or /user/audit_logs)."
        if any(k[:1].isupper() for k in keys)
        else ""
    )
    return (
        f"none of the {len(records)} records has any field auditkit reads "
        f"({', '.join(KNOWN_FIELDS)}); {got}.{hint}"
    )


def check_record_shape(records: Sequence[Any]) -> None:
    """Raise :class:`~auditkit.errors.APIError` when :func:`record_shape_problem` finds one.

    Examples
    --------
    >>> check_record_shape([{"id": "a"}, {"ActionType": "login"}])
    >>> check_record_shape([{"ActionType": "login"}])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    auditkit.errors.APIError: none of the 1 records has any field auditkit reads ...
    """
    problem = record_shape_problem(records)
    if problem is not None:
        raise APIError(problem)


def records_to_frame(records: Sequence[Mapping[str, Any]] | Iterable[Any]) -> pd.DataFrame:
    """Build the typed audit-log frame from raw API records.

    Parameters
    ----------
    records
        Records as decoded from the API's ``result`` arrays. Any shape is accepted:
        missing keys, nulls, wrong types and unknown keys never raise, as long as
        one record has a field the schema reads.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``records`` is not an iterable of records (a number, a string, one dict).
    auditkit.errors.APIError
        When there are records and none has any of :data:`KNOWN_FIELDS` (records
        of another shape, e.g. Logpush output): see :func:`record_shape_problem`.

    Returns
    -------
    pandas.DataFrame
        One row per record, in the given order, with the columns and dtypes of
        :data:`COLUMNS` and a default ``RangeIndex``.

    Examples
    --------
    >>> df = records_to_frame([{"id": "x", "oldValue": "null", "newValue": "low"}])
    >>> df.loc[0, "old_value"] is pd.NA, df.loc[0, "new_value"]
    (True, 'low')
    """
    if isinstance(records, str | bytes | Mapping) or not isinstance(records, Iterable):
        raise InvalidParameterError(
            "records", f"must be a list (or iterable) of records, not {type(records).__name__}"
        )
    recs = records if isinstance(records, list) else list(records)
    check_record_shape(recs)
    return frame_from_columns(extract_columns(recs))


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


def frame_from_columns(columns: Mapping[str, list[Any]]) -> pd.DataFrame:
    """Clean and type raw columns from :func:`extract_columns` into the audit-log frame.

    Examples
    --------
    >>> frame_from_columns(extract_columns([{"id": "x"}])).loc[0, "id"]
    'x'
    """
    return chunks_to_frame([Chunk.from_columns(columns)])


def empty_frame() -> pd.DataFrame:
    """An audit-log frame with no rows and the full schema.

    Examples
    --------
    >>> df = empty_frame()
    >>> len(df), list(df.columns) == column_names()
    (0, True)
    """
    return records_to_frame([])


def schema_markdown() -> str:
    """The schema as a Markdown table (the README's table is this text).

    Examples
    --------
    >>> schema_markdown().splitlines()[0]
    '| column | dtype | from (wire path) | meaning |'
    """
    lines = [
        "| column | dtype | from (wire path) | meaning |",
        "|---|---|---|---|",
    ]
    for c in COLUMNS:
        lines.append(f"| `{c.name}` | {c.dtype_name} | `{c.wire}` | {c.description} |")
    return "\n".join(lines)


def column(name: str) -> Column:
    """The :class:`Column` called ``name``.

    Examples
    --------
    >>> column("actor_email").wire
    'actor.email'
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no column {name!r} in the audit-log schema") from None
