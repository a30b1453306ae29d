"""Logpush's ``When``/``ActionTimestamp`` in any of its three formats, to UTC microseconds.

A Logpush job writes times in its ``timestamp_format``: ``rfc3339`` (text with a
zone offset, fractional seconds or not), ``unix`` (integer seconds) or
``unixnano`` (integer nanoseconds, the default), each as a JSON number or as
text of one (both occur in public samples). The format is recognised per value,
so a folder written by jobs with different settings reads as one:

- text with a zone offset (``Z``, ``+02:00``) is RFC 3339, down to nanoseconds
  (cut to microseconds, the frame's unit); text without one is refused;
- an integer (or text of one) below 10^11 in magnitude is unix seconds (up to the
  year 5138); one from 10^17 is unix nanoseconds (from 1973); anything in between
  (milliseconds, microseconds) matches no Logpush format and is refused;
- a number with a fraction is seconds only below 10^11; booleans, null, objects
  are refused.

:func:`parse_when` types a whole column at once (Arrow and numpy; a Python loop
only for columns that mix types) and says which values it refused.

Examples
--------
>>> micros, bad = parse_when(["2021-11-30T20:19:48Z", "1638303588", 1638303588000000000, 5])
>>> micros[:3].tolist(), bad.tolist()
([1638303588000000, 1638303588000000, 1638303588000000], [False, False, False, False])
>>> parse_when(["2021-11-30T20:19:48", 1638303588000, True])[1].tolist()
[True, True, True]
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["NANOS_MIN", "SECONDS_MAX", "parse_when"]

#: Integers below this magnitude are unix seconds.
SECONDS_MAX = 10**11
#: Integers from this magnitude on are unix nanoseconds.
NANOS_MIN = 10**17

_US = pa.timestamp("us", tz="UTC")
_NS = pa.timestamp("ns", tz="UTC")
_DIGITS = r"^[+-]?[0-9]{1,19}$"
_DIGITS_RE = re.compile(_DIGITS)


def _from_numbers(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integers (seconds or nanoseconds, by magnitude) as microseconds, and which are neither."""
    size = np.abs(numbers)
    seconds = size < SECONDS_MAX
    nanos = size >= NANOS_MIN
    micros = np.where(seconds, numbers * 1_000_000, np.floor_divide(numbers, 1000))
    return micros.astype(np.int64), ~(seconds | nanos)


def _cast(text: pa.Array) -> pa.Array | None:
    """RFC 3339 text as microseconds (nanosecond fractions cut); ``None`` if any fails."""
    try:
        return text.cast(_US)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    try:
        return pc.floor_temporal(text.cast(_NS), unit="microsecond").cast(_US)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _from_text(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """RFC 3339 text as microseconds, and which values are not RFC 3339 with a zone."""
    parsed = _cast(text)
    if parsed is not None:
        micros = parsed.cast(pa.int64()).to_numpy(zero_copy_only=False)
        return micros.astype(np.int64), np.zeros(len(text), dtype=bool)
    micros = np.zeros(len(text), dtype=np.int64)
    bad = np.zeros(len(text), dtype=bool)
    for i, value in enumerate(text.to_pylist()):  # the refused path: find which ones
        one = _cast(pa.array([value], type=pa.string()))
        if one is None:
            bad[i] = True
        else:
            micros[i] = one.cast(pa.int64())[0].as_py()
    return micros, bad


def _from_strings(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """A column of text only: digits as numbers, the rest as RFC 3339 (``None``: too big)."""
    text = pa.array(values, type=pa.string())
    if not _DIGITS_RE.match(values[0]):  # most likely all RFC 3339: one cast
        try:
            micros = text.cast(_US).cast(pa.int64()).to_numpy(zero_copy_only=False)
            return micros.astype(np.int64), np.zeros(len(text), dtype=bool)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    digits = pc.match_substring_regex(text, _DIGITS).to_numpy(zero_copy_only=False)
    micros = np.zeros(len(text), dtype=np.int64)
    bad = np.zeros(len(text), dtype=bool)
    if digits.any():
        try:
            numbers = text.filter(pa.array(digits)).cast(pa.int64()).to_numpy()
        except pa.ArrowInvalid:  # 19 digits beyond int64
            return None
        micros[digits], bad[digits] = _from_numbers(numbers)
    if not digits.all():
        micros[~digits], bad[~digits] = _from_text(text.filter(pa.array(~digits)))
    return micros, bad


def _one(value: Any) -> int | None:
    """One value of a mixed column as microseconds, or ``None`` (refused)."""
    kind = type(value)
    if kind is str and _DIGITS_RE.match(value):
        value, kind = int(value), int
    if kind is int:
        if not -(2**63) <= value < 2**63:
            return None
        micros, bad = _from_numbers(np.array([value], dtype=np.int64))
        return None if bad[0] else int(micros[0])
    if kind is float:
        if not math.isfinite(value) or abs(value) >= SECONDS_MAX:
            return None
        return round(float(value) * 1_000_000)
    if kind is str:
        micros, bad = _from_text(pa.array([value], type=pa.string()))
        return None if bad[0] else int(micros[0])
    return None


def parse_when(values: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """``values`` as int64 UTC microseconds, and a mask of the values refused (0 there).

    See the module docstring for the formats read.
    """
    kinds = set(map(type, values))
    if kinds <= {int}:
        try:
            return _from_numbers(np.array(values, dtype=np.int64))
        except OverflowError:
            pass
    elif kinds <= {str} and values:
        done = _from_strings(values)
        if done is not None:
            return done
    micros = np.zeros(len(values), dtype=np.int64)
    bad = np.zeros(len(values), dtype=bool)
    for i, value in enumerate(values):
        one = _one(value)
        if one is None:
            bad[i] = True
        else:
            micros[i] = one
    return micros, bad
