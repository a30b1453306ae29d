"""The Parquet side of the one writer: a frame as an Arrow table, then one Parquet file.

Every dictionary-encoded column (categories, JSON) gets 32-bit indices, so files of
different frames read as one dataset (pandas' codes are as narrow as a column allows); a
JSON column stores the texts its rows hold (a slice of a frame does not carry the whole
frame's texts); categories are written whole unless ``compact=True`` (a file of a frame's
part, as the archive writes, whose reader rebuilds the categories). JSON columns are
tagged ``json`` in the pandas metadata, so ``pd.read_parquet`` gives the dtype back.
:mod:`._io` writes Parquet through :func:`write_parquet`; the archive does too.
"""

from __future__ import annotations

from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ._dictionary import held_codes
from ._json import JSONArray
from ._jsoncolumn import is_json_column

__all__ = ["int32_dictionaries", "parquet_table", "write_parquet"]


def int32_dictionaries(schema: pa.Schema) -> pa.Schema:
    """``schema`` with 32-bit indices in every dictionary-encoded column.

    pandas' category codes are as narrow as a column's categories allow (``int8``,
    ``int16``): files written with different widths do not read as one dataset.

    Examples
    --------
    >>> t = pa.table({"c": pa.array(["a"]).dictionary_encode().cast(
    ...     pa.dictionary(pa.int8(), pa.string()))})
    >>> str(int32_dictionaries(t.schema).field("c").type.index_type)
    'int32'
    """
    fields = []
    for f in schema:
        if pa.types.is_dictionary(f.type) and f.type.index_type != pa.int32():
            f = f.with_type(pa.dictionary(pa.int32(), f.type.value_type, f.type.ordered))
        fields.append(f)
    return pa.schema(fields, metadata=schema.metadata)


def _used_texts(values: pd.Series) -> pd.Series:
    """A ``json`` column holding only the texts its rows hold (a slice keeps them all)."""
    arr = values.array
    used, codes = held_codes(arr.codes, len(arr.texts))
    if used.all():
        return values
    compact = JSONArray(codes, arr.texts.filter(pa.array(used)))
    return pd.Series(compact, index=values.index, name=values.name)


def _used_categories(values: pd.Series) -> pd.Series:
    """A category column with only the categories its rows hold, in their order
    (``remove_unused_categories``, without sorting the codes)."""
    used, position = held_codes(values.cat.codes.to_numpy(), len(values.cat.categories))
    if used.all():
        return values
    # take, not a boolean mask: an empty masked Index of Arrow strings converts to an Arrow
    # dictionary of type null, and a dataset read with that file's schema drops the values
    # of the others.
    kept_categories = values.cat.categories.take(np.flatnonzero(used))
    dtype = pd.CategoricalDtype(kept_categories, ordered=values.cat.ordered)
    kept = pd.Categorical.from_codes(position, dtype=dtype, validate=False)
    return pd.Series(kept, index=values.index, name=values.name)


def parquet_table(df: pd.DataFrame, *, compact: bool = False) -> pa.Table:
    """The Arrow table :func:`write_frame` writes to Parquet for ``df``.

    JSON columns are dictionary-encoded text (each text some row holds, once) tagged
    ``json`` in the pandas metadata; category columns are dictionary-encoded with
    their categories, in order (``compact``: only the values some row holds, as a
    file of a frame's part, whose reader rebuilds the categories, wants); every
    dictionary has 32-bit indices, so files of any frame read as one dataset.

    Examples
    --------
    >>> import auditkit
    >>> df = auditkit.records_to_frame([{"id": "a", "action": {"type": "login"}},
    ...                                 {"id": "b", "action": {"type": "logout"}}])
    >>> t = parquet_table(df.iloc[:1], compact=True)
    >>> t.column("action_type").chunk(0).dictionary.to_pylist()
    ['login']
    >>> str(t.schema.field("action_type").type.index_type)
    'int32'
    """
    frame = df.copy(deep=False)
    frame.attrs = {}
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i]
        if is_json_column(values):
            frame.isetitem(i, _used_texts(values))
        elif compact and isinstance(values.dtype, pd.CategoricalDtype):
            frame.isetitem(i, _used_categories(values))
    # JSON columns go through JSONArray.__arrow_array__ (dictionary-encoded text) and
    # are tagged "json" in the pandas metadata, which pandas reads back as the json dtype.
    # One thread: converting a column costs less than handing it to another.
    table = pa.Table.from_pandas(frame, preserve_index=False, nthreads=1)
    wide = int32_dictionaries(table.schema)
    return table if wide == table.schema else table.cast(wide)


def write_parquet(
    df: pd.DataFrame, handle: IO[bytes] | pa.NativeFile, *, compact: bool = False
) -> None:
    """Write ``df`` as Parquet to ``handle``: :func:`parquet_table`, then one Parquet file.

    Examples
    --------
    >>> import io, auditkit
    >>> buf = io.BytesIO()
    >>> write_parquet(auditkit.records_to_frame([{"id": "a"}]), buf)
    >>> pq.read_table(buf).column("id").to_pylist()
    ['a']
    """
    pq.write_table(parquet_table(df, compact=compact), handle)
