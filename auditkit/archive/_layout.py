"""The archive's layout on disk: partition paths, file names, stream keys. Names only, no I/O.

An archive is ``<root>/api=<v1|v2>/account=<key>/day=<YYYY-MM-DD>/<file>.parquet`` plus
the manifest :data:`MANIFEST` at the root. A *stream* is one ``(api, account)`` pair:
the rows of one endpoint, synced with one set of filters. Its account key is the
account id, ``"user"`` for v1's ``/user/audit_logs`` or ``"org-<id>"`` for a v2
organization. Files being written end in :data:`STAGED` (``.parquet.tmp``), which
no ``*.parquet`` glob matches.

Examples
--------
>>> file_path("v2", "f430dc18", "2026-10-01", "s1a2b3-0")
'api=v2/account=f430dc18/day=2026-10-01/part-s1a2b3-0.parquet'
>>> stream_key("v1", None, None), stream_key("v2", None, "0rg")
('user', 'org-0rg')
>>> parse_file_path('api=v1/account=user/day=2026-10-01/part-x-0.parquet')
('v1', 'user', '2026-10-01')
"""

from __future__ import annotations

import re

__all__ = [
    "LOCK",
    "MANIFEST",
    "NO_DAY",
    "STAGED",
    "USER",
    "file_path",
    "parse_file_path",
    "stream_folder",
    "stream_id",
    "stream_key",
]

#: The manifest at the archive's root: the list of committed files.
MANIFEST = "_auditkit_archive.json"
#: The lock: a local file held with ``flock``, or an object on object storage.
LOCK = "_auditkit_archive.lock"
#: Suffix of a file written but not yet committed (or committed, not yet renamed).
STAGED = ".tmp"
#: v1's ``/user/audit_logs``: the stream's account key.
USER = "user"
#: The day partition of rows without a ``when``.
NO_DAY = "unknown"

_PATH = re.compile(
    r"^api=(v1|v2)/account=([A-Za-z0-9_-]+)/day=(\d{4}-\d{2}-\d{2}|unknown)/[^/]+\.parquet$"
)


def stream_key(api: str, account_id: str | None, organization_id: str | None) -> str:
    """The ``account=`` partition of a load of ``account_id`` (or the org, or the user)."""
    if organization_id is not None:
        return f"org-{organization_id}"
    return USER if account_id is None else account_id


def stream_id(api: str, account: str) -> str:
    """The manifest's key of a stream: ``"v2/f430dc18"``."""
    return f"{api}/{account}"


def stream_folder(api: str, account: str) -> str:
    """The folder of one stream, relative to the root."""
    return f"api={api}/account={account}"


def partition(api: str, account: str, day: str) -> str:
    """The folder of one day of one stream, relative to the root."""
    return f"{stream_folder(api, account)}/day={day}"


def file_path(api: str, account: str, day: str, part: str) -> str:
    """A committed file's path relative to the root (``part`` names the sync and the file)."""
    return f"{partition(api, account, day)}/part-{part}.parquet"


def parse_file_path(path: str) -> tuple[str, str, str] | None:
    """``(api, account, day)`` of a relative path in the layout, else ``None``."""
    found = _PATH.match(path)
    return None if found is None else (found[1], found[2], found[3])
