"""``sync_archive``: append what the archive does not hold yet, committed safely.

The frames come from a *producer*, ``produce(since, accounts) -> DataFrame``: for the
API it is :func:`auditkit.load_audit_logs` (its windows and cache do the loading);
a Logpush reader plugs in the same way (:func:`sync_frames`). A produced frame says
in ``attrs["upper_bound"]`` up to when it is complete (the new watermark) and, for
several accounts, in ``attrs["accounts"]`` which ones it read.
"""

from __future__ import annotations

import itertools
import secrets
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .._progress import Progress
from .._query import MAX_PER_PAGE, filter_values, to_utc
from .._suggest import plural
from ..errors import ArchiveError, InvalidParameterError
from ..frame._parquet import write_parquet
from ..sources import get_source
from ..storage import Location
from . import _commit, _lock
from ._layout import NO_DAY, USER, file_path, stream_folder, stream_id, stream_key
from ._manifest import FileEntry, Manifest, Stream

__all__ = ["DEFAULT_OVERLAP", "Producer", "SyncResult", "check_wait", "sync_frames"]

#: How far before the last watermark a sync loads again: Cloudflare may write entries late.
DEFAULT_OVERLAP = pd.Timedelta(hours=1)

#: ``produce(since, accounts)``: accounts is None (one scope), a list of ids, or ``"*"``.
Producer = Callable[[pd.Timestamp | None, "str | list[str] | None"], pd.DataFrame]

# Keywords of the load that are not filters a stream is synced with.
_NOT_RECORDED = ("since", "before", "direction", "per_page", "account_id", "organization_id", "api")


@dataclass(frozen=True)
class SyncResult:
    """What one sync added.

    Attributes
    ----------
    rows, days, bytes, files
        New rows, distinct UTC days they fall on, bytes of Parquet written, files written.
    streams
        Per stream (``"v2/<account>"``), the rows added.
    watermark
        The ``before`` this sync reached (ISO 8601), the next sync's starting point.
    """

    rows: int
    days: int
    bytes: int
    files: int
    streams: dict[str, int] = field(default_factory=dict)
    watermark: str | None = None

    def __str__(self) -> str:
        return (
            f"archived {plural(self.rows, 'new entry', 'new entries')} on "
            f"{plural(self.days, 'day')} ({plural(self.files, 'file')}, {self.bytes:,} bytes)"
        )


def check_overlap(value: Any) -> pd.Timedelta:
    """``overlap`` as a non-negative ``Timedelta`` (``"1h"``, ``timedelta``, ``Timedelta``)."""
    try:
        if isinstance(value, bool) or not isinstance(value, str | timedelta | pd.Timedelta):
            raise ValueError
        out = pd.Timedelta(value)
    except ValueError:
        raise InvalidParameterError(
            "overlap", f"must be a duration ('1h', datetime.timedelta), got {value!r}"
        ) from None
    if out is pd.NaT or out < pd.Timedelta(0):
        raise InvalidParameterError("overlap", f"must not be negative, got {value!r}")
    return out


def check_wait(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e6:
        raise InvalidParameterError("wait", f"must be seconds (a number >= 0), got {value!r}")
    return float(value)


def recorded_filters(api: str, load_args: Mapping[str, Any]) -> dict[str, Any]:
    """The filters a stream is synced with, validated and normalised (as JSON values)."""
    source = get_source(api)
    values = {**filter_values(load_args), "exclude": load_args.get("exclude")}
    if isinstance(values.get("account_id"), list | tuple) or values.get("account_id") == "*":
        values["account_id"] = "any"
    query = source.build_query(values, load_args.get("per_page", MAX_PER_PAGE))
    described = query.describe()
    return {k: v for k, v in described.items() if k not in _NOT_RECORDED}


def sync_frames(
    loc: Location,
    api: str,
    scope: str | list[str] | None,
    filters: dict[str, Any],
    produce: Producer,
    *,
    single: str | None,
    since: pd.Timestamp | None,
    overlap: pd.Timedelta,
    wait: float,
    progress: bool | None,
) -> SyncResult:
    """The sync itself, for any producer. ``single`` is the one stream's account key, or
    ``None`` when ``scope`` is several accounts (a list, or ``"*"``) split by ``account_id``."""
    with _lock.hold(loc, wait):
        manifest, raw = _commit.read_state(loc)
        if single is not None:
            known = [single]
        elif scope == "*":
            known = [
                s.account
                for s in manifest.streams.values()
                if s.api == api and s.account != USER and not s.account.startswith("org-")
            ]
        else:
            known = list(scope or [])
        for account in known:
            _check_filters(manifest, api, account, filters)
        start = _start(manifest, api, known, since, overlap)
        with ThreadPoolExecutor(max_workers=1) as pool:
            # The archive's own reads (the recovery, the ids new rows may repeat) run
            # while the load waits on the API; both are done before anything is written.
            ready = pool.submit(_prepare, loc, manifest, api, known, start, scope, single)
            frames: list[tuple[pd.DataFrame, list[str] | None]] = [(produce(start, scope), None)]
            if scope == "*" and start != since:
                listed = list(frames[0][0].attrs.get("accounts", []))
                unseen = [a for a in listed if stream_id(api, a) not in manifest.streams]
                if unseen:  # accounts the archive has not seen: their whole history
                    frames.append((produce(since, unseen), unseen))
            held = ready.result()
        staged: list[FileEntry] = []
        streams = dict(manifest.streams)
        added: dict[str, int] = {}
        token = pd.Timestamp.now(tz="UTC").strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        jobs = []
        for frame, only in frames:
            upper = str(frame.attrs.get("upper_bound") or "") or None
            for account, rows in _split(frame, single, only):
                key = stream_id(api, account)
                fresh = _new_rows(loc, manifest, api, account, rows, held.get(account))
                jobs.append((account, fresh))
                streams[key] = Stream(
                    api, account, filters, upper, pd.Timestamp.now(tz="UTC").isoformat()
                )
                added[key] = added.get(key, 0) + len(fresh)
        schema_names = list(get_source(api).schema.names)
        days: set[tuple[str, str]] = set()
        parts = _days_of(jobs)
        with Progress(progress, total=len(parts), desc="archive") as bar:
            for n, (account, day, part) in enumerate(parts):
                part = part[[c for c in schema_names if c in part.columns]]
                stamps = part["when"].dropna()
                entry = _commit.stage(
                    loc,
                    file_path(api, account, day, f"{token}-{n}"),
                    _writer(part),
                    len(part),
                    stamps.min().isoformat() if len(stamps) else None,
                    stamps.max().isoformat() if len(stamps) else None,
                )
                staged.append(entry)
                days.add((account, day))
                bar.update(windows=1, entries=len(part))
        new = Manifest(
            files=[*manifest.files, *staged], streams=streams, generation=manifest.generation + 1
        )
        _commit.commit(loc, raw, new, staged)
    marks = [s.watermark for k, s in streams.items() if k in added and s.watermark]
    return SyncResult(
        rows=sum(added.values()),
        days=len({d for _, d in days}),
        bytes=sum(e.bytes for e in staged),
        files=len(staged),
        streams=added,
        watermark=min(marks) if marks else None,
    )


def _folders(api: str, scope: str | list[str] | None, single: str | None) -> list[str]:
    """The folders of the streams a sync of ``scope`` may write (``"*"``: the API's)."""
    if single is not None:
        return [stream_folder(api, single)]
    if isinstance(scope, list):
        return [stream_folder(api, a) for a in scope]
    return [f"api={api}"]


def _check_filters(manifest: Manifest, api: str, account: str, filters: dict[str, Any]) -> None:
    """Fail safe: a stream synced with other filters is not silently mixed."""
    stream = manifest.streams.get(stream_id(api, account))
    if stream is None:
        return
    old, now = _flat(stream.filters), _flat(filters)
    name = differing_filter(old, now)
    if name is None:  # the same filters, however written (a missing filter is None or absent)
        return
    raise InvalidParameterError(
        name,
        f"the archive's stream {api}/{account} was synced with {name}={old.get(name)!r}, "
        f"this sync gives {now.get(name)!r}: sync with the same filters, or into another "
        "dest",
    )


def differing_filter(old: Mapping[str, Any], now: Mapping[str, Any]) -> str | None:
    """The first name (sorted) whose value differs in two flat filter sets; ``None``: equal."""
    return next((k for k in sorted({*old, *now}) if old.get(k) != now.get(k)), None)


def _flat(filters: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in filters.items():
        if isinstance(v, Mapping):  # v2's {"filters": {...}, "exclude": {...}}
            prefix = "" if k == "filters" else f"{k}."
            out.update({f"{prefix}{n}": x for n, x in v.items()})
        elif v not in (None, False):
            out[k] = v
    return out


def _start(
    manifest: Manifest,
    api: str,
    accounts: Sequence[str],
    since: pd.Timestamp | None,
    overlap: pd.Timedelta,
) -> pd.Timestamp | None:
    """Where the load starts: the oldest watermark minus ``overlap`` (``since`` if new)."""
    marks = []
    for account in accounts:
        stream = manifest.streams.get(stream_id(api, account))
        if stream is None or stream.watermark is None:
            return since
        marks.append(to_utc(stream.watermark, "watermark") - overlap)
    if not marks:
        return since
    start = min(marks)
    return start if since is None else max(start, since)


def _split(
    frame: pd.DataFrame, single: str | None, only: list[str] | None
) -> list[tuple[str, pd.DataFrame]]:
    """The frame's rows per stream account key."""
    if single is not None:
        return [(single, frame)]
    accounts = list(frame.attrs.get("accounts") or [])
    if only is not None:
        accounts = [a for a in accounts if a in only]
    column = frame["account_id"].astype("string") if len(frame) else None
    out = []
    for account in accounts:
        rows = frame if column is None else frame[(column == account).fillna(False).to_numpy()]
        out.append((account, rows))
    return out


#: Per stream, the ids of its files whose newest ``when`` is at or after a bound (``None``:
#: every file), read ahead of the rows they are compared with.
Held = tuple[pd.Timestamp | None, list[pa.ChunkedArray]]


def _prepare(
    loc: Location,
    manifest: Manifest,
    api: str,
    known: list[str],
    start: pd.Timestamp | None,
    scope: str | list[str] | None,
    single: str | None,
) -> dict[str, Held]:
    """Recover a crashed sync, then read the ids the load's rows may repeat.

    A crashed sync's staged files are in the folders of the streams it wrote: the ones
    this sync writes (it syncs with the same filters from the same watermark). A load
    from ``start`` holds rows from ``start`` on: the files reaching it are read.
    """
    _commit.recover(loc, manifest, _folders(api, scope, single))
    if start is None:
        return {}
    return {account: (start, _held(loc, manifest, api, account, start)) for account in known}


def _held(
    loc: Location, manifest: Manifest, api: str, account: str, since: pd.Timestamp | None
) -> list[pa.ChunkedArray]:
    """The ids of the stream's files whose newest ``when`` is at or after ``since``."""
    held: list[pa.ChunkedArray] = []
    for entry in manifest.files_of(api, account):
        if (
            entry.max_when is not None
            and since is not None
            and pd.Timestamp(entry.max_when) < since
        ):
            continue
        held.append(_ids(loc, entry))
    return held


def _new_rows(
    loc: Location,
    manifest: Manifest,
    api: str,
    account: str,
    rows: pd.DataFrame,
    ahead: Held | None = None,
) -> pd.DataFrame:
    """``rows`` whose id the stream does not hold (ids are read from the files that could;
    ``ahead``: the ids read already from the files reaching a bound, if the rows start there)."""
    if not len(rows):
        return rows
    oldest = rows["when"].min()
    since = None if pd.isna(oldest) else oldest
    if ahead is not None and ahead[0] is not None and since is not None and since >= ahead[0]:
        held = ahead[1]  # these files and maybe a few more: their ids are the stream's too
    else:
        held = _held(loc, manifest, api, account, since)
    if not held:
        return rows
    known = pa.chunked_array([c for ids in held for c in ids.chunks], pa.string())
    ids = pa.array(rows["id"].array, pa.string())
    # A missing id is held by no file (pandas' isin): it is kept.
    kept = pc.invert(pc.is_in(ids, value_set=known.combine_chunks(), skip_nulls=True))
    return rows[kept.to_numpy(zero_copy_only=False)]


def _ids(loc: Location, entry: FileEntry) -> pa.ChunkedArray:
    from ._read import open_committed

    with open_committed(loc, entry) as handle:
        try:
            ids = pq.read_table(handle, columns=["id"]).column("id")
        except Exception as exc:
            raise ArchiveError(f"{loc.url}: {entry.path} is not readable Parquet ({exc})") from None
    return ids.cast(pa.string())


def _days_of(jobs: list[tuple[str, pd.DataFrame]]) -> list[tuple[str, str, pd.DataFrame]]:
    """Each stream's rows per UTC day, newest first (``when``, then ``id``, descending)."""
    out = []
    for account, rows in jobs:
        if not len(rows):
            continue
        rows = rows.copy(deep=False)
        rows.attrs = {}  # pandas deep-copies attrs on every operation
        # Newest first, as a default (desc) load orders them: a read in that order
        # needs no sort and no copy of the rows. Missing ``when`` (then ``id``) last.
        keys = pa.table(
            {
                "when": pa.array(rows["when"].array),
                "id": pa.array(rows["id"].array, pa.string()),
            }
        )
        order = pc.sort_indices(
            keys, sort_keys=[("when", "descending", "at_end"), ("id", "descending", "at_end")]
        ).to_numpy()
        if (order != np.arange(len(order))).any():
            rows = rows.take(order)
        rows = rows.reset_index(drop=True)
        stamps = rows["when"].array  # UTC; NaT as numpy's NaT
        days = stamps.asi8.view(f"datetime64[{stamps.unit}]").astype("datetime64[D]")
        cut = np.flatnonzero(days[1:] != days[:-1]) + 1
        for a, b in itertools.pairwise([0, *cut.tolist(), len(days)]):
            day = NO_DAY if np.isnat(days[a]) else str(days[a])
            out.append((account, day, rows.iloc[a:b]))
    return out


def _writer(part: pd.DataFrame) -> Callable[[IO[bytes]], None]:
    # frame._io's Parquet writer (pandas metadata: the json dtype, categories; 32-bit
    # dictionary indices, so the files read as one dataset), compact: a slice of a frame
    # keeps the whole frame's categories and JSON texts, which every day's file would
    # otherwise store. The reader rebuilds the categories as the loader does.
    # Written in memory, then to the file at once: Arrow writing through a Python file
    # object makes one call into Python per page.
    def write(handle: IO[bytes]) -> None:
        sink = pa.BufferOutputStream()
        write_parquet(part, sink, compact=True)
        handle.write(sink.getvalue())

    return write


def print_result(result: SyncResult, loc: Location, progress: bool | None) -> None:
    if progress is not False:
        print(f"auditkit: {loc.url}: {result}", file=sys.stdout)


def stream_of(
    api: str, account_id: Any, organization_id: Any
) -> tuple[str | list[str] | None, str | None]:
    """``(scope, single)``: what the producer is asked for, and the one stream's key."""
    if account_id == "*" or isinstance(account_id, list | tuple):
        scope: str | list[str] | None = "*" if account_id == "*" else list(account_id)
        return scope, None
    return account_id, stream_key(api, account_id, organization_id)
