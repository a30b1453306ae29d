"""The sandbox's entries written as a Logpush job would: :func:`write_logpush`.

Tests and demos of :func:`auditkit.read_logpush` need Logpush files of the same
entries the sandbox's API serves. This writes API records (v1's for the
``audit_logs`` dataset, v2's for ``audit_logs_v2``) as Logpush writes them:
PascalCase fields (:func:`logpush_record`), ``When`` in the job's
``timestamp_format``, gzip NDJSON files named ``<start>_<end>_<hash>.log.gz`` in
``YYYYMMDD/`` folders, to a folder or any fsspec URL.

Like Logpush, each entry is pushed a little after it happened (a delay of up to
``delay``, fixed per id), and files are cut by push time: an entry near the end
of a window lands in the next file, whose ``start`` is later than its ``When``.
``duplicates`` entries are delivered twice (again in the following window), as
Logpush may.

Examples
--------
>>> import tempfile
>>> from auditkit.sandbox import generate_records
>>> paths = write_logpush(tempfile.mkdtemp(), generate_records(anchor="2026-12-01")[:50])
>>> paths[-1].rsplit("/", 2)[-2], paths[-1].endswith(".log.gz")
('20261130', True)
>>> logpush_record({"id": "a", "when": "2021-11-30T20:19:48Z"}, when_format="unix")["When"]
1638303588
"""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec
import pandas as pd

from ..errors import InvalidParameterError

__all__ = ["WHEN_FORMATS", "logpush_record", "write_logpush"]

#: Logpush's ``timestamp_format`` values.
WHEN_FORMATS = ("rfc3339", "unix", "unixnano")

_ENCODE = msgspec.json.Encoder()
_STAMP = "%Y%m%dT%H%M%SZ"


def _when(text: Any, when_format: str, as_text: bool) -> Any:
    """An API time (RFC 3339 text) in ``when_format``."""
    if when_format == "rfc3339" or not isinstance(text, str):
        return text
    nanos = pd.Timestamp(text).value
    value = nanos if when_format == "unixnano" else nanos // 1_000_000_000
    return str(value) if as_text else value


def _get(record: Mapping[str, Any], head: str, key: str) -> Any:
    inner = record.get(head)
    return inner.get(key) if isinstance(inner, Mapping) else None


def _v1(r: Mapping[str, Any], when: Any) -> dict[str, Any]:
    def value(name: str) -> Any:  # the object when there is one, else the string
        obj = r.get(name + "Json")
        return obj if obj is not None else r.get(name)

    return {
        "ActionResult": _get(r, "action", "result"),
        "ActionType": _get(r, "action", "type"),
        "ActorEmail": _get(r, "actor", "email"),
        "ActorID": _get(r, "actor", "id"),
        "ActorIP": _get(r, "actor", "ip"),
        "ActorType": _get(r, "actor", "type"),
        "ID": r.get("id"),
        "Interface": r.get("interface"),
        "Metadata": r.get("metadata"),
        "NewValue": value("newValue"),
        "OldValue": value("oldValue"),
        "OwnerID": _get(r, "owner", "id"),
        "ResourceID": _get(r, "resource", "id"),
        "ResourceType": _get(r, "resource", "type"),
        "When": when,
    }


def _v2(r: Mapping[str, Any], when: Any) -> dict[str, Any]:
    token = {"id": _get(r, "actor", "token_id"), "name": _get(r, "actor", "token_name")}
    return {
        "AccountID": _get(r, "account", "id"),
        "AccountName": _get(r, "account", "name"),
        "ActionDescription": _get(r, "action", "description"),
        "ActionResult": _get(r, "action", "result"),
        "ActionTimestamp": when,
        "ActionType": _get(r, "action", "type"),
        "ActorContext": _get(r, "actor", "context"),
        "ActorEmail": _get(r, "actor", "email"),
        "ActorID": _get(r, "actor", "id"),
        "ActorIPAddress": _get(r, "actor", "ip_address"),
        "ActorTokenDetails": token if any(v is not None for v in token.values()) else None,
        "ActorType": _get(r, "actor", "type"),
        "AuditLogID": r.get("id"),
        "Raw": r.get("raw"),
        "ResourceID": _get(r, "resource", "id"),
        "ResourceProduct": _get(r, "resource", "product"),
        "ResourceRequest": _get(r, "resource", "request"),
        "ResourceResponse": _get(r, "resource", "response"),
        "ResourceScope": _get(r, "resource", "scope"),
        "ResourceType": _get(r, "resource", "type"),
        "ResourceValue": None,
        "ZoneID": _get(r, "zone", "id"),
        "ZoneName": _get(r, "zone", "name"),
    }


def logpush_record(
    record: Mapping[str, Any],
    *,
    dataset: str = "audit_logs",
    when_format: str = "unixnano",
    numbers_as_text: bool = False,
) -> dict[str, Any]:
    """One API record as the line Logpush writes for it (its fields in PascalCase).

    v1's ``action.info`` has no Logpush field and is left out; ``OldValue`` and
    ``NewValue`` hold ``oldValueJson``/``newValueJson`` when the record has one,
    else ``oldValue``/``newValue``. ``numbers_as_text`` writes a unix time as text
    of its digits (``"1638303588"``), as some jobs do.
    """
    if when_format not in WHEN_FORMATS:
        raise InvalidParameterError("when_format", f"must be one of {WHEN_FORMATS}")
    if dataset == "audit_logs":
        return _v1(record, _when(record.get("when"), when_format, numbers_as_text))
    if dataset == "audit_logs_v2":
        time = _get(record, "action", "time")
        return _v2(record, _when(time, when_format, numbers_as_text))
    raise InvalidParameterError("dataset", "must be 'audit_logs' or 'audit_logs_v2'")


def _delay(record_id: Any, delay: pd.Timedelta) -> pd.Timedelta:
    """A fixed delay in ``[0, delay]`` per id (push happens after the entry)."""
    digest = hashlib.sha256(str(record_id).encode()).digest()
    return delay * (int.from_bytes(digest[:4], "big") / 0xFFFFFFFF)


def write_logpush(
    dest: str | os.PathLike[str],
    records: Iterable[Mapping[str, Any]],
    *,
    dataset: str = "audit_logs",
    when_format: str = "unixnano",
    numbers_as_text: bool = False,
    files_per_day: int = 24,
    delay: str | pd.Timedelta = "5min",
    duplicates: int = 0,
    storage_options: Mapping[str, Any] | None = None,
) -> list[str]:
    """Write ``records`` under ``dest`` as a Logpush job of ``dataset`` would.

    Parameters
    ----------
    dest
        A folder or fsspec URL (the job's destination path, ``{DATE}`` folders below).
    records
        API records: v1's (``audit_logs``) or v2's (``audit_logs_v2``).
    dataset, when_format, numbers_as_text
        As :func:`logpush_record` takes them.
    files_per_day
        Push windows a day (1 to 1440); a window without entries writes no file.
    delay
        Largest push delay after an entry's time.
    duplicates
        How many entries (the first ones) are delivered a second time.
    storage_options
        The URL's filesystem options.

    Returns
    -------
    list of str
        The files written, sorted (paths within the filesystem).
    """
    from ..storage import open_location  # fsspec: imported when used

    if isinstance(files_per_day, bool) or not isinstance(files_per_day, int):
        raise InvalidParameterError("files_per_day", "must be an integer from 1 to 1440")
    if not 1 <= files_per_day <= 1440:
        raise InvalidParameterError("files_per_day", "must be an integer from 1 to 1440")
    if isinstance(duplicates, bool) or not isinstance(duplicates, int) or duplicates < 0:
        raise InvalidParameterError("duplicates", "must be an integer >= 0")
    window = pd.Timedelta(days=1) / files_per_day
    most = pd.Timedelta(delay)
    batches: dict[pd.Timestamp, list[tuple[pd.Timestamp, bytes]]] = {}
    for n, record in enumerate(records):
        line = logpush_record(
            record, dataset=dataset, when_format=when_format, numbers_as_text=numbers_as_text
        )
        when = record.get("when") if dataset == "audit_logs" else _get(record, "action", "time")
        pushed = pd.Timestamp(when).tz_convert("UTC") + _delay(record.get("id"), most)
        start = pushed.floor("D") + ((pushed - pushed.floor("D")) // window) * window
        text = _ENCODE.encode(line)
        batches.setdefault(start, []).append((pushed, text))
        if n < duplicates:
            batches.setdefault(start + window, []).append((pushed + window, text))
    loc = open_location(dest, storage_options, param="dest")
    written = []
    for start, lines in sorted(batches.items()):
        body = b"".join(text + b"\n" for _, text in sorted(lines, key=lambda item: item[0]))
        data = gzip.compress(body, mtime=0)
        end = start + window
        name = f"{start:{_STAMP}}_{end:{_STAMP}}_{hashlib.sha256(data).hexdigest()[:8]}.log.gz"
        path = loc.join(f"{start:%Y%m%d}", name)
        if loc.is_local:
            loc.fs.makedirs(loc.join(f"{start:%Y%m%d}"), exist_ok=True)
        loc.fs.pipe_file(path, data)
        written.append(path)
    return sorted(written)
