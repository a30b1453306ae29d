"""Logpush files as a sync's producer: ``sync_archive(dest, source=<Logpush location>)``.

A Logpush job of the account-scoped ``audit_logs`` dataset (or ``audit_logs_v2``) holds
the same entries as the API for that account, so its rows go to the same stream
(``api=v1|v2/account=<account_id>``) a sync from the API fills: an id seen both ways is
stored once, and the two can be mixed, one after the other, in either order. The
stream's watermark after such a sync is the moment its files were listed (or ``before``):
an entry whose file Logpush writes later than ``overlap`` after that is missed, so a job
pushing with a long delay wants a longer ``overlap``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .._query import to_utc
from ..errors import ArchiveError, InvalidParameterError

__all__ = ["LOGPUSH_KEYWORDS", "logpush_api", "logpush_producer"]

#: What ``sync_archive`` passes on to :func:`auditkit.read_logpush` with ``source=``.
LOGPUSH_KEYWORDS = ("before", "margin", "skip_bad", "workers")

_APIS = {"audit_logs": "v1", "audit_logs_v2": "v2"}


def logpush_api(dataset: Any, api: str, account_id: Any, organization_id: Any) -> str:
    """The stream's API for a Logpush ``dataset``; bad combinations name their parameter."""
    if not isinstance(dataset, str) or dataset not in _APIS:
        raise InvalidParameterError(
            "dataset", f"must be 'audit_logs' or 'audit_logs_v2', got {dataset!r}"
        )
    wanted = _APIS[dataset]
    if api not in ("v1", wanted):  # v1 is the default: it yields to the dataset's API
        raise InvalidParameterError(
            "api", f"{dataset} holds {wanted} entries; leave api out or pass {wanted!r}"
        )
    if organization_id is not None:
        raise InvalidParameterError(
            "organization_id", "a Logpush audit-log job is per account: pass account_id"
        )
    if not isinstance(account_id, str) or not account_id or account_id == "*":
        raise InvalidParameterError(
            "account_id",
            "with source=, name the one account whose Logpush job wrote the files "
            "(its entries go to that account's stream)",
        )
    return wanted


def logpush_producer(
    source: str | os.PathLike[str],
    *,
    dataset: str,
    account_id: str,
    source_options: Mapping[str, Any] | None,
    progress: bool | None,
    options: Mapping[str, Any],
) -> Any:
    """``produce(since, accounts)`` reading the Logpush files at ``source`` from ``since``.

    ``options`` are :data:`LOGPUSH_KEYWORDS` as the caller gave them. The frame's
    ``attrs["upper_bound"]`` is ``before`` or, without one, the moment before listing.
    """
    from ..sources.logpush import read_logpush

    before = options.get("before")
    fixed = None if before is None else to_utc(before, "before")

    def produce(since: pd.Timestamp | None, accounts: Any) -> pd.DataFrame:
        upper = fixed if fixed is not None else pd.Timestamp.now(tz="UTC")
        frame = read_logpush(
            source,
            since=since,
            before=upper,
            dataset=dataset,
            storage_options=source_options,
            progress=progress,
            **{k: v for k, v in options.items() if k != "before"},
        )
        if "account_id" in frame.columns and len(frame):
            others = frame["account_id"].dropna().astype("string").unique().tolist()
            others = [a for a in others if a != account_id]
            if others:
                raise ArchiveError(
                    f"{frame.attrs.get('location')}: holds entries of account(s) "
                    f"{', '.join(sorted(others)[:3])}, not only {account_id}: a Logpush source "
                    "is synced into one account's stream"
                )
        frame.attrs["upper_bound"] = upper.isoformat()
        return frame

    return produce
