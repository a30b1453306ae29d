"""The seam: what a source of audit-log entries declares, and all the loader knows of it.

A source is one API (Audit Logs v1 today; v2, Logpush files and the Parquet
archive next) seen through five things:

- its **filters** as a :class:`Query` (built from the load's filters,
  :data:`auditkit._query.FILTERS`): the endpoint path, the wire parameters, the
  time bounds, the order and the page size;
- its **decoder**: one response body to an :class:`~auditkit.http.Envelope`
  (the transport's checks and the cache's filter read the envelope through it);
- its **record layout**: its frame schema (:attr:`Source.schema`; v1's is
  :data:`auditkit.frame.COLUMNS`) and how decoded pages become typed rows of
  it (:meth:`Source.rows_of`);
- its **pager**: every page of one time window, in order, once each, with a
  stop rule that cannot loop (:meth:`Source.pages`), and the oldest entry of
  a window (:meth:`Source.oldest_when`, the load's probe);
- its **retention**: how many months back the server may hold data.

The loader (:mod:`auditkit._load`) plans windows, opens the store, builds an
:class:`~auditkit.http.ApiClient` with the source's decoder and hands the
source the rest. Adding a source is a folder beside ``v1/`` that provides a
:class:`Source`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any, Protocol, TypeVar

import pandas as pd

from .._windows import Window
from ..frame._chunk import Chunk
from ..frame._schema import Schema
from ..http import ApiClient, Envelope, Page

__all__ = ["Query", "Source"]


class Query(Protocol):
    """A source's validated query: what the loader reads of it."""

    @property
    def since(self) -> pd.Timestamp | None:
        """Lower time bound (inclusive), UTC."""
        ...

    @property
    def before(self) -> pd.Timestamp | None:
        """Upper time bound (exclusive), UTC."""
        ...

    @property
    def id(self) -> str | None:
        """One entry's id, when the query asks for one."""
        ...

    @property
    def direction(self) -> str:
        """``"desc"`` (newest first) or ``"asc"``."""
        ...

    @property
    def per_page(self) -> int:
        """Entries asked for per page."""
        ...

    @property
    def path(self) -> str:
        """The endpoint path below the base URL."""
        ...

    @property
    def scope(self) -> str:
        """What the path reads, e.g. ``"user"`` or ``"account"``."""
        ...

    def filter_params(self) -> Mapping[str, str | list[str]]:
        """Wire parameters for every filter except time bounds and paging (a list: repeated)."""
        ...

    def describe(self) -> dict[str, Any]:
        """The query as plain values, for ``df.attrs``."""
        ...


Q = TypeVar("Q", bound=Query)


class Source(Protocol[Q]):
    """What a source declares (see the module docstring)."""

    #: A short name, e.g. ``"v1"``.
    name: str
    #: Months back the server may hold entries (older windows are merged into one).
    retention_months: int
    #: Largest page size the server accepts.
    max_per_page: int
    #: Adjacent closed days walked as one range (v1, whose pages are fetched ahead: 31);
    #: a sequential walk (v2's cursors) keeps days apart (1), so they are fetched at once.
    run_days: int
    #: The frame's columns for this source's records (:data:`auditkit.frame.V1`, ``V2``, ...).
    schema: Schema

    def build_query(self, filters: dict[str, Any], per_page: int) -> Q:
        """Validate the load's ``filters`` and ``per_page`` into this source's query."""
        ...

    def decode(self, body: bytes) -> Envelope:
        """One response body to its envelope; never raises."""
        ...

    def rows_of(self, payloads: Sequence[Envelope]) -> Chunk:
        """The records of several decoded pages, typed together."""
        ...

    def pages(
        self, client: ApiClient, query: Q, window: Window, executor: Executor | None = None
    ) -> Iterator[Page]:
        """Every page of one window (or run of days walked as one range), in order, once each."""
        ...

    def oldest_when(
        self, client: ApiClient, query: Q, window: Window
    ) -> pd.Timestamp | bool | None:
        """When the oldest matching entry of ``window`` happened.

        ``None``: the window holds none; ``False``: the answer cannot say.
        """
        ...
