"""Sources of audit-log entries, each a folder behind one seam (:mod:`._seam`).

- :mod:`.v1`: Cloudflare's Audit Logs v1, ``GET /user/audit_logs`` and
  ``GET /accounts/{account_id}/audit_logs`` (page numbers).

A new source (Audit Logs v2, Logpush files, the Parquet archive) is a new
folder here that provides a :class:`Source`; the loader, the transport, the
store and the frame need no edit.
"""

import importlib
from typing import Any

from ..errors import InvalidParameterError
from ._seam import Query, Source

__all__ = ["APIS", "Query", "Source", "get_source"]

#: The APIs a load can read, and the package of each one's source (imported when first used).
APIS: dict[str, str] = {"v1": "auditkit.sources.v1", "v2": "auditkit.sources.v2"}


def get_source(api: Any) -> Source[Any]:
    """The source of ``api`` (``"v1"`` or ``"v2"``).

    Examples
    --------
    >>> get_source("v1").name
    'v1'
    >>> get_source("v3")
    Traceback (most recent call last):
    ...
    auditkit.errors.InvalidParameterError: api: must be 'v1' or 'v2', got 'v3'
    """
    if not isinstance(api, str) or api not in APIS:
        raise InvalidParameterError("api", f"must be 'v1' or 'v2', got {api!r}")
    source: Source[Any] = importlib.import_module(APIS[api]).SOURCE
    return source
