"""The store: what a load keeps on disk, in one SQLite file.

- :mod:`._paths`: where the file lives (``$AUDITKIT_CACHE`` or the user cache
  dir), links refused, damaged files moved aside;
- :mod:`._db`: the database, owned (``0600``), locked with care, read-only when
  it cannot be written;
- :mod:`._session`: requests-cache's session on auditkit's JSON backend
  (nothing unpickled, no credential stored, keys per credential);
- :mod:`._windows`: typed rows of closed windows (Arrow IPC);
- :mod:`._admin`: :func:`cache_info` and :func:`clear_cache`.

The rules, each of which has a test:

- Only ``200`` responses whose JSON envelope says ``"success": true`` are kept.
- No credential reaches the file: ``Authorization``, ``X-Auth-Key`` and
  ``X-Auth-Email`` are redacted from stored requests.
- Two credentials never share entries: every key mixes in the credential's
  one-way fingerprint (see :attr:`auditkit.http.Credentials.fingerprint`).
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
  holding the write lock for more than ``LOCK_WAIT`` seconds, a full disk)
  is still read; the load writes nothing and says so in one ``RuntimeWarning``.
- A corrupt or unreadable file is moved aside with a warning and rebuilt; if it
  cannot be moved, the warning says so and the load goes on uncached.
"""

from ._admin import cache_info, clear_cache
from ._db import CACHE_FORMAT, LOCK_WAIT
from ._paths import CacheSpec, default_cache_path, quarantine, resolve_cache_path
from ._session import open_session
from ._windows import WindowStore, window_key

__all__ = [
    "CACHE_FORMAT",
    "LOCK_WAIT",
    "CacheSpec",
    "WindowStore",
    "cache_info",
    "clear_cache",
    "default_cache_path",
    "open_session",
    "quarantine",
    "resolve_cache_path",
    "window_key",
]
