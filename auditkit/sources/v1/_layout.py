"""v1's record layout, read from the frame's schema: which wire keys the frame keeps.

:data:`auditkit.frame.COLUMNS` gives each column's wire path; from it come the
top-level and nested keys, and the msgspec structs that decode only those
(:data:`_ENVELOPE` for the envelope and each record's id and raw JSON fields,
:data:`_RECORDS` for whole records).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

import msgspec

from ...frame._schema import COLUMNS

_JSON_KEYS = {c.path[0] for c in COLUMNS if c.kind == "json"}


def _schema_layout() -> tuple[list[str], dict[str, list[str]]]:
    """Top-level wire keys the frame reads, and the keys read inside each nested object."""
    top: list[str] = []
    nested: dict[str, list[str]] = {}
    for col in COLUMNS:
        head = col.path[0]
        if len(col.path) == 1 or head in _JSON_KEYS:
            if head not in top:
                top.append(head)
        else:
            nested.setdefault(head, []).append(col.path[1])
    return [k for k in top if k not in nested], nested


_TOP, _NESTED = _schema_layout()


_TOP, _NESTED = _schema_layout()


def _record_struct() -> type[msgspec.Struct]:
    """A msgspec struct per nested object of the schema, and one for the record.

    JSON fields are :class:`msgspec.Raw` (their text, undecoded). A nested
    object that is absent decodes as an empty struct; one that is ``null`` or
    not an object fails validation, and the page takes the general path.
    """
    fields: list[tuple[str, Any, Any]] = [
        (key, msgspec.Raw, msgspec.Raw()) if key in _JSON_KEYS else (key, Any, None) for key in _TOP
    ]
    for head, keys in _NESTED.items():
        inner = msgspec.defstruct(f"_{head}", [(k, Any, None) for k in keys], gc=False)
        fields.append((head, inner, msgspec.field(default_factory=inner)))
    # gc=False: plain data that cannot form cycles, so the collector need not
    # scan 1,000 records a page (measured: half the decoding time).
    return msgspec.defstruct("_Record", fields, gc=False)


_Record = _record_struct()


class _Records(msgspec.Struct, gc=False):
    result: list[_Record] | None = None  # type: ignore[valid-type]


# Each record's id, and its free-form JSON fields as raw text (for Payload.prepare).
_Id = msgspec.defstruct(
    "_Id",
    [("id", Any, None)] + [(k, msgspec.Raw, msgspec.Raw()) for k in _TOP if k in _JSON_KEYS],
    gc=False,
)


class _Envelope(msgspec.Struct, gc=False):
    """What the client needs of a page: the envelope and each record's id."""

    result: list[_Id] | None = None  # type: ignore[valid-type]
    success: Any = None
    errors: Any = None
    result_info: Any = None


# float_hook: numbers beyond float range (valid JSON) read as +-inf, as json.loads reads them.
_ID = attrgetter("id")


_ENVELOPE = msgspec.json.Decoder(_Envelope, float_hook=float)


_RECORDS = msgspec.json.Decoder(_Records, float_hook=float)


_NAME = {col.path: col.name for col in COLUMNS}


_KIND = {col.path: col.kind for col in COLUMNS}
