"""pyarrow's JSON reader over a v4 envelope: a page's ``result`` records as one struct array.

Both sources type their scalar fields this way (in C++, outside the GIL), each
with the explicit schema its layout builds from its frame schema.

Examples
--------
>>> import pyarrow as pa, pyarrow.json as pj
>>> options = pj.ParseOptions(
...     explicit_schema=pa.schema([("result", pa.list_(pa.struct([("id", pa.string())])))]),
...     unexpected_field_behavior="ignore")
>>> result_records(b'{"result":[{"id":"a"},{"id":"b"}]}', options, 2).field("id").to_pylist()
['a', 'b']
>>> result_records(b'{"result":[{"id":5}]}', options, 1) is None
True
>>> import msgspec
>>> raw_texts([msgspec.Raw(b'{"a":1}'), msgspec.Raw(b'"x"'), msgspec.Raw(b"")]).to_pylist()
['{"a":1}', None, None]
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

__all__ = ["raw_texts", "result_records"]

_OPENERS = np.array([ord("{"), ord("[")], dtype=np.uint8)


def result_records(
    body: bytes, parse_options: pj.ParseOptions, expected: int
) -> pa.StructArray | None:
    """The ``result`` records of ``body``, typed by ``parse_options``' explicit schema.

    ``None`` when the reader will not type the page (a value of another type than
    the schema's, say), or when it finds a number of records other than
    ``expected`` (the envelope's count) or none.
    """
    try:
        table = pj.read_json(
            pa.BufferReader(body),
            read_options=pj.ReadOptions(use_threads=False, block_size=len(body) + 1),
            parse_options=parse_options,
        )
        records = pc.list_flatten(table.column("result")).combine_chunks()
    except (pa.ArrowException, ValueError):
        return None
    if len(records) != expected or not expected:
        return None
    return records


def raw_texts(raws: Sequence[msgspec.Raw], any_json: bool = False) -> pa.LargeStringArray:
    """Raw JSON texts (msgspec cut them out of a body) as one Arrow text array.

    Built from buffers with numpy, without a Python object per value (and so
    without giving up the GIL). Objects and arrays are kept; with ``any_json``,
    any value but ``null``. Anything else (``null``, a string, a number, an
    absent field, which has no text) is missing, as :mod:`auditkit.frame` has it.
    """
    n = len(raws)
    lengths = np.fromiter(map(len, raws), dtype=np.int64, count=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    data = np.frombuffer(b"".join(raws), dtype=np.uint8)
    if not len(data):
        return pa.nulls(n, pa.large_string())
    first = data[np.minimum(offsets[:-1], len(data) - 1)]
    if any_json:  # a JSON value of 4 bytes starting with "n" is null
        valid = (lengths > 0) & ~((lengths == 4) & (first == ord("n")))
    else:
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
        arr.validate(full=True)  # UTF-8 (bodies are made valid first: a safety net)
    except pa.ArrowInvalid:
        texts = [
            bytes(r).decode("utf-8", "replace") if ok else None
            for r, ok in zip(raws, valid, strict=True)
        ]
        arr = pa.array(texts, type=pa.large_string())
    return arr
