"""requests-cache's session on auditkit's own backend: JSON, keyed per credential, redacted.

Only ``200`` responses whose envelope (decoded by the source's decoder) says
``success: true`` are kept; ``Authorization``, ``X-Auth-Key`` and
``X-Auth-Email`` are redacted from stored requests; every key mixes in the
credential's one-way fingerprint; pages are JSON (bodies base64), never pickles.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import (
    InvalidParameterError,
)
from ..http._envelope import Decode, decoded
from ._db import _Db, _open_db

SECRET_HEADERS = ("Authorization", "X-Auth-Key", "X-Auth-Email")


_REDACT = tuple({*SECRET_HEADERS, *(h.lower() for h in SECRET_HEADERS)})


def is_cacheable(response: Any, decode: Decode) -> bool:
    """requests-cache filter: a ``200`` whose envelope (by ``decode``) says ``success: true``."""
    if response.status_code != 200:
        return False
    payload = decoded(response, decode)
    return payload.is_object and payload.success is True


def _key_fn(fingerprint: str) -> Callable[..., str]:
    from requests_cache import create_key

    def key(request: Any, **kwargs: Any) -> str:
        base = create_key(request, **kwargs)
        return hashlib.blake2b(f"{fingerprint}:{base}".encode(), digest_size=16).hexdigest()

    return key


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


def open_session(
    path: Path | None,
    fingerprint: str | None = None,
    *,
    decode: Decode | None = None,
    fallback: bool = False,
) -> Any:
    """A ``requests.Session`` (``path=None``) or a ``CachedSession`` on ``path``.

    Parameters
    ----------
    path
        SQLite cache file, or ``None`` for no caching.
    fingerprint
        The credential's fingerprint, mixed into every cache key.
    decode
        The source's decoder, which the filter reads each envelope with
        (required with a ``path``: what is kept depends on it).
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
    if decode is None:
        raise InvalidParameterError("decode", "a cached session needs the source's decoder")
    from requests_cache import CachedSession

    db = _open_db(path, fallback=fallback)
    if db is None:
        return requests.Session()
    return CachedSession(
        backend=_backend(db),
        allowable_codes=(200,),
        allowable_methods=("GET",),
        filter_fn=partial(is_cacheable, decode=decode),
        key_fn=_key_fn(fingerprint or "anonymous"),
        ignored_parameters=_REDACT,
        match_headers=False,
        cache_control=False,
        stale_if_error=False,
        expire_after=0,  # nothing is kept unless a request says how long
    )
