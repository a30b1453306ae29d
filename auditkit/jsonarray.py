"""A pandas column of JSON objects and arrays, stored once per distinct value.

Audit records carry free-form JSON (``metadata``, ``oldValueJson``,
``newValueJson``). Holding each as a Python ``dict`` costs hundreds of bytes a
row and a full decode of every record; most values repeat (the same setting
turned on and off, the same zone). :class:`JSONArray` keeps the JSON **text**,
dictionary-encoded (one small integer code per row plus each distinct text
once, in Arrow), and decodes a value only when it is read: ``s[i]``, iteration,
``tolist()``, ``apply`` and ``to_numpy()`` all give fresh ``dict``/``list``
objects, so code written for a column of dicts keeps working.

The dtype is registered as ``"json"``; ``astype("string")`` gives the compact
JSON text, and Parquet files keep the column as dictionary-encoded text.

Examples
--------
>>> import pandas as pd
>>> from auditkit.jsonarray import JSONArray
>>> s = pd.Series(JSONArray._from_sequence([{"zone": "a"}, None, {"zone": "a"}]))
>>> s.dtype, s[0]["zone"], s[1] is None
(json, 'a', True)
>>> s.astype("string").tolist()
['{"zone":"a"}', <NA>, '{"zone":"a"}']
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import msgspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionArray, ExtensionDtype, register_extension_dtype, take

__all__ = [
    "JSONArray",
    "JSONDtype",
    "decode_text",
    "encode_value",
    "is_json_column",
    "json_texts",
]

_DECODE = msgspec.json.Decoder()
_ENCODE = msgspec.json.Encoder()
_SORTED = msgspec.json.Encoder(order="sorted")
_TEXT = pa.large_string()


def decode_text(text: str | bytes) -> Any:
    """Decode one JSON text (``json.loads``, faster).

    Examples
    --------
    >>> decode_text('{"a":[1,2]}')
    {'a': [1, 2]}
    """
    return _DECODE.decode(text)


def encode_value(value: Any, *, sort_keys: bool = False) -> bytes | None:
    """Compact JSON text of a ``dict``/``list`` (keys in their own order, or sorted);
    ``None`` for anything else.

    Values JSON cannot hold (sets, dates, objects) are written as their ``str``.

    Examples
    --------
    >>> encode_value({"b": 1, "a": [True, None]}), encode_value("text")
    (b'{"b":1,"a":[true,null]}', None)
    """
    if not isinstance(value, dict | list):
        return None
    try:
        return _SORTED.encode(value) if sort_keys else _ENCODE.encode(value)
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError):
        try:
            return msgspec.json.encode(value, enc_hook=str, order="sorted" if sort_keys else None)
        except Exception:
            return None


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and value != value


def _as_text(value: Any) -> bytes | None:
    """JSON text for one scalar given to a constructor or ``__setitem__``."""
    if _is_missing(value):
        return None
    if isinstance(value, dict | list):
        return encode_value(value)
    if isinstance(value, str | bytes):
        raw = value.encode() if isinstance(value, str) else value
        try:
            parsed = _DECODE.decode(raw)
        except msgspec.DecodeError:
            raise ValueError(f"not JSON text: {value[:60]!r}") from None
        if not isinstance(parsed, dict | list):
            raise ValueError(f"JSON text must hold an object or an array, not {value[:60]!r}")
        return raw
    raise TypeError(f"a JSON column holds dicts and lists, not {type(value).__name__}")


@register_extension_dtype
class JSONDtype(ExtensionDtype):
    """The dtype of a :class:`JSONArray` column (``"json"``).

    Examples
    --------
    >>> import pandas as pd
    >>> pd.Series([{"a": 1}], dtype="json").dtype
    json
    """

    name = "json"
    type = dict
    kind = "O"
    na_value = None
    _is_numeric = False
    _is_boolean = False

    @classmethod
    def construct_array_type(cls) -> type[JSONArray]:
        return JSONArray

    def __from_arrow__(self, array: pa.Array | pa.ChunkedArray) -> JSONArray:
        """Rebuild the column from Arrow text (as Parquet stores it)."""
        return JSONArray.from_arrow(array)

    def __repr__(self) -> str:
        return "json"


def _code_dtype(n: int) -> type[np.signedinteger]:
    for candidate in (np.int8, np.int16, np.int32):
        if n < np.iinfo(candidate).max:
            return candidate
    return np.int64


class JSONArray(ExtensionArray):
    """JSON values: ``codes`` (``-1`` = missing) into ``texts``, an Arrow array of distinct texts.

    Build one with :meth:`from_arrow` (text in Arrow, the loader's way) or
    ``JSONArray._from_sequence(values)`` (dicts, lists, JSON text or ``None``).
    """

    _dtype = JSONDtype()
    __array_priority__ = 1000

    def __init__(self, codes: np.ndarray, texts: pa.Array) -> None:
        self._codes = codes
        self._texts = texts

    # ------------------------------------------------------------ construction

    @classmethod
    def from_arrow(cls, array: pa.Array | pa.ChunkedArray) -> JSONArray:
        """Dictionary-encode Arrow JSON text (string, large string, binary or dictionary).

        Examples
        --------
        >>> import pyarrow as pa
        >>> arr = JSONArray.from_arrow(pa.array(['{"a":1}', None, '{"a":1}']))
        >>> len(arr), len(arr.texts)
        (3, 1)
        """
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks() if array.num_chunks else pa.array([], _TEXT)
        if pa.types.is_dictionary(array.type):
            array = array.cast(array.type.value_type)
        if not (pa.types.is_large_string(array.type)):
            array = array.cast(_TEXT)
        encoded = pc.dictionary_encode(array)
        indices = encoded.indices
        if indices.null_count:
            indices = pc.fill_null(indices, -1)
        texts = encoded.dictionary
        codes = indices.to_numpy(zero_copy_only=False)
        return cls(codes.astype(_code_dtype(len(texts)), copy=False), texts)

    @classmethod
    def _from_texts(cls, texts: Sequence[bytes | None]) -> JSONArray:
        return cls.from_arrow(pa.array(texts, pa.binary()).cast(_TEXT))

    @classmethod
    def _from_sequence(cls, scalars: Any, *, dtype: Any = None, copy: bool = False) -> JSONArray:
        if isinstance(scalars, JSONArray):
            return scalars.copy() if copy else scalars
        return cls._from_texts([_as_text(v) for v in scalars])

    @classmethod
    def _from_factorized(cls, values: np.ndarray, original: JSONArray) -> JSONArray:
        return cls._from_texts([None if v is None else v.encode() for v in values])

    # ------------------------------------------------------------ reading

    @property
    def dtype(self) -> JSONDtype:
        return self._dtype

    @property
    def codes(self) -> np.ndarray:
        """Per row, the position of its text in :attr:`texts`; ``-1`` for missing."""
        return self._codes

    @property
    def texts(self) -> pa.Array:
        """The distinct JSON texts (Arrow ``large_string``)."""
        return self._texts

    def __len__(self) -> int:
        return len(self._codes)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, int | np.integer):
            code = self._codes[item]
            return None if code < 0 else _DECODE.decode(self._texts[int(code)].as_buffer())
        item = pd.api.indexers.check_array_indexer(self, item)
        return type(self)(self._codes[item], self._texts)

    def distinct_values(self) -> list[Any]:
        """Each distinct value decoded once (shared objects: read, do not modify)."""
        buffers = self._texts.to_pylist()
        return [_DECODE.decode(t) for t in buffers]

    def __iter__(self) -> Iterator[Any]:
        texts = self._texts.to_pylist()
        decode = _DECODE.decode
        for code in self._codes.tolist():
            yield None if code < 0 else decode(texts[code])

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        out = np.empty(len(self), dtype=object)
        out[:] = list(self)
        return out if dtype is None or np.dtype(dtype) == np.dtype(object) else out.astype(dtype)

    def text_values(self) -> list[str | None]:
        """Each row's compact JSON text (``None`` for missing), without decoding.

        Examples
        --------
        >>> JSONArray._from_sequence([[1, 2], None]).text_values()
        ['[1,2]', None]
        """
        texts = self._texts.to_pylist()
        return [None if c < 0 else texts[c] for c in self._codes.tolist()]

    @property
    def nbytes(self) -> int:
        return int(self._codes.nbytes + self._texts.nbytes)

    def isna(self) -> np.ndarray:
        return self._codes < 0

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        if isinstance(other, pd.Series | pd.Index | pd.DataFrame):
            return NotImplemented
        if isinstance(other, JSONArray | np.ndarray | list) and not isinstance(other, dict):
            if len(other) != len(self):
                raise ValueError("lengths must match to compare")
            return np.array(
                [a is not None and a == b for a, b in zip(self, other, strict=True)], dtype=bool
            )
        return np.array([a is not None and a == other for a in self], dtype=bool)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else ~eq & ~self.isna()

    # ------------------------------------------------------------ reshaping

    def take(self, indices: Any, *, allow_fill: bool = False, fill_value: Any = None) -> JSONArray:
        texts = self._texts
        fill_code = -1
        if allow_fill and not _is_missing(fill_value):
            text = _as_text(fill_value)
            texts = pa.concat_arrays([texts, pa.array([text], pa.binary()).cast(_TEXT)])
            fill_code = len(texts) - 1
        codes = take(
            self._codes.astype(_code_dtype(len(texts)), copy=False),
            indices,
            allow_fill=allow_fill,
            fill_value=fill_code,
        )
        return type(self)(codes, texts)

    def copy(self) -> JSONArray:
        return type(self)(self._codes.copy(), self._texts)

    @classmethod
    def _concat_same_type(cls, to_concat: Sequence[JSONArray]) -> JSONArray:
        arrays = list(to_concat)
        if not arrays:
            return cls(np.array([], dtype=np.int8), pa.array([], _TEXT))
        first = arrays[0]._texts
        if all(a._texts is first for a in arrays):
            codes = np.concatenate([a._codes for a in arrays])
            return cls(codes.astype(_code_dtype(len(first)), copy=False), first)
        merged = pc.dictionary_encode(pa.concat_arrays([a._texts for a in arrays]))
        remap = merged.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        parts, offset = [], 0
        for a in arrays:
            local = a._codes.astype(np.int64)
            mapped = np.full(len(local), -1, dtype=np.int64)
            present = local >= 0
            mapped[present] = remap[offset + local[present]]
            parts.append(mapped)
            offset += len(a._texts)
        texts = merged.dictionary
        codes = np.concatenate(parts).astype(_code_dtype(len(texts)))
        return cls(codes, texts)

    def __setitem__(self, key: Any, value: Any) -> None:
        key = pd.api.indexers.check_array_indexer(self, key)
        scalar = _is_missing(value) or isinstance(value, dict | str | bytes)
        values = [value] if scalar else list(value)
        texts = [_as_text(v) for v in values]
        new = [t for t in texts if t is not None]
        pool = pa.concat_arrays([self._texts, pa.array(new, pa.binary()).cast(_TEXT)])
        codes = self._codes.astype(_code_dtype(len(pool)))
        added = iter(range(len(self._texts), len(pool)))
        new_codes = [-1 if t is None else next(added) for t in texts]
        codes[key] = new_codes[0] if scalar else new_codes
        self._codes, self._texts = codes, pool

    # ------------------------------------------------------------ pandas hooks

    def _values_for_factorize(self) -> tuple[np.ndarray, Any]:
        out = np.empty(len(self), dtype=object)
        out[:] = self.text_values()
        return out, None

    def _values_for_argsort(self) -> np.ndarray:
        out = np.empty(len(self), dtype=object)
        out[:] = [t or "" for t in self.text_values()]
        return out

    def astype(self, dtype: Any, copy: bool = True) -> Any:
        dtype = pd.api.types.pandas_dtype(dtype)
        if isinstance(dtype, JSONDtype):
            return self.copy() if copy else self
        if isinstance(dtype, pd.StringDtype):
            return pd.array(self.text_values(), dtype=dtype)
        if dtype == np.dtype(str) or dtype == np.dtype("U"):
            return np.array([t if t is not None else "None" for t in self.text_values()], dtype=str)
        if dtype == np.dtype(object):
            return np.asarray(self)
        return super().astype(dtype, copy=copy)

    def __arrow_array__(self, type: Any = None) -> pa.Array:
        indices = pa.array(self._codes.astype(np.int32), mask=self._codes < 0)
        return pa.DictionaryArray.from_arrays(indices, self._texts.cast(pa.string()))

    def _formatter(self, boxed: bool = False) -> Any:
        return repr

    def _pad_or_backfill(
        self, *, method: Any, limit: int | None = None, limit_area: Any = None, copy: bool = True
    ) -> JSONArray:
        mask = self.isna()
        if not mask.any():
            return self.copy() if copy else self
        positions = np.where(mask, -1, np.arange(len(self)))
        series = pd.Series(positions.astype(float)).replace(-1, np.nan)
        filled = series.ffill(limit=limit) if method == "pad" else series.bfill(limit=limit)
        idx = filled.fillna(-1).to_numpy(dtype=np.int64)
        return self.take(idx, allow_fill=True)


def is_json_column(values: Any) -> bool:
    """Whether ``values`` (a Series or array) is a :class:`JSONArray` column.

    Examples
    --------
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
