"""FilterPanel (issue 13): one spelling for missing, deleted records' changes, the risky-changes
view, selections kept when the cell is run again. Headless: controls set and buttons clicked
through the widgets' own handlers."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pandas as pd
import pytest

import auditkit
from auditkit import analysis
from auditkit.frame import records_to_frame
from auditkit.panel import FilterPanel
from auditkit.panel._render import SEVERITY_COLORS
from auditkit.panel._state import MAX_FRAMES, REGISTRY, Registry
from auditkit.plotting._style import FAILURE_COLOR
from tests.test_widgets import _Cells

ANA, RAJ = "ana@example.com", "raj@example.com"

RECORDS: list[dict[str, Any]] = [
    {
        "id": "r1",
        "when": "2026-10-01T09:00:00Z",
        "action": {"type": "login", "result": True},
        "actor": {"email": ANA, "id": "u-ana", "ip": "192.0.2.1"},
        "interface": "UI",
        "resource": {"id": "acc1", "type": "account"},
    },
    {
        "id": "r2",
        "when": "2026-10-01T10:00:00Z",
        "action": {"type": "change_setting", "result": True},
        "actor": {"email": ANA, "id": "u-ana", "ip": "192.0.2.1"},
        "interface": "UI",
        "resource": {"id": "zone-com", "type": "zone"},
        "metadata": {"zone_name": "example.com", "name": "ssl", "value": "flexible"},
        "oldValue": "full",
        "newValue": "flexible",
    },
    {
        "id": "r3",
        "when": "2026-10-03T12:00:00Z",
        "action": {"type": "rec_del", "result": True},
        "actor": {"email": RAJ, "id": "u-raj", "ip": "198.51.100.7"},
        "interface": "API",
        "resource": {"id": "dns-42", "type": "DNS_record"},
        "metadata": {"zone_name": "shop.example.com"},
        "oldValueJson": {"type": "A", "name": "www.shop.example.com", "content": "198.51.100.20"},
    },
    {
        "id": "r4",
        "when": "2026-10-03T12:05:00Z",
        "action": {"type": "rec_add", "result": True},
        "actor": {"email": RAJ, "id": "u-raj", "ip": "198.51.100.7"},
        "interface": "API",
        "resource": {"id": "dns-43", "type": "DNS_record"},
        "metadata": {"zone_name": "example.com"},
        "newValueJson": {"type": "TXT", "name": "_acme-challenge.example.com", "content": "t"},
    },
    {
        "id": "r5",
        "when": "2026-10-04T00:00:00Z",
        "action": {"type": "tls_settings_deployed", "result": True},
        "actor": {"id": "1", "type": "system"},
        "interface": "",
        "resource": {"id": "zone-com", "type": "zone"},
        "metadata": {"zone_name": "example.com"},
    },
    {
        "id": "r6",
        "action": {"type": "purge"},
        "actor": {"email": "nobody@example.com"},
        "resource": {"id": "zone-org", "type": "zone"},
    },
]


pytestmark = pytest.mark.usefixtures("forget_panel_selections")


@pytest.fixture()
def df() -> pd.DataFrame:
    return records_to_frame(RECORDS)


def table(html: str) -> list[dict[str, str]]:
    parser = _Cells()
    parser.feed(html)
    header, *rows = parser.rows
    return [dict(zip(header, row, strict=True)) for row in rows]


# ------------------------------------------------------------------ 1. one spelling for missing


def test_missing_values_read_none_in_controls_and_table(df: pd.DataFrame) -> None:
    panel = FilterPanel(df, chart=False)
    assert ("(none) (2)", "(none)") in panel.controls["interface"].options
    assert ("(none) (2)", "(none)") in panel.controls["zone"].options
    cells = {row["resource_id"]: row for row in table(panel._table.value)}
    assert "" not in {v for row in cells.values() for k, v in row.items() if k != "change"}
    # r5: the interface recorded as "" and no IP; r6: no time, result, interface, zone.
    assert cells["zone-org"]["interface"] == "(none)"
    assert cells["zone-org"]["when"] == "(none)"
    assert cells["zone-org"]["result"] == "(none)"
    assert cells["zone-org"]["zone_name"] == "(none)"
    assert cells["zone-org"]["actor_ip"] == "(none)"
    assert cells["zone-com"]["interface"] in ("UI", "(none)")
    panel.controls["interface"].value = ("(none)",)
    shown = table(panel._table.value)
    assert [row["resource_id"] for row in shown] == ["zone-com", "zone-org"]
    assert [row["interface"] for row in shown] == ["(none)", "(none)"]  # as the option says
    assert panel.filtered["id"].tolist() == ["r5", "r6"]


def test_summary_spells_missing_the_same_way(df: pd.DataFrame) -> None:
    panel = FilterPanel(df, chart=False)
    panel.controls["actor"].value = ("nobody@example.com",)
    (row,) = table(panel._summary.value)
    assert row["last seen"] == "(none)"  # r6 has no time
    assert row["actor"] == "nobody@example.com"


# ------------------------------------------------------------------ 2. what a deletion deleted


def test_change_column_shows_deleted_and_added_records(df: pd.DataFrame) -> None:
    panel = FilterPanel(df, chart=False)
    change = {row["resource_id"]: row["change"] for row in table(panel._table.value)}
    assert change["dns-42"] == "A www.shop.example.com 198.51.100.20 → (none)"
    assert change["dns-43"] == "(none) → TXT _acme-challenge.example.com t"
    assert change["acc1"] == ""  # a login changes nothing
    panel.controls["action_type"].value = ("change_setting",)
    assert table(panel._table.value)[0]["change"] == "full → flexible"


@pytest.fixture(scope="module")
def sandbox_df(sb: Any) -> pd.DataFrame:
    return auditkit.load_audit_logs(base_url=sb.base_url, token=sb.token, cache=False)


def test_every_sandbox_rec_del_row_shows_its_record(sandbox_df: pd.DataFrame) -> None:
    df = sandbox_df
    panel = FilterPanel(df, chart=False, rows=300)
    panel.controls["action_type"].value = ("rec_del",)
    deleted = df[df["action_type"].eq("rec_del").fillna(False)]
    assert 0 < len(deleted) <= 300 and panel.count == len(deleted)
    expected = []
    for old in deleted["old_value_json"].astype(object):
        text = f"{old['type']} {old['name']} {old['content']} → (none)"
        expected.append(text if len(text) <= 60 else text[:59] + "…")
    got = [row["change"] for row in table(panel._table.value)]
    assert got == expected
    assert all(g and not g.startswith("(none)") for g in got)


# ------------------------------------------------------------------ 3. risky changes


def _by_severity(found: pd.DataFrame) -> pd.DataFrame:
    rank = found["severity"].map({"high": 0, "medium": 1, "low": 2}).astype(int)
    order = np.argsort(rank.to_numpy(), kind="stable")
    return found.iloc[order].reset_index(drop=True)


def _keys(found: pd.DataFrame) -> list[tuple[str, str, str]]:
    return list(zip(found["rule"], found["id"], found["severity"], strict=True))


def test_risky_view_lists_the_frames_findings_high_first(sandbox_df: pd.DataFrame) -> None:
    panel = FilterPanel(sandbox_df, chart=False)
    expected = _by_severity(analysis.risky_changes(sandbox_df))
    got = panel.risky_changes()
    assert _keys(got) == _keys(expected)
    assert got["actor"].tolist() == expected["actor"].tolist()
    assert len(got) == 79
    severities = got["severity"].tolist()
    assert severities == sorted(severities, key=["high", "medium", "low"].index)
    view = panel._risky
    assert view is not None
    assert "Risky changes: 79 findings (first 8; high severity first)" in view.title.value
    visible = [box for box in view._boxes if box.layout.display != "none"]
    assert len(visible) == 8
    first = view.rows[0][0].value
    assert f'style="color: {FAILURE_COLOR}">high</span>' in first
    assert SEVERITY_COLORS["high"] == FAILURE_COLOR
    assert expected.loc[0, "rule"] in first and expected.loc[0, "actor"] in first


def test_risky_view_follows_the_filter(sandbox_df: pd.DataFrame) -> None:
    df = sandbox_df
    panel = FilterPanel(df, chart=False)
    panel.controls["actor"].value = ("tom@example.org",)
    # Every rule reads one actor's rows (bursts are per actor): the same findings as
    # risky_changes of the matching rows.
    expected = _by_severity(analysis.risky_changes(panel.filtered))
    assert _keys(panel.risky_changes()) == _keys(expected)
    assert set(panel.risky_changes()["actor"]) == {"tom@example.org"}
    panel.reset()
    panel.controls["result"].value = "failed"
    assert set(panel.risky_changes()["rule"]) == {"failed_login"}
    assert set(panel.risky_changes()["id"]) <= set(panel.filtered["id"])
    panel.controls["search"].value = "no-such-thing-anywhere"
    assert panel.risky_changes().empty
    view = panel._risky
    assert view is not None
    assert "none among the matching entries" in view.title.value
    assert all(box.layout.display == "none" for box in view._boxes)


def test_one_click_filters_to_the_findings_actor(sandbox_df: pd.DataFrame) -> None:
    df = sandbox_df
    panel = FilterPanel(df, chart=False)
    view = panel._risky
    assert view is not None
    finding = view.shown[3]
    calls: list[int] = []
    panel.on_change(lambda f: calls.append(len(f)))
    view.rows[3][1].click()  # the row's "actor" button
    assert panel.errors == []
    assert panel.controls["actor"].value == (finding["actor"],)
    expected = df[analysis.actor_label(df).eq(finding["actor"]).to_numpy()]
    assert panel.filtered["id"].tolist() == expected["id"].tolist()
    assert calls == [len(expected)]  # one update
    assert set(panel.risky_changes()["actor"]) == {finding["actor"]}


def test_one_click_filters_to_the_findings_resource(sandbox_df: pd.DataFrame) -> None:
    df = sandbox_df
    panel = FilterPanel(df, chart=False)
    view = panel._risky
    assert view is not None
    finding = next(f for f in view.shown if f["resource_type"] == "zone")
    i = view.shown.index(finding)
    view.rows[i][2].click()  # the row's "resource" button
    assert panel.errors == []
    assert panel.controls["resource_type"].value == ("zone",)
    assert panel.controls["resource"].value == finding["resource_id"]
    expected = df[df["resource_id"].eq(finding["resource_id"]).fillna(False).to_numpy()]
    assert panel.filtered["id"].tolist() == expected["id"].tolist()
    assert 0 < panel.count < len(df)
    assert set(panel.risky_changes()["resource_id"]) == {finding["resource_id"]}
    assert "resource" in panel.state and panel.state["resource"] == finding["resource_id"]


def test_resource_control_is_an_exact_id(df: pd.DataFrame) -> None:
    panel = FilterPanel(df, chart=False)
    panel.controls["resource"].value = " zone-com "
    assert panel.filtered["id"].tolist() == ["r2", "r5"]
    panel.controls["resource"].value = "zone"  # not a substring search
    assert panel.count == 0
    panel.reset()
    assert panel.controls["resource"].value == "" and panel.count == 6


def test_risky_view_can_be_left_out_and_survives_frames_it_cannot_read(
    df: pd.DataFrame,
) -> None:
    panel = FilterPanel(df, chart=False, risky=0)
    assert panel._risky is None and panel.risky_changes().empty
    assert not any("auditkit-risky" in w._dom_classes for w in panel.widget.children)
    no_times = df.assign(when=[True] * len(df))
    panel = FilterPanel(no_times, chart=False)
    assert panel.errors == [] and panel.risky_changes().empty
    assert panel._risky is not None
    assert "not available for this frame" in panel._risky.title.value
    with pytest.raises(auditkit.AuditKitError, match="risky"):
        FilterPanel(df, risky=-1)


# ------------------------------------------------------------------ 4. selections kept


def _select_everything(panel: FilterPanel) -> None:
    import datetime as dt

    with panel.hold():
        panel.controls["actor"].value = (ANA, RAJ)
        panel.controls["interface"].value = ("UI", "API")
        panel.controls["result"].value = "succeeded"
        panel.controls["date_range"].value = (dt.date(2026, 10, 1), dt.date(2026, 10, 3))
        panel.controls["search"].value = "example"
        panel.controls["resource"].value = "zone-com"


def test_running_the_cell_again_keeps_the_selections(df: pd.DataFrame) -> None:
    import datetime as dt

    first = FilterPanel(df)
    _select_everything(first)
    assert first.filtered["id"].tolist() == ["r2"]
    again = FilterPanel(df)
    assert (
        again.state
        == first.state
        == {
            "actor": (ANA, RAJ),
            "interface": ("UI", "API"),
            "result": "succeeded",
            "date_range": (dt.date(2026, 10, 1), dt.date(2026, 10, 3)),
            "search": "example",
            "resource": "zone-com",
        }
    )
    assert again.filtered["id"].tolist() == ["r2"]
    assert "<b>1</b> of 6 entries match" in again._count.value
    assert again.errors == []


def test_another_frame_starts_fresh(df: pd.DataFrame) -> None:
    FilterPanel(df).controls["search"].value = "ssl"
    assert FilterPanel(df.copy()).state == {}  # same contents, another frame
    assert FilterPanel(records_to_frame(RECORDS[:3])).count == 3
    assert FilterPanel(df).state == {"search": "ssl"}


def test_reset_clears_the_remembered_selections(df: pd.DataFrame) -> None:
    panel = FilterPanel(df)
    panel.controls["actor"].value = (RAJ,)
    assert len(REGISTRY) == 1
    panel.reset()
    assert len(REGISTRY) == 0
    assert FilterPanel(df).count == 6


def test_remember_false_neither_restores_nor_saves(df: pd.DataFrame) -> None:
    FilterPanel(df).controls["actor"].value = (RAJ,)
    quiet = FilterPanel(df, remember=False)
    assert quiet.count == 6
    quiet.controls["actor"].value = (ANA,)
    assert FilterPanel(df).state == {"actor": (RAJ,)}


def test_a_frame_changed_in_place_starts_fresh_or_drops_stale_values(df: pd.DataFrame) -> None:
    FilterPanel(df).controls["interface"].value = ("UI",)
    df["interface"] = "API"  # same frame, same shape: "UI" is no longer offered
    panel = FilterPanel(df)
    assert panel.errors == [] and panel.state == {} and panel.count == 6
    panel.controls["result"].value = "succeeded"
    df["extra"] = 1  # other columns: fresh
    assert FilterPanel(df).state == {}


def test_registry_is_bounded_and_holds_frames_weakly() -> None:
    frames = [pd.DataFrame({"id": [str(i)]}) for i in range(MAX_FRAMES + 5)]
    for i, frame in enumerate(frames):
        REGISTRY.save(frame, {"search": str(i)})
    assert len(REGISTRY) == MAX_FRAMES
    assert REGISTRY.load(frames[0]) is None  # least recently used: forgotten
    assert REGISTRY.load(frames[-1]) == {"search": str(MAX_FRAMES + 4)}
    del frames[-1], frame
    gc.collect()
    assert len(REGISTRY) == MAX_FRAMES - 1  # the frame went away, so did its entry
    reg = Registry(max_frames=2)
    frame = pd.DataFrame({"id": ["a"]})
    reg.save(frame, {"search": "a"})
    del frame
    gc.collect()
    assert len(reg) == 0
