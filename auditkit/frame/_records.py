"""Raw API records to the typed audit-log frame, in one call; the empty frame.

:func:`records_to_frame` checks a batch's shape, then types it through
:mod:`auditkit.frame._chunk`; :func:`empty_frame` and :func:`dtypes` are the
frame with no rows and its dtypes. Each takes the frame's
:class:`~auditkit.frame._schema.Schema` (default ``V1``; ``V2`` for Audit Logs v2).

No record is ever dropped: a record with missing or malformed fields is a row
with missing values. A batch in which *no* record has *any* top-level field the
schema reads (:data:`~auditkit.frame._schema.KNOWN_FIELDS`), e.g. Cloudflare
Logpush output with its PascalCase ``ActionType``/``When``/``ActorEmail``
fields, is not a batch of audit-log records with missing values but records of
another shape: it raises :class:`~auditkit.errors.APIError` saying which keys it
got, rather than becoming rows whose every column is missing. An empty batch,
and records that carry only an ``id``, are fine. A schema may also name
top-level fields that mark records of another shape (``V2``: ``when``, which
only v1 records have): a batch whose every record with a known field has one
of those is refused the same way, so v1 records given to ``V2`` do not become
rows without a time.

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
from ._schema import V1, Schema, _check_schema

__all__ = [
    "check_record_shape",
    "dtypes",
    "empty_frame",
    "frame_from_columns",
    "record_shape_problem",
    "records_to_frame",
]


def dtypes(schema: Schema = V1) -> dict[str, str]:
    """Column name -> dtype name of an (empty) audit-log frame of ``schema`` (default ``V1``).

    Examples
    --------
    >>> dtypes()["when"]
    'datetime64[us, UTC]'
    >>> from auditkit.frame import V2
    >>> dtypes(V2)["raw_status_code"]
    'Int64'
    """
    frame = empty_frame(schema)
    return {name: str(frame[name].dtype) for name in schema.names}


def _is_of(schema: Schema, record: Any) -> bool:
    """Whether ``record`` is an object with a field of ``schema`` and none of another shape."""
    return (
        type(record) is dict
        and not schema._known_set.isdisjoint(record)
        and schema._foreign_set.isdisjoint(record)
    )


def record_shape_problem(records: Sequence[Any], schema: Schema = V1) -> str | None:
    """What is wrong with ``records`` as a batch of audit-log records, or ``None``.

    A batch is wrong only when it holds records and none of them is an object
    with any of the schema's known fields (:data:`KNOWN_FIELDS` for ``V1``) and
    none of its foreign fields (``V2``: a top-level ``when``). The check stops
    at the first record that is one, so a batch of real records costs one dict
    lookup or so.

    Examples
    --------
    >>> record_shape_problem([{"id": "a"}]) is None, record_shape_problem([]) is None
    (True, True)
    >>> record_shape_problem([{"When": "2026-10-01T00:00:00Z"}])[:40]
    'none of the 1 records has any field audi'
    >>> from auditkit.frame import V2
    >>> record_shape_problem([{"id": "a", "when": "2026-10-01T00:00:00Z"}], V2)[:36]
    'none of the 1 records is a v2 record'
    """
    _check_schema(schema)
    if schema._foreign_set:
        for r in records:
            if _is_of(schema, r):
                return None
    else:
        known = schema._known_set
        for r in records:
            if type(r) is dict and not known.isdisjoint(r):
                return None
    if not records:
        return None
    reader = f"auditkit's {schema.label} frame" if schema.label else "auditkit"
    foreign = [
        r
        for r in records
        if type(r) is dict
        and not schema._known_set.isdisjoint(r)
        and not schema._foreign_set.isdisjoint(r)
    ]
    if foreign:
        fields = sorted({k for r in foreign for k in schema._foreign_set.intersection(r)})
        return (
            f"none of the {len(records)} records is a {schema.label or schema.name} record: "
            f"the {len(foreign)} with fields {reader} reads also have "
            f"{', '.join(f'`{f}`' for f in fields)} at the top level. {schema.foreign_hint}"
        ).rstrip()
    keys = sorted({str(k) for r in records if type(r) is dict for k in r})
    kinds = sorted({type(r).__name__ for r in records if type(r) is not dict})
    got = f"got keys {', '.join(keys[:12])}{', ...' if len(keys) > 12 else ''}" if keys else ""
    if kinds:
        got += ("; " if got else "got ") + f"records that are not objects ({', '.join(kinds)})"
    if not got:
        got = "got only empty objects"
    hint = (
        " Is this Cloudflare Logpush output (PascalCase fields such as ActionType, When)?"
        f" auditkit reads the audit-log API's records ({schema.endpoint})."
        if any(k[:1].isupper() for k in keys)
        else ""
    )
    return (
        f"none of the {len(records)} records has any field {reader} reads "
        f"({', '.join(schema.known_fields)}); {got}.{hint}"
    )


def check_record_shape(records: Sequence[Any], schema: Schema = V1) -> None:
    """Raise :class:`~auditkit.errors.APIError` when :func:`record_shape_problem` finds one.

    Examples
    --------
    >>> check_record_shape([{"id": "a"}, {"ActionType": "login"}])
    >>> check_record_shape([{"ActionType": "login"}])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    auditkit.errors.APIError: none of the 1 records has any field auditkit reads ...
    """
    problem = record_shape_problem(records, schema)
    if problem is not None:
        raise APIError(problem)


def records_to_frame(
    records: Sequence[Mapping[str, Any]] | Iterable[Any], schema: Schema = V1
) -> pd.DataFrame:
    """Build the typed audit-log frame from raw API records.

    Parameters
    ----------
    records
        Records as decoded from the API's ``result`` arrays. Any shape is accepted:
        missing keys, nulls, wrong types and unknown keys never raise, as long as
        one record has a field the schema reads.
    schema
        The frame's schema: :data:`~auditkit.frame.V1` (default, Audit Logs v1
        records) or :data:`~auditkit.frame.V2` (Audit Logs v2 records).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``records`` is not an iterable of records (a number, a string, one dict),
        or ``schema`` is not a :class:`~auditkit.frame.Schema`.
    auditkit.errors.APIError
        When there are records and none has any of the schema's known fields
        (:data:`KNOWN_FIELDS` for ``V1``; records of another shape, e.g. Logpush
        output, or v1 records given to ``V2``): see :func:`record_shape_problem`.

    Returns
    -------
    pandas.DataFrame
        One row per record, in the given order, with the columns and dtypes of
        the schema (:data:`COLUMNS` for ``V1``) and a default ``RangeIndex``.

    Examples
    --------
    >>> df = records_to_frame([{"id": "x", "oldValue": "null", "newValue": "low"}])
    >>> df.loc[0, "old_value"] is pd.NA, df.loc[0, "new_value"]
    (True, 'low')
    >>> from auditkit.frame import V2
    >>> records_to_frame([{"id": "x", "zone": {"name": "example.com"}}], V2).loc[0, "zone_name"]
    'example.com'
    """
    if isinstance(records, str | bytes | Mapping) or not isinstance(records, Iterable):
        raise InvalidParameterError(
            "records", f"must be a list (or iterable) of records, not {type(records).__name__}"
        )
    _check_schema(schema)
    recs = records if isinstance(records, list) else list(records)
    check_record_shape(recs, schema)
    return frame_from_columns(extract_columns(recs, schema), schema)


def frame_from_columns(columns: Mapping[str, list[Any]], schema: Schema = V1) -> pd.DataFrame:
    """Clean and type raw columns from :func:`extract_columns` into the audit-log frame.

    Examples
    --------
    >>> frame_from_columns(extract_columns([{"id": "x"}])).loc[0, "id"]
    'x'
    """
    return chunks_to_frame([Chunk.from_columns(columns, schema)], schema)


def empty_frame(schema: Schema = V1) -> pd.DataFrame:
    """An audit-log frame with no rows and every column of ``schema`` (default ``V1``).

    Examples
    --------
    >>> from auditkit.frame import V2, column_names
    >>> df = empty_frame()
    >>> len(df), list(df.columns) == column_names()
    (0, True)
    >>> list(empty_frame(V2).columns) == column_names(V2)
    True
    """
    return records_to_frame([], schema)
