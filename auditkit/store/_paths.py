"""Where the cache file lives, and what to do with one that cannot be used.

``cache=True`` is ``$AUDITKIT_CACHE`` or ``<user cache dir>/auditkit/http-cache.sqlite``;
a path that is (or whose side files are) a symbolic link is refused; a damaged
file is moved aside (:func:`quarantine`).
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from pathlib import Path

from ..errors import (
    InvalidParameterError,
)

ENV_CACHE = "AUDITKIT_CACHE"


_SIDE_FILES = ("-wal", "-shm", "-journal")


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
