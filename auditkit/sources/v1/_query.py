"""A v1 query: the load's filters, validated, as v1's path and wire parameters.

Examples
--------
>>> q = AuditLogQuery.build(since="2026-10-01", actor_email="michelle@example.com")
>>> q.since
Timestamp('2026-10-01 00:00:00+0000', tz='UTC')
>>> q.filter_params()
{'actor.email': 'michelle@example.com', 'direction': 'desc'}
>>> q.path
'/user/audit_logs'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import pandas as pd

from ..._query import FILTERS, MAX_PER_PAGE, Filter, check_per_page, check_range
from ...errors import InvalidParameterError

#: The filters v1 has (:data:`auditkit._query.FILTERS` with a v1 check).
V1_FILTERS: tuple[Filter, ...] = tuple(f for f in FILTERS if f.check is not None)
V1_FILTER_NAMES: tuple[str, ...] = tuple(f.name for f in V1_FILTERS)


@dataclass(frozen=True)
class AuditLogQuery:
    """A validated audit-log query. Build it with :meth:`build`.

    Attributes hold clean values: ``since``/``before`` are UTC timestamps or
    ``None``; text filters are stripped strings or ``None``.
    """

    since: pd.Timestamp | None = None
    before: pd.Timestamp | None = None
    actor_email: str | None = None
    actor_ip: str | None = None
    action_type: str | None = None
    zone_name: str | None = None
    id: str | None = None
    direction: Literal["desc", "asc"] = "desc"
    hide_user_logs: bool = False
    account_id: str | None = None
    per_page: int = MAX_PER_PAGE

    @classmethod
    def build(cls, *, per_page: int = MAX_PER_PAGE, **filters: Any) -> AuditLogQuery:
        """Validate every v1 filter (:data:`V1_FILTERS`) and ``per_page``; raise
        :class:`InvalidParameterError` naming the first bad one.

        Examples
        --------
        >>> AuditLogQuery.build(per_page=0)
        Traceback (most recent call last):
        ...
        auditkit.errors.InvalidParameterError: per_page: must be between 1 and 1000, got 0
        >>> AuditLogQuery.build(actor="x")
        Traceback (most recent call last):
        ...
        auditkit.errors.InvalidParameterError: actor: is not a filter (filters: since, before, actor_email, actor_ip, action_type, zone_name, id, direction, hide_user_logs, account_id)
        """
        for name in filters:
            if name not in V1_FILTER_NAMES:
                raise InvalidParameterError(
                    name, f"is not a filter (filters: {', '.join(V1_FILTER_NAMES)})"
                )
        clean = {
            f.name: f.check(filters.get(f.name, f.default), f.name)
            for f in V1_FILTERS
            if f.check is not None
        }
        since_ts, before_ts = clean["since"], clean["before"]
        check_range(since_ts, before_ts)
        check_per_page(per_page)
        return cls(**clean, per_page=per_page)

    @property
    def path(self) -> str:
        """The endpoint path below the base URL."""
        if self.account_id is None:
            return "/user/audit_logs"
        return f"/accounts/{self.account_id}/audit_logs"

    @property
    def scope(self) -> str:
        """``"user"`` or ``"account"``."""
        return "user" if self.account_id is None else "account"

    def filter_params(self) -> dict[str, str]:
        """Wire parameters for every filter except time bounds and paging (:data:`V1_FILTERS`)."""
        params: dict[str, str] = {}
        for f in V1_FILTERS:
            value = getattr(self, f.name)
            if f.wire is None or value is None or value is False:
                continue
            params[f.wire] = "true" if value is True else str(value)
        return params

    def describe(self) -> dict[str, Any]:
        """The query as plain values, for ``df.attrs`` (no credentials exist here)."""
        out = asdict(self)
        for key in ("since", "before"):
            if out[key] is not None:
                out[key] = out[key].isoformat()
        return out
