"""A pandas column of JSON objects and arrays, stored once per distinct value.

Audit records carry free-form JSON (``metadata``, ``oldValueJson``,
``newValueJson``). Holding each as a Python ``dict`` costs hundreds of bytes a
row and a full decode of every record; most values repeat (the same setting
turned on and off, the same zone). :class:`JSONArray` keeps the JSON **text**,
dictionary-encoded (one small integer code per row plus each distinct text
once, in Arrow; a column read from an archive, once per file), and decodes a
value only when it is read: ``s[i]``, iteration, ``tolist()``, ``apply`` and
``to_numpy()`` all give fresh ``dict``/``list`` objects, so code written for a
column of dicts keeps working.

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

from collections.abc import Iterator, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionArray, no_default, take

from ._dictionary import held_codes
from ._jsoncodec import _DECODE, _SORTED, _as_text, _canonical, _is_missing
from ._jsondtype import _TEXT, JSONDtype, _code_dtype, _Pool

__all__ = ["JSONArray"]


def _is_single(value: Any) -> bool:
    """Whether ``value`` is one element (not a sequence of them) when setting or filling."""
    return _is_missing(value) or isinstance(value, dict | str | bytes)


def _is_scalar(value: Any) -> bool:
    """Whether ``value`` is a JSON scalar a column keeping any JSON value may hold."""
    return isinstance(value, str | bool | int) or (
        isinstance(value, float) and value == value and abs(value) != float("inf")
    )


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray | ExtensionArray | pd.Series | pd.Index)


class JSONArray(ExtensionArray):
    """JSON values: ``codes`` (``-1`` = missing) into ``texts``, an Arrow array of JSON texts.

    Build one with :meth:`from_arrow` (text in Arrow, the loader's way) or
    ``JSONArray._from_sequence(values)`` (dicts, lists, JSON text or ``None``).
    ``texts`` holds each distinct text once, except in a column read from an archive
    (:func:`auditkit.read_archive`), which holds a text once per file it was read from
    (a file's texts are distinct): a text is never compared by its code, so every
    operation gives the same result either way.
    Reading an element decodes it into a fresh ``dict``/``list``; changing that
    object does not change the array. Slices and :meth:`view` share their codes
    with the array they come from, so setting a value through one shows in the
    other (unless the set brings so many new distinct values that the codes
    have to be widened, which copies them).

    Grouping, ``unique``, ``value_counts``, ``isin``, ``factorize`` and sorting
    treat values as equal when their JSON is equal with keys sorted (so key
    order does not matter, but ``1`` and ``1.0`` or ``true`` differ); ``==``
    compares the decoded Python objects, as a column of dicts would.

    A column that keeps any JSON value (v2's ``resource_scope``: strings too)
    holds their JSON text (``"accounts"`` as ``'"accounts"'``); reading gives
    the ``str`` (``int``, ...) back, and ``==``, ``in`` and :meth:`isin` take such
    scalars as they take dicts. Setting a value takes dicts, lists and JSON
    text of an object or an array only, as in every ``json`` column.

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
            # Encoded already (a loader's chunk): only the distinct texts are re-encoded,
            # never one text per row.
            texts = array.dictionary
            if not pa.types.is_large_string(texts.type):
                texts = texts.cast(_TEXT)
            if texts.null_count or pc.count_distinct(texts).as_py() < len(texts):
                unique = pc.dictionary_encode(texts)
                indices, kept = pc.take(unique.indices, array.indices), unique.dictionary
            else:  # already one entry per text (a unified dictionary): kept as it is
                indices, kept = array.indices, texts
            if indices.null_count:
                indices = pc.fill_null(indices, -1)
            codes = indices.to_numpy(zero_copy_only=False).astype(np.int64)
            used, codes = held_codes(codes, len(kept))
            if not used.all():  # a slice or a take of a column: only the texts rows hold
                kept = kept.filter(pa.array(used))
            return cls(codes.astype(_code_dtype(len(kept))), kept)
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
        """The JSON texts (Arrow ``large_string``), some maybe used by no row.

        Each distinct text once, or (read from an archive) once per file read.
        """
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
        """Each stored text decoded, in the order of :attr:`texts` (shared objects: read,
        do not modify); a text stored more than once is decoded for each copy.

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
        if isinstance(other, dict | list) or _is_scalar(other):
            return self._entry_matches(other)
        return np.zeros(len(self), dtype=bool)

    def __ne__(self, other: Any) -> Any:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else ~eq

    def __contains__(self, item: object) -> bool:
        if item is None:
            return bool(self.isna().any())
        if not isinstance(item, dict | list) and not _is_scalar(item):
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
            elif _is_scalar(v):
                wanted.add(_SORTED.encode(v))
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
