"""Analyses, plots and the panel on a v2 frame: ``interface`` read from ``actor_context``.

A small hand-built v2 frame and the sandbox's v2 records (seed 0, a fixed anchor),
with exact values; and v1 frames unchanged (``interface`` wins when both are there).
"""

from __future__ import annotations

from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

import auditkit  # noqa: F401  (registers df.audit)
from auditkit.analysis import activity_by_actor
from auditkit.analysis._columns import COLUMN_ALIASES, REQUIRED_COLUMNS, column_for
from auditkit.errors import InvalidParameterError
from auditkit.frame import V2, records_to_frame
from auditkit.panel import FilterPanel
from auditkit.plotting import plot_actor_summary
from auditkit.sandbox import generate_v2_records

matplotlib.use("Agg")

ANA, BOB = "ana@example.com", "bob@example.org"
UTC = pd.DatetimeTZDtype(unit="us", tz="UTC")
STRING = pd.StringDtype("pyarrow")


def _v2(
    rid: str,
    time: str,
    action: str,
    result: str,
    actor: dict[str, Any],
    zone: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": rid,
        "action": {"time": time, "type": action, "result": result},
        "actor": actor,
        "account": {"id": "acc1", "name": "Example Corp"},
        **extra,
    }
    if zone is not None:
        rec["zone"] = {"name": zone}
    return rec


#: Six v2 entries: two users over three contexts, a system actor with none.
RECORDS = [
    _v2(
        "r1",
        "2026-10-01T09:00:00Z",
        "create",
        "success",
        {"email": ANA, "id": "u1", "type": "user", "context": "dash", "ip_address": "192.0.2.1"},
        "example.com",
        resource={
            "type": "dns_record",
            "id": "d1",
            "product": "dns",
            "request": {"name": "www.example.com", "content": "origin.example.net"},
        },
        raw={"method": "POST", "uri": "/zones/z1/dns_records", "status_code": 200},
    ),
    _v2(
        "r2",
        "2026-10-01T10:00:00Z",
        "update",
        "failure",
        {
            "email": ANA,
            "id": "u1",
            "type": "user",
            "context": "api_token",
            "ip_address": "192.0.2.2",
            "token_name": "terraform-ci",
        },
        "example.com",
        resource={"type": "zone_setting", "id": "ssl", "product": "zones"},
        raw={"method": "PATCH", "uri": "/zones/z1/settings/ssl", "status_code": 403},
    ),
    _v2(
        "r3",
        "2026-10-02T08:00:00Z",
        "create",
        "success",
        {
            "email": BOB,
            "id": "u2",
            "type": "user",
            "context": "api_token",
            "ip_address": "198.51.100.7",
            "token_name": "waf-sync",
        },
        "other.org",
        resource={
            "type": "waf_rule",
            "id": "w1",
            "product": "waf",
            "response": {"after": {"description": "block-bad-bots"}},
        },
    ),
    _v2(
        "r4",
        "2026-10-02T09:30:00Z",
        "update",
        "success",
        {"id": "1", "type": "system"},
        "example.com",
        resource={"type": "certificate", "id": "c1", "product": "ssl"},
    ),
    _v2(
        "r5",
        "2026-10-03T12:00:00Z",
        "view",
        "success",
        {"email": ANA, "id": "u1", "type": "user", "context": "dash", "ip_address": "192.0.2.1"},
    ),
    _v2(
        "r6",
        "2026-10-03T13:00:00Z",
        "delete",
        "failure",
        {
            "email": BOB,
            "id": "u2",
            "type": "user",
            "context": "oauth",
            "ip_address": "198.51.100.7",
        },
        "other.org",
        resource={"type": "waf_rule", "id": "w1", "product": "waf"},
    ),
]


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC").as_unit("us")


@pytest.fixture
def v2() -> pd.DataFrame:
    return records_to_frame(RECORDS, schema=V2)


@pytest.fixture(scope="module")
def sandbox_v2() -> pd.DataFrame:
    return records_to_frame(generate_v2_records(seed=0, anchor="2026-11-30"), schema=V2)


@pytest.fixture(autouse=True)
def _close_figures() -> Any:
    yield
    plt.close("all")


# ------------------------------------------------------------------- columns


def test_alias_table_and_column_for(v2: pd.DataFrame) -> None:
    assert COLUMN_ALIASES == {"interface": ("interface", "actor_context")}
    assert "interface" in REQUIRED_COLUMNS["activity_by_actor"]
    assert "interface" not in v2.columns
    assert column_for(v2, "interface") == "actor_context"
    assert column_for(v2, "when") == "when"
    both = v2.assign(interface="UI")
    assert column_for(both, "interface") == "interface"


def test_missing_both_names_both(v2: pd.DataFrame) -> None:
    bare = v2.drop(columns=["actor_context"])
    message = r"activity_by_actor needs the column\(s\) 'interface' \(or 'actor_context'\)"
    with pytest.raises(InvalidParameterError, match=message):
        activity_by_actor(bare)
    with pytest.raises(InvalidParameterError, match=r"df.audit.activity_by_actor\(\) needs"):
        bare.audit.activity_by_actor()
    with pytest.raises(InvalidParameterError, match=r"plot_actor_summary needs .*'actor_context'"):
        plot_actor_summary(bare)
    with pytest.raises(InvalidParameterError, match=r"FilterPanel needs .*'actor_context'"):
        FilterPanel(bare)


def test_doubled_actor_context_is_refused(v2: pd.DataFrame) -> None:
    doubled = pd.concat([v2, v2[["actor_context"]]], axis=1)
    with pytest.raises(InvalidParameterError, match=r"'actor_context' more than once"):
        activity_by_actor(doubled)


# ------------------------------------------------------------------- activity_by_actor


def test_activity_by_actor_on_small_v2_frame(v2: pd.DataFrame) -> None:
    expected = pd.DataFrame(
        {
            "actor": pd.array([ANA, BOB, "system"], dtype=STRING),
            "actor_type": pd.array(["user", "user", "system"], dtype=STRING),
            "events": pd.array([3, 2, 1], dtype="int64"),
            "failures": pd.array([1, 1, 0], dtype="int64"),
            "first_seen": pd.Series(
                [_ts("2026-10-01T09:00Z"), _ts("2026-10-02T08:00Z"), _ts("2026-10-02T09:30Z")],
                dtype=UTC,
            ),
            "last_seen": pd.Series(
                [_ts("2026-10-03T12:00Z"), _ts("2026-10-03T13:00Z"), _ts("2026-10-02T09:30Z")],
                dtype=UTC,
            ),
            "distinct_ips": pd.array([2, 1, 0], dtype="int64"),
            "distinct_zones": pd.array([1, 1, 1], dtype="int64"),
            "top_action": pd.array(["create", "create", "update"], dtype=STRING),
            "interfaces": pd.array(["api_token, dash", "api_token, oauth", None], dtype=STRING),
            # What only v2 knows: the tokens used and the products touched.
            "tokens": pd.array(["terraform-ci", "waf-sync", None], dtype=STRING),
            "products": pd.array(["dns, zones", "waf", "ssl"], dtype=STRING),
        }
    )
    out = activity_by_actor(v2)
    pd.testing.assert_frame_equal(out, expected)
    pd.testing.assert_frame_equal(v2.audit.activity_by_actor(), expected)
    # The input is untouched.
    pd.testing.assert_frame_equal(v2, records_to_frame(RECORDS, schema=V2))


def test_activity_by_actor_on_empty_v2_frame(v2: pd.DataFrame) -> None:
    out = activity_by_actor(v2.iloc[:0])
    assert len(out) == 0
    assert str(out["interfaces"].dtype) == str(STRING)


def test_interface_wins_over_actor_context(v2: pd.DataFrame) -> None:
    both = v2.assign(interface=pd.array(["UI", "API", None, None, "UI", "API"], dtype=STRING))
    assert activity_by_actor(both)["interfaces"].tolist() == ["API, UI", "API", pd.NA]


def test_v1_frame_unchanged_by_an_actor_context_column() -> None:
    v1 = records_to_frame(
        [
            {
                "when": "2026-10-01T09:00:00Z",
                "action": {"type": "purge", "result": True},
                "actor": {"email": ANA, "id": "u1"},
                "interface": "UI",
            },
            {
                "when": "2026-10-01T10:00:00Z",
                "action": {"type": "purge", "result": False},
                "actor": {"id": "1", "type": "system"},
            },
            {
                "when": "2026-10-02T09:00:00Z",
                "action": {"type": "login", "result": True},
                "actor": {"email": ANA, "id": "u1"},
                "interface": "API",
            },
        ]
    )
    out = activity_by_actor(v1)
    assert out["interfaces"].tolist() == ["API, UI", pd.NA]
    extra = v1.assign(actor_context=pd.Categorical(["dash", "api_token", "oauth"]))
    pd.testing.assert_frame_equal(activity_by_actor(extra), out)


def test_activity_by_actor_on_sandbox_v2(sandbox_v2: pd.DataFrame) -> None:
    out = activity_by_actor(sandbox_v2)
    assert len(sandbox_v2) == 3853
    columns = [
        "actor",
        "actor_type",
        "events",
        "failures",
        "distinct_ips",
        "distinct_zones",
        "top_action",
        "interfaces",
    ]
    assert {c: out[c].tolist() for c in columns} == {
        "actor": [
            "raj@example.com",
            "michelle@example.com",
            "ana@example.net",
            "tom@example.org",
            "system",
            "Cloudflare",
            "support@cloudflare.com",
        ],
        "actor_type": ["user", "user", "user", "user", "system", "system", "cloudflare_admin"],
        "events": [1537, 973, 781, 506, 43, 8, 5],
        "failures": [12, 15, 5, 6, 0, 0, 0],
        "distinct_ips": [16, 13, 10, 6, 0, 0, 0],
        "distinct_zones": [4, 4, 4, 4, 4, 3, 2],
        "top_action": ["create", "update", "update", "create", "update", "update", "create"],
        "interfaces": [
            "api_key, api_token, dash, oauth",
            "api_key, dash, oauth",
            "api_key, api_token, dash, oauth",
            "api_key, api_token, dash, oauth",
            pd.NA,
            pd.NA,
            "dash",
        ],
    }
    assert out.loc[0, "first_seen"] == pd.Timestamp("2026-05-25 04:35:35", tz="UTC")
    assert out.loc[0, "last_seen"] == pd.Timestamp("2026-11-23 08:57:32", tz="UTC")
    assert int(out["events"].sum()) == len(sandbox_v2)


# ------------------------------------------------------------------- plot_actor_summary


def _bars(ax: Any) -> tuple[list[float], list[float]]:
    events, failures = ax.containers
    return [float(p.get_width()) for p in events], [float(p.get_width()) for p in failures]


def test_plot_actor_summary_on_small_v2_frame(v2: pd.DataFrame) -> None:
    ax = plot_actor_summary(v2)
    assert ax.get_title() == "Events and failures per actor"
    assert _bars(ax) == ([3.0, 2.0, 1.0], [1.0, 1.0, 0.0])
    assert [t.get_text() for t in ax.get_yticklabels()] == [ANA, BOB, "system"]
    assert [c.get_label() for c in ax.containers] == ["events", "failures"]
    assert v2.audit.plot_actor_summary(top=1).get_title() == (
        "Events and failures per actor (top 1 of 3)"
    )


def test_plot_actor_summary_on_sandbox_v2(sandbox_v2: pd.DataFrame, tmp_path: Any) -> None:
    ax = plot_actor_summary(sandbox_v2, top=5)
    assert ax.get_title() == "Events and failures per actor (top 5 of 7)"
    assert _bars(ax) == ([1537.0, 973.0, 781.0, 506.0, 43.0], [12.0, 15.0, 5.0, 6.0, 0.0])
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "raj@example.com",
        "michelle@example.com",
        "ana@example.net",
        "tom@example.org",
        "system",
    ]
    path = tmp_path / "actors.png"
    ax.figure.savefig(path)
    assert path.stat().st_size > 1000


# ------------------------------------------------------------------- FilterPanel


def test_panel_on_small_v2_frame(v2: pd.DataFrame) -> None:
    panel = FilterPanel(v2)
    control = panel.controls["interface"]
    assert list(control.options) == [
        ("api_token (2)", "api_token"),
        ("dash (2)", "dash"),
        ("(none) (1)", "(none)"),
        ("oauth (1)", "oauth"),
    ]
    control.value = ("api_token",)
    assert panel.count == 2
    assert panel.filtered["id"].tolist() == ["r2", "r3"]
    summary = panel.summary()
    assert summary["actor"].tolist() == [ANA, BOB]
    assert summary["events"].tolist() == [1, 1]
    assert summary["failures"].tolist() == [1, 0]
    assert "<th>actor_context</th>" in panel._table.value
    assert "<td>api_token</td>" in panel._table.value
    control.value = ("api_token", "(none)")
    assert panel.filtered["id"].tolist() == ["r2", "r3", "r4"]
    panel.controls["result"].value = "failed"
    assert panel.filtered["id"].tolist() == ["r2"]
    panel.reset()
    assert panel.count == 6


def test_panel_title_follows_the_column(v2: pd.DataFrame) -> None:
    def titles(panel: FilterPanel) -> str:
        return " ".join(
            str(getattr(w, "value", "")) for w in _walk(panel.widget) if hasattr(w, "value")
        )

    assert "Actor context" in titles(FilterPanel(v2))
    v1 = records_to_frame([{"id": "a", "interface": "UI"}])
    assert "Actor context" not in titles(FilterPanel(v1))
    assert ">Interface<" in titles(FilterPanel(v1))
    assert "<th>interface</th>" in FilterPanel(v1)._table.value


def _walk(widget: Any) -> list[Any]:
    out = [widget]
    for child in getattr(widget, "children", ()):
        out.extend(_walk(child))
    return out


@pytest.mark.parametrize(
    ("query", "ids"),
    [
        ("terraform-ci", ["r2"]),  # actor_token_name
        ("/settings/ssl", ["r2"]),  # raw_uri
        ("origin.example.net", ["r1"]),  # resource_request (JSON)
        ("block-bad-bots", ["r3"]),  # resource_response (JSON)
        ("waf", ["r3", "r6"]),  # resource_product
        ("403", ["r2"]),  # raw_status_code
        ("patch", ["r2"]),  # raw_method
        ("oauth", ["r6"]),  # actor_context
        ("acc1 corp", ["r1", "r2", "r3", "r4", "r5", "r6"]),  # account_id, account_name
    ],
)
def test_panel_search_covers_v2_columns(v2: pd.DataFrame, query: str, ids: list[str]) -> None:
    panel = FilterPanel(v2)
    panel.controls["search"].value = query
    assert panel.filtered["id"].tolist() == ids


def test_panel_on_sandbox_v2(sandbox_v2: pd.DataFrame) -> None:
    panel = FilterPanel(sandbox_v2)
    assert list(panel.controls["interface"].options) == [
        ("dash (3,013)", "dash"),
        ("api_token (662)", "api_token"),
        ("oauth (66)", "oauth"),
        ("api_key (61)", "api_key"),
        ("(none) (51)", "(none)"),
    ]
    panel.controls["interface"].value = ("api_token",)
    assert panel.count == 662
    summary = panel.summary()
    assert summary["actor"].tolist() == ["raj@example.com", "tom@example.org", "ana@example.net"]
    assert summary["events"].tolist() == [630, 30, 2]
    assert summary["failures"].tolist() == [0, 0, 0]
    assert set(panel.filtered["actor_context"].astype(str)) == {"api_token"}
    panel.controls["interface"].value = ("(none)",)
    assert panel.count == 51
    assert panel.summary()["actor"].tolist() == ["system", "Cloudflare"]
    panel.reset()
    panel.controls["search"].value = "038ad3baeeeeea21"  # raw_cf_ray_id
    assert panel.count == 1
    panel.controls["search"].value = "search.hosting.example.net"  # resource_request/response
    assert panel.count == 6
