"""The public ``sync_archive``: check the arguments, then sync from the API's loader."""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping
from typing import Any, NamedTuple

import pandas as pd

from .._load import load_audit_logs
from .._progress import check_progress
from .._query import to_utc
from .._suggest import check_keywords
from ..errors import InvalidParameterError
from ..sources import get_source
from ..storage import open_location
from ._logpush import LOGPUSH_KEYWORDS, logpush_api, logpush_producer
from ._sync import (
    DEFAULT_OVERLAP,
    Producer,
    SyncResult,
    check_overlap,
    check_wait,
    print_result,
    recorded_filters,
    stream_of,
    sync_frames,
)

__all__ = ["sync_archive"]


def sync_archive(
    dest: str | os.PathLike[str],
    *,
    api: str = "v1",
    account_id: str | list[str] | None = None,
    organization_id: str | None = None,
    since: Any = None,
    storage_options: Mapping[str, Any] | None = None,
    overlap: Any = DEFAULT_OVERLAP,
    wait: float = 0.0,
    progress: bool | None = None,
    source: str | os.PathLike[str] | None = None,
    dataset: str = "audit_logs",
    source_options: Mapping[str, Any] | None = None,
    **load_args: Any,
) -> SyncResult:
    """Append to the Parquet archive at ``dest`` every entry it does not hold yet.

    Loads with :func:`auditkit.load_audit_logs` from each stream's watermark (the
    ``before`` of its last sync) minus ``overlap``, drops the ids already archived,
    and writes the rest as Parquet, one file per stream and UTC day
    (``api=<v1|v2>/account=<key>/day=<YYYY-MM-DD>/``), committed through the manifest
    ``_auditkit_archive.json``. Idempotent (an id is stored once per stream),
    crash-safe (a killed sync leaves a readable archive, and the next one completes
    it) and safe for two syncs at once (the second waits ``wait`` seconds, then raises
    :class:`~auditkit.errors.ArchiveBusyError`). Entries that age out of the API stay
    in the archive. See ``docs/archive.md``.

    Parameters
    ----------
    dest
        A folder or an fsspec URL (``s3://bucket/prefix``, ``gs://``, ``az://``; R2
        through its S3 endpoint in ``storage_options``).
    api, account_id, organization_id
        As for :func:`auditkit.load_audit_logs`; ``account_id`` may be a list or ``"*"``
        (each account is a stream of its own).
    since
        Where a new stream's history starts (default: all the API holds); a stream
        already archived starts at its watermark minus ``overlap``.
    storage_options
        For fsspec (``key``, ``secret``, ``client_kwargs``...). Never written anywhere.
    overlap
        How far before the watermark to load again, for entries Cloudflare writes late
        (default one hour; ``"6h"``, a ``timedelta``).
    wait
        Seconds to wait for another sync of a local archive to finish.
    progress
        ``None`` (auto), ``True`` or ``False``; also whether the summary is printed.
    source
        Read the entries from Logpush files there (a folder or an fsspec URL, as
        :func:`auditkit.read_logpush` takes it) instead of the API. ``account_id``
        must name the one account whose job wrote them: its rows go to that account's
        stream, the same one an unfiltered API sync of the account fills, so an id
        seen both ways is stored once. Takes ``before``, ``margin``, ``skip_bad`` and
        ``workers`` of :func:`auditkit.read_logpush`, and no filter.
    dataset
        With ``source``: ``"audit_logs"`` (v1 entries) or ``"audit_logs_v2"`` (v2).
    source_options
        With ``source``: fsspec options for the Logpush location (``storage_options``
        are the archive's own). Never written anywhere.
    **load_args
        Every other keyword of :func:`auditkit.load_audit_logs`: filters (recorded per
        stream: a later sync with other filters raises ``InvalidParameterError``),
        ``before``, ``token``, ``base_url``, ``cache``, ``workers``...

    Returns
    -------
    SyncResult
        ``rows``, ``days``, ``bytes``, ``files`` added, ``streams``, ``watermark``.

    Raises
    ------
    InvalidParameterError
        A bad argument (before any request), or filters other than the stream's.
    ArchiveBusyError
        Another sync holds the archive, or committed meanwhile.
    ArchiveError, StorageError
        The archive is damaged or foreign, or the storage failed.
    AuditKitError
        Whatever :func:`auditkit.load_audit_logs` raises.

    Examples
    --------
    >>> import tempfile
    >>> from auditkit import sandbox
    >>> dest = tempfile.mkdtemp()
    >>> with sandbox.start(anchor="2026-11-01") as sb:
    ...     first = sync_archive(dest, base_url=sb.base_url, token=sb.token,
    ...                          cache=False, progress=False)
    ...     again = sync_archive(dest, base_url=sb.base_url, token=sb.token,
    ...                          cache=False, progress=False)
    >>> first.rows, again.rows
    (3853, 0)
    """
    since_ts = None if since is None else to_utc(since, "since")
    overlap_td = check_overlap(overlap)
    wait_s = check_wait(wait)
    check_progress(progress)
    if source is not None:
        plan = _logpush_plan(
            source,
            dataset,
            account_id,
            organization_id,
            api,
            since,
            source_options,
            progress,
            load_args,
        )
    else:
        if source_options is not None or dataset != "audit_logs":
            name = "source_options" if source_options is not None else "dataset"
            raise InvalidParameterError(name, "is for a Logpush source: pass source= too")
        plan = _api_plan(api, account_id, organization_id, since, progress, load_args)
    loc = open_location(dest, storage_options, param="dest")
    result = sync_frames(
        loc,
        plan.api,
        plan.scope,
        plan.filters,
        plan.produce,
        single=plan.single,
        since=since_ts,
        overlap=overlap_td,
        wait=wait_s,
        progress=progress,
    )
    print_result(result, loc, progress)
    return result


class _Plan(NamedTuple):
    """What a sync reads: the stream's API, the producer's scope, the one stream's key
    (``None``: several accounts), the filters recorded, and the producer."""

    api: str
    scope: str | list[str] | None
    single: str | None
    filters: dict[str, Any]
    produce: Producer


def _api_plan(
    api: str,
    account_id: Any,
    organization_id: Any,
    since: Any,
    progress: bool | None,
    load_args: dict[str, Any],
) -> _Plan:
    """A sync from the API: :func:`auditkit.load_audit_logs` is the producer."""
    taken = inspect.signature(load_audit_logs).parameters
    check_keywords({k: v for k, v in load_args.items() if k not in taken}, sync_archive)
    for name in ("direction", "id"):
        if name in load_args:
            raise InvalidParameterError(name, "is not a keyword of sync_archive (a sync keeps all)")
    name = get_source(api).name
    filters = recorded_filters(
        name,
        {**load_args, "since": since, "account_id": account_id, "organization_id": organization_id},
    )
    scope, single = stream_of(name, account_id, organization_id)

    def produce(start: pd.Timestamp | None, accounts: str | list[str] | None) -> pd.DataFrame:
        return load_audit_logs(
            api=name,
            since=start,
            account_id=accounts,
            organization_id=organization_id,
            progress=progress,
            **load_args,
        )

    return _Plan(name, scope, single, filters, produce)


def _logpush_plan(
    source: str | os.PathLike[str],
    dataset: Any,
    account_id: Any,
    organization_id: Any,
    api: str,
    since: Any,
    source_options: Mapping[str, Any] | None,
    progress: bool | None,
    options: dict[str, Any],
) -> _Plan:
    """``sync_archive(dest, source=...)``: the Logpush reader is the producer."""
    stream_api = logpush_api(dataset, api, account_id, organization_id)
    extra = {k: v for k, v in options.items() if k not in LOGPUSH_KEYWORDS}
    check_keywords(
        {k: v for k, v in extra.items() if k not in inspect.signature(load_audit_logs).parameters},
        sync_archive,
    )
    if extra:
        raise InvalidParameterError(
            next(iter(extra)),
            "is not taken with source= (Logpush files are synced whole: no filter, no token)",
        )
    if options.get("before") is not None:
        to_utc(options["before"], "before")
    filters = recorded_filters(stream_api, {"since": since, "account_id": account_id})
    if source_options is not None and not isinstance(source_options, Mapping):
        raise InvalidParameterError(
            "source_options", f"expected a mapping, got {type(source_options).__name__}"
        )
    produce = logpush_producer(
        source,
        dataset=dataset,
        account_id=account_id,
        source_options=source_options,
        progress=progress,
        options={k: v for k, v in options.items() if k in LOGPUSH_KEYWORDS},
    )
    return _Plan(stream_api, account_id, account_id, filters, produce)
