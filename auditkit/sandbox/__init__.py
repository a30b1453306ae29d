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

See :mod:`auditkit.sandbox.server` for the documented behaviour (auth, filters,
``hide_user_logs``, account scope, CSV columns) and :mod:`auditkit.sandbox.data` for
the synthetic account.

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

from auditkit.sandbox.data import generate_records
from auditkit.sandbox.server import (
    CSV_COLUMNS,
    DEFAULT_API_KEY,
    DEFAULT_EMAIL,
    DEFAULT_TOKEN,
    RequestLog,
    Sandbox,
    SandboxFaults,
    start,
)

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
