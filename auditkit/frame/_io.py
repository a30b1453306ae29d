"""Writing and reading audit-log frames: CSV, JSON lines and Parquet, chosen by suffix.

One set of rules for every writer (the CLI's ``fetch -o``, the panel's CSV export):

- ``when`` (and any other time-zone-aware column) is RFC 3339 UTC text with
  microseconds and ``Z``: ``2026-10-01T12:00:00.000000Z`` (:data:`WHEN_FORMAT`),
  in CSV and JSON lines; Parquet keeps the ``timestamp[us, UTC]`` type.
- JSON columns (``metadata``, ``old_value_json``, ``new_value_json``) are their
  compact JSON text in CSV (one quoted field), nested JSON objects/arrays in
  JSON lines (a line is then plain JSON: ``jq .metadata.zone_name`` works), and
  dictionary-encoded text in Parquet tagged ``json`` in the pandas metadata,
  so ``pd.read_parquet`` (with auditkit imported) gives the ``json`` dtype back.
- In Parquet every dictionary-encoded column (categories, JSON) has 32-bit indices,
  so files of different frames read as one dataset, and a JSON column stores the
  texts its rows hold (a slice of a frame does not carry the whole frame's texts).
  Categories are written whole (a filtered frame reads back with its categories);
  :func:`write_parquet` with ``compact=True`` writes only the values rows hold.
- Missing values are empty fields in CSV and ``null`` in JSON lines. CSV has no
  way to tell an empty string from a missing value: an empty field reads back
  as missing (which is what the loader makes of ``""`` anyway, so a loaded frame
  round-trips). JSON lines and Parquet keep the two apart.
- Booleans are ``True``/``False`` in CSV, ``true``/``false`` in JSON lines
  (v2's ``action_result`` too: a file holds the typed value, not the wire's
  ``"success"``). Integers (v2's ``raw_status_code``, ``Int64``) are digits in
  CSV, numbers in JSON lines, ``int64`` in Parquet.
- v1 and v2 frames alike: a column is retyped by its name, in the schema
  (``V1`` or ``V2``) holding more of the file's columns (``V1`` on a tie),
  then in the other one; a name both have has one kind in both. An empty
  JSON lines file holds no column names: it reads as ``V1``'s empty frame.
- The index is not written (``read_frame`` gives a fresh ``RangeIndex``), nor
  are ``df.attrs`` (they describe one load, not the data).

The file is written safely: into a new temporary file beside the target
(``tempfile.mkstemp``: unpredictable name, created exclusively, mode ``0600``
since audit data is sensitive), through its descriptor, flushed and fsynced,
then renamed over the target (``os.replace``). No symbolic link is followed,
and on any failure the temporary file is removed and the target left as it was.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Literal

import msgspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from ..errors import InvalidParameterError
from ._chunk import (
    _arrow_integer,
    _arrow_json,
    _arrow_text,
    _arrow_when,
    _integers,
)
from ._dictionary import categorical as _categorical
from ._json import JSONArray
from ._jsoncolumn import is_json_column, json_texts
from ._parquet import write_parquet
from ._records import empty_frame
from ._schema import INTEGER_DTYPE, STRING_DTYPE, V1, Column, Schema
from ._schema_v2 import V2

__all__ = ["FORMATS", "WHEN_FORMAT", "read_frame", "when_texts", "write_frame"]

Format = Literal["csv", "jsonl", "parquet"]

#: File suffix (lower case) -> format.
FORMATS: dict[str, Format] = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}
#: ``strftime`` form of the one text format of ``when``: RFC 3339, UTC, microseconds, ``Z``.
WHEN_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

_ROWS_PER_BATCH = 20_000
_TRUE = {"true": True, "false": False}
_SCHEMAS: tuple[Schema, ...] = (V1, V2)


def _lookup(primary: Schema) -> dict[str, Column]:
    """Column by name: ``primary``'s first, then every other schema's."""
    out: dict[str, Column] = {}
    for schema in (*(s for s in _SCHEMAS if s is not primary), primary):
        out.update(schema.by_name)
    return out


_LOOKUPS = {s.name: _lookup(s) for s in _SCHEMAS}


def _columns_of(names: list[str]) -> dict[str, Column]:
    """How to type a file's columns: by the schema holding the most of ``names`` (``V1`` on a tie).

    Examples
    --------
    >>> _columns_of(["id", "when", "raw_uri"])["actor_type"].known[0]
    'account'
    >>> _columns_of(["id", "when"])["actor_type"].known[0]
    'user'
    """
    best = max(_SCHEMAS, key=lambda s: sum(n in s.by_name for n in names))
    return _LOOKUPS[best.name]


def _format_of(path: Path) -> Format:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InvalidParameterError(
            "path", f"must end in one of {', '.join(FORMATS)}, got {path.name!r}"
        )
    return fmt


def _as_path(path: str | os.PathLike[str]) -> Path:
    if not isinstance(path, str | os.PathLike) or not os.fspath(path):
        raise InvalidParameterError("path", "must be a file path")
    return Path(path).expanduser()


# --------------------------------------------------------------------- writing


def when_texts(values: pd.Series) -> list[str | None]:
    """Time-zone-aware times as RFC 3339 UTC text with microseconds and ``Z`` (``None`` for NaT).

    Examples
    --------
    >>> s = pd.Series(pd.to_datetime(["2026-10-01T12:00:00Z", None], utc=True))
    >>> when_texts(s)
    ['2026-10-01T12:00:00.000000Z', None]
    >>> when_texts(s)[0] == s[0].strftime(WHEN_FORMAT)
    True
    """
    utc = values.dt.tz_convert("UTC").dt.as_unit("us")
    naive = utc.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    text = np.char.add(np.datetime_as_string(naive, unit="us"), "Z")
    missing = np.isnat(naive)
    return [None if m else str(t) for t, m in zip(text.tolist(), missing.tolist(), strict=True)]


def _is_when(values: pd.Series) -> bool:
    return isinstance(values.dtype, pd.DatetimeTZDtype)


def _csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with times and JSON (and object) columns as the text CSV holds."""
    flat = df.copy(deep=False)
    for i in range(flat.shape[1]):
        values = df.iloc[:, i]
        if is_json_column(values) or values.dtype == object:
            text: list[str | None] = json_texts(values).to_pylist()
        elif _is_when(values):
            text = when_texts(values)
        else:
            continue
        flat.isetitem(i, pd.Series(text, index=df.index, dtype=STRING_DTYPE))
    return flat


def _missing(value: Any) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


def _jsonl_values(values: pd.Series) -> list[Any]:
    """Per row, what goes into the JSON line (JSON columns as raw, already encoded JSON)."""
    if is_json_column(values):
        return [
            None if t is None else msgspec.Raw(t.encode()) for t in json_texts(values).to_pylist()
        ]
    if _is_when(values):
        return when_texts(values)
    return [None if _missing(v) else v for v in values.astype(object).tolist()]


def _write_jsonl(df: pd.DataFrame, handle: IO[bytes]) -> None:
    names = [str(n) for n in df.columns]
    columns = [_jsonl_values(df.iloc[:, i]) for i in range(df.shape[1])]
    encoder = msgspec.json.Encoder(enc_hook=str)
    for start in range(0, len(df), _ROWS_PER_BATCH):
        rows = zip(*(c[start : start + _ROWS_PER_BATCH] for c in columns), strict=True)
        handle.write(encoder.encode_lines([dict(zip(names, row, strict=True)) for row in rows]))


_WRITERS: dict[Format, Callable[[pd.DataFrame, IO[bytes]], None]] = {
    "csv": lambda df, handle: _csv_frame(df).to_csv(handle, index=False, lineterminator="\n"),
    "jsonl": _write_jsonl,
    "parquet": write_parquet,
}


def write_frame(
    df: pd.DataFrame, path: str | os.PathLike[str], *, format: Format | None = None
) -> Path:
    """Write an audit-log frame as CSV, JSON lines or Parquet (by the suffix of ``path``).

    ``when`` is written as ``2026-10-01T12:00:00.000000Z`` (RFC 3339, UTC,
    microseconds); JSON columns as compact JSON text in CSV, as nested JSON in
    JSON lines and as JSON text tagged ``json`` in Parquet. The index and
    ``df.attrs`` are not written. See :mod:`auditkit.frame._io` for every rule.

    The file is created with mode ``0600`` through a temporary file beside it
    that is renamed over ``path`` only once it is complete: no symbolic link is
    followed, and on failure nothing is left behind and an existing ``path`` is
    unchanged.

    Parameters
    ----------
    df
        The frame, usually from :func:`auditkit.load_audit_logs` (any columns work).
    path
        File to write, ending in ``.csv``, ``.jsonl`` or ``.parquet``; its folder must exist.
    format
        ``"csv"``, ``"jsonl"`` or ``"parquet"`` whatever the suffix (default: by suffix).

    Returns
    -------
    pathlib.Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    auditkit.InvalidParameterError
        ``path`` has another suffix (and no ``format``), an unknown ``format``,
        or ``df`` is not a DataFrame.
    OSError
        The file cannot be written (disk full, no permission, folder missing...).

    Examples
    --------
    >>> import os, tempfile, auditkit
    >>> df = auditkit.records_to_frame([{"id": "a", "when": "2026-10-01T12:00:00Z",
    ...                                  "metadata": {"zone_name": "example.com"}}])
    >>> out = write_frame(df, os.path.join(tempfile.mkdtemp(), "logs.jsonl"))
    >>> out.read_text()[:52]
    '{"id":"a","when":"2026-10-01T12:00:00.000000Z","acti'
    >>> oct(out.stat().st_mode & 0o777)
    '0o600'
    """
    target = _as_path(path)
    if format is None:
        fmt = _format_of(target)
    elif format in _WRITERS:
        fmt = format
    else:
        raise InvalidParameterError(
            "format", f"must be one of {', '.join(_WRITERS)}, got {format!r}"
        )
    if not isinstance(df, pd.DataFrame):
        raise InvalidParameterError("df", f"must be a pandas DataFrame, not {type(df).__name__}")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            _WRITERS[fmt](df, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


# --------------------------------------------------------------------- reading


def _typed(col: Column, arr: pa.Array) -> pd.Series:
    """Arrow values (text; booleans for ``boolean``) as the schema column ``col``."""
    if col.kind == "json":
        return pd.Series(JSONArray.from_arrow(arr))
    if col.kind == "string":
        return pd.Series(pd.arrays.ArrowStringArray(arr.cast(pa.string())), dtype=STRING_DTYPE)
    if col.kind == "category":
        return _categorical(col, pa.chunked_array([arr.cast(pa.string())]))
    if col.kind == "boolean":
        return pd.Series(pd.array(arr.to_numpy(zero_copy_only=False), dtype="boolean"))
    if col.kind == "integer":
        return _integers(_arrow_integer(arr))
    when = _arrow_when(arr.cast(pa.string()))
    stamps = when.to_pandas() if len(when) else pd.Series([], dtype=object)
    return pd.Series(pd.DatetimeIndex(stamps, tz="UTC").as_unit("us"))


def _bad(path: Path, what: str) -> InvalidParameterError:
    return InvalidParameterError("path", f"{str(path)!r}: {what}")


def _csv_booleans(path: Path, name: str, arr: pa.Array) -> pa.Array:
    values = arr.to_pylist()
    out: list[bool | None] = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        flag = _TRUE.get(v.lower())
        if flag is None:
            raise _bad(path, f"column {name!r} holds {v[:40]!r}, not True/False")
        out.append(flag)
    return pa.array(out, type=pa.bool_())


def _csv_integers(path: Path, name: str, arr: pa.Array) -> pa.Array:
    typed = _arrow_integer(arr)
    bad = pc.and_(typed.is_null(), arr.is_valid())
    if pc.any(bad).as_py():
        value = arr.filter(bad)[0].as_py()
        raise _bad(path, f"column {name!r} holds {value[:40]!r}, not an integer")
    return typed


def _read_csv(path: Path) -> pd.DataFrame:
    with path.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise _bad(path, "no header line: not a CSV file write_frame wrote")
    table = pa_csv.read_csv(
        path,
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    data: dict[str, pd.Series] = {}
    by_name = _columns_of(table.column_names)
    for name in table.column_names:
        arr = table.column(name).combine_chunks()
        col = by_name.get(name)
        if col is None:
            data[name] = pd.Series(pd.arrays.ArrowStringArray(arr), dtype=STRING_DTYPE)
            continue
        if col.kind == "boolean":
            arr = _csv_booleans(path, name, arr)
        elif col.kind == "integer":
            arr = _csv_integers(path, name, arr)
        data[name] = _typed(col, arr)
    return pd.DataFrame(data)


def _read_jsonl(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    try:
        rows = msgspec.json.Decoder(float_hook=float).decode_lines(raw)
    except msgspec.DecodeError as exc:
        raise _bad(path, f"not JSON lines ({exc})") from None
    if not rows:
        return empty_frame()
    if not all(type(r) is dict for r in rows):
        raise _bad(path, "every line must be a JSON object")
    names = list(dict.fromkeys(k for r in rows for k in r))
    data: dict[str, pd.Series] = {}
    by_name = _columns_of(names)
    for name in names:
        values = [r.get(name) for r in rows]
        col = by_name.get(name)
        if col is None:
            data[name] = pd.Series(values)
        elif col.kind == "json":
            data[name] = _typed(col, _arrow_json(values, col.any_json))
        elif col.kind == "boolean":
            data[name] = _typed(col, pa.array([v if type(v) is bool else None for v in values]))
        elif col.kind == "integer":
            data[name] = _typed(col, _arrow_integer(values))
        else:
            data[name] = _typed(col, _arrow_text(col, values))
    return pd.DataFrame(data)


def _retyped(col: Column, values: pd.Series) -> pd.Series:
    """A column read from Parquet with exactly the dtype of ``col``."""
    if col.kind == "json":
        return values if is_json_column(values) else pd.Series(JSONArray._from_sequence(values))
    if col.kind == "string":
        return values.astype(STRING_DTYPE)
    if col.kind == "category":
        if isinstance(values.dtype, pd.CategoricalDtype):
            # The written categories, in order; an empty column's dictionary is not stored,
            # so the schema's known values are put back first, as the loader has them.
            found = [str(c) for c in values.cat.categories]
            if not set(col.known) <= set(found):
                found = [*col.known, *(c for c in found if c not in col.known)]
            cats = pd.Index(found, dtype=STRING_DTYPE)
            return values.cat.set_categories(cats.tolist()).astype(pd.CategoricalDtype(cats))
        return _typed(col, pa.array(values.astype(STRING_DTYPE).array))
    if col.kind == "boolean":
        return values.astype("boolean")
    if col.kind == "integer":
        return values.astype(INTEGER_DTYPE)
    if _is_when(values):
        return values.dt.tz_convert("UTC").dt.as_unit("us")
    return pd.Series(pd.to_datetime(values, utc=True, format="ISO8601")).dt.as_unit("us")


def _read_parquet(path: Path) -> pd.DataFrame:
    df = pd.read_parquet(path)
    by_name = _columns_of([str(n) for n in df.columns])
    data = {
        name: df[name] if name not in by_name else _retyped(by_name[name], df[name])
        for name in df.columns
    }
    return pd.DataFrame(data).reset_index(drop=True)


_READERS: dict[Format, Callable[[Path], pd.DataFrame]] = {
    "csv": _read_csv,
    "jsonl": _read_jsonl,
    "parquet": _read_parquet,
}


def read_frame(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a file :func:`write_frame` wrote (CSV, JSON lines or Parquet, by suffix).

    Columns of the schema get exactly their schema dtypes (``string``,
    ``category`` with ``string`` categories, ``boolean``, ``Int64``,
    ``datetime64[us, UTC]``, ``json``); other columns are kept as read (CSV:
    ``string``). v1 and v2 frames both read back: the file's columns are typed
    by the schema holding the most of them (``V1`` on a tie). The columns and
    their order are the file's; the index is a ``RangeIndex``. In CSV an
    empty field is a missing value; a category column's categories are the
    schema's known values and then the values present, sorted, as the loader
    makes them (Parquet keeps the written ones). An empty JSON lines file reads
    as :func:`auditkit.empty_frame` (v1's: it names no column).

    Reading a CSV or Parquet file from an older ``auditkit fetch`` (``when`` as
    ``2026-10-01 12:00:00+00:00``, JSON columns as text) gives the same frame.

    Parameters
    ----------
    path
        A ``.csv``, ``.jsonl`` or ``.parquet`` file.

    Returns
    -------
    pandas.DataFrame
        The typed frame: ``read_frame(write_frame(df, p))`` equals ``df``
        (with a fresh index) for a frame from :func:`auditkit.load_audit_logs`.

    Raises
    ------
    auditkit.InvalidParameterError
        Another suffix, or content no writer of these formats makes.
    OSError
        The file cannot be read.

    Examples
    --------
    >>> import os, tempfile, auditkit
    >>> df = auditkit.records_to_frame([{"id": "a", "metadata": {"k": [1, 2]}}])
    >>> back = read_frame(write_frame(df, os.path.join(tempfile.mkdtemp(), "x.parquet")))
    >>> back.loc[0, "metadata"], str(back["metadata"].dtype)
    ({'k': [1, 2]}, 'json')
    """
    source = _as_path(path)
    return _READERS[_format_of(source)](source)
