"""The story in the synthetic account: dated one-off events, and tom's compromise.

Days count from the start of the 183-day history. Tokens created and rolled; ``tom``
added on day 14, promoted on day 61; security-lowering changes with a benign story
(``ssl`` full->flexible on day 40 undone after 2 h, ``min_tls_version`` 1.2->1.0 on
day 58 undone on day 72, ``waf`` on->off on day 88 undone next day); Cloudflare support
tickets; a brute-force burst against ``michelle`` (day 123); and on day 150 ``tom``'s
account used from the attacker's address, then the team's response that morning.
:meth:`Story.plan_story` schedules it all on the
:class:`~auditkit.sandbox._events.Timeline`.
"""

from __future__ import annotations

from typing import Any

from auditkit.sandbox._catalog import (
    COMPROMISE_DAY,
    DAY,
    HOUR,
    MINUTE,
    NEW_ZONE,
    NEW_ZONE_DAY,
    SEC,
)
from auditkit.sandbox._events import Timeline
from auditkit.sandbox._people import (
    ATTACKER_IP,
    BRUTE_FORCE_IP,
    CI_IP,
    admin_actor,
    user_actor,
)

__all__ = ["Story"]


class Story(Timeline):
    """The story part of the generator (a mixin of :class:`Timeline`)."""

    def plan_story(self) -> None:
        """Schedule every dated event of the story."""
        people = self.people
        michelle, raj, ana, tom = people["michelle"], people["raj"], people["ana"], people["tom"]
        self.schedule(
            2 * DAY + 15 * HOUR,
            self.ev_token,
            michelle,
            michelle.ipv4,
            "token_create",
            "Read audit logs",
        )
        self.schedule(3 * DAY + 16 * HOUR, self.ev_2fa, michelle, michelle.ipv4, True)
        self.schedule(
            5 * DAY + 6 * HOUR, self.ev_token, raj, raj.ipv4, "token_create", "terraform-ci"
        )
        for day in (35, 65, 95, 125, 155):
            self.schedule(
                day * DAY + 5 * HOUR + 2 * MINUTE,
                self.ev_token,
                raj,
                raj.ipv4,
                "token_roll",
                "terraform-ci",
            )
        self.schedule(
            8 * DAY + 7 * HOUR, self.ev_token, raj, raj.ipv6, "token_create", "cert-manager"
        )
        self.schedule(
            14 * DAY + 15 * HOUR,
            self.ev_member,
            michelle,
            michelle.ipv4,
            "member_add",
            "tom",
            {"roles": ["DNS"]},
        )
        self.schedule(
            16 * DAY + 15 * HOUR,
            self.ev_token,
            tom,
            tom.ipv4,
            "token_create",
            "dns-edit contractor",
        )
        self.schedule(
            20 * DAY + 12 * HOUR,
            self.ev_setting,
            user_actor(ana, ana.ipv4),
            "UI",
            "example.org",
            "ssl",
            "full",
        )
        self.schedule(
            20 * DAY + 17 * HOUR, self.ev_purge, admin_actor(self.ident), "", "shop.example.com"
        )
        self.schedule(NEW_ZONE_DAY * DAY + 19 * HOUR, self.ev_new_zone)
        self.schedule(33 * DAY + 6 * HOUR, self.ev_key_view, raj, raj.ipv4)
        ssl_lowered = 40 * DAY + 18 * HOUR + 12 * MINUTE
        self.schedule(
            ssl_lowered,
            self.ev_setting,
            user_actor(michelle, michelle.ipv4),
            "UI",
            "shop.example.com",
            "ssl",
            "flexible",
        )
        self.schedule(
            ssl_lowered + 2 * HOUR,
            self.ev_setting,
            user_actor(michelle, michelle.ipv4),
            "UI",
            "shop.example.com",
            "ssl",
            "full",
        )
        self.schedule(
            50 * DAY + 14 * HOUR, self.ev_token, ana, ana.ipv4, "token_create", "waf-sync"
        )
        self.schedule(
            58 * DAY + 9 * HOUR,
            self.ev_setting,
            user_actor(raj, raj.ipv4),
            "UI",
            NEW_ZONE,
            "min_tls_version",
            "1.0",
        )
        self.schedule(
            72 * DAY + 13 * HOUR,
            self.ev_setting,
            user_actor(ana, ana.ipv4),
            "UI",
            NEW_ZONE,
            "min_tls_version",
            "1.2",
        )
        self.schedule(
            61 * DAY + 16 * HOUR,
            self.ev_member,
            michelle,
            michelle.ipv4,
            "member_role_change",
            "tom",
            {"old_roles": ["DNS"], "new_roles": ["Administrator"]},
        )
        self.schedule(70 * DAY + 17 * HOUR, self.ev_key_view, michelle, michelle.ipv6)
        self.schedule(
            70 * DAY + 17 * HOUR + 3 * MINUTE, self.ev_key_rotate, michelle, michelle.ipv6
        )
        test_token = 77 * DAY + 20 * HOUR
        self.schedule(test_token, self.ev_token, michelle, michelle.ipv4, "token_create", "test")
        self.schedule(
            test_token + 21 * SEC, self.ev_token, michelle, michelle.ipv4, "token_revoke", "test"
        )
        self.schedule(
            88 * DAY + 19 * HOUR,
            self.ev_setting,
            user_actor(michelle, michelle.ipv4),
            "UI",
            "example.org",
            "waf",
            "off",
        )
        self.schedule(
            89 * DAY + 15 * HOUR,
            self.ev_setting,
            user_actor(michelle, michelle.ipv4),
            "UI",
            "example.org",
            "waf",
            "on",
        )
        under_attack = 95 * DAY + 12 * HOUR + 41 * MINUTE
        self.schedule(
            under_attack,
            self.ev_setting,
            user_actor(ana, ana.ipv4),
            "UI",
            "example.com",
            "security_level",
            "under_attack",
        )
        self.schedule(
            under_attack + 6 * HOUR,
            self.ev_setting,
            user_actor(ana, ana.ipv4),
            "UI",
            "example.com",
            "security_level",
            "high",
        )
        self.schedule(100 * DAY + 12 * HOUR, self.ev_key_view, ana, ana.ipv4)
        self.schedule(
            100 * DAY + 16 * HOUR,
            self.ev_member,
            michelle,
            michelle.ipv4,
            "member_add",
            "sam",
            {"roles": ["Analytics"]},
        )
        self.schedule(118 * DAY + 10 * HOUR, self.ev_admin_ticket, "example.com")
        self.schedule(161 * DAY + 9 * HOUR, self.ev_admin_ticket, "shop.example.com")
        self.schedule(
            120 * DAY + 13 * HOUR, self.ev_token, ana, ana.ipv4, "token_revoke", "waf-sync"
        )
        self.schedule(123 * DAY + 3 * HOUR + 10 * MINUTE, self.ev_brute_force)
        self.schedule(
            130 * DAY + 15 * HOUR,
            self.ev_member,
            michelle,
            michelle.ipv4,
            "member_remove",
            "sam",
            {"roles": ["Analytics"]},
        )
        self.schedule(COMPROMISE_DAY * DAY + 2 * HOUR + 7 * MINUTE, self.ev_compromise)
        self.schedule(COMPROMISE_DAY * DAY + 11 * HOUR + 20 * MINUTE, self.ev_response)

    def ev_admin_ticket(self, at: int, zone: str) -> None:
        """Cloudflare support works a ticket: toggles Rocket Loader, purges the cache."""
        value = "off" if self.settings[zone]["rocket_loader"] == "on" else "on"
        self.ev_setting(at, admin_actor(self.ident), "", zone, "rocket_loader", value)
        self.ev_purge(at + self.rng.randint(60, 300) * SEC, admin_actor(self.ident), "", zone)

    def ev_new_zone(self, at: int) -> None:
        """``api.example.net`` is added, then the CI creates its records."""
        michelle, raj = self.people["michelle"], self.people["raj"]
        zone = NEW_ZONE
        self.emit(
            at,
            "pending",
            user_actor(michelle, michelle.ipv4),
            interface="UI",
            metadata={"zone_id": self.ident.zone_ids[zone], "zone_name": zone},
            v5=True,
        )
        rows = [
            ("@", "A", "198.51.100.40", {}),
            ("@", "AAAA", "2001:db8:5000::40", {}),
            ("origin", "A", "198.51.100.31", {"core": True}),
            ("www", "CNAME", zone, {}),
            ("@", "TXT", "v=spf1 -all", {}),
        ]
        record_at = at + 40 * MINUTE
        for name, rtype, content, kw in rows:
            record_at += self.rng.randint(15, 70) * SEC
            record = self.new_dns(zone, name, rtype, content, **kw)
            self.ev_rec_add(record_at, raj, CI_IP, "API", zone, spec=record)
        self.schedule(record_at + 5 * MINUTE, self.ev_tls_deployed, zone)

    def ev_brute_force(self, at: int) -> None:
        """Eight failed logins against ``michelle`` from one address."""
        michelle = self.people["michelle"]
        for _ in range(8):
            self.ev_login(at, michelle, BRUTE_FORCE_IP, ok=False)
            at += self.rng.randint(20, 55) * SEC

    def ev_compromise(self, at: int) -> None:
        """``tom``'s account misused from the attacker's address: security lowered, DNS deleted."""
        rng = self.rng
        tom = self.people["tom"]
        ip = ATTACKER_IP
        actor = user_actor(tom, ip)
        self.ev_login(at, tom, ip, ok=False)
        at += rng.randint(30, 90) * SEC
        self.ev_login(at, tom, ip, ok=False)
        at += rng.randint(30, 90) * SEC
        self.ev_login(at, tom, ip)
        at += rng.randint(60, 120) * SEC
        self.ev_2fa(at, tom, ip, False)
        for name, value in (
            ("security_level", "low"),
            ("ssl", "flexible"),
            ("min_tls_version", "1.0"),
            ("always_use_https", "off"),
            ("waf", "off"),
        ):
            at += rng.randint(40, 150) * SEC
            self.ev_setting(at, dict(actor), "UI", "example.com", name, value)
        at += rng.randint(60, 120) * SEC
        self.ev_token(at, tom, ip, "token_create", "backup")
        at += rng.randint(60, 240) * SEC
        zone = "example.com"
        victims = sorted(
            self.dns[zone].values(), key=lambda record: (not record.core, record.name, record.type)
        )[:9]
        for record in victims:
            at += rng.randint(12, 30) * SEC
            self.ev_rec_del(at, tom, ip, "UI", zone, target=record)
            self.burst_deleted.append(record)
        at += rng.randint(30, 60) * SEC
        self.ev_purge(at, dict(actor), "", zone)

    def ev_response(self, at: int) -> None:
        """The response: ``ana`` restores, ``raj`` re-creates, ``michelle`` removes ``tom``."""
        rng = self.rng
        ana, raj, michelle = self.people["ana"], self.people["raj"], self.people["michelle"]
        self.ev_login(at, ana, ana.ipv4)
        for name, value in (
            ("waf", "on"),
            ("security_level", "high"),
            ("ssl", "full"),
            ("min_tls_version", "1.2"),
            ("always_use_https", "on"),
        ):
            at += rng.randint(30, 120) * SEC
            self.ev_setting(at, user_actor(ana, ana.ipv4), "UI", "example.com", name, value)
        at += rng.randint(60, 180) * SEC
        self.ev_2fa(at, ana, ana.ipv4, True)
        raj_at = at + 25 * MINUTE
        self.ev_login(raj_at, raj, raj.ipv4)
        for old in self.burst_deleted:
            raj_at += rng.randint(15, 60) * SEC
            kw: dict[str, Any] = {"core": old.core, "ttl": old.ttl, "proxied": old.proxied}
            if old.priority is not None:
                kw["priority"] = old.priority
            name = old.name.removesuffix(".example.com") if old.name != "example.com" else "@"
            record = self.new_dns("example.com", name, old.type, old.content, **kw)
            self.ev_rec_add(raj_at, raj, raj.ipv4, "UI", "example.com", spec=record)
        michelle_at = at + 2 * HOUR + 45 * MINUTE
        self.ev_login(michelle_at, michelle, michelle.ipv4)
        self.ev_member(
            michelle_at + 2 * MINUTE,
            michelle,
            michelle.ipv4,
            "member_remove",
            "tom",
            {"roles": ["Administrator"]},
        )
