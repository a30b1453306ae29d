"""Cloudflare Logpush's audit-log files as the typed frame: :func:`read_logpush`.

A Logpush job of the ``audit_logs`` dataset (or ``audit_logs_v2``) writes the
entries the audit-log API serves as gzip NDJSON files in ``YYYYMMDD/`` folders of
a bucket (R2, S3, GCS, Azure) or a folder. :func:`read_logpush` reads them into
the frame :func:`auditkit.load_audit_logs` gives for the same entries (``V1`` for
``audit_logs``, ``V2`` for ``audit_logs_v2``): same columns, dtypes, values and
order. ``docs/logpush.md`` maps every field to its column.

- :mod:`._layout`: each dataset's fields and the columns they feed;
- :mod:`._files`: listing, and pruning by the ``YYYYMMDD`` folders and the
  ``<start>_<end>_<hash>`` names, with a margin;
- :mod:`._decode`: one file to typed rows (or an error naming the line);
- :mod:`._when`: ``When`` in RFC 3339, unix seconds or unix nanoseconds.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed, wait
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..._progress import Progress, check_progress
from ..._query import TimeLike, check_range, to_utc
from ..._suggest import check_keywords
from ...errors import InvalidParameterError
from ...frame._chunk import Chunk, chunks_to_frame
from ...storage import Location, open_location, storage_error
from ._decode import Batcher, FileRows, LogpushFileError, decode_file
from ._files import Bounds, list_files, shown
from ._layout import AUDIT_LOGS, AUDIT_LOGS_V2, DATASETS, Dataset

__all__ = ["AUDIT_LOGS", "AUDIT_LOGS_V2", "DATASETS", "LogpushFileError", "read_logpush"]

#: How far an entry's time may precede (or follow) the push window of its file.
DEFAULT_MARGIN = pd.Timedelta(days=1)


def _check(
    dataset: Any, direction: Any, margin: Any, skip_bad: Any, workers: Any
) -> tuple[Dataset, pd.Timedelta | None]:
    if not isinstance(dataset, str) or dataset not in DATASETS:
        raise InvalidParameterError(
            "dataset", f"must be 'audit_logs' or 'audit_logs_v2', got {dataset!r}"
        )
    if direction not in ("desc", "asc"):
        raise InvalidParameterError("direction", f"must be 'desc' or 'asc', got {direction!r}")
    if not isinstance(skip_bad, bool):
        raise InvalidParameterError("skip_bad", f"must be True or False, got {skip_bad!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 32:
        raise InvalidParameterError("workers", f"must be an integer from 1 to 32, got {workers!r}")
    if margin is None:
        return DATASETS[dataset], None
    try:
        delta = pd.Timedelta(margin)
    except (ValueError, TypeError):
        delta = pd.NaT
    if delta is pd.NaT or pd.isna(delta) or delta < pd.Timedelta(0):
        raise InvalidParameterError(
            "margin", f"must be a duration such as '1D' or '6h' (>= 0), or None; got {margin!r}"
        )
    return DATASETS[dataset], delta


def _read_all(
    loc: Location, files: list[str], dataset: Dataset, skip_bad: bool, workers: int, bar: Progress
) -> tuple[list[FileRows], Chunk, int]:
    """Every file read and decoded in threads, typed in listing order as results come
    (:class:`Batcher`); what each file gave (columns handed over), the rows, bytes read.

    A thread takes a run of adjacent files at a time (up to 64; fewer when there are
    few), so thousands of small files do not cost a task each.
    """

    def run(paths: list[str]) -> list[tuple[FileRows, int]]:
        out = []
        for path in paths:
            try:
                data = loc.fs.cat_file(path)
            except Exception as exc:
                raise storage_error(shown(loc, path), "cannot read", exc) from None
            out.append((decode_file(data, shown(loc, path), dataset, skip_bad=skip_bad), len(data)))
        return out

    size = max(1, min(64, len(files) // (workers * 4)))
    runs = [files[i : i + size] for i in range(0, len(files), size)]
    batcher = Batcher(dataset)
    done: dict[int, list[tuple[FileRows, int]]] = {}
    parts: list[FileRows] = []
    nbytes = next_run = 0
    with ThreadPoolExecutor(max_workers=min(workers, max(len(runs), 1))) as pool:
        futures = [pool.submit(run, paths) for paths in runs]
        index = {f: i for i, f in enumerate(futures)}
        for future in as_completed(futures):
            if future.exception() is not None:
                # Runs after this one are not needed; runs before it finish, so the error
                # raised is the first bad file's in listing order, the same on every run.
                for other in futures[index[future] + 1 :]:
                    other.cancel()
                wait(futures)
                failed = [f for f in futures if not f.cancelled() and f.exception()]
                raise failed[0].exception()  # type: ignore[misc]
            results = future.result()
            done[index[future]] = results
            bar.update(windows=len(results), entries=sum(r.lines for r, _ in results))
            while next_run in done:  # in listing order, so dedup keeps the first file's
                for part, nbytes_of in done.pop(next_run):
                    batcher.add(part)
                    parts.append(part)
                    nbytes += nbytes_of
                next_run += 1
    return parts, batcher.chunk(), nbytes


def _finish(
    table: pa.Table, since: pd.Timestamp | None, before: pd.Timestamp | None, direction: str
) -> tuple[pa.Table, int]:
    """Clip to ``since <= when < before``, drop repeated ids (the first kept), order by
    ``when`` then ``id`` as ``direction`` says; and how many repeats were dropped."""
    micros = table.column("when").cast(pa.int64()).to_numpy(zero_copy_only=False)
    keep = np.ones(len(micros), dtype=bool)
    if since is not None:
        keep &= micros >= since.value // 1000
    if before is not None:
        keep &= micros < before.value // 1000
    rows = np.flatnonzero(keep)
    ids = pd.Series(pd.array(table.column("id").take(rows), dtype=pd.StringDtype("pyarrow")))
    repeated = ids.duplicated(keep="first").to_numpy()
    rows = rows[~repeated]
    order = "ascending" if direction == "asc" else "descending"
    keys = table.select(["when", "id"]).take(pa.array(rows, type=pa.int64()))
    position = pc.sort_indices(keys, sort_keys=[("when", order), ("id", order)])
    return table.take(pa.array(rows[position.to_numpy()], type=pa.int64())), int(repeated.sum())


def read_logpush(
    src: str | os.PathLike[str],
    *,
    since: TimeLike | None = None,
    before: TimeLike | None = None,
    dataset: str = "audit_logs",
    direction: str = "desc",
    storage_options: Mapping[str, Any] | None = None,
    margin: str | pd.Timedelta | None = DEFAULT_MARGIN,
    skip_bad: bool = False,
    workers: int = 8,
    progress: bool | None = None,
    **unknown: Any,
) -> pd.DataFrame:
    """Read the audit-log files a Cloudflare Logpush job wrote into the typed frame.

    Parameters
    ----------
    src
        The job's destination: a folder, a ``file://`` URL, or an fsspec URL
        (``s3://bucket/audit/``; R2 through its S3 endpoint), holding the
        ``YYYYMMDD/`` folders (or the files); or one file.
    since, before
        Time bounds, ``since <= when < before`` (as :func:`auditkit.load_audit_logs`
        takes them); each optional.
    dataset
        ``"audit_logs"`` (the default: the v1 frame, :data:`auditkit.frame.V1`) or
        ``"audit_logs_v2"`` (the v2 frame, :data:`auditkit.frame.V2`).
    direction
        ``"desc"`` (newest first, the default) or ``"asc"``.
    storage_options
        Options of the URL's filesystem (``endpoint_url``, ``key``...). Credentials
        may also come from the scheme's environment (``AWS_ACCESS_KEY_ID``...);
        they never appear in ``df.attrs`` or a message.
    margin
        How far an entry's time may precede its file's push window (files named
        ``<start>_<end>_<hash>`` and ``YYYYMMDD`` folders further than this from
        the range are not read): a duration, default one day; ``None`` reads every file.
    skip_bad
        Leave out bad lines and undecodable files instead of raising; each is
        listed in ``df.attrs["skipped"]`` (file, line, reason), with one
        :class:`RuntimeWarning`.
    workers
        Files read and decoded at once (1 to 32).
    progress
        A progress bar over the files: ``None`` = when interactive, ``True``, ``False``.
    **unknown
        None is taken: a misspelt keyword (``sinse=``) is an
        :class:`~auditkit.errors.InvalidParameterError` naming it, with a "did you mean".

    Returns
    -------
    pandas.DataFrame
        One row per entry, deduplicated by ``id`` (Logpush may deliver twice),
        ordered by ``when`` then ``id``. ``df.attrs``: ``source`` (``"logpush"``),
        ``dataset``, ``api``, ``location`` (the URL, no credentials), ``since``,
        ``before``, ``margin``, ``files`` (read), ``files_pruned``,
        ``files_ignored`` (not ``.log.gz``/``.log``), ``entries_read``,
        ``duplicates``, ``bytes_read``, ``unknown_fields`` (dropped) and ``skipped``.

    Raises
    ------
    auditkit.InvalidParameterError
        A bad argument, before anything is read.
    auditkit.StorageError
        The location cannot be listed or read, or does not exist;
        :class:`LogpushFileError` (a ``StorageError``) for a corrupt or truncated
        gzip, a line that is not a JSON object, a record without its id or time,
        or a time in no Logpush format, naming the file and line.

    Examples
    --------
    >>> import tempfile
    >>> from auditkit.sandbox import generate_records, write_logpush
    >>> folder = tempfile.mkdtemp()
    >>> _ = write_logpush(folder, generate_records(anchor="2026-12-01"), when_format="unix")
    >>> df = read_logpush(folder, since="2026-11-01", progress=False)
    >>> df.attrs["source"], bool(df["when"].min() >= pd.Timestamp("2026-11-01", tz="UTC"))
    ('logpush', True)
    """
    check_keywords(unknown, read_logpush)
    layout, delta = _check(dataset, direction, margin, skip_bad, workers)
    lower = None if since is None else to_utc(since, "since")
    upper = None if before is None else to_utc(before, "before")
    check_range(lower, upper)
    check_progress(progress)
    loc = open_location(src, storage_options, param="src")
    listing = list_files(loc, Bounds(lower, upper, delta))
    if not listing.files:
        try:
            exists = loc.fs.exists(loc.root)
        except Exception as exc:
            raise storage_error(loc, "cannot read", exc) from None
        if not exists:
            raise storage_error(loc, "no such folder", FileNotFoundError("nothing there"))
    with Progress(progress, total=len(listing.files), desc="logpush", unit="file") as bar:
        parts, whole, nbytes = _read_all(loc, listing.files, layout, skip_bad, workers, bar)
    schema = layout.schema
    table, duplicates = _finish(whole.table, lower, upper, direction)
    frame = chunks_to_frame([Chunk(table)], schema)
    dropped = sorted(set().union(*(p.unknown for p in parts)))
    skipped = [s for p in parts for s in p.skipped]
    if dropped:
        warnings.warn(
            f"read_logpush: fields no {layout.name} field list has were dropped: "
            f"{', '.join(dropped[:12])}",
            RuntimeWarning,
            stacklevel=2,
        )
    if skipped:
        warnings.warn(
            f"read_logpush: skipped {len(skipped)} bad line(s) or file(s); see df.attrs['skipped']",
            RuntimeWarning,
            stacklevel=2,
        )
    frame.attrs.update(
        {
            "source": "logpush",
            "dataset": layout.name,
            "api": schema.name,
            "location": loc.url,
            "since": None if lower is None else lower.isoformat(),
            "before": None if upper is None else upper.isoformat(),
            "margin": None if delta is None else delta.isoformat(),
            "direction": direction,
            "files": len(listing.files),
            "files_pruned": listing.pruned,
            "files_ignored": listing.ignored,
            "entries_read": sum(p.lines for p in parts),
            "duplicates": duplicates,
            "bytes_read": nbytes,
            "unknown_fields": dropped,
            "skipped": skipped,
        }
    )
    return frame
