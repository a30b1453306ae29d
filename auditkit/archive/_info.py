"""``info``: what an archive holds (days, rows, bytes, oldest and newest entry, gaps), read
from its manifest alone: the CLI's ``archive info`` is a thin wrapper of it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ..errors import ArchiveError
from ..storage import open_location
from . import _commit

__all__ = ["ArchiveInfo", "StreamInfo", "info"]


@dataclass(frozen=True)
class StreamInfo:
    """One stream (``api``, ``account``): its size, its time span and the days it lacks."""

    api: str
    account: str
    files: int
    rows: int
    bytes: int
    days: int
    oldest: str | None
    newest: str | None
    watermark: str | None
    filters: dict[str, Any]
    gaps: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ArchiveInfo:
    """What :func:`info` returns; ``as_dict()`` gives plain values (for JSON)."""

    url: str
    generation: int
    files: int
    rows: int
    bytes: int
    days: int
    oldest: str | None
    newest: str | None
    streams: list[StreamInfo]
    pending: list[str]
    orphans: list[str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _gaps(days: set[str]) -> list[str]:
    dated = sorted(d for d in days if d != "unknown")
    if len(dated) < 2:
        return []
    every = pd.date_range(dated[0], dated[-1], freq="D").strftime("%Y-%m-%d")
    return [d for d in every if d not in days]


def info(
    src: str | os.PathLike[str], storage_options: Mapping[str, Any] | None = None
) -> ArchiveInfo:
    """Summarise the archive at ``src`` from its manifest (no data file is read).

    ``gaps`` are the UTC days between a stream's oldest and newest day holding no
    entry (quiet days or a hole to look at); ``pending`` are files a crashed sync left
    for the next one to finish or remove, ``orphans`` ``*.parquet`` files in the
    layout the manifest does not list (none of auditkit's making).

    Examples
    --------
    >>> import tempfile
    >>> from auditkit import sandbox
    >>> from auditkit.archive import sync_archive
    >>> dest = tempfile.mkdtemp()
    >>> with sandbox.start(anchor="2026-11-01") as sb:
    ...     _ = sync_archive(dest, base_url=sb.base_url, token=sb.token, cache=False,
    ...                      progress=False)
    >>> summary = info(dest)
    >>> summary.rows, summary.streams[0].account, summary.oldest[:10]
    (3853, 'user', '2026-04-27')
    """
    loc = open_location(src, storage_options, param="src")
    manifest, raw = _commit.read_state(loc)
    if raw is None:
        raise ArchiveError(f"{loc.url}: no archive here (no _auditkit_archive.json)")
    streams = []
    for _, stream in sorted(manifest.streams.items()):
        files = manifest.files_of(stream.api, stream.account)
        mins = [f.min_when for f in files if f.min_when]
        maxs = [f.max_when for f in files if f.max_when]
        days = {f.day for f in files}
        streams.append(
            StreamInfo(
                api=stream.api,
                account=stream.account,
                files=len(files),
                rows=sum(f.rows for f in files),
                bytes=sum(f.bytes for f in files),
                days=len(days),
                oldest=min(mins, key=pd.Timestamp) if mins else None,
                newest=max(maxs, key=pd.Timestamp) if maxs else None,
                watermark=stream.watermark,
                filters=stream.filters,
                gaps=_gaps(days),
            )
        )
    found = _commit.inspect(loc, manifest)
    olds = [s.oldest for s in streams if s.oldest]
    news = [s.newest for s in streams if s.newest]
    return ArchiveInfo(
        url=loc.url,
        generation=manifest.generation,
        files=len(manifest.files),
        rows=sum(f.rows for f in manifest.files),
        bytes=sum(f.bytes for f in manifest.files),
        days=len({(f.api, f.account, f.day) for f in manifest.files}),
        oldest=min(olds, key=pd.Timestamp) if olds else None,
        newest=max(news, key=pd.Timestamp) if news else None,
        streams=streams,
        pending=[*found.published, *found.removed],
        orphans=found.orphans,
    )
