"""The sandbox's deterministic synthetic Cloudflare account: :func:`generate_records`.

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

The generator is laid out by concept: :mod:`~auditkit.sandbox._catalog` (zones,
settings, DNS records, calendar), :mod:`~auditkit.sandbox._people` (users, addresses,
actors), :mod:`~auditkit.sandbox._events` (the timeline and one builder per kind of
entry), :mod:`~auditkit.sandbox._routine` and :mod:`~auditkit.sandbox._story` (what
happens when). This module runs them once per seed (:func:`_template`, cached) and
dates the result for an anchor; it also builds the records written "during a load"
(:func:`live_record`).

Examples
--------
>>> from auditkit.sandbox import generate_records
>>> recs = generate_records(seed=0, anchor="2026-10-01")
>>> recs[0]["when"] < "2026-10-01T00:00:00Z"
True
>>> generate_records(seed=0, anchor="2026-10-01") == recs
True
"""

from __future__ import annotations

import functools
import random
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from auditkit.sandbox._catalog import SPAN, ZONES
from auditkit.sandbox._people import Identity, identity, random_hex
from auditkit.sandbox._routine import Routine
from auditkit.sandbox._story import Story
from auditkit.sandbox._times import parse_anchor

__all__ = ["date_template", "generate_records", "history_start", "live_record", "when_text"]

# The template is kept as compact JSON bytes (dict key order preserved) and decoded
# afresh per call; msgspec's codecs are thread-safe, so one of each is shared.
_ENCODE = msgspec.json.Encoder()
_DECODE = msgspec.json.Decoder()


class _SyntheticAccount(Routine, Story):
    """The whole generator: the timeline with its routine and its story."""


@functools.lru_cache(maxsize=8)
def _template(seed: int, account_id: str | None) -> bytes:
    """The records for ``seed``, undated: JSON of ``[[offset_us, record], ...]``, newest first."""
    gen = _SyntheticAccount(seed, identity(seed, account_id))
    gen.seed_state()
    gen.plan_routine()
    gen.plan_story()
    out = gen.run()
    out.sort(key=lambda pair: (pair[0], pair[1]["id"]), reverse=True)
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
    return date_template(_template(seed, account_id), anchor)


def history_start(anchor: datetime | date | str | None) -> datetime:
    """The naive UTC datetime of offset 0 of a template dated for ``anchor``.

    Day 0 of the template is a Monday and its hours are UTC hours: the history starts at
    midnight on a real Monday (the data then ends up to a week before the anchor), so
    that weekends fall on Saturdays and Sundays and office hours on office hours.
    """
    base = parse_anchor(anchor).replace(tzinfo=None) - timedelta(microseconds=SPAN)
    base = base.replace(hour=0, minute=0, second=0, microsecond=0)
    return base - timedelta(days=base.weekday())


def when_text(base: datetime, offset_us: int) -> str:
    """``when`` of the entry ``offset_us`` microseconds after ``base``."""
    return (base + timedelta(microseconds=offset_us)).isoformat() + "Z"


def date_template(template: bytes, anchor: datetime | date | str | None) -> list[dict[str, Any]]:
    """The records of a v1 ``template`` (JSON of ``[[offset_us, record], ...]``), dated."""
    base = history_start(anchor)
    out: list[dict[str, Any]] = []
    for at, rec in _DECODE.decode(template):
        rec["when"] = when_text(base, at)
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
    person = rng.choice(people)
    kind = rng.choice(_LIVE_KINDS)
    actor = {"email": person.email, "id": person.id, "ip": person.ipv4, "type": "user"}
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
        rec_id = random_hex(rng)
        res_id = str(10_900_000_000 + rng.randrange(10_000_000))
        common = {"id": rec_id, "name": f"live.{zone}"}
        old = {"content": "192.0.2.77", **common, "proxied": True, "ttl": 1, "type": "A"}
        new = {"content": "192.0.2.78", **common, "proxied": True, "ttl": 1, "type": "A"}
        for value_json in (old, new):
            value_json["zone_id"] = ident.zone_ids[zone]
            value_json["zone_name"] = zone
        rec["newValueJson"] = new
        rec["oldValue"] = ""
        rec["oldValueJson"] = old
        rec["owner"] = {"id": ident.account_id}
        rec["resource"] = {"id": res_id, "type": "DNS_record"}
    else:
        rec["oldValue"] = ""
        if kind == "login":
            rec["owner"] = {"id": person.id}
            rec["resource"] = {"id": person.id, "type": "account"}
        else:
            rec["owner"] = {"id": ident.account_id}
            rec["resource"] = {"id": ident.zone_ids[zone], "type": "zone"}
    rec["when"] = when
    return rec
