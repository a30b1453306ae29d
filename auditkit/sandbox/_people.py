"""Who acts in the synthetic account: its users, their addresses, and the other actors.

:func:`identity` fixes, per seed, the account id, the four users (:class:`Person`: email,
id, home IPv4/IPv6, working hours), the Cloudflare ``admin`` and the zone ids. The
``*_actor`` functions build the ``actor`` object of a record; :func:`session_ip` picks
the address a user works from in one session. The addresses of the story (the attacker,
the brute-force source, the CI runner) are here too.
"""

from __future__ import annotations

import functools
import ipaddress
import random
from dataclasses import dataclass
from typing import Any

from auditkit.sandbox._catalog import ZONES

__all__ = [
    "ADMIN_EMAIL",
    "ATTACKER_IP",
    "BRUTE_FORCE_IP",
    "CI_IP",
    "Identity",
    "Person",
    "admin_actor",
    "identity",
    "random_hex",
    "random_ipv6_in",
    "session_ip",
    "system_actor",
    "user_actor",
]

#: Where ``tom``'s account is used from on the day of the compromise.
ATTACKER_IP = "203.0.113.66"
#: Source of the failed logins against ``michelle`` (day 123).
BRUTE_FORCE_IP = "203.0.113.199"
#: The CI runner (``raj``'s tokens, interface ``API``).
CI_IP = "198.51.100.200"
#: Email of the Cloudflare ``admin`` (support staff).
ADMIN_EMAIL = "support@cloudflare.com"


@dataclass(frozen=True)
class Person:
    """A user of the synthetic account.

    Attributes
    ----------
    key
        Short name (``michelle``, ``raj``, ``ana``, ``tom``).
    email, id
        Actor email and 32-hex user id.
    ipv4, ipv6
        The two addresses the user mostly works from.
    v6_prefix
        The user's /64, for the occasional new (privacy) IPv6 address.
    hours
        Working window in UTC hours, ``(start, end)``.
    """

    key: str
    email: str
    id: str
    ipv4: str
    ipv6: str
    v6_prefix: str
    hours: tuple[float, float]


@dataclass(frozen=True)
class Identity:
    """The fixed ids of the synthetic account for one seed.

    Attributes
    ----------
    account_id
        32-hex account id; the ``owner.id`` of account-level entries.
    people
        The users by key: ``michelle`` (owner, the sandbox token's user), ``raj``,
        ``ana`` and ``tom``.
    admin_id
        Actor id of the Cloudflare ``admin`` (support staff).
    zone_ids
        32-hex zone id per zone name.
    """

    account_id: str
    people: dict[str, Person]
    admin_id: str
    zone_ids: dict[str, str]

    @property
    def user_ids(self) -> frozenset[str]:
        """Ids of all users (the ``owner.id`` of user-level entries)."""
        return frozenset(person.id for person in self.people.values())


def random_hex(rng: random.Random, bits: int = 128) -> str:
    """``bits`` random bits from ``rng`` as zero-padded lowercase hex."""
    return format(rng.getrandbits(bits), f"0{bits // 4}x")


@functools.lru_cache(maxsize=32)
def identity(seed: int = 0, account_id: str | None = None) -> Identity:
    """Return the account, user, admin and zone ids for ``seed``.

    Parameters
    ----------
    seed
        Seed of the synthetic account.
    account_id
        Use this account id instead of the seed's (nothing else changes).

    Returns
    -------
    Identity
        The ids, deterministic for ``seed``.

    Examples
    --------
    >>> identity(0) == identity(0)
    True
    >>> identity(0).people["michelle"].email
    'michelle@example.com'
    """
    rng = random.Random(f"auditkit-sandbox-identity:{seed}")
    acct = random_hex(rng)
    raw = [
        ("michelle", "michelle@example.com", "192.0.2.10", "2001:db8:1000:4", (13.5, 22.0)),
        ("raj", "raj@example.com", "198.51.100.23", "2001:db8:2000:17", (4.0, 12.5)),
        ("ana", "ana@example.net", "192.0.2.140", "2001:db8:3000:2", (11.0, 19.5)),
        ("tom", "tom@example.org", "198.19.7.33", "2001:db8:4000:a1", (14.0, 22.0)),
    ]
    people = {}
    for key, email, v4, v6p, hours in raw:
        uid = random_hex(rng)
        v6 = str(random_ipv6_in(v6p, rng))
        people[key] = Person(key, email, uid, v4, v6, v6p, hours)
    admin = random_hex(rng)
    zones = {zone: random_hex(rng) for zone in ZONES}
    return Identity(account_id or acct, people, admin, zones)


def random_ipv6_in(prefix64: str, rng: random.Random) -> str:
    """A random address in the /64 ``prefix64`` (four hex groups, e.g. ``2001:db8:1:2``)."""
    groups = [format(rng.getrandbits(16), "x") for _ in range(4)]
    return str(ipaddress.IPv6Address(f"{prefix64}:{':'.join(groups)}"))


def session_ip(rng: random.Random, person: Person) -> str:
    """The address ``person`` works from in one session.

    Mostly the home IPv4, often the home IPv6, sometimes a new (privacy) IPv6 address in
    the user's /64, rarely somewhere else entirely (``198.18.0.0/15``).
    """
    roll = rng.random()
    if roll < 0.62:
        return person.ipv4
    if roll < 0.95:
        return person.ipv6
    if roll < 0.975:
        return str(random_ipv6_in(person.v6_prefix, rng))
    return f"198.18.{rng.randrange(256)}.{rng.randrange(1, 255)}"


# ---------------------------------------------------------------------------
# actors (a new dict each call: records never share one)
# ---------------------------------------------------------------------------


def user_actor(person: Person, ip: str) -> dict[str, Any]:
    """``actor`` of an entry by ``person`` from ``ip``."""
    return {"email": person.email, "id": person.id, "ip": ip, "type": "user"}


def system_actor() -> dict[str, Any]:
    """``actor`` of an entry written by Cloudflare's systems (no email, no ip)."""
    return {"id": "1", "type": "system"}


def admin_actor(ident: Identity) -> dict[str, Any]:
    """``actor`` of an entry by Cloudflare support staff."""
    return {"email": ADMIN_EMAIL, "id": ident.admin_id, "type": "admin"}
