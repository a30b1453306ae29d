"""The audit-log frame's schema: one table of columns that drives everything.

Each :class:`Column` says what a column is called, its pandas dtype and where its
value lives in a Cloudflare audit-log record (the *wire path*). A :class:`Schema`
is one frame's columns, with every lookup the frame layer needs worked out once
when it is made: :data:`V1` (:data:`COLUMNS`, Audit Logs v1) lives here, ``V2``
in :mod:`auditkit.frame._schema_v2`. The loader builds frames from a schema
(:func:`~auditkit.frame._records.records_to_frame`), the empty frame comes from
it (:func:`~auditkit.frame._records.empty_frame`) and the README's schema tables
are generated from it (:func:`schema_markdown`), so the three can never disagree.
Every function here takes ``schema=V1`` by default.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

import pandas as pd

from ..errors import InvalidParameterError

__all__ = [
    "COLUMNS",
    "KNOWN_FIELDS",
    "V1",
    "Column",
    "Schema",
    "column",
    "column_names",
    "schema_markdown",
]

Kind = Literal["string", "category", "boolean", "integer", "datetime", "json"]

#: pandas dtype used for text columns: pyarrow-backed, ``pd.NA`` for missing.
STRING_DTYPE = pd.StringDtype("pyarrow")
#: pandas dtype of ``when``.
WHEN_DTYPE = pd.DatetimeTZDtype(unit="us", tz="UTC")
#: pandas dtype of ``integer`` columns: nullable 64-bit integers, ``pd.NA`` for missing.
INTEGER_DTYPE = pd.Int64Dtype()


@dataclass(frozen=True)
class Column:
    """One column of the audit-log frame.

    Parameters
    ----------
    name
        Column name in the frame.
    kind
        How values are cleaned and typed: ``string``, ``category``, ``boolean``,
        ``integer`` (pandas ``Int64``), ``datetime`` or ``json``. ``category`` is
        dictionary-encoded text (a pandas categorical whose categories are the
        values seen): the kind of low-cardinality text (actors, IPs, owners,
        zones), a code of one or two bytes a row instead of the text; text that
        is mostly distinct (``id``, ``resource_id``, values) stays ``string``.
    path
        Where the value lives in a record, e.g. ``("actor", "email")``.
    description
        One line for the README's schema table.
    known
        For ``category`` columns: values always present among the categories,
        so frames from different loads share one dtype.
    null_literals
        Extra text values that mean "missing" (besides ``""``).
    true, false
        For ``boolean`` columns read from text (v2's ``action.result``): the text
        that means ``True`` and the one that means ``False``; any other value,
        JSON ``true``/``false`` included, is missing. Unset (``None``, v1's
        ``action_result``): only JSON ``true``/``false`` count.
    any_json
        For ``json`` columns: keep every JSON value (strings, numbers, booleans
        too, stored as their JSON text and read back as ``str``, ``int``, ...),
        not only objects and arrays. JSON ``null`` is still missing.

    Examples
    --------
    >>> Column("raw_status_code", "integer", ("raw", "status_code"), "HTTP status.").dtype_name
    'Int64'
    """

    name: str
    kind: Kind
    path: tuple[str, ...]
    description: str
    known: tuple[str, ...] = ()
    null_literals: tuple[str, ...] = ()
    true: str | None = None
    false: str | None = None
    any_json: bool = False

    @property
    def wire(self) -> str:
        """The dotted wire path, e.g. ``actor.email``."""
        return ".".join(self.path)

    @property
    def dtype_name(self) -> str:
        """The pandas dtype as written in the schema table."""
        if self.any_json:
            return "json (any JSON)"
        return {
            "string": "string",
            "category": "category",
            "boolean": "boolean",
            "integer": "Int64",
            "datetime": "datetime64[us, UTC]",
            "json": "json (dict/list)",
        }[self.kind]

    def _problem(self) -> str | None:
        """What makes this column unusable, or ``None``."""
        if len(self.path) not in (1, 2) or not all(self.path):
            return "its wire path must be one or two keys"
        if (self.true is None) != (self.false is None):
            return "`true` and `false` go together"
        if self.true is not None and (self.kind != "boolean" or self.true == self.false):
            return "`true`/`false` are for boolean columns, and differ"
        if self.any_json and self.kind != "json":
            return "`any_json` is for json columns"
        if self.known and self.kind != "category":
            return "`known` is for category columns"
        return None


COLUMNS: tuple[Column, ...] = (
    Column("id", "string", ("id",), "Unique id of the entry."),
    Column("when", "datetime", ("when",), "When the action happened (UTC)."),
    Column("action_type", "category", ("action", "type"), "What was done, e.g. `change_setting`."),
    Column("action_result", "boolean", ("action", "result"), "Whether the action succeeded."),
    Column(
        "action_info",
        "string",
        ("action", "info"),
        "Extra detail on the action (real, undocumented).",
    ),
    Column(
        "actor_id",
        "category",
        ("actor", "id"),
        "User id of the actor (`1` etc. for system actors).",
    ),
    Column(
        "actor_email",
        "category",
        ("actor", "email"),
        "Email of the actor; missing for system actors.",
    ),
    Column("actor_ip", "category", ("actor", "ip"), "IP address (v4 or v6) the request came from."),
    Column(
        "actor_type",
        "category",
        ("actor", "type"),
        "`user`, `admin`, `Cloudflare` or `system`.",
        known=("user", "admin", "Cloudflare", "system"),
    ),
    Column("interface", "category", ("interface",), "Where the action came from: `UI`, `API`, ..."),
    Column("resource_id", "string", ("resource", "id"), "Id of the affected resource."),
    Column(
        "resource_type",
        "category",
        ("resource", "type"),
        "Kind of resource: `zone`, `DNS_record`, ...",
    ),
    Column(
        "owner_id", "category", ("owner", "id"), "Id of the resource's owner (account or user)."
    ),
    Column("zone_name", "category", ("metadata", "zone_name"), "Zone the action touched, if any."),
    Column(
        "old_value",
        "string",
        ("oldValue",),
        'Value before the change; `""` and `"null"` are missing.',
        null_literals=("null",),
    ),
    Column(
        "new_value",
        "string",
        ("newValue",),
        'Value after the change; `""` and `"null"` are missing.',
        null_literals=("null",),
    ),
    Column(
        "old_value_json",
        "json",
        ("oldValueJson",),
        "Structured old value (DNS records, TLS settings).",
    ),
    Column("new_value_json", "json", ("newValueJson",), "Structured new value."),
    Column(
        "metadata", "json", ("metadata",), "Free-form context: setting name/value, token name, ..."
    ),
)


def _frozen(mapping: dict[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(mapping)


@dataclass(frozen=True)
class Schema:
    """One frame's columns, and every lookup of them, worked out once when made.

    The frame layer reads a schema's lookups on every page it types, so they are
    attributes, never recomputed per call. Two schemas are equal when they were
    made with equal arguments.

    Parameters
    ----------
    name
        Short name: ``"v1"``, ``"v2"``.
    columns
        The frame's columns, in order; names unique.
    endpoint
        The API whose records the schema reads, for messages.
    label
        How messages name the schema (``"v2"``); empty for the default,
        :data:`V1`, whose messages read as they always have.
    foreign_fields
        Top-level keys that mark a record of another shape: a batch whose every
        record with a known field also has one of these is refused (v2:
        ``when``, v1's time, which v2 records do not have).
    foreign_hint
        One sentence for that refusal, saying what such records are.

    Attributes
    ----------
    names : tuple of str
        Column names, in order.
    by_name : Mapping[str, Column]
        Column by name.
    known_fields : tuple of str
        Top-level record fields the schema reads, in order of first use.
    nested_heads : tuple of str
        Top-level fields holding an object whose keys columns read
        (``action``, ``actor``, ...).
    json_columns, typed_columns : tuple of Column
        The ``json`` columns, and all the others, each in order.
    derived : Mapping[str, str]
        Column name -> name of the top-level ``json`` column it can be read
        out of when a source does not give it (v1: ``zone_name`` from
        ``metadata``).

    Examples
    --------
    >>> V1.name, V1.names[:2], V1.by_name["actor_ip"].wire
    ('v1', ('id', 'when'), 'actor.ip')
    >>> dict(V1.derived)
    {'zone_name': 'metadata'}
    """

    name: str
    columns: tuple[Column, ...]
    endpoint: str = ""
    label: str = ""
    foreign_fields: tuple[str, ...] = ()
    foreign_hint: str = ""
    names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    by_name: Mapping[str, Column] = field(init=False, repr=False, compare=False)
    known_fields: tuple[str, ...] = field(init=False, repr=False, compare=False)
    nested_heads: tuple[str, ...] = field(init=False, repr=False, compare=False)
    json_columns: tuple[Column, ...] = field(init=False, repr=False, compare=False)
    typed_columns: tuple[Column, ...] = field(init=False, repr=False, compare=False)
    derived: Mapping[str, str] = field(init=False, repr=False, compare=False)
    _known_set: frozenset[str] = field(init=False, repr=False, compare=False)
    _foreign_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        cols = tuple(self.columns)
        by_name = {c.name: c for c in cols}
        if len(by_name) != len(cols):
            raise ValueError(f"schema {self.name!r}: column names repeat")
        for c in cols:
            problem = c._problem()
            if problem is not None:
                raise ValueError(f"schema {self.name!r}, column {c.name!r}: {problem}")
        json_by_head = {c.path[0]: c.name for c in cols if c.kind == "json" and len(c.path) == 1}
        derived = {
            c.name: json_by_head[c.path[0]]
            for c in cols
            if c.kind != "json" and len(c.path) == 2 and c.path[0] in json_by_head
        }
        heads = dict.fromkeys(c.path[0] for c in cols if len(c.path) == 2)
        clash = set(heads) & {c.path[0] for c in cols if len(c.path) == 1 and c.kind != "json"}
        if clash:
            raise ValueError(f"schema {self.name!r}: {sorted(clash)} is a value and an object")
        put = object.__setattr__
        put(self, "columns", cols)
        put(self, "names", tuple(by_name))
        put(self, "by_name", _frozen(by_name))
        put(self, "known_fields", tuple(dict.fromkeys(c.path[0] for c in cols)))
        put(self, "nested_heads", tuple(heads))
        put(self, "json_columns", tuple(c for c in cols if c.kind == "json"))
        put(self, "typed_columns", tuple(c for c in cols if c.kind != "json"))
        put(self, "derived", _frozen(derived))
        put(self, "_known_set", frozenset(self.known_fields))
        put(self, "_foreign_set", frozenset(self.foreign_fields))

    def column(self, name: str) -> Column:
        """The :class:`Column` called ``name``.

        Examples
        --------
        >>> V1.column("actor_email").wire
        'actor.email'
        """
        try:
            return self.by_name[name]
        except KeyError:
            named = f"{self.label} " if self.label else ""
            raise KeyError(f"no column {name!r} in the {named}audit-log schema") from None


def _check_schema(schema: Any) -> Schema:
    """``schema`` if it is a :class:`Schema`; else :class:`InvalidParameterError`."""
    if not isinstance(schema, Schema):
        raise InvalidParameterError(
            "schema", f"must be an auditkit.frame Schema (V1, V2), not {type(schema).__name__}"
        )
    return schema


#: The Audit Logs v1 frame (the default everywhere).
V1 = Schema(
    "v1",
    COLUMNS,
    endpoint="GET /accounts/{account_id}/audit_logs or /user/audit_logs",
)

#: The column a load of several accounts adds when its records do not name their
#: account (v1's): the account each row was read from.
ACCOUNT_COLUMN = Column(
    "account_id",
    "category",
    ("account_id",),
    "Account the entry was read from. Only in a load of several accounts; v1 records do not "
    "name their account, so the loader adds it from the request.",
)


@functools.cache
def with_account(schema: Schema) -> Schema:
    """``schema`` with an ``account_id`` column last, unless it has one (v2's, from the wire).

    The frame of a load of several accounts: v1 records do not say which account
    they come from, so its rows get the account they were read from. Made once
    per schema.

    Examples
    --------
    >>> with_account(V1).names[-1], with_account(V1).name
    ('account_id', 'v1')
    >>> with_account(with_account(V1)) is with_account(V1)
    True
    """
    if "account_id" in schema.names:
        return schema
    return replace(schema, columns=(*schema.columns, ACCOUNT_COLUMN))


_BY_NAME = V1.by_name
#: Top-level record fields the schema reads (``id``, ``when``, ``action``, ...).
KNOWN_FIELDS: tuple[str, ...] = V1.known_fields


def column_names(schema: Schema = V1) -> list[str]:
    """Names of the frame's columns, in order.

    Examples
    --------
    >>> column_names()[:3]
    ['id', 'when', 'action_type']
    """
    return list(_check_schema(schema).names)


def schema_markdown(schema: Schema = V1) -> str:
    """The schema as a Markdown table (the README's tables are this text).

    Examples
    --------
    >>> schema_markdown().splitlines()[0]
    '| column | dtype | from (wire path) | meaning |'
    """
    lines = [
        "| column | dtype | from (wire path) | meaning |",
        "|---|---|---|---|",
    ]
    for c in _check_schema(schema).columns:
        lines.append(f"| `{c.name}` | {c.dtype_name} | `{c.wire}` | {c.description} |")
    return "\n".join(lines)


def column(name: str, schema: Schema = V1) -> Column:
    """The :class:`Column` called ``name`` (in ``schema``, default :data:`V1`).

    Examples
    --------
    >>> column("actor_email").wire
    'actor.email'
    """
    return _check_schema(schema).column(name)
