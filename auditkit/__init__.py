"""auditkit: Cloudflare audit logs as one cached, typed pandas DataFrame.

>>> import auditkit
>>> df = auditkit.load_audit_logs(since="2026-10-01")        # doctest: +SKIP
>>> df.audit.activity_by_actor()                              # doctest: +SKIP

Without a Cloudflare token, try everything against the bundled sandbox::

    with auditkit.sandbox.start() as sb:
        df = auditkit.load_audit_logs(base_url=sb.base_url, token=sb.token)

The public surface is what ``__all__`` lists, plus the documented subpackages
:mod:`auditkit.frame`, :mod:`auditkit.analysis`, :mod:`auditkit.plotting`,
:mod:`auditkit.panel`, :mod:`auditkit.sandbox`, :mod:`auditkit.archive` and
:mod:`auditkit.errors`.
``auditkit.http``, ``auditkit.store``, ``auditkit.storage`` and ``auditkit.sources`` are the layers'
packages (see ``docs/architecture.md``); modules named ``_x`` are private.
matplotlib and ipywidgets are imported only when a plot or the panel is used,
and the archive and Logpush readers (with fsspec) when first called, so
``import auditkit`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _accessor  # noqa: F401  (registers the df.audit accessor)
from ._export import export_audit_logs
from ._load import load_audit_logs
from .analysis import (
    DEFAULT_RULES,
    BurstRule,
    RiskRule,
    SettingRule,
    action_in,
    action_matches,
    activity_by_actor,
    activity_heatmap,
    activity_over_time,
    change_timeline,
    new_ips,
    risky_changes,
    rules_table,
)
from .errors import (
    APIError,
    ArchiveBusyError,
    ArchiveError,
    AuditKitError,
    AuthenticationError,
    CacheError,
    IncompleteLoadError,
    InvalidParameterError,
    LogpushFileError,
    MissingCredentialsError,
    OfflineCacheMissError,
    RateLimitError,
    StorageError,
    TransportError,
)
from .frame._concat import concat
from .frame._records import empty_frame, records_to_frame
from .frame._schema import COLUMNS
from .http import RetryPolicy, set_rate_budget
from .plotting import plot_activity, plot_activity_heatmap, plot_actor_summary, plot_change_timeline
from .store import cache_info, clear_cache

if TYPE_CHECKING:
    from . import archive, sandbox
    from .archive import read_archive, sync_archive
    from .panel import FilterPanel
    from .sources.logpush import read_logpush

__version__ = "0.1.0"

__all__ = [
    "COLUMNS",
    "DEFAULT_RULES",
    "APIError",
    "ArchiveBusyError",
    "ArchiveError",
    "AuditKitError",
    "AuthenticationError",
    "BurstRule",
    "CacheError",
    "FilterPanel",
    "IncompleteLoadError",
    "InvalidParameterError",
    "LogpushFileError",
    "MissingCredentialsError",
    "OfflineCacheMissError",
    "RateLimitError",
    "RetryPolicy",
    "RiskRule",
    "SettingRule",
    "StorageError",
    "TransportError",
    "__version__",
    "action_in",
    "action_matches",
    "activity_by_actor",
    "activity_heatmap",
    "activity_over_time",
    "archive",
    "cache_info",
    "change_timeline",
    "clear_cache",
    "concat",
    "empty_frame",
    "export_audit_logs",
    "load_audit_logs",
    "new_ips",
    "plot_activity",
    "plot_activity_heatmap",
    "plot_actor_summary",
    "plot_change_timeline",
    "read_archive",
    "read_logpush",
    "records_to_frame",
    "risky_changes",
    "rules_table",
    "sandbox",
    "set_rate_budget",
    "sync_archive",
]

_LAZY_MODULES = {"sandbox", "archive"}
# Imported on first use, so `import auditkit` stays fast: name -> (module, attribute).
_LAZY = {
    "FilterPanel": (".panel", "FilterPanel"),  # ipywidgets only when the panel is used
    "read_archive": (".archive", "read_archive"),
    "sync_archive": (".archive", "sync_archive"),
    "read_logpush": (".sources.logpush", "read_logpush"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module, __name__), attribute)
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'auditkit' has no attribute {name!r}")
