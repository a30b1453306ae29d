"""How deep JSON nests, and the cut of JSON values nested too deep to read back.

A JSON column's value nested deeper than :data:`MAX_DEPTH` levels is read as
missing, with a :class:`RuntimeWarning`: decoding it (msgspec, ``json``) takes a
Python stack frame per level, so whether it could be read back would depend on
how deep the reader's own stack is; it never raises ``RecursionError`` this way,
and the rest of the row is kept. The HTTP layer uses the same limit and
tokenizer (:data:`JSON_TOKENS`) to tell how deep a response body nests.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["MAX_DEPTH"]

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
