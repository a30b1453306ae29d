"""The records a sandbox serves: newest first, each with its filter keys parsed once.

A :class:`Store` is a copy-on-write list of :class:`Entry` (thread-safe: handler threads
read a snapshot while records are added), sorted by ``when`` then ``id``, newest first
(records whose ``when`` does not parse sort last). It also keeps the ids of users, which
make an entry *user-level* (``hide_user_logs``): every ``user`` actor's id in the
records, plus the ids it was created with.
"""

from __future__ import annotations

import functools
import ipaddress
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from auditkit.sandbox._times import parse_timestamp_ns

__all__ = ["Entry", "Store"]

_NS_MIN = -(1 << 80)


class Entry:
    """One stored record (``rec``, served exactly as stored) and its parsed keys."""

    __slots__ = ("atype", "email", "id", "ip", "ns", "owner", "rec", "zone")

    def __init__(self, rec: dict[str, Any]) -> None:
        self.rec = rec
        rid = rec.get("id")
        self.id = rid if isinstance(rid, str) else ("" if rid is None else str(rid))
        when = rec.get("when")
        try:
            self.ns: int | None = parse_timestamp_ns(when) if isinstance(when, str) else None
        except ValueError:
            self.ns = None
        action = _mapping(rec.get("action"))
        self.atype = action.get("type")
        actor = _mapping(rec.get("actor"))
        email = actor.get("email")
        self.email = email.lower() if isinstance(email, str) else None
        ip = actor.get("ip")
        self.ip = _parse_ip(ip) if isinstance(ip, str) and ip else None
        zone = _mapping(rec.get("metadata")).get("zone_name")
        self.zone = zone.lower() if isinstance(zone, str) else None
        self.owner = _mapping(rec.get("owner")).get("id")

    def key(self) -> tuple[int, str]:
        """Sort key: ``when`` in nanoseconds (unparseable: oldest), then ``id``."""
        return (self.ns if self.ns is not None else _NS_MIN, self.id)


@functools.lru_cache(maxsize=8192)
def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Parse an actor ip (cached: a log holds few distinct addresses)."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _mapping(value: Any) -> Mapping[str, Any]:
    if isinstance(value, dict):
        return value
    return value if isinstance(value, Mapping) else {}


class Store:
    """Records, newest first, with pre-parsed filter keys (copy-on-write list)."""

    def __init__(self, records: Iterable[dict[str, Any]], extra_user_ids: Iterable[str]) -> None:
        self._lock = threading.Lock()
        self._extra_users = frozenset(extra_user_ids)
        self._entries: list[Entry] = []
        self._users: frozenset[str] = self._extra_users
        self.add(records)

    def add(self, records: Iterable[dict[str, Any]]) -> None:
        """Insert records (served from the next snapshot on)."""
        new = [Entry(record) for record in records]
        with self._lock:
            entries = self._entries + new
            entries.sort(key=Entry.key, reverse=True)
            users = set(self._users)
            for entry in new:
                actor = _mapping(entry.rec.get("actor"))
                if actor.get("type") == "user" and isinstance(actor.get("id"), str):
                    users.add(actor["id"])
            self._entries = entries
            self._users = frozenset(users)

    def snapshot(self) -> tuple[list[Entry], frozenset[str]]:
        """The entries (newest first; do not mutate) and the user ids, consistently."""
        with self._lock:
            return self._entries, self._users

    def records(self) -> list[dict[str, Any]]:
        """The stored records, newest first; a new list."""
        entries, _ = self.snapshot()
        return [entry.rec for entry in entries]

    def newest_ns(self) -> int | None:
        """``when`` of the newest record whose ``when`` parses, in nanoseconds."""
        entries, _ = self.snapshot()
        return next((entry.ns for entry in entries if entry.ns is not None), None)
