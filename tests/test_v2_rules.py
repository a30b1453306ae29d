"""risky_changes and change_timeline on Audit Logs v2 frames: the v2 rules, exactly.

Each built-in v2 rule on hand-made v2 records (with the benign neighbour it must
not flag), bursts at and below the threshold, the first use of a token, user
rules on v2, ``change_timeline`` rows from the request and response bodies, and
the sandbox's v2 history against its v1 history (one story, two shapes).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import auditkit  # noqa: F401  (registers df.audit)
from auditkit.analysis import (
    DEFAULT_RULES,
    DEFAULT_RULES_V2,
    BurstRule,
    RiskRule,
    SettingRule,
    action_in,
    action_on,
    change_timeline,
    first_token_use,
    risky_changes,
    rules_table,
)
from auditkit.analysis._changes import CHANGE_TIMELINE_COLUMNS
from auditkit.analysis._columns import is_v2_frame
from auditkit.analysis._rules import RISKY_CHANGES_COLUMNS
from auditkit.errors import InvalidParameterError
from auditkit.frame import V2, records_to_frame
from auditkit.sandbox import generate_records, generate_v2_records

ANA = "ana@example.com"


def v2rec(
    rid: str,
    time: str | None,
    action: str = "update",
    *,
    product: str | None = "zones",
    rtype: str | None = "zone_setting",
    res_id: str | None = None,
    request: Any = None,
    response: Any = None,
    result: str = "success",
    zone: str | None = "example.com",
    email: str | None = ANA,
    ip: str | None = "192.0.2.1",
    context: str | None = "dash",
    token_id: str | None = None,
    token_name: str | None = None,
) -> dict[str, Any]:
    """One v2 record in Cloudflare's wire shape."""
    actor: dict[str, Any] = {"id": "u1", "type": "user"}
    for key, value in (
        ("email", email),
        ("ip_address", ip),
        ("context", context),
        ("token_id", token_id),
        ("token_name", token_name),
    ):
        if value is not None:
            actor[key] = value
    resource: dict[str, Any] = {}
    for key, value in (
        ("id", res_id),
        ("product", product),
        ("type", rtype),
        ("request", request),
        ("response", response),
    ):
        if value is not None:
            resource[key] = value
    action_part: dict[str, Any] = {"type": action, "result": result}
    if time is not None:
        action_part["time"] = time
    out: dict[str, Any] = {
        "id": rid,
        "account": {"id": "acc1", "name": "Example Corp"},
        "action": action_part,
        "actor": actor,
        "resource": resource,
    }
    if zone is not None:
        out["zone"] = {"id": "z-" + zone, "name": zone}
    return out


def setting(
    rid: str, time: str, name: str, old: Any, new: Any, product: str = "zones", **kw: Any
) -> dict[str, Any]:
    """A zone setting changed, as the sandbox writes it (request + before/after)."""
    response: dict[str, Any] = {"after": {"id": name, "value": new}}
    if old is not None:
        response["before"] = {"id": name, "value": old}
    return v2rec(
        rid, time, res_id=name, product=product, request={"value": new}, response=response, **kw
    )


def frame(*records: dict[str, Any]) -> pd.DataFrame:
    return records_to_frame(list(records), schema=V2)


def findings(df: pd.DataFrame, **kw: Any) -> list[tuple[str, str, str, str, int]]:
    out = risky_changes(df, **kw)
    return list(
        zip(out["id"], out["rule"], out["severity"], out["reason"], out["events"], strict=True)
    )


def only(rule: str) -> list[Any]:
    return [r for r in DEFAULT_RULES_V2 if r.name == rule]


# ------------------------------------------------------------------- the rules as data


def test_default_rules_v2_table() -> None:
    t = rules_table(schema="v2")
    assert list(zip(t["name"], t["kind"], t["severity"], strict=True)) == [
        ("security_level_lowered", "setting", "high"),
        ("ssl_downgraded", "setting", "high"),
        ("min_tls_lowered", "setting", "medium"),
        ("always_use_https_off", "setting", "medium"),
        ("waf_off", "setting", "high"),
        ("firewall_rule_deleted", "event", "high"),
        ("api_key_viewed", "event", "medium"),
        ("api_key_rotated", "event", "medium"),
        ("api_key_created", "event", "medium"),
        ("token_created", "event", "medium"),
        ("token_rolled", "event", "medium"),
        ("new_token_used", "event", "medium"),
        ("member_added", "event", "medium"),
        ("member_role_changed", "event", "medium"),
        ("two_factor_removed", "setting", "high"),
        ("dns_deletion_burst", "burst", "high"),
        ("failed_action", "event", "low"),
    ]
    matches = dict(zip(t["name"], t["matches"], strict=True))
    assert matches["failed_action"] == "action_on(result=False)"
    assert matches["new_token_used"] == "first_token_use(warmup='7D')"
    assert matches["dns_deletion_burst"] == (
        "5+ of action_on('delete', resource_types=('dns_record', 'dns_records')) "
        "by one actor within 10min"
    )
    assert matches["two_factor_removed"] == (
        "settings.enforce_twofactor/enforce_twofactor lowered in off < on"
    )
    assert (
        " | action_on('create', 'delete', 'update', products=('account_role'"
        in (matches["member_role_changed"])
    )
    assert all(t.dtypes == pd.StringDtype("pyarrow"))
    pd.testing.assert_frame_equal(rules_table(schema=V2), t)
    pd.testing.assert_frame_equal(rules_table(DEFAULT_RULES_V2), t)


def test_rules_table_v1_unchanged_and_schema_checked() -> None:
    pd.testing.assert_frame_equal(rules_table(), rules_table(DEFAULT_RULES))
    pd.testing.assert_frame_equal(rules_table(schema="v1"), rules_table())
    assert rules_table()["name"].tolist()[-1] == "failed_login"
    with pytest.raises(InvalidParameterError, match=r"^schema: must be 'v1' or 'v2'"):
        rules_table(schema="v3")
    with pytest.raises(InvalidParameterError, match=r"^schema:"):
        rules_table(DEFAULT_RULES, schema=2)


# ------------------------------------------------------------------- which frame is v2


def test_v2_frames_are_told_apart_by_their_columns() -> None:
    v2 = frame(v2rec("a", "2026-10-01T00:00:00Z"))
    v1 = records_to_frame([{"id": "a", "when": "2026-10-01T00:00:00Z"}])
    assert is_v2_frame(v2) and not is_v2_frame(v1)
    assert not is_v2_frame(v1.assign(actor_context="dash"))  # v1's columns win
    assert not is_v2_frame(v2.assign(metadata=None))
    assert not is_v2_frame(pd.DataFrame({"when": []})) and not is_v2_frame([1])
    assert is_v2_frame(v2.drop(columns=["actor_context", "resource_product"]))


def test_v2_frame_missing_a_column_is_named() -> None:
    df = frame(v2rec("a", "2026-10-01T00:00:00Z"))
    with pytest.raises(InvalidParameterError, match=r"risky_changes needs .*'resource_request'"):
        risky_changes(df.drop(columns="resource_request"))
    with pytest.raises(InvalidParameterError, match=r"risky_changes needs .*'actor_token_id'"):
        risky_changes(df.drop(columns="actor_token_id"))
    with pytest.raises(InvalidParameterError, match=r"change_timeline needs .*'resource_response'"):
        change_timeline(df.drop(columns="resource_response"))


def test_empty_v2_frame() -> None:
    empty = frame(v2rec("a", "2026-10-01T00:00:00Z")).iloc[:0]
    out = risky_changes(empty)
    assert len(out) == 0 and dict(out.dtypes) == {
        c: pd.Series([], dtype=t).dtype for c, t in RISKY_CHANGES_COLUMNS.items()
    }
    changes = change_timeline(empty)
    assert len(changes) == 0 and list(changes.columns) == list(CHANGE_TIMELINE_COLUMNS)
    assert "no old value" in changes.attrs["old_value"]


# ------------------------------------------------------------------- setting rules


def test_settings_lowered_from_the_response_bodies() -> None:
    df = frame(
        setting("s1", "2026-10-01T01:00:00Z", "security_level", "high", "medium", "firewall"),
        setting("s2", "2026-10-01T02:00:00Z", "security_level", "low", "under_attack"),
        setting("s3", "2026-10-01T03:00:00Z", "ssl", "full", "flexible", "ssl"),
        setting("s4", "2026-10-01T04:00:00Z", "ssl", "flexible", "strict", "ssl"),
        setting("s5", "2026-10-01T05:00:00Z", "min_tls_version", "1.2", "1.0", "ssl"),
        setting("s6", "2026-10-01T06:00:00Z", "min_tls_version", "1.0", "1.3", "ssl"),
        setting("s7", "2026-10-01T07:00:00Z", "always_use_https", "on", "off", "ssl"),
        setting("s8", "2026-10-01T08:00:00Z", "always_use_https", "off", "on", "ssl"),
        setting("s9", "2026-10-01T09:00:00Z", "waf", "on", "off", "waf", zone="example.org"),
        setting("s10", "2026-10-01T10:00:00Z", "waf", "off", "on", "waf"),
        setting("s11", "2026-10-01T11:00:00Z", "ipv6", "on", "off", "network"),
        setting("s12", "2026-10-01T12:00:00Z", "security_level", "weird", "low"),
    )
    assert findings(df) == [
        (
            "s1",
            "security_level_lowered",
            "high",
            "security level lowered from high to medium on example.com (firewall)",
            1,
        ),
        (
            "s3",
            "ssl_downgraded",
            "high",
            "SSL mode downgraded from full to flexible on example.com (ssl)",
            1,
        ),
        (
            "s5",
            "min_tls_lowered",
            "medium",
            "minimum TLS version lowered from 1.2 to 1.0 on example.com (ssl)",
            1,
        ),
        (
            "s7",
            "always_use_https_off",
            "medium",
            "Always Use HTTPS turned off on example.com (ssl)",
            1,
        ),
        ("s9", "waf_off", "high", "WAF turned off on example.org (waf)", 1),
    ]
    out = risky_changes(df)
    assert out.loc[0, "resource"] == "zone_setting security_level"
    assert out.loc[0, "zone_name"] == "example.com" and out.loc[0, "actor"] == ANA
    assert out.loc[0, "action_type"] == "update"
    assert dict(out.dtypes) == {
        c: pd.Series([], dtype=t).dtype for c, t in RISKY_CHANGES_COLUMNS.items()
    }


def test_setting_without_an_old_value_compares_with_the_zones_previous_value() -> None:
    df = frame(
        v2rec("p1", "2026-10-01T01:00:00Z", res_id="ssl", request={"value": "strict"}),
        v2rec(
            "p2", "2026-10-01T01:00:00Z", res_id="ssl", request={"value": "full"}, zone="other.org"
        ),
        v2rec("p3", "2026-10-01T02:00:00Z", res_id="ssl", request={"value": "flexible"}),
        v2rec(
            "p4",
            "2026-10-01T03:00:00Z",
            res_id="ssl",
            request={"value": "strict"},
            zone="other.org",
        ),
        # TLS settings pushed by a system actor: only the new state, keyed in the object
        v2rec(
            "t1",
            "2026-10-01T04:00:00Z",
            product="ssl",
            rtype="tls_settings",
            res_id="z-example.com",
            email=None,
            context=None,
            response={"after": {"min_tls_version": "TLSv1.2", "http_2": "on"}},
        ),
        v2rec(
            "t2",
            "2026-10-01T05:00:00Z",
            product="ssl",
            rtype="tls_settings",
            res_id="z-example.com",
            email=None,
            context=None,
            response={"after": {"min_tls_version": "TLSv1.0", "http_2": "on"}},
        ),
    )
    assert findings(df) == [
        (
            "p3",
            "ssl_downgraded",
            "high",
            "SSL mode downgraded from strict to flexible on example.com (zones)",
            1,
        ),
        (
            "t2",
            "min_tls_lowered",
            "medium",
            "minimum TLS version lowered from TLSv1.2 to TLSv1.0 on example.com (ssl)",
            1,
        ),
    ]
    assert risky_changes(df).loc[1, "actor"] == "u1"


def test_two_factor_removed() -> None:
    def account(rid: str, time: str, before: bool, after: bool) -> dict[str, Any]:
        return v2rec(
            rid,
            time,
            product="accounts",
            rtype="account",
            res_id="acc1",
            zone=None,
            request={"settings": {"enforce_twofactor": after}},
            response={
                "before": {"id": "acc1", "settings": {"enforce_twofactor": before}},
                "after": {"id": "acc1", "settings": {"enforce_twofactor": after}},
            },
        )

    df = frame(
        account("f1", "2026-10-01T01:00:00Z", False, True),
        account("f2", "2026-10-01T02:00:00Z", True, False),
    )
    assert findings(df) == [
        ("f2", "two_factor_removed", "high", "two-factor enforcement removed on accounts acc1", 1)
    ]


# ------------------------------------------------------------------- event rules


def test_keys_tokens_members_and_firewall_rules() -> None:
    t = "2026-10-01T0{}:00:00Z".format
    df = frame(
        v2rec("k1", t(1), "view", product="api_keys", rtype="api_key", res_id="u1", zone=None),
        v2rec(
            "k2",
            t(1),
            "update",
            product="api_keys",
            rtype="api_key",
            res_id="u1",
            zone=None,
            request={},
            response={"after": {"key_digest": "ab12"}},
        ),
        v2rec("k3", t(1), "create", product="API Keys", rtype="api_key", res_id="kd", zone=None),
        v2rec("k4", t(2), "view", product="api_tokens", rtype="api_token", res_id="tk"),
        v2rec(
            "a1",
            t(3),
            "create",
            product="api_tokens",
            rtype="api_token",
            res_id="tk1",
            zone=None,
            request={"name": "ci"},
            response={"after": {"id": "tk1", "name": "ci", "status": "active"}},
        ),
        v2rec("a2", t(3), "create", product="tokens", rtype="api_token", res_id="tk2", zone=None),
        v2rec(
            "a3",
            t(4),
            "update",
            product="api_tokens",
            rtype="api_token",
            res_id="tk1",
            zone=None,
            request={},
            response={
                "before": {"id": "tk1", "name": "ci", "value_hash": "1"},
                "after": {"id": "tk1", "name": "ci", "value_hash": "2"},
            },
        ),
        v2rec(
            "a4",
            t(4),
            "delete",
            product="api_tokens",
            rtype="api_token",
            res_id="tk1",
            zone=None,
            response={"before": {"id": "tk1", "name": "ci"}},
        ),
        v2rec(
            "m1",
            t(5),
            "create",
            product="members",
            rtype="member",
            res_id="m1",
            zone=None,
            request={"email": "bob@example.org", "roles": ["DNS"]},
        ),
        v2rec(
            "m2",
            t(5),
            "update",
            product="members",
            rtype="member",
            res_id="m1",
            zone=None,
            request={"roles": ["Administrator"]},
            response={
                "before": {"id": "m1", "email": "bob@example.org", "roles": ["DNS"]},
                "after": {"id": "m1", "email": "bob@example.org", "roles": ["Administrator"]},
            },
        ),
        v2rec("m3", t(5), "delete", product="members", rtype="member", res_id="m1", zone=None),
        v2rec(
            "m4",
            t(6),
            "create",
            product="roles",
            rtype="role",
            res_id="r1",
            zone=None,
            request={"name": "Auditor"},
        ),
        v2rec(
            "w1",
            t(7),
            "delete",
            product="firewall",
            rtype="firewall_rule",
            res_id="fw1",
            response={"before": {"id": "fw1", "description": "block bad bots"}},
        ),
        v2rec("w2", t(7), "delete", product="security", rtype="Custom Rule", res_id="cr1"),
        v2rec("w3", t(7), "create", product="firewall", rtype="firewall_rule", res_id="fw2"),
        v2rec("w4", t(8), "delete", product="dns", rtype="dns_record", res_id="d1"),
    )
    assert findings(df) == [
        ("k1", "api_key_viewed", "medium", "Global API key viewed", 1),
        ("k2", "api_key_rotated", "medium", "Global API key rolled", 1),
        ("k3", "api_key_created", "medium", "Global API key created", 1),
        ("a1", "token_created", "medium", "API token created: ci", 1),
        ("a2", "token_created", "medium", "API token created: tk2", 1),
        ("a3", "token_rolled", "medium", "API token rolled or edited: ci", 1),
        ("m1", "member_added", "medium", "member added or invited: bob@example.org", 1),
        (
            "m2",
            "member_role_changed",
            "medium",
            "member or role changed: members bob@example.org",
            1,
        ),
        ("m4", "member_role_changed", "medium", "member or role changed: roles Auditor", 1),
        (
            "w1",
            "firewall_rule_deleted",
            "high",
            "firewall firewall_rule deleted: block bad bots",
            1,
        ),
        ("w2", "firewall_rule_deleted", "high", "security Custom Rule deleted: cr1", 1),
    ]
    out = risky_changes(df)
    assert out.loc[0, "resource"] == "api_key u1" and pd.isna(out.loc[0, "zone_name"])


def test_failed_actions() -> None:
    df = frame(
        v2rec("x1", "2026-10-01T01:00:00Z", "update", result="failure", ip="192.0.2.2"),
        v2rec(
            "x2",
            "2026-10-01T02:00:00Z",
            "create",
            product="users",
            rtype="session",
            result="failure",
            ip="198.51.100.9",
        ),
        v2rec("x3", "2026-10-01T03:00:00Z", "create", product="users", rtype="session"),
        v2rec("x4", "2026-10-01T04:00:00Z", "create", result="odd"),
    )
    assert findings(df) == [
        ("x1", "failed_action", "low", "failed update on zones zone_setting from 192.0.2.2", 1),
        ("x2", "failed_action", "low", "failed create on users session from 198.51.100.9", 1),
    ]


# ------------------------------------------------------------------- DNS deletion bursts


def dns_deletes(n: int, minutes: int, action: str = "delete") -> list[dict[str, Any]]:
    return [
        v2rec(
            f"d{i}",
            f"2026-10-01T02:{i * minutes:02d}:00Z",
            action,
            product="dns",
            rtype="dns_record",
            res_id=f"rec{i}",
            response={"before": {"id": f"rec{i}", "type": "A", "name": f"h{i}.example.com"}},
        )
        for i in range(n)
    ]


def test_dns_deletion_burst_at_the_threshold() -> None:
    assert findings(frame(*dns_deletes(5, 2))) == [
        ("d0", "dns_deletion_burst", "high", "5 DNS records deleted within 8 min", 5)
    ]
    assert findings(frame(*dns_deletes(7, 1))) == [
        ("d0", "dns_deletion_burst", "high", "7 DNS records deleted within 6 min", 7)
    ]


def test_dns_deletions_below_the_threshold_or_spread_out() -> None:
    assert findings(frame(*dns_deletes(4, 1))) == []
    assert findings(frame(*dns_deletes(5, 3))) == []  # 12 minutes from first to last
    assert findings(frame(*dns_deletes(6, 1, action="create"))) == []


# ------------------------------------------------------------------- tokens never seen before


def use(rid: str, time: str, token: str | None, name: str | None = None) -> dict[str, Any]:
    return v2rec(
        rid,
        time,
        "update",
        product="dns",
        rtype="dns_record",
        res_id="r",
        context="api_token",
        token_id=token,
        token_name=name,
    )


def test_first_use_of_a_token_after_the_learning_window() -> None:
    df = frame(
        use("u1", "2026-10-01T00:00:00Z", "t1", "terraform"),
        use("u2", "2026-10-07T23:59:59Z", "t3", "early"),  # inside the first 7 days: known
        use("u3", "2026-10-09T00:00:00Z", "t1", "terraform"),
        use("u4", "2026-10-09T00:00:00Z", "t2", "deploy"),
        use("u5", "2026-10-09T00:00:00Z", "t2", "deploy"),  # same time: the first in the frame
        use("u6", "2026-10-10T00:00:00Z", "t2", "deploy"),
        use("u7", "2026-10-11T00:00:00Z", None),  # no token
        use("u8", None, "t9", "undated"),  # no time
    )
    rule = only("new_token_used")
    assert findings(df, rules=rule) == [
        (
            "u4",
            "new_token_used",
            "medium",
            "first use of API token deploy (t2, api_token) after the frame's first 7 days",
            1,
        ),
    ]
    # of rows at the same time, the first in the frame: reversed, that is u5
    assert [f[0] for f in findings(df.iloc[::-1], rules=rule)] == ["u5"]
    mine = RiskRule("all_firsts", "first {actor_token_name}", "low", first_token_use("0D"))
    assert findings(df, rules=[mine]) == [
        ("u1", "all_firsts", "low", "first terraform", 1),
        ("u2", "all_firsts", "low", "first early", 1),
        ("u4", "all_firsts", "low", "first deploy", 1),
    ]


def test_first_token_use_checks_its_warmup() -> None:
    with pytest.raises(InvalidParameterError, match=r"^warmup:"):
        first_token_use("-1D")
    with pytest.raises(InvalidParameterError, match=r"^result:"):
        action_on("delete", result="no")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match=r"^products:"):
        action_on("delete", products=(1,))  # type: ignore[arg-type]


# ------------------------------------------------------------------- user rules on v2


def test_user_rules_on_v2_frames() -> None:
    df = frame(
        setting("s1", "2026-10-01T01:00:00Z", "ipv6", "on", "off", "network"),
        v2rec(
            "w1",
            "2026-10-01T01:30:00Z",
            "delete",
            product="workers",
            rtype="script",
            res_id="my-worker",
        ),
        *dns_deletes(3, 1),
    )
    mine = RiskRule(
        "worker_deleted",
        "Worker {resource_label} deleted by {actor}",
        "low",
        action_on("delete", products="workers"),
    )
    ipv6 = SettingRule("ipv6_off", "IPv6 turned {new} (was {old})", "low", ("ipv6",), ("off", "on"))
    spree = BurstRule(
        "dns_spree",
        "{events} in {duration}",
        "medium",
        action_on("delete", resource_types="dns_record"),
        min_events=3,
        window="5min",
    )
    updates = RiskRule("updates", "update", "low", action_in("update"))
    assert findings(df, rules=[], extra_rules=[mine, ipv6, spree, updates]) == [
        ("s1", "ipv6_off", "low", "IPv6 turned off (was on)", 1),
        ("s1", "updates", "low", "update", 1),
        ("w1", "worker_deleted", "low", "Worker my-worker deleted by ana@example.com", 1),
        ("d0", "dns_spree", "medium", "3 in 2 min", 3),
    ]
    # extra_rules come after the v2 defaults; v1's rules run on v2 too (settings match)
    assert [f[1] for f in findings(df, extra_rules=[mine])] == ["worker_deleted"]
    assert findings(
        frame(setting("s", "2026-10-01T01:00:00Z", "waf", "on", "off")), rules=DEFAULT_RULES
    ) == [("s", "waf_off", "high", "WAF turned off", 1)]


def test_v2_rules_on_a_v1_frame_fail_clearly() -> None:
    v1 = records_to_frame([{"id": "a", "when": "2026-10-01T00:00:00Z", "action": {"type": "x"}}])
    with pytest.raises(InvalidParameterError, match=r"^rules: rule 'firewall_rule_deleted'"):
        risky_changes(v1, rules=DEFAULT_RULES_V2)


# ------------------------------------------------------------------- change_timeline on v2


def test_change_timeline_on_v2_rows() -> None:
    rec = {"id": "d1", "type": "A", "name": "www.example.com", "content": "192.0.2.1", "ttl": 1}
    df = frame(
        setting("s1", "2026-10-01T01:00:00Z", "ssl", "full", "flexible", "ssl"),
        v2rec("s2", "2026-10-01T02:00:00Z", res_id="security_level", request={"value": "low"}),
        v2rec(
            "d1",
            "2026-10-01T03:00:00Z",
            product="dns",
            rtype="dns_record",
            res_id="d1",
            request={"content": "192.0.2.2", "ttl": 300},
            response={
                "before": rec,
                "after": {**rec, "content": "192.0.2.2", "ttl": 300, "modified_on": "x"},
            },
        ),
        v2rec(
            "d2",
            "2026-10-01T04:00:00Z",
            "create",
            product="dns",
            rtype="dns_record",
            request={"type": "TXT", "name": "_acme", "content": "tok"},
        ),
        v2rec(
            "d3",
            "2026-10-01T05:00:00Z",
            "delete",
            product="dns",
            rtype="dns_record",
            res_id="d1",
            response={"before": rec},
        ),
        v2rec(
            "n1",
            "2026-10-01T06:00:00Z",
            "create",
            product="cache",
            rtype="zone",
            request={"purge_everything": True},
        ),
        v2rec("n2", "2026-10-01T07:00:00Z", "update", product="users", rtype="session"),
        v2rec(
            "l1",
            "2026-10-01T08:00:00Z",
            "update",
            product="lists",
            rtype="list",
            request=[{"ip": "192.0.2.9"}],
        ),
        v2rec(
            "p1",
            "2026-10-01T00:30:00Z",
            "update",
            product="workers",
            rtype="script",
            response={"name": "w", "etag": "e1"},
        ),
    )
    out = change_timeline(df)
    assert list(out.columns) == list(CHANGE_TIMELINE_COLUMNS)
    rows = list(
        zip(
            out["id"],
            out["setting"],
            out["key"],
            out["old_value"],
            out["new_value"],
            out["resource_name"],
            strict=True,
        )
    )
    na = pd.NA
    assert rows == [
        ("p1", na, "etag", na, "e1", "w"),
        ("p1", na, "name", na, "w", "w"),
        ("s1", "ssl", na, "full", "flexible", na),
        ("s2", "security_level", na, na, "low", na),
        ("d1", na, "content", "192.0.2.1", "192.0.2.2", "A www.example.com"),
        ("d1", na, "ttl", "1", "300", "A www.example.com"),
        ("d2", na, "content", na, "tok", "TXT _acme"),
        ("d2", na, "name", na, "_acme", "TXT _acme"),
        ("d2", na, "type", na, "TXT", "TXT _acme"),
        ("d3", na, "content", "192.0.2.1", na, "A www.example.com"),
        ("d3", na, "name", "www.example.com", na, "A www.example.com"),
        ("d3", na, "ttl", "1", na, "A www.example.com"),
        ("d3", na, "type", "A", na, "A www.example.com"),
        ("n1", na, "purge_everything", na, "true", na),
        ("l1", na, na, na, '[{"ip":"192.0.2.9"}]', na),
    ]
    assert out.loc[2, "actor"] == ANA and out.loc[2, "zone_name"] == "example.com"
    assert out.loc[2, "resource_type"] == "zone_setting" and out.loc[2, "resource_id"] == "ssl"
    assert out.loc[2, "action_type"] == "update"
    assert str(out["when"].dtype) == "datetime64[us, UTC]"
    assert all(out[c].dtype == pd.StringDtype("pyarrow") for c in list(out.columns)[1:])
    assert out.attrs["old_value"].startswith("Audit Logs v2 records no old value in general")
    # filters as on v1
    assert change_timeline(df, setting="SSL")["id"].tolist() == ["s1"]
    assert change_timeline(df, setting="ttl")["id"].tolist() == ["d1", "d3"]
    assert change_timeline(df, resource_type="DNS_RECORD", resource_id="d1")["id"].tolist() == [
        "d1",
        "d1",
        "d3",
        "d3",
        "d3",
        "d3",
    ]
    assert change_timeline(df, zone_name="nowhere.org").empty


# ------------------------------------------------------------------- the sandbox, both shapes


@pytest.fixture(scope="module")
def sandbox() -> tuple[pd.DataFrame, pd.DataFrame]:
    v1 = records_to_frame(generate_records(seed=0, anchor="2026-11-30"))
    v2 = records_to_frame(generate_v2_records(seed=0, anchor="2026-11-30"), schema=V2)
    return risky_changes(v1), risky_changes(v2)


def test_sandbox_v2_findings(sandbox: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, found = sandbox
    assert found.groupby("rule").size().to_dict() == {
        "always_use_https_off": 1,
        "api_key_created": 1,
        "api_key_rotated": 1,
        "api_key_viewed": 3,
        "dns_deletion_burst": 1,
        "failed_action": 38,
        "member_added": 2,
        "member_role_changed": 1,
        "min_tls_lowered": 3,
        "new_token_used": 7,
        "security_level_lowered": 11,
        "ssl_downgraded": 2,
        "token_created": 7,
        "token_rolled": 5,
        "two_factor_removed": 1,
        "waf_off": 2,
    }
    burst = found[found["rule"] == "dns_deletion_burst"].iloc[0]
    assert (burst["events"], burst["reason"]) == (9, "9 DNS records deleted within 2 min 20 s")
    assert burst["actor"] == "tom@example.org"
    firsts = found[found["rule"] == "new_token_used"]["reason"].str.extract(r"token (.+) \(")[0]
    assert sorted(firsts) == [
        "Wrangler",
        "Wrangler",
        "Wrangler",
        "Wrangler",
        "cert-manager",
        "dns-edit contractor",
        "waf-sync",
    ]


def test_sandbox_tells_one_story_in_both_shapes(
    sandbox: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    v1, v2 = sandbox
    renamed = v1.assign(
        id=v1["id"].str.replace("-", "", regex=False),
        rule=v1["rule"].replace({"failed_login": "failed_action"}),
    )
    shared = v2[v2["rule"] != "new_token_used"]
    cols = ["when", "actor", "rule", "severity", "events", "id"]
    pd.testing.assert_frame_equal(
        shared[cols].reset_index(drop=True), renamed[cols].reset_index(drop=True)
    )


def test_the_accessor_and_the_timeline_plot_take_v2_frames() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = records_to_frame(generate_v2_records(seed=0, anchor="2026-11-30"), schema=V2)
    pd.testing.assert_frame_equal(df.audit.risky_changes(), risky_changes(df))
    mine = df.audit.change_timeline(zone_name="example.com", setting="ssl")
    pd.testing.assert_frame_equal(mine, change_timeline(df, zone_name="example.com", setting="ssl"))
    assert len(mine) > 0
    ax = df.audit.plot_change_timeline(zone_name="example.com", setting="ssl")
    try:
        labels = [t.get_text() for t in ax.texts]
        assert len(labels) == len(mine)
        assert "full -> flexible" in labels
    finally:
        plt.close(ax.figure)
    v1_only = df.drop(columns=["resource_request"])
    with pytest.raises(InvalidParameterError, match="resource_request"):
        v1_only.audit.change_timeline()
