"""Audit Logs v2's reading of each v1 action: :data:`V2_ACTIONS`.

Pure data: for each v1 ``action.type`` of the synthetic account (and of the real
records seen), its v2 ``action.type`` (``create``/``update``/``delete``/``view``) and
``description`` (Cloudflare's style: ``Add Member``), ``resource.product``,
``resource.type`` and ``resource.scope``, and the HTTP ``method`` and ``uri`` of the
call (relative to ``/client/v4``; empty for entries written by Cloudflare's systems).
Also the product of each zone setting (``ssl``, ``waf``, ``cache``, ...) and the
method of each v2 action type, for v1 action types not in the table.

Examples
--------
>>> V2_ACTIONS["member_add"].description, V2_ACTIONS["member_add"].method
('Add Member', 'POST')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["METHODS", "SETTING_PRODUCTS", "V2_ACTIONS", "V2Action"]


@dataclass(frozen=True)
class V2Action:
    """How one v1 ``action.type`` reads in v2.

    ``uri`` is a template over ``{account}``, ``{zone}``, ``{id}`` and ``{user}``; an
    empty ``method`` means the entry is written by Cloudflare's systems (no ``raw``).
    """

    type: str
    description: str
    product: str
    resource_type: str
    scope: str
    method: str
    uri: str


_A = V2Action
#: v1 ``action.type`` -> its v2 reading.
V2_ACTIONS: dict[str, V2Action] = {
    "login": _A("create", "Log in", "users", "session", "user", "POST", "/login"),
    "rec_add": _A(
        "create",
        "Create DNS record",
        "dns",
        "dns_record",
        "zones",
        "POST",
        "/zones/{zone}/dns_records",
    ),
    "rec_set": _A(
        "update",
        "Update DNS record",
        "dns",
        "dns_record",
        "zones",
        "PATCH",
        "/zones/{zone}/dns_records/{id}",
    ),
    "rec_del": _A(
        "delete",
        "Delete DNS record",
        "dns",
        "dns_record",
        "zones",
        "DELETE",
        "/zones/{zone}/dns_records/{id}",
    ),
    "change_setting": _A(
        "update",
        "Edit zone setting",
        "zones",
        "zone_setting",
        "zones",
        "PATCH",
        "/zones/{zone}/settings/{id}",
    ),
    "tls_settings_deployed": _A(
        "update", "Deploy TLS settings", "ssl", "tls_settings", "zones", "", ""
    ),
    "certificate_renewal": _A(
        "update", "Renew certificate pack", "ssl", "certificate_pack", "zones", "", ""
    ),
    "purge": _A(
        "create", "Purge cache", "cache", "zone", "zones", "POST", "/zones/{zone}/purge_cache"
    ),
    "token_create": _A(
        "create", "Create API token", "api_tokens", "api_token", "user", "POST", "/user/tokens"
    ),
    "token_roll": _A(
        "update",
        "Roll API token",
        "api_tokens",
        "api_token",
        "user",
        "PUT",
        "/user/tokens/{id}/value",
    ),
    "token_revoke": _A(
        "delete",
        "Delete API token",
        "api_tokens",
        "api_token",
        "user",
        "DELETE",
        "/user/tokens/{id}",
    ),
    "API_key_view": _A(
        "view", "View Global API key", "api_keys", "api_key", "user", "GET", "/user/api_key"
    ),
    "rotate_API_key": _A(
        "update", "Roll Global API key", "api_keys", "api_key", "user", "PUT", "/user/api_key"
    ),
    "API_key_created": _A(
        "create", "Create Global API key", "api_keys", "api_key", "user", "POST", "/user/api_key"
    ),
    "member_add": _A(
        "create",
        "Add Member",
        "members",
        "member",
        "accounts",
        "POST",
        "/accounts/{account}/members",
    ),
    "member_role_change": _A(
        "update",
        "Edit Member",
        "members",
        "member",
        "accounts",
        "PUT",
        "/accounts/{account}/members/{id}",
    ),
    "member_remove": _A(
        "delete",
        "Remove Member",
        "members",
        "member",
        "accounts",
        "DELETE",
        "/accounts/{account}/members/{id}",
    ),
    "2fa_enforcement_enable": _A(
        "update",
        "Enforce two-factor authentication",
        "accounts",
        "account",
        "accounts",
        "PUT",
        "/accounts/{account}",
    ),
    "2fa_enforcement_disable": _A(
        "update",
        "Stop enforcing two-factor authentication",
        "accounts",
        "account",
        "accounts",
        "PUT",
        "/accounts/{account}",
    ),
    "pending": _A("create", "Add zone", "zones", "zone", "zones", "POST", "/zones"),
}
del _A

#: Product of each zone setting the synthetic data changes (others: ``zones``).
SETTING_PRODUCTS = {
    "ssl": "ssl",
    "min_tls_version": "ssl",
    "always_use_https": "ssl",
    "waf": "waf",
    "security_level": "firewall",
    "development_mode": "cache",
    "cache_level": "cache",
    "browser_cache_ttl": "cache",
    "always_online": "cache",
    "rocket_loader": "speed",
    "IPv6": "network",
}
#: Method of each v2 action type (for v1 action types not in :data:`V2_ACTIONS`).
METHODS = {"create": "POST", "update": "PATCH", "delete": "DELETE", "view": "GET"}
