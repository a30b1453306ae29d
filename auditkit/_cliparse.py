"""The ``auditkit`` command line: each command's options, and errors that echo no value.

:func:`parser` declares the commands (``fetch`` and ``findings`` share the options
of a load: one per filter of :data:`auditkit._query.FILTERS`, then the load's own).
Its errors never repeat what was typed as a value, since a rejected command line
might hold a secret: an unknown option is named (cut at ``=``) with a "did you
mean", a bad choice lists the choices. :func:`message_of` names a bad parameter as
the option the user typed (``--per-page``, not ``per_page``).

Examples
--------
>>> options_of(parser().commands["fetch"])["per_page"]
'--per-page'
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping, Sequence
from typing import NoReturn

from ._query import FILTERS
from ._suggest import did_you_mean
from .errors import InvalidParameterError

__all__ = ["message_of", "options_of", "parser"]

#: A command-line word that looks like an option's name (and no value): what errors may echo.
#: Short and lower case, so a credential pasted after a dash is not taken for one.
_OPTION_NAME = re.compile(r"^(--[a-z][a-z0-9-]{0,30}|-[A-Za-z])$")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors never repeat argument values.

    Unknown options are named (a word that looks like an option's name, cut at
    ``=``) with a "did you mean" among the command's options; a bad choice lists
    the choices, not what was typed.
    """

    commands: dict[str, argparse.ArgumentParser]

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            command = getattr(parsed, "command", None)
            sub = getattr(self, "commands", {}).get(command or "")
            (sub or self).error(_unrecognized(extras, sub or self))
        return parsed

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {_without_values(message)}\n")


def options_of(parser: argparse.ArgumentParser) -> dict[str, str]:
    """``dest -> --long-option`` of a parser's options (``output`` -> ``--output``), its
    sub-commands' included (``archive sync``'s ``--zone-name``)."""
    out: dict[str, str] = {}
    for a in parser._actions:
        if isinstance(a, argparse._SubParsersAction):
            for child in a.choices.values():
                out.update(options_of(child))
        elif a.option_strings and a.dest != "help":
            out[a.dest] = max(a.option_strings, key=len)
    return out


def _unrecognized(extras: list[str], parser: argparse.ArgumentParser) -> str:
    """The error for unknown words: option names (never values), each with a did-you-mean.

    Examples
    --------
    >>> _unrecognized(["--sinse", "2026-10-01", "--frob=s3cr3t"], parser().commands["fetch"])
    'unrecognized option --sinse (did you mean --since?), unrecognized option --frob (see --help)'
    """
    known = [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
    parts = []
    for word in extras:
        name = word.split("=", 1)[0]
        if not name.startswith("-") or not _OPTION_NAME.match(name):
            continue
        hint = did_you_mean(name, known)
        parts.append(f"unrecognized option {name}" + (f" ({hint})" if hint else ""))
    if not parts:
        return "unrecognized arguments (see --help)"
    every_one_hinted = all("(did you mean" in part for part in parts)
    return ", ".join(parts) + ("" if every_one_hinted else " (see --help)")


_CHOICE = re.compile(r"invalid choice: .*\(choose from (?P<choices>.*)\)$", re.S)


def _without_values(message: str) -> str:
    """argparse's ``message`` without anything the user typed as a value.

    Examples
    --------
    >>> _without_values("argument --api: invalid choice: 's3cr3t' (choose from 'v1', 'v2')")
    'argument --api: invalid choice (choose from v1, v2)'
    >>> _without_values("argument --quiet: ignored explicit argument 's3cr3t'")
    'argument --quiet: takes no value'
    >>> _without_values("ambiguous option: --act=s3cr3t could match --actor-email, --actor-ip")
    'ambiguous option: --act could match --actor-email, --actor-ip'
    """
    if "unrecognized arguments" in message:
        return "unrecognized arguments (see --help)"
    choice = _CHOICE.search(message)
    if choice:
        choices = choice["choices"].replace("'", "")
        typed = message[choice.start() + len("invalid choice: ") :].split(" (choose from")[0]
        hint = did_you_mean(typed.strip("'\""), choices.split(", "))
        message = message[: choice.start()] + f"invalid choice (choose from {choices})"
        message += f"; {hint}" if hint else ""
    if "ignored explicit argument" in message:
        message = message.split("ignored explicit argument", 1)[0] + "takes no value"
    if message.startswith("ambiguous option: ") and " could match " in message:
        typed, _, matches = message[len("ambiguous option: ") :].rpartition(" could match ")
        message = f"ambiguous option: {typed.split('=', 1)[0]} could match {matches}"
    return message


def parser() -> _Parser:
    """The ``auditkit`` command line: ``--version`` and its commands (in ``.commands``).

    Examples
    --------
    >>> sorted(parser().commands)
    ['archive', 'cache', 'demo', 'fetch', 'findings', 'logpush', 'sandbox']
    >>> parser().parse_args(["findings", "-o", "f.csv", "--since", "2026-10-01"]).since
    '2026-10-01'
    """
    from . import __version__

    parser = _Parser(
        prog="auditkit",
        description="Cloudflare audit logs as one cached, typed table.",
        epilog="Credentials are read from CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL + "
        "CLOUDFLARE_API_KEY), never from arguments.",
    )
    parser.add_argument("--version", action="version", version=f"auditkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    fetch = sub.add_parser("fetch", help="load audit logs and write them to a file")
    fetch.add_argument("-o", "--output", required=True, help="out.parquet, out.csv or out.jsonl")
    _add_load_options(fetch)

    findings = sub.add_parser(
        "findings", help="load audit logs like fetch and write the risky changes found"
    )
    findings.add_argument("-o", "--output", required=True, help="findings.csv or findings.jsonl")
    _add_load_options(findings)

    _add_logpush(sub.add_parser("logpush", help="read the files a Cloudflare Logpush job wrote"))
    _add_archive(sub.add_parser("archive", help="sync or describe a Parquet archive"))

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
    parser.commands = dict(sub.choices)
    return parser


def _add_logpush(command: argparse.ArgumentParser) -> None:
    """``logpush SRC -o FILE``: :func:`auditkit.read_logpush`'s arguments as options."""
    command.add_argument("src", help="folder or URL the job writes to (s3://bucket/prefix/)")
    command.add_argument("-o", "--output", required=True, help="out.parquet, out.csv or out.jsonl")
    command.add_argument("--since", help="entries at or after this time (ISO 8601)")
    command.add_argument("--before", help="entries before this time (ISO 8601)")
    command.add_argument(
        "--dataset",
        default="audit_logs",
        choices=("audit_logs", "audit_logs_v2"),
        help="the job's dataset (default audit_logs)",
    )
    command.add_argument("--direction", default="desc", choices=("desc", "asc"))
    command.add_argument(
        "--margin",
        default="1D",
        help="how far an entry may precede its file's push window (default 1D; none: read all)",
    )
    command.add_argument(
        "--skip-bad", action="store_true", help="leave out bad lines and files, with a warning"
    )
    command.add_argument("--workers", default="8", help="files read at once (1 to 32)")
    _storage_option(command, "--storage-option", "the URL")
    command.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def _storage_option(command: argparse.ArgumentParser, option: str, what: str) -> None:
    command.add_argument(
        option,
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help=f"a non-secret option of {what}'s filesystem (endpoint_url=..., "
        "client_kwargs.region_name=...); credentials come from the environment",
    )


def _add_archive(command: argparse.ArgumentParser) -> None:
    """``archive sync DEST [load options]`` and ``archive info DEST``."""
    actions = command.add_subparsers(dest="action", required=True, parser_class=_Parser)
    sync = actions.add_parser(
        "sync", help="append to the archive what it does not hold yet (from the API or Logpush)"
    )
    sync.add_argument("dest", help="the archive: a folder or a URL (s3://bucket/prefix/)")
    _add_load_options(sync)
    sync.add_argument(
        "--overlap", default="1h", help="load again this far before the last sync (default 1h)"
    )
    sync.add_argument(
        "--wait", default="0", help="seconds to wait for another sync to finish (default 0)"
    )
    sync.add_argument(
        "--source", help="read a Logpush job's files there instead of the API (needs --account-id)"
    )
    sync.add_argument(
        "--dataset",
        choices=("audit_logs", "audit_logs_v2"),
        help="with --source: the job's dataset (default audit_logs)",
    )
    sync.add_argument("--margin", help="with --source: the pruning margin (default 1D; none)")
    _storage_option(sync, "--storage-option", "the archive")
    _storage_option(sync, "--source-option", "the Logpush location")
    info = actions.add_parser("info", help="days, rows, size, oldest and newest entry, gaps")
    info.add_argument("dest", help="the archive: a folder or a URL")
    _storage_option(info, "--storage-option", "the archive")
    info.add_argument("--gaps", action="store_true", help="list the days without entries")
    info.add_argument("--json", action="store_true", help="print it all as JSON")


def _add_load_options(command: argparse.ArgumentParser) -> None:
    """The options of a load (``fetch``, ``findings``): one per filter, then the load's own."""
    for f in FILTERS:  # one option per filter, as declared in auditkit._query
        if isinstance(f.default, bool):
            command.add_argument(f.option, action="store_true", help=f.help)
        elif f.repeatable:
            command.add_argument(
                f.option, action="append", default=None, help=f"{f.help} (repeat for several)"
            )
        else:
            command.add_argument(f.option, default=f.default, help=f.help)
    command.add_argument(
        "--exclude",
        action="append",
        default=None,
        metavar="NAME=VALUE",
        help="v2: leave out entries whose filter NAME is VALUE (sent as NAME.not; repeat for "
        "several)",
    )
    command.add_argument(
        "--skip-unreadable",
        action="store_true",
        help="several accounts: skip an account the credential may not read, with a warning",
    )
    command.add_argument(
        "--api", default="v1", choices=("v1", "v2"), help="Audit Logs v1 (the default) or v2"
    )
    command.add_argument("--per-page", default="1000", help="1 to 1000 (default 1000)")
    command.add_argument(
        "--base-url", help="API root (default $CLOUDFLARE_BASE_URL or Cloudflare's)"
    )
    command.add_argument("--cache", help="cache file (default: the user cache dir)")
    command.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    command.add_argument("--offline", action="store_true", help="answer from the cache alone")
    command.add_argument("--quiet", action="store_true", help="no progress bar or summary")


def message_of(exc: InvalidParameterError, options: Mapping[str, str]) -> str:
    """``exc``'s text with the parameter named as the option the user typed.

    ``InvalidParameterError.parameter`` holds the Python name (``per_page``); the
    command's option for it (``--per-page``) takes its place, and ``api='v1'`` in the
    text reads ``--api v1``. A name with no option (``token``) stays as it is.

    Examples
    --------
    >>> options = options_of(parser().commands["fetch"])
    >>> message_of(InvalidParameterError("per_page", "must be between 1 and 1000"), options)
    '--per-page: must be between 1 and 1000'
    >>> message_of(InvalidParameterError("raw_method", "is not a filter of api='v1'"), options)
    '--raw-method: is not a filter of --api v1'
    """
    name, text = exc.parameter, str(exc)
    body = text[len(name) + 2 :] if text.startswith(f"{name}: ") else text
    if name.startswith("exclude["):  # exclude['actor_context']: a value of --exclude NAME=
        option = "--exclude " + name[len("exclude[") :].strip("[]'")
    else:
        option = options.get(name, name)
    return f"{option}: " + re.sub(r"api='(v[0-9]+)'", r"--api \1", body)
