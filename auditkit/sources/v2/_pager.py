"""v2's pager: a cursor walk per window, with a stop rule that cannot loop.

Each window sends ``since`` and ``before`` (v2 requires both: a window open at
the start, "from the beginning", sends the retention floor as ``since``),
``limit`` and ``direction``, then ``cursor`` for every page after the first.

**The cursor** is read from ``result_info.cursors.after`` (cloudflare-python
5.9, cloudflare-go v6) or ``result_info.cursor`` (older SDKs), whichever is
present; when both are, and differ, ``cursors.after`` wins (what the newest
SDKs follow). The walk ends at a page that carries no cursor (or an empty one)
and at an empty page (the official SDK stops there too).

**Fail-safe rules** (decisions; Cloudflare documents none of this):

- a cursor that comes back a second time is an
  :class:`~auditkit.errors.IncompleteLoadError` ("the server is not paging"),
  never a loop; so is a non-empty page of only ids already seen, and more than
  :data:`MAX_PAGES` pages in one window;
- ``result_info.count`` is a string: when it parses as a whole number larger
  than the entries the page holds, the page is short of what the server says
  it sent, which is an :class:`~auditkit.errors.IncompleteLoadError`; a count
  that does not parse is ignored (it is informational).

A cursor walk is sequential: several windows are fetched at once instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from concurrent.futures import Executor
from typing import Any

import pandas as pd

from ..._windows import Window, retention_floor
from ...errors import IncompleteLoadError
from ...http import ApiClient, Page
from ._query import V2Query
from ._wire import V2Payload

__all__ = ["MAX_PAGES", "iter_pages", "next_cursor", "oldest_when", "wire_bounds"]

#: Hard ceiling on pages per window (10 million entries at 1000 a page).
MAX_PAGES = 10_000


def next_cursor(info: Mapping[str, Any]) -> str | None:
    """The cursor of the next page, from ``cursors.after`` or ``cursor``; ``None`` at the end.

    Examples
    --------
    >>> next_cursor({"count": "2", "cursors": {"after": "b"}, "cursor": "a"})
    'b'
    >>> next_cursor({"count": "2", "cursor": "a"}), next_cursor({"cursor": ""})
    ('a', None)
    """
    cursors = info.get("cursors")
    if isinstance(cursors, Mapping):
        after = cursors.get("after")
        if isinstance(after, str) and after:
            return after
    cursor = info.get("cursor")
    return cursor if isinstance(cursor, str) and cursor else None


def _count(info: Mapping[str, Any]) -> int | None:
    value = info.get("count")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def wire_bounds(window: Window, now: pd.Timestamp | None = None) -> dict[str, str]:
    """``since`` and ``before`` for ``window``: both, always (v2 requires them).

    A window open at the start sends the retention floor (18 months before the
    current month) as ``since``.
    """
    bounds = window.wire_bounds()
    if "since" not in bounds:
        floor = retention_floor(now if now is not None else pd.Timestamp.now(tz="UTC"))
        bounds["since"] = floor.strftime("%Y-%m-%dT%H:%M:%SZ")
    return bounds


def iter_pages(
    client: ApiClient, query: V2Query, window: Window, executor: Executor | None = None
) -> Iterator[Page]:
    """Every page of one window, in order, once each (``executor`` is unused: cursors chain)."""
    params: dict[str, str | list[str]] = {
        **query.filter_params(),
        **wire_bounds(window),
        "limit": str(query.per_page),
    }
    seen: set[Any] = set()
    cursors: set[str] = set()
    cursor: str | None = None
    for number in range(1, MAX_PAGES + 1):
        asked = params if cursor is None else {**params, "cursor": cursor}
        page = client.get_page(query.path, asked, cacheable=window.cacheable)
        info = page.result_info
        stated = _count(info)
        if stated is not None and stated > len(page):
            raise IncompleteLoadError(
                f"page {number} says it holds {stated} entries (result_info.count) but holds "
                f"{len(page)}; refusing a partial result"
            )
        yield page
        if not len(page):
            return
        ids = set(page.ids)
        if ids <= seen:
            raise IncompleteLoadError(
                f"page {number} repeated entries already seen; the server is not paging "
                "(refusing to loop)"
            )
        seen |= ids
        cursor = next_cursor(info)
        if cursor is None:
            return
        if cursor in cursors:
            raise IncompleteLoadError(
                f"page {number} handed back a cursor already followed; the server is not "
                "paging (refusing to loop)"
            )
        cursors.add(cursor)
    raise IncompleteLoadError(f"more than {MAX_PAGES} pages in one window; narrow the time range")


def oldest_when(client: ApiClient, query: V2Query, window: Window) -> pd.Timestamp | bool | None:
    """When the oldest matching entry in ``window`` happened (one request, one entry).

    Returns ``None`` when the window holds no matching entry, and ``False`` when
    the answer cannot say (an unparseable ``action.time``).
    """
    params = {
        **query.filter_params(),
        **wire_bounds(window),
        "direction": "asc",
        "limit": "1",
    }
    page = client.get_page(query.path, params, cacheable=window.cacheable)
    if not len(page):
        return None
    payload = page.payload
    assert isinstance(payload, V2Payload)  # this source's decoder made it
    when = None if payload.rows is None else payload.rows.first_when()
    return False if when is None else when
