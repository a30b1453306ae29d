"""The audit-log frame's schema: one table of columns that drives everything.

Each :class:`Column` says what a column is called, its pandas dtype and where its
value lives in a Cloudflare audit-log record (the *wire path*). The loader builds
frames from it (:func:`~auditkit.frame._records.records_to_frame`), the empty
frame comes from it (:func:`~auditkit.frame._records.empty_frame`) and the
README's schema table is generated from it (:func:`schema_markdown`), so the
three can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

__all__ = [
    "COLUMNS",
    "KNOWN_FIELDS",
    "Column",
    "column_names",
    "schema_markdown",
]

Kind = Literal["string", "category", "boolean", "datetime", "json"]

#: pandas dtype used for text columns: pyarrow-backed, ``pd.NA`` for missing.
STRING_DTYPE = pd.StringDtype("pyarrow")
#: pandas dtype of ``when``.
WHEN_DTYPE = pd.DatetimeTZDtype(unit="us", tz="UTC")


@dataclass(frozen=True)
class Column:
    """One column of the audit-log frame.

    Parameters
    ----------
    name
        Column name in the frame.
    kind
        How values are cleaned and typed: ``string``, ``category``, ``boolean``,
        ``datetime`` or ``json``.
    path
        Where the value lives in a record, e.g. ``("actor", "email")``.
    description
        One line for the README's schema table.
    known
        For ``category`` columns: values always present among the categories,
        so frames from different loads share one dtype.
    null_literals
        Extra text values that mean "missing" (besides ``""``).
    """

    name: str
    kind: Kind
    path: tuple[str, ...]
    description: str
    known: tuple[str, ...] = ()
    null_literals: tuple[str, ...] = ()

    @property
    def wire(self) -> str:
        """The dotted wire path, e.g. ``actor.email``."""
        return ".".join(self.path)

    @property
    def dtype_name(self) -> str:
        """The pandas dtype as written in the schema table."""
        return {
            "string": "string",
            "category": "category",
            "boolean": "boolean",
            "datetime": "datetime64[us, UTC]",
            "json": "json (dict/list)",
        }[self.kind]


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
        "actor_id", "string", ("actor", "id"), "User id of the actor (`1` etc. for system actors)."
    ),
    Column(
        "actor_email",
        "string",
        ("actor", "email"),
        "Email of the actor; missing for system actors.",
    ),
    Column("actor_ip", "string", ("actor", "ip"), "IP address (v4 or v6) the request came from."),
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
    Column("owner_id", "string", ("owner", "id"), "Id of the resource's owner (account or user)."),
    Column("zone_name", "string", ("metadata", "zone_name"), "Zone the action touched, if any."),
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

_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
#: Top-level record fields the schema reads (``id``, ``when``, ``action``, ...).
KNOWN_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(c.path[0] for c in COLUMNS))


def column_names() -> list[str]:
    """Names of the frame's columns, in order.

    Examples
    --------
    >>> column_names()[:3]
    ['id', 'when', 'action_type']
    """
    return [c.name for c in COLUMNS]


def schema_markdown() -> str:
    """The schema as a Markdown table (the README's table is this text).

    Examples
    --------
    >>> schema_markdown().splitlines()[0]
    '| column | dtype | from (wire path) | meaning |'
    """
    lines = [
        "| column | dtype | from (wire path) | meaning |",
        "|---|---|---|---|",
    ]
    for c in COLUMNS:
        lines.append(f"| `{c.name}` | {c.dtype_name} | `{c.wire}` | {c.description} |")
    return "\n".join(lines)


def column(name: str) -> Column:
    """The :class:`Column` called ``name``.

    Examples
    --------
    >>> column("actor_email").wire
    'actor.email'
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no column {name!r} in the audit-log schema") from None
