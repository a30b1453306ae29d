"""Raw API records to the typed audit-log frame, in one call; the empty frame.

:func:`records_to_frame` checks a batch's shape, then types it through
:mod:`auditkit.frame._chunk`; :func:`empty_frame` and :func:`dtypes` are the
frame with no rows and its dtypes.

No record is ever dropped: a record with missing or malformed fields is a row
with missing values. A batch in which *no* record has *any* top-level field the
schema reads (:data:`~auditkit.frame._schema.KNOWN_FIELDS`), e.g. Cloudflare
Logpush output with its PascalCase ``ActionType``/``When``/``ActorEmail``
fields, is not a batch of audit-log records with missing values but records of
another shape: it raises :class:`~auditkit.errors.APIError` saying which keys it
got, rather than becoming rows whose every column is missing. An empty batch,
and records that carry only an ``id``, are fine.

Examples
--------
>>> from auditkit.frame import records_to_frame
>>> df = records_to_frame([{"id": "a1", "when": "2026-10-01T12:00:00Z",
...                         "actor": {"email": "michelle@example.com"}}])
>>> df.loc[0, "actor_email"]
'michelle@example.com'
>>> str(df["when"].dtype)
'datetime64[us, UTC]'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from ..errors import APIError, InvalidParameterError
from ._chunk import Chunk, chunks_to_frame, extract_columns
from ._schema import COLUMNS, KNOWN_FIELDS

__all__ = [
    "check_record_shape",
    "dtypes",
    "empty_frame",
    "frame_from_columns",
    "record_shape_problem",
    "records_to_frame",
]

_KNOWN = frozenset(KNOWN_FIELDS)


def dtypes() -> dict[str, str]:
    """Column name -> dtype name of an (empty) audit-log frame.

    Examples
    --------
    >>> dtypes()["when"]
    'datetime64[us, UTC]'
    """
    return {c.name: str(s.dtype) for c, s in zip(COLUMNS, _empty_series(), strict=True)}


def _empty_series() -> list[pd.Series]:
    frame = empty_frame()
    return [frame[c.name] for c in COLUMNS]


def record_shape_problem(records: Sequence[Any]) -> str | None:
    """What is wrong with ``records`` as a batch of audit-log records, or ``None``.

    A batch is wrong only when it holds records and none of them is an object
    with any of :data:`KNOWN_FIELDS`. The check stops at the first record that
    has one, so a batch of real records costs one dict lookup or so.

    Examples
    --------
    >>> record_shape_problem([{"id": "a"}]) is None, record_shape_problem([]) is None
    (True, True)
    >>> record_shape_problem([{"When": "2026-10-01T00:00:00Z"}])[:40]
    'none of the 1 records has any field audi'
    """
    for r in records:
        if type(r) is dict and not _KNOWN.isdisjoint(r):
            return None
    if not records:
        return None
    keys = sorted({str(k) for r in records if type(r) is dict for k in r})
    kinds = sorted({type(r).__name__ for r in records if type(r) is not dict})
    got = f"got keys {', '.join(keys[:12])}{', ...' if len(keys) > 12 else ''}" if keys else ""
    if kinds:
        got += ("; " if got else "got ") + f"records that are not objects ({', '.join(kinds)})"
    if not got:
        got = "got only empty objects"
    hint = (
        " Is this Cloudflare Logpush output (PascalCase fields such as ActionType, When)?"
        " auditkit reads the audit-log API's records"
        " (GET /accounts/{account_id}/audit_logs or /user/audit_logs)."
        if any(k[:1].isupper() for k in keys)
        else ""
    )
    return (
        f"none of the {len(records)} records has any field auditkit reads "
        f"({', '.join(KNOWN_FIELDS)}); {got}.{hint}"
    )


def check_record_shape(records: Sequence[Any]) -> None:
    """Raise :class:`~auditkit.errors.APIError` when :func:`record_shape_problem` finds one.

    Examples
    --------
    >>> check_record_shape([{"id": "a"}, {"ActionType": "login"}])
    >>> check_record_shape([{"ActionType": "login"}])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    auditkit.errors.APIError: none of the 1 records has any field auditkit reads ...
    """
    problem = record_shape_problem(records)
    if problem is not None:
        raise APIError(problem)


def records_to_frame(records: Sequence[Mapping[str, Any]] | Iterable[Any]) -> pd.DataFrame:
    """Build the typed audit-log frame from raw API records.

    Parameters
    ----------
    records
        Records as decoded from the API's ``result`` arrays. Any shape is accepted:
        missing keys, nulls, wrong types and unknown keys never raise, as long as
        one record has a field the schema reads.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``records`` is not an iterable of records (a number, a string, one dict).
    auditkit.errors.APIError
        When there are records and none has any of :data:`KNOWN_FIELDS` (records
        of another shape, e.g. Logpush output): see :func:`record_shape_problem`.

    Returns
    -------
    pandas.DataFrame
        One row per record, in the given order, with the columns and dtypes of
        :data:`COLUMNS` and a default ``RangeIndex``.

    Examples
    --------
    >>> df = records_to_frame([{"id": "x", "oldValue": "null", "newValue": "low"}])
    >>> df.loc[0, "old_value"] is pd.NA, df.loc[0, "new_value"]
    (True, 'low')
    """
    if isinstance(records, str | bytes | Mapping) or not isinstance(records, Iterable):
        raise InvalidParameterError(
            "records", f"must be a list (or iterable) of records, not {type(records).__name__}"
        )
    recs = records if isinstance(records, list) else list(records)
    check_record_shape(recs)
    return frame_from_columns(extract_columns(recs))


def frame_from_columns(columns: Mapping[str, list[Any]]) -> pd.DataFrame:
    """Clean and type raw columns from :func:`extract_columns` into the audit-log frame.

    Examples
    --------
    >>> frame_from_columns(extract_columns([{"id": "x"}])).loc[0, "id"]
    'x'
    """
    return chunks_to_frame([Chunk.from_columns(columns)])


def empty_frame() -> pd.DataFrame:
    """An audit-log frame with no rows and the full schema.

    Examples
    --------
    >>> from auditkit.frame import column_names
    >>> df = empty_frame()
    >>> len(df), list(df.columns) == column_names()
    (0, True)
    """
    return records_to_frame([])
