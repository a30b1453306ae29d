"""A v2 query: the load's filters, validated, as v2's path and (array) wire parameters.

Audit Logs v2 reads ``/accounts/{account_id}/logs/audit`` or
``/organizations/{organization_id}/logs/audit``. Its filters are arrays: a list
value sends the key once per value (any of them matches), and ``exclude``
sends ``<name>.not`` (none of them may match). ``since`` and ``before`` are
required on the wire; every window sends both (see :mod:`._pager`).

Examples
--------
>>> q = V2Query.build({"account_id": "abc", "zone_name": ["a.com", "b.com"],
...                    "exclude": {"actor_context": "dash"}}, 1000)
>>> q.path
'/accounts/abc/logs/audit'
>>> q.filter_params()
{'direction': 'desc', 'zone_name': ['a.com', 'b.com'], 'actor_context.not': ['dash']}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..._query import FILTERS, MAX_PER_PAGE, Filter, check_per_page, check_range, foreign_filters
from ...errors import InvalidParameterError

__all__ = ["V2_FILTERS", "V2Query"]

#: The filters v2 has (:data:`auditkit._query.FILTERS` with a v2 check).
V2_FILTERS: tuple[Filter, ...] = tuple(f for f in FILTERS if f.check_v2 is not None)
_BY_NAME = {f.name: f for f in V2_FILTERS}
#: Filters that are not sent as ``name=value`` (time bounds, order, the path's ids).
_NOT_ARRAYS = ("since", "before", "direction", "account_id", "organization_id")
#: The v2 filter ``actor_ip`` stands for: ``actor_ip_address``.
_ALIASES = {"actor_ip": "actor_ip_address"}

Values = tuple[str, ...]


def _values(value: Any) -> Values:
    if isinstance(value, tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


@dataclass(frozen=True)
class V2Query:
    """A validated Audit Logs v2 query. Build it with :meth:`build`.

    ``filters`` and ``excluded`` hold ``(wire name, values)`` pairs in
    :data:`V2_FILTERS` order.
    """

    since: pd.Timestamp | None
    before: pd.Timestamp | None
    direction: str
    per_page: int
    account_id: str | None
    organization_id: str | None
    filters: tuple[tuple[str, Values], ...] = ()
    excluded: tuple[tuple[str, Values], ...] = ()

    @classmethod
    def build(cls, filters: Mapping[str, Any], per_page: int = MAX_PER_PAGE) -> V2Query:
        """Validate the v2 filters among ``filters`` (and ``exclude``) and ``per_page``.

        Raises :class:`~auditkit.errors.InvalidParameterError` naming the first bad
        one: a filter only v1 has, set; a value v2 does not take; neither or both
        of ``account_id`` and ``organization_id``; ``actor_ip`` and
        ``actor_ip_address`` together.

        Examples
        --------
        >>> V2Query.build({"organization_id": "org1"}).path
        '/organizations/org1/logs/audit'
        >>> V2Query.build({})
        Traceback (most recent call last):
        ...
        auditkit.errors.InvalidParameterError: account_id: api='v2' reads one account or one organization: give account_id or organization_id
        """
        foreign_filters(filters, "v2")
        for name in filters:
            if name != "exclude" and name not in _BY_NAME and name not in _V1_ONLY:
                raise InvalidParameterError(name, "is not a filter of api='v2'")
        clean: dict[str, Any] = {}
        for f in V2_FILTERS:
            assert f.check_v2 is not None
            clean[f.name] = f.check_v2(filters.get(f.name, f.default), f.name)
        if (clean["account_id"] is None) == (clean["organization_id"] is None):
            raise InvalidParameterError(
                "account_id" if clean["account_id"] is None else "organization_id",
                "api='v2' reads one account or one organization: give account_id or "
                "organization_id" + ("" if clean["account_id"] is None else ", not both"),
            )
        if clean["actor_ip"] is not None and clean["actor_ip_address"] is not None:
            raise InvalidParameterError(
                "actor_ip", "is api='v2''s actor_ip_address, which is given too: give one"
            )
        since, before = clean["since"], clean["before"]
        check_range(since, before)
        check_per_page(per_page)
        wired: list[tuple[str, Values]] = []
        for f in V2_FILTERS:
            if f.name in _NOT_ARRAYS or clean[f.name] is None:
                continue
            wired.append((_ALIASES.get(f.name, f.name), _values(clean[f.name])))
        return cls(
            since=since,
            before=before,
            direction=clean["direction"],
            per_page=per_page,
            account_id=clean["account_id"],
            organization_id=clean["organization_id"],
            filters=tuple(wired),
            excluded=_excluded(filters.get("exclude")),
        )

    @property
    def id(self) -> str | None:
        """The one entry's id asked for, when the query asks for exactly one."""
        for name, values in self.filters:
            if name == "id" and len(values) == 1:
                return values[0]
        return None

    @property
    def path(self) -> str:
        """The endpoint path below the base URL."""
        if self.organization_id is not None:
            return f"/organizations/{self.organization_id}/logs/audit"
        return f"/accounts/{self.account_id}/logs/audit"

    @property
    def scope(self) -> str:
        """``"account"`` or ``"organization"``."""
        return "organization" if self.organization_id is not None else "account"

    def filter_params(self) -> dict[str, str | list[str]]:
        """Wire parameters for every filter except time bounds and paging.

        A filter of several values is a list (sent as the key repeated); ``exclude``'s
        are ``<name>.not``.
        """
        params: dict[str, str | list[str]] = {"direction": self.direction}
        for name, values in self.filters:
            params[name] = list(values) if len(values) > 1 else values[0]
        for name, values in self.excluded:
            params[f"{name}.not"] = list(values)
        return params

    def describe(self) -> dict[str, Any]:
        """The query as plain values, for ``df.attrs`` (no credentials exist here)."""
        return {
            "api": "v2",
            "since": None if self.since is None else self.since.isoformat(),
            "before": None if self.before is None else self.before.isoformat(),
            "direction": self.direction,
            "per_page": self.per_page,
            "account_id": self.account_id,
            "organization_id": self.organization_id,
            "filters": {name: list(values) for name, values in self.filters},
            "exclude": {name: list(values) for name, values in self.excluded},
        }


_V1_ONLY = tuple(f.name for f in FILTERS if f.check_v2 is None)


def _excluded(exclude: Any) -> tuple[tuple[str, Values], ...]:
    """``exclude={name: value or list}`` checked: each name a v2 array filter."""
    if exclude is None:
        return ()
    if not isinstance(exclude, Mapping):
        raise InvalidParameterError(
            "exclude",
            f"must be a dict of filter name -> value or list, not {type(exclude).__name__}",
        )
    out: list[tuple[str, Values]] = []
    for name, value in exclude.items():
        f = _BY_NAME.get(name) if isinstance(name, str) else None
        if f is None or f.name in _NOT_ARRAYS:
            allowed = ", ".join(n for n in _BY_NAME if n not in _NOT_ARRAYS)
            raise InvalidParameterError(
                "exclude", f"{name!r} is not a v2 filter that can be negated ({allowed})"
            )
        assert f.check_v2 is not None
        clean = f.check_v2(value, f"exclude[{name!r}]")
        if clean is None:
            raise InvalidParameterError("exclude", f"{name!r}: a value or a list is needed")
        out.append((_ALIASES.get(f.name, f.name), _values(clean)))
    return tuple(out)
