"""The window store: typed rows of closed time windows, beside the HTTP cache."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..frame._chunk import Chunk
from ._db import _Db

#: Bumped whenever the typed columns change, so old stored windows are not reused.
SCHEMA_VERSION = "3"


class WindowStore:
    """Typed rows of closed time windows, kept beside the HTTP cache in the same file.

    A closed window's pages never change, so besides its raw pages (the HTTP
    cache, the source of truth) auditkit keeps the window's typed rows as Arrow
    IPC (JSON columns as their text; never pickle). A warm load then reads typed
    columns instead of re-parsing JSON. Entries are keyed like
    pages, by a hash that mixes in the credential's fingerprint; an unreadable
    entry counts as a miss and is deleted.

    The store shares the HTTP cache's SQLite connection and write lock, so
    the two never wait on each other inside a process; a file that cannot be
    written is still read (see :data:`LOCK_WAIT`).

    Parameters
    ----------
    session
        A ``CachedSession`` from :func:`open_session`.
    """

    _TABLE = "auditkit_windows"

    def __init__(self, session: Any) -> None:
        self._db: _Db = session.cache.db

    def get_many(self, keys: list[str]) -> dict[str, tuple[Chunk, int]]:
        """The stored chunks (with their page counts) of those ``keys`` that are stored.

        An entry that cannot be read is a miss, and is deleted.
        """
        rows: list[tuple[str, int, bytes]] = []
        for start in range(0, len(keys), 500):  # SQLite's variable limit
            batch = keys[start : start + 500]
            marks = ",".join("?" * len(batch))
            rows += self._db.read(
                f"SELECT key, pages, arrow FROM {self._TABLE} WHERE key IN ({marks})", batch
            )
        found: dict[str, tuple[Chunk, int]] = {}
        for key, pages, arrow in rows:
            try:
                table = pa.ipc.open_stream(pa.py_buffer(arrow)).read_all()
                found[key] = (Chunk(table), int(pages))
            except Exception:  # any damage is a miss
                self.delete(key)
        return found

    def put(self, key: str, chunk: Chunk, pages: int) -> None:
        """Store a closed window's chunk."""
        self.put_many([(key, chunk, pages)])

    def put_many(self, entries: Sequence[tuple[str, Chunk, int]]) -> None:
        """Store several closed windows' chunks (``(key, chunk, pages)``) in one transaction.

        Skipped (the load goes on) when the file cannot be written.
        """
        if not self._db.writable:
            return
        rows = []
        for key, chunk, pages in entries:
            sink = pa.BufferOutputStream()
            # Uncompressed: reading it back is ~70x faster than zstd, for ~4x the bytes.
            with pa.ipc.new_stream(sink, chunk.table.schema) as writer:
                writer.write_table(chunk.table)
            rows.append((key, pages, time.time(), sink.getvalue().to_pybytes(), b""))
        if rows:
            sql = f"INSERT OR REPLACE INTO {self._TABLE} VALUES (?, ?, ?, ?, ?)"
            self._db.write(lambda con: con.executemany(sql, rows))

    def delete(self, key: str) -> None:
        """Forget one window."""
        self._db.write(lambda con: con.execute(f"DELETE FROM {self._TABLE} WHERE key = ?", (key,)))

    def clear(self) -> int:
        """Delete every stored window; returns how many there were."""
        count = len(self)
        self._db.write(lambda con: con.execute(f"DELETE FROM {self._TABLE}"))
        return count

    def __len__(self) -> int:
        rows = self._db.read(f"SELECT count(*) FROM {self._TABLE}")
        return int(rows[0][0]) if rows else 0


def window_key(fingerprint: str, *parts: object) -> str:
    """Cache key of a window: a hash of the credential fingerprint, endpoint and parameters."""
    text = "\0".join([SCHEMA_VERSION, fingerprint, *(repr(p) for p in parts)])
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def recent_tables(path: Path, limit: int) -> list[pa.Table]:
    """The typed rows of the ``limit`` newest stored windows of the cache file ``path``.

    Read only, and never raises: a missing, locked or damaged file gives ``[]``
    and a damaged entry is left out. The windows of every credential the file
    holds (their keys are one-way hashes): for what the file's owner may see, such
    as the CLI's hint after an empty load, never for a load's rows.

    Examples
    --------
    >>> recent_tables(Path("/nonexistent/cache.sqlite"), 10)
    []
    """
    if not path.is_file():
        return []
    try:
        db = _Db(path, write=False, strict=True)
    except (OSError, sqlite3.Error, ValueError):
        return []
    try:
        rows = db.read(
            f"SELECT arrow FROM {WindowStore._TABLE} ORDER BY created DESC LIMIT ?", (limit,)
        )
    except (sqlite3.Error, ValueError):
        rows = []
    finally:
        db.close()
    tables = []
    for (arrow,) in rows:
        try:
            tables.append(pa.ipc.open_stream(pa.py_buffer(arrow)).read_all())
        except (pa.ArrowException, OSError, ValueError, TypeError):
            continue
    return tables
