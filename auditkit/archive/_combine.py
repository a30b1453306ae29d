"""Archive and API in one frame: the past from the archive, what is newer from the API.

:func:`load_with_archive` is what ``load_audit_logs(..., archive=src)`` calls: the
archive answers for everything up to its watermark (the ``before`` of its last sync),
the API for the rest (from the watermark minus ``overlap``, so entries Cloudflare
wrote late are caught), and the two are one deduplicated typed frame
(:func:`auditkit.concat`, then one row per id and account, ordered as a load).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import pandas as pd

from .._load import load_audit_logs
from .._query import to_utc
from ..errors import InvalidParameterError
from ..frame._concat import concat
from ..storage import open_location
from ._commit import read_state
from ._manifest import Manifest
from ._read import read_opened, stream_accounts
from ._sync import DEFAULT_OVERLAP, _flat, check_overlap, differing_filter, recorded_filters

__all__ = ["load_with_archive"]

_READ_KEYS = ("since", "before", "direction", "exclude")


def load_with_archive(
    src: str | os.PathLike[str],
    *,
    storage_options: Mapping[str, Any] | None = None,
    overlap: Any = DEFAULT_OVERLAP,
    **load_args: Any,
) -> pd.DataFrame:
    """:func:`auditkit.load_audit_logs` with ``load_args``, the past read from an archive.

    Parameters
    ----------
    src, storage_options
        The archive (a folder or fsspec URL) and its fsspec options.
    overlap
        How far before the archive's watermark the API is asked again (default one hour).
    **load_args
        Every keyword of :func:`auditkit.load_audit_logs` (``api``, ``account_id``,
        filters, ``since``, ``before``, ``direction``, ``token``...).

    Returns
    -------
    pandas.DataFrame
        The frame :func:`auditkit.load_audit_logs` would return, had the API kept every
        archived entry: archived rows with ``when`` before the watermark, the API's
        after, one row per id (and account), ordered by ``direction``. ``attrs`` are
        the API load's, plus ``archive`` (the URL), ``archive_rows`` and
        ``archive_upper_bound``. When the range ends before the watermark minus
        ``overlap``, no request is sent and ``attrs`` are the archive read's.

    Raises
    ------
    InvalidParameterError
        A bad argument, or the archive's streams were synced with filters that would
        miss rows this load asks for (synced with ``zone_name="a.com"``, loaded without
        it): naming the filter.
    ArchiveError, StorageError, AuditKitError
        As :func:`read_archive` and :func:`auditkit.load_audit_logs`.
    """
    api = load_args.get("api", "v1")
    account_id = load_args.get("account_id")
    organization_id = load_args.get("organization_id")
    wanted = recorded_filters(api, load_args)
    overlap_td = check_overlap(overlap)
    filters = {k: v for k, v in load_args.items() if _readable(k)}
    read_account = "user" if api == "v1" and account_id is None else account_id
    loc = open_location(src, storage_options, param="src")
    manifest, raw = read_state(loc)  # once: for the coverage check, then for the read
    accounts, _ = stream_accounts(manifest, api, read_account, organization_id)
    _check_coverage(manifest, api, wanted, accounts)  # before reading any file
    archived = read_opened(loc, manifest, raw, api, read_account, organization_id, filters)
    mark = archived.attrs.get("upper_bound")
    if mark is None:
        return load_audit_logs(**load_args)
    start = to_utc(mark, "archive") - overlap_td
    since = load_args.get("since")
    before = load_args.get("before")
    if before is not None and to_utc(before, "before") <= start:
        return archived
    if since is not None:
        start = max(start, to_utc(since, "since"))
    live = load_audit_logs(**{**load_args, "since": start})
    both = concat([archived, live])
    key = ["account_id", "id"] if "accounts" in live.attrs else ["id"]
    both = both.drop_duplicates(subset=key, keep="first")
    ascending = str(load_args.get("direction", "desc")).lower() == "asc"
    both = both.sort_values(
        ["when", "id"], ascending=ascending, na_position="last", kind="stable"
    ).reset_index(drop=True)
    both.attrs = {
        **live.attrs,
        "archive": archived.attrs.get("archive"),
        "archive_rows": len(archived),
        "archive_upper_bound": mark,
    }
    return both


def _readable(name: str) -> bool:
    from .._query import FILTER_NAMES

    return name in _READ_KEYS or (
        name in FILTER_NAMES and name not in ("account_id", "organization_id", "hide_user_logs")
    )


def _check_coverage(
    manifest: Manifest, api: str, wanted: dict[str, Any], accounts: list[str]
) -> None:
    """The streams read must be synced without filters, or with exactly these."""
    want = _flat(wanted)
    for stream in manifest.streams.values():
        if stream.api != api or stream.account not in accounts:
            continue
        have = _flat(stream.filters)
        name = differing_filter(have, want) if have else None
        if name is not None:
            raise InvalidParameterError(
                name,
                f"the archive's stream {api}/{stream.account} holds only {name}="
                f"{have.get(name)!r}: it cannot answer a load with {name}={want.get(name)!r}",
            )
