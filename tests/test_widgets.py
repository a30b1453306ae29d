"""FilterPanel, headless: drive ``panel.controls[...]`` and check ``panel.filtered`` exactly."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import auditkit
from auditkit import analysis
from auditkit.frame import records_to_frame
from auditkit.panel import SUMMARY_COLUMNS, FilterPanel

ROOT = Path(__file__).resolve().parent.parent

ANA, MICHELLE, RAJ = "ana@example.com", "michelle@example.com", "raj@example.com"


def _rec(rid: str, when: str | None, action: str, result: bool | None, **kw: Any) -> dict:
    rec: dict[str, Any] = {"id": rid, "action": {"type": action}}
    if when is not None:
        rec["when"] = when
    if result is not None:
        rec["action"]["result"] = result
    rec.update(kw)
    return rec


#: Nine entries covering every control: three users, a system actor (id only), an
#: actor with neither email nor id, missing zone / interface / result / when.
RECORDS = [
    _rec(
        "r1",
        "2026-10-01T09:00:00Z",
        "login",
        True,
        actor={"email": ANA, "id": "u-ana", "ip": "192.0.2.1", "type": "user"},
        interface="UI",
        resource={"id": "acc1", "type": "account"},
    ),
    _rec(
        "r2",
        "2026-10-01T10:00:00Z",
        "change_setting",
        True,
        actor={"email": ANA, "id": "u-ana", "ip": "192.0.2.1", "type": "user"},
        interface="UI",
        resource={"id": "zone-com", "type": "zone"},
        metadata={"zone_name": "example.com", "name": "ssl", "value": "flexible"},
        oldValue="full",
        newValue="flexible",
    ),
    _rec(
        "r3",
        "2026-10-02T03:10:00Z",
        "login",
        False,
        actor={"email": MICHELLE, "id": "u-mi", "ip": "203.0.113.199", "type": "user"},
        interface="UI",
        resource={"id": "acc1", "type": "account"},
    ),
    _rec(
        "r4",
        "2026-10-02T03:11:00Z",
        "login",
        False,
        actor={"email": MICHELLE, "id": "u-mi", "ip": "203.0.113.199", "type": "user"},
        interface="UI",
        resource={"id": "acc1", "type": "account"},
    ),
    _rec(
        "r5",
        "2026-10-03T12:00:00Z",
        "rec_del",
        True,
        actor={"email": RAJ, "id": "u-raj", "ip": "198.51.100.7", "type": "user"},
        interface="API",
        resource={"id": "dns-42", "type": "DNS_record"},
        metadata={"zone_name": "shop.example.com"},
        oldValueJson={"type": "A", "name": "www.shop.example.com", "content": "198.51.100.20"},
    ),
    _rec(
        "r6",
        "2026-10-03T12:05:00Z",
        "rec_add",
        True,
        actor={"email": RAJ, "id": "u-raj", "ip": "198.51.100.7", "type": "user"},
        interface="API",
        resource={"id": "dns-43", "type": "DNS_record"},
        metadata={"zone_name": "example.com"},
        newValueJson={"type": "TXT", "name": "_acme-challenge.example.com", "content": "tok"},
    ),
    _rec(
        "r7",
        "2026-10-04T00:00:00Z",
        "tls_settings_deployed",
        True,
        actor={"id": "1", "type": "system"},
        interface="",
        resource={"id": "zone-com", "type": "zone"},
        metadata={"zone_name": "example.com"},
    ),
    _rec(
        "r8",
        "2026-10-05T23:59:59Z",
        "purge",
        None,
        interface="API",
        resource={"id": "zone-org", "type": "zone"},
        metadata={"zone_name": "example.org"},
    ),
    _rec(
        "r9",
        None,
        "token_create",
        True,
        actor={"email": ANA, "id": "u-ana", "ip": "192.0.2.1", "type": "user"},
        interface="UI",
        resource={"id": "tok-1", "type": "account"},
        metadata={"token_name": "backup"},
    ),
]
ALL = [f"r{i}" for i in range(1, 10)]
#: r7's system actor as every view labels it (analysis.actor_label decides).
SYSTEM = str(analysis.actor_label(records_to_frame([RECORDS[6]])).iloc[0])


pytestmark = pytest.mark.usefixtures("forget_panel_selections")


@pytest.fixture()
def df() -> pd.DataFrame:
    return records_to_frame(RECORDS)


@pytest.fixture()
def panel(df: pd.DataFrame) -> FilterPanel:
    return FilterPanel(df)


def ids(panel: FilterPanel) -> list[str]:
    return panel.filtered["id"].tolist()


def errors_text(panel: FilterPanel) -> str:
    return "".join(o.get("text", "") for o in panel._errors.outputs)


# ------------------------------------------------------------------ controls


def test_controls_cover_every_filter(panel: FilterPanel) -> None:
    assert set(panel.controls) >= {
        "actor",
        "action_type",
        "resource_type",
        "zone",
        "interface",
        "result",
        "date_range",
        "search",
    }
    assert ids(panel) == ALL
    assert panel.count == 9
    assert panel.errors == []


def test_multi_choice_options_list_values_present_with_counts(panel: FilterPanel) -> None:
    c = panel.controls
    assert list(c["actor"].options) == [
        (f"{ANA} (3)", ANA),
        (f"{MICHELLE} (2)", MICHELLE),
        (f"{RAJ} (2)", RAJ),
        ("(unknown) (1)", "(unknown)"),
        (f"{SYSTEM} (1)", SYSTEM),
    ]
    assert [v for _, v in c["action_type"].options] == [
        "login",
        "change_setting",
        "purge",
        "rec_add",
        "rec_del",
        "tls_settings_deployed",
        "token_create",
    ]
    assert c["action_type"].options[0] == ("login (3)", "login")
    assert list(c["resource_type"].options) == [
        ("account (4)", "account"),
        ("zone (3)", "zone"),
        ("DNS_record (2)", "DNS_record"),
    ]
    assert list(c["zone"].options) == [
        ("(none) (4)", "(none)"),
        ("example.com (3)", "example.com"),
        ("example.org (1)", "example.org"),
        ("shop.example.com (1)", "shop.example.com"),
    ]
    assert list(c["interface"].options) == [
        ("UI (5)", "UI"),
        ("API (3)", "API"),
        ("(none) (1)", "(none)"),
    ]
    assert list(c["result"].options) == [
        ("all (9)", "all"),
        ("succeeded (6)", "succeeded"),
        ("failed (2)", "failed"),
    ]
    days = c["date_range"].options
    assert [label for label, _ in days] == [f"2026-10-0{d}" for d in range(1, 6)]
    assert c["date_range"].value == (dt.date(2026, 10, 1), dt.date(2026, 10, 5))


# ------------------------------------------------------------------ single filters


@pytest.mark.parametrize(
    ("control", "value", "expected"),
    [
        ("actor", (ANA,), ["r1", "r2", "r9"]),
        ("actor", (MICHELLE, RAJ), ["r3", "r4", "r5", "r6"]),
        ("actor", (SYSTEM,), ["r7"]),
        ("actor", ("(unknown)",), ["r8"]),
        ("action_type", ("login",), ["r1", "r3", "r4"]),
        ("action_type", ("rec_add", "rec_del"), ["r5", "r6"]),
        ("resource_type", ("zone",), ["r2", "r7", "r8"]),
        ("resource_type", ("DNS_record", "account"), ["r1", "r3", "r4", "r5", "r6", "r9"]),
        ("zone", ("example.com",), ["r2", "r6", "r7"]),
        ("zone", ("(none)",), ["r1", "r3", "r4", "r9"]),
        ("zone", ("example.org", "shop.example.com"), ["r5", "r8"]),
        ("interface", ("API",), ["r5", "r6", "r8"]),
        ("interface", ("(none)",), ["r7"]),
        ("result", "succeeded", ["r1", "r2", "r5", "r6", "r7", "r9"]),
        ("result", "failed", ["r3", "r4"]),
        ("result", "all", ALL),
        ("actor", (), ALL),
    ],
)
def test_single_filter(panel: FilterPanel, control: str, value: Any, expected: list[str]) -> None:
    panel.controls[control].value = value
    assert ids(panel) == expected
    assert panel.count == len(expected)
    assert f"<b>{len(expected)}</b> of 9 entries match" in panel._count.value
    assert panel.errors == []


def test_filtered_keeps_columns_dtypes_and_index(panel: FilterPanel, df: pd.DataFrame) -> None:
    panel.controls["actor"].value = (RAJ,)
    out = panel.filtered
    assert list(out.columns) == list(df.columns)
    assert out.dtypes.equals(df.dtypes)
    assert out.index.tolist() == [4, 5]
    pd.testing.assert_frame_equal(out, df.iloc[[4, 5]])


# ------------------------------------------------------------------ date range


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (dt.date(2026, 10, 2), dt.date(2026, 10, 3), ["r3", "r4", "r5", "r6"]),
        (dt.date(2026, 10, 5), dt.date(2026, 10, 5), ["r8"]),  # 23:59:59 is that day
        (dt.date(2026, 10, 1), dt.date(2026, 10, 1), ["r1", "r2"]),
        (dt.date(2026, 10, 1), dt.date(2026, 10, 4), ["r1", "r2", "r3", "r4", "r5", "r6", "r7"]),
        # The full range does not filter: the entry without a time stays.
        (dt.date(2026, 10, 1), dt.date(2026, 10, 5), ALL),
    ],
)
def test_date_range_days_inclusive(
    panel: FilterPanel, first: dt.date, last: dt.date, expected: list[str]
) -> None:
    panel.controls["date_range"].value = (first, last)
    assert ids(panel) == expected


def test_date_range_narrows_the_chart(panel: FilterPanel) -> None:
    data = panel.chart_data()
    assert data.index.tolist() == [dt.date(2026, 10, d) for d in range(1, 6)]
    assert data["events"].tolist() == [2, 2, 2, 1, 1]  # r9 has no time
    assert data["failed"].tolist() == [0, 2, 0, 0, 0]
    panel.controls["date_range"].value = (dt.date(2026, 10, 2), dt.date(2026, 10, 3))
    panel.controls["actor"].value = (MICHELLE,)
    data = panel.chart_data()
    assert data.index.tolist() == [dt.date(2026, 10, 2), dt.date(2026, 10, 3)]
    assert data["events"].tolist() == [2, 0]
    assert panel._chart.value.startswith("<svg")
    assert "Matching events per day (UTC)" in panel._chart.value


# ------------------------------------------------------------------ search


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("flexible", ["r2"]),  # old/new value and metadata
        ("FLEXIBLE", ["r2"]),  # case-insensitive
        ("203.0.113.199", ["r3", "r4"]),  # actor ip
        ("dns-42", ["r5"]),  # resource id
        ("www.shop", ["r5"]),  # old_value_json
        ("_acme-challenge", ["r6"]),  # new_value_json
        ("token_name", ["r9"]),  # metadata key
        ("u-raj", ["r5", "r6"]),  # actor id
        ("r7", ["r7"]),  # entry id
        ("tls_settings", ["r7"]),  # action type
        ("example.com login", ["r1", "r3", "r4"]),  # every term must match
        ("  backup   ANA ", ["r9"]),
        ("nothing-like-this", []),
        ("   ", ALL),
        ("", ALL),
    ],
)
def test_search(panel: FilterPanel, query: str, expected: list[str]) -> None:
    panel.controls["search"].value = query
    assert ids(panel) == expected


def test_search_terms_do_not_match_across_fields(panel: FilterPanel) -> None:
    # r2's old_value "full" and new_value "flexible" are adjacent fields.
    panel.controls["search"].value = "full"
    assert ids(panel) == ["r2"]
    panel.controls["search"].value = "fullflexible"
    assert ids(panel) == []


# ------------------------------------------------------------------ combined, reset


def test_filters_combine_with_and(panel: FilterPanel) -> None:
    c = panel.controls
    c["actor"].value = (ANA, RAJ)
    assert ids(panel) == ["r1", "r2", "r5", "r6", "r9"]
    c["interface"].value = ("UI",)
    assert ids(panel) == ["r1", "r2", "r9"]
    c["date_range"].value = (dt.date(2026, 10, 1), dt.date(2026, 10, 3))
    assert ids(panel) == ["r1", "r2"]
    c["search"].value = "ssl"
    assert ids(panel) == ["r2"]
    c["result"].value = "failed"
    assert ids(panel) == []
    c["result"].value = "succeeded"
    assert ids(panel) == ["r2"]
    c["search"].value = ""
    assert ids(panel) == ["r1", "r2"]


def test_combination_is_the_intersection_of_single_filters(df: pd.DataFrame) -> None:
    settings = {
        "zone": ("example.com", "(none)"),
        "result": "succeeded",
        "resource_type": ("zone", "account"),
        "search": "example",
    }
    single = []
    for name, value in settings.items():
        p = FilterPanel(df, chart=False, remember=False)
        p.controls[name].value = value
        single.append(set(ids(p)))
    p = FilterPanel(df, chart=False)
    for name, value in settings.items():
        p.controls[name].value = value
    assert set(ids(p)) == set.intersection(*single) == {"r1", "r2", "r7", "r9"}


def test_reset_clears_every_filter(panel: FilterPanel) -> None:
    c = panel.controls
    calls: list[int] = []
    c["actor"].value = (ANA,)
    c["action_type"].value = ("login",)
    c["resource_type"].value = ("account",)
    c["zone"].value = ("(none)",)
    c["interface"].value = ("UI",)
    c["result"].value = "succeeded"
    c["date_range"].value = (dt.date(2026, 10, 1), dt.date(2026, 10, 2))
    c["search"].value = "192.0.2.1"
    assert ids(panel) == ["r1"]
    panel.on_change(lambda f: calls.append(len(f)))
    panel.reset()
    assert ids(panel) == ALL
    assert calls == [9]  # one update, not one per control
    for name in ("actor", "action_type", "resource_type", "zone", "interface"):
        assert c[name].value == ()
    assert c["result"].value == "all"
    assert c["date_range"].value == (dt.date(2026, 10, 1), dt.date(2026, 10, 5))
    assert c["search"].value == ""
    c["search"].value = "flexible"
    panel.buttons["reset"].click()
    assert ids(panel) == ALL


def test_hold_batches_changes_into_one_update(panel: FilterPanel) -> None:
    calls: list[list[str]] = []
    panel.on_change(lambda f: calls.append(f["id"].tolist()))
    with panel.hold():
        panel.controls["actor"].value = (MICHELLE, RAJ)
        panel.controls["result"].value = "failed"
        with panel.hold():
            panel.controls["search"].value = "203.0.113"
    assert calls == [["r3", "r4"]]


# ------------------------------------------------------------------ empty result


def test_empty_result(panel: FilterPanel, df: pd.DataFrame, tmp_path: Path) -> None:
    seen: list[pd.DataFrame] = []
    panel.on_change(seen.append)
    panel.controls["actor"].value = (MICHELLE,)
    panel.controls["result"].value = "succeeded"
    out = panel.filtered
    assert out.empty and panel.count == 0
    assert list(out.columns) == list(df.columns) and out.dtypes.equals(df.dtypes)
    assert seen[-1].empty
    assert "<b>0</b> of 9 entries match" in panel._count.value
    assert "no matching entries" in panel._table.value
    assert "no matching entries" in panel._summary.value
    assert panel.summary().empty
    assert panel.chart_data()["events"].sum() == 0
    assert panel._chart.value.startswith("<svg")
    text = panel.to_csv(tmp_path / "empty.csv").read_text()
    assert text.strip() == ",".join(df.columns)
    assert panel.errors == []


def test_empty_frame() -> None:
    panel = FilterPanel(auditkit.empty_frame())
    assert panel.count == 0 and panel.filtered.empty
    assert all(panel.controls[n].options == () for n in ("actor", "zone", "interface"))
    assert panel.controls["date_range"].disabled
    panel.controls["search"].value = "x"
    assert panel.count == 0 and panel.errors == []


# ------------------------------------------------------------------ export


def test_to_csv_writes_the_matching_rows(panel: FilterPanel, tmp_path: Path) -> None:
    panel.controls["zone"].value = ("example.com", "shop.example.com")
    panel.controls["interface"].value = ("API",)
    path = panel.to_csv(tmp_path / "sub" / "out.csv")
    assert path == (tmp_path / "sub" / "out.csv").resolve()
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert back["id"].tolist() == ["r5", "r6"]
    assert back["when"].tolist() == ["2026-10-03T12:00:00.000000Z", "2026-10-03T12:05:00.000000Z"]
    assert json.loads(back.loc[0, "old_value_json"]) == RECORDS[4]["oldValueJson"]
    assert json.loads(back.loc[1, "metadata"]) == {"zone_name": "example.com"}
    assert back.loc[0, "new_value_json"] == ""
    assert back["action_result"].tolist() == ["True", "True"]
    assert list(back.columns) == list(panel.filtered.columns)


def test_export_button_writes_the_file_named_in_the_panel(
    panel: FilterPanel, tmp_path: Path
) -> None:
    panel.controls["result"].value = "failed"
    target = tmp_path / "failed.csv"
    panel.export_file.value = str(target)
    panel.buttons["export"].click()
    assert pd.read_csv(target)["id"].tolist() == ["r3", "r4"]
    assert "wrote 2 rows to" in panel._status.value
    assert str(target) in panel._status.value
    assert panel.errors == []


def test_export_failure_is_shown_in_the_panel(panel: FilterPanel, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    panel.export_file.value = str(blocker / "out.csv")
    panel.buttons["export"].click()  # must not raise
    assert len(panel.errors) == 1
    assert "Traceback" in errors_text(panel)


# ------------------------------------------------------------------ callbacks and errors


def test_on_change_calls_back_with_the_filtered_frame(panel: FilterPanel) -> None:
    got: list[list[str]] = []

    @panel.on_change
    def record(frame: pd.DataFrame) -> None:
        got.append(frame["id"].tolist())

    panel.controls["action_type"].value = ("login",)
    panel.controls["result"].value = "failed"
    assert got == [["r1", "r3", "r4"], ["r3", "r4"]]
    panel.on_change(record, remove=True)
    panel.on_change(record, remove=True)  # removing twice is fine
    panel.reset()
    assert len(got) == 2


def test_errors_in_callbacks_show_in_the_panel(panel: FilterPanel) -> None:
    after: list[int] = []

    def broken(frame: pd.DataFrame) -> None:
        raise RuntimeError("boom in user callback")

    panel.on_change(broken)
    panel.on_change(lambda f: after.append(len(f)))
    panel.controls["actor"].value = (RAJ,)  # does not raise
    assert after == [2]  # later callbacks still run
    assert ids(panel) == ["r5", "r6"]
    assert [type(e) for e in panel.errors] == [RuntimeError]
    text = errors_text(panel)
    assert "Traceback" in text and "boom in user callback" in text
    assert all(o["name"] == "stderr" for o in panel._errors.outputs)
    panel.on_change(broken, remove=True)
    panel.controls["actor"].value = ()
    assert panel._errors.outputs == ()  # a good update clears the message
    assert len(panel.errors) == 1  # but the record stays


def test_errors_while_updating_show_in_the_panel(
    panel: FilterPanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail() -> str:
        raise ValueError("summary broke")

    monkeypatch.setattr(panel, "_summary_html", fail)
    panel.controls["zone"].value = ("example.org",)
    assert "summary broke" in errors_text(panel)
    assert isinstance(panel.errors[-1], ValueError)
    assert panel.count == 1  # the mask itself was applied
    monkeypatch.undo()
    panel.controls["zone"].value = ()
    assert panel._errors.outputs == ()


# ------------------------------------------------------------------ views, display


def test_views_update_in_place(panel: FilterPanel) -> None:
    children = list(panel.widget.children)
    table, summary, chart = panel._table, panel._summary, panel._chart
    before = (table.value, summary.value, chart.value)
    panel.controls["actor"].value = (MICHELLE,)
    assert list(panel.widget.children) == children
    assert (panel._table, panel._summary, panel._chart) == (table, summary, chart)
    assert (table.value, summary.value, chart.value) != before
    assert "203.0.113.199" in table.value and "FAILED" in table.value
    assert "192.0.2.1" not in table.value
    assert MICHELLE in summary.value and ANA not in summary.value


def test_first_rows_table_is_limited_and_escaped() -> None:
    recs = [
        _rec(f"x{i}", f"2026-10-01T0{i}:00:00Z", "login", True, actor={"email": "<b>@x"})
        for i in range(5)
    ]
    panel = FilterPanel(records_to_frame(recs), rows=3)
    assert panel._table.value.count("<tr") == 4  # header + 3 rows
    assert "and 2 more" in panel._table.value
    assert "<b>@x" not in panel._table.value and "&lt;b&gt;@x" in panel._table.value


def test_summary_matches_activity_by_actor(panel: FilterPanel, df: pd.DataFrame) -> None:
    _assert_summary_matches(panel, df)
    panel.controls["interface"].value = ("UI", "(none)")
    _assert_summary_matches(panel, df)


def _assert_summary_matches(panel: FilterPanel, df: pd.DataFrame) -> None:
    cols = [
        "actor",
        "events",
        "failures",
        "first_seen",
        "last_seen",
        "distinct_ips",
        "distinct_zones",
        "top_action",
    ]
    expected = analysis.activity_by_actor(df[panel.mask])[cols]
    pd.testing.assert_frame_equal(panel.summary(), expected.reset_index(drop=True))


def test_displays_as_its_widget(panel: FilterPanel) -> None:
    bundle = panel._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == panel.widget.model_id
    assert callable(panel._ipython_display_)
    assert repr(panel) == "<FilterPanel: 9 of 9 entries match>"
    assert "auditkit-panel" in panel.widget._dom_classes
    assert "auditkit-actor" in panel.controls["actor"]._dom_classes
    assert "auditkit-count" in panel._count._dom_classes


def test_missing_columns_are_named() -> None:
    with pytest.raises(ValueError, match="'actor_email'"):
        FilterPanel(pd.DataFrame({"id": ["a"], "when": [pd.Timestamp("2026-10-01", tz="UTC")]}))


def test_rejects_negative_sizes(df: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="negative"):
        FilterPanel(df, rows=-1)


def test_import_auditkit_does_not_import_ipywidgets_or_matplotlib() -> None:
    code = (
        "import sys, auditkit, auditkit.panel\n"
        "bad = [m for m in ('ipywidgets', 'matplotlib') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_panel_index_does_not_import_ipywidgets() -> None:
    code = (
        "import sys, auditkit.panel._index\n"
        "assert 'ipywidgets' not in sys.modules, 'ipywidgets imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_accessor_opens_the_panel(df: pd.DataFrame) -> None:
    import auditkit._accessor  # noqa: F401  (registers df.audit)

    panel = df.audit.panel(rows=2)
    assert isinstance(panel, FilterPanel)
    assert panel.count == 9


def test_package_exports_filter_panel() -> None:
    assert auditkit.FilterPanel is FilterPanel


# ------------------------------------------------------------------ sandbox account


@pytest.fixture(scope="module")
def sandbox_df(sb: Any) -> pd.DataFrame:
    return auditkit.load_audit_logs(base_url=sb.base_url, token=sb.token, cache=False)


def _naive_search(df: pd.DataFrame, term: str) -> np.ndarray:
    hit = np.zeros(len(df), dtype=bool)
    for name in df.columns:
        col = df[name]
        if name == "when" or str(col.dtype) == "boolean":
            continue
        if col.dtype == object:
            text = pd.Series(
                [json.dumps(v, sort_keys=True) if v is not None else "" for v in col],
                dtype="string",
            )
        else:
            text = col.astype("string")
        hit |= text.str.contains(term, case=False, regex=False).fillna(False).to_numpy(bool)
    return hit


def test_sandbox_single_and_combined_filters(sandbox_df: pd.DataFrame) -> None:
    df = sandbox_df
    panel = FilterPanel(df)
    labels = dict((v, label) for label, v in panel.controls["actor"].options)
    n_tom = int((df["actor_email"] == "tom@example.org").sum())
    assert labels["tom@example.org"] == f"tom@example.org ({n_tom:,})"

    panel.controls["actor"].value = ("tom@example.org",)
    expected = df[df["actor_email"].eq("tom@example.org").fillna(False)]
    assert panel.filtered["id"].tolist() == expected["id"].tolist()

    panel.controls["zone"].value = ("example.com",)
    panel.controls["resource_type"].value = ("zone",)
    expected = expected[
        expected["zone_name"].eq("example.com").fillna(False)
        & expected["resource_type"].eq("zone").fillna(False)
    ]
    assert panel.filtered["id"].tolist() == expected["id"].tolist()
    assert 0 < panel.count < n_tom

    panel.reset()
    panel.controls["action_type"].value = ("login",)
    panel.controls["result"].value = "failed"
    expected = df[df["action_type"].eq("login").fillna(False) & df["action_result"].eq(False)]
    assert panel.filtered["id"].tolist() == expected["id"].tolist()
    assert panel.count >= 8  # the brute-force burst


def test_sandbox_search_and_dates(sandbox_df: pd.DataFrame) -> None:
    df = sandbox_df
    panel = FilterPanel(df)
    for term in ("203.0.113.66", "min_tls_version", "Backup", "change_setting flexible"):
        panel.controls["search"].value = term
        expected = np.ones(len(df), dtype=bool)
        for word in term.split():
            expected &= _naive_search(df, word)
        assert panel.filtered["id"].tolist() == df.loc[expected, "id"].tolist(), term
        assert panel.count > 0, term
    panel.reset()
    days = panel.controls["date_range"].options
    first, last = days[-30][1], days[-1][1]
    panel.controls["date_range"].value = (first, last)
    day = df["when"].dt.tz_convert(None).dt.date
    expected = df[(day >= first) & (day <= last)]
    assert panel.filtered["id"].tolist() == expected["id"].tolist()
    assert panel.chart_data()["events"].sum() == len(expected)
    _assert_summary_matches(panel, df)


def test_sandbox_summary_matches_activity_by_actor(sandbox_df: pd.DataFrame) -> None:
    panel = FilterPanel(sandbox_df, chart=False)
    _assert_summary_matches(panel, sandbox_df)
    panel.controls["resource_type"].value = ("zone", "DNS_record")
    panel.controls["search"].value = "example.com"
    _assert_summary_matches(panel, sandbox_df)


def test_benchmark_runs_and_agrees_with_naive_filter() -> None:
    # The benchmark checks the panel's rows against a plain pandas filter and exits
    # non-zero on a mismatch (or an update over 300 ms, which 8,000 rows never need).
    script = str(ROOT / "benchmarks" / "panel_update.py")
    proc = subprocess.run(
        [sys.executable, script, "--rows", "8000", "--repeat", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "within the 300 ms target" in proc.stdout


# ------------------------------------------------------------------ summary = activity_by_actor


class _Cells(HTMLParser):
    """The header and the rows of cells of the first HTML table in a text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _summary_cells(panel: FilterPanel) -> list[list[str]]:
    parser = _Cells()
    parser.feed(panel._summary.value)
    return parser.rows


def _expected_cells(df: pd.DataFrame, mask: np.ndarray, top: int) -> list[list[str]]:
    """The "By actor" table from activity_by_actor of the matching rows."""
    head = analysis.activity_by_actor(df[mask]).head(top)
    rows = [["actor", "events", "failures", "IPs", "zones", "top action", "last seen"]]
    for r in head.itertuples():
        last = "" if pd.isna(r.last_seen) else r.last_seen.strftime("%Y-%m-%d %H:%M")
        top_action = "" if pd.isna(r.top_action) else str(r.top_action)
        rows.append(
            [
                str(r.actor),
                f"{r.events:,}",
                f"{r.failures:,}",
                str(r.distinct_ips),
                str(r.distinct_zones),
                top_action,
                last,
            ]
        )
    return rows


def test_sandbox_summary_table_is_activity_by_actor(sandbox_df: pd.DataFrame) -> None:
    df = sandbox_df
    for top in (10, 3):
        panel = FilterPanel(df, chart=False, top_actors=top)
        actors = [v for _, v in panel.controls["actor"].options]
        days = panel.controls["date_range"].options
        states: list[dict[str, Any]] = [
            {},
            {"actor": tuple(actors[:3])},
            {"result": "failed"},
            {"resource_type": ("zone", "DNS_record"), "search": "example.com"},
            {"date_range": (days[-30][1], days[-1][1]), "interface": ("UI", "(none)")},
        ]
        for state in states:
            panel.reset()
            with panel.hold():
                for name, value in state.items():
                    panel.controls[name].value = value
            assert panel.count > 0, state
            expected = _expected_cells(df, panel.mask, top)
            assert _summary_cells(panel) == expected, state
            n_actors = len(analysis.activity_by_actor(df[panel.mask]))
            more = f"… and {n_actors - top:,} more actors" in panel._summary.value
            assert more == (n_actors > top), state
            _assert_summary_matches(panel, df)


def test_summary_is_activity_by_actor_whatever_the_frame(sandbox_df: pd.DataFrame) -> None:
    # The panel does not need actor_type, and reads a `when` that is not times as no date.
    df = sandbox_df.drop(columns="actor_type")
    panel = FilterPanel(df, chart=False)
    panel.controls["result"].value = "failed"
    expected = analysis.activity_by_actor(sandbox_df[panel.mask])[list(SUMMARY_COLUMNS)]
    pd.testing.assert_frame_equal(panel.summary(), expected.reset_index(drop=True))
    no_times = sandbox_df.assign(when=[True] * len(sandbox_df))
    panel = FilterPanel(no_times, chart=False)
    summary = panel.summary()
    assert summary["first_seen"].isna().all() and summary["last_seen"].isna().all()
    assert summary["events"].sum() == len(sandbox_df)
    without_when = analysis.activity_by_actor(sandbox_df.assign(when=pd.NaT))
    pd.testing.assert_frame_equal(summary, without_when[list(SUMMARY_COLUMNS)])


def test_panel_labels_actors_with_actor_label(sandbox_df: pd.DataFrame) -> None:
    panel = FilterPanel(sandbox_df, chart=False, rows=50)
    labels = analysis.actor_label(sandbox_df)
    counts = labels.value_counts()
    options = dict((v, label) for label, v in panel.controls["actor"].options)
    assert set(options) == set(labels)
    for actor, n in counts.items():
        assert options[actor] == f"{actor} ({n:,})"
    cells = _Cells()
    cells.feed(panel._table.value)
    header, *rows = cells.rows
    column = header.index("actor")
    assert [r[column] for r in rows] == labels.iloc[:50].tolist()
