"""The values auditkit knows a filter to take: the CLI's hint when a load comes back empty.

A filter value Cloudflare knows nothing of (``--action-type bogus_action``,
``"change setting"``) matches nothing, and Cloudflare says nothing about it. When a
load returns no entry, the CLI checks each value of the filters below against the
filter's *vocabulary* and, for a value never seen, says so on stderr with the
closest known values (:func:`auditkit._suggest.close_matches`).

The vocabulary of a filter ``NAME`` (one of :data:`HINTED`, the filters whose
values are names rather than ids, times or addresses) is the union of:

1. the ``known`` categories of the column ``NAME`` in the frame schemas
   (:data:`auditkit.frame.V1`, :data:`auditkit.frame.V2`), e.g. v2's ``actor_context``;
2. the sandbox's catalog (:data:`auditkit.sandbox.V2_ACTIONS`): its v1 action types and
   their v2 readings (action types, products, resource types, scopes, HTTP methods),
   the zone settings' products. Zone names and people of the synthetic account are
   left out: they say nothing about a real account;
3. the cache file the load used (none with ``--no-cache``): the distinct values of the
   column ``NAME`` in its stored typed windows, the :data:`CACHED_WINDOWS` newest.
   Window keys are one-way hashes mixing in the credential's fingerprint, so the
   windows of one credential cannot be told from another's: this is the file's
   vocabulary (a file only its owner may read).

It is cheap (one SQLite read of at most :data:`CACHED_WINDOWS` rows, Arrow IPC, only
after an empty load) and never sends a request. A filter whose vocabulary is empty
(``--actor-email`` with ``--no-cache``) gets no hint.

Examples
--------
>>> "change_setting" in vocabulary("action_type")
True
>>> empty_load_hints({"action_type": "change setting"})
[('action_type', 'change setting', ['change_setting'])]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ._suggest import close_matches

__all__ = ["CACHED_WINDOWS", "HINTED", "cached_values", "empty_load_hints", "vocabulary"]

#: The filters whose values are checked against a vocabulary after an empty load.
HINTED: tuple[str, ...] = (
    "action_type",
    "actor_email",
    "zone_name",
    "account_name",
    "actor_context",
    "actor_type",
    "actor_token_name",
    "raw_method",
    "resource_product",
    "resource_scope",
    "resource_type",
)

#: How many of the cache's newest typed windows are read for their values.
CACHED_WINDOWS = 256


def _schema_values(name: str) -> set[str]:
    from .frame import V1, V2

    return {
        value for schema in (V1, V2) if name in schema.names for value in schema.column(name).known
    }


def _sandbox_values(name: str) -> set[str]:
    from .sandbox._v2actions import METHODS, SETTING_PRODUCTS, V2_ACTIONS

    actions = V2_ACTIONS.values()
    by_name: dict[str, Iterable[str]] = {
        "action_type": [*V2_ACTIONS, *(a.type for a in actions)],
        "resource_product": [*(a.product for a in actions), *SETTING_PRODUCTS.values()],
        "resource_type": [a.resource_type for a in actions],
        "resource_scope": [a.scope for a in actions],
        "raw_method": [*(a.method for a in actions), *METHODS.values()],
    }
    return {v for v in by_name.get(name, ()) if v}


def cached_values(cache: Path | None, names: Iterable[str]) -> dict[str, set[str]]:
    """The distinct values of the columns ``names`` in the cache file's newest typed windows.

    Only reads the file (nothing is created, changed or moved); a missing, locked or
    damaged file, or an entry that does not decode, gives nothing.

    Examples
    --------
    >>> cached_values(None, ["action_type"])
    {'action_type': set()}
    """
    out: dict[str, set[str]] = {name: set() for name in names}
    if cache is None:
        return out
    import pyarrow.compute as pc

    from .store._windows import recent_tables

    for table in recent_tables(cache, CACHED_WINDOWS):
        for name in out.keys() & set(table.column_names):
            values = pc.unique(table[name].combine_chunks()).to_pylist()
            out[name].update(v for v in values if isinstance(v, str))
    return out


def vocabulary(name: str, cached: Iterable[str] = ()) -> set[str]:
    """The vocabulary of the filter ``name``: the schemas', the sandbox's and ``cached``.

    Examples
    --------
    >>> sorted(vocabulary("actor_context"))[:3]
    ['api', 'api_key', 'api_token']
    >>> vocabulary("zone_name", ["example.com"])
    {'example.com'}
    """
    return _schema_values(name) | _sandbox_values(name) | set(cached)


def empty_load_hints(
    filters: Mapping[str, Any], cache: Path | None = None
) -> list[tuple[str, str, list[str]]]:
    """``(filter, value, close matches)`` for each hinted value its vocabulary lacks.

    Parameters
    ----------
    filters
        The load's filters (a value, a list of values or ``None``), by keyword.
    cache
        The cache file the load used, or ``None`` (no cache).

    Examples
    --------
    >>> empty_load_hints({"action_type": ["login", "bogus_action"], "zone_name": "x.com"})
    [('action_type', 'bogus_action', [])]
    """
    given = {
        name: [filters[name]] if isinstance(filters[name], str) else list(filters[name])
        for name in HINTED
        if filters.get(name) is not None
    }
    if not given:
        return []
    cached = cached_values(cache, given)
    hints = []
    for name, values in given.items():
        known = vocabulary(name, cached[name])
        if not known:
            continue
        hints += [
            (name, value, close_matches(value, known))
            for value in values
            if isinstance(value, str) and value not in known
        ]
    return hints
