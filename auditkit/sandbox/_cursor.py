"""The sandbox's v2 cursors: opaque, stable, and bound to the query that made them.

A cursor names a position in one query's result: the sort key (``action.time`` in
nanoseconds, ``id``) of the last record served, or the start. It also carries the
query's fingerprint (:func:`fingerprint`: the scope and every parameter but ``limit``
and ``cursor``), so a cursor handed to another query is refused. The text is
``<base64url JSON>.<16 hex of an HMAC>``: a cursor that was not made by a sandbox (or
was altered) does not decode. Paging by position rather than by offset keeps pages
stable while records are added: the next page starts right after the last record
served, whatever was inserted before it.

Examples
--------
>>> fp = fingerprint(["account", "0" * 32, "desc"])
>>> text = encode(fp, (1_000, "abc"))
>>> decode(text) == (fp, (1_000, "abc"))
True
>>> decode(encode(fp, None)) == (fp, None)
True
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

import msgspec

__all__ = ["Position", "decode", "encode", "fingerprint"]

#: Where a page starts: after the record with this key (``None``: at the start).
Position = tuple[int, str] | None

_KEY = b"auditkit-sandbox-v2-cursor"
_VERSION = 1


def fingerprint(parts: Sequence[object]) -> str:
    """A short, stable digest of a query's canonical parts (JSON-encodable values)."""
    return hashlib.sha256(msgspec.json.encode(list(parts))).hexdigest()[:24]


def _sign(body: bytes) -> str:
    return hmac.new(_KEY, body, hashlib.sha256).hexdigest()[:16]


def encode(query_fp: str, position: Position) -> str:
    """The cursor for ``position`` in the query with fingerprint ``query_fp``."""
    payload = [_VERSION, query_fp, *(position if position is not None else (None, None))]
    body = base64.urlsafe_b64encode(msgspec.json.encode(payload)).rstrip(b"=")
    return f"{body.decode()}.{_sign(body)}"


def decode(text: str) -> tuple[str, Position]:
    """``(query fingerprint, position)`` of a cursor; ``ValueError`` if it is not one."""
    body_text, dot, sig = text.partition(".")
    body = body_text.encode("ascii", "replace")
    if (
        not dot
        or not body
        or not hmac.compare_digest(sig.encode("utf-8", "replace"), _sign(body).encode())
    ):
        raise ValueError("not a cursor of this sandbox")
    try:
        raw = base64.urlsafe_b64decode(body + b"=" * (-len(body) % 4))
        payload = msgspec.json.decode(raw)
    except (ValueError, msgspec.DecodeError):
        raise ValueError("not a cursor of this sandbox") from None
    if not (isinstance(payload, list) and len(payload) == 4 and payload[0] == _VERSION):
        raise ValueError("not a cursor of this sandbox")
    _, query_fp, ns, rid = payload
    if not isinstance(query_fp, str):
        raise ValueError("not a cursor of this sandbox")
    if ns is None and rid is None:
        return query_fp, None
    if isinstance(ns, bool) or not isinstance(ns, int) or not isinstance(rid, str):
        raise ValueError("not a cursor of this sandbox")
    return query_fp, (ns, rid)
