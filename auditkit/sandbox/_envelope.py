"""Cloudflare's response shapes, shared by every API version of the sandbox.

:class:`Response` is what request semantics return (status, content type, extra headers,
body bytes; no socket). Here too: the JSON codec, the error envelope
(``{"success": false, "errors": [...], "messages": [], "result": null}``) with
Cloudflare's routing errors, and :class:`BadRequest`, which a version's parameter parsing
raises for a 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

__all__ = [
    "API_PREFIX",
    "ENCODE",
    "ENCODE_ERRORS",
    "INT_RE",
    "BadRequest",
    "Response",
    "envelope_error",
    "method_not_allowed",
    "not_found",
    "parse_int",
]

#: Path prefix of every endpoint (``base_url`` ends with it).
API_PREFIX = "/client/v4"

#: Compact JSON, dict keys in insertion order. Thread-safe: shared by the handler threads.
ENCODE = msgspec.json.Encoder()
#: What encoding a record that is not plain JSON data can raise: unsupported types and
#: dict keys (TypeError), lone surrogates and ints past Python's str-conversion limit
#: (ValueError), cycles (RecursionError).
ENCODE_ERRORS = (msgspec.EncodeError, TypeError, ValueError, OverflowError, RecursionError)


@dataclass
class Response:
    """An HTTP response, before it meets a socket.

    The server sends ``Content-Type``, ``Content-Length`` and ``CF-RAY``, then
    ``headers`` in order, then ``body``. ``drop`` (set by the ``drop_connection`` fault)
    sends half the body and closes the connection. ``same_page``, on a v2 page, builds
    the body again with a cursor leading back to this same page (what the
    ``repeat_cursor`` fault sends).
    """

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)
    drop: bool = False
    same_page: Callable[[], bytes] | None = None


class BadRequest(Exception):
    """An invalid request parameter: 400 with ``code`` (1004) and ``message``."""

    def __init__(self, message: str, code: int = 1004) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def envelope_error(
    status: int,
    code: int,
    message: str,
    chain: list[tuple[int, str]] | None = None,
    extra: list[tuple[int, str]] | None = None,
) -> Response:
    """A JSON error envelope: one error (with an optional ``error_chain``), then ``extra``."""
    err: dict[str, Any] = {"code": code, "message": message}
    if chain:
        err["error_chain"] = [
            {"code": chain_code, "message": chain_message} for chain_code, chain_message in chain
        ]
    errors = [err] + [
        {"code": extra_code, "message": extra_message} for extra_code, extra_message in extra or []
    ]
    body = {"success": False, "errors": errors, "messages": [], "result": None}
    return Response(status, ENCODE.encode(body))


def not_found(path: str) -> Response:
    """404 for a path no endpoint serves (codes 7003 and 7000, as Cloudflare answers)."""
    route = path.removeprefix(API_PREFIX) or "/"
    return envelope_error(
        404,
        7003,
        f"Could not route to {route}, perhaps your object identifier is invalid?",
        extra=[(7000, "No route for that URI")],
    )


def method_not_allowed() -> Response:
    """405 (code 7001) for a method other than GET on an endpoint, with ``Allow: GET``."""
    resp = envelope_error(405, 7001, "Method not allowed for this endpoint")
    resp.headers.append(("Allow", "GET"))
    return resp


#: A whole number as a query parameter: ASCII digits only (no sign, no point, no spaces).
INT_RE = re.compile(r"[0-9]+")


def parse_int(params: Mapping[str, str], name: str, default: int, lo: int, hi: int | None) -> int:
    """The integer query parameter ``name`` (``default`` when absent or blank), within bounds.

    Raises :class:`BadRequest` for anything but digits, or a value outside ``lo..hi``.

    Examples
    --------
    >>> parse_int({"page": "3"}, "page", 1, 1, None), parse_int({}, "page", 1, 1, None)
    (3, 1)
    """
    raw = params.get(name, "")
    if raw == "":
        return default
    if not INT_RE.fullmatch(raw):
        raise BadRequest(f"{name} must be an integer, got {raw!r}")
    value = int(raw)
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
        raise BadRequest(f"{name} must be {bound}, got {raw!r}")
    return value
