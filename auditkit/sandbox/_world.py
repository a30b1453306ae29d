"""What one sandbox serves, assembled: its accounts' v1 and v2 logs and its organization.

A :class:`World` builds, for each account of :func:`~auditkit.sandbox._accounts.
account_specs`, the v1 :class:`~auditkit.sandbox._store.Store`, the v2
:class:`~auditkit.sandbox._v2store.V2Store` and the account object, and the
organization's v2 store (every account's v2 records, each with ``organization{id}``).

- The first account serves the records given to the sandbox (``records=``), or the
  synthetic account; its v2 log is ``v2_records=`` if given, else its v1 log read as v2
  (the synthetic v2 records, or :func:`~auditkit.sandbox._v2shape.v2_records_from_v1`
  of the given records). Accounts 2..N are always synthetic.
- While the first account's v2 log is derived from its v1 log (no ``v2_records=``),
  v1 records added later (``add_records``, ``write_during_load``) are added to it too,
  read as v2 (:meth:`World.mirror`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from auditkit.sandbox._accounts import (
    AccountSpec,
    account_object,
    account_records,
    account_specs,
    account_user_ids,
    account_zone_ids,
    organization_id,
)
from auditkit.sandbox._semantics import AccountData
from auditkit.sandbox._store import Store
from auditkit.sandbox._v2data import account_v2_records
from auditkit.sandbox._v2shape import V2Converter, v2_records_from_v1
from auditkit.sandbox._v2store import V2Store, with_organization

__all__ = ["World"]

log = logging.getLogger("auditkit.sandbox")


def _v2_source(
    spec: AccountSpec,
    anchor: datetime,
    given_v2: list[dict[str, Any]] | None,
    given_v1: list[dict[str, Any]] | None,
) -> Callable[[], list[dict[str, Any]]]:
    """The account's initial v2 records, built on first use, once (shared by the
    account's store and the organization's): ``given_v2``, else ``given_v1`` read as v2,
    else the synthetic ones."""

    @functools.cache
    def build() -> list[dict[str, Any]]:
        if given_v2 is not None:
            return given_v2
        if given_v1 is not None:
            return v2_records_from_v1(given_v1, account_id=spec.id, account_name=spec.name)
        return account_v2_records(spec, anchor)

    return build


class World:
    """The accounts and the organization of one sandbox (see the module docstring)."""

    def __init__(
        self,
        seed: int,
        anchor: datetime,
        count: int,
        account_id: str | None,
        records: list[dict[str, Any]] | None,
        v2_records: list[dict[str, Any]] | None,
    ) -> None:
        self.specs: list[AccountSpec] = account_specs(seed, count, account_id)
        self.organization_id = organization_id(seed)
        org = self.organization_id
        self.organization = V2Store(transform=lambda rec: with_organization(rec, org))
        self.v2_derived = v2_records is None
        accounts = []
        for spec in self.specs:
            given_v1 = records if spec.number == 1 else None
            given_v2 = v2_records if spec.number == 1 else None
            v1 = given_v1 if given_v1 is not None else account_records(spec, anchor)
            store = Store(v1, account_user_ids(spec))
            initial = _v2_source(spec, anchor, given_v2, None if given_v1 is None else list(v1))
            v2_store = V2Store(initial)
            self.organization.add(initial)
            info = account_object(spec, anchor, store.records(), self.organization_id)
            accounts.append(AccountData(spec.id, store, v2_store, info))
        self.accounts: tuple[AccountData, ...] = tuple(accounts)
        first = self.specs[0]
        zone_ids = account_zone_ids(first) if records is None else {}
        self._live = V2Converter([], first.id, first.name, zone_ids)

    @property
    def first(self) -> AccountData:
        """The first account."""
        return self.accounts[0]

    def account(self, account_id: str | None) -> AccountData:
        """The account with id ``account_id`` (``None``: the first); ``KeyError`` if none."""
        if account_id is None:
            return self.first
        for acct in self.accounts:
            if acct.id == account_id:
                return acct
        raise KeyError(f"no account {account_id!r} in this sandbox")

    def add_v2(self, records: Iterable[dict[str, Any]], account_id: str | None = None) -> None:
        """Add v2 records to an account's log (and the organization's)."""
        batch = list(records)
        self.account(account_id).v2.add(batch)
        self.organization.add(with_organization(rec, self.organization_id) for rec in batch)

    def mirror(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Add v1 records of the first account to its v2 log, read as v2 (if derived)."""
        if not self.v2_derived:
            return
        out = []
        for rec in records:
            try:
                out.append(self._live.convert(0, rec))
            except Exception:  # an odd record must not break the v1 side
                log.debug("sandbox: record %r not read as v2", rec.get("id"), exc_info=True)
        self.add_v2(out)
