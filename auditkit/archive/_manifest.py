"""The manifest: the archive's one source of truth on what is committed, and its JSON form.

``_auditkit_archive.json`` at the root holds a format tag and version, a
``generation`` counter (one more per commit), per stream (``"v2/<account>"``) the
load filters it was synced with and the ``watermark`` (the ``before`` of its last
sync), and every committed file with its rows, bytes and oldest and newest ``when``.
It never holds a credential, a base URL or a host name: only what the data is.

Examples
--------
>>> m = Manifest.empty()
>>> m.files.append(FileEntry("api=v1/account=user/day=2026-10-01/part-a-0.parquet",
...                          rows=2, bytes=900, min_when="2026-10-01T01:00:00+00:00",
...                          max_when="2026-10-01T02:00:00+00:00"))
>>> back = Manifest.from_bytes(m.to_bytes(), "archive/")
>>> back.files[0].day, back.files[0].api, back.generation
('2026-10-01', 'v1', 0)
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ..errors import ArchiveError
from ._layout import parse_file_path

__all__ = ["FORMAT", "VERSION", "FileEntry", "Manifest", "Stream"]

#: The manifest's format tag: a JSON file without it is not an auditkit archive's.
FORMAT = "auditkit-archive"
#: The manifest's version; a newer one is refused (``ArchiveError``), never misread.
VERSION = 1


@dataclass(frozen=True)
class FileEntry:
    """One committed Parquet file (``path`` relative to the root, ``/``-separated)."""

    path: str
    rows: int
    bytes: int
    min_when: str | None
    max_when: str | None

    @functools.cached_property
    def parts(self) -> tuple[str, str, str]:
        found = parse_file_path(self.path)
        assert found is not None  # checked when the manifest is read
        return found

    @property
    def api(self) -> str:
        return self.parts[0]

    @property
    def account(self) -> str:
        return self.parts[1]

    @property
    def day(self) -> str:
        return self.parts[2]

    def overlaps(self, since: pd.Timestamp | None, before: pd.Timestamp | None) -> bool:
        """Whether rows with ``since <= when < before`` can be in the file (missing
        ``when``: only when no bound is given, as a load keeps such rows only then)."""
        if self.min_when is None or self.max_when is None:
            return (since is None and before is None) or self.day == "unknown"
        if since is not None and pd.Timestamp(self.max_when) < since:
            return False
        return before is None or pd.Timestamp(self.min_when) < before


@dataclass(frozen=True)
class Stream:
    """One ``(api, account)``: the filters it is synced with and its last sync's ``before``."""

    api: str
    account: str
    filters: dict[str, Any]
    watermark: str | None
    synced_at: str | None = None


@dataclass
class Manifest:
    """The committed state of an archive."""

    files: list[FileEntry]
    streams: dict[str, Stream]
    generation: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Manifest:
        return cls(files=[], streams={})

    def to_bytes(self) -> bytes:
        body = {
            "format": FORMAT,
            "version": VERSION,
            "generation": self.generation,
            "streams": {k: asdict(s) for k, s in sorted(self.streams.items())},
            # By hand: asdict deep-copies every field, the most of a commit's time.
            "files": [
                {
                    "bytes": f.bytes,
                    "max_when": f.max_when,
                    "min_when": f.min_when,
                    "path": f.path,
                    "rows": f.rows,
                }
                for f in self.files
            ],
        }
        return (json.dumps(body, indent=1, sort_keys=True) + "\n").encode()

    @classmethod
    def from_bytes(cls, raw: bytes, url: str) -> Manifest:
        """Parse and check a manifest; anything unexpected is an :class:`ArchiveError`."""
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ArchiveError(f"{url}: the manifest is not JSON (damaged?)") from None
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise ArchiveError(f"{url}: the manifest is not an auditkit archive's")
        if body.get("version") != VERSION:
            raise ArchiveError(
                f"{url}: archive format version {body.get('version')!r}; this auditkit reads "
                f"version {VERSION} (upgrade auditkit)"
            )
        try:
            files = [FileEntry(**f) for f in body["files"]]
            streams = {k: Stream(**s) for k, s in body["streams"].items()}
            generation = int(body["generation"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ArchiveError(f"{url}: the manifest is damaged (a field is missing)") from None
        for f in files:
            if parse_file_path(f.path) is None:
                raise ArchiveError(f"{url}: the manifest lists {f.path!r}, outside the layout")
        return cls(files=files, streams=streams, generation=generation)

    def files_of(self, api: str, account: str) -> list[FileEntry]:
        return [f for f in self.files if f.api == api and f.account == account]
