"""Which files of a Logpush destination to read: listing, and pruning by folder and name.

Logpush writes ``<start>_<end>_<hash>.log.gz`` (``20261101T120000Z_20261101T120500Z_
3f2a9c1d.log.gz``), where ``start``/``end`` bound when the batch was *pushed*,
under a ``YYYYMMDD/`` folder when the job's path holds ``{DATE}``. An entry's
``When`` precedes its push (Cloudflare batches by processing time), so a file may
hold entries older than its ``start``; hence a **margin**:

- a file named ``<start>_<end>_<hash>`` is read when its window, widened by the
  margin on both sides, meets ``[since, before)``:
  ``start - margin < before`` and ``end + margin >= since``;
- a ``YYYYMMDD`` folder is listed when that day, widened by one more day on each
  side (a window can straddle midnight, the folder may be dated by start or end)
  and by the margin, meets ``[since, before)``;
- a file whose name carries no window is always read; other folders are walked.

Only ``.log.gz`` and ``.log`` files are Logpush output; anything else (Logpush's
``ownership-challenge-*.txt``, ``_SUCCESS`` markers, notes) is left alone and
counted. The rows are then clipped exactly, ``since <= when < before``, so pruning
only decides how much is read, never which rows come back.

Examples
--------
>>> import pandas as pd
>>> window_of("20261101T120000Z_20261101T120500Z_3f2a9c1d.log.gz")
(Timestamp('2026-11-01 12:00:00+0000', tz='UTC'), Timestamp('2026-11-01 12:05:00+0000', tz='UTC'))
>>> window_of("notes.log.gz") is None
True
>>> keep = Bounds(pd.Timestamp("2026-11-02", tz="UTC"), None, pd.Timedelta("1h"))
>>> keep.window(*window_of("20261101T120000Z_20261101T120500Z_3f2a9c1d.log.gz"))
False
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ...storage import Location, storage_error

__all__ = ["Bounds", "Listing", "is_logpush_file", "list_files", "window_of"]

_WINDOW = re.compile(r"^(\d{8}T\d{6}Z)_(\d{8}T\d{6}Z)_[^/]*\.log(?:\.gz)?$")
_DAY = re.compile(r"^\d{8}$")
_SUFFIXES = (".log.gz", ".log")
_DAY_SLACK = pd.Timedelta(days=1)


def is_logpush_file(name: str) -> bool:
    """Whether ``name`` is a file Logpush writes (``.log.gz``; ``.log`` too)."""
    return name.endswith(_SUFFIXES)


def window_of(name: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The push window ``(start, end)`` in a Logpush file's name, or ``None``."""
    match = _WINDOW.match(name)
    if match is None:
        return None
    try:
        start, end = (pd.Timestamp(t).tz_convert("UTC") for t in match.groups())
    except ValueError:
        return None
    return start, end


def _day_of(name: str) -> pd.Timestamp | None:
    if not _DAY.match(name):
        return None
    try:
        return pd.Timestamp(f"{name[:4]}-{name[4:6]}-{name[6:]}", tz="UTC")
    except ValueError:
        return None


@dataclass(frozen=True)
class Bounds:
    """``[since, before)`` widened by ``margin`` (``None`` margin: prune nothing)."""

    since: pd.Timestamp | None
    before: pd.Timestamp | None
    margin: pd.Timedelta | None

    def window(self, start: pd.Timestamp, end: pd.Timestamp) -> bool:
        """Whether a file pushed in ``[start, end]`` may hold an entry in range."""
        if self.margin is None:
            return True
        if self.before is not None and start - self.margin >= self.before:
            return False
        return self.since is None or end + self.margin >= self.since

    def day(self, day: pd.Timestamp) -> bool:
        """Whether the folder of ``day`` may hold such a file."""
        return self.window(day - _DAY_SLACK, day + 2 * _DAY_SLACK)


@dataclass(frozen=True)
class Listing:
    """The files to read (sorted paths), and what was left alone."""

    files: list[str]
    pruned: int
    ignored: int


def _entries(loc: Location, path: str) -> list[dict[str, Any]]:
    try:
        entries: list[dict[str, Any]] = loc.fs.ls(path, detail=True)
    except FileNotFoundError:
        return []
    except Exception as exc:  # the filesystem's own errors (denied, no bucket...)
        raise storage_error(loc, "cannot list", exc) from None
    return entries


def list_files(loc: Location, bounds: Bounds) -> Listing:
    """The Logpush files under ``loc`` that may hold entries within ``bounds``.

    ``loc`` may also be one file. A missing folder is an empty listing (the
    caller decides whether that is an error).
    """
    try:
        if loc.fs.isfile(loc.root):
            return Listing([loc.root], 0, 0)
    except Exception as exc:
        raise storage_error(loc, "cannot read", exc) from None
    files: list[str] = []
    pruned = ignored = 0
    pending = [loc.root]
    while pending:
        folder = pending.pop()
        for entry in _entries(loc, folder):
            path = str(entry["name"]).rstrip("/")
            name = path.rsplit("/", 1)[-1]
            if entry.get("type") == "directory":
                day = _day_of(name)
                if day is not None and not bounds.day(day):
                    pruned += 1
                elif path != folder:
                    pending.append(path)
            elif not is_logpush_file(name):
                ignored += 1
            else:
                window = window_of(name)
                if window is not None and not bounds.window(*window):
                    pruned += 1
                else:
                    files.append(path)
    return Listing(sorted(files), pruned, ignored)


def shown(loc: Location, path: str) -> str:
    """How messages name the file at ``path``: the location's URL, then the path below it."""
    below = path[len(loc.root) :].lstrip("/") if path.startswith(loc.root) else path
    return f"{loc.url.rstrip('/')}/{below}" if below else loc.url
