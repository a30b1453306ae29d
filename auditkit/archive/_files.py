"""File operations on a :class:`~auditkit.storage.Location`, each failure a ``StorageError``.

Local folders use the OS (``os.replace`` is atomic, files are fsynced before they are
renamed); object storage uses fsspec (a PUT is atomic, a rename is copy then delete).
Paths are relative to the location's root.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import IO

from ..errors import StorageError
from ..storage import Location, storage_error

__all__ = [
    "exists",
    "list_files",
    "list_top",
    "put_atomic",
    "read_bytes",
    "remove",
    "rename",
    "sync_dirs",
    "write_file",
]


@contextlib.contextmanager
def _wrapped(loc: Location, what: str) -> Iterator[None]:
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:  # OSError, botocore, aiohttp, gcsfs...: never a credential shown
        raise storage_error(loc, what, exc) from None


def read_bytes(loc: Location, rel: str) -> bytes | None:
    """The file's bytes, or ``None`` when it does not exist."""
    path = loc.join(rel)
    with _wrapped(loc, f"cannot read {rel} in"):
        if loc.is_local:
            try:
                with open(path, "rb") as handle:
                    return handle.read()
            except FileNotFoundError:
                return None
        try:
            data: bytes = loc.fs.cat_file(path)
        except FileNotFoundError:
            return None
        return data


def exists(loc: Location, rel: str) -> bool:
    """Whether the file exists (object storage: fresh, not from fsspec's listing cache)."""
    with _wrapped(loc, f"cannot look up {rel} in"):
        if loc.is_local:
            return os.path.exists(loc.join(rel))
        loc.fs.invalidate_cache(loc.join(rel))
        return bool(loc.fs.exists(loc.join(rel)))


def write_file(loc: Location, rel: str, write: Callable[[IO[bytes]], None]) -> int:
    """Create ``rel`` (folders too) with what ``write`` writes; return its size in bytes.

    Locally the file is fsynced before this returns (mode ``0600``: audit data is sensitive).
    """
    path = loc.join(rel)
    with _wrapped(loc, f"cannot write {rel} in"):
        if loc.is_local:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            return _write_local(path, write)
        with loc.fs.open(path, "wb") as remote:
            write(remote)
            size: int = remote.tell()
        return size


def _write_local(path: str, write: Callable[[IO[bytes]], object]) -> int:
    """Create the local file ``path`` (mode ``0600``, no link followed) with what ``write``
    writes, fsynced; its size."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())
        return handle.tell()


def put_atomic(loc: Location, rel: str, data: bytes) -> None:
    """Replace ``rel`` by ``data`` at once: readers see the old bytes or the new, never a mix."""
    path = loc.join(rel)
    with _wrapped(loc, f"cannot write {rel} in"):
        if loc.is_local:
            os.makedirs(loc.root, exist_ok=True)
            tmp = f"{path}.{os.getpid()}.tmp"
            try:
                _write_local(tmp, lambda handle: handle.write(data))
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            _fsync_dir(loc.root)
            return
        loc.fs.pipe_file(path, data)  # one PUT: atomic on S3, R2, GCS and Azure


def rename(loc: Location, src: str, dst: str) -> None:
    """Move ``src`` to ``dst`` (local: atomic; object storage: copy, then delete)."""
    with _wrapped(loc, f"cannot rename {src} in"):
        if loc.is_local:
            os.replace(loc.join(src), loc.join(dst))  # either name is recovered: no fsync
        else:
            loc.fs.mv(loc.join(src), loc.join(dst))


def sync_dirs(loc: Location, rels: list[str]) -> None:
    """Make the folders' entries of ``rels`` durable (local only; object storage has none)."""
    if loc.is_local:
        for folder in sorted({os.path.dirname(loc.join(rel)) for rel in rels}):
            _fsync_dir(folder)


def remove(loc: Location, rel: str) -> None:
    """Delete ``rel``; a file already gone is no error."""
    with _wrapped(loc, f"cannot delete {rel} in"):
        try:
            if loc.is_local:
                os.unlink(loc.join(rel))
            else:
                loc.fs.rm_file(loc.join(rel))
        except FileNotFoundError:
            pass


def list_files(loc: Location, under: str = "") -> list[str]:
    """Every file below the root (or its folder ``under``), relative to the root.

    ``[]`` when the folder does not exist.
    """
    top = loc.join(under) if under else loc.root
    with _wrapped(loc, "cannot list"):
        if loc.is_local:
            out: list[str] = []
            _walk(top, under.strip("/"), out)
            return sorted(out)
        loc.fs.invalidate_cache(top)
        try:
            found = loc.fs.find(top)
        except FileNotFoundError:
            return []
        prefix = loc.root.rstrip("/") + "/"
        return sorted(p[len(prefix) :] for p in found if p.startswith(prefix))


def _walk(folder: str, rel: str, out: list[str]) -> None:
    """The files below ``folder`` (``rel`` to the root), symbolic links not followed."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        name = f"{rel}/{entry.name}" if rel else entry.name
        if entry.is_dir(follow_symlinks=False):
            _walk(entry.path, name, out)
        elif not entry.is_dir():  # as os.walk: a link to a folder is neither walked nor a file
            out.append(name)


def list_top(loc: Location) -> list[str]:
    """The files directly in the root (no folder below it)."""
    with _wrapped(loc, "cannot list"):
        if loc.is_local:
            try:
                with os.scandir(loc.root) as entries:
                    return sorted(e.name for e in entries if e.is_file(follow_symlinks=False))
            except FileNotFoundError:
                return []
        loc.fs.invalidate_cache(loc.root)
        try:
            found = loc.fs.ls(loc.root, detail=True)
        except FileNotFoundError:
            return []
        prefix = loc.root.rstrip("/") + "/"
        return sorted(
            f["name"][len(prefix) :]
            for f in found
            if f.get("type") == "file" and f["name"].startswith(prefix)
        )


def _fsync_dir(path: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
