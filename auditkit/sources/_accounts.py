"""The accounts a credential can list: ``GET /accounts``, paged, for ``account_id="*"``.

Cloudflare's v4 list: ``page`` and ``per_page`` (at most 50), ``result_info``
with ``page``, ``per_page``, ``count``, ``total_count`` and ``total_pages``.
The walk stops at a page shorter than asked, or at ``total_pages``; a page of
only ids already seen is an :class:`~auditkit.errors.IncompleteLoadError`, never a
loop, and so are more than :data:`MAX_ACCOUNT_PAGES` pages.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ..errors import IncompleteLoadError
from ..http import ApiClient
from ..http._body import decode_loose, valid_utf8
from ..http._envelope import envelope_errors, envelope_info

__all__ = ["MAX_ACCOUNT_PAGES", "AccountsPage", "decode_accounts", "list_accounts"]

#: Accounts asked for per page (Cloudflare's maximum for ``GET /accounts``).
PER_PAGE = 50
#: Hard ceiling on pages of accounts (50,000 accounts).
MAX_ACCOUNT_PAGES = 1000


class AccountsPage:
    """A decoded page of ``GET /accounts``: an :class:`~auditkit.http.Envelope` of account ids."""

    __slots__ = ("errors", "ids", "is_object", "result_info", "success")

    def __init__(self, data: Any) -> None:
        self.is_object = isinstance(data, dict)
        body: dict[str, Any] = data if isinstance(data, dict) else {}
        errors = body.get("errors")
        self.success = body.get("success")
        self.errors: list[dict[str, Any]] = envelope_errors(errors)
        info = body.get("result_info")
        self.result_info: dict[str, Any] = envelope_info(info)
        result = body.get("result")
        self.ids: list[Any] | None = (
            [r.get("id") if isinstance(r, dict) else None for r in result]
            if isinstance(result, list)
            else ([] if result is None else None)
        )

    def __len__(self) -> int:
        return len(self.ids) if self.ids is not None else 0

    def prepare(self) -> None:
        """Nothing to type: the ids are all a listing needs."""


def decode_accounts(body: bytes) -> AccountsPage:
    """One ``GET /accounts`` body to its page (never raises).

    Examples
    --------
    >>> decode_accounts(b'{"success":true,"result":[{"id":"a1"},{"id":"a2"}]}').ids
    ['a1', 'a2']
    >>> decode_accounts(b"oops").is_object
    False
    """
    try:
        return AccountsPage(decode_loose(valid_utf8(body)))
    except msgspec.DecodeError:
        return AccountsPage(None)


def list_accounts(client: ApiClient) -> list[str]:
    """Every account id ``GET /accounts`` lists for the client's credential, in order.

    ``client`` must decode with :func:`decode_accounts`.
    """
    ids: list[str] = []
    seen: set[str] = set()
    for number in range(1, MAX_ACCOUNT_PAGES + 1):
        params = {"page": str(number), "per_page": str(PER_PAGE)}
        page = client.get_page("/accounts", params, cacheable=False)
        got = [i for i in page.ids if isinstance(i, str) and i]
        if got and set(got) <= seen:
            raise IncompleteLoadError(
                f"page {number} of /accounts repeated accounts already listed; the server is "
                "not paging (refusing to loop)"
            )
        ids += [i for i in got if i not in seen]
        seen |= set(got)
        pages = page.result_info.get("total_pages")
        last = isinstance(pages, int) and not isinstance(pages, bool) and number >= pages
        if len(page) < PER_PAGE or last:
            return ids
    raise IncompleteLoadError(f"more than {MAX_ACCOUNT_PAGES} pages of accounts")
