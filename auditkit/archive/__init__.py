"""The Parquet archive: :func:`sync_archive` appends what is new, :func:`read_archive` reads.

An archive is plain, hive-partitioned Parquet (``api=/account=/day=``) with a small
JSON manifest at its root, in a local folder or any fsspec location; DuckDB, Spark,
Trino and Athena read it as it is. ``docs/archive.md`` documents the layout, the
manifest, the commit protocol and its recovery, concurrency and what is pushed down.

Modules, one concept each: :mod:`._layout` (names), :mod:`._manifest` (the manifest),
:mod:`._files` (storage operations), :mod:`._lock` (one sync at a time),
:mod:`._commit` (stage, commit, recover), :mod:`._sync` (the sync for any frame
producer), :mod:`._public` (``sync_archive`` over the API), :mod:`._filters` and
:mod:`._read` (``read_archive``), :mod:`._info` (``info``), :mod:`._combine`
(archive + API in one frame).
"""

from ._combine import load_with_archive
from ._info import ArchiveInfo, StreamInfo, info
from ._public import sync_archive
from ._read import read_archive
from ._sync import DEFAULT_OVERLAP, SyncResult

__all__ = [
    "DEFAULT_OVERLAP",
    "ArchiveInfo",
    "StreamInfo",
    "SyncResult",
    "info",
    "load_with_archive",
    "read_archive",
    "sync_archive",
]
