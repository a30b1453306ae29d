"""The built-in rules of ``risky_changes`` for Audit Logs v2 frames, as data: :data:`DEFAULT_RULES_V2`.

Only rule values here (no logic): add a built-in rule by adding a
:class:`RiskRule`, :class:`SettingRule` or :class:`BurstRule` to the tuple.
Rules that mean what a v1 rule means have its name. Products and resource types
are matched ignoring case, spaces and hyphens (:func:`action_on`); where
Cloudflare's vocabulary is not documented, several spellings are listed.
"""

from __future__ import annotations

from ._predicates_v2 import action_on, first_token_use
from ._rules import BurstRule, RiskRule, Rule, SettingRule, _norm_ssl, _norm_text, _norm_tls

#: Products and resource types of API tokens.
API_TOKENS = ("api_tokens", "api_token", "tokens", "account_api_tokens", "user_api_tokens")
#: Products and resource types of the Global API key.
API_KEYS = ("api_keys", "api_key", "global_api_key")
#: Products and resource types of account members.
MEMBERS = ("members", "member", "account_members", "account_member", "memberships")
#: Products and resource types of roles.
ROLES = ("roles", "role", "account_roles", "account_role")
#: Products of WAF and firewall rules.
FIREWALL_PRODUCTS = ("waf", "firewall", "firewall_rules", "rulesets", "waf_rules")
#: Resource types of WAF and firewall rules.
FIREWALL_TYPES = (
    "firewall_rule",
    "waf_rule",
    "waf_override",
    "waf_package",
    "ruleset",
    "access_rule",
    "custom_rule",
    "rate_limit",
    "filter",
)
#: Resource types of DNS records.
DNS_RECORDS = ("dns_record", "dns_records")

#: The built-in rules of :func:`risky_changes` on a v2 frame, in report order.
DEFAULT_RULES_V2: tuple[Rule, ...] = (
    SettingRule(
        "security_level_lowered",
        "security level lowered from {old} to {new} on {zone_name} ({resource_product})",
        "high",
        ("security_level",),
        ("essentially_off", "low", "medium", "high", "under_attack"),
        _norm_text,
    ),
    SettingRule(
        "ssl_downgraded",
        "SSL mode downgraded from {old} to {new} on {zone_name} ({resource_product})",
        "high",
        ("ssl",),
        ("off", "flexible", "full", "strict", "origin_pull"),
        _norm_ssl,
    ),
    SettingRule(
        "min_tls_lowered",
        "minimum TLS version lowered from {old} to {new} on {zone_name} ({resource_product})",
        "medium",
        ("min_tls_version",),
        ("1.0", "1.1", "1.2", "1.3"),
        _norm_tls,
    ),
    SettingRule(
        "always_use_https_off",
        "Always Use HTTPS turned off on {zone_name} ({resource_product})",
        "medium",
        ("always_use_https",),
        ("off", "on"),
    ),
    SettingRule(
        "waf_off",
        "WAF turned off on {zone_name} ({resource_product})",
        "high",
        ("waf",),
        ("off", "on"),
    ),
    RiskRule(
        "firewall_rule_deleted",
        "{resource_product} {resource_type} deleted: {resource_label}",
        "high",
        action_on("delete", products=FIREWALL_PRODUCTS, resource_types=FIREWALL_TYPES),
    ),
    RiskRule(
        "api_key_viewed",
        "Global API key viewed",
        "medium",
        action_on("view", products=API_KEYS, resource_types=API_KEYS),
    ),
    RiskRule(
        "api_key_rotated",
        "Global API key rolled",
        "medium",
        action_on("update", products=API_KEYS, resource_types=API_KEYS),
    ),
    RiskRule(
        "api_key_created",
        "Global API key created",
        "medium",
        action_on("create", products=API_KEYS, resource_types=API_KEYS),
    ),
    RiskRule(
        "token_created",
        "API token created: {resource_label}",
        "medium",
        action_on("create", products=API_TOKENS, resource_types=API_TOKENS),
    ),
    RiskRule(
        "token_rolled",
        "API token rolled or edited: {resource_label}",
        "medium",
        action_on("update", products=API_TOKENS, resource_types=API_TOKENS),
    ),
    RiskRule(
        "new_token_used",
        "first use of API token {actor_token_name} ({actor_token_id}, {actor_context}) "
        "after the frame's first 7 days",
        "medium",
        first_token_use("7D"),
    ),
    RiskRule(
        "member_added",
        "member added or invited: {resource_label}",
        "medium",
        action_on("create", products=MEMBERS, resource_types=MEMBERS),
    ),
    RiskRule(
        "member_role_changed",
        "member or role changed: {resource_product} {resource_label}",
        "medium",
        action_on("update", products=MEMBERS, resource_types=MEMBERS)
        | action_on("create", "update", "delete", products=ROLES, resource_types=ROLES),
    ),
    SettingRule(
        "two_factor_removed",
        "two-factor enforcement removed on {resource_product} {resource_label}",
        "high",
        ("settings.enforce_twofactor", "enforce_twofactor"),
        ("off", "on"),
    ),
    BurstRule(
        "dns_deletion_burst",
        "{events} DNS records deleted within {duration}",
        "high",
        action_on("delete", resource_types=DNS_RECORDS),
        min_events=5,
        window="10min",
    ),
    RiskRule(
        "failed_action",
        "failed {action_type} on {resource_product} {resource_type} from {actor_ip}",
        "low",
        action_on(result=False),
    ),
)
