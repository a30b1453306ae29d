"""The CLI's commands on files and buckets: ``logpush`` and ``archive sync|info``.

Object-store credentials never come from the command line: ``--storage-option`` takes
only options that are not secrets (an endpoint, a region, ``anon``), and refuses a key
that looks like one; the rest comes from the scheme's environment
(``AWS_ACCESS_KEY_ID``...). Cloudflare's credential comes from the environment as for
``fetch``.
"""

from __future__ import annotations

import argparse
from typing import Any

from ._query import FILTER_NAMES
from ._suggest import plural
from .errors import InvalidParameterError

__all__ = ["cmd_archive", "cmd_logpush", "storage_options"]

#: Words in a ``--storage-option`` key that mark a secret: refused (use the environment).
_SECRET_WORDS = ("key", "secret", "token", "password", "credential", "sas", "connection")


def storage_options(
    pairs: list[str] | None, option: str = "--storage-option"
) -> dict[str, Any] | None:
    """``--storage-option KEY=VALUE`` as ``storage_options``; secrets refused, never echoed.

    ``true``/``false`` become booleans; ``a.b=v`` sets ``{"a": {"b": "v"}}``.

    Examples
    --------
    >>> storage_options(["endpoint_url=http://127.0.0.1:9000", "anon=false",
    ...                   "client_kwargs.region_name=auto"])
    {'endpoint_url': 'http://127.0.0.1:9000', 'anon': False, 'client_kwargs': {'region_name': 'auto'}}
    >>> storage_options(["secret=hunter2"])
    Traceback (most recent call last):
    ...
    auditkit.errors.InvalidParameterError: --storage-option: secret looks like a credential: credentials come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...), never the command line
    """
    if not pairs:
        return None
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise InvalidParameterError(option, "takes KEY=VALUE, e.g. endpoint_url=...")
        if any(word in name.lower() for word in _SECRET_WORDS):
            raise InvalidParameterError(
                option,
                f"{name.split('.')[-1][:30]} looks like a credential: credentials come from the "
                "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...), never the command line",
            )
        value: Any = {"true": True, "false": False}.get(text.lower(), text)
        *heads, last = name.split(".")
        place = out
        for head in heads:
            place = place.setdefault(head, {})
            if not isinstance(place, dict):
                raise InvalidParameterError(option, f"{head} is set twice")
        place[last] = value
    return out


def cmd_logpush(args: argparse.Namespace) -> int:
    """``auditkit logpush SRC -o FILE``: :func:`auditkit.read_logpush`, written as a file."""
    from .cli import _OUTPUT_FORMATS, _int, _output, write_frame
    from .sources.logpush import read_logpush

    out = _output(args.output, _OUTPUT_FORMATS)
    margin = _margin(args.margin)
    df = read_logpush(
        args.src,
        since=args.since,
        before=args.before,
        dataset=args.dataset,
        direction=args.direction,
        storage_options=storage_options(args.storage_option),
        margin=margin,
        skip_bad=args.skip_bad,
        workers=_int(args.workers, "--workers"),
        progress=False if args.quiet else None,
    )
    write_frame(df, out)
    if not args.quiet:
        a = df.attrs
        extra = [
            f"{a['files_pruned']} pruned by time" if a["files_pruned"] else "",
            f"{a['files_ignored']} not .log.gz ignored" if a["files_ignored"] else "",
            f"{plural(a['duplicates'], 'duplicate')} dropped" if a["duplicates"] else "",
            f"{len(a['skipped'])} bad skipped" if a["skipped"] else "",
        ]
        detail = "; ".join(e for e in extra if e)
        print(
            f"wrote {plural(len(df), 'entry', 'entries')} to {out} "
            f"(read {plural(a['files'], 'file')}, {a['bytes_read'] / 1e6:.1f} MB"
            f"{'; ' + detail if detail else ''})"
        )
    return 0


def _margin(text: str) -> str | None:
    return None if text.strip().lower() == "none" else text


def cmd_archive(args: argparse.Namespace) -> int:
    """``auditkit archive sync DEST [load options]`` and ``auditkit archive info DEST``."""
    if args.action == "info":
        return _archive_info(args)
    from .archive import sync_archive
    from .cli import load_kwargs

    kwargs = load_kwargs(args)
    if kwargs.pop("id", None) is not None:
        raise InvalidParameterError("--id", "a sync keeps every entry: no --id")
    kwargs.pop("direction", None)  # a sync keeps every entry, in the archive's order
    since = kwargs.pop("since", None)
    progress = kwargs.pop("progress")
    common: dict[str, Any] = dict(
        since=since,
        overlap=args.overlap,
        wait=_seconds(args.wait, "--wait"),
        progress=progress,
        storage_options=storage_options(args.storage_option),
    )
    source_options = storage_options(args.source_option, "--source-option")
    if args.source is None:
        logpush_only = {
            "--source-option": args.source_option,
            "--dataset": args.dataset,
            "--margin": args.margin,
        }
        for option, value in logpush_only.items():
            if value is not None:
                raise InvalidParameterError(option, "is for a Logpush source: give --source too")
        result = sync_archive(args.dest, **common, **kwargs)
    else:
        # Filters given with --source go to sync_archive, which refuses them by name.
        given = {
            k: v
            for k, v in kwargs.items()
            if k in FILTER_NAMES and k not in ("account_id", "before") and v not in (None, False)
        }
        if kwargs.get("exclude"):
            given["exclude"] = kwargs["exclude"]
        if kwargs.get("before") is not None:
            given["before"] = kwargs["before"]
        result = sync_archive(
            args.dest,
            **common,
            **given,
            source=args.source,
            dataset=args.dataset or "audit_logs",
            source_options=source_options,
            account_id=kwargs.get("account_id"),
            api=kwargs.get("api", "v1"),
            margin=_margin(args.margin or "1D"),
        )
    if progress is False:
        return 0
    per_stream = ", ".join(f"{k}: {v:,}" for k, v in result.streams.items())
    if per_stream:
        print(f"  {per_stream}")
    return 0


def _seconds(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidParameterError(option, f"must be seconds, got {text!r}") from None


def _archive_info(args: argparse.Namespace) -> int:
    import json

    from .archive import info

    found = info(args.dest, storage_options(args.storage_option))
    if args.json:
        print(json.dumps(found.as_dict(), indent=2))
        return 0
    print(
        f"{found.url}: {plural(found.rows, 'entry', 'entries')} on {plural(found.days, 'day')} "
        f"in {plural(found.files, 'file')}, {found.bytes / 1e6:.1f} MB; "
        f"oldest {found.oldest or '-'}, newest {found.newest or '-'}"
    )
    for s in found.streams:
        gaps = f"; {plural(len(s.gaps), 'day')} without entries" if s.gaps else ""
        print(
            f"  {s.api}/{s.account}: {s.rows:,} rows, {plural(s.days, 'day')}, "
            f"{s.oldest or '-'} .. {s.newest or '-'}, synced to {s.watermark or '-'}{gaps}"
        )
        if s.gaps and args.gaps:
            print("    gaps: " + ", ".join(s.gaps))
    if found.pending or found.orphans:
        print(
            f"  unfinished sync: {len(found.pending)} committed file(s) to rename, "
            f"{len(found.orphans)} uncommitted to remove (the next sync completes it)"
        )
    return 0
