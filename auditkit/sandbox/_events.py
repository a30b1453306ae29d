"""The generator's timeline: scheduled events, the account's state, the record builders.

:class:`Timeline` is a discrete-event simulation in microseconds from the start of the
history. :meth:`Timeline.schedule` queues an event (a method called with its time, then
its arguments), :meth:`Timeline.run` fires them in time order (ties in scheduling
order), and each ``ev_*`` method writes one kind of audit-log entry with
:meth:`Timeline.emit` while keeping the account's state (DNS records, zone settings,
token tags, API key digests) up to date. What gets scheduled, and when, is in
:mod:`auditkit.sandbox._routine` and :mod:`auditkit.sandbox._story`.

Every random choice comes from one seeded ``random.Random``, in a fixed order: the
records are the same on every machine and in every process.
"""

from __future__ import annotations

import heapq
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditkit.sandbox._catalog import (
    BASE_SETTINGS,
    DAY,
    HOST_WORDS,
    HOUR,
    INITIAL_DNS,
    NEW_ZONE,
    NEW_ZONE_DAY,
    SEC,
    SETTING_TYPES,
    SPAN,
    TLS_SETTINGS,
    ZONES,
    DnsRecord,
)
from auditkit.sandbox._people import (
    Identity,
    Person,
    random_hex,
    system_actor,
    user_actor,
)

__all__ = ["Timeline"]


@dataclass(order=True)
class _Event:
    """A scheduled call: ``handler(at, *args)``; ordered by time, then scheduling order."""

    at: int
    seq: int
    handler: Callable[..., None] = field(compare=False)
    args: tuple[Any, ...] = field(compare=False)


class Timeline:
    """The event queue, the account's state and the builders of each kind of entry.

    ``out`` collects ``(offset, record)`` pairs, offsets in microseconds from the start
    of the history, each record with an empty ``when`` (filled in per anchor).
    """

    def __init__(self, seed: int, ident: Identity) -> None:
        self.rng = random.Random(f"auditkit-sandbox-timeline:{seed}")
        self.ident = ident
        self.people = ident.people
        self.heap: list[_Event] = []
        self.seq = 0
        self.out: list[tuple[int, dict[str, Any]]] = []
        self.next_res = 10_700_000_000 + self.rng.randrange(10_000_000)
        self.dns: dict[str, dict[str, DnsRecord]] = {zone: {} for zone in ZONES}
        self.settings: dict[str, dict[str, Any]] = {}
        self.tokens: dict[tuple[str, str], str] = {}
        self.key_digest = {key: random_hex(self.rng, 256) for key in self.people}
        self.member_ids = {"tom": random_hex(self.rng), "sam": random_hex(self.rng)}
        self.burst_deleted: list[DnsRecord] = []  # by the story's attacker, for the repair

    # -- plumbing ---------------------------------------------------------
    def schedule(self, at: int, handler: Callable[..., None], *args: Any) -> None:
        """Call ``handler(at, *args)`` at ``at``; ignored outside the history."""
        if 0 <= at < SPAN:
            self.seq += 1
            heapq.heappush(self.heap, _Event(at, self.seq, handler, args))

    def run(self) -> list[tuple[int, dict[str, Any]]]:
        """Fire every event, in order (events may schedule more); return ``out``."""
        while self.heap:
            event = heapq.heappop(self.heap)
            event.handler(event.at, *event.args)
        return self.out

    def emit(
        self,
        at: int,
        action: str,
        actor: dict[str, Any],
        *,
        frac: bool = False,
        result: bool = True,
        info: str | None = None,
        interface: str = "",
        metadata: dict[str, Any] | None = None,
        new: str = "",
        old: str = "",
        new_json: dict[str, Any] | None = None,
        old_json: dict[str, Any] | None = None,
        owner: str | None = None,
        resource: tuple[str, str] | None = None,
        v5: bool = False,
    ) -> None:
        """Append one record at ``at`` (to the second, or a random fraction with ``frac``).

        Keys are written in Cloudflare's order; ``owner`` defaults to the account,
        ``resource`` to ``(account id, "account")``; ``v5`` gives a uuid v5-style id.
        """
        if frac:
            at = at - at % SEC + self.rng.randint(1, 999_999)
        else:
            at -= at % SEC
        if at >= SPAN:
            return
        act: dict[str, Any] = {}
        if info is not None:
            act["info"] = info
        act["result"] = result
        act["type"] = action
        rid = uuid.UUID(int=self.rng.getrandbits(128), version=5 if v5 else 4)
        rec: dict[str, Any] = {
            "action": act,
            "actor": actor,
            "id": str(rid),
            "interface": interface,
            "metadata": metadata if metadata is not None else {},
            "newValue": new,
        }
        if new_json is not None:
            rec["newValueJson"] = new_json
        rec["oldValue"] = old
        if old_json is not None:
            rec["oldValueJson"] = old_json
        rec["owner"] = {"id": owner or self.ident.account_id}
        res_id, res_type = resource or (self.ident.account_id, "account")
        rec["resource"] = {"id": res_id, "type": res_type}
        rec["when"] = ""
        self.out.append((at, rec))

    def zones_at(self, at: int) -> list[str]:
        """Zones of the account at ``at`` (the new zone from its creation on)."""
        return [zone for zone in ZONES if zone != NEW_ZONE or at >= NEW_ZONE_DAY * DAY + 20 * HOUR]

    def rand_in(self, day: int, start_hour: float, end_hour: float) -> int:
        """A random time on ``day`` between two UTC hours."""
        return day * DAY + int(self.rng.uniform(start_hour, end_hour) * HOUR)

    # -- initial state ----------------------------------------------------
    def new_dns(self, zone: str, name: str, rtype: str, content: str, **kw: Any) -> DnsRecord:
        """A new record (fresh ids; proxied by default for A, AAAA and CNAME)."""
        self.next_res += self.rng.randint(1, 40_000)
        fqdn = zone if name == "@" else f"{name}.{zone}"
        ttl = kw.pop("ttl", 1)
        proxied = kw.pop("proxied", rtype in ("A", "AAAA", "CNAME") and name != "_acme-challenge")
        return DnsRecord(
            str(self.next_res), random_hex(self.rng), fqdn, rtype, content, ttl, proxied, **kw
        )

    def seed_state(self) -> None:
        """The DNS records and zone settings the account starts with."""
        for zone, rows in INITIAL_DNS.items():
            for row in rows:
                name, rtype, content = row[:3]
                kw: dict[str, Any] = {"core": True}
                if rtype == "MX":
                    kw["priority"] = row[3]
                record = self.new_dns(zone, name, rtype, content, **kw)
                self.dns[zone][record.id] = record
        for zone in ZONES:
            self.settings[zone] = dict(BASE_SETTINGS)
        self.settings["example.org"].update(ssl="flexible", always_use_https="off")
        self.settings["example.org"]["min_tls_version"] = "1.0"
        self.settings[NEW_ZONE]["ssl"] = "strict"

    # -- record builders ----------------------------------------------------
    def dns_json(self, zone: str, record: DnsRecord, zone_id: bool) -> dict[str, Any]:
        """The record as ``newValueJson``/``oldValueJson`` show it."""
        fields: dict[str, Any] = {"content": record.content, "id": record.id, "name": record.name}
        if record.type == "MX":
            fields["priority"] = record.priority
        fields["proxied"] = record.proxied
        fields["ttl"] = record.ttl
        fields["type"] = record.type
        if zone_id:
            fields["zone_id"] = self.ident.zone_ids[zone]
        fields["zone_name"] = zone
        return fields

    def null_or_empty(self) -> str:
        """``newValue``/``oldValue`` of a DNS entry: mostly ``""``, sometimes ``"null"``."""
        return "null" if self.rng.random() < 0.3 else ""

    def ev_login(self, at: int, person: Person, ip: str, ok: bool = True) -> None:
        self.emit(
            at,
            "login",
            user_actor(person, ip),
            result=ok,
            owner=person.id,
            resource=(person.id, "account"),
            v5=True,
        )

    def ev_rec_add(
        self,
        at: int,
        person: Person,
        ip: str,
        iface: str,
        zone: str | None = None,
        spec: Any = None,
    ) -> DnsRecord | None:
        rng = self.rng
        zone = zone or rng.choice(self.zones_at(at))
        if spec is None:
            rtype = rng.choices(("A", "CNAME", "TXT", "AAAA", "MX"), (40, 25, 20, 10, 5))[0]
            name = rng.choice(HOST_WORDS) + (str(rng.randrange(2, 9)) if rng.random() < 0.2 else "")
            kw: dict[str, Any] = {}
            if rtype == "A":
                content = f"{rng.choice(('192.0.2', '198.51.100'))}.{rng.randrange(2, 250)}"
            elif rtype == "AAAA":
                content = f"2001:db8:5000::{rng.randrange(16, 4096):x}"
            elif rtype == "CNAME":
                content = f"{name}.hosting.example.net"
            elif rtype == "TXT":
                content = f"{name}-verification={random_hex(rng, 64)[:32]}"
            else:
                content = f"mx{rng.randrange(3, 6)}.mail.example.net"
                kw["priority"] = rng.choice((10, 20, 30))
                name = "@"
            if rtype != "MX" and rng.random() < 0.35:
                kw["ttl"] = rng.choice((300, 3600))
            record = self.new_dns(zone, name, rtype, content, **kw)
        else:
            record = spec
        self.dns[zone][record.id] = record
        self.emit(
            at,
            "rec_add",
            user_actor(person, ip),
            frac=True,
            interface=iface,
            metadata={"zone_name": zone},
            new_json=self.dns_json(zone, record, zone_id=False),
            owner=None,
            resource=(record.res_id, "DNS_record"),
        )
        return record

    def ev_rec_set(
        self, at: int, person: Person, ip: str, iface: str, zone: str | None = None
    ) -> None:
        rng = self.rng
        zone = zone or rng.choice(self.zones_at(at))
        recs = list(self.dns[zone].values())
        if not recs:
            self.ev_rec_add(at, person, ip, iface, zone)
            return
        record = rng.choice(recs)
        old = self.dns_json(zone, record, zone_id=True)
        roll = rng.random()
        if record.type in ("A", "AAAA") and roll < 0.5:
            parts = (
                record.content.rsplit(".", 1)
                if record.type == "A"
                else record.content.rsplit(":", 1)
            )
            sep = "." if record.type == "A" else ":"
            newhost = (
                rng.randrange(2, 250)
                if record.type == "A"
                else format(rng.randrange(16, 4096), "x")
            )
            record.content = f"{parts[0]}{sep}{newhost}"
        elif record.type == "TXT" and roll < 0.5 and not record.core:
            record.content = f"{record.name.split('.')[0]}-verification={random_hex(rng, 128)}"
        elif record.type in ("A", "AAAA", "CNAME") and roll < 0.75:
            record.proxied = not record.proxied
            if record.proxied:
                record.ttl = 1
        else:
            record.ttl = rng.choice([ttl for ttl in (1, 120, 300, 3600) if ttl != record.ttl])
            if record.ttl != 1:
                record.proxied = False
        nv = self.null_or_empty()
        self.emit(
            at,
            "rec_set",
            user_actor(person, ip),
            frac=True,
            interface=iface,
            metadata={"zone_name": zone},
            new=nv,
            old=nv,
            new_json=self.dns_json(zone, record, zone_id=True),
            old_json=old,
            resource=(record.res_id, "DNS_record"),
        )

    def ev_rec_del(
        self,
        at: int,
        person: Person,
        ip: str,
        iface: str,
        zone: str | None = None,
        target: DnsRecord | None = None,
    ) -> DnsRecord | None:
        rng = self.rng
        zone = zone or rng.choice(self.zones_at(at))
        if target is None:
            candidates = [record for record in self.dns[zone].values() if not record.core]
            if not candidates:
                self.ev_rec_add(at, person, ip, iface, zone)
                return None
            target = rng.choice(candidates)
        del self.dns[zone][target.id]
        nv = self.null_or_empty()
        self.emit(
            at,
            "rec_del",
            user_actor(person, ip),
            frac=True,
            interface=iface,
            metadata={"zone_name": zone},
            new=nv,
            old=nv,
            old_json=self.dns_json(zone, target, zone_id=True),
            resource=(target.res_id, "DNS_record"),
        )
        return target

    def ev_setting(
        self, at: int, actor: dict[str, Any], iface: str, zone: str, name: str, value: Any
    ) -> None:
        old = self.settings[zone][name]
        if old == value:
            return
        self.settings[zone][name] = value
        if isinstance(value, bool):
            new_s, old_s = "", ""
        else:
            new_s, old_s = str(value), str(old)
        self.emit(
            at,
            "change_setting",
            actor,
            interface=iface,
            metadata={
                "name": name,
                "type": SETTING_TYPES[name],
                "value": value,
                "zone_name": zone,
            },
            new=new_s,
            old=old_s,
            resource=(self.ident.zone_ids[zone], "zone"),
            v5=True,
        )
        if name in TLS_SETTINGS:
            self.schedule(at + self.rng.randint(3, 120) * SEC, self.ev_tls_deployed, zone)

    def ev_tls_deployed(self, at: int, zone: str) -> None:
        settings = self.settings[zone]
        self.emit(
            at,
            "tls_settings_deployed",
            system_actor(),
            frac=True,
            metadata={"zone_name": zone},
            new_json={
                "ciphers": "",
                "early_hints": "Default",
                "http_2": "Enabled",
                "min_tls_version": f"TLSv{settings['min_tls_version']}",
                "quic": "Default",
                "session_tickets": "Enabled",
                "tls_13": "Enabled" if settings["min_tls_version"] == "1.3" else "Default",
                "zero_rtt": "Default",
            },
            resource=(self.ident.zone_ids[zone], "zone"),
        )

    def ev_purge(self, at: int, actor: dict[str, Any], iface: str, zone: str | None = None) -> None:
        zone = zone or self.rng.choice(self.zones_at(at))
        self.emit(
            at,
            "purge",
            actor,
            interface=iface,
            metadata={"zone_name": zone},
            resource=(self.ident.zone_ids[zone], "zone"),
            v5=True,
        )

    def ev_token(
        self,
        at: int,
        person: Person,
        ip: str,
        kind: str,
        name: str,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        tag = self.tokens.get((person.key, name))
        if tag is None:
            tag = self.tokens[(person.key, name)] = random_hex(self.rng)
        meta: dict[str, Any] = {}
        if kind == "token_roll":
            meta["new_token_hash"] = random_hex(self.rng, 256)
            meta["old_token_hash"] = random_hex(self.rng, 256)
        if kind == "token_revoke":
            meta["new_token_status"] = "deleted"
            meta["old_token_status"] = "active"
        meta["token_name"] = name
        meta["token_tag"] = tag
        if extra:
            meta.update(extra)
        self.emit(
            at,
            kind,
            user_actor(person, ip),
            metadata=meta,
            owner=person.id,
            resource=(person.id, "account"),
        )

    def ev_key_view(self, at: int, person: Person, ip: str) -> None:
        self.emit(
            at,
            "API_key_view",
            user_actor(person, ip),
            info=f"key digest: {self.key_digest[person.key]}",
            owner=person.id,
            resource=(person.id, "account"),
            v5=True,
        )

    def ev_key_rotate(self, at: int, person: Person, ip: str) -> None:
        digest = self.key_digest[person.key] = random_hex(self.rng, 256)
        actor = user_actor(person, ip)
        info = f"key digest: {digest}"
        self.emit(
            at,
            "rotate_API_key",
            actor,
            info=info,
            owner=person.id,
            resource=(person.id, "account"),
            v5=True,
        )
        self.emit(at, "API_key_created", dict(actor), resource=(digest, "api_key"), v5=True)

    def ev_member(
        self, at: int, person: Person, ip: str, kind: str, who: str, meta: dict[str, Any]
    ) -> None:
        email = {"tom": "tom@example.org", "sam": "sam@example.com"}[who]
        new = old = ""
        if kind == "member_role_change":
            old, new = meta["old_roles"][0], meta["new_roles"][0]
        self.emit(
            at,
            kind,
            user_actor(person, ip),
            interface="UI",
            metadata={"member_email": email, **meta},
            new=new,
            old=old,
            resource=(self.member_ids[who], "member"),
        )

    def ev_2fa(self, at: int, person: Person, ip: str, enable: bool) -> None:
        kind = "2fa_enforcement_enable" if enable else "2fa_enforcement_disable"
        self.emit(
            at,
            kind,
            user_actor(person, ip),
            interface="UI",
            new="true" if enable else "false",
            old="false" if enable else "true",
        )
