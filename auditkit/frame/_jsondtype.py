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
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionDtype, register_extension_dtype

from ._jsoncodec import _DECODE, _SORTED

if TYPE_CHECKING:
    from ._json import JSONArray

__all__ = ["JSONDtype"]

_TEXT = pa.large_string()

_T = TypeVar("_T")


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
    the pool stays valid when one of them stores a new value.

    Each text is held once, except in a pool marked ``repeats``: one made of several
    files' dictionaries (an archive read, each file's texts once) may hold a text once
    per file. Nothing depends on texts being distinct (equal texts are one value to
    every operation); ``repeats`` only says that work done per text (decoding, sorted
    keys) is worth doing once per distinct text (:meth:`per_text`).
    """

    def __init__(self, texts: pa.Array, repeats: bool = False) -> None:
        self.texts = texts
        self.repeats = repeats
        self._index: dict[str, int] | None = None
        self._order: tuple[int, list[bytes], np.ndarray] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"texts": self.texts, "repeats": self.repeats}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["texts"], state.get("repeats", False))  # type: ignore[misc]

    def like(self) -> _Pool:
        """A new pool of the same texts, for an array that may then store others."""
        return _Pool(self.texts, self.repeats)

    def per_text(self, fn: Callable[[str], _T]) -> list[_T]:
        """``fn`` of each stored text, in order; called once per distinct text.

        In a pool marked ``repeats`` the texts are hashed first (Arrow), so a text
        held several times is handed to ``fn`` once and its copies share the result.

        Examples
        --------
        >>> pool = _Pool(pa.array(['{"a":1}', "[2]", '{"a":1}'], _TEXT), repeats=True)
        >>> seen = []
        >>> pool.per_text(lambda t: seen.append(t) or len(t)), seen
        ([7, 3, 7], ['{"a":1}', '[2]'])
        """
        if not self.repeats:
            return [fn(t) for t in self.texts.to_pylist()]
        encoded = pc.dictionary_encode(self.texts)
        once = [fn(t) for t in encoded.dictionary.to_pylist()]
        return [once[i] for i in encoded.indices.to_numpy(zero_copy_only=False).tolist()]

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
            canon = self.per_text(lambda t: _SORTED.encode(_DECODE.decode(t)))
            rank_of = {c: r for r, c in enumerate(sorted(set(canon)))}
            ranks = np.fromiter((rank_of[c] for c in canon), dtype=np.int64, count=n)
            self._order = (n, canon, ranks)
        return self._order[1], self._order[2]
