"""Writing files and committing them: the commit protocol and the recovery after a crash.

1. **Stage.** Each new file is written as ``<name>.parquet.tmp`` (locally: the file, then
   its folder, fsynced).
   No ``*.parquet`` glob sees it.
2. **Commit.** The manifest is read again and compared with the bytes read when the
   sync began; if another sync committed meanwhile, the staged files are deleted and
   :class:`~auditkit.errors.ArchiveBusyError` raised. Else the new manifest, listing
   the staged files by their final names, replaces the old one at once (``os.replace``;
   one PUT on object storage). This is the commit point.
3. **Publish.** Each staged file is renamed to its final ``.parquet`` name.

A crash before 2 leaves ``.tmp`` files that no manifest lists: the next sync of that
stream deletes them (roll back; it lists only the folders of the streams it writes).
A crash between 2 and 3 leaves committed files still named ``.tmp``: only the last
commit's (every sync finishes them before it commits), which :func:`read_archive`
reads under that name and the next sync renames, whatever stream it syncs (roll
forward). No crash can leave a ``*.parquet`` file the manifest does not list, nor a
manifest that is half written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from ..errors import ArchiveBusyError
from ..storage import Location
from . import _files
from ._layout import MANIFEST, STAGED, parse_file_path
from ._manifest import FileEntry, Manifest

__all__ = ["Recovery", "commit", "last_commit", "read_state", "recover", "stage"]


def read_state(loc: Location) -> tuple[Manifest, bytes | None]:
    """The committed manifest (empty for a new archive) and its raw bytes."""
    raw = _files.read_bytes(loc, MANIFEST)
    return (Manifest.empty(), None) if raw is None else (Manifest.from_bytes(raw, loc.url), raw)


@dataclass
class Recovery:
    """What :func:`recover` found of a crashed sync."""

    published: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)


def inspect(loc: Location, manifest: Manifest, names: list[str] | None = None) -> Recovery:
    """What a recovery would do, without doing it (``info`` reports it)."""
    names = _files.list_files(loc) if names is None else names
    present = set(names)
    committed = {f.path for f in manifest.files}
    out = Recovery()
    for path in sorted(committed):
        if path not in present and path + STAGED in present:
            out.published.append(path)
    for name in names:
        if name.endswith(".parquet" + STAGED):
            final = name[: -len(STAGED)]
            if final not in committed or final in present:
                out.removed.append(name)
        elif name.startswith(MANIFEST + ".") and name.endswith(STAGED):
            out.removed.append(name)  # a local manifest write cut short
        elif name.endswith(".parquet") and name not in committed and parse_file_path(name):
            out.orphans.append(name)
    return out


def last_commit(manifest: Manifest) -> list[FileEntry]:
    """The files the last commit that added files added: the only ones that can still
    be under their staged names (each sync finishes them before it commits).

    A sync's files are appended to the manifest's list together and share the sync's
    token in their names (``part-<token>-<n>.parquet``).
    """
    if not manifest.files:
        return []
    token = _token(manifest.files[-1].path)
    out = []
    for entry in reversed(manifest.files):
        if _token(entry.path) != token:
            break
        out.append(entry)
    return out[::-1]


def _token(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.rsplit("-", 1)[0]


def recover(loc: Location, manifest: Manifest, folders: list[str] | None = None) -> Recovery:
    """Finish a crashed sync: publish committed ``.tmp`` files, delete uncommitted ones.

    Called with the lock held. ``*.parquet`` files in the layout that the manifest does
    not list (none of auditkit's making) are left alone and reported as ``orphans``.

    ``folders`` (``"api=v1/account=user"``): only these folders are listed for
    uncommitted files to delete (the streams this sync writes, where a crashed sync
    of them left its staged files), with the root's files; the last commit's files
    are looked up one by one. Default: the whole archive is listed.
    """
    if folders is None:
        found = inspect(loc, manifest)
    else:
        names = set(_files.list_top(loc))
        for folder in folders:
            names.update(_files.list_files(loc, folder))
        for entry in last_commit(manifest):
            if entry.path in names or entry.path + STAGED in names:
                continue
            if not _files.exists(loc, entry.path) and _files.exists(loc, entry.path + STAGED):
                names.add(entry.path + STAGED)
        found = inspect(loc, manifest, sorted(names))
    for path in found.published:
        _files.rename(loc, path + STAGED, path)
    for name in found.removed:
        _files.remove(loc, name)
    return found


def stage(
    loc: Location,
    path: str,
    write: Callable[[IO[bytes]], None],
    rows: int,
    min_when: str | None,
    max_when: str | None,
) -> FileEntry:
    """Write the file ``path`` under its staged name; its entry for the manifest."""
    size = _files.write_file(loc, path + STAGED, write)
    return FileEntry(path=path, rows=rows, bytes=size, min_when=min_when, max_when=max_when)


def commit(loc: Location, read_raw: bytes | None, new: Manifest, staged: list[FileEntry]) -> None:
    """Commit ``new`` (which lists ``staged``) unless the manifest changed since ``read_raw``."""
    current = _files.read_bytes(loc, MANIFEST)
    if current != read_raw:
        for entry in staged:
            _files.remove(loc, entry.path + STAGED)
        raise ArchiveBusyError(
            f"{loc.url}: another sync committed while this one ran; nothing was written "
            "(sync again)"
        )
    _files.sync_dirs(loc, [entry.path for entry in staged])  # staged files survive a power cut
    _files.put_atomic(loc, MANIFEST, new.to_bytes())
    for entry in staged:
        _files.rename(loc, entry.path + STAGED, entry.path)
