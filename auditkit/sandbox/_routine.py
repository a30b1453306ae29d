"""Routine activity of the synthetic account, day after day.

Users' working sessions (a login, then DNS edits, setting changes and purges in each
user's mix), the CI pipeline, ACME DNS-01 challenges, certificate renewals and TLS
deployments by ``system``: what :meth:`Routine.plan_routine` schedules on the
:class:`~auditkit.sandbox._events.Timeline`.
"""

from __future__ import annotations

import uuid
from typing import Any

from auditkit.sandbox._catalog import (
    COMPROMISE_DAY,
    DAYS,
    MINUTE,
    NEW_ZONE,
    NEW_ZONE_DAY,
    SEC,
    ZONES,
    DnsRecord,
)
from auditkit.sandbox._events import Timeline
from auditkit.sandbox._people import CI_IP, Person, random_hex, session_ip, user_actor

__all__ = ["Routine"]

#: Each user's mix of actions in a session: kinds and their weights.
_MIX: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "michelle": (
        ("rec_set", "rec_add", "rec_del", "setting", "purge"),
        (12, 6, 3, 10, 8),
    ),
    "raj": (
        ("rec_set", "rec_add", "rec_del", "setting", "purge"),
        (25, 12, 8, 2, 4),
    ),
    "ana": (
        ("rec_set", "rec_add", "setting", "security", "purge"),
        (6, 2, 5, 0.6, 3),
    ),
    "tom": (
        ("rec_set", "rec_add", "rec_del", "purge"),
        (12, 8, 5, 4),
    ),
}

#: Workday probabilities of 0, 1 and 2 sessions, per user.
_SESSIONS: dict[str, tuple[float, float, float]] = {
    "michelle": (0.10, 0.55, 0.35),
    "raj": (0.05, 0.45, 0.50),
    "ana": (0.15, 0.60, 0.25),
    "tom": (0.35, 0.50, 0.15),
}


#: Days ``tom`` (a contractor, added day 14) works, until his account is misused.
_TOM_ACTIVE = (15, COMPROMISE_DAY - 1)


class Routine(Timeline):
    """The routine part of the generator (a mixin of :class:`Timeline`)."""

    def ev_session(self, at: int, person: Person) -> None:
        """A working session: (rarely a failed login first) a login, then a few actions."""
        rng = self.rng
        ip = session_ip(self.rng, person)
        roll = rng.random()
        if roll < 0.05:
            self.ev_login(at - rng.randint(8, 90) * SEC, person, ip, ok=False)
        if roll < 0.008:
            return
        self.ev_login(at, person, ip)
        api_share = {"raj": 0.25, "tom": 0.1}.get(person.key, 0.03)
        kinds, weights = _MIX[person.key]
        for _ in range(rng.choice((1, 2, 3, 3, 4, 4, 5, 6, 8))):
            at += rng.randint(20, 900) * SEC
            iface = "API" if rng.random() < api_share else "UI"
            self.schedule(at, self.ev_action, person, ip, iface, rng.choices(kinds, weights)[0])

    def ev_action(self, at: int, person: Person, ip: str, iface: str, kind: str) -> None:
        """One action of a session, of ``kind`` (from the user's mix)."""
        if kind == "rec_set":
            self.ev_rec_set(at, person, ip, iface)
        elif kind == "rec_add":
            self.ev_rec_add(at, person, ip, iface)
        elif kind == "rec_del":
            self.ev_rec_del(at, person, ip, iface)
        elif kind == "setting":
            self.ev_routine_setting(at, person, ip, iface)
        elif kind == "security":
            self.ev_security_routine(at, person, ip, iface)
        else:
            self.ev_purge(at, user_actor(person, ip), "" if iface == "UI" else iface)

    def ev_routine_setting(self, at: int, person: Person, ip: str, iface: str) -> None:
        """Flip a harmless zone setting (development mode is switched back off later)."""
        rng = self.rng
        zone = rng.choice(self.zones_at(at))
        settings = self.settings[zone]
        name = rng.choices(
            (
                "development_mode",
                "cache_level",
                "browser_cache_ttl",
                "rocket_loader",
                "always_online",
                "IPv6",
            ),
            (45, 15, 15, 12, 8, 5),
        )[0]
        if name == "development_mode":
            if settings[name] == "on":
                self.ev_setting(at, user_actor(person, ip), iface, zone, name, "off")
                return
            self.ev_setting(at, user_actor(person, ip), iface, zone, name, "on")
            self.schedule(
                at + rng.randint(20, 180) * MINUTE, self.ev_dev_mode_off, person, ip, iface, zone
            )
            return
        if name == "cache_level":
            value: Any = rng.choice(
                [
                    option
                    for option in ("aggressive", "basic", "simplified")
                    if option != settings[name]
                ]
            )
        elif name == "browser_cache_ttl":
            value = rng.choice(
                [option for option in (1800, 3600, 14400, 28800, 86400) if option != settings[name]]
            )
        elif name == "IPv6":
            value = not settings[name]
        else:
            value = "off" if settings[name] == "on" else "on"
        self.ev_setting(at, user_actor(person, ip), iface, zone, name, value)

    def ev_dev_mode_off(self, at: int, person: Person, ip: str, iface: str, zone: str) -> None:
        """Development mode back off, after a while."""
        self.ev_setting(at, user_actor(person, ip), iface, zone, "development_mode", "off")

    def ev_security_routine(self, at: int, person: Person, ip: str, iface: str) -> None:
        """ana's routine: raise what is low, else flip security_level medium/high."""
        zones = [candidate for candidate in self.zones_at(at) if candidate != "example.com"]
        zone = self.rng.choice(zones)
        settings = self.settings[zone]
        actor = user_actor(person, ip)
        if settings["waf"] == "off":
            self.ev_setting(at, actor, iface, zone, "waf", "on")
        elif settings["always_use_https"] == "off":
            self.ev_setting(at, actor, iface, zone, "always_use_https", "on")
        elif settings["min_tls_version"] in ("1.0", "1.1"):
            self.ev_setting(at, actor, iface, zone, "min_tls_version", "1.2")
        else:
            value = "high" if settings["security_level"] == "medium" else "medium"
            self.ev_setting(at, actor, iface, zone, "security_level", value)

    def ev_deploy(self, at: int) -> None:
        """CI pipeline (raj's terraform-ci token): flip an origin record, then purge."""
        rng = self.rng
        raj = self.people["raj"]
        zone = rng.choice(
            [
                candidate
                for candidate in ("shop.example.com", NEW_ZONE)
                if candidate in self.zones_at(at)
            ]
        )
        origin = next(
            (record for record in self.dns[zone].values() if record.name == f"origin.{zone}"), None
        )
        actor = user_actor(raj, CI_IP)
        if origin is None:
            return
        old = self.dns_json(zone, origin, zone_id=True)
        origin.content = "198.51.100.32" if origin.content.endswith(".31") else "198.51.100.31"
        self.emit(
            at,
            "rec_set",
            actor,
            frac=True,
            interface="API",
            metadata={"zone_name": zone},
            new_json=self.dns_json(zone, origin, zone_id=True),
            old_json=old,
            resource=(origin.res_id, "DNS_record"),
        )
        self.ev_purge(at + rng.randint(8, 70) * SEC, dict(actor), "API", zone)

    def ev_acme(self, at: int, zone: str) -> None:
        """An ACME DNS-01 challenge record by the CI, removed a minute or so later."""
        raj = self.people["raj"]
        challenge = self.new_dns(
            zone, "_acme-challenge", "TXT", random_hex(self.rng, 256)[:43], ttl=120
        )
        self.ev_rec_add(at, raj, CI_IP, "API", zone, spec=challenge)
        self.schedule(at + self.rng.randint(20, 95) * SEC, self.ev_acme_cleanup, zone, challenge)

    def ev_acme_cleanup(self, at: int, zone: str, challenge: DnsRecord) -> None:
        """Remove the challenge record, if still there."""
        if challenge.id in self.dns[zone]:
            self.ev_rec_del(at, self.people["raj"], CI_IP, "API", zone, target=challenge)

    def ev_cert_renewal(self, at: int, zone: str) -> None:
        """Cloudflare renews the zone's certificate pack."""
        self.emit(
            at,
            "certificate_renewal",
            {"id": "cloudflare", "type": "Cloudflare"},
            frac=True,
            metadata={
                "certificate_authority": self.rng.choice(("lets_encrypt", "google")),
                "hosts": [zone, f"*.{zone}"],
                "zone_name": zone,
            },
            resource=(str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), "certificate_pack"),
        )

    def plan_routine(self) -> None:
        """Schedule the routine of every day of the history."""
        rng = self.rng
        for day in range(DAYS):
            weekend = day % 7 in (5, 6)
            for key, person in self.people.items():
                if key == "tom" and not _TOM_ACTIVE[0] <= day <= _TOM_ACTIVE[1]:
                    continue
                if weekend:
                    sessions = 1 if rng.random() < 0.1 else 0
                else:
                    sessions = rng.choices((0, 1, 2), _SESSIONS[key])[0]
                start_hour, end_hour = person.hours
                for _ in range(sessions):
                    self.schedule(
                        self.rand_in(day, start_hour, end_hour - 1.5), self.ev_session, person
                    )
                if key == "tom" and day >= 100 and rng.random() < 0.2:
                    # off-hours: tom works some nights (01:00-04:00 UTC)
                    self.schedule(self.rand_in(day, 1.0, 4.0), self.ev_session, person)
            if not weekend and day >= 10:
                for _ in range(rng.choices((1, 2, 3), (3, 4, 2))[0]):
                    self.schedule(self.rand_in(day, 8.0, 16.0), self.ev_deploy)
        for nth, zone in enumerate(("example.com", "shop.example.com", "example.org")):
            for day in range(6 + 7 * nth, DAYS, 60):
                self.schedule(self.rand_in(day, 2.0, 3.0), self.ev_acme, zone)
            for day in range(11 + 9 * nth, DAYS, 80):
                self.schedule(self.rand_in(day, 0.0, 24.0), self.ev_cert_renewal, zone)
        for zone in ZONES:
            start = NEW_ZONE_DAY + 1 if zone == NEW_ZONE else 0
            day = start + rng.randrange(1, 20)
            while day < DAYS:
                self.schedule(self.rand_in(day, 0.0, 24.0), self.ev_tls_deployed, zone)
                day += rng.randrange(18, 36)
