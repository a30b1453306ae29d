"""The synthetic accounts in Audit Logs v2's shape: :func:`generate_v2_records`.

The v2 history of an account is its v1 history (:mod:`auditkit.sandbox._accounts`,
:func:`~auditkit.sandbox.generate_records` for account 1), each record read in v2's
shape by :class:`~auditkit.sandbox._v2shape.V2Converter`: the same story (the same
entries, at the same times, by the same people from the same addresses), plus what only
v2 has (``actor.context``, the API token used, ``raw`` request details, request and
response bodies, ``resource.scope``). Record ``i`` of the v2 list is record ``i`` of the
v1 list: its id is the v1 uuid's 32 hex digits and ``action.time`` is the v1 ``when``.

As in v1, the records are built once per account, undated (:func:`_v2_template`,
cached), and dated for an anchor on each call: for one seed the records are the same
whatever the anchor, only ``action.time`` moves with it.

Examples
--------
>>> from auditkit.sandbox import generate_records, generate_v2_records
>>> v2 = generate_v2_records(seed=0, anchor="2026-10-01")
>>> v1 = generate_records(seed=0, anchor="2026-10-01")
>>> len(v2) == len(v1), v2[0]["action"]["time"] == v1[0]["when"]
(True, True)
>>> sorted({r["actor"].get("context", "-") for r in v2})
['-', 'api_key', 'api_token', 'dash', 'oauth']
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any

import msgspec

from auditkit.sandbox._accounts import (
    AccountSpec,
    account_specs,
    account_template,
    account_zone_ids,
)
from auditkit.sandbox._data import history_start, when_text
from auditkit.sandbox._v2shape import V2Converter

__all__ = ["account_v2_records", "generate_v2_records"]

_ENCODE = msgspec.json.Encoder()
_DECODE = msgspec.json.Decoder()


@functools.lru_cache(maxsize=16)
def _v2_template(spec: AccountSpec) -> bytes:
    """The account's v2 records, undated: JSON of ``[[offset_us, record], ...]``, newest first."""
    pairs = _DECODE.decode(account_template(spec))
    conv = V2Converter(pairs, spec.id, spec.name, account_zone_ids(spec))
    return _ENCODE.encode([[at, conv.convert(at, rec)] for at, rec in pairs])


def account_v2_records(
    spec: AccountSpec, anchor: datetime | date | str | None
) -> list[dict[str, Any]]:
    """The v2 records of the account ``spec`` for ``anchor``, newest first (fresh dicts)."""
    base = history_start(anchor)
    out: list[dict[str, Any]] = []
    for at, rec in _DECODE.decode(_v2_template(spec)):
        rec["action"]["time"] = when_text(base, at)
        out.append(rec)
    return out


def generate_v2_records(
    seed: int = 0,
    anchor: datetime | date | str | None = None,
    *,
    account_id: str | None = None,
    account_name: str | None = None,
) -> list[dict[str, Any]]:
    """Generate the synthetic account's Audit Logs v2 records, newest first.

    The same story as :func:`~auditkit.sandbox.generate_records` (one v2 record per v1
    record, in the same order), in v2's shape: ``id``, ``account{id, name}``,
    ``action{description, result, time, type}``, ``actor{id, context, email,
    ip_address, token_id, token_name, type}``, ``raw{cf_ray_id, method, status_code,
    uri, user_agent}``, ``resource{id, product, request, response, scope, type}``,
    ``zone{id, name}``.

    Parameters
    ----------
    seed
        Seed; the same seed gives the same records whatever the anchor.
    anchor
        End of the history (exclusive): a tz-aware datetime, a date or an RFC 3339
        string; default today's UTC midnight.
    account_id
        Account id (``account.id``); default the seed's.
    account_name
        Account name (``account.name``); default ``"Example Corp"``.

    Returns
    -------
    list of dict
        About 3,850 fresh record dicts (safe to mutate), sorted by ``action.time`` then
        ``id``, newest first.

    Examples
    --------
    >>> recs = generate_v2_records(seed=0, anchor="2026-10-01")
    >>> sorted({r["action"]["type"] for r in recs})
    ['create', 'delete', 'update', 'view']
    >>> tokens = {r["actor"]["token_name"] for r in recs if "token_name" in r["actor"]}
    >>> sorted(tokens)
    ['Wrangler', 'cert-manager', 'dns-edit contractor', 'terraform-ci', 'waf-sync']
    """
    [spec] = account_specs(seed, 1, account_id, account_name)
    return account_v2_records(spec, anchor)
