"""A local Cloudflare audit-log API for tests, demos and offline work.

This machine (and CI) cannot reach Cloudflare, so auditkit ships a *sandbox*: a real
HTTP server on loopback implementing ``GET /user/audit_logs`` and
``GET /accounts/{account_id}/audit_logs`` as Cloudflare does (query parameters, paging,
envelopes, error codes, auth headers, CSV export), serving a deterministic synthetic
account (:func:`generate_records`) or records you pass in, with fault knobs
(:class:`SandboxFaults`) for rate limits, 5xx, dropped connections, truncated bodies,
``success: false``, latency and entries written during a load.

The official ``cloudflare`` SDK works against it unchanged::

    import cloudflare
    client = cloudflare.Cloudflare(api_token=sb.token, base_url=sb.base_url)
    for entry in client.user.audit_logs.list(per_page=50):
        ...

The documented behaviour lives beside the code that implements it, in private modules:

- request semantics, with no socket: :mod:`auditkit.sandbox._semantics` (routing, the
  order of the steps, account scope), :mod:`auditkit.sandbox._auth` (auth headers and
  their errors), :mod:`auditkit.sandbox._envelope` (envelopes, error codes) and
  :mod:`auditkit.sandbox._v1` (Audit Logs v1: filters, ``hide_user_logs``, paging, CSV
  columns);
- :mod:`auditkit.sandbox._faults`: the fault knobs and what they do to a response;
- :mod:`auditkit.sandbox._server`: the socket server, :class:`Sandbox`, :func:`start` and
  the request log;
- :mod:`auditkit.sandbox._data`: the synthetic account (:func:`generate_records`), built
  from :mod:`~auditkit.sandbox._catalog`, :mod:`~auditkit.sandbox._people`,
  :mod:`~auditkit.sandbox._events`, :mod:`~auditkit.sandbox._routine` and
  :mod:`~auditkit.sandbox._story`.

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
"""

from auditkit.sandbox._auth import DEFAULT_API_KEY, DEFAULT_EMAIL, DEFAULT_TOKEN
from auditkit.sandbox._data import generate_records
from auditkit.sandbox._faults import SandboxFaults
from auditkit.sandbox._server import RequestLog, Sandbox, start
from auditkit.sandbox._v1 import CSV_COLUMNS

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_API_KEY",
    "DEFAULT_EMAIL",
    "DEFAULT_TOKEN",
    "RequestLog",
    "Sandbox",
    "SandboxFaults",
    "generate_records",
    "start",
]
