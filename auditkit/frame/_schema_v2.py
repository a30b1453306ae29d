"""The Audit Logs v2 frame's columns: :data:`V2_COLUMNS` and their :data:`V2` schema.

A v2 record (``GET /accounts/{account_id}/logs/audit``) nests everything:
``account``, ``action`` (its time is ``action.time``: there is no top-level
``when``), ``actor``, ``raw`` (the HTTP request), ``resource`` and ``zone``.
The columns v1 also has come first, with v1's names, dtypes and order (``id``,
``when``, ``action_type``, ``action_result``, ``actor_*``, ``resource_id``,
``resource_type``, ``zone_name``), so analyses and plots read them by the same
names; v2's own columns follow, each named by its wire path (``raw.uri`` is
``raw_uri``).

Examples
--------
>>> from auditkit.frame import V2, records_to_frame
>>> df = records_to_frame([{"id": "a", "action": {"time": "2026-10-01T12:00:00Z",
...                         "result": "success"}, "raw": {"status_code": 200}}], schema=V2)
>>> df.loc[0, "when"], df.loc[0, "action_result"], df.loc[0, "raw_status_code"]
(Timestamp('2026-10-01 12:00:00+0000', tz='UTC'), np.True_, np.int64(200))
"""

from __future__ import annotations

from ._schema import Column, Schema

__all__ = ["V2", "V2_COLUMNS"]

V2_COLUMNS: tuple[Column, ...] = (
    # -------------------------------------------------- shared with v1: same names and dtypes
    Column("id", "string", ("id",), "Unique id of the entry."),
    Column("when", "datetime", ("action", "time"), "When the action happened (UTC)."),
    Column(
        "action_type",
        "category",
        ("action", "type"),
        "What was done: `create`, `delete`, `view` or `update`.",
        known=("create", "delete", "view", "update"),
    ),
    Column(
        "action_result",
        "boolean",
        ("action", "result"),
        'Whether the action succeeded: `"success"` is true, `"failure"` false, anything else '
        "missing.",
        true="success",
        false="failure",
    ),
    Column("actor_id", "category", ("actor", "id"), "Id of the actor."),
    Column("actor_email", "category", ("actor", "email"), "Email of the actor, if any."),
    Column(
        "actor_ip",
        "category",
        ("actor", "ip_address"),
        "IP address (v4 or v6) the request came from.",
    ),
    Column(
        "actor_type",
        "category",
        ("actor", "type"),
        "`account`, `cloudflare_admin`, `delegated_service`, `system` or `user`.",
        known=("account", "cloudflare_admin", "delegated_service", "system", "user"),
    ),
    Column("resource_id", "string", ("resource", "id"), "Id of the affected resource."),
    Column("resource_type", "category", ("resource", "type"), "Kind of the affected resource."),
    Column("zone_name", "category", ("zone", "name"), "Zone the action touched, if any."),
    # -------------------------------------------------- v2's own, named by wire path
    Column("account_id", "category", ("account", "id"), "Id of the account."),
    Column("account_name", "category", ("account", "name"), "Name of the account."),
    Column(
        "action_description",
        "string",
        ("action", "description"),
        "What was done, in words.",
    ),
    Column(
        "actor_context",
        "category",
        ("actor", "context"),
        "How the actor came in: `api`, `api_key`, `api_token`, `dash`, `oauth` or `origin_ca_key`.",
        known=("api", "api_key", "api_token", "dash", "oauth", "origin_ca_key"),
    ),
    Column(
        "actor_token_id", "category", ("actor", "token_id"), "Id of the API token used, if any."
    ),
    Column(
        "actor_token_name",
        "category",
        ("actor", "token_name"),
        "Name of the API token used, if any.",
    ),
    Column("raw_cf_ray_id", "string", ("raw", "cf_ray_id"), "Cloudflare Ray id of the request."),
    Column("raw_method", "category", ("raw", "method"), "HTTP method of the request."),
    Column(
        "raw_status_code",
        "integer",
        ("raw", "status_code"),
        'HTTP status of the response; integer text (`"404"`) is read too, anything else '
        "is missing.",
    ),
    Column("raw_uri", "string", ("raw", "uri"), "URI of the request."),
    Column("raw_user_agent", "category", ("raw", "user_agent"), "User agent of the request."),
    Column(
        "resource_product",
        "category",
        ("resource", "product"),
        "Cloudflare product the resource belongs to.",
    ),
    Column(
        "resource_scope",
        "json",
        ("resource", "scope"),
        "Scope of the resource, any JSON: mostly a string (`accounts`, `user`, `zones`, "
        "`memberships`), kept as it is.",
        any_json=True,
    ),
    Column(
        "resource_request",
        "json",
        ("resource", "request"),
        "The request's body, if an object or an array.",
    ),
    Column(
        "resource_response",
        "json",
        ("resource", "response"),
        "The response's body, if an object or an array.",
    ),
    Column("zone_id", "category", ("zone", "id"), "Id of the zone, if any."),
)

#: The Audit Logs v2 frame.
V2 = Schema(
    "v2",
    V2_COLUMNS,
    endpoint="GET /accounts/{account_id}/logs/audit",
    label="v2",
    foreign_fields=("when",),
    foreign_hint=(
        "A top-level `when` is Audit Logs v1's time; v2 records keep theirs in `action.time`."
        " Are these v1 records? Read them with schema=V1."
    ),
)
