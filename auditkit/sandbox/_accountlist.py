"""``GET /accounts``: the accounts the credential can read, paged like Cloudflare's v4 lists.

What the endpoint does with an authenticated request (routing and auth are
:mod:`auditkit.sandbox._semantics`'s). Behaviour, with the decisions where Cloudflare
documents nothing (tested in ``tests/test_sandbox_v2.py``):

- **Parameters** (single-valued: of repeated ones the last wins; unknown ones ignored):
  ``page`` >= 1 (default 1) and ``per_page`` 5..50 (default 20; Cloudflare's documented
  bounds), both plain integers; ``direction`` ``asc`` (default: the sandbox's order,
  which is creation order, account 1 first) or ``desc`` (the reverse), any case;
  ``name`` (exact, case-insensitive). An invalid value: 400, code 1004, naming it.
- **Envelope**: ``{"result": [...], "result_info": {"page", "per_page", "count",
  "total_count", "total_pages"}, "success": true, "errors": [], "messages": []}``; a page
  past the end has an empty ``result`` (the official SDK's auto-pager stops there).
  Each account is ``{"id", "name", "type", "created_on", "managed_by", "settings"}``
  (:func:`~auditkit.sandbox._accounts.account_object`).

Examples
--------
>>> import json
>>> r = list_accounts({"per_page": "5"}, [{"id": "a" * 32, "name": "Example Corp"}])
>>> r.status, json.loads(r.body)["result_info"]
(200, {'page': 1, 'per_page': 5, 'count': 1, 'total_count': 1, 'total_pages': 1})
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from auditkit.sandbox._envelope import (
    API_PREFIX,
    ENCODE,
    BadRequest,
    Response,
    envelope_error,
    parse_int,
)

__all__ = ["ACCOUNTS_PATH", "DEFAULT_PER_PAGE", "MAX_PER_PAGE", "MIN_PER_PAGE", "list_accounts"]

#: The endpoint.
ACCOUNTS_PATH = f"{API_PREFIX}/accounts"
DEFAULT_PER_PAGE = 20
MIN_PER_PAGE = 5
MAX_PER_PAGE = 50


def list_accounts(params: Mapping[str, str], accounts: Sequence[Mapping[str, Any]]) -> Response:
    """Answer an authenticated ``GET /accounts``: one page of ``accounts`` (in order)."""
    try:
        page = parse_int(params, "page", 1, 1, None)
        per_page = parse_int(params, "per_page", DEFAULT_PER_PAGE, MIN_PER_PAGE, MAX_PER_PAGE)
        direction = params.get("direction", "").lower() or "asc"
        if direction not in ("asc", "desc"):
            raise BadRequest(f"direction must be asc or desc, got {params['direction']!r}")
    except BadRequest as exc:
        return envelope_error(400, exc.code, exc.message)
    chosen = list(accounts)
    name = params.get("name", "")
    if name:
        chosen = [
            acct for acct in chosen if str(acct.get("name", "")).casefold() == name.casefold()
        ]
    if direction == "desc":
        chosen.reverse()
    first = (page - 1) * per_page
    result = chosen[first : first + per_page]
    body = {
        "result": result,
        "result_info": {
            "page": page,
            "per_page": per_page,
            "count": len(result),
            "total_count": len(chosen),
            "total_pages": -(-len(chosen) // per_page),
        },
        "success": True,
        "errors": [],
        "messages": [],
    }
    return Response(200, ENCODE.encode(body))
