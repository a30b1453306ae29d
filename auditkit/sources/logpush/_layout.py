"""The field layout of each Logpush dataset: which PascalCase field feeds which frame column.

Logpush writes one flat JSON object per entry, its fields named in PascalCase
(``ActionType``, ``When``...). Each dataset here is a :class:`Dataset`: its
frame schema (``audit_logs`` -> :data:`~auditkit.frame.V1`, ``audit_logs_v2`` ->
:data:`~auditkit.frame.V2`), its id and time fields, the fields read as text,
the JSON fields, and the objects whose keys become columns (v2's ``Raw``). The
msgspec struct that decodes a canonical file in one pass is built from it, so
the table is the one place a field is mapped. ``docs/logpush.md`` prints it.

Examples
--------
>>> AUDIT_LOGS.schema.name, AUDIT_LOGS.id_field, AUDIT_LOGS.when_field
('v1', 'ID', 'When')
>>> AUDIT_LOGS_V2.columns_of("Raw")[:2]
(('cf_ray_id', 'raw_cf_ray_id'), ('method', 'raw_method'))
>>> sorted(DATASETS)
['audit_logs', 'audit_logs_v2']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from ...frame._schema import V1, Schema
from ...frame._schema_v2 import V2

__all__ = ["AUDIT_LOGS", "AUDIT_LOGS_V2", "DATASETS", "Dataset"]


@dataclass(frozen=True)
class Dataset:
    """One Logpush dataset's fields, and the frame columns they feed.

    Parameters
    ----------
    name
        The dataset's name in Logpush (``audit_logs``).
    schema
        The frame it reads into.
    id_field, when_field
        The fields holding the entry's id and time (each required on every line).
    text
        ``field -> column`` of fields read as they are (text, booleans, numbers).
    json
        ``field -> column`` of fields kept as JSON (objects and arrays).
    split
        ``field -> (text column, json column)``: a string (or number) goes to the first,
        an object or array to the second (v1's ``OldValue``/``NewValue``).
    nested
        ``field -> ((key, column), ...)``: an object whose keys feed columns.
    ignored
        Documented fields the frame has no column for (read, then dropped).
    missing
        Frame columns no field of the dataset carries: always missing.
    """

    name: str
    schema: Schema
    id_field: str
    when_field: str
    text: dict[str, str]
    json: dict[str, str] = field(default_factory=dict)
    split: dict[str, tuple[str, str]] = field(default_factory=dict)
    nested: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        """Every documented field, in the layout's order."""
        return (
            self.id_field,
            self.when_field,
            *self.text,
            *self.json,
            *self.split,
            *self.nested,
            *self.ignored,
        )

    @property
    def json_columns(self) -> tuple[str, ...]:
        """The frame's JSON columns the fields feed (``json``, and ``split``'s second)."""
        return (*self.json.values(), *(pair[1] for pair in self.split.values()))

    def columns_of(self, name: str) -> tuple[tuple[str, str], ...]:
        """``(key, column)`` pairs of the nested object ``name``."""
        return self.nested[name]


#: Logpush's ``audit_logs`` (Audit Logs v1's entries), read into the v1 frame.
AUDIT_LOGS = Dataset(
    name="audit_logs",
    schema=V1,
    id_field="ID",
    when_field="When",
    text={
        "ActionType": "action_type",
        "ActionResult": "action_result",
        "ActorEmail": "actor_email",
        "ActorID": "actor_id",
        "ActorIP": "actor_ip",
        "ActorType": "actor_type",
        "Interface": "interface",
        "OwnerID": "owner_id",
        "ResourceID": "resource_id",
        "ResourceType": "resource_type",
    },
    json={"Metadata": "metadata"},
    split={
        "OldValue": ("old_value", "old_value_json"),
        "NewValue": ("new_value", "new_value_json"),
    },
    missing=("action_info",),
)

#: Logpush's ``audit_logs_v2`` (Audit Logs v2's entries), read into the v2 frame.
AUDIT_LOGS_V2 = Dataset(
    name="audit_logs_v2",
    schema=V2,
    id_field="AuditLogID",
    when_field="ActionTimestamp",
    text={
        "AccountID": "account_id",
        "AccountName": "account_name",
        "ActionDescription": "action_description",
        "ActionResult": "action_result",
        "ActionType": "action_type",
        "ActorContext": "actor_context",
        "ActorEmail": "actor_email",
        "ActorID": "actor_id",
        "ActorIPAddress": "actor_ip",
        "ActorType": "actor_type",
        "ResourceID": "resource_id",
        "ResourceProduct": "resource_product",
        "ResourceScope": "resource_scope",
        "ResourceType": "resource_type",
        "ZoneID": "zone_id",
        "ZoneName": "zone_name",
    },
    json={"ResourceRequest": "resource_request", "ResourceResponse": "resource_response"},
    nested={
        "ActorTokenDetails": (("id", "actor_token_id"), ("name", "actor_token_name")),
        "Raw": (
            ("cf_ray_id", "raw_cf_ray_id"),
            ("method", "raw_method"),
            ("status_code", "raw_status_code"),
            ("uri", "raw_uri"),
            ("user_agent", "raw_user_agent"),
        ),
    },
    ignored=("ResourceValue",),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (AUDIT_LOGS, AUDIT_LOGS_V2)}


def record_struct(dataset: Dataset) -> type[msgspec.Struct]:
    """The struct decoding one line of a canonical file of ``dataset`` in one pass.

    Every documented field, exactly as Logpush spells it; ``json`` and ``split``
    fields as :class:`msgspec.Raw` (their text, never decoded here). An unknown field (another
    spelling, an extra field) fails validation: the file takes the general path.
    """
    fields: list[tuple[str, Any, Any]] = []
    for name in dataset.fields:
        raw = name in dataset.json or name in dataset.split
        fields.append((name, msgspec.Raw if raw else Any, msgspec.Raw() if raw else None))
    return msgspec.defstruct(f"_{dataset.name}_line", fields, forbid_unknown_fields=True, gc=False)
