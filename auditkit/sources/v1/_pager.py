"""v1's pager: page numbers, a stop rule that cannot loop, read-ahead.

:func:`iter_pages` walks one time window with a stop rule that cannot loop: it
stops at the first page shorter than the effective page size (``per_page``, or
the smaller one the server states; an empty page included) and raises
:class:`~auditkit.errors.IncompleteLoadError` if a full page brings no new ids,
the page limit is reached, or the pages end before a stated ``total_count``,
rather than looping or returning partial data. :func:`oldest_when` asks for the
oldest matching entry of a window (the load's probe).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, Future
from typing import Any

import pandas as pd

from ..._windows import Window
from ...errors import (
    IncompleteLoadError,
)
from ...http import ApiClient, Page
from ._query import AuditLogQuery
from ._wire import Payload

#: Hard ceiling on pages per window (10 million entries at 1000 a page).
MAX_PAGES = 10_000


#: Most pages of one walk requested ahead of the page being read (with an executor).
MAX_READ_AHEAD = 8


def _count(info: Mapping[str, Any], key: str) -> int | None:
    """``info[key]`` if it is a whole number >= 0 (``None`` otherwise)."""
    value = info.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _announced_pages(info: Mapping[str, Any], per_page: int) -> int:
    """Pages the server says a window has (0 if it does not say)."""
    total = info.get("total_count")
    if isinstance(total, int) and not isinstance(total, bool) and total > 0:
        return -(-total // per_page)
    pages = info.get("total_pages")
    if isinstance(pages, int) and not isinstance(pages, bool) and pages > 0:
        return pages
    return 0


def iter_pages(
    client: ApiClient, query: AuditLogQuery, window: Window, executor: Executor | None = None
) -> Iterator[Page]:
    """Every page of one window (or run of days walked as one range), in order, once each.

    **Page size.** A page is *short* relative to the effective page size:
    ``query.per_page``, or less when the server states a smaller
    ``result_info.per_page`` (a server that caps it). A page with more entries
    than asked is an :class:`~auditkit.errors.APIError` (the adapter refuses it).

    **Stop rule.** The walk ends at the first empty page, or at the first short
    page when the server has stated its page size, or when the entries received
    reach a stated ``total_count``. A short non-empty page with neither hint
    may come from a server that caps ``per_page`` silently: the next page is
    then asked for once, and if it is not empty the short page's size is taken
    for the server's page size and the walk goes on. That costs one request per
    walk, only against servers that give no hint (Cloudflare's generic
    ``result_info`` states both ``per_page`` and ``total_count``), and is what
    keeps a silent cap from returning the first page alone. Hints are never
    trusted alone: a page that is not short but brings no new id, or more than
    :data:`MAX_PAGES` pages, raises :class:`~auditkit.errors.IncompleteLoadError`
    instead of looping.

    **Count check.** When the walk ends with fewer entries received (raw, before
    deduplication) than the first ``total_count`` stated in the walk, it raises
    :class:`~auditkit.errors.IncompleteLoadError`: the server says it holds
    entries it did not send. More entries than announced is accepted (entries
    shifting across page boundaries arrive twice; the loader drops repeats).

    **Read-ahead.** With an ``executor``, once a page proves full and the server
    has announced how many pages there are, up to :data:`MAX_READ_AHEAD` of the
    next announced pages are requested ahead, one more for each further full
    page: a false ``total_count`` costs at most that many requests.
    """
    asked = query.per_page
    params = {**query.filter_params(), **window.wire_bounds(), "per_page": str(asked)}

    def fetch(number: int) -> Page:
        return client.get_page(
            query.path, {**params, "page": str(number)}, cacheable=window.cacheable
        )

    seen: set[Any] = set()
    ahead: deque[Future[Page]] = deque()
    size, sized = asked, False  # the effective page size, and whether it is known
    total: int | None = None
    received = 0
    try:
        for number in range(1, MAX_PAGES + 1):
            page = ahead.popleft().result() if ahead else fetch(number)
            received += len(page)
            info = page.result_info
            if total is None:
                total = _count(info, "total_count")
            stated = _count(info, "per_page")
            if stated is not None and stated > 0:
                size, sized = min(asked, stated), True
            yield page
            if len(page) < size:
                done = total is not None and received >= total
                if not len(page) or sized or done:
                    break
                # Shorter than asked, no hint: perhaps a silent cap. Ask once more.
                size, sized = len(page), True
            ids = set(page.ids)
            if ids <= seen:
                raise IncompleteLoadError(
                    f"page {number} repeated entries already seen; the server is not "
                    "paging (refusing to loop)"
                )
            seen |= ids
            if executor is not None and len(page) >= size:
                announced = _announced_pages({"total_count": total, **info}, size)
                last = min(announced, MAX_PAGES)
                following = number + len(ahead) + 1
                while len(ahead) < MAX_READ_AHEAD and following <= last:
                    ahead.append(executor.submit(fetch, following))
                    following += 1
        else:
            raise IncompleteLoadError(
                f"more than {MAX_PAGES} pages in one window; narrow the time range"
            )
    finally:
        for future in ahead:
            future.cancel()
    if total is not None and received < total:
        raise IncompleteLoadError(
            f"the server announced {total} entries (result_info.total_count) but its "
            f"pages ended after {received}; refusing a partial result"
        )


def oldest_when(
    client: ApiClient, query: AuditLogQuery, window: Window
) -> pd.Timestamp | bool | None:
    """When the oldest matching entry in ``window`` happened (one request, one entry).

    Returns ``None`` when the window holds no matching entry, and ``False``
    when the server's answer cannot say (an unparseable ``when``).
    """
    params = {
        **query.filter_params(),
        **window.wire_bounds(),
        "direction": "asc",
        "per_page": "1",
        "page": "1",
    }
    page = client.get_page(query.path, params, cacheable=window.cacheable)
    if not len(page):
        return None
    payload = page.payload
    assert isinstance(payload, Payload)  # this source's decoder made it
    when = None if payload.rows is None else payload.rows.first_when()
    return False if when is None else when
