"""A local Cloudflare audit-log API for tests, demos and offline work.

This machine (and CI) cannot reach Cloudflare, so auditkit ships a *sandbox*: a real
HTTP server on loopback implementing, as Cloudflare does (query parameters, paging,
envelopes, error codes, auth headers):

- Audit Logs v1: ``GET /user/audit_logs`` and ``GET /accounts/{account_id}/audit_logs``
  (page numbers, CSV export);
- Audit Logs v2: ``GET /accounts/{account_id}/logs/audit`` and ``GET
  /organizations/{organization_id}/logs/audit`` (``since``/``before`` required, array
  filters with ``.not``, cursors), and ``.../logs/audit/product_categories``;
- ``GET /accounts`` (the accounts the credential can read, page numbers);

serving deterministic synthetic accounts (:func:`generate_records`, and the same story
in v2's shape, :func:`generate_v2_records`; ``start(accounts=N)`` for several) or
records you pass in, with fault knobs (:class:`SandboxFaults`) for rate limits, 5xx,
dropped connections, truncated bodies, ``success: false``, repeated cursors, latency
and entries written during a load.

The official ``cloudflare`` SDK works against it unchanged::

    import cloudflare
    client = cloudflare.Cloudflare(api_token=sb.token, base_url=sb.base_url)
    for entry in client.user.audit_logs.list(per_page=50):
        ...
    for entry in client.accounts.logs.audit.list(
        account_id=sb.account_id, since="2026-09-01", before="2026-10-01"
    ):
        ...

The documented behaviour lives beside the code that implements it, in private modules:

- request semantics, with no socket: :mod:`auditkit.sandbox._semantics` (routing, the
  order of the steps, account scope), :mod:`auditkit.sandbox._auth` (auth headers and
  their errors), :mod:`auditkit.sandbox._envelope` (envelopes, error codes),
  :mod:`auditkit.sandbox._v1` (Audit Logs v1: filters, ``hide_user_logs``, paging, CSV
  columns), :mod:`auditkit.sandbox._v2` (Audit Logs v2: required times, array filters,
  cursor paging; cursors in :mod:`~auditkit.sandbox._cursor`) and
  :mod:`auditkit.sandbox._accountlist` (``GET /accounts``);
- :mod:`auditkit.sandbox._faults`: the fault knobs and what they do to a response;
- :mod:`auditkit.sandbox._server`: :class:`Sandbox` and :func:`start`; the socket
  server and the request log in :mod:`~auditkit.sandbox._handler`;
- the data: :mod:`auditkit.sandbox._data` (the synthetic account,
  :func:`generate_records`, built from :mod:`~auditkit.sandbox._catalog`,
  :mod:`~auditkit.sandbox._people`, :mod:`~auditkit.sandbox._events`,
  :mod:`~auditkit.sandbox._routine` and :mod:`~auditkit.sandbox._story`),
  :mod:`auditkit.sandbox._accounts` (several accounts, the organization),
  :mod:`auditkit.sandbox._v2shape` (a v1 record read as v2, by the table of
  :mod:`~auditkit.sandbox._v2actions`),
  :mod:`auditkit.sandbox._v2data` (:func:`generate_v2_records`) and
  :mod:`auditkit.sandbox._world` (what one sandbox serves, assembled); the stores
  :mod:`~auditkit.sandbox._store` and :mod:`~auditkit.sandbox._v2store`.

Examples
--------
>>> import requests
>>> from auditkit import sandbox
>>> with sandbox.start(anchor="2026-10-01") as sb:
...     r = requests.get(sb.base_url + "/user/audit_logs",
...                      headers={"Authorization": "Bearer " + sb.token},
...                      params={"action.type": "login", "per_page": 1})
...     r.json()["result"][0]["action"]["type"]
'login'
>>> with sandbox.start(anchor="2026-10-01") as sb:
...     r = requests.get(f"{sb.base_url}/accounts/{sb.account_id}/logs/audit",
...                      headers={"Authorization": "Bearer " + sb.token},
...                      params={"since": "2026-09-01", "before": "2026-10-01",
...                              "action_type": "delete", "zone_name": ["example.com"],
...                              "limit": 2})
...     body = r.json()
...     [rec["action"]["description"] for rec in body["result"]], body["result_info"]["count"]
(['Delete DNS record', 'Delete DNS record'], '2')
"""

from auditkit.sandbox._auth import DEFAULT_API_KEY, DEFAULT_EMAIL, DEFAULT_TOKEN
from auditkit.sandbox._data import generate_records
from auditkit.sandbox._faults import SandboxFaults
from auditkit.sandbox._logpush import write_logpush
from auditkit.sandbox._server import RequestLog, Sandbox, start
from auditkit.sandbox._v1 import CSV_COLUMNS
from auditkit.sandbox._v2 import PRODUCT_CATEGORIES
from auditkit.sandbox._v2actions import V2_ACTIONS, V2Action
from auditkit.sandbox._v2data import generate_v2_records
from auditkit.sandbox._v2shape import v2_records_from_v1

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_API_KEY",
    "DEFAULT_EMAIL",
    "DEFAULT_TOKEN",
    "PRODUCT_CATEGORIES",
    "V2_ACTIONS",
    "RequestLog",
    "Sandbox",
    "SandboxFaults",
    "V2Action",
    "generate_records",
    "generate_v2_records",
    "start",
    "v2_records_from_v1",
    "write_logpush",
]
