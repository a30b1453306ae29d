"""The transport: requests to Cloudflare's API, and nothing of audit logs.

One job, in layers: the credential and its headers (:mod:`._credentials`), where
requests may go (:mod:`._urls`), bytes on the wire within a deadline and a size
cap (:mod:`._transport`), JSON body hygiene (:mod:`._body`), the v4 envelope as a
source's decoder gives it (:mod:`._envelope`), retries (:mod:`._retry`), the
process-wide rate budget (:mod:`._ratelimit`), and the client that puts them
together (:mod:`._client`). A source (:mod:`auditkit.sources`) pages with
:class:`ApiClient` and decodes its own records.

Public through :mod:`auditkit`: :class:`RetryPolicy` and :func:`set_rate_budget`.
"""

from ._client import ApiClient, ClientStats, Page, Params
from ._credentials import Credentials, resolve_credentials
from ._envelope import Decode, Envelope, count_entries, decoded
from ._ratelimit import RateBudget, get_rate_budget, set_rate_budget
from ._retry import RetryPolicy
from ._urls import DEFAULT_BASE_URL, is_loopback_host, resolve_base_url

__all__ = [
    "DEFAULT_BASE_URL",
    "ApiClient",
    "ClientStats",
    "Credentials",
    "Decode",
    "Envelope",
    "Page",
    "Params",
    "RateBudget",
    "RetryPolicy",
    "count_entries",
    "decoded",
    "get_rate_budget",
    "is_loopback_host",
    "resolve_base_url",
    "resolve_credentials",
    "set_rate_budget",
]
