"""The built-in rules of ``risky_changes``, as data: :data:`DEFAULT_RULES`.

Only rule values here (no logic): add a built-in rule by adding a
:class:`RiskRule`, :class:`SettingRule` or :class:`BurstRule` to the tuple.
"""

from __future__ import annotations

from ._predicates import action_in, action_matches
from ._rules import BurstRule, RiskRule, Rule, SettingRule, _norm_ssl, _norm_text, _norm_tls

#: The built-in rules of :func:`risky_changes`, in report order.
DEFAULT_RULES: tuple[Rule, ...] = (
    SettingRule(
        "security_level_lowered",
        "security level lowered from {old} to {new}",
        "high",
        ("security_level",),
        ("essentially_off", "low", "medium", "high", "under_attack"),
        _norm_text,
    ),
    SettingRule(
        "ssl_downgraded",
        "SSL mode downgraded from {old} to {new}",
        "high",
        ("ssl",),
        ("off", "flexible", "full", "strict", "origin_pull"),
        _norm_ssl,
    ),
    SettingRule(
        "min_tls_lowered",
        "minimum TLS version lowered from {old} to {new}",
        "medium",
        ("min_tls_version",),
        ("1.0", "1.1", "1.2", "1.3"),
        _norm_tls,
    ),
    SettingRule(
        "always_use_https_off",
        "Always Use HTTPS turned off",
        "medium",
        ("always_use_https",),
        ("off", "on"),
    ),
    SettingRule("waf_off", "WAF turned off", "high", ("waf",), ("off", "on")),
    RiskRule(
        "api_key_viewed",
        "Global API key viewed",
        "medium",
        action_in("API_key_view", "view_API_key", "API_key_viewed"),
    ),
    RiskRule(
        "api_key_rotated",
        "API key rotated",
        "medium",
        action_in("rotate_API_key", "API_key_rotated", "API_key_roll"),
    ),
    RiskRule(
        "api_key_created",
        "API key created",
        "medium",
        action_in("API_key_created", "API_key_create", "create_API_key"),
    ),
    RiskRule(
        "token_created",
        "API token created: {metadata[token_name]}",
        "medium",
        action_in("token_create", "token_created", "create_token"),
    ),
    RiskRule(
        "token_rolled",
        "API token rolled: {metadata[token_name]}",
        "medium",
        action_in("token_roll", "token_rolled", "roll_token"),
    ),
    RiskRule(
        "member_added",
        "member added or invited",
        "medium",
        action_in(
            "member_add",
            "member_added",
            "add_member",
            "invite_member",
            "member_invite",
            "member_invited",
            "member_create",
            "account_member_add",
        ),
    ),
    RiskRule(
        "member_role_changed",
        "member roles changed",
        "medium",
        action_in(
            "member_role_change",
            "member_roles_change",
            "change_member_role",
            "member_change",
            "member_update",
            "update_member",
            "role_change",
        ),
    ),
    RiskRule(
        "two_factor_removed",
        "two-factor enforcement removed",
        "high",
        action_matches(
            r"^(?=.*(?:2fa|two_factor|two-factor|tfa|mfa))(?=.*(?:disabl|remov|off|delet))"
        ),
    ),
    BurstRule(
        "dns_deletion_burst",
        "{events} DNS records deleted within {duration}",
        "high",
        action_in("rec_del"),
        min_events=5,
        window="10min",
    ),
    RiskRule(
        "failed_login",
        "failed login from {actor_ip}",
        "low",
        action_in("login", result=False),
    ),
)
