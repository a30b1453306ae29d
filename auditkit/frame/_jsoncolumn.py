"""Any column as JSON, for code that writes or indexes columns of a frame.

:func:`is_json_column` tells a ``json`` column from the others, and
:func:`json_texts` gives each row's JSON text: a :class:`~auditkit.frame._json.JSONArray`
column its stored text without decoding anything, any other column (say, a
hand-built object column of dicts) value by value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from ._json import JSONArray
from ._jsoncodec import _is_missing, encode_value
from ._jsondtype import _TEXT, JSONDtype

__all__ = [
    "is_json_column",
    "json_texts",
]


def is_json_column(values: Any) -> bool:
    """Whether ``values`` (a Series or array) is a :class:`JSONArray` column.

    Examples
    --------
    >>> import pandas as pd
    >>> is_json_column(pd.Series([{"a": 1}], dtype="json")), is_json_column(pd.Series([1]))
    (True, False)
    """
    return isinstance(getattr(values, "dtype", None), JSONDtype)


def json_texts(values: Any) -> pa.Array:
    """Per row, JSON text (Arrow ``large_string``; null for missing).

    A :class:`JSONArray` column gives its stored text without decoding
    anything. Any other column (say, a hand-built object column of dicts)
    is written value by value: dicts and lists as compact JSON with sorted
    keys, strings as they are, anything else as its ``str``.

    Examples
    --------
    >>> import pandas as pd
    >>> json_texts(pd.Series([{"b": 1, "a": 2}, None, "x"])).to_pylist()
    ['{"a":2,"b":1}', None, 'x']
    """
    arr = getattr(values, "array", values)
    if isinstance(arr, JSONArray):
        indices = pa.array(arr.codes.astype(np.int32), mask=arr.codes < 0)
        return arr.texts.take(indices)
    out: list[str | None] = []
    for v in list(values):
        if _is_missing(v):
            out.append(None)
        elif isinstance(v, str):
            out.append(v)
        else:
            text = encode_value(v, sort_keys=True)
            out.append(str(v) if text is None else text.decode())
    return pa.array(out, type=_TEXT)
