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
- Nothing read from the file can run code: pages are JSON (bodies base64, byte
  for byte), redirects plain text, typed windows Arrow IPC. Nothing is ever
  unpickled. A file written by an older auditkit (pickles, no
  ``auditkit_meta`` format row) is cleared with a warning, unread.
- A symbolic link is never followed: a cache path (or its ``-wal``/``-shm``/
  ``-journal`` file) that is a link is refused, and so is another
  application's database.
- A file that cannot be written (a read-only file system, another process
  holding the write lock for more than :data:`LOCK_WAIT` seconds, a full disk)
  is still read; the load writes nothing and says so in one ``RuntimeWarning``.
- A corrupt or unreadable file is moved aside with a warning and rebuilt; if it
  cannot be moved, the warning says so and the load goes on uncached.

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
import errno
import hashlib
import json
import os
import sqlite3
import stat
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import pyarrow as pa

from .errors import CacheError, InvalidParameterError
from .frame._schema import Chunk
from .wire import decode_response

__all__ = [
    "CACHE_FORMAT",
    "LOCK_WAIT",
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
#: Seconds a load waits, once, for another process's write lock on the cache file;
#: after that it goes on without writing to the cache (one ``RuntimeWarning``).
LOCK_WAIT = 5.0
#: How pages are kept, recorded in the ``auditkit_meta`` table: a file without
#: this row was written by an older auditkit (pickles) and is cleared unread.
CACHE_FORMAT = "json-1"
_META = "auditkit_meta"
_OLD_TABLES = ("responses", "redirects", "auditkit_windows")
_TABLES = (*_OLD_TABLES, _META)
_SIDE_FILES = ("-wal", "-shm", "-journal")
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value BLOB, expires INTEGER)",
    "CREATE INDEX IF NOT EXISTS expires_idx ON responses(expires)",
    "CREATE TABLE IF NOT EXISTS redirects (key TEXT PRIMARY KEY, value BLOB, expires INTEGER)",
    "CREATE TABLE IF NOT EXISTS auditkit_windows "
    "(key TEXT PRIMARY KEY, pages INTEGER, created REAL, arrow BLOB, json BLOB)",
    f"CREATE TABLE IF NOT EXISTS {_META} (name TEXT PRIMARY KEY, value TEXT)",
)

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
        path = default_cache_path()
        _refuse_links(path)
        return path
    if cache is False or cache is None:
        return None
    if isinstance(cache, str | os.PathLike):
        text = os.fspath(cache)
        if not text:
            raise InvalidParameterError("cache", "must be True, False or a file path, not ''")
        path = Path(text).expanduser()
        _refuse_links(path)
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


def quarantine(path: Path, reason: object) -> Path | None:
    """Move an unusable cache file (and its WAL files) aside with a warning.

    Returns
    -------
    pathlib.Path or None
        Where the file went, or ``None`` if it could not be moved (a read-only
        file system, a folder one may not write): the warning then says so, and
        the caller goes on without the cache.
    """
    aside = path.with_name(f"{path.name}.corrupt-{time.time_ns()}")
    try:
        os.replace(path, aside)
    except OSError as exc:
        warnings.warn(
            f"auditkit cache {path} is unreadable ({reason}) and could not be moved aside "
            f"({exc.strerror or exc}); this load will not be cached",
            RuntimeWarning,
            stacklevel=3,
        )
        return None
    warnings.warn(
        f"auditkit cache {path} is unreadable ({reason}); moved it to {aside.name} "
        "and starting a fresh cache",
        RuntimeWarning,
        stacklevel=3,
    )
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return aside


def _refuse_links(path: Path) -> None:
    """Raise if the cache file or one of SQLite's files beside it is a symbolic link."""
    for name in (path, *(Path(f"{path}{s}") for s in _SIDE_FILES)):
        if name.is_symlink():
            raise InvalidParameterError(
                "cache",
                f"{os.fspath(name)!r} is a symbolic link; auditkit does not follow links "
                "for its cache file (remove the link or give another path)",
            )


def _why(exc: BaseException) -> str:
    """Why a cache file cannot be written, in words, from an ``OSError`` or SQLite error."""
    if isinstance(exc, OSError):
        if exc.errno == errno.EROFS:
            return "on a read-only file system"
        if exc.errno == errno.ENOSPC:
            return "on a full disk"
        return f"not writable ({exc.strerror or exc})"
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return f"locked by another process (waited {LOCK_WAIT:g} s)"
    if name.startswith("SQLITE_READONLY"):
        return "read-only"
    if name == "SQLITE_FULL":
        return "on a full disk"
    return f"not writable ({exc})"


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False


class _Db:
    """The cache file's one SQLite connection, shared by its tables and threads.

    A file that cannot be written (a read-only file system, a lock another
    process holds for more than :data:`LOCK_WAIT` seconds, a full disk) is
    still read; writes are then skipped, with one ``RuntimeWarning``. With
    ``strict=True`` (``clear_cache``, ``cache_info``) that raises
    :class:`~auditkit.errors.CacheError` instead.

    Raises
    ------
    InvalidParameterError
        A symbolic link, or another application's database.
    CacheError
        The file cannot be created or opened at all.
    sqlite3.DatabaseError
        The file is not a database (or is damaged): callers quarantine it.
    """

    def __init__(self, path: Path, *, write: bool = True, strict: bool = False) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.writable = write
        self.usable = True  # False: the file is not read (old format, or reads are locked out)
        self.strict = strict
        self.why: str | None = None
        self._warned = False
        self.con: sqlite3.Connection | None = None
        _refuse_links(path)
        if write:
            self._create()
        if self.writable:
            uri = f"{path.absolute().as_uri()}?mode=rw"
        elif _read_only_fs(path):
            # Nothing can change the file, and SQLite cannot make its -shm file there.
            uri = f"{path.absolute().as_uri()}?immutable=1"
        else:
            uri = f"{path.absolute().as_uri()}?mode=ro"
        self._uri = uri
        try:
            self._connection()
        except sqlite3.OperationalError as exc:
            raise CacheError(f"cannot open the cache file {path}: {exc}") from None
        try:
            self._setup()
        except BaseException:
            self.close()
            raise
        if self.why is not None:  # a readable file that cannot be written
            self._warn(f"auditkit cache {path} is {self.why}; this load will not be cached")

    def _create(self) -> None:
        """Create the folder (0700) and the file (0600, exclusively, following no link).

        An existing file is only looked at (``lstat``, ``access``): closing a
        descriptor of it would drop the SQLite locks this process holds on it.
        It is made ``0600`` by :meth:`_own` once it is known to be auditkit's.
        """
        path = self.path
        try:
            if not path.parent.exists():
                path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
            flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            os.close(os.open(path, flags, 0o600))
            return
        except FileExistsError:
            pass
        except OSError as exc:
            if not path.exists():
                raise CacheError(f"cannot create the cache file {path}: {_why(exc)}") from None
        _refuse_links(path)
        if not stat.S_ISREG(os.lstat(path).st_mode):
            raise InvalidParameterError("cache", f"{os.fspath(path)!r} is not a regular file")
        if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            code = errno.EROFS if _read_only_fs(path) else errno.EACCES
            self._degrade(OSError(code, os.strerror(code)), warn=False)  # read it, warn once open

    def _own(self) -> None:
        """Make the (checked) file ``0600``, without following a link."""
        if not self.writable:
            return
        with contextlib.suppress(OSError):  # e.g. a file owned by someone else
            if not hasattr(os, "O_PATH"):  # pragma: no cover - not Linux
                if not self.path.is_symlink() and self.path.stat().st_mode & 0o777 != 0o600:
                    os.chmod(self.path, 0o600)
                return
            # An O_PATH descriptor: no link followed, and closing it drops no lock.
            fd = os.open(self.path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                info = os.fstat(fd)
                if stat.S_ISREG(info.st_mode) and info.st_mode & 0o777 != 0o600:
                    os.chmod(f"/proc/self/fd/{fd}", 0o600)
            finally:
                os.close(fd)

    def _connection(self) -> sqlite3.Connection:
        """The connection; reopened if a page arrives after :meth:`close` (a stopped load)."""
        if self.con is None:
            self.con = sqlite3.connect(
                self._uri,
                uri=True,
                timeout=LOCK_WAIT,
                isolation_level=None,
                check_same_thread=False,
            )
            if self.why is not None and "locked" in self.why:
                self.con.execute("PRAGMA busy_timeout = 0")  # waited once already
            elif self.writable:
                self.con.execute("PRAGMA synchronous=NORMAL")
        return self.con

    # ------------------------------------------------------------------ format

    def _tables(self) -> set[str]:
        rows = self._connection().execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows if not name.startswith("sqlite_")}

    def _format(self, tables: set[str]) -> str | None:
        if _META not in tables:
            return None
        row = self._connection().execute(f"SELECT value FROM {_META} WHERE name = 'format'")
        row = row.fetchone()
        return row[0] if row else None

    def _setup(self) -> None:
        """WAL mode; check the format; clear a file an older auditkit wrote (pickles)."""
        with self.lock:
            try:
                tables = self._tables()
                current = self._format(tables)
            except sqlite3.OperationalError as exc:
                self.usable = False
                self._degrade(exc)
                return
            if current is None:
                foreign = tables - set(_TABLES)
                if foreign:  # checked before anything is written to the file
                    raise InvalidParameterError(
                        "cache",
                        f"{os.fspath(self.path)!r} is another application's database (it has "
                        f"tables {', '.join(sorted(foreign)[:3])}); give auditkit a file of its own",
                    )
            self._own()
            try:
                if self.writable:
                    self._connection().execute("PRAGMA journal_mode=WAL")  # never block readers
            except sqlite3.OperationalError as exc:
                self._degrade(exc)
            if current == CACHE_FORMAT and tables >= set(_TABLES):
                return
            had_pages = current != CACHE_FORMAT and any(
                self._connection().execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()
                for t in sorted(tables & set(_OLD_TABLES))
            )
            ok, cleared = self.write(self._migrate)
            if not ok:
                if current != CACHE_FORMAT:
                    self.usable = False  # never read what an older auditkit wrote
                    if had_pages:
                        self._warn(
                            f"auditkit cache {self.path} was written by an older auditkit "
                            "(pickle format, which auditkit never reads back); it is not "
                            "read, and the next load that can write the file clears it"
                        )
                return
            if cleared:
                self._warn(
                    f"auditkit cache {self.path} was written by an older auditkit in pickle "
                    "format, which auditkit no longer reads (a crafted file could run code); "
                    "cleared it"
                )

    @staticmethod
    def _migrate(con: sqlite3.Connection) -> bool:
        """In the write transaction: create the tables; drop an older format's. Cleared any?"""
        rows = con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        tables = {name for (name,) in rows}
        current = None
        if _META in tables:
            row = con.execute(f"SELECT value FROM {_META} WHERE name = 'format'").fetchone()
            current = row[0] if row else None
        cleared = False
        if current != CACHE_FORMAT:  # re-checked under the lock: another process may have won
            for table in sorted(tables & set(_OLD_TABLES)):
                cleared = cleared or con.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
                con.execute(f"DROP TABLE {table}")
        for statement in _SCHEMA:
            con.execute(statement)
        con.execute(
            f"INSERT OR REPLACE INTO {_META} (name, value) VALUES ('format', ?)", (CACHE_FORMAT,)
        )
        return bool(cleared)

    # ------------------------------------------------------------------ access

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(message, RuntimeWarning, stacklevel=4)

    def _degrade(self, exc: BaseException, *, warn: bool = True) -> None:
        """Stop writing (and say so once); strict callers get a ``CacheError`` instead."""
        self.writable = False
        self.why = _why(exc)
        if self.strict:
            raise CacheError(f"auditkit cache {self.path} is {self.why}") from None
        if "locked" in self.why and self.con is not None:
            with contextlib.suppress(sqlite3.Error):
                self.con.execute("PRAGMA busy_timeout = 0")  # waited once: no more waits
        if warn:
            self._warn(f"auditkit cache {self.path} is {self.why}; this load will not be cached")

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of a query; ``[]`` when the file cannot be read now (with one warning)."""
        with self.lock:
            if not self.usable:
                return []
            try:
                return self._connection().execute(sql, params).fetchall()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):
                    return []
                self.usable = False
                self._degrade(exc)
                return []

    def write(self, fn: Callable[[sqlite3.Connection], Any]) -> tuple[bool, Any]:
        """Run ``fn(connection)`` in one write transaction: ``(done, its result)``.

        Waits at most :data:`LOCK_WAIT` seconds for another process's lock; a
        write that cannot be made is skipped, and later writes are not tried.
        """
        with self.lock:
            if not self.writable:
                return False, None
            try:
                con = self._connection()
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                self._degrade(exc)
                return False, None
            try:
                result = fn(con)
                con.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                with contextlib.suppress(sqlite3.Error):
                    con.execute("ROLLBACK")
                self._degrade(exc)
                return False, None
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    con.execute("ROLLBACK")
                raise
            return True, result

    def close(self) -> None:
        with self.lock:
            con = getattr(self, "con", None)
            if con is not None:
                con.close()
                self.con = None


def _serializer() -> Any:
    """requests-cache's cattrs JSON stage (bodies as base64) with compact stdlib JSON."""
    from requests_cache.serializers import SerializerPipeline, Stage
    from requests_cache.serializers.preconf import json_preconf_stage

    return SerializerPipeline(
        [
            json_preconf_stage,
            Stage(dumps=partial(json.dumps, separators=(",", ":")), loads=json.loads),
        ],
        name="auditkit-json",
        is_binary=False,
    )


def _storage_class() -> type:
    from requests_cache.backends.base import BaseStorage

    class _Table(BaseStorage):
        """One table of the cache file as requests-cache's dict-like storage.

        With a serializer, values are UTF-8 JSON (``responses``); without one,
        they are plain text (``redirects``: keys of responses). Values are only
        ever decoded as JSON: anything else (e.g. a pickle from an older
        auditkit, or a crafted one) reads as missing.
        """

        def __init__(self, db: _Db, table: str, serializer: Any) -> None:
            super().__init__(serializer=serializer, decode_content=False)
            self.db = db
            self.table = table

        def __getitem__(self, key: str) -> Any:
            rows = self.db.read(f"SELECT value FROM {self.table} WHERE key = ?", (key,))
            if not rows:
                raise KeyError(key)
            return self.deserialize(key, rows[0][0])  # None: there, but not decodable

        def deserialize(self, key: str, value: Any) -> Any:
            if self.serializer is None:
                return value if isinstance(value, str) else None
            try:  # only ever decoded as UTF-8 JSON: a pickle (or anything else) is a miss
                obj = self.serializer.loads(bytes(value).decode("utf-8"))
            except Exception:  # any damage is a miss
                return None
            with contextlib.suppress(AttributeError):
                obj.cache_key = key
            return obj

        def __setitem__(self, key: str, value: Any) -> None:
            expires = getattr(value, "expires_unix", None)
            if self.serializer is not None:  # UTF-8 JSON in a BLOB, as requests-cache stores bytes
                dumped = self.serializer.dumps(value)
                data = dumped.encode() if isinstance(dumped, str) else dumped
                text: Any = sqlite3.Binary(data)
            else:
                text = str(value)
            self.db.write(
                lambda con: con.execute(
                    f"INSERT OR REPLACE INTO {self.table} (key, value, expires) VALUES (?, ?, ?)",
                    (key, text, expires),
                )
            )

        def __delitem__(self, key: str) -> None:
            if key not in self:
                raise KeyError(key)
            self.db.write(
                lambda con: con.execute(f"DELETE FROM {self.table} WHERE key = ?", (key,))
            )

        def __contains__(self, key: object) -> bool:
            return bool(self.db.read(f"SELECT 1 FROM {self.table} WHERE key = ?", (key,)))

        def __iter__(self) -> Iterator[str]:
            return iter([key for (key,) in self.db.read(f"SELECT key FROM {self.table}")])

        def __len__(self) -> int:
            rows = self.db.read(f"SELECT count(*) FROM {self.table}")
            return int(rows[0][0]) if rows else 0

        def bulk_delete(self, keys: Any = None, values: Any = None) -> None:
            column, items = ("key", keys) if keys else ("value", values)
            items = [(item,) for item in items or ()]
            if items:
                sql = f"DELETE FROM {self.table} WHERE {column} = ?"
                self.db.write(lambda con: con.executemany(sql, items))

        def clear(self) -> None:
            self.db.write(lambda con: con.execute(f"DELETE FROM {self.table}"))

    return _Table


def _backend(db: _Db) -> Any:
    """A requests-cache backend on ``db``: pages as JSON, nothing ever unpickled."""
    from requests_cache.backends.base import BaseCache

    table = _storage_class()

    class _Cache(BaseCache):
        def __init__(self) -> None:
            super().__init__(cache_name=str(db.path))
            self.db = db
            self.responses = table(db, "responses", _serializer())
            self.redirects = table(db, "redirects", None)

        @property
        def db_path(self) -> Path:
            return db.path

        def close(self) -> None:
            db.close()

    return _Cache()


def _open_db(path: Path, *, strict: bool = False, fallback: bool = False) -> _Db | None:
    """Open the file, moving a damaged one aside. ``None``: go on uncached (``fallback``)."""
    try:
        try:
            return _Db(path, strict=strict)
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError):
                raise
            if quarantine(path, exc) is None:
                if fallback:
                    return None
                raise CacheError(f"auditkit cache {path} is unreadable ({exc})") from None
            return _Db(path, strict=strict)
    except CacheError as exc:
        if not fallback:
            raise
        warnings.warn(f"{exc}; this load will not be cached", RuntimeWarning, stacklevel=3)
        return None
    except (OSError, sqlite3.Error) as exc:
        if not fallback:
            raise CacheError(f"auditkit cache {path} cannot be used: {exc}") from None
        warnings.warn(
            f"auditkit cache {path} cannot be used ({exc}); this load will not be cached",
            RuntimeWarning,
            stacklevel=3,
        )
        return None


def open_session(
    path: Path | None, fingerprint: str | None = None, *, fallback: bool = False
) -> Any:
    """A ``requests.Session`` (``path=None``) or a ``CachedSession`` on ``path``.

    Parameters
    ----------
    path
        SQLite cache file, or ``None`` for no caching.
    fingerprint
        The credential's fingerprint, mixed into every cache key.
    fallback
        If the file cannot be used at all (it cannot be created, or it is
        damaged and cannot be moved aside), warn and return a plain
        ``requests.Session`` instead of raising
        :class:`~auditkit.errors.CacheError`.

    Raises
    ------
    InvalidParameterError
        ``path`` is a symbolic link or another application's database.
    CacheError
        The file cannot be used and ``fallback`` is false.
    """
    import requests

    if path is None:
        return requests.Session()
    from requests_cache import CachedSession

    db = _open_db(path, fallback=fallback)
    if db is None:
        return requests.Session()
    return CachedSession(
        backend=_backend(db),
        allowable_codes=(200,),
        allowable_methods=("GET",),
        filter_fn=is_cacheable,
        key_fn=_key_fn(fingerprint or "anonymous"),
        ignored_parameters=_REDACT,
        match_headers=False,
        cache_control=False,
        stale_if_error=False,
        expire_after=0,  # nothing is kept unless a request says how long
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

    Raises
    ------
    CacheError
        The file cannot be changed (read-only, locked by another process for
        more than :data:`LOCK_WAIT` seconds, damaged and not movable).

    Examples
    --------
    >>> import tempfile, os
    >>> clear_cache(os.path.join(tempfile.mkdtemp(), "none.sqlite"))
    0
    """
    path = _existing(cache)
    if path is None:
        return 0
    db = _open_db(path, strict=True)
    assert db is not None
    try:
        count = len(_storage_class()(db, "responses", None))

        def clear(con: sqlite3.Connection) -> None:
            for table in _OLD_TABLES:
                con.execute(f"DELETE FROM {table}")

        db.write(clear)
        with contextlib.suppress(sqlite3.Error):
            db._connection().execute("VACUUM")  # give the space back
    except sqlite3.DatabaseError as exc:
        raise CacheError(f"auditkit cache {path} is unreadable ({exc})") from None
    finally:
        db.close()
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
    (``NaT`` = never). The file is only read, never changed; pages are decoded
    from JSON (never unpickled), and an entry that does not decode is left out.

    Raises
    ------
    CacheError
        The file cannot be read (not a database, damaged, locked).

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
    rows = []
    try:
        db = _Db(path, write=False, strict=True)
    except (OSError, sqlite3.Error) as exc:
        raise CacheError(f"auditkit cache {path} cannot be read ({exc})") from None
    try:
        for resp in _storage_class()(db, "responses", _serializer()).values():
            if resp is None:
                continue
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
    except sqlite3.DatabaseError as exc:
        raise CacheError(f"auditkit cache {path} is unreadable ({exc})") from None
    finally:
        db.close()
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("created", ignore_index=True) if len(frame) else frame


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
