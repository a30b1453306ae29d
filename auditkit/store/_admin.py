"""What a user can ask of the cache file: what it holds, and to empty it.

Examples
--------
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "c.sqlite")
>>> len(cache_info(path))
0
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd

from ..errors import (
    CacheError,
)
from ..http._envelope import count_entries
from ._db import _OLD_TABLES, _Db, _open_db
from ._paths import CacheSpec, resolve_cache_path
from ._session import _serializer, _storage_class


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
            rows.append(
                {
                    "endpoint": f"{url.scheme}://{url.netloc}{url.path}",
                    "params": dict(parse_qsl(url.query)),
                    "entries": count_entries(resp.content or b""),
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
