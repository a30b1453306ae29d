"""Cloudflare's Audit Logs v1: ``/user/audit_logs`` and ``/accounts/{account_id}/audit_logs``.

- :mod:`._query`: the load's filters as v1's path and wire parameters;
- :mod:`._layout`: v1's record layout, read from :data:`auditkit.frame.COLUMNS`;
- :mod:`._columns`: records into typed columns (pyarrow's JSON reader, or structs);
- :mod:`._wire`: the envelope and its records, decoded (:class:`Payload`);
- :mod:`._pager`: page numbers, the stop rule, read-ahead, the oldest entry.

Examples
--------
>>> SOURCE.name, SOURCE.retention_months
('v1', 18)
>>> SOURCE.build_query({"account_id": "abc"}, 1000).path
'/accounts/abc/audit_logs'
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from typing import Any

import pandas as pd

from ..._query import MAX_PER_PAGE, foreign_filters
from ..._windows import RETENTION_MONTHS, Window
from ...errors import InvalidParameterError
from ...frame._chunk import Chunk
from ...frame._schema import V1, Schema
from ...http import ApiClient, Envelope, Page
from .._seam import Source
from ._pager import iter_pages, oldest_when
from ._query import V1_FILTER_NAMES, AuditLogQuery
from ._wire import Payload, decode_body, rows_of

__all__ = ["SOURCE", "AuditLogQuery", "Payload", "V1Source", "decode_body", "rows_of"]


class V1Source:
    """Audit Logs v1 as a :class:`~auditkit.sources.Source`."""

    name = "v1"
    retention_months = RETENTION_MONTHS
    max_per_page = MAX_PER_PAGE
    run_days = 31  # a month of closed days as one range: its pages are fetched ahead
    schema: Schema = V1

    def build_query(self, filters: dict[str, Any], per_page: int) -> AuditLogQuery:
        """:meth:`AuditLogQuery.build` of the v1 filters among ``filters``.

        A filter only v2 has, set to anything but its default, or an ``exclude``, is an
        :class:`~auditkit.errors.InvalidParameterError` naming it and the API.
        """
        foreign_filters(filters, "v1")
        if filters.get("exclude") is not None:
            raise InvalidParameterError(
                "exclude", "is only for api='v2' (v1 has no negated filters)"
            )
        return AuditLogQuery.build(
            **{k: v for k, v in filters.items() if k in V1_FILTER_NAMES}, per_page=per_page
        )

    def decode(self, body: bytes) -> Envelope:
        """:func:`decode_body`."""
        return decode_body(body)

    def rows_of(self, payloads: Sequence[Envelope]) -> Chunk:
        """:func:`rows_of`, over pages this source decoded, dictionary-encoded (``Chunk.encoded``)."""
        return rows_of([_own(p) for p in payloads]).encoded(V1)

    def pages(
        self,
        client: ApiClient,
        query: AuditLogQuery,
        window: Window,
        executor: Executor | None = None,
    ) -> Iterator[Page]:
        """:func:`iter_pages`."""
        return iter_pages(client, query, window, executor)

    def oldest_when(
        self, client: ApiClient, query: AuditLogQuery, window: Window
    ) -> pd.Timestamp | bool | None:
        """:func:`oldest_when`."""
        return oldest_when(client, query, window)

    def __repr__(self) -> str:
        return "V1Source()"


def _own(payload: Envelope) -> Payload:
    if not isinstance(payload, Payload):
        raise TypeError(f"not a v1 page: {type(payload).__name__}")
    return payload


#: The v1 source.
SOURCE: Source[AuditLogQuery] = V1Source()
