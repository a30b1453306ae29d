"""Sources of audit-log entries, each a folder behind one seam (:mod:`._seam`).

- :mod:`.v1`: Cloudflare's Audit Logs v1, ``GET /user/audit_logs`` and
  ``GET /accounts/{account_id}/audit_logs`` (page numbers).

A new source (Audit Logs v2, Logpush files, the Parquet archive) is a new
folder here that provides a :class:`Source`; the loader, the transport, the
store and the frame need no edit.
"""

from ._seam import Query, Source

__all__ = ["Query", "Source"]
