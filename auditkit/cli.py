"""The ``auditkit`` command: fetch, sandbox, demo, cache.

Credentials come from the environment only (``CLOUDFLARE_API_TOKEN``, or
``CLOUDFLARE_EMAIL`` + ``CLOUDFLARE_API_KEY``): a secret on a command line ends
up in shell history and process lists, so no option takes one, and a rejected
command line is never echoed back.

Examples
--------
Shell::

    auditkit fetch --since 2026-10-01 -o october.parquet
    auditkit fetch --api v2 --account-id '*' --resource-product dns --resource-product waf \
        --exclude actor_context=dash --since 2026-10-01 -o dns-waf.parquet
    auditkit sandbox --port 8787
    auditkit demo --out demo-output
    auditkit cache info
"""

from __future__ import annotations

import argparse
import ipaddress
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from ._query import FILTERS
from .errors import AuditKitError, InvalidParameterError

__all__ = ["main"]

_SECRET_OPTIONS = ("--token", "--api-key", "--api_key", "--key", "--email", "--password")
_OUTPUT_FORMATS = (".parquet", ".csv", ".jsonl")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors never repeat argument values."""

    def error(self, message: str) -> NoReturn:
        if "unrecognized arguments" in message:
            message = "unrecognized arguments (see --help)"
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="auditkit",
        description="Cloudflare audit logs as one cached, typed table.",
        epilog="Credentials are read from CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL + "
        "CLOUDFLARE_API_KEY), never from arguments.",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    fetch = sub.add_parser("fetch", help="load audit logs and write them to a file")
    fetch.add_argument("-o", "--output", required=True, help="out.parquet, out.csv or out.jsonl")
    for f in FILTERS:  # one option per filter, as declared in auditkit._query
        if isinstance(f.default, bool):
            fetch.add_argument(f.option, action="store_true", help=f.help)
        elif f.repeatable:
            fetch.add_argument(
                f.option, action="append", default=None, help=f"{f.help} (repeat for several)"
            )
        else:
            fetch.add_argument(f.option, default=f.default, help=f.help)
    fetch.add_argument(
        "--exclude",
        action="append",
        default=None,
        metavar="NAME=VALUE",
        help="v2: leave out entries whose filter NAME is VALUE (sent as NAME.not; repeat for "
        "several)",
    )
    fetch.add_argument(
        "--skip-unreadable",
        action="store_true",
        help="several accounts: skip an account the credential may not read, with a warning",
    )
    fetch.add_argument(
        "--api", default="v1", choices=("v1", "v2"), help="Audit Logs v1 (the default) or v2"
    )
    fetch.add_argument("--per-page", default="1000", help="1 to 1000 (default 1000)")
    fetch.add_argument("--base-url", help="API root (default $CLOUDFLARE_BASE_URL or Cloudflare's)")
    fetch.add_argument("--cache", help="cache file (default: the user cache dir)")
    fetch.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    fetch.add_argument("--offline", action="store_true", help="answer from the cache alone")
    fetch.add_argument("--quiet", action="store_true", help="no progress bar or summary")

    sandbox = sub.add_parser("sandbox", help="run the local Cloudflare-compatible sandbox")
    sandbox.add_argument("--port", default="8787", help="port on 127.0.0.1 (0 = any free port)")
    sandbox.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    sandbox.add_argument("--seed", default="0", help="seed of the synthetic account")

    demo = sub.add_parser("demo", help="load the sandbox account, print a summary, write charts")
    demo.add_argument(
        "--out", default="demo-output", help="folder for the charts (default demo-output)"
    )

    cache = sub.add_parser("cache", help="see or clear the on-disk cache")
    cache.add_argument("action", choices=["info", "clear"])
    cache.add_argument("--cache", help="cache file (default: the user cache dir)")
    return parser


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


def _cmd_fetch(args: argparse.Namespace) -> int:
    from ._load import load_audit_logs

    out = Path(args.output)
    if out.suffix.lower() not in _OUTPUT_FORMATS:
        raise InvalidParameterError("--output", f"must end in one of {', '.join(_OUTPUT_FORMATS)}")
    if not out.parent.exists():
        raise InvalidParameterError("--output", f"folder {str(out.parent)!r} does not exist")
    if args.no_cache and args.cache:
        raise InvalidParameterError("--no-cache", "cannot be combined with --cache")
    df = load_audit_logs(
        **{f.name: _one_or_list(getattr(args, f.name)) for f in FILTERS},
        exclude=_exclusions(args.exclude),
        skip_unreadable=args.skip_unreadable,
        api=args.api,
        base_url=args.base_url,
        cache=False if args.no_cache else (args.cache or True),
        per_page=_int(args.per_page, "--per-page"),
        progress=False if args.quiet else None,
        offline=True if args.offline else None,
    )
    write_frame(df, out)
    if not args.quiet:
        print(
            f"wrote {len(df)} entries to {out} ({df.attrs['requests']} requests, "
            f"{df.attrs['pages_from_cache']} of {df.attrs['pages']} pages from cache)"
        )
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
        print(f"removed {removed} cached page{'' if removed == 1 else 's'}")
        return 0
    info = cache_info(target)
    if info.empty:
        print("the cache is empty")
        return 0
    print(
        f"{len(info)} cached page{'' if len(info) == 1 else 's'}, {int(info['entries'].sum())} entries, "
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
    """Entry point of the ``auditkit`` command. Returns the exit code."""
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
    args = _parser().parse_args(argv)
    handler = {"fetch": _cmd_fetch, "sandbox": _cmd_sandbox, "demo": _cmd_demo, "cache": _cmd_cache}
    try:
        return handler[args.command](args)
    except InvalidParameterError as exc:
        print(f"auditkit {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except AuditKitError as exc:
        print(f"auditkit {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # disk full, permissions...: one line, no traceback
        where = f": {exc.filename}" if exc.filename else ""
        print(f"auditkit {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:  # pragma: no cover - the cache layer raises CacheError
        print(f"auditkit {args.command}: error: cache: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
