"""One sync at a time: an OS lock on local folders, a lock object on object storage.

- Local folder: ``flock`` on ``_auditkit_archive.lock`` at the root. The kernel releases
  it when the process ends, SIGKILL included, so a crashed sync never blocks the next.
  ``wait`` seconds are waited for it, polling.
- Object storage (no OS lock exists there): an object ``_auditkit_archive.lock`` naming
  its owner (a random token), when it was taken, and the host and process id. A lock
  older than :data:`STALE_AFTER`, or of this host's process that no longer runs, is a
  crashed sync's and is taken over. Writing the object, then
  reading it back, catches most races; the commit's compare-before-commit of the
  manifest (:mod:`._commit`) catches the rest: of two syncs, one commits and the
  other raises :class:`~auditkit.errors.ArchiveBusyError`, nothing mixed.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import time
from collections.abc import Iterator
from typing import IO, Any

import pandas as pd

from ..errors import ArchiveBusyError
from ..storage import Location, storage_error
from . import _files
from ._layout import LOCK

__all__ = ["STALE_AFTER", "hold"]

#: A lock object older than this (seconds) is taken over: its sync crashed.
STALE_AFTER = 3600.0
_POLL = 0.05


@contextlib.contextmanager
def hold(loc: Location, wait: float = 0.0) -> Iterator[None]:
    """Hold the archive's lock for the block, or raise ``ArchiveBusyError`` after ``wait`` s."""
    if loc.is_local:
        with _local(loc, wait):
            yield
    else:
        with _remote(loc, wait):
            yield


@contextlib.contextmanager
def _local(loc: Location, wait: float) -> Iterator[None]:
    import fcntl

    try:
        os.makedirs(loc.root, exist_ok=True)
        fd = os.open(loc.join(LOCK), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise storage_error(loc, "cannot lock", exc) from None
    handle: IO[bytes] = os.fdopen(fd, "r+b")
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ArchiveBusyError(
                        f"{loc.url}: another sync holds the archive (waited {wait:g} s; "
                        "wait= waits longer)"
                    ) from None
                time.sleep(_POLL)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


@contextlib.contextmanager
def _remote(loc: Location, wait: float) -> Iterator[None]:
    token = secrets.token_hex(16)
    deadline = time.monotonic() + wait
    while True:
        held = _read(loc)
        if held is None or _stale(held):
            body = {
                "owner": token,
                "taken_at": pd.Timestamp.now(tz="UTC").isoformat(),
                "host": socket.gethostname(),
                "pid": os.getpid(),
            }
            _files.put_atomic(loc, LOCK, json.dumps(body).encode())
            back = _read(loc)
            if back is not None and back.get("owner") == token:
                break
        if time.monotonic() >= deadline:
            raise ArchiveBusyError(
                f"{loc.url}: another sync holds the archive (its lock object {LOCK}; one "
                f"older than {STALE_AFTER:g} s is taken over)"
            )
        time.sleep(max(_POLL, 0.25))
    try:
        yield
    finally:
        back = _read(loc)
        if back is not None and back.get("owner") == token:
            _files.remove(loc, LOCK)


def _read(loc: Location) -> dict[str, Any] | None:
    raw = _files.read_bytes(loc, LOCK)
    if raw is None:
        return None
    try:
        body = json.loads(raw)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _stale(held: dict[str, Any]) -> bool:
    try:
        taken = pd.Timestamp(held["taken_at"])
    except (KeyError, ValueError, TypeError):
        return True  # unreadable: a torn write of a crashed sync
    if held.get("host") == socket.gethostname() and isinstance(held.get("pid"), int):
        try:
            os.kill(held["pid"], 0)
        except ProcessLookupError:
            return True  # a sync of this machine that died (SIGKILL, power cut of a VM)
        except OSError:
            pass
    return (pd.Timestamp.now(tz="UTC") - taken).total_seconds() > STALE_AFTER
