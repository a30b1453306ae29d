"""The cache file itself: one SQLite database, owned, locked and degraded with care.

:class:`_Db` creates the file ``0600`` (its folder ``0700``), checks that it is
auditkit's (the ``auditkit_meta`` format row), clears a file an older auditkit
wrote (pickles) unread, waits at most :data:`LOCK_WAIT` seconds once for another
process's write lock, and goes on read-only (one ``RuntimeWarning``) when the
file cannot be written.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
import threading
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..errors import (
    CacheError,
    InvalidParameterError,
)
from ._paths import _refuse_links, quarantine

#: Seconds a load waits, once, for another process's write lock on the cache file;
#: after that it goes on without writing to the cache (one ``RuntimeWarning``).
LOCK_WAIT = 5.0


#: How pages are kept, recorded in the ``auditkit_meta`` table: a file without
#: this row was written by an older auditkit (pickles) and is cleared unread.
CACHE_FORMAT = "json-1"


_META = "auditkit_meta"


_OLD_TABLES = ("responses", "redirects", "auditkit_windows")


_TABLES = (*_OLD_TABLES, _META)


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value BLOB, expires INTEGER)",
    "CREATE INDEX IF NOT EXISTS expires_idx ON responses(expires)",
    "CREATE TABLE IF NOT EXISTS redirects (key TEXT PRIMARY KEY, value BLOB, expires INTEGER)",
    "CREATE TABLE IF NOT EXISTS auditkit_windows "
    "(key TEXT PRIMARY KEY, pages INTEGER, created REAL, arrow BLOB, json BLOB)",
    f"CREATE TABLE IF NOT EXISTS {_META} (name TEXT PRIMARY KEY, value TEXT)",
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
