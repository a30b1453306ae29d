"""The sandbox's accounts and its organization: who they are, and each one's v1 history.

A sandbox serves ``accounts=N`` accounts (:func:`account_specs`), all in one
organization (:func:`organization_id`):

- **Account 1** is the synthetic account of :func:`~auditkit.sandbox.generate_records`,
  exactly (same id, records and ``when``), named ``Example Corp``.
- **Accounts 2..N** each have a seed of their own (derived from the sandbox's seed and
  the account's number: :func:`account_seed`), hence their own account, user and zone ids
  and their own history, told by the same generator but smaller: only its last
  :data:`SMALL_HISTORY_DAYS` days. Their names come from a fixed list (``Northwind
  Traders``, ``Contoso``, ...) and their world is renamed, so that two accounts never
  share a zone or a user's email: ``example.com`` becomes ``<slug>.example``,
  ``example.org`` ``<slug>-org.example`` and ``example.net`` ``<slug>-net.example``
  (in zone names, DNS contents and emails alike; ``.example`` is reserved by RFC 2606).

Every account is ``"type": "standard"``, created (``created_on``) before its history
starts (account ``k`` later than account ``k - 1``), managed by the organization
(``managed_by``), with ``settings.enforce_twofactor`` as its last 2FA-enforcement entry
left it (:func:`account_object`, what ``GET /accounts`` lists).

Examples
--------
>>> specs = account_specs(seed=0, count=3)
>>> [spec.name for spec in specs]
['Example Corp', 'Northwind Traders', 'Contoso']
>>> specs[0].id == identity(0).account_id
True
>>> rename_world("michelle@example.com", "contoso")
'michelle@contoso.example'
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from auditkit.sandbox._catalog import DAY, SPAN, ZONES
from auditkit.sandbox._data import _template, date_template, history_start
from auditkit.sandbox._people import identity
from auditkit.sandbox._times import format_when

__all__ = [
    "MAX_ACCOUNTS",
    "ORGANIZATION_NAME",
    "SMALL_HISTORY_DAYS",
    "AccountSpec",
    "account_object",
    "account_records",
    "account_seed",
    "account_specs",
    "account_template",
    "account_user_ids",
    "account_zone_ids",
    "organization_id",
    "rename_world",
]

#: Most accounts one sandbox serves.
MAX_ACCOUNTS = 100
#: Days of history of accounts 2..N (the last days of their generator's 183).
SMALL_HISTORY_DAYS = 60
#: Name of the sandbox's organization (``managed_by.parent_org_name``).
ORGANIZATION_NAME = "Example Org"

#: Names and world slugs of the accounts, in order (account 1 keeps the original world).
_NAMES: tuple[tuple[str, str], ...] = (
    ("Example Corp", ""),
    ("Northwind Traders", "northwind"),
    ("Contoso", "contoso"),
    ("Fabrikam", "fabrikam"),
    ("Tailspin Toys", "tailspin"),
    ("Wide World Importers", "wideworld"),
    ("Adventure Works", "adventure-works"),
    ("Litware", "litware"),
    ("Proseware", "proseware"),
    ("Woodgrove Bank", "woodgrove"),
    ("Fourth Coffee", "fourthcoffee"),
    ("Lucerne Publishing", "lucerne"),
    ("Alpine Ski House", "alpineskihouse"),
    ("Blue Yonder Airlines", "blueyonder"),
    ("Coho Winery", "cohowinery"),
    ("Humongous Insurance", "humongous"),
    ("Trey Research", "treyresearch"),
    ("Wingtip Toys", "wingtip"),
    ("Graphic Design Institute", "graphicdesign"),
    ("Margie's Travel", "margiestravel"),
)
_DECODE = msgspec.json.Decoder()
_ENCODE = msgspec.json.Encoder()


@dataclass(frozen=True)
class AccountSpec:
    """One account of a sandbox.

    Attributes
    ----------
    number
        1 for the first account, 2..N for the others.
    seed
        Seed of its history's generator.
    id, name
        Account id (32 hex) and name.
    slug
        How its world is renamed (:func:`rename_world`); ``""`` for account 1 (not renamed).
    template_account_id
        ``account_id`` given to the v1 generator (account 1's override, else ``None``).
    keep_days
        Days of history kept (the last ones), ``None`` for all of it.
    """

    number: int
    seed: int
    id: str
    name: str
    slug: str
    template_account_id: str | None
    keep_days: int | None

    @property
    def domain(self) -> str:
        """The account's main zone (``example.com`` renamed)."""
        return rename_world("example.com", self.slug)


def account_seed(seed: int, number: int) -> int:
    """Seed of account ``number``'s history (account 1: ``seed`` itself).

    Examples
    --------
    >>> account_seed(0, 1), account_seed(0, 2) == account_seed(0, 2) != account_seed(1, 2)
    (0, True)
    """
    if number == 1:
        return seed
    digest = hashlib.sha256(f"auditkit-sandbox-account:{seed}:{number}".encode()).digest()
    return int.from_bytes(digest[:6], "big")


def account_specs(
    seed: int = 0,
    count: int = 1,
    account_id: str | None = None,
    first_name: str | None = None,
) -> list[AccountSpec]:
    """The ``count`` accounts of a sandbox with ``seed`` (account 1's id may be given)."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_ACCOUNTS:
        raise ValueError(f"accounts must be an integer from 1 to {MAX_ACCOUNTS}, got {count!r}")
    out = [
        AccountSpec(
            1,
            seed,
            identity(seed, account_id).account_id,
            first_name or _NAMES[0][0],
            "",
            account_id,
            None,
        )
    ]
    for number in range(2, count + 1):
        if number <= len(_NAMES):
            name, slug = _NAMES[number - 1]
        else:
            name, slug = f"Example Account {number}", f"account{number}"
        sub_seed = account_seed(seed, number)
        out.append(
            AccountSpec(
                number,
                sub_seed,
                identity(sub_seed).account_id,
                name,
                slug,
                None,
                SMALL_HISTORY_DAYS,
            )
        )
    return out


def organization_id(seed: int = 0) -> str:
    """The sandbox's organization id (32 hex, stable per seed).

    Examples
    --------
    >>> len(organization_id(0)), organization_id(0) == organization_id(0)
    (32, True)
    """
    return hashlib.sha256(f"auditkit-sandbox-organization:{seed}".encode()).hexdigest()[:32]


def rename_world(text: str, slug: str) -> str:
    """``text`` with the synthetic world's domains renamed for an account's ``slug``."""
    if not slug:
        return text
    return (
        text.replace("example.com", f"{slug}.example")
        .replace("example.org", f"{slug}-org.example")
        .replace("example.net", f"{slug}-net.example")
    )


@functools.lru_cache(maxsize=16)
def account_template(spec: AccountSpec) -> bytes:
    """The account's undated v1 template: JSON of ``[[offset_us, record], ...]``, newest first."""
    template = _template(spec.seed, spec.template_account_id)
    if not spec.slug and spec.keep_days is None:
        return template
    text = rename_world(template.decode(), spec.slug)
    pairs = _DECODE.decode(text.encode())
    if spec.keep_days is not None:
        first = SPAN - spec.keep_days * DAY
        pairs = [pair for pair in pairs if pair[0] >= first]
    return _ENCODE.encode(pairs)


def account_records(
    spec: AccountSpec, anchor: datetime | date | str | None
) -> list[dict[str, Any]]:
    """The account's v1 records for ``anchor``, newest first (account 1: ``generate_records``)."""
    return date_template(account_template(spec), anchor)


def account_zone_ids(spec: AccountSpec) -> dict[str, str]:
    """Zone id per (renamed) zone name of the account."""
    zone_ids = identity(spec.seed, spec.template_account_id).zone_ids
    return {rename_world(zone, spec.slug): zone_ids[zone] for zone in ZONES}


def account_user_ids(spec: AccountSpec) -> frozenset[str]:
    """Ids of the account's synthetic users (what makes an entry user-level in v1)."""
    return identity(spec.seed, spec.template_account_id).user_ids


def _enforce_twofactor(records: Sequence[Mapping[str, Any]]) -> bool:
    for rec in records:  # newest first
        action = rec.get("action")
        kind = action.get("type") if isinstance(action, Mapping) else None
        if kind in ("2fa_enforcement_enable", "2fa_enforcement_disable"):
            return kind == "2fa_enforcement_enable"
    return False


def account_object(
    spec: AccountSpec,
    anchor: datetime | date | str | None,
    records: Sequence[Mapping[str, Any]],
    org_id: str,
) -> dict[str, Any]:
    """The account as ``GET /accounts`` lists it (the official SDK's ``Account`` model).

    ``records`` are its v1 records (newest first), read for ``enforce_twofactor``.
    """
    created = history_start(anchor) - timedelta(days=400) + timedelta(days=3 * (spec.number - 1))
    offset = hashlib.sha256(f"created:{spec.id}".encode()).digest()
    created += timedelta(seconds=int.from_bytes(offset[:3], "big") % 86_400)
    return {
        "id": spec.id,
        "name": spec.name,
        "type": "standard",
        "created_on": format_when(created),
        "managed_by": {"parent_org_id": org_id, "parent_org_name": ORGANIZATION_NAME},
        "settings": {
            "abuse_contact_email": f"abuse@{spec.domain}",
            "enforce_twofactor": _enforce_twofactor(records),
        },
    }
