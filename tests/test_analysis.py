"""Analyses: exact results on small hand-built frames, empty frames, and a sandbox load."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest

import auditkit._accessor  # noqa: F401  (registers df.audit)
from auditkit import analysis
from auditkit.analysis import (
    DEFAULT_RULES,
    BurstRule,
    RiskRule,
    SettingRule,
    _activity,
    _changes,
    _columns,
    _newips,
    _rules,
    action_in,
    action_matches,
    activity_by_actor,
    activity_heatmap,
    activity_over_time,
    change_timeline,
    new_ips,
    risky_changes,
    rules_table,
)
from auditkit.errors import InvalidParameterError
from auditkit.frame import empty_frame, records_to_frame

STRING = pd.StringDtype("pyarrow")
UTC = "datetime64[us, UTC]"


def rec(
    id: str,
    when: str | None,
    action: str = "login",
    *,
    email: str | None = "ana@example.com",
    actor_id: str | None = "u-ana",
    ip: str | None = "192.0.2.1",
    actor_type: str = "user",
    result: bool | None = True,
    interface: str = "",
    rtype: str = "account",
    rid: str = "acc",
    zone: str | None = None,
    old: Any = "",
    new: Any = "",
    old_json: Any = None,
    new_json: Any = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One raw record in Cloudflare's wire format."""
    actor: dict[str, Any] = {"id": actor_id, "type": actor_type}
    if email is not None:
        actor["email"] = email
    if ip is not None:
        actor["ip"] = ip
    md = dict(metadata or {})
    if zone is not None:
        md["zone_name"] = zone
    r: dict[str, Any] = {
        "id": id,
        "when": when,
        "action": {"type": action, "result": result},
        "actor": actor,
        "interface": interface,
        "resource": {"id": rid, "type": rtype},
        "owner": {"id": "acc"},
        "oldValue": old,
        "newValue": new,
        "metadata": md,
    }
    if old_json is not None:
        r["oldValueJson"] = old_json
    if new_json is not None:
        r["newValueJson"] = new_json
    return r


def system(id: str, when: str, action: str = "tls_settings_deployed", **kw: Any) -> dict[str, Any]:
    return rec(id, when, action, email=None, actor_id="1", ip=None, actor_type="system", **kw)


def frame(*records: dict[str, Any]) -> pd.DataFrame:
    return records_to_frame(list(records))


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def assert_dtypes(df: pd.DataFrame, columns: dict[str, Any]) -> None:
    assert list(df.columns) == list(columns)
    for name, dtype in columns.items():
        assert str(df[name].dtype) == str(pd.Series([], dtype=dtype).dtype), name


def unchanged(df: pd.DataFrame) -> pd.DataFrame:
    """A deep copy to compare ``df`` with after an analysis ran."""
    return df.copy(deep=True)


# ------------------------------------------------------------------- activity_by_actor


@pytest.fixture()
def team() -> pd.DataFrame:
    return frame(
        rec("a1", "2026-10-01T09:00:00Z", "login", interface="UI"),
        rec("a2", "2026-10-01T09:05:00Z", "purge", ip="192.0.2.2", interface="API", zone="a.com"),
        rec("a3", "2026-10-02T10:00:00Z", "login", result=False, interface="UI"),
        system("s1", "2026-10-01T03:00:00.5Z", zone="a.com"),
        system("s2", "2026-10-03T03:00:00Z", zone="b.com"),
        rec("n1", "2026-10-02T12:00:00Z", "purge", email=None, actor_id="u9", zone="a.com"),
        rec("x1", "2026-10-04T12:00:00Z", "rec_add", email=None, actor_id=None, ip=None),
    )


def test_activity_by_actor_exact(team: pd.DataFrame) -> None:
    before = unchanged(team)
    out = activity_by_actor(team)
    pd.testing.assert_frame_equal(team, before)
    assert_dtypes(out, _activity.ACTIVITY_BY_ACTOR_COLUMNS)
    assert out["actor"].tolist() == ["ana@example.com", "system", "(unknown)", "u9"]
    assert out["actor_type"].tolist() == ["user", "system", "user", "user"]
    assert out["events"].tolist() == [3, 2, 1, 1]
    assert out["failures"].tolist() == [1, 0, 0, 0]
    assert out["first_seen"].tolist() == [
        ts("2026-10-01T09:00:00"),
        ts("2026-10-01T03:00:00.5"),
        ts("2026-10-04T12:00:00"),
        ts("2026-10-02T12:00:00"),
    ]
    assert out["last_seen"].tolist() == [
        ts("2026-10-02T10:00:00"),
        ts("2026-10-03T03:00:00"),
        ts("2026-10-04T12:00:00"),
        ts("2026-10-02T12:00:00"),
    ]
    assert out["distinct_ips"].tolist() == [2, 0, 0, 1]
    assert out["distinct_zones"].tolist() == [1, 2, 0, 1]
    assert out["top_action"].tolist() == ["login", "tls_settings_deployed", "rec_add", "purge"]
    assert out["interfaces"].tolist()[0] == "API, UI"
    assert out["interfaces"].isna().tolist() == [False, True, True, True]
    assert out.index.equals(pd.RangeIndex(4))


def test_activity_by_actor_top_action_tie_is_alphabetical() -> None:
    df = frame(rec("1", "2026-10-01T00:00:00Z", "purge"), rec("2", "2026-10-01T01:00:00Z", "login"))
    assert activity_by_actor(df)["top_action"].tolist() == ["login"]


def test_activity_by_actor_ignores_the_index_and_missing_when() -> None:
    df = frame(
        rec("1", "2026-10-01T00:00:00Z"), rec("2", None), rec("3", "2026-10-02T00:00:00Z")
    ).set_axis([5, 5, 7])
    out = activity_by_actor(df)
    assert out["events"].tolist() == [3]
    assert out["first_seen"].tolist() == [ts("2026-10-01")]
    assert out["last_seen"].tolist() == [ts("2026-10-02")]


def test_activity_by_actor_empty() -> None:
    out = activity_by_actor(empty_frame())
    assert len(out) == 0
    assert_dtypes(out, _activity.ACTIVITY_BY_ACTOR_COLUMNS)


def test_missing_columns_are_named() -> None:
    df = empty_frame().drop(columns=["actor_ip", "zone_name"])
    with pytest.raises(ValueError, match="'actor_ip', 'zone_name'"):
        activity_by_actor(df)
    with pytest.raises(ValueError, match=r"df\.audit\.activity_by_actor\(\).*'actor_ip'"):
        df.audit.activity_by_actor()
    with pytest.raises(InvalidParameterError, match="df: activity_by_actor needs a pandas"):
        activity_by_actor([])  # type: ignore[arg-type]


def _activity_by_actor_groupby(df: pd.DataFrame) -> pd.DataFrame:
    """The definition of ``activity_by_actor``, written plainly with pandas groupby.

    (The pandas implementation it had before it was vectorised for the panel.)
    """
    if df.empty:
        return _columns._empty(_activity.ACTIVITY_BY_ACTOR_COLUMNS)
    text = _columns._as_string
    work = pd.DataFrame(
        {
            "actor": analysis.actor_label(df).array,
            "when": _columns._when(df, None).array,
            "failed": df["action_result"].eq(False).fillna(False).to_numpy(dtype=bool),
            "ip": text(df["actor_ip"]).array,
            "zone": text(df["zone_name"]).array,
            "action": text(df["action_type"]).array,
            "actor_type": text(df["actor_type"]).array,
            "interface": text(df["interface"]).array,
        }
    )
    out = work.groupby("actor", sort=False).agg(
        events=("when", "size"),
        failures=("failed", "sum"),
        first_seen=("when", "min"),
        last_seen=("when", "max"),
        distinct_ips=("ip", "nunique"),
        distinct_zones=("zone", "nunique"),
    )

    def most_frequent(column: str) -> pd.Series:
        counts = work.dropna(subset=[column]).groupby(["actor", column]).size().rename("n")
        if counts.empty:
            return pd.Series(dtype=STRING)
        counts = counts.reset_index().sort_values(
            ["actor", "n", column], ascending=[True, False, True], kind="stable"
        )
        return counts.drop_duplicates("actor").set_index("actor")[column]

    out["actor_type"] = most_frequent("actor_type")
    out["top_action"] = most_frequent("action")
    used = work.dropna(subset=["interface"]).groupby("actor")["interface"]
    out["interfaces"] = used.agg(lambda s: ", ".join(sorted(set(s))))
    out = out.reset_index().sort_values(["events", "actor"], ascending=[False, True], kind="stable")
    return _columns._typed(out, _activity.ACTIVITY_BY_ACTOR_COLUMNS)


def _odd_variants(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``df`` with object columns, blank and non-text values, missing and text times."""
    odd = df.copy()
    for name in ("actor_email", "actor_id", "actor_ip", "zone_name", "action_type", "interface"):
        odd[name] = odd[name].astype(object)
    odd.loc[odd.index[::3], "actor_ip"] = ""
    odd.loc[odd.index[1::4], "zone_name"] = 5
    odd.loc[odd.index[::5], "actor_email"] = ""
    no_time = df.copy()
    no_time.loc[no_time.index[::2], "when"] = pd.NaT
    berlin = df.assign(when=df["when"].dt.tz_convert("Europe/Berlin"))
    return {
        "as loaded": df,
        "object columns": odd,
        "text when": df.assign(when=df["when"].astype(str)),
        "missing when": no_time,
        "Berlin when": berlin,
        "no interfaces": df.assign(interface=pd.Series(None, index=df.index, dtype=object)),
        "categories unused": df.assign(
            action_type=pd.Categorical(
                df["action_type"], categories=["zz", *sorted(set(df["action_type"].dropna()))]
            )
        ),
    }


def test_activity_by_actor_is_its_groupby_definition(team: pd.DataFrame) -> None:
    rng = np.random.default_rng(7)
    for label, df in _odd_variants(team).items():
        for keep in (1.0, 0.6, 0.3, 0.0):
            part = df[rng.random(len(df)) < keep] if keep < 1 else df
            pd.testing.assert_frame_equal(
                activity_by_actor(part), _activity_by_actor_groupby(part), obj=f"{label} {keep}"
            )


def test_activity_by_actor_is_its_groupby_definition_on_the_sandbox(sb: Any) -> None:
    import auditkit

    df = auditkit.load_audit_logs(base_url=sb.base_url, token=sb.token, cache=False)
    rng = np.random.default_rng(11)
    for label, variant in _odd_variants(df).items():
        for keep in (1.0, 0.5, 0.01):
            part = variant[rng.random(len(variant)) < keep] if keep < 1 else variant
            pd.testing.assert_frame_equal(
                activity_by_actor(part), _activity_by_actor_groupby(part), obj=f"{label} {keep}"
            )


def test_actor_label_is_the_actor_column_everywhere(team: pd.DataFrame) -> None:
    label = analysis.actor_label(team)
    assert label.name == "actor" and label.dtype == STRING and label.index.equals(team.index)
    assert label.notna().all()
    assert set(label) == set(activity_by_actor(team)["actor"])
    assert label.tolist().count(_columns.UNKNOWN_ACTOR) == 1
    expected = team["actor_email"].astype("string").fillna(team["actor_id"].astype("string"))
    expected = expected.fillna("(unknown)")
    # system actors (actor_type "system", id "1") read "system", not their id
    assert label.tolist() == expected.replace("1", "system").tolist()
    over_time = activity_over_time(team, freq="D", by="actor")
    assert set(over_time.columns) == set(label)
    assert set(new_ips(team, "0D")["actor"]) <= set(label)
    with pytest.raises(ValueError, match=r"actor_label needs the column.*'actor_email'"):
        analysis.actor_label(team.drop(columns="actor_email"))


def test_text_labels() -> None:
    s = pd.Series(["UI", None, "API", ""], dtype=STRING, name="interface")
    out = analysis.text_labels(s)
    assert out.tolist() == ["UI", "(none)", "API", ""]
    assert out.name == "interface" and out.dtype == STRING
    cat = analysis.text_labels(pd.Series(pd.Categorical(["a", None])))
    assert cat.tolist() == ["a", _columns.MISSING_LABEL]


# ------------------------------------------------------------------- change_timeline


def test_change_timeline_plain_setting_json_and_metadata_values() -> None:
    df = frame(
        rec("login", "2026-10-01T08:00:00Z", "login"),
        rec(
            "dns",
            "2026-10-01T10:00:00Z",
            "rec_set",
            rtype="DNS_record",
            rid="r1",
            zone="a.com",
            old_json={
                "id": "r1",
                "name": "www.a.com",
                "type": "A",
                "content": "192.0.2.1",
                "ttl": 1,
                "proxied": True,
                "modified_on": "2026-01-01",
            },
            new_json={
                "id": "r1",
                "name": "www.a.com",
                "type": "A",
                "content": "192.0.2.2",
                "ttl": 300,
                "proxied": True,
                "modified_on": "2026-10-01",
            },
        ),
        rec(
            "sec",
            "2026-10-01T09:00:00Z",
            "change_setting",
            rtype="zone",
            rid="z1",
            zone="a.com",
            old="null",
            new="low",
            metadata={"name": "security_level", "type": "security"},
        ),
        rec(
            "v6",
            "2026-10-01T09:30:00Z",
            "change_setting",
            rtype="zone",
            rid="z1",
            zone="a.com",
            metadata={"name": "IPv6", "type": "network", "value": True},
        ),
        rec(
            "tok",
            "2026-10-01T11:00:00Z",
            "token_revoke",
            metadata={
                "old_token_status": "active",
                "new_token_status": "deleted",
                "token_name": "t",
            },
        ),
    )
    before = unchanged(df)
    out = change_timeline(df)
    pd.testing.assert_frame_equal(df, before)
    assert_dtypes(out, _changes.CHANGE_TIMELINE_COLUMNS)
    got = out[["id", "setting", "key", "old_value", "new_value"]].astype(object)
    got = got.where(got.notna(), None).values.tolist()
    assert got == [
        ["sec", "security_level", None, None, "low"],
        ["v6", "IPv6", None, None, "true"],
        ["dns", None, "content", "192.0.2.1", "192.0.2.2"],
        ["dns", None, "ttl", "1", "300"],
        ["tok", None, "token_status", "active", "deleted"],
    ]
    assert out["when"].is_monotonic_increasing
    assert out["resource_name"].tolist()[2:4] == ["A www.a.com", "A www.a.com"]
    assert out["actor"].unique().tolist() == ["ana@example.com"]
    assert out["action_type"].tolist() == [
        "change_setting",
        "change_setting",
        "rec_set",
        "rec_set",
        "token_revoke",
    ]
    assert out["resource_type"].tolist()[:3] == ["zone", "zone", "DNS_record"]
    assert out["zone_name"].tolist()[:4] == ["a.com"] * 4


def test_change_timeline_added_records_nested_keys_and_json_text() -> None:
    df = frame(
        rec(
            "add",
            "2026-10-01T10:00:00Z",
            "rec_add",
            rtype="DNS_record",
            new_json={
                "id": "r9",
                "zone_id": "z",
                "name": "_sip.a.com",
                "type": "SRV",
                "data": {"port": 5060, "weight": 1},
                "proxied": False,
                "comment": "",
            },
        ),
        rec(
            "txt",
            "2026-10-01T11:00:00Z",
            "change_setting",
            old={"css": "on", "js": "off"},
            new={"css": "off", "js": "off"},
            metadata={"name": "minify"},
        ),
        rec(
            "noise",
            "2026-10-01T12:00:00Z",
            "rec_set",
            old_json={"id": "r9", "modified_on": "1"},
            new_json={"id": "r9", "modified_on": "2"},
        ),
        rec("same", "2026-10-01T13:00:00Z", "rec_set", old_json={"a": 1}, new_json={"a": 1}),
    )
    out = change_timeline(df)
    got = out[["id", "setting", "key", "old_value", "new_value"]].astype(object)
    got = got.where(got.notna(), None).values.tolist()
    assert got == [
        ["add", None, "data.port", None, "5060"],
        ["add", None, "data.weight", None, "1"],
        ["add", None, "name", None, "_sip.a.com"],
        ["add", None, "proxied", None, "false"],
        ["add", None, "type", None, "SRV"],
        ["txt", "minify", "css", "on", "off"],
        ["noise", None, "modified_on", "1", "2"],
    ]


def test_change_timeline_time_order_and_filters() -> None:
    df = frame(
        rec("late", "2026-10-03T00:00:00Z", "change_setting", rtype="zone", rid="z2",
            zone="b.com", old="off", new="flexible", metadata={"name": "ssl"}),
        rec("nat", None, "change_setting", rtype="zone", rid="z1", zone="a.com",
            old="on", new="off", metadata={"name": "waf"}),
        rec("early", "2026-10-01T00:00:00Z", "change_setting", rtype="zone", rid="z1",
            zone="a.com", old="high", new="low", metadata={"name": "security_level"}),
        system("tls", "2026-10-02T00:00:00Z", rtype="zone", rid="z1", zone="a.com",
               new_json={"min_tls_version": "TLSv1.2", "ciphers": ""}),
        rec("dns", "2026-10-02T06:00:00Z", "rec_del", rtype="DNS_record", rid="r1", zone="a.com",
            old_json={"name": "www.a.com", "type": "A", "content": "192.0.2.1"}),
    )  # fmt: skip
    assert change_timeline(df)["id"].tolist() == [
        "early", "tls", "dns", "dns", "dns", "late", "nat",
    ]  # fmt: skip
    assert change_timeline(df, zone_name="A.COM")["id"].unique().tolist() == [
        "early", "tls", "dns", "nat",
    ]  # fmt: skip
    assert change_timeline(df, resource_id="z2")["id"].tolist() == ["late"]
    assert change_timeline(df, resource_id=["z2", "r1"])["id"].unique().tolist() == ["dns", "late"]
    assert change_timeline(df, resource_type="dns_record")["key"].tolist() == [
        "content", "name", "type",
    ]  # fmt: skip
    tls = change_timeline(df, setting="MIN_TLS_VERSION")
    assert tls[["id", "key", "new_value"]].values.tolist() == [
        ["tls", "min_tls_version", "TLSv1.2"]
    ]
    assert change_timeline(df, setting=["ssl", "waf"])["id"].tolist() == ["late", "nat"]
    assert len(change_timeline(df, setting="nothing")) == 0
    assert_dtypes(change_timeline(df, setting="nothing"), _changes.CHANGE_TIMELINE_COLUMNS)


def test_change_timeline_empty_and_no_changes() -> None:
    for df in (empty_frame(), frame(rec("1", "2026-10-01T00:00:00Z", "login"))):
        out = change_timeline(df)
        assert len(out) == 0
        assert_dtypes(out, _changes.CHANGE_TIMELINE_COLUMNS)


# ------------------------------------------------------------------- activity_over_time


def test_activity_over_time_daily_with_gaps() -> None:
    df = frame(
        rec("1", "2026-10-01T09:00:00Z"),
        rec("2", "2026-10-01T23:59:59Z"),
        rec("3", "2026-10-04T00:00:00Z"),
        system("4", "2026-10-02T03:00:00Z"),
        rec("5", None),
    )
    before = unchanged(df)
    out = activity_over_time(df, freq="D")
    pd.testing.assert_frame_equal(df, before)
    assert list(out.columns) == ["ana@example.com", "system"]
    assert out.columns.name == "actor"
    assert out.index.name == "period"
    assert str(out.index.dtype) == UTC
    assert out.index.tolist() == [ts(f"2026-10-0{d}") for d in (1, 2, 3, 4)]
    assert out.to_numpy().tolist() == [[2, 0], [0, 1], [0, 0], [1, 0]]
    assert set(out.dtypes) == {np.dtype("int64")}


def test_activity_over_time_by_any_column_none_and_tz() -> None:
    df = frame(
        rec("1", "2026-10-01T22:30:00Z", interface="UI"),
        rec("2", "2026-10-01T23:30:00Z", interface="API"),
        rec("3", "2026-10-02T01:00:00Z"),
    )
    by_iface = activity_over_time(df, freq="D", by="interface")
    assert list(by_iface.columns) == ["(none)", "API", "UI"]
    assert by_iface.to_numpy().tolist() == [[0, 1, 1], [1, 0, 0]]
    total = activity_over_time(df, freq="h", by=None)
    assert list(total.columns) == ["events"]
    assert total["events"].tolist() == [1, 1, 0, 1]
    berlin = activity_over_time(df, freq="D", by=None, tz="Europe/Berlin")
    assert berlin["events"].tolist() == [3]
    assert str(berlin.index.tz) == "Europe/Berlin"
    weekly = activity_over_time(df, freq="W", by=None)
    assert weekly["events"].tolist() == [3]
    df = frame(
        rec("1", "2026-10-01T00:00:00Z", result=True),
        rec("2", "2026-10-01T00:00:00Z", result=False),
        rec("3", "2026-10-01T00:00:00Z", result=None),
    )
    by_result = activity_over_time(df, by="action_result")
    assert list(by_result.columns) == ["(none)", "false", "true"]
    assert by_result.to_numpy().tolist() == [[1, 1, 1]]
    with pytest.raises(ValueError, match="cannot group by 'nope'"):
        activity_over_time(df, by="nope")
    with pytest.raises(ValueError, match="JSON"):
        activity_over_time(df, by="metadata")


def test_activity_over_time_empty() -> None:
    out = activity_over_time(empty_frame())
    assert out.shape == (0, 0)
    assert str(out.index.dtype) == UTC
    assert list(activity_over_time(empty_frame(), by=None).columns) == ["events"]
    only_nat = activity_over_time(frame(rec("1", None)))
    assert out.shape == only_nat.shape


# ------------------------------------------------------------------- activity_heatmap


def test_activity_heatmap_exact() -> None:
    df = frame(
        rec("1", "2026-10-03T23:30:00Z"),  # Saturday 23h
        rec("2", "2026-10-03T23:59:00Z"),  # Saturday 23h
        system("3", "2026-10-05T00:10:00Z"),  # Monday 0h
        rec("4", None),
    )
    before = unchanged(df)
    hm = activity_heatmap(df)
    pd.testing.assert_frame_equal(df, before)
    assert hm.shape == (7, 24)
    assert hm.index.tolist() == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert hm.columns.tolist() == list(range(24))
    assert (hm.index.name, hm.columns.name) == ("weekday", "hour")
    assert hm.loc["Sat", 23] == 2
    assert hm.loc["Mon", 0] == 1
    assert int(hm.to_numpy().sum()) == 3
    ny = activity_heatmap(df, tz="America/New_York")  # UTC-4 in October
    assert (ny.loc["Sat", 19], ny.loc["Sun", 20]) == (2, 1)
    by = activity_heatmap(df, by="actor")
    assert by.shape == (14, 24)
    assert by.index.names == ["actor", "weekday"]
    assert by.loc[("ana@example.com", "Sat"), 23] == 2
    assert by.loc[("system", "Mon"), 0] == 1
    assert by.index.get_level_values(0).unique().tolist() == ["ana@example.com", "system"]


def test_activity_heatmap_empty() -> None:
    hm = activity_heatmap(empty_frame())
    assert hm.shape == (7, 24)
    assert int(hm.to_numpy().sum()) == 0
    assert activity_heatmap(empty_frame(), by="actor").shape == (0, 24)


# ------------------------------------------------------------------- new_ips


def test_new_ips_after_warmup() -> None:
    df = frame(
        rec("w1", "2026-10-01T00:00:00Z", ip="192.0.2.1"),
        rec("w2", "2026-10-03T00:00:00Z", ip="192.0.2.2"),
        rec("b1", "2026-10-02T00:00:00Z", email="bob@example.com", ip="198.51.100.1"),
        system("sys", "2026-10-10T00:00:00Z"),
        rec("k1", "2026-10-09T00:00:00Z", ip="192.0.2.2"),  # known
        rec("n1", "2026-10-10T00:00:00Z", ip="203.0.113.7"),  # new
        rec("n2", "2026-10-11T00:00:00Z", ip="203.0.113.7"),  # now known
        rec("c1", "2026-10-12T00:00:00Z", email="cat@example.com", ip="192.0.2.1"),  # new actor
        rec("n3", "2026-10-13T00:00:00Z", ip="192.0.2.9"),
    )
    before = unchanged(df)
    out = new_ips(df)
    pd.testing.assert_frame_equal(df, before)
    assert_dtypes(out, _newips.NEW_IPS_COLUMNS)
    got = out[["id", "actor", "actor_ip", "previous_ip", "known_ips"]].astype(object)
    assert got.where(got.notna(), None).values.tolist() == [
        ["n1", "ana@example.com", "203.0.113.7", "192.0.2.2", 2],
        ["c1", "cat@example.com", "192.0.2.1", None, 0],
        ["n3", "ana@example.com", "192.0.2.9", "203.0.113.7", 3],
    ]
    assert out["when"].tolist()[0] == ts("2026-10-10")
    # no learning window: every first use counts; a long one: nothing
    assert new_ips(df, warmup="0D")["id"].tolist() == ["w1", "b1", "w2", "n1", "c1", "n3"]
    assert len(new_ips(df, warmup=pd.Timedelta(days=30))) == 0
    with pytest.raises(ValueError, match="negative"):
        new_ips(df, warmup="-1D")


def test_new_ips_empty() -> None:
    for df in (empty_frame(), frame(system("s", "2026-10-01T00:00:00Z"))):
        out = new_ips(df)
        assert len(out) == 0
        assert_dtypes(out, _newips.NEW_IPS_COLUMNS)


# ------------------------------------------------------------------- risky_changes


def setting(id: str, when: str, name: str, old: Any = "", new: Any = "", **kw: Any) -> dict:
    md = {"name": name, **kw.pop("metadata", {})}
    return rec(id, when, "change_setting", rtype="zone", rid=kw.pop("rid", "z1"),
               zone=kw.pop("zone", "a.com"), old=old, new=new, metadata=md, **kw)  # fmt: skip


def findings(df: pd.DataFrame, **kw: Any) -> list[tuple[str, str, str]]:
    out = risky_changes(df, **kw)
    return list(zip(out["id"], out["rule"], out["reason"], strict=True))


def test_risky_setting_downgrades() -> None:
    df = frame(
        setting("s1", "2026-10-01T00:00:00Z", "security_level", "high", "low"),
        setting("s2", "2026-10-01T01:00:00Z", "security_level", "low", "under_attack"),
        setting("s3", "2026-10-01T02:00:00Z", "security_level", metadata={"value": "medium"}),
        setting("s4", "2026-10-01T03:00:00Z", "ssl", "full_strict", "full"),
        setting("s5", "2026-10-01T04:00:00Z", "ssl", "flexible", "Full (strict)"),
        setting("s6", "2026-10-01T05:00:00Z", "min_tls_version", "1.2", "TLSv1.0"),
        setting("s7", "2026-10-01T06:00:00Z", "always_use_https", metadata={"value": True}),
        setting("s8", "2026-10-01T07:00:00Z", "always_use_https", metadata={"value": False}),
        setting("s9", "2026-10-01T08:00:00Z", "waf", "on", "off", zone="b.com", rid="z2"),
        setting("s10", "2026-10-01T09:00:00Z", "waf", "off", "on"),
        setting("s11", "2026-10-01T10:00:00Z", "security_level", "weird", "low"),
        setting("s12", "2026-10-01T11:00:00Z", "ipv6", "on", "off"),
    )
    before = unchanged(df)
    out = risky_changes(df)
    pd.testing.assert_frame_equal(df, before)
    assert_dtypes(out, _rules.RISKY_CHANGES_COLUMNS)
    assert list(zip(out["id"], out["rule"], out["reason"], strict=True)) == [
        ("s1", "security_level_lowered", "security level lowered from high to low"),
        ("s3", "security_level_lowered", "security level lowered from under_attack to medium"),
        ("s4", "ssl_downgraded", "SSL mode downgraded from full_strict to full"),
        ("s6", "min_tls_lowered", "minimum TLS version lowered from 1.2 to TLSv1.0"),
        ("s8", "always_use_https_off", "Always Use HTTPS turned off"),
        ("s9", "waf_off", "WAF turned off"),
    ]
    assert out["severity"].tolist() == ["high", "high", "high", "medium", "medium", "high"]
    assert out["zone_name"].tolist() == ["a.com"] * 5 + ["b.com"]
    assert out["resource"].tolist()[0] == "zone z1"
    assert out["actor"].tolist()[0] == "ana@example.com"
    assert out["events"].tolist() == [1] * 6


def test_risky_tls_downgrade_from_json_deployments() -> None:
    df = frame(
        system("t1", "2026-10-01T00:00:00Z", rtype="zone", rid="z1", zone="a.com",
               new_json={"min_tls_version": "TLSv1.2", "tls_13": "on"}),
        system("t2", "2026-10-02T00:00:00Z", rtype="zone", rid="z1", zone="a.com",
               new_json={"min_tls_version": "TLSv1.0", "tls_13": "on"}),
        system("t3", "2026-10-03T00:00:00Z", rtype="zone", rid="z2", zone="b.com",
               old_json={"min_tls_version": "1.3"}, new_json={"min_tls_version": "1.1"}),
    )  # fmt: skip
    assert findings(df) == [
        ("t2", "min_tls_lowered", "minimum TLS version lowered from TLSv1.2 to TLSv1.0"),
        ("t3", "min_tls_lowered", "minimum TLS version lowered from 1.3 to 1.1"),
    ]
    assert risky_changes(df)["actor"].tolist() == ["system", "system"]


def test_risky_account_events() -> None:
    df = frame(
        rec("k1", "2026-10-01T00:00:00Z", "API_key_view"),
        rec("k2", "2026-10-01T00:01:00Z", "rotate_API_key"),
        rec("k3", "2026-10-01T00:01:00Z", "api_key_created", rtype="api_key", rid="kd"),
        rec("t1", "2026-10-01T01:00:00Z", "token_create", metadata={"token_name": "ci"}),
        rec("t2", "2026-10-01T02:00:00Z", "token_roll"),
        rec("t3", "2026-10-01T02:30:00Z", "token_revoke"),
        rec("m1", "2026-10-01T03:00:00Z", "member_add"),
        rec("m2", "2026-10-01T03:01:00Z", "invite_member"),
        rec("m3", "2026-10-01T03:02:00Z", "member_role_change"),
        rec("m4", "2026-10-01T03:03:00Z", "member_remove"),
        rec("f1", "2026-10-01T04:00:00Z", "2fa_enforcement_disable"),
        rec("f2", "2026-10-01T04:01:00Z", "two_factor_disable"),
        rec("f3", "2026-10-01T04:02:00Z", "2fa_enforcement_enable"),
        rec("l1", "2026-10-01T05:00:00Z", "login", result=False, ip="203.0.113.9"),
        rec("l2", "2026-10-01T05:01:00Z", "login", result=True),
        rec("l3", "2026-10-01T05:02:00Z", "login", result=None),
    )
    assert findings(df) == [
        ("k1", "api_key_viewed", "Global API key viewed"),
        ("k2", "api_key_rotated", "API key rotated"),
        ("k3", "api_key_created", "API key created"),
        ("t1", "token_created", "API token created: ci"),
        ("t2", "token_rolled", "API token rolled: unknown"),
        ("m1", "member_added", "member added or invited"),
        ("m2", "member_added", "member added or invited"),
        ("m3", "member_role_changed", "member roles changed"),
        ("f1", "two_factor_removed", "two-factor enforcement removed"),
        ("f2", "two_factor_removed", "two-factor enforcement removed"),
        ("l1", "failed_login", "failed login from 203.0.113.9"),
    ]
    assert risky_changes(df)["resource"].tolist()[2] == "api_key kd"


def deletions(
    actor: str, start: str, n: int, step: str, zone: str = "a.com", prefix: str = ""
) -> list[dict]:
    t0 = pd.Timestamp(start)
    return [
        rec(f"{prefix or actor}{i}", (t0 + i * pd.Timedelta(step)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "rec_del", email=f"{actor}@example.com", rtype="DNS_record", rid=f"{actor}r{i}",
            zone=zone)
        for i in range(n)
    ]  # fmt: skip


def test_risky_dns_deletion_bursts() -> None:
    df = frame(
        *deletions("ana", "2026-10-01T10:00:00", 6, "1min"),  # one burst of 6
        *deletions("ana", "2026-10-01T12:00:00", 4, "1min", prefix="late"),  # too few
        *deletions("bob", "2026-10-01T10:00:30", 3, "1min"),  # too few, interleaved with ana
        *deletions("cat", "2026-10-01T10:00:00", 12, "2min", zone="b.com"),  # a long spree
        *deletions("dan", "2026-10-01T10:00:00", 5, "3min"),  # 12 min: never 5 within 10
        *deletions("eve", "2026-10-01T10:00:00", 3, "1min"),  # two bursts 1 h apart ...
        *deletions("eve", "2026-10-01T11:00:00", 3, "1min", zone="c.com", prefix="eve-b"),
    )
    before = unchanged(df)
    out = risky_changes(df)
    pd.testing.assert_frame_equal(df, before)
    assert out[["id", "rule", "events", "zone_name", "reason"]].values.tolist() == [
        ["ana0", "dns_deletion_burst", 6, "a.com", "6 DNS records deleted within 5 min"],
        ["cat0", "dns_deletion_burst", 12, "b.com", "12 DNS records deleted within 22 min"],
    ]
    assert out["severity"].tolist() == ["high", "high"]
    assert out["when"].tolist() == [ts("2026-10-01T10:00:00")] * 2
    custom = BurstRule("few", "{events} by {actor} in {duration} ({zones})", "low",
                       action_in("rec_del"), min_events=3, window="150s")  # fmt: skip
    assert findings(df, rules=[custom]) == [
        ("ana0", "few", "6 by ana@example.com in 5 min (a.com)"),
        ("eve0", "few", "3 by eve@example.com in 2 min (a.com)"),
        ("bob0", "few", "3 by bob@example.com in 2 min (a.com)"),
        ("eve-b0", "few", "3 by eve@example.com in 2 min (c.com)"),
        ("late0", "few", "4 by ana@example.com in 3 min (a.com)"),
    ]
    spree = BurstRule("all", "{events}: {zones}", "low", action_in("rec_del"), 20, "1D")
    assert findings(df, rules=[spree]) == []
    spree = BurstRule("all", "{events}: {zones}", "low", action_in("rec_del"), 12, "1D")
    got = risky_changes(df, rules=[spree])
    assert got[["id", "reason"]].values.tolist() == [["cat0", "12: b.com"]]
    eve = BurstRule("eve", "{events}: {zones}", "low", action_in("rec_del"), 6, "2h")
    got = risky_changes(df[df["actor_email"] == "eve@example.com"], rules=[eve])
    assert got[["id", "zone_name", "reason"]].astype(object).values.tolist() == [
        ["eve0", pd.NA, "6: a.com, c.com"]
    ]


def test_risky_custom_rules_order_and_empty() -> None:
    df = frame(
        rec("p1", "2026-10-01T00:00:00Z", "purge", zone="a.com"),
        rec("l1", "2026-10-01T00:00:00Z", "login", result=False),
        rec("t1", "2026-10-01T00:00:00Z", "token_create", metadata={"token_name": "x"}),
    )
    mine = RiskRule("purged", "cache purged on {zone_name} by {actor}", "high", action_in("purge"))
    out = risky_changes(df, extra_rules=[mine])
    # same time: high before medium before low
    assert out["rule"].tolist() == ["purged", "token_created", "failed_login"]
    assert out["reason"].tolist()[0] == "cache purged on a.com by ana@example.com"
    assert findings(df, rules=[mine]) == [
        ("p1", "purged", "cache purged on a.com by ana@example.com")
    ]
    lam = RiskRule("lambda", "x", "low", lambda f: f["actor"].eq("ana@example.com"))
    assert len(risky_changes(df, rules=[lam])) == 3
    regex = RiskRule("re", "x", "low", action_matches(r"^tok"))
    assert findings(df, rules=[regex]) == [("t1", "re", "x")]
    assert len(risky_changes(df, rules=[])) == 0
    bad = RiskRule("bad", "x", "low", lambda f: [True])
    with pytest.raises(ValueError, match="'bad'"):
        risky_changes(df, rules=[bad])
    empty = risky_changes(empty_frame())
    assert len(empty) == 0
    assert_dtypes(empty, _rules.RISKY_CHANGES_COLUMNS)
    assert len(risky_changes(frame(rec("ok", "2026-10-01T00:00:00Z", "purge")))) == 0


def test_default_rules_table() -> None:
    names = [r.name for r in DEFAULT_RULES]
    assert names == [
        "security_level_lowered",
        "ssl_downgraded",
        "min_tls_lowered",
        "always_use_https_off",
        "waf_off",
        "api_key_viewed",
        "api_key_rotated",
        "api_key_created",
        "token_created",
        "token_rolled",
        "member_added",
        "member_role_changed",
        "two_factor_removed",
        "dns_deletion_burst",
        "failed_login",
    ]
    table = rules_table()
    assert table["name"].tolist() == names
    assert set(table["kind"]) == {"setting", "event", "burst"}
    assert set(table["severity"]) == {"high", "medium", "low"}
    assert isinstance(DEFAULT_RULES[0], SettingRule)
    assert DEFAULT_RULES[0].rank("HIGH") == 3


# ------------------------------------------------------------------- accessor


def test_accessor_delegates(team: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(team.audit.activity_by_actor(), activity_by_actor(team))
    pd.testing.assert_frame_equal(
        team.audit.activity_over_time(freq="h", by="interface"),
        activity_over_time(team, freq="h", by="interface"),
    )
    pd.testing.assert_frame_equal(team.audit.activity_heatmap(), activity_heatmap(team))
    pd.testing.assert_frame_equal(team.audit.new_ips("0D"), new_ips(team, "0D"))
    pd.testing.assert_frame_equal(team.audit.change_timeline(), change_timeline(team))
    pd.testing.assert_frame_equal(team.audit.risky_changes(), risky_changes(team))
    with pytest.raises(ValueError, match="'metadata'"):
        team.drop(columns="metadata").audit.risky_changes()
    with pytest.raises(ValueError, match="'actor_email'"):
        team[["when"]].audit.activity_over_time()
    assert team[["when"]].audit.activity_over_time(by=None)["events"].sum() == 7


def test_accessor_panel(monkeypatch: pytest.MonkeyPatch, team: pd.DataFrame) -> None:
    class FakePanel:
        def __init__(self, df: pd.DataFrame, **kwargs: Any) -> None:
            self.df, self.kwargs = df, kwargs

    fake = type(sys)("auditkit.panel")
    fake.FilterPanel = FakePanel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "auditkit.panel", fake)
    panel = team.audit.panel(height=3)
    assert panel.df is team and panel.kwargs == {"height": 3}


def test_import_stays_light() -> None:
    import subprocess

    code = (
        "import sys, auditkit._accessor, auditkit.analysis, auditkit.plotting;"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------- real records


def test_real_records(real_records: list[dict[str, Any]]) -> None:
    df = records_to_frame(real_records)
    summary = activity_by_actor(df)
    assert summary[["actor", "events"]].values.tolist() == [["user@example.com", 12], ["system", 1]]
    rules = risky_changes(df)["rule"].tolist()
    assert rules == ["token_rolled", "api_key_rotated", "api_key_created", "token_created"]
    tl = change_timeline(df, setting="min_tls_version")
    assert tl[["actor", "new_value"]].values.tolist() == [["system", "TLSv1.0"]]
    v6 = change_timeline(df, setting="ipv6")
    assert v6[["old_value", "new_value"]].astype(object).values.tolist() == [[pd.NA, "true"]]


# ------------------------------------------------------------------- sandbox load


def test_analyses_on_a_sandbox_load(sb: Any) -> None:
    df = records_to_frame(sb.records)
    n = len(df)
    summary = activity_by_actor(df)
    assert summary["events"].sum() == n
    assert {"system", "tom@example.org"} <= set(summary["actor"])
    assert summary.set_index("actor").loc["system", "distinct_ips"] == 0
    assert activity_over_time(df, freq="W").to_numpy().sum() == df["when"].notna().sum()
    assert activity_heatmap(df).to_numpy().sum() == df["when"].notna().sum()

    risky = risky_changes(df)
    tom = risky[risky["actor"] == "tom@example.org"]
    rules = set(tom["rule"])
    assert {
        "two_factor_removed",
        "security_level_lowered",
        "ssl_downgraded",
        "min_tls_lowered",
        "always_use_https_off",
        "waf_off",
        "token_created",
        "dns_deletion_burst",
    } <= rules
    burst = tom[tom["rule"] == "dns_deletion_burst"]
    assert burst["events"].tolist() == [9]
    assert burst["zone_name"].tolist() == ["example.com"]
    brute = risky[(risky["rule"] == "failed_login") & risky["reason"].str.contains("203.0.113.199")]
    assert len(brute) == 8
    assert set(brute["actor"]) == {"michelle@example.com"}

    fresh = new_ips(df)
    assert ("tom@example.org", "203.0.113.66") in set(
        zip(fresh["actor"], fresh["actor_ip"], strict=True)
    )
    changes = change_timeline(df, zone_name="example.com", setting="security_level")
    assert ("high", "low") in set(zip(changes["old_value"], changes["new_value"], strict=True))
