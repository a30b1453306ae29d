"""The on-disk HTTP cache: where it lives, how entries are keyed, what is kept.

auditkit caches audit-log pages with requests-cache in one SQLite file. The
rules, each of which has a test:

- Only ``200`` responses whose JSON envelope says ``"success": true`` are kept.
- No credential reaches the file: ``Authorization``, ``X-Auth-Key`` and
  ``X-Auth-Email`` are redacted from stored requests.
- Two credentials never share entries: every key mixes in the credential's
  one-way fingerprint (see :attr:`auditkit.credentials.Credentials.fingerprint`).
- The file is created readable and writable by its owner only (``0600``), in a
  directory only its owner can enter (``0700``) when auditkit creates it.
- A corrupt or unreadable file is moved aside with a warning and rebuilt.

The default file is ``<user cache dir>/auditkit/http-cache.sqlite``; set
``AUDITKIT_CACHE`` to move it.

Examples
--------
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "c.sqlite")
>>> len(cache_info(path))
0
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pyarrow as pa

from .errors import InvalidParameterError
from .schema import Chunk
from .wire import decode_response

__all__ = [
    "WindowStore",
    "cache_info",
    "clear_cache",
    "default_cache_path",
    "open_session",
    "quarantine",
    "resolve_cache_path",
    "window_key",
]

ENV_CACHE = "AUDITKIT_CACHE"
SECRET_HEADERS = ("Authorization", "X-Auth-Key", "X-Auth-Email")
_REDACT = tuple({*SECRET_HEADERS, *(h.lower() for h in SECRET_HEADERS)})
#: Bumped whenever the typed columns change, so old stored windows are not reused.
SCHEMA_VERSION = "3"

CacheSpec = bool | str | os.PathLike[str] | None


def default_cache_path() -> Path:
    """The cache file used by ``cache=True``: ``$AUDITKIT_CACHE`` or the user cache dir.

    Examples
    --------
    >>> default_cache_path().name.endswith(".sqlite")
    True
    """
    env = os.environ.get(ENV_CACHE)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("auditkit", appauthor=False)) / "http-cache.sqlite"


def resolve_cache_path(cache: CacheSpec) -> Path | None:
    """``True`` -> default file, ``False``/``None`` -> no cache, a path -> that file.

    Examples
    --------
    >>> resolve_cache_path(False) is None
    True
    """
    if cache is True:
        return default_cache_path()
    if cache is False or cache is None:
        return None
    if isinstance(cache, str | os.PathLike):
        text = os.fspath(cache)
        if not text:
            raise InvalidParameterError("cache", "must be True, False or a file path, not ''")
        path = Path(text).expanduser()
        if path.is_dir():
            raise InvalidParameterError("cache", f"{text!r} is a directory; give a file path")
        return path
    raise InvalidParameterError(
        "cache", f"must be True, False or a file path, not {type(cache).__name__}"
    )


def is_cacheable(response: Any) -> bool:
    """requests-cache filter: a ``200`` whose envelope says ``success: true``."""
    if response.status_code != 200:
        return False
    payload = decode_response(response)
    return payload.is_object and payload.success is True


def _key_fn(fingerprint: str) -> Callable[..., str]:
    from requests_cache import create_key

    def key(request: Any, **kwargs: Any) -> str:
        base = create_key(request, **kwargs)
        return hashlib.blake2b(f"{fingerprint}:{base}".encode(), digest_size=16).hexdigest()

    return key


def quarantine(path: Path, reason: object) -> Path:
    """Move an unusable cache file (and its WAL files) aside with a warning."""
    aside = path.with_name(f"{path.name}.corrupt-{time.time_ns()}")
    warnings.warn(
        f"auditkit cache {path} is unreadable ({reason}); moved it to {aside.name} "
        "and starting a fresh cache",
        RuntimeWarning,
        stacklevel=3,
    )
    os.replace(path, aside)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return aside


def _prepare_file(path: Path) -> None:
    """Create the directory (0700) and file (0600); move a corrupt file aside."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    if path.exists():
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            quarantine(path, exc)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    with contextlib.suppress(OSError):  # e.g. a file owned by someone else
        os.chmod(path, 0o600)


def open_session(path: Path | None, fingerprint: str | None = None) -> Any:
    """A ``requests.Session`` (``path=None``) or a ``CachedSession`` on ``path``.

    Parameters
    ----------
    path
        SQLite cache file, or ``None`` for no caching.
    fingerprint
        The credential's fingerprint, mixed into every cache key.
    """
    if path is None:
        import requests

        return requests.Session()
    from requests_cache import CachedSession

    _prepare_file(path)
    return CachedSession(
        str(path),
        backend="sqlite",
        allowable_codes=(200,),
        allowable_methods=("GET",),
        filter_fn=is_cacheable,
        key_fn=_key_fn(fingerprint or "anonymous"),
        ignored_parameters=_REDACT,
        match_headers=False,
        cache_control=False,
        stale_if_error=False,
        expire_after=0,  # nothing is kept unless a request says how long
        wal=True,  # readers never block the writer: concurrent loads share a file
        busy_timeout=30_000,  # ms a writer waits for another process's lock
    )


def _existing(cache: CacheSpec) -> Path | None:
    path = resolve_cache_path(True if cache is None else cache)
    return path if path is not None and path.exists() else None


def clear_cache(cache: CacheSpec = True) -> int:
    """Delete every cached page. Returns how many entries were removed.

    Parameters
    ----------
    cache
        ``True`` (the default file) or a cache file path.

    Examples
    --------
    >>> import tempfile, os
    >>> clear_cache(os.path.join(tempfile.mkdtemp(), "none.sqlite"))
    0
    """
    path = _existing(cache)
    if path is None:
        return 0
    session = open_session(path)
    try:
        count = len(session.cache.responses)
        session.cache.clear()
        WindowStore(session).clear()
    finally:
        session.close()
    return count


def _utc(value: Any) -> pd.Timestamp:
    if value is None:
        return pd.NaT
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def cache_info(cache: CacheSpec = True) -> pd.DataFrame:
    """What is cached: one row per page with its endpoint, parameters, size and dates.

    Columns: ``endpoint``, ``params`` (dict of wire parameters, no credentials),
    ``entries`` (records on the page), ``size_bytes``, ``created``, ``expires``
    (``NaT`` = never).

    Examples
    --------
    >>> import tempfile, os
    >>> list(cache_info(os.path.join(tempfile.mkdtemp(), "x.sqlite")).columns)[:2]
    ['endpoint', 'params']
    """
    columns = ["endpoint", "params", "entries", "size_bytes", "created", "expires"]
    path = _existing(cache)
    if path is None:
        return pd.DataFrame({c: [] for c in columns})
    session = open_session(path)
    rows = []
    try:
        for resp in session.cache.responses.values():
            url = urlsplit(resp.url)
            page = decode_response(resp)
            rows.append(
                {
                    "endpoint": f"{url.scheme}://{url.netloc}{url.path}",
                    "params": dict(parse_qsl(url.query)),
                    "entries": len(page),
                    "size_bytes": len(resp.content or b""),
                    "created": _utc(resp.created_at),
                    "expires": _utc(resp.expires),
                }
            )
    finally:
        session.close()
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("created", ignore_index=True) if len(frame) else frame


class WindowStore:
    """Typed rows of closed time windows, kept beside the HTTP cache in the same file.

    A closed window's pages never change, so besides its raw pages (the HTTP
    cache, the source of truth) auditkit keeps the window's typed rows as Arrow
    IPC (JSON columns as their text). A warm load then reads typed columns
    instead of re-parsing JSON. Entries are keyed like
    pages, by a hash that mixes in the credential's fingerprint; an unreadable
    entry counts as a miss and is deleted.

    The store shares requests-cache's SQLite connection and write lock, so
    the two never wait on each other inside a process.

    Parameters
    ----------
    session
        A ``CachedSession`` from :func:`open_session`.
    """

    _TABLE = "auditkit_windows"

    def __init__(self, session: Any) -> None:
        self._db = session.cache.responses  # requests-cache's SQLiteDict
        with self._db.connection(commit=True) as con:
            con.execute(
                f"CREATE TABLE IF NOT EXISTS {self._TABLE} "
                "(key TEXT PRIMARY KEY, pages INTEGER, created REAL, arrow BLOB, json BLOB)"
            )

    def get_many(self, keys: list[str]) -> dict[str, tuple[Chunk, int]]:
        """The stored chunks (with their page counts) of those ``keys`` that are stored.

        An entry that cannot be read is a miss, and is deleted.
        """
        rows: list[tuple[str, int, bytes]] = []
        with self._db.connection() as con:
            for start in range(0, len(keys), 500):  # SQLite's variable limit
                batch = keys[start : start + 500]
                marks = ",".join("?" * len(batch))
                rows += con.execute(
                    f"SELECT key, pages, arrow FROM {self._TABLE} WHERE key IN ({marks})",
                    batch,
                ).fetchall()
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
        """Store several closed windows' chunks (``(key, chunk, pages)``) in one transaction."""
        rows = []
        for key, chunk, pages in entries:
            sink = pa.BufferOutputStream()
            # Uncompressed: reading it back is ~70x faster than zstd, for ~4x the bytes.
            with pa.ipc.new_stream(sink, chunk.table.schema) as writer:
                writer.write_table(chunk.table)
            rows.append((key, pages, time.time(), sink.getvalue().to_pybytes(), b""))
        if rows:
            with self._db.connection(commit=True) as con:
                con.executemany(
                    f"INSERT OR REPLACE INTO {self._TABLE} VALUES (?, ?, ?, ?, ?)", rows
                )

    def delete(self, key: str) -> None:
        with self._db.connection(commit=True) as con:
            con.execute(f"DELETE FROM {self._TABLE} WHERE key = ?", (key,))

    def clear(self) -> int:
        """Delete every stored window; returns how many there were."""
        count = len(self)
        with self._db.connection(commit=True) as con:
            con.execute(f"DELETE FROM {self._TABLE}")
        return count

    def __len__(self) -> int:
        with self._db.connection() as con:
            return int(con.execute(f"SELECT count(*) FROM {self._TABLE}").fetchone()[0])


def window_key(fingerprint: str, *parts: object) -> str:
    """Cache key of a window: a hash of the credential fingerprint, endpoint and parameters."""
    text = "\0".join([SCHEMA_VERSION, fingerprint, *(repr(p) for p in parts)])
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
