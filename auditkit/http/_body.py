"""JSON body hygiene, once, before any decoder sees a body.

No decoding path may depend on what a given msgspec or pyarrow version raises
for odd bytes, so they are dealt with here for every source:

- **Invalid UTF-8** (:func:`valid_utf8`): invalid sequences become U+FFFD, a
  leading byte-order mark is dropped (``isascii`` is the fast path).
- **Escaped lone surrogates** (``"\\ud800"``, valid JSON that msgspec refuses):
  rewritten as ``"\\ufffd"`` when a decode fails, and the body read again.
- **Deep nesting**: a field's value nested more than
  :data:`~auditkit.frame.MAX_DEPTH` levels is cut out (written ``null``) with a
  :class:`RuntimeWarning` when a decode fails on it (:func:`deep_values_cut`).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import msgspec
import numpy as np
import pyarrow as pa

from ..frame._depth import JSON_TOKENS, MAX_DEPTH

_LOOSE = msgspec.json.Decoder(float_hook=float)


_BOM = b"\xef\xbb\xbf"


def valid_utf8(body: bytes) -> bytes:
    r"""``body`` as valid UTF-8: a leading byte-order mark dropped, invalid sequences
    replaced by U+FFFD. A valid body is returned as it is (the same object).

    Examples
    --------
    >>> valid_utf8(b'{"id":"a\xffb"}').decode()
    '{"id":"a\ufffdb"}'
    """
    if body.startswith(_BOM):
        body = body[len(_BOM) :]
    if body.isascii():
        return body
    offsets = pa.py_buffer(np.array([0, len(body)], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(body)).validate(full=True)
    except pa.ArrowInvalid:
        return body.decode("utf-8", "replace").encode()
    return body


# An escaped backslash (kept), a surrogate pair (kept), or a lone surrogate (replaced).
_SURROGATES = re.compile(
    rb"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
    rb"|\\u[dD][89a-fA-F][0-9a-fA-F]{2}"
)


def lone_surrogates_replaced(body: bytes) -> bytes:
    r"""``body`` with every escaped lone surrogate (``\ud800``) written as ``\ufffd``.

    Examples
    --------
    >>> lone_surrogates_replaced(rb'["\ud800","\ud83d\ude00","\\ud800"]')
    b'["\\ufffd","\\ud83d\\ude00","\\\\ud800"]'
    """
    if b"\\u" not in body:
        return body

    def fix(match: re.Match[bytes]) -> bytes:
        text = match.group()
        return rb"\ufffd" if len(text) == 6 else text

    return _SURROGATES.sub(fix, body)


_FIELD_DEPTH = 4  # body -> result -> record -> the record's field (or envelope member's child)


def deep_values_cut(body: bytes, limit: int = MAX_DEPTH + _FIELD_DEPTH - 1) -> tuple[bytes, int]:
    """``body`` with every value nesting deeper than ``limit`` (from the body's top)
    cut out at its field (the container at depth 4: a record's field, or a value
    inside an envelope member), written as ``null``; and how many fields were cut.
    The default cuts a field's value nested more than :data:`MAX_DEPTH` levels.

    A slow, Python-level scan: it runs only on a body the decoders refused.

    Examples
    --------
    >>> deep_values_cut(b'{"result":[{"id":"a","metadata":{"a":{"a":[1]}}}]}', limit=6)
    (b'{"result":[{"id":"a","metadata":{"a":{"a":[1]}}}]}', 0)
    >>> deep_values_cut(b'{"result":[{"id":"a","metadata":{"a":{"a":[1]}}}]}', limit=5)
    (b'{"result":[{"id":"a","metadata":null}]}', 1)
    """
    out: list[bytes] = []
    pos = depth = start = cuts = 0
    deep = False
    for match in JSON_TOKENS.finditer(body):
        char = body[match.start()]
        if char == 0x22:  # '"'
            continue
        if char in (0x7B, 0x5B):  # '{', '['
            depth += 1
            if depth == _FIELD_DEPTH:
                start, deep = match.start(), False
            elif depth > limit:
                deep = True
        else:
            if depth == _FIELD_DEPTH and deep:
                out += (body[pos:start], b"null")
                pos, cuts, deep = match.end(), cuts + 1, False
            depth -= 1
    if not cuts:
        return body, 0
    out.append(body[pos:])
    return b"".join(out), cuts


def too_deep(exc: BaseException) -> bool:
    """Whether a decoder gave up because the JSON nests too deep (whatever its version)."""
    return isinstance(exc, RecursionError) or (
        isinstance(exc, msgspec.DecodeError) and "depth" in str(exc)
    )


def repaired(body: bytes, exc: BaseException) -> bytes | None:
    """``body`` with what made a decoder fail taken out, or ``None`` if nothing is to blame."""
    if too_deep(exc):
        fixed, cuts = deep_values_cut(body)
        if cuts:
            warnings.warn(
                f"auditkit: {cuts} JSON value(s) of a page nest deeper than {MAX_DEPTH} "
                "levels and cannot be decoded; they are read as missing",
                RuntimeWarning,
                stacklevel=4,
            )
            return fixed
        return None
    fixed = lone_surrogates_replaced(body)
    return fixed if fixed is not body and fixed != body else None


def decode(decoder: Any, body: bytes) -> Any:
    """``decoder.decode(body)``, a body too deep or with lone surrogates repaired first
    (:func:`decode_keeping`). Raises ``msgspec.DecodeError`` (``ValidationError``
    included) when it cannot be decoded."""
    return decode_keeping(decoder, body)[0]


def decode_keeping(decoder: Any, body: bytes) -> tuple[Any, bytes]:
    """:func:`decode`, and the body as repaired for it (the other decoders read that one)."""
    try:
        return decoder.decode(body), body
    except (msgspec.DecodeError, RecursionError) as exc:
        if isinstance(exc, msgspec.ValidationError):
            raise
        fixed = repaired(body, exc)
        if fixed is None:
            raise msgspec.DecodeError(str(exc)) from None
        return decode_keeping(decoder, fixed)


def decode_loose(body: bytes) -> Any:
    """Any JSON (the body is valid UTF-8 already: see :func:`decode_body`)."""
    return decode(_LOOSE, body)
