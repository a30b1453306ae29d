"""Where a load's Arrow memory comes from, and handing back what it no longer uses.

pyarrow's default pool on Linux is mimalloc. A load allocates in its worker
threads (pages typed there) and frees in the loader's thread, and mimalloc keeps
memory freed across threads, or left in the heap of a thread that has ended,
long after it is free: measured on a cold load of 300,000 sandbox entries, the
process held 250 MiB more than Arrow had in use during the fetch (peak RSS 465
MiB, against 322 MiB with the system allocator). :func:`load_pool` makes the
system allocator (``malloc``) the default for the length of a load, where it is
glibc's: there :func:`release_unused` (``malloc_trim``) returns freed memory from
every thread's arena at once, for about 0.2 ms a call. Speed is the same (cold
loads of 20,000 and 100,000 entries, interleaved in one process: within 5%,
either way).

The switch is made only while the default is pyarrow's own mimalloc and the
``ARROW_DEFAULT_MEMORY_POOL`` environment variable is not set: a pool the user
chose is left alone. The default is the process's, so Arrow work in other threads
during a load allocates from ``malloc`` too (which changes nothing but where the
memory comes from). Loads in several threads at once share one switch; the
last to end restores the pool. Buffers remember the pool they came from, so a
frame made in a load stays valid whatever the default is afterwards.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa

__all__ = ["RELEASE_BYTES", "RELEASE_ROWS", "load_pool", "release_unused"]

#: Rows from which :func:`~auditkit.frame._chunk.frame_of_taken` hands memory back to the
#: system as it goes, and from which encoded JSON columns are converted chunk by chunk (the
#: same frame, less memory at a time; below it, combining them first is faster).
RELEASE_ROWS = 100_000

#: Bytes in use in Arrow's default pool from which a load hands unused memory back as it goes.
RELEASE_BYTES = 64 << 20


def release_unused(*, in_use_over: int = 0) -> None:
    """Hand the memory Arrow's default pool holds unused back to the system.

    With the system allocator (a load's, see :func:`load_pool`) this is glibc's
    ``malloc_trim``: free memory of every thread's arena. With mimalloc, its
    collect: memory freed by this thread, and in the heaps of threads that have
    ended. It frees nothing in use, so no buffer is affected. With
    ``in_use_over``, only when the pool has more than that many bytes in use: a
    small load has little to give back.

    Examples
    --------
    >>> release_unused()
    >>> release_unused(in_use_over=RELEASE_BYTES)
    """
    if in_use_over and pa.total_allocated_bytes() <= in_use_over:
        return
    pa.default_memory_pool().release_unused()


_lock = threading.Lock()
_loads = 0
_restore: pa.MemoryPool | None = None


def _glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError, AttributeError):  # not glibc (macOS, musl, Windows)
        return False


def _switch() -> pa.MemoryPool | None:
    """The pool to restore after switching to the system allocator; ``None``: not switched."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL") or not _glibc():
        return None
    current = pa.default_memory_pool()
    if current.backend_name != "mimalloc":
        return None
    pa.set_memory_pool(pa.system_memory_pool())
    return current


@contextmanager
def load_pool() -> Iterator[None]:
    """For its length, Arrow allocates from glibc's ``malloc`` instead of mimalloc.

    See the module docstring for when it switches and why. Re-entrant, and
    shared by loads running in several threads at once.

    Examples
    --------
    >>> with load_pool():
    ...     during = pa.default_memory_pool().backend_name
    >>> during in ("system", "mimalloc", "jemalloc")
    True
    """
    global _loads, _restore
    with _lock:
        if _loads == 0:
            _restore = _switch()
        _loads += 1
    try:
        yield
    finally:
        with _lock:
            _loads -= 1
            if _loads == 0 and _restore is not None:
                pa.set_memory_pool(_restore)
                _restore = None
