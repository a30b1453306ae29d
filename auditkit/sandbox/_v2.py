"""Audit Logs v2: ``GET /accounts/{account_id}/logs/audit`` and ``/organizations/{id}/logs/audit``.

What v2 does with an authenticated, in-scope request (routing, auth and scope are
:mod:`auditkit.sandbox._semantics`'s): its query parameters, array filters, cursor
paging and envelope; plus ``GET /accounts/{account_id}/logs/audit/product_categories``.
Behaviour, with the decisions where Cloudflare documents nothing (tested in
``tests/test_sandbox_v2.py``):

- **Required**: ``since`` (``action.time >= since``) and ``before`` (``action.time <
  before``), each a date (``2026-04-30``, midnight UTC) or an RFC 3339 date-time (``Z`` or
  an offset, optional fraction; compared to the nanosecond). Missing (or empty): 400 with
  one error per missing parameter, code 1004, ``"since is required ..."``. ``since`` not
  before ``before`` is no error: an empty result.
- **Optional**: ``direction`` ``desc`` (default: newest first, ties by ``id``
  descending) or ``asc`` (the exact reverse), any case; ``limit`` a plain integer
  1..1000 (default 100; ``100.0`` is refused, as v1 refuses ``per_page=100.0``);
  ``cursor`` (opaque; empty = absent). Of these single-valued parameters, repeated, the
  last wins.
- **Filters are arrays**: ``<name>`` repeated means any of the values, ``<name>.not``
  (repeatable) excludes each of its values; ``<name>[]`` and ``<name>.not[]`` are read
  the same (the bracketed spelling of some descriptions). Filters combine with AND; a
  record without the field matches no positive value and is excluded by no ``.not``.
  Names and comparisons are :data:`~auditkit.sandbox._v2store.FIELDS`' (``id`` has the
  deprecated alias ``audit_log_id``; ``raw_cf_ray_id`` also reads the SDK's
  ``raw_cf_rayid``): ``account_name``, ``actor_email`` and ``zone_name`` are
  case-insensitive, ``raw_method`` too; ``raw_status_code`` is an integer (else 400);
  ``actor_ip_address`` an IP address or a CIDR range (else 400), matching addresses of
  the same version inside it. Enumerations are checked (any case; else 400):
  ``action_result`` ``success``/``failure``, ``action_type``
  ``create``/``delete``/``view``/``update``, ``actor_context`` ``api``/``api_key``/
  ``api_token``/``dash``/``oauth``/``origin_ca_key``, ``actor_type`` ``account``/
  ``cloudflare_admin``/``delegated_service``/``system``/``user``, ``resource_scope``
  ``accounts``/``user``/``zones``/``memberships``/``organizations``.
  ``product_category`` (repeatable, any case; unknown: 400) adds its products
  (:data:`PRODUCT_CATEGORIES`) to the positive ``resource_product`` values. Unknown
  parameters are ignored. Every invalid value: 400, code 1004, naming the parameter.
- **Envelope**: ``{"result": [...], "result_info": {"count": "<n>", ...}, "success":
  true, "errors": [], "messages": []}``; ``count`` is a string (the records on this
  page). Where the next cursor goes is the sandbox's ``v2_cursor``: ``"after"``
  (``result_info.cursors.after``, what SDKs since 2025-08 read; the default),
  ``"cursor"`` (``result_info.cursor``, older SDKs) or ``"both"``. A page with more
  records after it carries a cursor; the last page carries none: its ``result_info``
  then holds ``count`` only (``v2_cursor_end="omit"``, the default), or the cursor key
  with ``""`` (``"empty"``). Records are served exactly as stored.
- **Cursors** (:mod:`auditkit.sandbox._cursor`) hold the position after the page's last
  record and the query's fingerprint (scope, ``since``, ``before``, ``direction``,
  filters; not ``limit``, which may change between pages). A cursor that does not decode,
  or that belongs to another query or scope: 400, code 1004. A walk from the first page
  following the cursors yields every matching record once, in order, even while records
  are added (a record inserted before the position is not seen; one after it is).
- ``product_categories``: the categories of :data:`PRODUCT_CATEGORIES` as
  ``[{"label", "products": [{"label", "value"}], "value"}]`` (no paging, no parameters).

Examples
--------
>>> from auditkit.sandbox._v2store import V2Store
>>> store = V2Store([{"id": "a", "action": {"time": "2026-10-01T00:00:00Z"}}])
>>> r = audit_logs({"since": ["2026-09-01"], "before": ["2026-11-01"]}, store, "x")
>>> r.status, r.body[:52]
(200, b'{"result":[{"id":"a","action":{"time":"2026-10-01T00')
>>> audit_logs({}, store, "x").status
400
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from auditkit.sandbox import _cursor
from auditkit.sandbox._envelope import (
    API_PREFIX,
    ENCODE,
    ENCODE_ERRORS,
    INT_RE,
    BadRequest,
    Response,
    envelope_error,
    parse_int,
)
from auditkit.sandbox._times import parse_timestamp_ns
from auditkit.sandbox._v2store import FIELDS, V2Entry, V2Store, field_value

__all__ = [
    "ACCOUNT_PATH_RE",
    "CATEGORIES_PATH_RE",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "ORGANIZATION_PATH_RE",
    "PRODUCT_CATEGORIES",
    "CursorEnd",
    "CursorStyle",
    "MissingParameters",
    "V2Options",
    "V2Query",
    "audit_logs",
    "parse_query",
    "product_categories",
]

log = logging.getLogger("auditkit.sandbox")

#: ``/accounts/{account_id}/logs/audit``; group 1 is the account id, as sent.
ACCOUNT_PATH_RE = re.compile(rf"{API_PREFIX}/accounts/([^/]*)/logs/audit")
#: ``/organizations/{organization_id}/logs/audit``; group 1 is the organization id.
ORGANIZATION_PATH_RE = re.compile(rf"{API_PREFIX}/organizations/([^/]*)/logs/audit")
#: ``/accounts/{account_id}/logs/audit/product_categories``.
CATEGORIES_PATH_RE = re.compile(rf"{API_PREFIX}/accounts/([^/]*)/logs/audit/product_categories")

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100

#: Where a page's next cursor goes.
CursorStyle = Literal["after", "cursor", "both"]
#: What the last page says about the cursor: nothing, or an empty one.
CursorEnd = Literal["omit", "empty"]

#: Product category -> (label, its ``resource_product`` values with their labels).
PRODUCT_CATEGORIES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "account": (
        "Account",
        (
            ("accounts", "Accounts"),
            ("members", "Members"),
            ("users", "Users"),
            ("api_tokens", "API Tokens"),
            ("api_keys", "API Keys"),
        ),
    ),
    "caching": ("Caching", (("cache", "Cache"),)),
    "dns": ("DNS", (("dns", "DNS"),)),
    "performance": ("Performance", (("speed", "Speed"), ("network", "Network"))),
    "security": ("Security", (("waf", "WAF"), ("firewall", "Firewall"), ("ssl", "SSL/TLS"))),
    "zones": ("Zones", (("zones", "Zones"),)),
}

_ENUMS: dict[str, frozenset[str]] = {
    "action_result": frozenset({"success", "failure"}),
    "action_type": frozenset({"create", "delete", "view", "update"}),
    "actor_context": frozenset({"api", "api_key", "api_token", "dash", "oauth", "origin_ca_key"}),
    "actor_type": frozenset({"account", "cloudflare_admin", "delegated_service", "system", "user"}),
    "resource_scope": frozenset({"accounts", "user", "zones", "memberships", "organizations"}),
}
#: Other spellings of filter names.
_ALIASES = {"audit_log_id": "id", "raw_cf_rayid": "raw_cf_ray_id"}
_INDEX = {name: i for i, name in enumerate(FIELDS)}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class V2Options:
    """How the sandbox shapes v2 pages: where cursors go, and the last page's cursor."""

    cursor: CursorStyle = "after"
    cursor_end: CursorEnd = "omit"


@dataclass(frozen=True)
class V2Query:
    """A request's v2 parameters, validated.

    ``include``/``exclude`` map a filter's index in :data:`FIELDS` to its normalised
    values (for ``actor_ip_address``, networks).
    """

    since_ns: int
    before_ns: int
    direction: str = "desc"
    limit: int = DEFAULT_LIMIT
    position: _cursor.Position = None
    fingerprint: str = ""
    include: dict[int, frozenset[Any]] = field(default_factory=dict)
    exclude: dict[int, frozenset[Any]] = field(default_factory=dict)


class MissingParameters(BadRequest):
    """Required parameters are absent: one error (code 1004) per name in ``names``."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"{names[0]} is required: a date (2026-04-30) or an RFC 3339 date-time")
        self.names = names


# ---------------------------------------------------------------------------
# query parameters
# ---------------------------------------------------------------------------


def _last(params: Mapping[str, Sequence[str]], name: str) -> str:
    values = params.get(name) or params.get(f"{name}[]") or ()
    return values[-1] if values else ""


def _time(params: Mapping[str, Sequence[str]], name: str) -> int:
    raw = _last(params, name)
    try:
        return parse_timestamp_ns(raw)
    except ValueError:
        raise BadRequest(
            f"{name} must be a date (2026-04-30) or an RFC 3339 date-time "
            f"(2026-04-30T12:00:00Z), got {raw!r}"
        ) from None


def _filter_values(name: str, raw: Sequence[str]) -> frozenset[Any]:
    how = FIELDS[name][1]
    out: set[Any] = set()
    for text in raw:
        if name in _ENUMS:
            value = text.lower()
            if value not in _ENUMS[name]:
                allowed = ", ".join(sorted(_ENUMS[name]))
                raise BadRequest(f"{name} must be one of {allowed}, got {text!r}")
            out.add(value)
        elif how == "int":
            if not INT_RE.fullmatch(text):
                raise BadRequest(f"{name} must be an integer, got {text!r}")
            out.add(int(text))
        elif how == "ip":
            try:
                out.add(ipaddress.ip_network(text, strict=False))
            except ValueError:
                raise BadRequest(
                    f"{name} must be an IP address or CIDR range, got {text!r}"
                ) from None
        else:
            out.add(field_value(text, how))
    return frozenset(out)


def _filters(
    params: Mapping[str, Sequence[str]],
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    include: dict[str, list[str]] = {}
    exclude: dict[str, list[str]] = {}
    for key, values in params.items():
        name = key.removesuffix("[]")
        target = include
        if name.endswith(".not"):
            name, target = name.removesuffix(".not"), exclude
        name = _ALIASES.get(name, name)
        if name in FIELDS:
            target.setdefault(name, []).extend(value for value in values if value != "")
    return include, exclude


def _categories(params: Mapping[str, Sequence[str]]) -> list[str]:
    products: list[str] = []
    for key in ("product_category", "product_category[]"):
        for text in params.get(key, ()):
            if text == "":
                continue
            category = PRODUCT_CATEGORIES.get(text.lower())
            if category is None:
                known = ", ".join(PRODUCT_CATEGORIES)
                raise BadRequest(f"product_category must be one of {known}, got {text!r}")
            products.extend(value for value, _ in category[1])
    return products


def parse_query(params: Mapping[str, Sequence[str]], scope_key: str) -> V2Query:
    """Validate v2's query parameters for the scope ``scope_key`` (``account:<id>``, ...).

    Raises :class:`MissingParameters` if ``since`` or ``before`` is absent, else
    :class:`BadRequest` for the first invalid parameter.
    """
    missing = [name for name in ("since", "before") if _last(params, name) == ""]
    if missing:
        raise MissingParameters(missing)
    since_ns, before_ns = _time(params, "since"), _time(params, "before")
    raw_direction = _last(params, "direction")
    direction = raw_direction.lower() or "desc"
    if direction not in ("asc", "desc"):
        raise BadRequest(f"direction must be asc or desc, got {raw_direction!r}")
    limit = parse_int({"limit": _last(params, "limit")}, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    include_raw, exclude_raw = _filters(params)
    products = _categories(params)
    if products:
        include_raw.setdefault("resource_product", []).extend(products)
    include = {_INDEX[name]: _filter_values(name, raw) for name, raw in include_raw.items() if raw}
    exclude = {_INDEX[name]: _filter_values(name, raw) for name, raw in exclude_raw.items() if raw}
    parts: list[object] = [scope_key, since_ns, before_ns, direction]
    for tag, chosen in (("in", include), ("not", exclude)):
        for index in sorted(chosen):
            parts.append([tag, index, sorted(str(value) for value in chosen[index])])
    query_fp = _cursor.fingerprint(parts)
    position: _cursor.Position = None
    raw_cursor = _last(params, "cursor")
    if raw_cursor != "":
        try:
            cursor_fp, position = _cursor.decode(raw_cursor)
        except ValueError:
            raise BadRequest(f"cursor is not valid: {raw_cursor[:40]!r}") from None
        if cursor_fp != query_fp:
            raise BadRequest("cursor belongs to another query (since, before, direction, filters)")
    return V2Query(since_ns, before_ns, direction, limit, position, query_fp, include, exclude)


# ---------------------------------------------------------------------------
# selecting a page
# ---------------------------------------------------------------------------


_IS_IP = tuple(how == "ip" for _, how in FIELDS.values())


def _matches(values: tuple[Any, ...], wanted: frozenset[Any], index: int) -> bool:
    value = values[index]
    if value is None:
        return False
    if _IS_IP[index]:
        return any(value.version == net.version and value in net for net in wanted)
    return value in wanted


def _select(entries: list[V2Entry], query: V2Query) -> list[V2Entry]:
    """The entries matching ``query`` after its position, in its direction."""
    lo, hi, pos = query.since_ns, query.before_ns, query.position
    desc = query.direction == "desc"
    include, exclude = list(query.include.items()), list(query.exclude.items())
    out: list[V2Entry] = []
    for entry in entries:
        ns = entry.ns
        if ns is None or ns < lo or ns >= hi:
            continue
        if pos is not None and ((ns, entry.id) >= pos if desc else (ns, entry.id) <= pos):
            continue
        values = entry.values
        if any(not _matches(values, wanted, index) for index, wanted in include):
            continue
        if any(_matches(values, unwanted, index) for index, unwanted in exclude):
            continue
        out.append(entry)
    if not desc:
        out.reverse()
    return out


def _page_body(records: list[dict[str, Any]], cursor: str | None, options: V2Options) -> bytes:
    info: dict[str, Any] = {"count": str(len(records))}
    if cursor is None and options.cursor_end == "empty":
        cursor = ""
    if cursor is not None:
        if options.cursor in ("cursor", "both"):
            info["cursor"] = cursor
        if options.cursor in ("after", "both"):
            info["cursors"] = {"after": cursor}
    body = {"result": records, "result_info": info, "success": True, "errors": [], "messages": []}
    return ENCODE.encode(body)


def audit_logs(
    params: Mapping[str, Sequence[str]],
    store: V2Store,
    scope_key: str,
    options: V2Options | None = None,
) -> Response:
    """Answer an authenticated, in-scope v2 request: one page of records.

    ``params`` maps each parameter to all its values, in order; ``scope_key`` names the
    scope (cursors of another scope are refused). The response can rebuild its body with
    a cursor leading back to this same page (``same_page``: the ``repeat_cursor`` fault).
    """
    options = options or V2Options()
    try:
        query = parse_query(params, scope_key)
    except MissingParameters as exc:
        extra = [(exc.code, f"{name} is required") for name in exc.names[1:]]
        return envelope_error(400, exc.code, exc.message, extra=extra)
    except BadRequest as exc:
        return envelope_error(400, exc.code, exc.message)
    matched = _select(store.snapshot(), query)
    page = matched[: query.limit]
    cursor = None
    if len(matched) > query.limit:
        last = page[-1]
        cursor = _cursor.encode(query.fingerprint, (last.key()[0], last.id))
    records = [entry.rec for entry in page]
    try:
        body = _page_body(records, cursor, options)
    except ENCODE_ERRORS:
        log.exception("sandbox: a stored v2 record is not JSON-serialisable")
        return envelope_error(500, 1000, "Internal error")
    same = _cursor.encode(query.fingerprint, query.position)

    def same_page() -> bytes:
        return _page_body(records, same, options)

    return Response(200, body, same_page=same_page)


def product_categories() -> Response:
    """The product categories ``product_category`` accepts, with their products."""
    result = [
        {
            "label": label,
            "products": [{"label": plabel, "value": value} for value, plabel in products],
            "value": key,
        }
        for key, (label, products) in PRODUCT_CATEGORIES.items()
    ]
    body = {"result": result, "success": True, "errors": [], "messages": []}
    return Response(200, ENCODE.encode(body))
