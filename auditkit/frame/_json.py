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
>>> from auditkit.frame._json import JSONArray
>>> s = pd.Series(JSONArray._from_sequence([{"zone": "a"}, None, {"zone": "a"}]))
>>> s.dtype, s[0]["zone"], s[1] is None
(json, 'a', True)
>>> s.astype("string").tolist()
['{"zone":"a"}', <NA>, '{"zone":"a"}']
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Sequence
from typing import Any, cast

import msgspec
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import (
    ExtensionArray,
    ExtensionDtype,
    no_default,
    register_extension_dtype,
    take,
)

__all__ = [
    "JSONArray",
    "JSONDtype",
    "decode_text",
    "encode_value",
    "is_json_column",
    "json_texts",
]

# float_hook: numbers beyond float range (valid JSON) read as +-inf, as json.loads reads them.
_DECODE = msgspec.json.Decoder(float_hook=float)
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
        text = encode_value(value)
        if text is None:
            raise TypeError(f"cannot write this {type(value).__name__} as JSON")
        return text
    if isinstance(value, str | bytes):
        raw = value.encode() if isinstance(value, str) else value
        try:
            parsed = _DECODE.decode(raw)
        except msgspec.DecodeError:
            raise ValueError(f"not JSON text: {value[:60]!r}") from None
        if not isinstance(parsed, dict | list):
            raise ValueError(f"JSON text must hold an object or an array, not {value[:60]!r}")
        return _ENCODE.encode(parsed)  # compact, as every stored text is
    raise TypeError(f"a JSON column holds dicts and lists, not {type(value).__name__}")


def _is_single(value: Any) -> bool:
    """Whether ``value`` is one element (not a sequence of them) when setting or filling."""
    return _is_missing(value) or isinstance(value, dict | str | bytes)


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray | ExtensionArray | pd.Series | pd.Index)


def _canonical(value: Any) -> bytes | None:
    """Compact JSON text with sorted keys: equal for values that are equal as JSON."""
    return encode_value(value, sort_keys=True)


@register_extension_dtype
class JSONDtype(ExtensionDtype):
    """The dtype of a :class:`JSONArray` column (``"json"``).

    Its scalars are ``dict`` (or ``list``) objects and its missing value is ``None``.

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
    def construct_array_type(cls) -> builtins.type[JSONArray]:
        """The array class, :class:`JSONArray`.

        Examples
        --------
        >>> JSONDtype.construct_array_type().__name__
        'JSONArray'
        """
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


class _Pool:
    """The distinct texts of an array, shared with its views; only ever appended to.

    Appending never moves an existing text, so every array holding codes into
    the pool stays valid when one of them stores a new value.
    """

    def __init__(self, texts: pa.Array) -> None:
        self.texts = texts
        self._index: dict[str, int] | None = None
        self._order: tuple[int, list[bytes], np.ndarray] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"texts": self.texts}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["texts"])  # type: ignore[misc]

    def codes_for(self, texts: Sequence[bytes | str | None]) -> np.ndarray:
        """Codes of ``texts`` (``-1`` for ``None``), appending the ones not yet stored."""
        if self._index is None:
            self._index = {}
            for i, t in enumerate(self.texts.to_pylist()):
                self._index.setdefault(t, i)
        index, added = self._index, cast(list[str], [])
        out = np.empty(len(texts), dtype=np.int64)
        for i, raw in enumerate(texts):
            if raw is None:
                out[i] = -1
                continue
            text = raw.decode() if isinstance(raw, bytes) else raw
            code = index.get(text)
            if code is None:
                code = index[text] = len(self.texts) + len(added)
                added.append(text)
            out[i] = code
        if added:
            self.texts = pa.concat_arrays([self.texts, pa.array(added, _TEXT)])
        return out

    def order(self) -> tuple[list[bytes], np.ndarray]:
        """Per text, its sorted-keys form and that form's rank among all of them.

        Texts equal as JSON (the same keys in another order) get the same rank,
        so the ranks both group and order values.
        """
        n = len(self.texts)
        if self._order is None or self._order[0] != n:
            canon = [_SORTED.encode(_DECODE.decode(t)) for t in self.texts.to_pylist()]
            rank_of = {c: r for r, c in enumerate(sorted(set(canon)))}
            ranks = np.fromiter((rank_of[c] for c in canon), dtype=np.int64, count=n)
            self._order = (n, canon, ranks)
        return self._order[1], self._order[2]


class JSONArray(ExtensionArray):
    """JSON values: ``codes`` (``-1`` = missing) into ``texts``, an Arrow array of distinct texts.

    Build one with :meth:`from_arrow` (text in Arrow, the loader's way) or
    ``JSONArray._from_sequence(values)`` (dicts, lists, JSON text or ``None``).
    Reading an element decodes it into a fresh ``dict``/``list``; changing that
    object does not change the array. Slices and :meth:`view` share their codes
    with the array they come from, so setting a value through one shows in the
    other (unless the set brings so many new distinct values that the codes
    have to be widened, which copies them).

    Grouping, ``unique``, ``value_counts``, ``isin``, ``factorize`` and sorting
    treat values as equal when their JSON is equal with keys sorted (so key
    order does not matter, but ``1`` and ``1.0`` or ``true`` differ); ``==``
    compares the decoded Python objects, as a column of dicts would.

    Examples
    --------
    >>> arr = JSONArray._from_sequence([{"b": 1, "a": 2}, None, [1, "x"]])
    >>> arr[0], arr[1], arr[2]
    ({'b': 1, 'a': 2}, None, [1, 'x'])
    >>> arr.text_values(), arr.isna().tolist()
    (['{"b":1,"a":2}', None, '[1,"x"]'], [False, True, False])
    """

    _dtype = JSONDtype()
    __array_priority__ = 1000

    def __init__(self, codes: np.ndarray, texts: pa.Array | pa.ChunkedArray | _Pool) -> None:
        codes = np.asarray(codes)
        if codes.dtype.kind != "i":
            codes = codes.astype(np.int64)
        if not codes.flags.writeable:
            codes = codes.copy()
        if not isinstance(texts, _Pool):
            if isinstance(texts, pa.ChunkedArray):
                texts = texts.combine_chunks() if texts.num_chunks else pa.array([], _TEXT)
            if texts.type != _TEXT:
                texts = texts.cast(_TEXT)
            texts = _Pool(texts)
        self._codes = codes
        self._pool = texts

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
        if isinstance(scalars, pd.Series | pd.Index):
            scalars = scalars.array
        if isinstance(scalars, JSONArray):
            return scalars.copy() if copy else scalars
        return cls._from_texts([_as_text(v) for v in scalars])

    @classmethod
    def _from_scalars(cls, scalars: Any, *, dtype: Any) -> JSONArray:
        # Only dicts and lists (and missing) make a JSON column again after a
        # pointwise operation; strings stay strings even if they are JSON text.
        values = list(scalars)
        kinds = [isinstance(v, dict | list) for v in values]
        if not any(kinds) or not all(
            k or _is_missing(v) for k, v in zip(kinds, values, strict=True)
        ):
            raise TypeError("not a sequence of dicts and lists")
        return cls._from_sequence(values)

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
        """The distinct JSON texts (Arrow ``large_string``), some maybe used by no row."""
        return self._pool.texts

    def __len__(self) -> int:
        return len(self._codes)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, int | np.integer):
            code = self._codes[item]
            return None if code < 0 else _DECODE.decode(self.texts[int(code)].as_buffer())
        if isinstance(item, slice) or item is Ellipsis:
            view = type(self)(self._codes[item], self._pool)
            view._readonly = self._readonly
            return view
        item = pd.api.indexers.check_array_indexer(self, item)
        return type(self)(self._codes[item], _Pool(self.texts))

    def _row_texts(self) -> list[str | None]:
        texts = self.texts
        if len(self._codes) < len(texts):
            return texts.take(pa.array(self._codes, mask=self._codes < 0)).to_pylist()
        pool = texts.to_pylist()
        return [None if c < 0 else pool[c] for c in self._codes.tolist()]

    def distinct_values(self) -> list[Any]:
        """Each stored text decoded once (shared objects: read, do not modify).

        Examples
        --------
        >>> JSONArray._from_sequence([{"a": 1}, {"a": 1}, None]).distinct_values()
        [{'a': 1}]
        """
        return [_DECODE.decode(t) for t in self.texts.to_pylist()]

    def __iter__(self) -> Iterator[Any]:
        decode = _DECODE.decode
        for text in self._row_texts():
            yield None if text is None else decode(text)

    def _objects(self) -> np.ndarray:
        return np.fromiter(self, dtype=object, count=len(self))

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if copy is False:
            raise ValueError("a JSON column is decoded into new objects: it cannot be viewed")
        out = self._objects()
        return out if dtype is None or np.dtype(dtype) == np.dtype(object) else out.astype(dtype)

    def to_numpy(
        self, dtype: Any = None, copy: bool = False, na_value: Any = no_default
    ) -> np.ndarray:
        """A new object array of fresh dicts/lists (``na_value``, default ``None``, for missing).

        Examples
        --------
        >>> JSONArray._from_sequence([[1, 2], None]).to_numpy(na_value={})
        array([list([1, 2]), {}], dtype=object)
        """
        out = self._objects()
        if na_value is not no_default:
            for i in np.flatnonzero(self.isna()):
                out[i] = na_value
        return out if dtype is None or np.dtype(dtype) == np.dtype(object) else out.astype(dtype)

    def text_values(self) -> list[str | None]:
        """Each row's compact JSON text (``None`` for missing), without decoding.

        Examples
        --------
        >>> JSONArray._from_sequence([[1, 2], None]).text_values()
        ['[1,2]', None]
        """
        return self._row_texts()

    @property
    def nbytes(self) -> int:
        return int(self._codes.nbytes + self.texts.nbytes)

    def isna(self) -> np.ndarray:
        """Per row, whether it is missing (``None``).

        Examples
        --------
        >>> JSONArray._from_sequence([{}, None]).isna()
        array([False,  True])
        """
        return self._codes < 0

    def _entry_matches(self, other: Any) -> np.ndarray:
        """Per row, whether its value equals ``other``; each stored text is decoded once."""
        hits = [v == other for v in self.distinct_values()]
        return np.array([*hits, False], dtype=bool)[self._codes]

    def __eq__(self, other: Any) -> Any:
        if isinstance(other, pd.Series | pd.Index | pd.DataFrame):
            return NotImplemented
        if isinstance(other, JSONArray | np.ndarray) or (
            isinstance(other, list) and len(other) == len(self)
        ):
            if len(other) != len(self):
                raise ValueError("lengths must match to compare")
            return np.array(
                [a is not None and a == b for a, b in zip(self, other, strict=True)], dtype=bool
            )
        if isinstance(other, dict | list):
            return self._entry_matches(other)
        return np.zeros(len(self), dtype=bool)

    def __ne__(self, other: Any) -> Any:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else ~eq

    def __contains__(self, item: object) -> bool:
        if item is None:
            return bool(self.isna().any())
        if not isinstance(item, dict | list):
            return False
        return bool(self._entry_matches(item).any())

    # ------------------------------------------------------------ reshaping

    def take(self, indices: Any, *, allow_fill: bool = False, fill_value: Any = None) -> JSONArray:
        """Rows at ``indices``; with ``allow_fill``, ``-1`` gives ``fill_value`` (default missing).

        Examples
        --------
        >>> arr = JSONArray._from_sequence([{"a": 1}, [2]])
        >>> arr.take([1, -1], allow_fill=True, fill_value={}).tolist()
        [[2], {}]
        """
        pool = _Pool(self.texts)
        fill_code = -1
        if allow_fill and not _is_missing(fill_value):
            fill_code = int(pool.codes_for([_as_text(fill_value)])[0])
        codes = take(
            self._codes.astype(_code_dtype(len(pool.texts)), copy=False),
            indices,
            allow_fill=allow_fill,
            fill_value=fill_code,
        )
        return type(self)(codes, pool)

    def copy(self) -> JSONArray:
        """An independent array: setting values in it does not change this one.

        Examples
        --------
        >>> arr = JSONArray._from_sequence([{"a": 1}])
        >>> other = arr.copy()
        >>> other[0] = {"b": 2}
        >>> arr[0], other[0]
        ({'a': 1}, {'b': 2})
        """
        return type(self)(self._codes.copy(), _Pool(self.texts))

    @classmethod
    def _concat_same_type(cls, to_concat: Sequence[JSONArray]) -> JSONArray:
        arrays = list(to_concat)
        if not arrays:
            return cls(np.array([], dtype=np.int8), pa.array([], _TEXT))
        first = arrays[0].texts
        if all(a.texts is first for a in arrays):
            codes = np.concatenate([a._codes for a in arrays])
            return cls(codes.astype(_code_dtype(len(first)), copy=False), first)
        merged = pc.dictionary_encode(pa.concat_arrays([a.texts for a in arrays]))
        remap = merged.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        parts, offset = [], 0
        for a in arrays:
            local = a._codes.astype(np.int64)
            mapped = np.full(len(local), -1, dtype=np.int64)
            present = local >= 0
            mapped[present] = remap[offset + local[present]]
            parts.append(mapped)
            offset += len(a.texts)
        texts = merged.dictionary
        codes = np.concatenate(parts).astype(_code_dtype(len(texts)))
        return cls(codes, texts)

    def _assign(self, key: Any, value: Any, *, single: bool) -> None:
        """Store ``value`` (one element, or one per position of ``key``) at ``key``."""
        if self._readonly:
            raise ValueError("Cannot modify read-only array")
        texts: list[Any]
        if single:
            texts = [_as_text(value)]
        else:
            if isinstance(value, pd.Series | pd.Index):
                value = value.array
            if isinstance(value, JSONArray):
                texts = value.text_values()
            else:
                texts = [_as_text(v) for v in value]
            if isinstance(key, int | np.integer):
                raise ValueError("cannot set a sequence of values into one position")
            wanted = len(np.arange(len(self))[key])
            if len(texts) != wanted:
                raise ValueError(
                    f"cannot set {len(texts)} values into {wanted} positions of a JSON column"
                )
        codes = self._pool.codes_for(texts)
        if len(self.texts) > np.iinfo(self._codes.dtype).max:
            # too many distinct values for the code width: widen (this copies the codes,
            # so views taken earlier stop seeing later changes)
            self._codes = self._codes.astype(_code_dtype(len(self.texts)))
        self._codes[key] = codes[0] if single else codes

    def __setitem__(self, key: Any, value: Any) -> None:
        if self._readonly:
            raise ValueError("Cannot modify read-only array")
        key = pd.api.indexers.check_array_indexer(self, key)
        if isinstance(key, int | np.integer):
            if _is_array(value):
                raise ValueError("cannot set a sequence of values into one position")
            self._assign(key, value, single=True)
        else:
            self._assign(key, value, single=_is_single(value))

    def fillna(self, value: Any, limit: int | None = None, copy: bool = True) -> JSONArray:
        """Missing values replaced by ``value`` (one dict or list, or an array of them).

        Examples
        --------
        >>> JSONArray._from_sequence([None, {"a": 1}, None]).fillna({}).tolist()
        [{}, {'a': 1}, {}]
        """
        mask = self.isna()
        if limit is not None and limit < len(self):
            mask = mask & (np.cumsum(mask) <= limit)
        result = self.copy() if copy else self[:]
        if not mask.any():
            return result
        if _is_array(value):
            if len(value) != len(self):
                raise ValueError(
                    f"Length of 'value' does not match. Got ({len(value)}) expected {len(self)}"
                )
            result._assign(mask, value[mask], single=False)
        else:
            result._assign(mask, value, single=True)
        return result

    def _where(self, mask: np.ndarray, value: Any) -> JSONArray:
        result = self.copy()
        if _is_array(value):
            result._assign(~mask, value[~mask], single=False)
        else:
            result._assign(~mask, value, single=True)
        return result

    def _putmask(self, mask: np.ndarray, value: Any) -> None:
        if _is_array(value):
            self._assign(mask, value[mask], single=False)
        else:
            self._assign(mask, value, single=True)

    def shift(self, periods: int = 1, fill_value: Any = None) -> JSONArray:
        """Rows moved by ``periods``; the rows left empty get ``fill_value`` (default missing).

        Examples
        --------
        >>> JSONArray._from_sequence([{"a": 1}, {"b": 2}]).shift(1, fill_value=[]).tolist()
        [[], {'a': 1}]
        """
        n = len(self)
        if not n or periods == 0:
            return self.copy()
        indices = np.arange(n) - periods
        indices[(indices < 0) | (indices >= n)] = -1
        return self.take(indices, allow_fill=True, fill_value=fill_value)

    # ------------------------------------------------------------ hashing and sorting

    def _ranks(self) -> np.ndarray:
        """Per row, the rank of its sorted-keys JSON text; ``-1`` for missing."""
        _, ranks = self._pool.order()
        return np.append(ranks, -1)[self._codes]

    def _values_for_factorize(self) -> tuple[np.ndarray, Any]:
        canon, _ = self._pool.order()
        out = np.empty(len(self), dtype=object)
        out[:] = [None if c < 0 else canon[c].decode() for c in self._codes.tolist()]
        return out, None

    def _values_for_argsort(self) -> np.ndarray:
        return self._ranks()

    def factorize(self, use_na_sentinel: bool = True) -> tuple[np.ndarray, JSONArray]:
        """Codes and distinct values in order of appearance, equal JSON being one value.

        Examples
        --------
        >>> codes, uniques = JSONArray._from_sequence([{"a": 1}, None, {"a": 1}]).factorize()
        >>> codes.tolist(), uniques.tolist()
        ([0, -1, 0], [{'a': 1}])
        """
        keys = self._ranks()
        valid = keys >= 0 if use_na_sentinel else np.ones(len(keys), dtype=bool)
        _, first, inverse = np.unique(keys[valid], return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        position = np.empty(len(order), dtype=np.intp)
        position[order] = np.arange(len(order))
        codes = np.full(len(self), -1, dtype=np.intp)
        codes[valid] = position[inverse.reshape(-1)]
        uniques = self.take(np.flatnonzero(valid)[first[order]])
        return codes, uniques

    def unique(self) -> JSONArray:
        """Each distinct value once (missing included), in order of appearance.

        Examples
        --------
        >>> JSONArray._from_sequence([[1], None, [1], None]).unique().tolist()
        [[1], None]
        """
        return self.factorize(use_na_sentinel=False)[1]

    def value_counts(self, dropna: bool = True) -> pd.Series:
        """How many rows hold each distinct value (indexed by the values).

        Examples
        --------
        >>> JSONArray._from_sequence([[1], None, [1]]).value_counts().tolist()
        [2]
        """
        codes, uniques = self.factorize(use_na_sentinel=dropna)
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques)).astype(np.int64)
        return pd.Series(counts, index=pd.Index(uniques), name="count")

    def duplicated(self, keep: Any = "first") -> np.ndarray:
        """Per row, whether an equal value (as JSON, keys sorted) comes earlier (or later).

        Examples
        --------
        >>> JSONArray._from_sequence([{"a": 1, "b": 2}, {"b": 2, "a": 1}, None]).duplicated()
        array([False,  True, False])
        """
        return pd.Series(self._ranks()).duplicated(keep=keep).to_numpy()

    def _mode(self, dropna: bool = True) -> JSONArray:
        codes, uniques = self.factorize(use_na_sentinel=dropna)
        if not len(uniques):
            return uniques
        counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
        modes = uniques.take(np.flatnonzero(counts == counts.max()))
        return modes.take(modes.argsort())

    def isin(self, values: Any) -> np.ndarray:
        """Per row, whether its value (as JSON, keys sorted) is one of ``values``.

        Examples
        --------
        >>> JSONArray._from_sequence([{"a": 1, "b": 2}, [3], None]).isin([{"b": 2, "a": 1}])
        array([ True, False, False])
        """
        wanted, with_na = set(), False
        for v in values:
            if _is_missing(v):
                with_na = True
            elif isinstance(v, dict | list):
                wanted.add(_canonical(v))
        canon, _ = self._pool.order()
        hits = [c in wanted for c in canon]
        return np.array([*hits, with_na], dtype=bool)[self._codes]

    def searchsorted(self, value: Any, side: Any = "left", sorter: Any = None) -> Any:
        """Where ``value`` would go to keep the order of :meth:`argsort` (JSON text, keys sorted).

        Examples
        --------
        >>> JSONArray._from_sequence([{"a": 1}, {"b": 1}]).searchsorted({"a": 2})
        np.int64(1)
        """
        canon, _ = self._pool.order()
        keys = np.empty(len(self), dtype=object)
        keys[:] = [b"" if c < 0 else canon[c] for c in self._codes.tolist()]
        if isinstance(value, dict | list):
            return np.searchsorted(keys, cast(bytes, _canonical(value)), side=side, sorter=sorter)
        wanted = np.empty(len(value), dtype=object)
        wanted[:] = [b"" if _is_missing(v) else _canonical(v) for v in value]
        return np.searchsorted(keys, wanted, side=side, sorter=sorter)

    # ------------------------------------------------------------ conversion

    def astype(self, dtype: Any, copy: bool = True) -> Any:
        """Convert; to any string dtype this gives each row's compact JSON text.

        Examples
        --------
        >>> JSONArray._from_sequence([{"a": [1]}, None]).astype("string").tolist()
        ['{"a":[1]}', <NA>]
        """
        dtype = pd.api.types.pandas_dtype(dtype)
        if isinstance(dtype, JSONDtype):
            return self.copy() if copy else self
        if isinstance(dtype, pd.StringDtype) or (
            isinstance(dtype, pd.ArrowDtype)
            and (
                pa.types.is_string(dtype.pyarrow_dtype)
                or pa.types.is_large_string(dtype.pyarrow_dtype)
            )
        ):
            return pd.array(self.text_values(), dtype=dtype)
        if isinstance(dtype, np.dtype) and dtype.kind == "U":
            return np.array(
                [t if t is not None else "None" for t in self.text_values()], dtype=dtype
            )
        if dtype == np.dtype(object):
            return self._objects()
        return super().astype(dtype, copy=copy)

    def __arrow_array__(self, type: Any = None) -> pa.Array:
        indices = pa.array(self._codes.astype(np.int32), mask=self._codes < 0)
        if type is None or pa.types.is_dictionary(type):
            out = pa.DictionaryArray.from_arrays(indices, self.texts.cast(pa.string()))
            return out if type is None else out.cast(type)
        return self.texts.take(indices).cast(type)

    def _formatter(self, boxed: bool = False) -> Any:
        return repr


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
