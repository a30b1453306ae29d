"""The ``json`` dtype, and the pool of distinct JSON texts its arrays share.

:class:`JSONDtype` is registered with pandas as ``"json"`` (so
``dtype="json"`` works once auditkit is imported); its array class is
:class:`~auditkit.frame._json.JSONArray`. Each array holds small integer codes
into a :class:`_Pool` of JSON texts (Arrow ``large_string``; each distinct text once,
or, read from an archive, once per file), which the array's slices and views share
and which is only ever appended to.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pyarrow as pa
from pandas.api.extensions import ExtensionDtype, register_extension_dtype

from ._jsoncodec import _DECODE, _SORTED

if TYPE_CHECKING:
    from ._json import JSONArray

__all__ = ["JSONDtype"]

_TEXT = pa.large_string()


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
        from ._json import JSONArray

        return JSONArray

    def __from_arrow__(self, array: pa.Array | pa.ChunkedArray) -> JSONArray:
        """Rebuild the column from Arrow text (as Parquet stores it)."""
        from ._json import JSONArray

        return JSONArray.from_arrow(array)

    def __repr__(self) -> str:
        return "json"


def _code_dtype(n: int) -> type[np.signedinteger]:
    for candidate in (np.int8, np.int16, np.int32):
        if n < np.iinfo(candidate).max:
            return candidate
    return np.int64


class _Pool:
    """The texts of an array, shared with its views; only ever appended to.

    Appending never moves an existing text, so every array holding codes into
    the pool stays valid when one of them stores a new value. Nothing depends on
    the texts being distinct: a pool made of several files' dictionaries (an archive
    read) holds a text once per file, and equal texts are one value to every
    operation (work done per text, decoding or sorted keys, is done for each copy:
    cheaper than hashing the texts to find the copies).
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
