"""JSON text in and out: the one decoder and the encoders every JSON column shares.

Texts are decoded with msgspec (as ``json.loads`` would); ``dict``/``list``
values are encoded as compact JSON, in their own key order or with keys sorted
(:func:`_canonical`: equal for values equal as JSON), and a scalar given to a
JSON column is checked and turned into its stored text (:func:`_as_text`).
"""

from __future__ import annotations

from typing import Any

import msgspec
import pandas as pd

__all__ = [
    "decode_text",
    "encode_value",
]

# float_hook: numbers beyond float range (valid JSON) read as +-inf, as json.loads reads them.
_DECODE = msgspec.json.Decoder(float_hook=float)
_ENCODE = msgspec.json.Encoder()
_SORTED = msgspec.json.Encoder(order="sorted")


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


def _canonical(value: Any) -> bytes | None:
    """Compact JSON text with sorted keys: equal for values that are equal as JSON."""
    return encode_value(value, sort_keys=True)
