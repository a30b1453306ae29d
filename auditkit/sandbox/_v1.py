"""Audit Logs v1: ``GET /user/audit_logs`` and ``GET /accounts/{account_id}/audit_logs``.

What v1 does with an authenticated request (routing, auth and account scope are
:mod:`auditkit.sandbox._semantics`'s): its query parameters, filters, page-number paging,
envelope and CSV export. Behaviour, where Cloudflare documents nothing (decisions,
tested in ``tests/test_sandbox.py``):

- **Parameters**: ``id``, ``action.type`` (exact), ``actor.email`` (exact,
  case-insensitive), ``actor.ip`` (an IPv4/IPv6 address or CIDR range, host bits
  allowed; matches ``actor.ip`` of the same IP version), ``zone.name`` (exact,
  case-insensitive, on ``metadata.zone_name``), ``since`` (``when >= since``) and
  ``before`` (``when < before``), each an RFC 3339 date (midnight UTC) or date-time with
  ``Z`` or an offset and optional fraction (compared exactly, to the nanosecond);
  ``direction`` ``desc`` (default, newest first, ties by id descending) or ``asc`` (the
  exact reverse); ``hide_user_logs`` ``true`` hides *user-level* entries, those whose
  ``owner.id`` is a user's id (any ``user`` actor's id in the data, plus the synthetic
  users), i.e. logins, API token and API key events; ``page`` >= 1 (default 1) and
  ``per_page`` 1..1000 (default 100), both plain integers; ``export=true`` returns CSV.
  Booleans accept ``true``/``false``/``1``/``0`` (any case). Empty values count as
  absent; repeated parameters: the last wins; unknown parameters are ignored. Any
  invalid value: 400, code 1004, message naming the parameter.
- **Envelope**: ``{"result": [...], "result_info": {"page", "per_page", "count",
  "total_count"}, "success": true, "errors": [], "messages": []}``; records are
  serialised exactly as stored. A page past the end has an empty ``result`` (the official
  SDK's auto-pager stops on an empty page). A stored record that is not JSON data: 500,
  code 1000.
- **CSV export** (``export=true``): every matching entry (no paging; ``page`` and
  ``per_page`` are still validated), in the requested direction, ``Content-Type:
  text/csv; charset=utf-8``, CRLF lines, a header row with :data:`CSV_COLUMNS`:
  ``id, when, action.type, action.result, action.info, actor.id, actor.email, actor.ip,
  actor.type, interface, resource.id, resource.type, owner.id, metadata.zone_name,
  oldValue, newValue, oldValueJson, newValueJson, metadata``. Missing values are empty,
  booleans ``true``/``false``, objects compact JSON.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from auditkit.sandbox._envelope import (
    API_PREFIX,
    ENCODE,
    ENCODE_ERRORS,
    BadRequest,
    Response,
    envelope_error,
    parse_int,
)
from auditkit.sandbox._store import Entry, Store
from auditkit.sandbox._times import parse_timestamp_ns

__all__ = [
    "ACCOUNT_PATH_RE",
    "CSV_COLUMNS",
    "DEFAULT_PER_PAGE",
    "MAX_PER_PAGE",
    "USER_PATH",
    "Query",
    "audit_logs",
    "csv_body",
    "parse_query",
    "select",
]

log = logging.getLogger("auditkit.sandbox")

#: The user-scope endpoint.
USER_PATH = f"{API_PREFIX}/user/audit_logs"
#: The account-scope endpoint; group 1 is the account id, as sent.
ACCOUNT_PATH_RE = re.compile(rf"{API_PREFIX}/accounts/([^/]*)/audit_logs")

MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 100
_BOOLS = {"true": True, "1": True, "false": False, "0": False}

#: Columns of the CSV export, in order (nested keys flattened with dots).
CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "when",
    "action.type",
    "action.result",
    "action.info",
    "actor.id",
    "actor.email",
    "actor.ip",
    "actor.type",
    "interface",
    "resource.id",
    "resource.type",
    "owner.id",
    "metadata.zone_name",
    "oldValue",
    "newValue",
    "oldValueJson",
    "newValueJson",
    "metadata",
)
_CSV_PATHS = tuple(tuple(column.split(".")) for column in CSV_COLUMNS)


# ---------------------------------------------------------------------------
# query parameters
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A request's v1 parameters, validated (``None``: no such filter)."""

    id: str | None = None
    action_type: str | None = None
    actor_email: str | None = None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    zone: str | None = None
    since_ns: int | None = None
    before_ns: int | None = None
    direction: str = "desc"
    hide_user_logs: bool = False
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    export: bool = False


def _parse_bool(params: Mapping[str, str], name: str) -> bool:
    raw = params.get(name, "")
    if raw == "":
        return False
    try:
        return _BOOLS[raw.lower()]
    except KeyError:
        raise BadRequest(f"{name} must be true or false, got {raw!r}") from None


def _parse_time(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name, "")
    if raw == "":
        return None
    try:
        return parse_timestamp_ns(raw)
    except ValueError:
        raise BadRequest(
            f"{name} must be an RFC 3339 date (2026-10-01) or date-time "
            f"(2026-10-01T12:00:00Z), got {raw!r}"
        ) from None


def parse_query(params: Mapping[str, str]) -> Query:
    """Validate v1's query parameters; raise :class:`BadRequest` naming a bad one."""
    network = None
    raw_ip = params.get("actor.ip", "")
    if raw_ip:
        try:
            network = ipaddress.ip_network(raw_ip, strict=False)
        except ValueError:
            raise BadRequest(
                f"actor.ip must be an IP address or CIDR range, got {raw_ip!r}"
            ) from None
    direction = params.get("direction", "").lower() or "desc"
    if direction not in ("asc", "desc"):
        raise BadRequest(f"direction must be asc or desc, got {params['direction']!r}")
    email = params.get("actor.email", "")
    zone = params.get("zone.name", "")
    return Query(
        id=params.get("id") or None,
        action_type=params.get("action.type") or None,
        actor_email=email.lower() if email else None,
        network=network,
        zone=zone.lower() if zone else None,
        since_ns=_parse_time(params, "since"),
        before_ns=_parse_time(params, "before"),
        direction=direction,
        hide_user_logs=_parse_bool(params, "hide_user_logs"),
        page=parse_int(params, "page", 1, 1, None),
        per_page=parse_int(params, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        export=_parse_bool(params, "export"),
    )


def select(entries: list[Entry], users: frozenset[str], query: Query) -> list[dict[str, Any]]:
    """The records of ``entries`` (newest first) matching ``query``, in its direction."""
    net = query.network
    out: list[dict[str, Any]] = []
    for entry in entries:
        if query.id is not None and entry.id != query.id:
            continue
        if query.action_type is not None and entry.atype != query.action_type:
            continue
        if query.actor_email is not None and entry.email != query.actor_email:
            continue
        if query.zone is not None and entry.zone != query.zone:
            continue
        if net is not None and (
            entry.ip is None or entry.ip.version != net.version or entry.ip not in net
        ):
            continue
        if query.since_ns is not None and (entry.ns is None or entry.ns < query.since_ns):
            continue
        if query.before_ns is not None and (entry.ns is None or entry.ns >= query.before_ns):
            continue
        if query.hide_user_logs and entry.owner in users:
            continue
        out.append(entry.rec)
    if query.direction == "asc":
        out.reverse()
    return out


# ---------------------------------------------------------------------------
# CSV export
# ---------------------------------------------------------------------------


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return ENCODE.encode(value).decode()
    return str(value)


def csv_body(records: list[dict[str, Any]]) -> bytes:
    """The CSV export of ``records``: a :data:`CSV_COLUMNS` header row, CRLF lines."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rec in records:
        row = []
        for path in _CSV_PATHS:
            value: Any = rec
            for part in path:
                value = value.get(part) if isinstance(value, Mapping) else None
            row.append(_csv_cell(value))
        writer.writerow(row)
    return buf.getvalue().encode()


# ---------------------------------------------------------------------------
# the endpoint
# ---------------------------------------------------------------------------


def audit_logs(params: Mapping[str, str], store: Store) -> Response:
    """Answer an authenticated, in-scope v1 request: a page of records, or the CSV."""
    try:
        query = parse_query(params)
    except BadRequest as exc:
        return envelope_error(400, exc.code, exc.message)
    entries, users = store.snapshot()
    matched = select(entries, users, query)
    if query.export:
        return Response(
            200,
            csv_body(matched),
            "text/csv; charset=utf-8",
            [("Content-Disposition", 'attachment; filename="audit_logs.csv"')],
        )
    first = (query.page - 1) * query.per_page
    page = matched[first : first + query.per_page]
    body = {
        "result": page,
        "result_info": {
            "page": query.page,
            "per_page": query.per_page,
            "count": len(page),
            "total_count": len(matched),
        },
        "success": True,
        "errors": [],
        "messages": [],
    }
    try:
        return Response(200, ENCODE.encode(body))
    except ENCODE_ERRORS:
        log.exception("sandbox: a stored record is not JSON-serialisable")
        return envelope_error(500, 1000, "Internal error")
