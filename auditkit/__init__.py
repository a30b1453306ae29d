"""auditkit: Cloudflare audit logs as one cached, typed pandas DataFrame.

>>> import auditkit
>>> df = auditkit.load_audit_logs(since="2026-10-01")        # doctest: +SKIP
>>> df.audit.activity_by_actor()                              # doctest: +SKIP

Without a Cloudflare token, try everything against the bundled sandbox::

    with auditkit.sandbox.start() as sb:
        df = auditkit.load_audit_logs(base_url=sb.base_url, token=sb.token)

The public surface is what ``__all__`` lists; submodules not named there are
private. matplotlib and ipywidgets are imported only when a plot or the panel
is used, so ``import auditkit`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .cache import cache_info, clear_cache
from .client import RetryPolicy
from .errors import (
    APIError,
    AuditKitError,
    AuthenticationError,
    IncompleteLoadError,
    InvalidParameterError,
    MissingCredentialsError,
    OfflineCacheMissError,
    RateLimitError,
    TransportError,
)
from .loader import export_audit_logs, load_audit_logs
from .schema import COLUMNS, empty_frame, records_to_frame

if TYPE_CHECKING:
    from . import sandbox

__version__ = "0.1.0"

__all__ = [
    "COLUMNS",
    "APIError",
    "AuditKitError",
    "AuthenticationError",
    "IncompleteLoadError",
    "InvalidParameterError",
    "MissingCredentialsError",
    "OfflineCacheMissError",
    "RateLimitError",
    "RetryPolicy",
    "TransportError",
    "__version__",
    "cache_info",
    "clear_cache",
    "empty_frame",
    "export_audit_logs",
    "load_audit_logs",
    "records_to_frame",
    "sandbox",
]

_LAZY_MODULES = {"sandbox"}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'auditkit' has no attribute {name!r}")
