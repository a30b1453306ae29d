"""One Logpush file's bytes to typed rows of its dataset's frame, or an error naming the line.

A file is gzip-compressed NDJSON (recognised by its magic bytes: a ``.log`` file
that is plain text is read as it is; a ``.gz`` file that is not gzip is refused).
After decompression a leading byte-order mark is dropped and invalid UTF-8
becomes U+FFFD (:func:`auditkit.http._body.valid_utf8`, as for API pages);
blank lines are skipped (a trailing newline, ``\\r\\n`` endings).

Two decoders give the same rows:

1. **Canonical files** (every field spelt as Logpush spells it, no other field):
   one msgspec pass over the whole file into structs, JSON fields kept as their
   raw text (:func:`auditkit.sources._arrow.raw_texts`), the time column typed by
   Arrow (:func:`~._when.parse_when`).
2. **Anything else**: line by line into dicts, field names matched without regard
   to case (``when``, ``ACTORIP``); fields no dataset documents are dropped and
   named in :attr:`FileRows.unknown`.

Fail safe, never a short frame: a truncated or corrupt gzip, a line that is not a
JSON object, a record without its id or time, a time in no Logpush format raise
:class:`LogpushFileError` naming the file (and line). With ``skip_bad`` the line
(or the whole file, for a bad gzip) is left out instead and listed in
:attr:`FileRows.skipped`.

Examples
--------
>>> import gzip
>>> from ._layout import AUDIT_LOGS
>>> data = gzip.compress(b'{"ID":"a","When":1638303588,"ActionType":"login"}\\n')
>>> rows = decode_file(data, "s3://b/20211130/x.log.gz", AUDIT_LOGS)
>>> rows.columns["action_type"], rows.lines
(['login'], 1)
>>> typed_rows([rows], AUDIT_LOGS).first_when()
Timestamp('2021-11-30 20:19:48+0000', tz='UTC')
>>> decode_file(data[:-4], "s3://b/x.log.gz", AUDIT_LOGS)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
auditkit.errors.LogpushFileError: s3://b/x.log.gz: truncated or corrupt gzip ...
"""

from __future__ import annotations

import gzip
import itertools
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa

from ...errors import LogpushFileError
from ...frame._chunk import Chunk
from ...http._body import valid_utf8
from .._arrow import raw_texts
from ._layout import Dataset, record_struct
from ._when import parse_when

__all__ = ["BATCH_ROWS", "Batcher", "FileRows", "LogpushFileError", "decode_file", "typed_rows"]

_GZIP_MAGIC = b"\x1f\x8b"
_GENERIC = msgspec.json.Decoder(float_hook=float)
_US = pa.timestamp("us", tz="UTC")
_CONTAINERS = (dict, list)
_OPENERS = (ord("{"), ord("["))


@dataclass
class FileRows:
    """What one file gave: its rows as raw columns (typed later, several files at once:
    :func:`typed_rows`), and what was read, dropped or skipped."""

    columns: dict[str, Any]
    lines: int
    unknown: set[str] = field(default_factory=set)
    skipped: list[dict[str, Any]] = field(default_factory=list)


#: Rows typed together: Arrow's cost per call is paid per batch, not per (small) file.
BATCH_ROWS = 50_000


def _joined(values: list[Any]) -> Any:
    """Columns of several files end to end (lists, or Arrow arrays)."""
    if isinstance(values[0], pa.Array):
        return pa.concat_arrays(values)
    return list(itertools.chain.from_iterable(values))


class Batcher:
    """Files' rows, given in order, typed a batch at a time (about :data:`BATCH_ROWS`
    rows): Arrow's cost per call is paid per batch, not per small file, and a file's
    text is let go once its batch is typed."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.chunks: list[Chunk] = []
        self._batch: list[dict[str, Any]] = []
        self._rows = 0

    def add(self, part: FileRows) -> None:
        """Take the next file's rows (its columns are handed over, and cleared)."""
        if part.lines:
            self._batch.append(part.columns)
            self._rows += part.lines
        part.columns = {}
        if self._rows >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Type the rows taken so far."""
        if not self._batch:
            return
        schema = self.dataset.schema
        names = self._batch[0]
        merged = {name: _joined([b[name] for b in self._batch]) for name in names}
        for column in self.dataset.json_columns:
            merged[column] = raw_texts(merged[column])
        self.chunks.append(Chunk.from_columns(merged, schema).encoded(schema))
        self._batch, self._rows = [], 0

    def chunk(self) -> Chunk:
        """Every row taken, typed, in order."""
        self.flush()
        return Chunk.concat(self.chunks, self.dataset.schema)


def typed_rows(parts: list[FileRows], dataset: Dataset) -> Chunk:
    """The rows of ``parts``, in order, typed and dictionary-encoded (``Chunk.encoded``)."""
    batcher = Batcher(dataset)
    for part in parts:
        batcher.add(part)
    return batcher.chunk()


_DECODERS: dict[str, msgspec.json.Decoder[Any]] = {}


def _decoder(dataset: Dataset) -> msgspec.json.Decoder[Any]:
    """The struct decoder of ``dataset`` (made once; msgspec decoders are thread-safe)."""
    decoder = _DECODERS.get(dataset.name)
    if decoder is None:
        decoder = msgspec.json.Decoder(record_struct(dataset), float_hook=float)
        _DECODERS[dataset.name] = decoder
    return decoder


def _text_of(data: bytes, path: str) -> bytes:
    """The file's NDJSON text: gunzipped when gzip, valid UTF-8, no byte-order mark."""
    if data.startswith(_GZIP_MAGIC):
        try:
            data = gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as exc:
            raise LogpushFileError(path, f"truncated or corrupt gzip ({exc})") from None
    elif path.endswith(".gz"):
        what = "an empty file" if not data else "not gzip (no gzip header)"
        raise LogpushFileError(path, f"{what}: a .gz file must be gzip-compressed")
    return valid_utf8(data)


def _line_numbers(text: bytes) -> list[int]:
    """1-based numbers of the non-blank lines: row i came from line ``[i]``."""
    return [i for i, line in enumerate(text.split(b"\n"), 1) if line.strip()]


def _general(
    text: bytes, path: str, dataset: Dataset, skip_bad: bool, skipped: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[int], set[str]]:
    """Line by line: records as dicts with the dataset's spelling, their lines, unknown names."""
    canon = {name.lower(): name for name in dataset.fields}
    known = set(dataset.fields)
    records: list[dict[str, Any]] = []
    numbers: list[int] = []
    unknown: set[str] = set()
    for number, line in enumerate(text.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            record = _GENERIC.decode(line)
            problem = (
                None if type(record) is dict else f"not a JSON object ({type(record).__name__})"
            )
        except (msgspec.DecodeError, RecursionError) as exc:
            problem = f"not JSON ({exc})"
        if problem is not None:
            if not skip_bad:
                raise LogpushFileError(path, problem, number)
            skipped.append({"file": path, "line": number, "reason": problem})
            continue
        if not known.issuperset(record):
            renamed: dict[str, Any] = {k: v for k, v in record.items() if k in known}
            for key, value in record.items():
                name = canon.get(key.lower()) if isinstance(key, str) else None
                if name is None:
                    unknown.add(str(key))
                elif key not in known and renamed.get(name) is None:
                    renamed[name] = value
            record = renamed
        records.append(record)
        numbers.append(number)
    return records, numbers, unknown


def _flags(values: list[Any], true: str | None) -> list[Any]:
    """``ActionResult`` (a boolean, or ``success``/``failure``/``true``/``false`` text) as the
    column reads it: booleans (v1), or its ``true``/``false`` texts (v2)."""
    words = {"true": True, "success": True, "false": False, "failure": False}
    out: list[Any] = []
    for v in values:
        flag = v if type(v) is bool else words.get(v.lower()) if type(v) is str else None
        out.append(flag if true is None or flag is None else ("success" if flag else "failure"))
    return out


def _columns(
    pick: Callable[[str], list[Any]], raw: bool, dataset: Dataset, n: int
) -> dict[str, Any]:
    """The raw columns of ``dataset``'s frame; ``pick(field)`` gives a field's values."""
    schema = dataset.schema
    columns: dict[str, Any] = {dataset.schema.names[0]: pick(dataset.id_field)}
    for name, column in dataset.text.items():
        values = pick(name)
        col = schema.column(column)
        columns[column] = _flags(values, col.true) if col.kind == "boolean" else values
    for name, column in dataset.json.items():
        # Raw JSON texts, turned into one Arrow column per batch of files (typed_rows).
        columns[column] = pick(name) if raw else [_raw(v) for v in pick(name)]
    for name, (text_column, json_column) in dataset.split.items():
        values = pick(name)
        if raw:  # raw texts: objects and arrays stay text, the rest is decoded (short)
            columns[json_column] = values
            columns[text_column] = [_scalar(r) for r in values]
        else:
            columns[json_column] = [_raw(v) for v in values]
            columns[text_column] = [None if type(v) in _CONTAINERS else v for v in values]
    for name, keys in dataset.nested.items():
        objects = [o if type(o) is dict else {} for o in pick(name)]
        for key, column in keys:
            columns[column] = [o.get(key) for o in objects]
    for column in dataset.missing:
        columns[column] = [None] * n
    return columns


_NO_TEXT = msgspec.Raw()


def _raw(value: Any) -> msgspec.Raw:
    """A decoded JSON value as its raw text again (objects and arrays; the rest has none)."""
    return msgspec.Raw(msgspec.json.encode(value)) if type(value) in _CONTAINERS else _NO_TEXT


def _scalar(raw: msgspec.Raw) -> Any:
    """The value of a raw JSON text that is not an object or array (else ``None``)."""
    if not raw or memoryview(raw)[0] in _OPENERS:
        return None
    return _GENERIC.decode(raw)


def _bad_rows(columns: dict[str, Any], whens: list[Any], dataset: Dataset) -> dict[int, str]:
    """Row -> why it cannot be kept (no id, no time, a time in no Logpush format)."""
    ids = columns["id"]
    problems: dict[int, str] = {}
    no_id = [i for i, v in enumerate(ids) if v is None or v == ""]
    for i in no_id:
        problems[i] = f"record without {dataset.id_field}"
    micros, bad = parse_when(whens)
    for i in np.flatnonzero(bad).tolist():
        value = whens[i]
        problems.setdefault(
            i,
            f"record without {dataset.when_field}"
            if value is None or value == ""
            else f"{dataset.when_field} {str(value)[:40]!r} is in no Logpush timestamp_format "
            "(RFC 3339 with a zone, unix seconds, unix nanoseconds)",
        )
    columns["when"] = pa.array(micros, type=pa.int64()).cast(_US)
    return problems


def decode_file(data: bytes, path: str, dataset: Dataset, *, skip_bad: bool = False) -> FileRows:
    """One file's bytes (as stored) to its rows of ``dataset``'s frame.

    ``path`` names the file in errors. See the module docstring for what is refused.
    """
    skipped: list[dict[str, Any]] = []
    try:
        text = _text_of(data, path)
    except LogpushFileError as exc:
        if not skip_bad:
            raise
        skipped.append({"file": path, "line": None, "reason": str(exc)[len(path) + 2 :]})
        return FileRows({}, 0, skipped=skipped)
    numbers: list[int] | None = None
    unknown: set[str] = set()
    try:
        structs = _decoder(dataset).decode_lines(text)
        n = len(structs)
        columns = _columns(lambda name: list(map(attrgetter(name), structs)), True, dataset, n)
        whens = list(map(attrgetter(dataset.when_field), structs))
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        records, numbers, unknown = _general(text, path, dataset, skip_bad, skipped)
        n = len(records)
        columns = _columns(lambda name: [r.get(name) for r in records], False, dataset, n)
        whens = [r.get(dataset.when_field) for r in records]
    problems = _bad_rows(columns, whens, dataset)
    if problems:
        numbers = numbers if numbers is not None else _line_numbers(text)
        if not skip_bad:
            row = min(problems)
            raise LogpushFileError(path, problems[row], numbers[row])
        skipped.extend(
            {"file": path, "line": numbers[i], "reason": problems[i]} for i in sorted(problems)
        )
    if problems:
        keep = np.ones(n, dtype=bool)
        keep[list(problems)] = False
        columns = {name: _kept(values, keep) for name, values in columns.items()}
    return FileRows(columns, n - len(problems), unknown, skipped)


def _kept(values: Any, keep: np.ndarray) -> Any:
    """The values of a raw column where ``keep`` is true."""
    if isinstance(values, pa.Array):
        return values.filter(pa.array(keep))
    return [v for v, k in zip(values, keep.tolist(), strict=True) if k]
