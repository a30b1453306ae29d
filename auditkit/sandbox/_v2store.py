"""The Audit Logs v2 records a sandbox serves: newest first, each with its filter keys parsed once.

A :class:`V2Store` is a copy-on-write list of :class:`V2Entry` (thread-safe: handler
threads read a snapshot while records are added), sorted by ``action.time`` then ``id``,
newest first; records whose ``action.time`` does not parse sort last and match no
``since``/``before`` (so v2, where both are required, never serves them).

:data:`FIELDS` names every v2 filter, the record field it reads and how its values
compare: ``fold`` (case-insensitive), ``upper`` (HTTP methods, case-insensitive),
``int`` (an integer, or a string of digits), ``ip`` (an address) or ``exact``.
"""

from __future__ import annotations

import functools
import ipaddress
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from auditkit.sandbox._times import parse_timestamp_ns

__all__ = ["FIELDS", "Batch", "V2Entry", "V2Store", "field_value", "with_organization"]

#: Filter name -> (path in the record, how values compare).
FIELDS: dict[str, tuple[tuple[str, ...], str]] = {
    "account_name": (("account", "name"), "fold"),
    "action_result": (("action", "result"), "exact"),
    "action_type": (("action", "type"), "exact"),
    "actor_context": (("actor", "context"), "exact"),
    "actor_email": (("actor", "email"), "fold"),
    "actor_id": (("actor", "id"), "exact"),
    "actor_ip_address": (("actor", "ip_address"), "ip"),
    "actor_token_id": (("actor", "token_id"), "exact"),
    "actor_token_name": (("actor", "token_name"), "exact"),
    "actor_type": (("actor", "type"), "exact"),
    "id": (("id",), "exact"),
    "raw_cf_ray_id": (("raw", "cf_ray_id"), "exact"),
    "raw_method": (("raw", "method"), "upper"),
    "raw_status_code": (("raw", "status_code"), "int"),
    "raw_uri": (("raw", "uri"), "exact"),
    "resource_id": (("resource", "id"), "exact"),
    "resource_product": (("resource", "product"), "exact"),
    "resource_scope": (("resource", "scope"), "exact"),
    "resource_type": (("resource", "type"), "exact"),
    "zone_id": (("zone", "id"), "exact"),
    "zone_name": (("zone", "name"), "fold"),
}
_ORDER = tuple(FIELDS)
_NS_MIN = -(1 << 80)


@functools.lru_cache(maxsize=8192)
def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def field_value(value: Any, how: str) -> Any:
    """A record's (or a filter's) value, normalised for comparing; ``None``: no value."""
    if type(value) is str:
        if how == "exact":
            return value
        text = value
    elif how == "int":
        return value if type(value) is int else None
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        return None
    if how == "fold":
        return text.casefold()
    if how == "upper":
        return text.upper()
    if how == "ip":
        return _parse_ip(text) if text else None
    if how == "int":
        return int(text) if text.isascii() and text.isdigit() else None
    return text


def _get(value: Any, name: str) -> Any:
    if type(value) is dict:
        return value.get(name)
    return value.get(name) if isinstance(value, Mapping) else None


#: ``(top-level key, nested key or None, how)`` of each filter, in :data:`FIELDS` order.
_PATHS = tuple((path[0], path[1] if len(path) > 1 else None, how) for path, how in FIELDS.values())


class V2Entry:
    """One stored v2 record (``rec``, served exactly as stored) and its parsed keys."""

    __slots__ = ("id", "ns", "rec", "values")

    def __init__(self, rec: dict[str, Any]) -> None:
        self.rec = rec
        rid = rec.get("id")
        self.id = rid if isinstance(rid, str) else ("" if rid is None else str(rid))
        when = _get(rec.get("action"), "time")
        try:
            self.ns: int | None = parse_timestamp_ns(when) if isinstance(when, str) else None
        except ValueError:
            self.ns = None
        values = []
        for top, sub, how in _PATHS:
            value = rec.get(top)
            if sub is not None:
                value = _get(value, sub)
            values.append(None if value is None else field_value(value, how))
        self.values = tuple(values)

    def key(self) -> tuple[int, str]:
        """Sort key: ``action.time`` in nanoseconds (unparseable: oldest), then ``id``."""
        return (self.ns if self.ns is not None else _NS_MIN, self.id)


def with_organization(rec: Mapping[str, Any], org_id: str) -> dict[str, Any]:
    """``rec`` with ``organization: {"id": org_id}`` among its keys (alphabetical, as the
    SDK's organization records list them: after ``actor``, before ``raw``)."""
    out = {key: value for key, value in rec.items() if key < "organization"}
    out["organization"] = {"id": org_id}
    out.update((key, value) for key, value in rec.items() if key > "organization")
    return out


#: Records, or a function giving them (called once, on the first read).
Batch = Iterable[dict[str, Any]] | Callable[[], Iterable[dict[str, Any]]]


class V2Store:
    """v2 records, newest first, with pre-parsed filter keys (copy-on-write list).

    Records are parsed on the first read after they were added (a sandbox that is never
    asked for v2 pays nothing); a batch may be a function giving the records, called
    then. ``transform``, if given, turns each record into the one stored.

    Examples
    --------
    >>> store = V2Store([{"id": "b", "action": {"time": "2026-10-01T00:00:00Z"}},
    ...                  {"id": "a", "action": {"time": "2026-10-02T00:00:00Z"}}])
    >>> [rec["id"] for rec in store.records()]
    ['a', 'b']
    """

    def __init__(
        self,
        records: Batch = (),
        transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._transform = transform
        self._entries: list[V2Entry] = []
        self._pending: list[Batch] = []
        self.add(records)

    def add(self, records: Batch) -> None:
        """Insert records (served from the next snapshot on)."""
        if not callable(records):
            records = list(records)
            if not records:
                return
        with self._lock:
            self._pending.append(records)

    def snapshot(self) -> list[V2Entry]:
        """The entries, newest first (do not mutate)."""
        with self._lock:
            if self._pending:
                new: list[V2Entry] = []
                for batch in self._pending:
                    recs = batch() if callable(batch) else batch
                    if self._transform is not None:
                        recs = [self._transform(rec) for rec in recs]
                    new.extend(V2Entry(rec) for rec in recs)
                self._pending = []
                entries = self._entries + new
                entries.sort(key=V2Entry.key, reverse=True)
                self._entries = entries
            return self._entries

    def records(self) -> list[dict[str, Any]]:
        """The stored records, newest first; a new list."""
        return [entry.rec for entry in self.snapshot()]
