"""Cloudflare's v4 envelope, as the transport sees it: whatever decoder the source gives.

Every Cloudflare API answers ``{"success": ..., "errors": [...], "result": ...,
"result_info": {...}}``. The client, the adapter and the cache's filter each
need that envelope of a response; the records inside ``result`` are the
source's business. So a source hands the transport a :data:`Decode` (body bytes
to an :class:`Envelope`), and :func:`decoded` decodes a response once with it
and keeps the result on the response, for whichever of them asks next.

Examples
--------
>>> count_entries(b'{"success":true,"result":[{"id":"a"},{"id":"b"}]}')
2
>>> count_entries(b"not json")
0
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Protocol

import msgspec

from ._body import decode, valid_utf8

__all__ = [
    "PAYLOAD_ATTR",
    "Decode",
    "Envelope",
    "count_entries",
    "decoded",
    "envelope_errors",
    "envelope_info",
    "hashable_id",
]

#: Attribute under which a response keeps its decoded payload (decoded once).
PAYLOAD_ATTR = "_auditkit_payload"


class Envelope(Protocol):
    """A decoded response body: the envelope at once, records as the source types them.

    Attributes
    ----------
    is_object
        The body was a JSON object (``False`` for anything else, invalid JSON included).
    success
        The envelope's ``success`` value, as sent.
    errors
        The envelope's ``errors`` entries that are objects.
    result_info
        The envelope's ``result_info`` (``{}`` if absent or not an object).
    ids
        Each record's ``id`` as sent; ``None`` when ``result`` is neither a list nor null.
    """

    is_object: bool
    success: Any
    errors: list[dict[str, Any]]
    result_info: dict[str, Any]
    ids: list[Any] | None

    def __len__(self) -> int:
        """How many records ``result`` holds."""
        ...

    def prepare(self) -> None:
        """Type the records now (called in the thread that fetched the page)."""
        ...


#: A source's decoder: one response body to its :class:`Envelope`; never raises.
Decode = Callable[[bytes], Envelope]


def decoded(response: Any, decode_body: Decode) -> Envelope:
    """The body of ``response`` decoded by ``decode_body``, once, kept on the response.

    The adapter, the cache's filter and the client all need it; after the first,
    the others ask for free.
    """
    payload: Envelope | None = getattr(response, PAYLOAD_ATTR, None)
    if payload is None:
        try:
            body = response.content
        except Exception:
            body = b""
        payload = decode_body(body if isinstance(body, bytes) else b"")
        with contextlib.suppress(AttributeError):  # slotted response types
            setattr(response, PAYLOAD_ATTR, payload)
    return payload


def envelope_errors(errors: Any) -> list[dict[str, Any]]:
    """The envelope's ``errors`` entries that are objects (``[]`` for anything else).

    Examples
    --------
    >>> envelope_errors([{"code": 1}, "x"]), envelope_errors(None)
    ([{'code': 1}], [])
    """
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def envelope_info(info: Any) -> dict[str, Any]:
    """The envelope's ``result_info`` if it is an object, else ``{}``."""
    return info if isinstance(info, dict) else {}


def hashable_id(value: Any) -> Any:
    """A record's id as sent, or its JSON text when it is an object or array (ids go in sets).

    Examples
    --------
    >>> hashable_id("a"), hashable_id({"x": 1})
    ('a', '{"x":1}')
    """
    return msgspec.json.encode(value).decode() if isinstance(value, dict | list) else value


class _Count(msgspec.Struct, gc=False):
    result: list[msgspec.Raw] | None = None


_COUNT = msgspec.json.Decoder(_Count, float_hook=float)


def count_entries(body: bytes) -> int:
    """How many records a stored body's ``result`` holds (0 when it is not a list); never raises.

    For reports on the cache, which hold pages of any source.
    """
    try:
        result = decode(_COUNT, valid_utf8(body)).result
    except msgspec.DecodeError:
        return 0
    return len(result) if result is not None else 0
