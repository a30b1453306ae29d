"""A load's filters applied to archived rows, in Arrow, with the API's comparison rules.

What the archive cannot prune by partition and statistics (time bounds are pushed down,
:mod:`._read`) is applied here after reading, to each distinct value once (category and
JSON columns are dictionary-encoded): v1's ``actor_email`` and ``zone_name`` ignore
case, ``actor_ip`` is an IP or a CIDR range; v2's ``account_name``, ``actor_email``,
``zone_name`` and ``raw_method`` ignore case, its enumerations are any case, and
``exclude`` drops rows whose value matches (a missing value matches nothing).

Examples
--------
>>> import pyarrow as pa
>>> match = text_match({"ALICE@example.com"}, fold=True)
>>> mask(pa.chunked_array([pa.array(["alice@example.com", None, "bob@x"])]), match).to_pylist()
[True, False, False]
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InvalidParameterError

__all__ = ["Predicate", "mask", "predicates", "text_match"]

Match = Callable[[Any], bool]
#: ``(column, match, negate)``: keep rows whose value matches (or, negated, does not).
Predicate = tuple[str, Match, bool]

_V2_COLUMNS = {"actor_ip_address": "actor_ip"}
_V2_FOLD = {"account_name", "actor_email", "zone_name"}
_V2_ENUMS = {"action_type", "actor_context", "actor_type", "resource_scope"}


def text_match(wanted: set[str], *, fold: bool = False, upper: bool = False) -> Match:
    norm: Callable[[str], str] = str.casefold if fold else str.upper if upper else (lambda s: s)
    keys = {norm(w) for w in wanted}
    return lambda value: isinstance(value, str) and norm(value) in keys


def ip_match(wanted: set[str]) -> Match:
    nets = [ipaddress.ip_network(w, strict=False) for w in wanted]

    def match(value: Any) -> bool:
        try:
            ip = ipaddress.ip_address(str(value))
        except ValueError:
            return False
        return any(ip.version == n.version and ip in n for n in nets)

    return match


def _json_match(wanted: set[str]) -> Match:
    keys = {w.lower() for w in wanted}

    def match(value: Any) -> bool:
        try:
            decoded = json.loads(value)
        except (TypeError, ValueError):
            return False
        return isinstance(decoded, str) and decoded in keys

    return match


def predicates(api: str, query: Any) -> list[Predicate]:
    """The row predicates of a validated query (v1's ``AuditLogQuery``, v2's query)."""
    out: list[Predicate] = []
    if api == "v1":
        if query.hide_user_logs:
            raise InvalidParameterError(
                "hide_user_logs",
                "is Cloudflare's to apply: an archive cannot tell user-level "
                "entries apart (filter on owner_id instead)",
            )
        for name, fold in (
            ("actor_email", True),
            ("zone_name", True),
            ("action_type", False),
            ("id", False),
        ):
            value = getattr(query, name)
            if value is not None:
                out.append((name, text_match({value}, fold=fold), False))
        if query.actor_ip is not None:
            out.append(("actor_ip", ip_match({query.actor_ip}), False))
        return out
    for negate, pairs in ((False, query.filters), (True, query.excluded)):
        for name, values in pairs:
            out.append((_V2_COLUMNS.get(name, name), _v2_match(name, values), negate))
    return out


def _v2_match(name: str, values: tuple[Any, ...]) -> Match:
    wanted = {str(v) for v in values}
    if name == "actor_ip_address":
        return ip_match(wanted)
    if name == "raw_status_code":
        codes = {int(v) for v in values}
        return lambda value: isinstance(value, int) and value in codes
    if name == "action_result":
        flags = {v.lower() == "success" for v in wanted}
        return lambda value: isinstance(value, bool) and value in flags
    if name == "resource_scope":
        return _json_match(wanted)
    if name in _V2_ENUMS:
        keys = {w.lower() for w in wanted}
        return lambda value: value in keys
    return text_match(wanted, fold=name in _V2_FOLD, upper=name == "raw_method")


def mask(arr: pa.ChunkedArray, match: Match) -> pa.ChunkedArray:
    """Per row, whether its value matches (missing: False), each distinct value tested once."""
    pieces = []
    for chunk in arr.chunks:
        if pa.types.is_dictionary(chunk.type):
            good = pa.array(
                [v is not None and match(v) for v in chunk.dictionary.to_pylist()], pa.bool_()
            )
            pieces.append(pc.fill_null(pc.take(good, chunk.indices), False))
            continue
        uniques = pc.unique(chunk)
        hits = [v for v in uniques.to_pylist() if v is not None and match(v)]
        pieces.append(pc.fill_null(pc.is_in(chunk, value_set=pa.array(hits, chunk.type)), False))
    return pa.chunked_array(pieces, pa.bool_())


def apply(table: pa.Table, preds: list[Predicate]) -> pa.Table:
    """The rows of ``table`` every predicate keeps."""
    if not preds or not table.num_rows:
        return table
    keep: Any = None
    for column, match, negate in preds:
        if column not in table.column_names:
            continue
        hit = mask(table.column(column), match)
        if negate:
            hit = pc.invert(hit)
        keep = hit if keep is None else pc.and_(keep, hit)
    return table if keep is None else table.filter(keep)
