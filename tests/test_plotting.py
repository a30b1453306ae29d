"""Plots, inspected through their artists, labels and data under Agg."""

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

import auditkit._accessor  # noqa: F401  (registers df.audit)
from auditkit.analysis import activity_by_actor, activity_heatmap
from auditkit.frame import empty_frame, records_to_frame
from auditkit.plotting import (
    OTHER_COLOR,
    plot_activity,
    plot_activity_heatmap,
    plot_actor_summary,
    plot_change_timeline,
)

matplotlib.use("Agg")


def rec(
    id: str,
    when: str | None,
    action: str = "login",
    *,
    email: str | None = "ana@example.com",
    actor_id: str = "u",
    result: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    actor: dict[str, Any] = {"id": actor_id, "type": "user" if email else "system"}
    if email:
        actor["email"] = email
        actor["ip"] = "192.0.2.1"
    return {
        "id": id,
        "when": when,
        "action": {"type": action, "result": result},
        "actor": actor,
        **extra,
    }


@pytest.fixture(autouse=True)
def _no_show_and_close(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("plt.show() called")

    monkeypatch.setattr(plt, "show", fail)
    yield
    plt.close("all")


@pytest.fixture()
def activity() -> pd.DataFrame:
    return records_to_frame(
        [
            rec("1", "2026-10-01T09:00:00Z"),
            rec("2", "2026-10-01T10:00:00Z"),
            rec("3", "2026-10-03T09:00:00Z"),
            rec("4", "2026-10-01T11:00:00Z", email="bob@example.com"),
            rec("5", "2026-10-03T11:00:00Z", email="cat@example.com"),
            rec("6", "2026-10-03T12:00:00Z", email=None, actor_id="1"),
        ]
    )


def assert_date_axis(ax: Axes) -> None:
    assert ax.xaxis.get_converter() is not None
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    assert isinstance(ax.xaxis.get_major_locator(), mdates.AutoDateLocator)


def heights(container: Any) -> list[float]:
    return [float(p.get_height()) for p in container]


def test_plot_activity_stacks_counts(activity: pd.DataFrame) -> None:
    before = activity.copy(deep=True)
    ax = plot_activity(activity, freq="D")
    pd.testing.assert_frame_equal(activity, before)
    assert isinstance(ax, Axes)
    assert ax.get_title() == "Events per day by actor"
    assert ax.get_ylabel() == "events"
    assert ax.get_xlabel() == "date (UTC)"
    assert_date_axis(ax)
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "actor"
    assert [t.get_text() for t in legend.get_texts()] == [
        "ana@example.com",
        "bob@example.com",
        "cat@example.com",
        "system",  # the system actor (id "1"), labelled by actor_label
    ]
    assert [c.get_label() for c in ax.containers] == [t.get_text() for t in legend.get_texts()]
    ana, bob, cat, system = ax.containers
    assert heights(ana) == [2, 0, 1]
    assert heights(system) == [0, 0, 1]
    assert heights(bob) == [1, 0, 0]
    assert heights(cat) == [0, 0, 1]
    assert [float(p.get_y()) for p in system] == [3, 0, 2]  # stacked on the others
    starts = [float(p.get_x()) for p in ana]
    assert starts == [float(mdates.date2num(pd.Timestamp(f"2026-10-0{d}"))) for d in (1, 2, 3)]
    assert [float(p.get_width()) for p in ana] == [1.0, 1.0, 1.0]


def test_plot_activity_top_n_and_other(activity: pd.DataFrame) -> None:
    _, given = plt.subplots()
    ax = plot_activity(activity, freq="D", top=2, ax=given)
    assert ax is given
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "ana@example.com",
        "bob@example.com",
        "other",
    ]
    other = ax.containers[-1]
    assert heights(other) == [0, 0, 2]
    assert to_hex(other.patches[0].get_facecolor()) == OTHER_COLOR
    with pytest.raises(ValueError, match="top"):
        plot_activity(activity, top=0)


def test_plot_activity_other_is_the_only_grey() -> None:
    df = records_to_frame(
        [
            rec(f"{i}-{j}", "2026-10-01T09:00:00Z", email=f"u{i:02d}@example.com")
            for i in range(10)
            for j in range(10 - i)
        ]
    )
    ax = plot_activity(df, top=8)
    labels = [c.get_label() for c in ax.containers]
    assert labels == [f"u{i:02d}@example.com" for i in range(8)] + ["other"]
    assert heights(ax.containers[-1]) == [2 + 1]
    colors = [to_hex(c.patches[0].get_facecolor()) for c in ax.containers]
    assert colors[-1] == OTHER_COLOR
    assert "#7f7f7f" not in colors  # tab10's grey is skipped
    assert len(set(colors)) == 9


def test_plot_activity_weekly_and_without_groups(activity: pd.DataFrame) -> None:
    ax = plot_activity(activity, freq="W", by=None)
    assert ax.get_title() == "Events per week"
    # no groups; the legend only explains the (partial) week's hatching
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "partial week (data cover part of it)"
    ]
    (bars,) = ax.containers
    assert heights(bars) == [6]
    # the week labelled Sunday 2026-10-04 (pandas' label) holds Monday to that Sunday
    assert float(bars.patches[0].get_x()) == float(mdates.date2num(pd.Timestamp("2026-09-28")))
    assert float(bars.patches[0].get_width()) == 7.0
    ax = plot_activity(activity, freq="h", by="interface")
    assert ax.get_title() == "Events per hour by interface"
    assert sum(sum(heights(c)) for c in ax.containers) == 6


def test_plot_activity_empty() -> None:
    ax = plot_activity(empty_frame())
    assert ax.containers == []
    assert [t.get_text() for t in ax.texts] == ["no events"]
    assert ax.get_title() == "Events per day by actor"
    assert_date_axis(ax)


def test_plot_activity_heatmap(activity: pd.DataFrame) -> None:
    ax = plot_activity_heatmap(activity)
    (image,) = ax.images
    data = image.get_array()
    assert np.array_equal(data.filled(0), activity_heatmap(activity).to_numpy())
    assert data.mask[0, 0]  # empty cells are transparent
    assert int(data[3, 9]) == 1  # Thursday 2026-10-01 09:00
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    assert ax.get_title() == "Events by weekday and hour (UTC)"
    assert ax.get_xlabel() == "hour of day (UTC)"
    colorbar = image.colorbar
    assert colorbar is not None and colorbar.ax.get_ylabel() == "events (blank: 0)"
    ny = plot_activity_heatmap(activity, tz="America/New_York")
    assert ny.get_title() == "Events by weekday and hour (America/New_York)"
    assert int(ny.images[0].get_array()[3, 5]) == 1


def test_plot_activity_heatmap_empty() -> None:
    ax = plot_activity_heatmap(empty_frame())
    assert ax.images[0].get_array().mask.all()
    assert [t.get_text() for t in ax.texts] == ["no events"]


@pytest.fixture()
def changes() -> pd.DataFrame:
    zone = {"type": "zone", "id": "z1"}
    return records_to_frame(
        [
            rec("s1", "2026-10-01T09:00:00Z", "change_setting", resource=zone,
                oldValue="high", newValue="low",
                metadata={"name": "security_level", "zone_name": "a.com"}),
            rec("s2", "2026-10-02T09:00:00Z", "change_setting", resource=zone,
                oldValue="low", newValue="high",
                metadata={"name": "security_level", "zone_name": "a.com"}),
            rec("d1", "2026-10-01T12:00:00Z", "rec_set",
                resource={"type": "DNS_record", "id": "r1"}, metadata={"zone_name": "a.com"},
                oldValueJson={"name": "www.a.com", "type": "A", "content": "192.0.2.1", "ttl": 1},
                newValueJson={"name": "www.a.com", "type": "A", "content": "192.0.2.2", "ttl": 60}),
            rec("l1", "2026-10-01T13:00:00Z", "login"),
        ]
    )  # fmt: skip


def test_plot_change_timeline(changes: pd.DataFrame) -> None:
    before = changes.copy(deep=True)
    ax = plot_change_timeline(changes)
    pd.testing.assert_frame_equal(changes, before)
    assert ax.get_title() == "Value changes"
    assert ax.get_xlabel() == "time (UTC)"
    assert_date_axis(ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "a.com (zone) · security_level",
        "A www.a.com (DNS_record)",
    ]
    assert [t.get_text() for t in ax.texts] == [  # in time order
        "high -> low",
        "content: 192.0.2.1 -> 192.0.2.2; ttl: 1 -> 60",
        "low -> high",
    ]
    points, downgrades = ax.collections  # high -> low is flagged by risky_changes
    offsets = points.get_offsets()
    expected = [
        (pd.Timestamp("2026-10-01 12:00"), 1),
        (pd.Timestamp("2026-10-02 09:00"), 0),
    ]
    assert offsets.tolist() == [[float(mdates.date2num(t)), y] for t, y in expected]
    down = pd.Timestamp("2026-10-01 09:00")
    assert downgrades.get_offsets().tolist() == [[float(mdates.date2num(down)), 0]]


def test_plot_change_timeline_filters_and_labels(changes: pd.DataFrame) -> None:
    ax = plot_change_timeline(changes, setting=["content"], max_label=12)
    assert ax.get_title() == "Value changes (setting=content)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["content"]
    assert ax.get_ylabel() == "A www.a.com (DNS_record)"
    assert [t.get_text() for t in ax.texts] == ["192.0.2.1 -…"]
    ax = plot_change_timeline(changes, resource_type="zone", max_rows=1)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["security_level"]
    assert ax.get_ylabel() == "a.com (zone)"
    ax = plot_change_timeline(changes, zone_name="nowhere")
    assert len(ax.collections) == 0
    assert [t.get_text() for t in ax.texts] == ["no value changes"]
    ax = plot_change_timeline(empty_frame())
    assert [t.get_text() for t in ax.texts] == ["no value changes"]
    assert_date_axis(ax)


def test_plot_actor_summary(activity: pd.DataFrame) -> None:
    failed = records_to_frame(
        [rec("f1", "2026-10-04T00:00:00Z", result=False, email="bob@example.com")]
    )
    df = pd.concat([activity, failed], ignore_index=True)
    ax = plot_actor_summary(df)
    assert ax.get_title() == "Events and failures per actor"
    assert ax.get_xlabel() == "events"
    summary = activity_by_actor(df)
    assert [t.get_text() for t in ax.get_yticklabels()] == summary["actor"].tolist()
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "ana@example.com",
        "bob@example.com",
        "cat@example.com",
        "system",
    ]
    events, failures = ax.containers
    assert [float(p.get_width()) for p in events] == [3, 2, 1, 1]
    assert [float(p.get_width()) for p in failures] == [0, 1, 0, 0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["events", "failures"]
    top = plot_actor_summary(df, top=2)
    assert top.get_title() == "Events and failures per actor (top 2 of 4)"
    assert len(top.containers[0]) == 2
    empty = plot_actor_summary(empty_frame())
    assert [t.get_text() for t in empty.texts] == ["no events"]


def test_plot_change_timeline_leaves_out_overlapping_labels() -> None:
    zone = {"type": "zone", "id": "z1"}
    df = records_to_frame(
        [
            rec(f"s{i}", f"2026-10-01T09:{i:02d}:00Z", "change_setting", resource=zone,
                oldValue="on" if i % 2 else "off", newValue="off" if i % 2 else "on",
                metadata={"name": "development_mode", "zone_name": "a.com"})
            for i in range(6)
        ]
        + [
            rec("late", "2026-10-02T09:00:00Z", "change_setting", resource=zone,
                oldValue="off", newValue="on",
                metadata={"name": "development_mode", "zone_name": "a.com"})
        ]
    )  # fmt: skip
    ax = plot_change_timeline(df)
    assert len(ax.collections[0].get_offsets()) == 7  # every change is a point
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["off -> on", "on -> off", "off -> on"]  # 09:00 above, 09:01 below, late
    assert [t.xyann[1] for t in ax.texts] == [4, -4, 4]  # above, below, above


def test_plots_through_the_accessor(activity: pd.DataFrame, changes: pd.DataFrame) -> None:
    _, axes = plt.subplots(2, 2)
    assert activity.audit.plot_activity(freq="D", ax=axes[0, 0]) is axes[0, 0]
    assert activity.audit.plot_activity_heatmap(ax=axes[0, 1]) is axes[0, 1]
    assert (
        changes.audit.plot_change_timeline(setting="security_level", ax=axes[1, 0]) is (axes[1, 0])
    )
    assert activity.audit.plot_actor_summary(ax=axes[1, 1]) is axes[1, 1]
    with pytest.raises(ValueError, match=r"plot_change_timeline\(\).*'old_value_json'"):
        changes.drop(columns="old_value_json").audit.plot_change_timeline()


def test_plots_follow_the_active_style(activity: pd.DataFrame) -> None:
    with plt.style.context("dark_background"):
        ax = plot_activity(activity, freq="D")
        title = ax.title.get_color()
        first = to_hex(ax.containers[0].patches[0].get_facecolor())
    assert title == "white"
    assert first == plt.style.library["dark_background"]["axes.prop_cycle"].by_key()["color"][0]
    ax = plot_activity(activity, freq="D")
    assert ax.title.get_color() == "black"
    assert ax.figure.get_facecolor() == matplotlib.colors.to_rgba(plt.rcParams["figure.facecolor"])


def test_plots_on_a_sandbox_load(sb: Any) -> None:
    df = records_to_frame(sb.records)
    ax = plot_activity(df, freq="W")
    total = sum(sum(heights(c)) for c in ax.containers)
    assert total == df["when"].notna().sum()
    assert len(ax.get_legend().get_texts()) <= 9
    ax = plot_change_timeline(df, zone_name="example.com", setting="waf")
    assert "on -> off" in [t.get_text() for t in ax.texts]
    ax = plot_actor_summary(df)
    assert sum(float(p.get_width()) for p in ax.containers[0]) == len(df)
