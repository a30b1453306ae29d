"""The ``auditkit`` command: fetch, findings, logpush, archive, sandbox, demo, cache.

Credentials come from the environment only (``CLOUDFLARE_API_TOKEN``, or
``CLOUDFLARE_EMAIL`` + ``CLOUDFLARE_API_KEY``): a secret on a command line ends
up in shell history and process lists, so no option takes one, and a rejected
command line is never echoed back: its errors name options, never their values.
Errors name options as they are typed (``--since: ...``), and counts read
``1 entry``/``2 entries``. A load that comes back empty while a filter value is
one auditkit has never seen says so on stderr, with a "did you mean"
(:mod:`auditkit._vocabulary`).

Examples
--------
Shell::

    auditkit --version
    auditkit fetch --since 2026-10-01 -o october.parquet
    auditkit findings --since 2026-10-01 -o findings.csv
    auditkit fetch --api v2 --account-id '*' --resource-product dns --resource-product waf \
        --exclude actor_context=dash --since 2026-10-01 -o dns-waf.parquet
    auditkit logpush s3://logpush-bucket/audit/ --since 2026-11-01 -o november.parquet \
        --storage-option endpoint_url=https://ACCOUNT.r2.cloudflarestorage.com
    auditkit archive sync audit-archive/ --api v2 --account-id '*'
    auditkit archive info audit-archive/
    auditkit sandbox --port 8787
    auditkit demo --out demo-output
    auditkit cache info
"""

from __future__ import annotations

import argparse
import ipaddress
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._clifiles import cmd_archive, cmd_logpush
from ._cliparse import message_of, options_of, parser
from ._query import FILTERS
from ._suggest import plural
from .errors import AuditKitError, InvalidParameterError

_parser = parser  # the parser's older name, which tests/test_filters.py imports

__all__ = ["main"]

_SECRET_OPTIONS = ("--token", "--api-key", "--api_key", "--key", "--email", "--password")
_OUTPUT_FORMATS = (".parquet", ".csv", ".jsonl")
_FINDINGS_FORMATS = (".csv", ".jsonl")


def _int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidParameterError(name, f"must be an integer, got {value!r}") from None


def _one_or_list(values: Any) -> Any:
    """An option given once is its value; given again, the list of its values."""
    if isinstance(values, list):
        return values[0] if len(values) == 1 else values
    return values


def _exclusions(pairs: list[str] | None) -> dict[str, Any] | None:
    """``--exclude NAME=VALUE`` options as ``load_audit_logs``'s ``exclude`` mapping.

    Examples
    --------
    >>> _exclusions(["actor_context=dash", "actor-context=oauth", "raw_method=GET"])
    {'actor_context': ['dash', 'oauth'], 'raw_method': 'GET'}
    """
    if not pairs:
        return None
    out: dict[str, list[str]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not name:
            raise InvalidParameterError("--exclude", "takes NAME=VALUE, e.g. actor_context=dash")
        out.setdefault(name, []).append(value)
    return {name: _one_or_list(values) for name, values in out.items()}


def _output(value: str, formats: tuple[str, ...]) -> Path:
    """``-o``'s path, checked: one of ``formats``, in a folder that exists."""
    out = Path(value)
    if out.suffix.lower() not in formats:
        raise InvalidParameterError("--output", f"must end in one of {', '.join(formats)}")
    if not out.parent.exists():
        raise InvalidParameterError("--output", f"folder {str(out.parent)!r} does not exist")
    return out


def load_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The load options ``fetch``, ``findings`` and ``archive sync`` share, as the keywords
    of :func:`auditkit.load_audit_logs`."""
    if args.no_cache and args.cache:
        raise InvalidParameterError("--no-cache", "cannot be combined with --cache")
    filters = {f.name: _one_or_list(getattr(args, f.name)) for f in FILTERS}
    for f in FILTERS:
        given = filters[f.name]
        if (
            args.api == "v1"
            and "v1" in f.apis
            and f.name != "account_id"
            and isinstance(given, list)
        ):
            raise InvalidParameterError(
                f.name, f"takes one value with --api v1 (given {len(given)}); v2 takes several"
            )
    return dict(
        **filters,
        exclude=_exclusions(args.exclude),
        skip_unreadable=args.skip_unreadable,
        api=args.api,
        base_url=args.base_url,
        cache=False if args.no_cache else (args.cache or True),
        per_page=_int(args.per_page, "--per-page"),
        progress=False if args.quiet else None,
        offline=True if args.offline else None,
    )


def _load(args: argparse.Namespace) -> Any:
    """The load ``fetch`` and ``findings`` share: their options -> ``load_audit_logs``.

    A load that returns nothing while a filter value is one auditkit has never seen
    says so on stderr (:func:`auditkit._vocabulary.empty_load_hints`).
    """
    from ._load import load_audit_logs

    kwargs = load_kwargs(args)
    df = load_audit_logs(**kwargs)
    if len(df) == 0:
        _hint_unseen(args.command, {f.name: kwargs[f.name] for f in FILTERS}, df.attrs.get("cache"))
    return df


def _hint_unseen(command: str, filters: Mapping[str, Any], cache: str | None) -> None:
    """After an empty load: one stderr line per filter value auditkit has never seen."""
    from ._vocabulary import empty_load_hints

    options = {f.name: f.option for f in FILTERS}
    for name, value, matches in empty_load_hints(filters, None if cache is None else Path(cache)):
        where = "in the cache or " if cache else ""
        hint = f"; did you mean {' or '.join(matches)}?" if matches else ""
        print(
            f"auditkit {command}: no entries matched; {options[name]} {value!r} is not a value "
            f"auditkit has seen ({where}among the values it knows of){hint}",
            file=sys.stderr,
        )


def _cmd_fetch(args: argparse.Namespace) -> int:
    out = _output(args.output, _OUTPUT_FORMATS)
    df = _load(args)
    write_frame(df, out)
    if not args.quiet:
        attrs = df.attrs
        print(
            f"wrote {plural(len(df), 'entry', 'entries')} to {out} "
            f"({plural(attrs['requests'], 'request')}, {attrs['pages_from_cache']} of "
            f"{plural(attrs['pages'], 'page')} from cache)"
        )
    return 0


def _cmd_findings(args: argparse.Namespace) -> int:
    from .analysis import risky_changes
    from .analysis._risky import SEVERITIES

    out = _output(args.output, _FINDINGS_FORMATS)
    findings = risky_changes(_load(args))
    write_frame(findings, out)
    if not args.quiet:
        counts = findings["severity"].value_counts()
        order = [s for s in SEVERITIES if s in counts] + sorted(set(counts.index) - set(SEVERITIES))
        detail = ", ".join(f"{counts[s]} {s}" for s in order)
        print(f"{plural(len(findings), 'finding')}{f' ({detail})' if detail else ''} to {out}")
    return 0


def write_frame(df: Any, out: Path) -> None:
    """Write an audit-log frame as Parquet, CSV or JSON lines (by suffix).

    The one writer, :func:`auditkit.frame.write_frame` (the panel's CSV export
    uses it too): ``when`` as ``2026-10-01T12:00:00.000000Z``, JSON columns as
    JSON text (CSV), nested JSON (JSON lines) or the ``json`` dtype (Parquet),
    written to a ``0600`` temporary file beside ``out`` and renamed over it.

    Raises
    ------
    OSError
        The file cannot be written (disk full, no permission...).
    """
    from .frame import write_frame as write

    write(df, out)


def _cmd_sandbox(args: argparse.Namespace) -> int:
    from . import sandbox

    port = _int(args.port, "--port")
    if not 0 <= port <= 65535:
        raise InvalidParameterError("--port", f"must be 0..65535, got {port}")
    seed = _int(args.seed, "--seed")
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == "localhost"
    if not loopback:
        raise InvalidParameterError(
            "--host", f"the sandbox only listens on loopback (127.0.0.1, ::1), not {args.host!r}"
        )
    sb = sandbox.start(host=args.host, port=port, seed=seed)
    print(f"auditkit sandbox running at {sb.base_url}", flush=True)
    print(f"sandbox token (not a real credential): {sb.token}", flush=True)
    print("try:", flush=True)
    print(f"  export CLOUDFLARE_BASE_URL={sb.base_url}", flush=True)
    print(f"  export CLOUDFLARE_API_TOKEN={sb.token}", flush=True)
    print("  auditkit fetch -o logs.parquet", flush=True)
    print("Ctrl-C stops it.", flush=True)
    try:
        sb.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()
    return 0


def _cmd_cache(args: argparse.Namespace) -> int:
    from .store import cache_info, clear_cache

    target = args.cache or True
    if args.action == "clear":
        removed = clear_cache(target)
        print(f"removed {plural(removed, 'cached page')}")
        return 0
    info = cache_info(target)
    if info.empty:
        print("the cache is empty")
        return 0
    print(
        f"{plural(len(info), 'cached page')}, "
        f"{plural(int(info['entries'].sum()), 'entry', 'entries')}, "
        f"{int(info['size_bytes'].sum()) / 1e6:.1f} MB"
    )
    print(info[["endpoint", "entries", "size_bytes", "created"]].to_string(index=False))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InvalidParameterError("--out", f"{args.out!r} exists and is not a folder")
    run_demo(out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``auditkit`` command. Returns the exit code.

    Examples
    --------
    >>> main(["cache", "info", "--cache", "/nonexistent/auditkit-doctest.sqlite"])
    the cache is empty
    0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    for arg in argv:
        name = arg.split("=", 1)[0]
        if name in _SECRET_OPTIONS:
            print(
                f"auditkit: error: {name} is not accepted: credentials are read from the "
                "environment only (CLOUDFLARE_API_TOKEN, or CLOUDFLARE_EMAIL + CLOUDFLARE_API_KEY)",
                file=sys.stderr,
            )
            return 2
    command_line = parser()
    args = command_line.parse_args(argv)
    handler = {
        "fetch": _cmd_fetch,
        "findings": _cmd_findings,
        "logpush": cmd_logpush,
        "archive": cmd_archive,
        "sandbox": _cmd_sandbox,
        "demo": _cmd_demo,
        "cache": _cmd_cache,
    }
    named = " ".join([args.command, *([args.action] if args.command == "archive" else [])])
    try:
        return handler[args.command](args)
    except InvalidParameterError as exc:
        message = message_of(exc, options_of(command_line.commands[args.command]))
        print(f"auditkit {named}: error: {message}", file=sys.stderr)
        return 2
    except AuditKitError as exc:
        print(f"auditkit {named}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # disk full, permissions...: one line, no traceback
        where = f": {exc.filename}" if exc.filename else ""
        print(f"auditkit {named}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:  # pragma: no cover - the cache layer raises CacheError
        print(f"auditkit {named}: error: cache: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
