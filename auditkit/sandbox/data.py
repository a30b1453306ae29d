"""The sandbox's deterministic synthetic Cloudflare account.

:func:`generate_records` builds about six months of audit-log entries for one account
with four users, a Cloudflare ``admin``, the ``Cloudflare`` actor and ``system`` actors,
four zones and the action mix of a real account (logins, DNS edits, zone settings, API
tokens and keys, cache purges, membership changes). The records have the shape and
quirks of the anonymised real records in ``tests/fixtures/real-audit-records.jsonl``:
camelCase ``newValue``/``oldValue`` (often ``""``, sometimes the literal ``"null"``),
``newValueJson``/``oldValueJson`` objects, ``action.info``, system actors with no email
or ip, ``""`` interfaces, ``when`` with and without fractional seconds, uuid v4 and v5
ids, user-level entries whose ``resource.type`` is ``"account"``.

Determinism: every record is placed at a fixed offset *before* the ``anchor`` (the end
of the history; the anchor is truncated to whole seconds). For one ``seed`` the records
(ids, offsets, contents) are the same whatever the anchor; only ``when`` moves with it.

The story in the data (days count from the start of the 183-day history):

- routine: sessions in each user's working hours (login, then DNS edits, setting changes,
  purges), a CI pipeline (``raj``'s token, interface ``API``) flipping an origin record
  and purging, ACME DNS-01 challenges, certificate renewals, TLS deployments by
  ``system``, API-token rolls;
- security-lowering changes with a benign story: ``ssl`` full->flexible (day 40, undone
  after 2 h), ``min_tls_version`` 1.2->1.0 (day 58, undone day 72), ``waf`` on->off
  (day 88, undone next day);
- a brute-force burst: 8 failed logins against ``michelle`` from ``203.0.113.199``
  (day 123, 03:10 UTC);
- ``tom`` (a contractor, added day 14) has off-hours sessions from day 100, then on day
  150 at 02:07 UTC his account is used from ``203.0.113.66``: 2fa enforcement disabled,
  ``security_level`` high->low, ``ssl`` full->flexible, ``min_tls_version`` 1.2->1.0,
  ``always_use_https`` on->off, ``waf`` on->off on ``example.com``, a ``backup`` token,
  then 9 DNS deletions within about 4 minutes; ``ana`` restores the settings that
  morning, ``raj`` re-creates the records and ``michelle`` removes ``tom``.

Examples
--------
>>> from auditkit.sandbox.data import generate_records
>>> recs = generate_records(seed=0, anchor="2026-10-01")
>>> recs[0]["when"] < "2026-10-01T00:00:00Z"
True
>>> generate_records(seed=0, anchor="2026-10-01") == recs
True
"""

from __future__ import annotations

import functools
import heapq
import ipaddress
import random
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import msgspec

__all__ = [
    "DAYS",
    "ZONES",
    "Identity",
    "Person",
    "default_anchor",
    "format_when",
    "generate_records",
    "identity",
    "live_record",
    "parse_anchor",
    "parse_timestamp_ns",
]

#: Length of the synthetic history, in days before the anchor.
DAYS = 183
#: Zones of the synthetic account (``api.example.net`` is added on day 30).
ZONES = ("example.com", "shop.example.com", "example.org", "api.example.net")

SEC = 1_000_000
MINUTE = 60 * SEC
HOUR = 60 * MINUTE
DAY = 24 * HOUR
SPAN = DAYS * DAY

_NEW_ZONE = "api.example.net"
_NEW_ZONE_DAY = 30
_COMPROMISE_DAY = 150
_ATTACKER_IP = "203.0.113.66"
_BRUTE_FORCE_IP = "203.0.113.199"
_CI_IP = "198.51.100.200"
_ADMIN_EMAIL = "support@cloudflare.com"

# The template is kept as compact JSON bytes (dict key order preserved) and decoded
# afresh per call; msgspec's codecs are thread-safe, so one of each is shared.
_ENCODE = msgspec.json.Encoder()
_DECODE = msgspec.json.Decoder()


# ---------------------------------------------------------------------------
# time helpers (shared with the server)
# ---------------------------------------------------------------------------

_TS_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,12}))?([Zz]|[+-]\d{2}:\d{2}))?"
)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def parse_timestamp_ns(text: str) -> int:
    """Parse an RFC 3339 date or date-time to integer nanoseconds since the epoch (UTC).

    Accepts a full date (``2026-10-01``, meaning midnight UTC) or a date-time with
    ``T``/``t``/space separator, optional fractional seconds (up to nanoseconds are
    kept, further digits are ignored) and a ``Z`` or ``±hh:mm`` offset. A date-time
    without an offset is rejected, as RFC 3339 requires one.

    Parameters
    ----------
    text
        The timestamp.

    Returns
    -------
    int
        Nanoseconds since 1970-01-01T00:00:00Z; exact, so comparisons never round.

    Raises
    ------
    ValueError
        If ``text`` is not an RFC 3339 date or date-time.

    Examples
    --------
    >>> parse_timestamp_ns("1970-01-01T00:00:01.5Z")
    1500000000
    >>> parse_timestamp_ns("1970-01-01T02:00:00+02:00")
    0
    """
    m = _TS_RE.fullmatch(text)
    if m is None:
        raise ValueError(f"not an RFC 3339 date or date-time: {text!r}")
    year, month, day_, hh, mm, ss, frac, off = m.groups()
    try:
        d = date(int(year), int(month), int(day_))
    except ValueError as exc:
        raise ValueError(f"invalid date in {text!r}") from exc
    seconds = (d.toordinal() - _EPOCH_ORDINAL) * 86_400
    if hh is None:
        return seconds * 1_000_000_000
    h, mi, s = int(hh), int(mm), int(ss)
    if h > 23 or mi > 59 or s > 59:
        raise ValueError(f"invalid time in {text!r}")
    seconds += h * 3600 + mi * 60 + s
    if off not in ("Z", "z"):
        oh, om = int(off[1:3]), int(off[4:6])
        if oh > 23 or om > 59:
            raise ValueError(f"invalid offset in {text!r}")
        delta = oh * 3600 + om * 60
        seconds -= delta if off[0] == "+" else -delta
    nanos = int((frac or "0")[:9].ljust(9, "0"))
    return seconds * 1_000_000_000 + nanos


def default_anchor() -> datetime:
    """Return today's UTC midnight, the default end of the synthetic history.

    Returns
    -------
    datetime
        A tz-aware UTC datetime at 00:00:00.

    Examples
    --------
    >>> a = default_anchor()
    >>> (a.hour, a.minute, a.second, a.tzinfo is not None)
    (0, 0, 0, True)
    """
    now = datetime.now(UTC)
    return datetime(now.year, now.month, now.day, tzinfo=UTC)


def parse_anchor(anchor: datetime | date | str | None) -> datetime:
    """Normalise an anchor to a tz-aware UTC datetime truncated to whole seconds.

    Parameters
    ----------
    anchor
        A tz-aware ``datetime``, a ``date`` (midnight UTC), an RFC 3339 date or
        date-time string, or ``None`` for :func:`default_anchor`.

    Returns
    -------
    datetime
        The anchor in UTC, microseconds dropped.

    Raises
    ------
    ValueError
        For a naive datetime or an unparseable string.

    Examples
    --------
    >>> parse_anchor("2026-10-01").isoformat()
    '2026-10-01T00:00:00+00:00'
    >>> parse_anchor("2026-10-01T12:30:00.9+02:00").isoformat()
    '2026-10-01T10:30:00+00:00'
    """
    if anchor is None:
        return default_anchor()
    if isinstance(anchor, datetime):
        if anchor.tzinfo is None or anchor.utcoffset() is None:
            raise ValueError("anchor must be timezone-aware")
        return anchor.astimezone(UTC).replace(microsecond=0)
    if isinstance(anchor, date):
        return datetime(anchor.year, anchor.month, anchor.day, tzinfo=UTC)
    if isinstance(anchor, str):
        ns = parse_timestamp_ns(anchor.strip())
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=ns // 1_000_000_000)
    raise TypeError(f"anchor must be a datetime, date, str or None, not {type(anchor).__name__}")


def format_when(dt: datetime) -> str:
    """Format a datetime the way Cloudflare writes ``when``.

    Whole seconds give ``2026-10-01T12:00:00Z``; otherwise six fractional digits.

    Parameters
    ----------
    dt
        A tz-aware datetime (converted to UTC) or a naive one taken as UTC.

    Returns
    -------
    str
        The RFC 3339 text with a ``Z`` suffix.

    Examples
    --------
    >>> format_when(datetime(2026, 10, 1, 12, 0, 0, 250, tzinfo=UTC))
    '2026-10-01T12:00:00.000250Z'
    """
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt.isoformat() + "Z"


# ---------------------------------------------------------------------------
# identity: account, people, zones
# ---------------------------------------------------------------------------


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
        return frozenset(p.id for p in self.people.values())


def _hex(rng: random.Random, bits: int = 128) -> str:
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
    acct = _hex(rng)
    raw = [
        ("michelle", "michelle@example.com", "192.0.2.10", "2001:db8:1000:4", (13.5, 22.0)),
        ("raj", "raj@example.com", "198.51.100.23", "2001:db8:2000:17", (4.0, 12.5)),
        ("ana", "ana@example.net", "192.0.2.140", "2001:db8:3000:2", (11.0, 19.5)),
        ("tom", "tom@example.org", "198.19.7.33", "2001:db8:4000:a1", (14.0, 22.0)),
    ]
    people = {}
    for key, email, v4, v6p, hours in raw:
        uid = _hex(rng)
        v6 = str(_ipv6_in(v6p, rng))
        people[key] = Person(key, email, uid, v4, v6, v6p, hours)
    admin = _hex(rng)
    zones = {z: _hex(rng) for z in ZONES}
    return Identity(account_id or acct, people, admin, zones)


def _ipv6_in(prefix64: str, rng: random.Random) -> str:
    groups = [format(rng.getrandbits(16), "x") for _ in range(4)]
    return str(ipaddress.IPv6Address(f"{prefix64}:{':'.join(groups)}"))


# ---------------------------------------------------------------------------
# the generator
# ---------------------------------------------------------------------------


@dataclass
class _Dns:
    res_id: str
    id: str
    name: str
    type: str
    content: str
    ttl: int
    proxied: bool
    priority: int | None = None
    core: bool = False


_SETTING_TYPES = {
    "security_level": "firewall",
    "waf": "firewall",
    "ssl": "crypto",
    "min_tls_version": "crypto",
    "always_use_https": "crypto",
    "development_mode": "performance",
    "rocket_loader": "performance",
    "cache_level": "caching",
    "browser_cache_ttl": "caching",
    "always_online": "caching",
    "IPv6": "network",
}
_TLS_SETTINGS = ("ssl", "min_tls_version", "always_use_https")
_WORDS = [
    "blog",
    "docs",
    "status",
    "staging",
    "dev",
    "cdn",
    "img",
    "app",
    "portal",
    "beta",
    "grafana",
    "vpn",
    "autodiscover",
    "files",
    "assets",
    "metrics",
    "ci",
    "git",
    "wiki",
    "support",
    "mail2",
    "edge",
    "auth",
    "pay",
    "search",
]


@dataclass(order=True)
class _Event:
    t: int
    seq: int
    fn: Callable[..., None] = field(compare=False)
    args: tuple[Any, ...] = field(compare=False)


class _Gen:
    def __init__(self, seed: int, ident: Identity) -> None:
        self.rng = random.Random(f"auditkit-sandbox-timeline:{seed}")
        self.ident = ident
        self.p = ident.people
        self.heap: list[_Event] = []
        self.seq = 0
        self.out: list[tuple[int, dict[str, Any]]] = []
        self.next_res = 10_700_000_000 + self.rng.randrange(10_000_000)
        self.dns: dict[str, dict[str, _Dns]] = {z: {} for z in ZONES}
        self.settings: dict[str, dict[str, Any]] = {}
        self.tokens: dict[tuple[str, str], str] = {}
        self.key_digest = {k: _hex(self.rng, 256) for k in self.p}
        self.member_ids = {"tom": _hex(self.rng), "sam": _hex(self.rng)}
        self.burst_deleted: list[_Dns] = []
        self.tom_active = (15, _COMPROMISE_DAY - 1)

    # -- plumbing ---------------------------------------------------------
    def at(self, t: int, fn: Callable[..., None], *args: Any) -> None:
        if 0 <= t < SPAN:
            self.seq += 1
            heapq.heappush(self.heap, _Event(t, self.seq, fn, args))

    def run(self) -> list[tuple[int, dict[str, Any]]]:
        while self.heap:
            ev = heapq.heappop(self.heap)
            ev.fn(ev.t, *ev.args)
        return self.out

    def emit(
        self,
        t: int,
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
        if frac:
            t = t - t % SEC + self.rng.randint(1, 999_999)
        else:
            t -= t % SEC
        if t >= SPAN:
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
        self.out.append((t, rec))

    @staticmethod
    def user(p: Person, ip: str) -> dict[str, Any]:
        return {"email": p.email, "id": p.id, "ip": ip, "type": "user"}

    @staticmethod
    def system() -> dict[str, Any]:
        return {"id": "1", "type": "system"}

    def admin(self) -> dict[str, Any]:
        return {"email": _ADMIN_EMAIL, "id": self.ident.admin_id, "type": "admin"}

    def zones_at(self, t: int) -> list[str]:
        return [z for z in ZONES if z != _NEW_ZONE or t >= _NEW_ZONE_DAY * DAY + 20 * HOUR]

    def rand_in(self, day: int, h0: float, h1: float) -> int:
        return day * DAY + int(self.rng.uniform(h0, h1) * HOUR)

    def session_ip(self, p: Person) -> str:
        r = self.rng.random()
        if r < 0.62:
            return p.ipv4
        if r < 0.95:
            return p.ipv6
        if r < 0.975:
            return str(_ipv6_in(p.v6_prefix, self.rng))
        return f"198.18.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}"

    # -- initial state ----------------------------------------------------
    def new_dns(self, zone: str, name: str, rtype: str, content: str, **kw: Any) -> _Dns:
        self.next_res += self.rng.randint(1, 40_000)
        fq = zone if name == "@" else f"{name}.{zone}"
        ttl = kw.pop("ttl", 1)
        proxied = kw.pop("proxied", rtype in ("A", "AAAA", "CNAME") and name != "_acme-challenge")
        return _Dns(str(self.next_res), _hex(self.rng), fq, rtype, content, ttl, proxied, **kw)

    def seed_state(self) -> None:
        initial: dict[str, list[tuple[Any, ...]]] = {
            "example.com": [
                ("@", "A", "192.0.2.1"),
                ("www", "CNAME", "example.com"),
                ("@", "MX", "mx1.mail.example.net", 10),
                ("@", "MX", "mx2.mail.example.net", 20),
                ("@", "TXT", "v=spf1 include:_spf.mail.example.net ~all"),
                ("_dmarc", "TXT", "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com"),
                ("api", "CNAME", "api.example.net"),
                ("status", "CNAME", "statuspage.example.net"),
            ],
            "shop.example.com": [
                ("@", "A", "198.51.100.10"),
                ("@", "AAAA", "2001:db8:5000::10"),
                ("www", "CNAME", "shop.example.com"),
                ("origin", "A", "198.51.100.31"),
                ("@", "TXT", "v=spf1 -all"),
            ],
            "example.org": [
                ("@", "A", "192.0.2.50"),
                ("www", "CNAME", "example.org"),
                ("@", "MX", "mx1.mail.example.net", 10),
                ("@", "TXT", "v=spf1 include:_spf.mail.example.net ~all"),
            ],
            _NEW_ZONE: [],
        }
        for zone, rows in initial.items():
            for row in rows:
                name, rtype, content = row[:3]
                kw: dict[str, Any] = {"core": True}
                if rtype == "MX":
                    kw["priority"] = row[3]
                r = self.new_dns(zone, name, rtype, content, **kw)
                self.dns[zone][r.id] = r
        base = {
            "security_level": "medium",
            "waf": "on",
            "ssl": "full",
            "min_tls_version": "1.2",
            "always_use_https": "on",
            "development_mode": "off",
            "rocket_loader": "off",
            "cache_level": "aggressive",
            "browser_cache_ttl": 14400,
            "always_online": "on",
            "IPv6": True,
        }
        for z in ZONES:
            self.settings[z] = dict(base)
        self.settings["example.org"].update(ssl="flexible", always_use_https="off")
        self.settings["example.org"]["min_tls_version"] = "1.0"
        self.settings[_NEW_ZONE]["ssl"] = "strict"

    # -- record builders ----------------------------------------------------
    def dns_json(self, zone: str, r: _Dns, zone_id: bool) -> dict[str, Any]:
        d: dict[str, Any] = {"content": r.content, "id": r.id, "name": r.name}
        if r.type == "MX":
            d["priority"] = r.priority
        d["proxied"] = r.proxied
        d["ttl"] = r.ttl
        d["type"] = r.type
        if zone_id:
            d["zone_id"] = self.ident.zone_ids[zone]
        d["zone_name"] = zone
        return d

    def null_or_empty(self) -> str:
        return "null" if self.rng.random() < 0.3 else ""

    def ev_login(self, t: int, p: Person, ip: str, ok: bool = True) -> None:
        self.emit(
            t,
            "login",
            self.user(p, ip),
            result=ok,
            owner=p.id,
            resource=(p.id, "account"),
            v5=True,
        )

    def ev_rec_add(
        self, t: int, p: Person, ip: str, iface: str, zone: str | None = None, spec: Any = None
    ) -> _Dns | None:
        rng = self.rng
        zone = zone or rng.choice(self.zones_at(t))
        if spec is None:
            rtype = rng.choices(("A", "CNAME", "TXT", "AAAA", "MX"), (40, 25, 20, 10, 5))[0]
            name = rng.choice(_WORDS) + (str(rng.randrange(2, 9)) if rng.random() < 0.2 else "")
            kw: dict[str, Any] = {}
            if rtype == "A":
                content = f"{rng.choice(('192.0.2', '198.51.100'))}.{rng.randrange(2, 250)}"
            elif rtype == "AAAA":
                content = f"2001:db8:5000::{rng.randrange(16, 4096):x}"
            elif rtype == "CNAME":
                content = f"{name}.hosting.example.net"
            elif rtype == "TXT":
                content = f"{name}-verification={_hex(rng, 64)[:32]}"
            else:
                content = f"mx{rng.randrange(3, 6)}.mail.example.net"
                kw["priority"] = rng.choice((10, 20, 30))
                name = "@"
            if rtype != "MX" and rng.random() < 0.35:
                kw["ttl"] = rng.choice((300, 3600))
            r = self.new_dns(zone, name, rtype, content, **kw)
        else:
            r = spec
        self.dns[zone][r.id] = r
        self.emit(
            t,
            "rec_add",
            self.user(p, ip),
            frac=True,
            interface=iface,
            metadata={"zone_name": zone},
            new_json=self.dns_json(zone, r, zone_id=False),
            owner=None,
            resource=(r.res_id, "DNS_record"),
        )
        return r

    def ev_rec_set(self, t: int, p: Person, ip: str, iface: str, zone: str | None = None) -> None:
        rng = self.rng
        zone = zone or rng.choice(self.zones_at(t))
        recs = list(self.dns[zone].values())
        if not recs:
            self.ev_rec_add(t, p, ip, iface, zone)
            return
        r = rng.choice(recs)
        old = self.dns_json(zone, r, zone_id=True)
        roll = rng.random()
        if r.type in ("A", "AAAA") and roll < 0.5:
            parts = r.content.rsplit(".", 1) if r.type == "A" else r.content.rsplit(":", 1)
            sep = "." if r.type == "A" else ":"
            newhost = (
                rng.randrange(2, 250) if r.type == "A" else format(rng.randrange(16, 4096), "x")
            )
            r.content = f"{parts[0]}{sep}{newhost}"
        elif r.type == "TXT" and roll < 0.5 and not r.core:
            r.content = f"{r.name.split('.')[0]}-verification={_hex(rng, 128)}"
        elif r.type in ("A", "AAAA", "CNAME") and roll < 0.75:
            r.proxied = not r.proxied
            if r.proxied:
                r.ttl = 1
        else:
            r.ttl = rng.choice([x for x in (1, 120, 300, 3600) if x != r.ttl])
            if r.ttl != 1:
                r.proxied = False
        nv = self.null_or_empty()
        self.emit(
            t,
            "rec_set",
            self.user(p, ip),
            frac=True,
            interface=iface,
            metadata={"zone_name": zone},
            new=nv,
            old=nv,
            new_json=self.dns_json(zone, r, zone_id=True),
            old_json=old,
            resource=(r.res_id, "DNS_record"),
        )

    def ev_rec_del(
        self,
        t: int,
        p: Person,
        ip: str,
        iface: str,
        zone: str | None = None,
        target: _Dns | None = None,
    ) -> _Dns | None:
        rng = self.rng
        zone = zone or rng.choice(self.zones_at(t))
        if target is None:
            candidates = [r for r in self.dns[zone].values() if not r.core]
            if not candidates:
                self.ev_rec_add(t, p, ip, iface, zone)
                return None
            target = rng.choice(candidates)
        del self.dns[zone][target.id]
        nv = self.null_or_empty()
        self.emit(
            t,
            "rec_del",
            self.user(p, ip),
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
        self, t: int, actor: dict[str, Any], iface: str, zone: str, name: str, value: Any
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
            t,
            "change_setting",
            actor,
            interface=iface,
            metadata={
                "name": name,
                "type": _SETTING_TYPES[name],
                "value": value,
                "zone_name": zone,
            },
            new=new_s,
            old=old_s,
            resource=(self.ident.zone_ids[zone], "zone"),
            v5=True,
        )
        if name in _TLS_SETTINGS:
            self.at(t + self.rng.randint(3, 120) * SEC, self.ev_tls_deployed, zone)

    def ev_tls_deployed(self, t: int, zone: str) -> None:
        s = self.settings[zone]
        self.emit(
            t,
            "tls_settings_deployed",
            self.system(),
            frac=True,
            metadata={"zone_name": zone},
            new_json={
                "ciphers": "",
                "early_hints": "Default",
                "http_2": "Enabled",
                "min_tls_version": f"TLSv{s['min_tls_version']}",
                "quic": "Default",
                "session_tickets": "Enabled",
                "tls_13": "Enabled" if s["min_tls_version"] == "1.3" else "Default",
                "zero_rtt": "Default",
            },
            resource=(self.ident.zone_ids[zone], "zone"),
        )

    def ev_purge(self, t: int, actor: dict[str, Any], iface: str, zone: str | None = None) -> None:
        zone = zone or self.rng.choice(self.zones_at(t))
        self.emit(
            t,
            "purge",
            actor,
            interface=iface,
            metadata={"zone_name": zone},
            resource=(self.ident.zone_ids[zone], "zone"),
            v5=True,
        )

    def ev_routine_setting(self, t: int, p: Person, ip: str, iface: str) -> None:
        rng = self.rng
        zone = rng.choice(self.zones_at(t))
        s = self.settings[zone]
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
            if s[name] == "on":
                self.ev_setting(t, self.user(p, ip), iface, zone, name, "off")
                return
            self.ev_setting(t, self.user(p, ip), iface, zone, name, "on")
            self.at(t + rng.randint(20, 180) * MINUTE, self.ev_dev_mode_off, p, ip, iface, zone)
            return
        if name == "cache_level":
            value: Any = rng.choice(
                [v for v in ("aggressive", "basic", "simplified") if v != s[name]]
            )
        elif name == "browser_cache_ttl":
            value = rng.choice([v for v in (1800, 3600, 14400, 28800, 86400) if v != s[name]])
        elif name == "IPv6":
            value = not s[name]
        else:
            value = "off" if s[name] == "on" else "on"
        self.ev_setting(t, self.user(p, ip), iface, zone, name, value)

    def ev_dev_mode_off(self, t: int, p: Person, ip: str, iface: str, zone: str) -> None:
        self.ev_setting(t, self.user(p, ip), iface, zone, "development_mode", "off")

    def ev_security_routine(self, t: int, p: Person, ip: str, iface: str) -> None:
        """ana's routine: raise what is low, else flip security_level medium/high."""
        zones = [z for z in self.zones_at(t) if z != "example.com"]
        zone = self.rng.choice(zones)
        s = self.settings[zone]
        actor = self.user(p, ip)
        if s["waf"] == "off":
            self.ev_setting(t, actor, iface, zone, "waf", "on")
        elif s["always_use_https"] == "off":
            self.ev_setting(t, actor, iface, zone, "always_use_https", "on")
        elif s["min_tls_version"] in ("1.0", "1.1"):
            self.ev_setting(t, actor, iface, zone, "min_tls_version", "1.2")
        else:
            value = "high" if s["security_level"] == "medium" else "medium"
            self.ev_setting(t, actor, iface, zone, "security_level", value)

    def ev_token(
        self,
        t: int,
        p: Person,
        ip: str,
        kind: str,
        name: str,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        tag = self.tokens.get((p.key, name))
        if tag is None:
            tag = self.tokens[(p.key, name)] = _hex(self.rng)
        meta: dict[str, Any] = {}
        if kind == "token_roll":
            meta["new_token_hash"] = _hex(self.rng, 256)
            meta["old_token_hash"] = _hex(self.rng, 256)
        if kind == "token_revoke":
            meta["new_token_status"] = "deleted"
            meta["old_token_status"] = "active"
        meta["token_name"] = name
        meta["token_tag"] = tag
        if extra:
            meta.update(extra)
        self.emit(t, kind, self.user(p, ip), metadata=meta, owner=p.id, resource=(p.id, "account"))

    def ev_key_view(self, t: int, p: Person, ip: str) -> None:
        self.emit(
            t,
            "API_key_view",
            self.user(p, ip),
            info=f"key digest: {self.key_digest[p.key]}",
            owner=p.id,
            resource=(p.id, "account"),
            v5=True,
        )

    def ev_key_rotate(self, t: int, p: Person, ip: str) -> None:
        digest = self.key_digest[p.key] = _hex(self.rng, 256)
        actor = self.user(p, ip)
        info = f"key digest: {digest}"
        self.emit(
            t, "rotate_API_key", actor, info=info, owner=p.id, resource=(p.id, "account"), v5=True
        )
        self.emit(t, "API_key_created", dict(actor), resource=(digest, "api_key"), v5=True)

    def ev_member(
        self, t: int, p: Person, ip: str, kind: str, who: str, meta: dict[str, Any]
    ) -> None:
        email = {"tom": "tom@example.org", "sam": "sam@example.com"}[who]
        new = old = ""
        if kind == "member_role_change":
            old, new = meta["old_roles"][0], meta["new_roles"][0]
        self.emit(
            t,
            kind,
            self.user(p, ip),
            interface="UI",
            metadata={"member_email": email, **meta},
            new=new,
            old=old,
            resource=(self.member_ids[who], "member"),
        )

    def ev_2fa(self, t: int, p: Person, ip: str, enable: bool) -> None:
        kind = "2fa_enforcement_enable" if enable else "2fa_enforcement_disable"
        self.emit(
            t,
            kind,
            self.user(p, ip),
            interface="UI",
            new="true" if enable else "false",
            old="false" if enable else "true",
        )

    # -- routine activity ---------------------------------------------------
    _MIX: ClassVar[dict[str, tuple[tuple[str, ...], tuple[float, ...]]]] = {
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
    _SESSIONS: ClassVar[dict[str, tuple[float, float, float]]] = {
        # workday probabilities of 0, 1, 2 sessions
        "michelle": (0.10, 0.55, 0.35),
        "raj": (0.05, 0.45, 0.50),
        "ana": (0.15, 0.60, 0.25),
        "tom": (0.35, 0.50, 0.15),
    }

    def ev_session(self, t: int, p: Person) -> None:
        rng = self.rng
        ip = self.session_ip(p)
        r = rng.random()
        if r < 0.05:
            self.ev_login(t - rng.randint(8, 90) * SEC, p, ip, ok=False)
        if r < 0.008:
            return
        self.ev_login(t, p, ip)
        api_share = {"raj": 0.25, "tom": 0.1}.get(p.key, 0.03)
        kinds, weights = self._MIX[p.key]
        for _ in range(rng.choice((1, 2, 3, 3, 4, 4, 5, 6, 8))):
            t += rng.randint(20, 900) * SEC
            iface = "API" if rng.random() < api_share else "UI"
            self.at(t, self.ev_action, p, ip, iface, rng.choices(kinds, weights)[0])

    def ev_action(self, t: int, p: Person, ip: str, iface: str, kind: str) -> None:
        if kind == "rec_set":
            self.ev_rec_set(t, p, ip, iface)
        elif kind == "rec_add":
            self.ev_rec_add(t, p, ip, iface)
        elif kind == "rec_del":
            self.ev_rec_del(t, p, ip, iface)
        elif kind == "setting":
            self.ev_routine_setting(t, p, ip, iface)
        elif kind == "security":
            self.ev_security_routine(t, p, ip, iface)
        else:
            self.ev_purge(t, self.user(p, ip), "" if iface == "UI" else iface)

    def ev_deploy(self, t: int) -> None:
        """CI pipeline (raj's terraform-ci token): flip an origin record, then purge."""
        rng = self.rng
        raj = self.p["raj"]
        zone = rng.choice([z for z in ("shop.example.com", _NEW_ZONE) if z in self.zones_at(t)])
        origin = next((r for r in self.dns[zone].values() if r.name == f"origin.{zone}"), None)
        actor = self.user(raj, _CI_IP)
        if origin is None:
            return
        old = self.dns_json(zone, origin, zone_id=True)
        origin.content = "198.51.100.32" if origin.content.endswith(".31") else "198.51.100.31"
        self.emit(
            t,
            "rec_set",
            actor,
            frac=True,
            interface="API",
            metadata={"zone_name": zone},
            new_json=self.dns_json(zone, origin, zone_id=True),
            old_json=old,
            resource=(origin.res_id, "DNS_record"),
        )
        self.ev_purge(t + rng.randint(8, 70) * SEC, dict(actor), "API", zone)

    def ev_acme(self, t: int, zone: str) -> None:
        raj = self.p["raj"]
        r = self.new_dns(zone, "_acme-challenge", "TXT", _hex(self.rng, 256)[:43], ttl=120)
        self.ev_rec_add(t, raj, _CI_IP, "API", zone, spec=r)
        self.at(t + self.rng.randint(20, 95) * SEC, self.ev_acme_cleanup, zone, r)

    def ev_acme_cleanup(self, t: int, zone: str, r: _Dns) -> None:
        if r.id in self.dns[zone]:
            self.ev_rec_del(t, self.p["raj"], _CI_IP, "API", zone, target=r)

    def ev_cert_renewal(self, t: int, zone: str) -> None:
        self.emit(
            t,
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
        rng = self.rng
        for d in range(DAYS):
            weekend = d % 7 in (5, 6)
            for key, p in self.p.items():
                if key == "tom" and not self.tom_active[0] <= d <= self.tom_active[1]:
                    continue
                if weekend:
                    n = 1 if rng.random() < 0.1 else 0
                else:
                    n = rng.choices((0, 1, 2), self._SESSIONS[key])[0]
                h0, h1 = p.hours
                for _ in range(n):
                    self.at(self.rand_in(d, h0, h1 - 1.5), self.ev_session, p)
                if key == "tom" and d >= 100 and rng.random() < 0.2:
                    # off-hours: tom works some nights (01:00-04:00 UTC)
                    self.at(self.rand_in(d, 1.0, 4.0), self.ev_session, p)
            if not weekend and d >= 10:
                for _ in range(rng.choices((1, 2, 3), (3, 4, 2))[0]):
                    self.at(self.rand_in(d, 8.0, 16.0), self.ev_deploy)
        for i, zone in enumerate(("example.com", "shop.example.com", "example.org")):
            for d in range(6 + 7 * i, DAYS, 60):
                self.at(self.rand_in(d, 2.0, 3.0), self.ev_acme, zone)
            for d in range(11 + 9 * i, DAYS, 80):
                self.at(self.rand_in(d, 0.0, 24.0), self.ev_cert_renewal, zone)
        for zone in ZONES:
            start = _NEW_ZONE_DAY + 1 if zone == _NEW_ZONE else 0
            d = start + rng.randrange(1, 20)
            while d < DAYS:
                self.at(self.rand_in(d, 0.0, 24.0), self.ev_tls_deployed, zone)
                d += rng.randrange(18, 36)

    # -- the story ----------------------------------------------------------
    def plan_story(self) -> None:
        p = self.p
        mi, raj, ana, tom = p["michelle"], p["raj"], p["ana"], p["tom"]
        self.at(2 * DAY + 15 * HOUR, self.ev_token, mi, mi.ipv4, "token_create", "Read audit logs")
        self.at(3 * DAY + 16 * HOUR, self.ev_2fa, mi, mi.ipv4, True)
        self.at(5 * DAY + 6 * HOUR, self.ev_token, raj, raj.ipv4, "token_create", "terraform-ci")
        for d in (35, 65, 95, 125, 155):
            self.at(
                d * DAY + 5 * HOUR + 2 * MINUTE,
                self.ev_token,
                raj,
                raj.ipv4,
                "token_roll",
                "terraform-ci",
            )
        self.at(8 * DAY + 7 * HOUR, self.ev_token, raj, raj.ipv6, "token_create", "cert-manager")
        self.at(
            14 * DAY + 15 * HOUR,
            self.ev_member,
            mi,
            mi.ipv4,
            "member_add",
            "tom",
            {"roles": ["DNS"]},
        )
        self.at(
            16 * DAY + 15 * HOUR,
            self.ev_token,
            tom,
            tom.ipv4,
            "token_create",
            "dns-edit contractor",
        )
        self.at(
            20 * DAY + 12 * HOUR,
            self.ev_setting,
            self.user(ana, ana.ipv4),
            "UI",
            "example.org",
            "ssl",
            "full",
        )
        self.at(20 * DAY + 17 * HOUR, self.ev_purge, self.admin(), "", "shop.example.com")
        self.at(_NEW_ZONE_DAY * DAY + 19 * HOUR, self.ev_new_zone)
        self.at(33 * DAY + 6 * HOUR, self.ev_key_view, raj, raj.ipv4)
        t40 = 40 * DAY + 18 * HOUR + 12 * MINUTE
        self.at(
            t40,
            self.ev_setting,
            self.user(mi, mi.ipv4),
            "UI",
            "shop.example.com",
            "ssl",
            "flexible",
        )
        self.at(
            t40 + 2 * HOUR,
            self.ev_setting,
            self.user(mi, mi.ipv4),
            "UI",
            "shop.example.com",
            "ssl",
            "full",
        )
        self.at(50 * DAY + 14 * HOUR, self.ev_token, ana, ana.ipv4, "token_create", "waf-sync")
        self.at(
            58 * DAY + 9 * HOUR,
            self.ev_setting,
            self.user(raj, raj.ipv4),
            "UI",
            _NEW_ZONE,
            "min_tls_version",
            "1.0",
        )
        self.at(
            72 * DAY + 13 * HOUR,
            self.ev_setting,
            self.user(ana, ana.ipv4),
            "UI",
            _NEW_ZONE,
            "min_tls_version",
            "1.2",
        )
        self.at(
            61 * DAY + 16 * HOUR,
            self.ev_member,
            mi,
            mi.ipv4,
            "member_role_change",
            "tom",
            {"old_roles": ["DNS"], "new_roles": ["Administrator"]},
        )
        self.at(70 * DAY + 17 * HOUR, self.ev_key_view, mi, mi.ipv6)
        self.at(70 * DAY + 17 * HOUR + 3 * MINUTE, self.ev_key_rotate, mi, mi.ipv6)
        t77 = 77 * DAY + 20 * HOUR
        self.at(t77, self.ev_token, mi, mi.ipv4, "token_create", "test")
        self.at(t77 + 21 * SEC, self.ev_token, mi, mi.ipv4, "token_revoke", "test")
        self.at(
            88 * DAY + 19 * HOUR,
            self.ev_setting,
            self.user(mi, mi.ipv4),
            "UI",
            "example.org",
            "waf",
            "off",
        )
        self.at(
            89 * DAY + 15 * HOUR,
            self.ev_setting,
            self.user(mi, mi.ipv4),
            "UI",
            "example.org",
            "waf",
            "on",
        )
        t95 = 95 * DAY + 12 * HOUR + 41 * MINUTE
        self.at(
            t95,
            self.ev_setting,
            self.user(ana, ana.ipv4),
            "UI",
            "example.com",
            "security_level",
            "under_attack",
        )
        self.at(
            t95 + 6 * HOUR,
            self.ev_setting,
            self.user(ana, ana.ipv4),
            "UI",
            "example.com",
            "security_level",
            "high",
        )
        self.at(100 * DAY + 12 * HOUR, self.ev_key_view, ana, ana.ipv4)
        self.at(
            100 * DAY + 16 * HOUR,
            self.ev_member,
            mi,
            mi.ipv4,
            "member_add",
            "sam",
            {"roles": ["Analytics"]},
        )
        self.at(118 * DAY + 10 * HOUR, self.ev_admin_ticket, "example.com")
        self.at(161 * DAY + 9 * HOUR, self.ev_admin_ticket, "shop.example.com")
        self.at(120 * DAY + 13 * HOUR, self.ev_token, ana, ana.ipv4, "token_revoke", "waf-sync")
        self.at(123 * DAY + 3 * HOUR + 10 * MINUTE, self.ev_brute_force)
        self.at(
            130 * DAY + 15 * HOUR,
            self.ev_member,
            mi,
            mi.ipv4,
            "member_remove",
            "sam",
            {"roles": ["Analytics"]},
        )
        self.at(_COMPROMISE_DAY * DAY + 2 * HOUR + 7 * MINUTE, self.ev_compromise)
        self.at(_COMPROMISE_DAY * DAY + 11 * HOUR + 20 * MINUTE, self.ev_response)

    def ev_admin_ticket(self, t: int, zone: str) -> None:
        """Cloudflare support works a ticket: toggles Rocket Loader, purges the cache."""
        value = "off" if self.settings[zone]["rocket_loader"] == "on" else "on"
        self.ev_setting(t, self.admin(), "", zone, "rocket_loader", value)
        self.ev_purge(t + self.rng.randint(60, 300) * SEC, self.admin(), "", zone)

    def ev_new_zone(self, t: int) -> None:
        mi, raj = self.p["michelle"], self.p["raj"]
        zone = _NEW_ZONE
        self.emit(
            t,
            "pending",
            self.user(mi, mi.ipv4),
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
        tt = t + 40 * MINUTE
        for name, rtype, content, kw in rows:
            tt += self.rng.randint(15, 70) * SEC
            r = self.new_dns(zone, name, rtype, content, **kw)
            self.ev_rec_add(tt, raj, _CI_IP, "API", zone, spec=r)
        self.at(tt + 5 * MINUTE, self.ev_tls_deployed, zone)

    def ev_brute_force(self, t: int) -> None:
        mi = self.p["michelle"]
        for _ in range(8):
            self.ev_login(t, mi, _BRUTE_FORCE_IP, ok=False)
            t += self.rng.randint(20, 55) * SEC

    def ev_compromise(self, t: int) -> None:
        rng = self.rng
        tom = self.p["tom"]
        ip = _ATTACKER_IP
        actor = self.user(tom, ip)
        self.ev_login(t, tom, ip, ok=False)
        t += rng.randint(30, 90) * SEC
        self.ev_login(t, tom, ip, ok=False)
        t += rng.randint(30, 90) * SEC
        self.ev_login(t, tom, ip)
        t += rng.randint(60, 120) * SEC
        self.ev_2fa(t, tom, ip, False)
        for name, value in (
            ("security_level", "low"),
            ("ssl", "flexible"),
            ("min_tls_version", "1.0"),
            ("always_use_https", "off"),
            ("waf", "off"),
        ):
            t += rng.randint(40, 150) * SEC
            self.ev_setting(t, dict(actor), "UI", "example.com", name, value)
        t += rng.randint(60, 120) * SEC
        self.ev_token(t, tom, ip, "token_create", "backup")
        t += rng.randint(60, 240) * SEC
        zone = "example.com"
        victims = sorted(self.dns[zone].values(), key=lambda r: (not r.core, r.name, r.type))[:9]
        for r in victims:
            t += rng.randint(12, 30) * SEC
            self.ev_rec_del(t, tom, ip, "UI", zone, target=r)
            self.burst_deleted.append(r)
        t += rng.randint(30, 60) * SEC
        self.ev_purge(t, dict(actor), "", zone)

    def ev_response(self, t: int) -> None:
        rng = self.rng
        ana, raj, mi = self.p["ana"], self.p["raj"], self.p["michelle"]
        self.ev_login(t, ana, ana.ipv4)
        for name, value in (
            ("waf", "on"),
            ("security_level", "high"),
            ("ssl", "full"),
            ("min_tls_version", "1.2"),
            ("always_use_https", "on"),
        ):
            t += rng.randint(30, 120) * SEC
            self.ev_setting(t, self.user(ana, ana.ipv4), "UI", "example.com", name, value)
        t += rng.randint(60, 180) * SEC
        self.ev_2fa(t, ana, ana.ipv4, True)
        tr = t + 25 * MINUTE
        self.ev_login(tr, raj, raj.ipv4)
        for old in self.burst_deleted:
            tr += rng.randint(15, 60) * SEC
            kw: dict[str, Any] = {"core": old.core, "ttl": old.ttl, "proxied": old.proxied}
            if old.priority is not None:
                kw["priority"] = old.priority
            name = old.name.removesuffix(".example.com") if old.name != "example.com" else "@"
            r = self.new_dns("example.com", name, old.type, old.content, **kw)
            self.ev_rec_add(tr, raj, raj.ipv4, "UI", "example.com", spec=r)
        tm = t + 2 * HOUR + 45 * MINUTE
        self.ev_login(tm, mi, mi.ipv4)
        self.ev_member(
            tm + 2 * MINUTE, mi, mi.ipv4, "member_remove", "tom", {"roles": ["Administrator"]}
        )


@functools.lru_cache(maxsize=8)
def _template(seed: int, account_id: str | None) -> bytes:
    gen = _Gen(seed, identity(seed, account_id))
    gen.seed_state()
    gen.plan_routine()
    gen.plan_story()
    out = gen.run()
    out.sort(key=lambda tr: (tr[0], tr[1]["id"]), reverse=True)
    return _ENCODE.encode(out)


def generate_records(
    seed: int = 0,
    anchor: datetime | date | str | None = None,
    *,
    account_id: str | None = None,
) -> list[dict[str, Any]]:
    """Generate the synthetic account's audit-log records, newest first.

    Parameters
    ----------
    seed
        Seed; the same seed gives the same records (ids, offsets before the anchor,
        contents) whatever the anchor.
    anchor
        End of the history (exclusive): a tz-aware datetime, a date or an RFC 3339
        string; default today's UTC midnight. Truncated to whole seconds.
    account_id
        Account id to use as ``owner.id`` of account-level entries; default the seed's.

    Returns
    -------
    list of dict
        About 3,850 fresh record dicts (safe to mutate), sorted by ``when`` then
        ``id``, newest first. ``when`` is ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``.

    Examples
    --------
    >>> recs = generate_records(seed=0, anchor="2026-10-01")
    >>> later = generate_records(seed=0, anchor="2026-10-02")
    >>> [r["id"] for r in recs] == [r["id"] for r in later]
    True
    >>> sorted({r["actor"]["type"] for r in recs})
    ['Cloudflare', 'admin', 'system', 'user']
    """
    base = parse_anchor(anchor).replace(tzinfo=None) - timedelta(microseconds=SPAN)
    # Day 0 of the template is a Monday and its hours are UTC hours: start the history
    # at midnight on a real Monday (the data then ends up to a week before the anchor),
    # so that weekends fall on Saturdays and Sundays and office hours on office hours.
    base = base.replace(hour=0, minute=0, second=0, microsecond=0)
    base -= timedelta(days=base.weekday())
    out: list[dict[str, Any]] = []
    for t, rec in _DECODE.decode(_template(seed, account_id)):
        rec["when"] = (base + timedelta(microseconds=t)).isoformat() + "Z"
        out.append(rec)
    return out


_LIVE_KINDS = ("login", "purge", "rec_set")


def live_record(
    rng: random.Random,
    when: str,
    ident: Identity,
) -> dict[str, Any]:
    """Build one fresh record, as written "during a load" by the sandbox.

    Parameters
    ----------
    rng
        Source of the id and the choices (the sandbox passes its own seeded one).
    when
        The record's ``when`` text.
    ident
        The account identity, for actor, owner and zone ids.

    Returns
    -------
    dict
        A ``login``, ``purge`` or ``rec_set`` record by one of the users.

    Examples
    --------
    >>> rec = live_record(random.Random(1), "2026-10-01T12:00:00Z", identity(0))
    >>> rec["when"]
    '2026-10-01T12:00:00Z'
    """
    people = list(ident.people.values())
    p = rng.choice(people)
    kind = rng.choice(_LIVE_KINDS)
    actor = {"email": p.email, "id": p.id, "ip": p.ipv4, "type": "user"}
    zone = rng.choice(ZONES[:3])
    rid = str(uuid.UUID(int=rng.getrandbits(128), version=5 if kind != "rec_set" else 4))
    rec: dict[str, Any] = {
        "action": {"result": True, "type": kind},
        "actor": actor,
        "id": rid,
        "interface": "" if kind != "rec_set" else "UI",
        "metadata": {} if kind == "login" else {"zone_name": zone},
        "newValue": "",
    }
    if kind == "rec_set":
        rec_id = _hex(rng)
        res_id = str(10_900_000_000 + rng.randrange(10_000_000))
        common = {"id": rec_id, "name": f"live.{zone}"}
        old = {"content": "192.0.2.77", **common, "proxied": True, "ttl": 1, "type": "A"}
        new = {"content": "192.0.2.78", **common, "proxied": True, "ttl": 1, "type": "A"}
        for d in (old, new):
            d["zone_id"] = ident.zone_ids[zone]
            d["zone_name"] = zone
        rec["newValueJson"] = new
        rec["oldValue"] = ""
        rec["oldValueJson"] = old
        rec["owner"] = {"id": ident.account_id}
        rec["resource"] = {"id": res_id, "type": "DNS_record"}
    else:
        rec["oldValue"] = ""
        if kind == "login":
            rec["owner"] = {"id": p.id}
            rec["resource"] = {"id": p.id, "type": "account"}
        else:
            rec["owner"] = {"id": ident.account_id}
            rec["resource"] = {"id": ident.zone_ids[zone], "type": "zone"}
    rec["when"] = when
    return rec


def iter_user_ids(records: Iterable[Mapping[str, Any]]) -> set[str]:
    """Return the ids of ``user`` actors in ``records``.

    Parameters
    ----------
    records
        Audit-log records.

    Returns
    -------
    set of str
        ``actor.id`` of every record whose ``actor.type`` is ``"user"``.

    Examples
    --------
    >>> iter_user_ids([{"actor": {"id": "u1", "type": "user"}}, {"actor": {"id": "1", "type": "system"}}])
    {'u1'}
    """
    out: set[str] = set()
    for r in records:
        actor = r.get("actor")
        if (
            isinstance(actor, Mapping)
            and actor.get("type") == "user"
            and isinstance(actor.get("id"), str)
        ):
            out.add(actor["id"])
    return out
