"""Readable charts (issue 13) and v2's actor columns (issue 12), checked through the
returned Axes under Agg: texts measured by the renderer, artists, colours, data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.text import Text

import auditkit
from auditkit.analysis import activity_by_actor, risky_changes
from auditkit.frame import V2, records_to_frame
from auditkit.plotting import FAILURE_COLOR, plot_change_timeline
from auditkit.sandbox import generate_records

matplotlib.use("Agg")

ANCHOR = "2026-11-30"
STRING = pd.StringDtype("pyarrow")


@pytest.fixture(autouse=True)
def _close() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    """The sandbox account's records (seed 0, fixed anchor), as a v1 frame."""
    return records_to_frame(generate_records(seed=0, anchor=ANCHOR))


def _drawn_tick_labels(axis: Any) -> tuple[set[int], list[Text]]:
    """All tick label texts of ``axis`` (ids) and those drawn: ticks inside the view."""
    every = {
        id(label)
        for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]
        for label in (tick.label1, tick.label2)
    }
    low, high = sorted(axis.get_view_interval())
    span = (high - low) or 1.0
    drawn = []
    for loc, tick in zip(axis.get_majorticklocs(), axis.get_major_ticks(), strict=False):
        if low - 1e-9 * span <= loc <= high + 1e-9 * span:
            drawn += [t for t in (tick.label1, tick.label2) if t.get_visible()]
    return every, drawn


def _texts(fig: Any) -> list[Text]:
    """Every drawn, non-empty text of ``fig`` (titles, ticks, labels, legends, notes)."""
    ticks: set[int] = set()
    out: list[Text] = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            every, drawn = _drawn_tick_labels(axis)
            ticks |= every
            out += drawn
    for t in fig.findobj(Text):
        if id(t) not in ticks and t.get_visible() and t.get_figure(root=True) is fig:
            out.append(t)
    return [t for t in out if t.get_text().strip()]


def assert_readable(ax: Axes) -> list[Any]:
    """No two texts of the figure overlap and none leaves it; returns their boxes."""
    fig: Any = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bounds = fig.bbox
    texts = _texts(fig)
    boxes = [t.get_window_extent(renderer) for t in texts]
    for t, b in zip(texts, boxes, strict=True):
        assert b.x0 >= bounds.x0 - 0.5 and b.x1 <= bounds.x1 + 0.5, t.get_text()
        assert b.y0 >= bounds.y0 - 0.5 and b.y1 <= bounds.y1 + 0.5, t.get_text()
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i], boxes[j]
            overlap = (
                min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 and min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5
            )
            assert not overlap, (texts[i].get_text(), texts[j].get_text())
    return boxes


# ------------------------------------------------------------------- item 0: v2 actors


def _v2(rid: str, time: str, actor: dict[str, Any], product: str | None) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "id": rid,
        "action": {"time": time, "type": "update", "result": "success"},
        "actor": actor,
    }
    if product is not None:
        rec["resource"] = {"product": product, "type": "zone"}
    return rec


V2_RECORDS = [
    _v2("a", "2026-10-01T09:00:00Z", {"email": "ana@example.com", "token_name": "tf-ci"}, "dns"),
    _v2("b", "2026-10-01T10:00:00Z", {"email": "ana@example.com", "token_name": "Wrangler"}, "ssl"),
    _v2("c", "2026-10-01T11:00:00Z", {"email": "ana@example.com", "token_name": "tf-ci"}, "dns"),
    _v2("d", "2026-10-02T09:00:00Z", {"email": "bob@example.org"}, "cache"),
    _v2("e", "2026-10-02T10:00:00Z", {"email": "bob@example.org"}, None),
]


def test_activity_by_actor_on_v2_has_tokens_and_products() -> None:
    v2 = records_to_frame(V2_RECORDS, schema=V2)
    out = activity_by_actor(v2)
    assert list(out.columns[-2:]) == ["tokens", "products"]
    assert out["actor"].tolist() == ["ana@example.com", "bob@example.org"]
    assert out["tokens"].tolist() == ["Wrangler, tf-ci", pd.NA]
    assert out["products"].tolist() == ["dns, ssl", "cache"]
    assert out["tokens"].dtype == STRING and out["products"].dtype == STRING
    empty = activity_by_actor(v2.iloc[:0])
    assert list(empty.columns[-2:]) == ["tokens", "products"] and len(empty) == 0


def test_activity_by_actor_v2_columns_only_with_their_source() -> None:
    v2 = records_to_frame(V2_RECORDS, schema=V2)
    out = activity_by_actor(v2.drop(columns="actor_token_name"))
    assert "tokens" not in out.columns and out["products"].tolist() == ["dns, ssl", "cache"]
    out = activity_by_actor(v2.drop(columns="resource_product"))
    assert "products" not in out.columns and out["tokens"].tolist() == ["Wrangler, tf-ci", pd.NA]


def test_activity_by_actor_v1_output_unchanged(demo: pd.DataFrame) -> None:
    out = activity_by_actor(demo)
    assert list(out.columns) == list(auditkit.analysis._activity.ACTIVITY_BY_ACTOR_COLUMNS)
    # A v1 frame with v2's columns added is still read as v1: no new columns.
    extra = demo.assign(actor_token_name="tf-ci", resource_product="dns")
    pd.testing.assert_frame_equal(activity_by_actor(extra), out)


# ------------------------------------------------------------------- item 1: change timeline


def _incident(demo: pd.DataFrame) -> pd.DataFrame:
    return demo[(demo["when"] >= "2026-10-20") & (demo["when"] < "2026-11-05")]


@pytest.mark.parametrize("window", ["incident", "all"])
def test_change_timeline_on_the_demo_is_readable(demo: pd.DataFrame, window: str) -> None:
    df = _incident(demo) if window == "incident" else demo
    ax = plot_change_timeline(df, zone_name="example.com")
    assert ax.get_title() == "Value changes (zone_name=example.com)"  # one line, whole
    assert "\n" not in ax.get_title()
    boxes = assert_readable(ax)
    assert len(boxes) > 30
    labelled = [t for t in ax.texts if t.get_text()]
    assert len(labelled) >= (40 if window == "incident" else 30)
    # Every label lies inside the Axes (none under the x axis or past the right edge).
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    for t in labelled:
        b = t.get_window_extent(renderer)
        assert frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1


def test_change_timeline_marks_downgrades(demo: pd.DataFrame) -> None:
    df = _incident(demo)
    ax = plot_change_timeline(df, zone_name="example.com")
    changes, downgrades = ax.collections
    flagged = set(risky_changes(df)["id"])
    timeline = auditkit.analysis.change_timeline(df, zone_name="example.com")
    risky_times = sorted(
        {
            t.tz_convert(None)
            for t, i in zip(timeline["when"], timeline["id"], strict=True)
            if i in flagged
        }
    )
    xs = sorted(mdates.num2date(x).replace(tzinfo=None) for x, _ in downgrades.get_offsets())
    assert [pd.Timestamp(x).floor("s") for x in xs] == [t.floor("s") for t in risky_times]
    assert len(xs) == 6  # security level, SSL, min TLS, Always Use HTTPS, WAF, DNS burst
    assert to_hex(downgrades.get_facecolor()[0]) == FAILURE_COLOR
    assert to_hex(changes.get_facecolor()[0]) != FAILURE_COLOR
    assert downgrades.get_paths()[0] is not changes.get_paths()[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["change", "downgrade (risky_changes)"]
    red = {t.get_text() for t in ax.texts if to_hex(t.get_color()) == FAILURE_COLOR}
    assert {"high -> low", "full -> flexible", "on -> off"} <= red
    assert "low -> high" not in red
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert {"example.com (zone) · security_level", "example.com (zone) · waf"} <= set(ticks)


def test_change_timeline_dense_cluster_has_no_overlaps() -> None:
    zone = {"type": "zone", "id": "z1"}
    records = []
    for i in range(60):
        setting = ("ssl", "waf", "security_level", "always_use_https", "min_tls_version")[i % 5]
        records.append(
            {
                "id": f"c{i}",
                "when": f"2026-10-22T02:{i // 2:02d}:{(i % 2) * 30:02d}Z",
                "action": {"type": "change_setting", "result": True},
                "actor": {"email": "ana@example.com", "id": "u"},
                "resource": zone,
                "oldValue": "a fairly long old value " * (1 + i % 3),
                "newValue": "new" if i % 2 else "another long new value",
                "metadata": {"name": setting, "zone_name": "example.com"},
            }
        )
    df = records_to_frame(records)
    ax = plot_change_timeline(df, zone_name="example.com")
    assert sum(len(c.get_offsets()) for c in ax.collections) == 60  # every change a point
    assert_readable(ax)
    labelled = [t for t in ax.texts if t.get_text()]
    assert 5 <= len(labelled) < 60  # some fit, the rest are left out
    ys = {round(float(t.xy[1])) for t in labelled}
    assert ys == {0, 1, 2, 3, 4}  # every row keeps at least one label


def test_change_timeline_long_title_stays_on_one_line_inside(demo: pd.DataFrame) -> None:
    df = _incident(demo)
    zones = ["example.com", *[f"zone{i}.example.org" for i in range(12)]]
    ax = plot_change_timeline(df, zone_name=zones, resource_type=["zone", "DNS_record"])
    title = ax.get_title()
    assert "\n" not in title and title.endswith("…")
    assert title.startswith("Value changes (resource_type=zone, DNS_record; zone_name=example.com")
    assert_readable(ax)


def test_change_timeline_png(demo: pd.DataFrame) -> None:
    ax = plot_change_timeline(_incident(demo), zone_name="example.com")
    ax.figure.savefig("/tmp/hC_test_timeline.png", dpi=80)
    assert_readable(ax)


# ------------------------------------------------------------------- item 2: partial periods


def _frame_at(times: list[str]) -> pd.DataFrame:
    return records_to_frame(
        [
            {"id": str(i), "when": t, "actor": {"email": "ana@example.com", "id": "u"}}
            for i, t in enumerate(times)
        ]
    )


def test_activity_over_time_partial_column() -> None:
    # Thursday 2026-10-01 to Monday 2026-10-12: weeks Mon 09-28..Sun 10-04 (from
    # Thursday on: partial), 10-05..10-11 (whole), 10-12..10-18 (one day: partial).
    df = _frame_at(["2026-10-01T09:00:00Z", "2026-10-07T09:00:00Z", "2026-10-12T23:00:00Z"])
    weekly = auditkit.activity_over_time(df, freq="W", by=None, partial=True)
    assert list(weekly.columns) == ["events", "partial"]
    assert weekly.index.strftime("%Y-%m-%d").tolist() == ["2026-10-04", "2026-10-11", "2026-10-18"]
    assert weekly["events"].tolist() == [1, 1, 1]
    assert weekly["partial"].tolist() == [True, False, True]
    assert weekly["partial"].dtype == bool
    # Days are whole by definition: daily and hourly periods are never partial.
    daily = auditkit.activity_over_time(df, freq="D", partial=True)
    assert not daily["partial"].any() and len(daily) == 12
    monthly = auditkit.activity_over_time(df, freq="MS", by=None, partial=True)
    assert monthly["partial"].tolist() == [True]
    # A week from Monday to Sunday with data on both ends is whole.
    whole = _frame_at(["2026-10-05T00:00:00Z", "2026-10-11T23:59:59Z"])
    assert auditkit.activity_over_time(whole, "W", None, partial=True)["partial"].tolist() == [
        False
    ]
    # Without partial=True the output is counts only (unchanged).
    assert list(auditkit.activity_over_time(df, freq="W", by=None).columns) == ["events"]
    # Empty input: the column is there, empty.
    empty = auditkit.activity_over_time(df.iloc[:0], partial=True)
    assert list(empty.columns) == ["partial"] and len(empty) == 0


def test_activity_over_time_partial_errors() -> None:
    df = _frame_at(["2026-10-01T09:00:00Z"])
    with pytest.raises(auditkit.InvalidParameterError, match="partial"):
        auditkit.activity_over_time(df, partial="yes")  # type: ignore[arg-type]
    named = df.assign(action_type="partial")
    with pytest.raises(auditkit.InvalidParameterError, match="partial: cannot add"):
        auditkit.activity_over_time(named, by="action_type", partial=True)


def test_plot_activity_marks_partial_weeks(demo: pd.DataFrame) -> None:
    ax = auditkit.plot_activity(demo, freq="W")
    weekly = auditkit.activity_over_time(demo, freq="W", partial=True)
    # The sandbox's data start on a Monday and end on Monday 2026-11-23: only the
    # last week is partial, holding one day of data.
    assert weekly["partial"].tolist() == [False] * (len(weekly) - 1) + [True]
    assert weekly.index[-1] == pd.Timestamp("2026-11-29", tz="UTC")
    for container in ax.containers:
        hatches = [p.get_hatch() for p in container.patches]
        alphas = [p.get_alpha() for p in container.patches]
        assert hatches == [None] * (len(weekly) - 1) + ["///"]
        assert alphas[-1] == 0.45 and alphas[0] is None
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[-1] == "partial week (data cover part of it)"
    last = ax.containers[0].patches[-1]
    assert mdates.num2date(last.get_x()).strftime("%Y-%m-%d") == "2026-11-23"  # a Monday
    assert last.get_width() == 7.0
    assert_readable(ax)


def test_plot_activity_daily_has_no_partial_note(demo: pd.DataFrame) -> None:
    ax = auditkit.plot_activity(demo, freq="D")
    assert all(p.get_hatch() is None for c in ax.containers for p in c.patches)
    assert not any("partial" in t.get_text() for t in ax.get_legend().get_texts())


# ------------------------------------------------------------------- item 3: long ranges


@pytest.mark.parametrize(
    ("start", "end", "freq", "title"),
    [
        ("2022-01-03", "2026-07-01", "MS", "Events per month by actor"),  # 4.5 years: 55 bars
        ("2026-05-25", "2026-11-23", "W", "Events per week by actor"),  # 6 months: 27 bars
        ("2026-10-01", "2026-11-15", "D", "Events per day by actor"),  # 46 days: 46 bars
        ("2010-01-01", "2026-01-01", "QS", "Events per quarter by actor"),  # 16 years: 65
        ("1990-01-01", "2026-01-01", "YS", "Events per year by actor"),  # 36 years: 37
    ],
)
def test_plot_activity_chooses_the_period(start: str, end: str, freq: str, title: str) -> None:
    times = pd.date_range(start, end, periods=400, tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    df = _frame_at(list(times))
    ax = auditkit.plot_activity(df)
    assert ax.get_title() == title
    expected = auditkit.activity_over_time(df, freq=freq)
    (bars,) = ax.containers
    assert len(bars.patches) == len(expected)
    assert [p.get_height() for p in bars.patches] == expected.iloc[:, 0].tolist()
    assert len(expected) <= 90
    # freq given: as asked
    assert auditkit.plot_activity(df, freq="YS").get_title() == "Events per year by actor"


def test_plot_activity_long_range_bars_are_visible() -> None:
    times = pd.date_range("2022-01-03", "2026-07-01", periods=2000, tz="UTC")
    df = _frame_at(list(times.strftime("%Y-%m-%dT%H:%M:%SZ")))
    ax = auditkit.plot_activity(df)
    ax.figure.canvas.draw()  # type: ignore[attr-defined]
    widths = [p.get_window_extent().width for p in ax.containers[0].patches]
    assert 50 <= len(widths) <= 60 and min(widths) >= 5  # pixels, at 100 dpi


# ------------------------------------------------------------------- item 4: actor labels


def test_actor_label_rule_on_v1_and_v2() -> None:
    v1 = records_to_frame(
        [
            {"actor": {"email": "ana@example.com", "id": "u1", "type": "user"}},
            {"actor": {"id": "1", "type": "system"}},
            {"actor": {"id": "cloudflare", "type": "Cloudflare"}},
            {"actor": {"id": "42", "type": "system"}},
            {"actor": {"id": "cf9", "type": "Cloudflare"}},
            {"actor": {"email": "support@cloudflare.com", "id": "a1", "type": "admin"}},
            {"actor": {"id": "u9", "type": "user"}},
            {"actor": {"type": "system"}},
            {},
        ]
    )
    assert auditkit.analysis.actor_label(v1).tolist() == [
        "ana@example.com",
        "system",
        "Cloudflare",
        "system (42)",
        "Cloudflare (cf9)",
        "support@cloudflare.com",
        "u9",
        "system",
        "(unknown)",
    ]
    v2 = records_to_frame(
        [
            {"id": "a", "actor": {"id": "1", "type": "system"}},
            {"id": "b", "actor": {"id": "cloudflare", "type": "system"}},
            {"id": "c", "actor": {"id": "x", "type": "cloudflare_admin"}},
            {"id": "d", "actor": {"id": "acc", "type": "account"}},
        ],
        schema=V2,
    )
    assert auditkit.analysis.actor_label(v2).tolist() == [
        "system",
        "Cloudflare",
        "Cloudflare (x)",
        "acc",
    ]
    # Without actor_type, the id (nothing says what kind of actor it is).
    bare = v1[["actor_email", "actor_id"]]
    assert auditkit.analysis.actor_label(bare).tolist()[1:3] == ["1", "cloudflare"]


def test_system_actors_are_named_everywhere(demo: pd.DataFrame) -> None:
    summary = activity_by_actor(demo)
    assert summary["actor"].tolist() == [
        "raj@example.com",
        "michelle@example.com",
        "ana@example.net",
        "tom@example.org",
        "system",
        "Cloudflare",
        "support@cloudflare.com",
    ]
    assert summary["events"].tolist() == [1537, 973, 781, 506, 43, 8, 5]
    ax = auditkit.plot_actor_summary(demo)
    assert [t.get_text() for t in ax.get_yticklabels()][4:6] == ["system", "Cloudflare"]
    ax = auditkit.plot_activity(demo)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"system", "Cloudflare"} <= set(legend) and "1" not in legend
    assert "system" in set(auditkit.analysis.change_timeline(demo)["actor"])


def test_panel_names_system_actors(demo: pd.DataFrame) -> None:
    from auditkit.panel import FilterPanel

    panel = FilterPanel(demo, chart=False)
    options = dict((v, label) for label, v in panel.controls["actor"].options)
    assert options["system"] == "system (43)" and options["Cloudflare"] == "Cloudflare (8)"
    assert "1" not in options
    panel.controls["actor"].value = ("system",)
    assert panel.count == 43
    assert panel.summary()["actor"].tolist() == ["system"]


# ------------------------------------------------------------------- item 5: heatmap


def test_heatmap_zero_cells_agree_with_the_colour_bar(demo: pd.DataFrame) -> None:
    ax = auditkit.plot_activity_heatmap(demo)
    (image,) = ax.images
    data = image.get_array()
    counts = auditkit.activity_heatmap(demo).to_numpy()
    assert np.array_equal(data.mask, counts == 0) and (counts == 0).sum() == 34
    # The scale starts at 1 event; zero cells (masked) and the colour bar's "min"
    # triangle both get the transparent colour, and the triangle is marked "0".
    assert image.norm.vmin == 1 and image.norm.vmax == counts.max() == 100
    cmap = image.get_cmap()
    assert cmap.get_bad()[3] == 0 and cmap.get_under()[3] == 0
    assert to_hex(cmap(0.0)) == "#440154"  # viridis' dark purple = 1 event
    colorbar = image.colorbar
    assert colorbar is not None and colorbar.extend == "min"
    assert colorbar.ax.get_ylabel() == "events (blank: 0)"
    assert [t.get_text() for t in colorbar.ax.texts] == ["0"]
    boxes = assert_readable(ax)
    assert boxes
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    zero = colorbar.ax.texts[0].get_window_extent(renderer)
    bar = colorbar.ax.get_window_extent(renderer)
    assert zero.y1 <= bar.y0 + 1  # beside the triangle, below the scale's bottom
    assert colorbar.outline.get_visible()


# ------------------------------------------------------------------- item 6: actor summary


def test_actor_summary_failures_are_readable(demo: pd.DataFrame) -> None:
    ax = auditkit.plot_actor_summary(demo)
    _, failures = ax.containers
    assert [p.get_width() for p in failures] == [12, 15, 5, 6, 0, 0, 0]
    red = [t for t in ax.texts if to_hex(t.get_color()) == FAILURE_COLOR]
    assert [t.get_text() for t in red if t.get_text()] == [
        "12 failed (0.78%)",
        "15 failed (1.5%)",
        "5 failed (0.64%)",
        "6 failed (1.2%)",
    ]
    assert all(t.get_fontweight() == "bold" for t in red)
    boxes = assert_readable(ax)
    assert boxes
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    label = next(t for t in red if t.get_text().startswith("12"))
    assert label.get_window_extent(renderer).width > 60  # pixels: readable, not a sliver


def test_failure_rate_text() -> None:
    from auditkit.plotting._actors import _percent

    assert [_percent(r) for r in (12 / 1537, 0.015, 0.12, 0.5, 1.0)] == [
        "0.78%",
        "1.5%",
        "12%",
        "50%",
        "100%",
    ]


# ------------------------------------------------------------------- item 7: docs charts


def test_render_charts_writes_every_chart(tmp_path: Any) -> None:
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "docs" / "render_charts.py"
    spec = importlib.util.spec_from_file_location("render_charts", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.main(tmp_path)
    names = [p.name for p in written]
    assert names == [
        "activity.png",
        "activity_heatmap.png",
        "actor_summary.png",
        "change_timeline.png",
        "activity_v2.png",
    ]
    first = {p.name: p.read_bytes() for p in written}
    for p in written:
        assert first[p.name][:8] == b"\x89PNG\r\n\x1a\n" and len(first[p.name]) > 20_000
    (tmp_path / "again").mkdir()
    again = module.main(tmp_path / "again")
    assert {p.name: p.read_bytes() for p in again} == first  # deterministic
