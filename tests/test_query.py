"""Validation of every filter (before any request) and the window plan."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone

import pandas as pd
import pytest

from auditkit._query import to_utc
from auditkit._windows import Window, plan_windows
from auditkit.errors import InvalidParameterError
from auditkit.sources.v1 import AuditLogQuery

UTC = UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-10-01", "2026-10-01T00:00:00+00:00"),
        ("2026-10-01T12:30:00Z", "2026-10-01T12:30:00+00:00"),
        ("2026-10-01T14:30:00+02:00", "2026-10-01T12:30:00+00:00"),
        ("2026-10-01T12:30:00.250", "2026-10-01T12:30:00.250000+00:00"),
        (date(2026, 10, 1), "2026-10-01T00:00:00+00:00"),
        (datetime(2026, 10, 1, 9), "2026-10-01T09:00:00+00:00"),
        (
            datetime(2026, 10, 1, 9, tzinfo=timezone(timedelta(hours=-5))),
            "2026-10-01T14:00:00+00:00",
        ),
        (pd.Timestamp("2026-10-01 09:00"), "2026-10-01T09:00:00+00:00"),
    ],
)
def test_time_bounds_accept_all_forms_naive_is_utc(value: object, expected: str) -> None:
    assert to_utc(value, "since").isoformat() == expected


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"since": "yesterday-ish"}, "since"),
        ({"before": "2026-13-45"}, "before"),
        ({"since": 1700000000}, "since"),
        ({"since": ""}, "since"),
        ({"since": "2026-10-02", "before": "2026-10-01"}, "since"),
        ({"since": "2026-10-01", "before": "2026-10-01"}, "since"),
        ({"actor_ip": "300.1.1.1"}, "actor_ip"),
        ({"actor_ip": "10.0.0.0/33"}, "actor_ip"),
        ({"actor_ip": "not-an-ip"}, "actor_ip"),
        ({"per_page": 0}, "per_page"),
        ({"per_page": 1001}, "per_page"),
        ({"per_page": 100.0}, "per_page"),
        ({"per_page": True}, "per_page"),
        ({"direction": "up"}, "direction"),
        ({"direction": None}, "direction"),
        ({"hide_user_logs": "yes"}, "hide_user_logs"),
        ({"account_id": "../../etc"}, "account_id"),
        ({"account_id": ""}, "account_id"),
        ({"actor_email": ""}, "actor_email"),
        ({"actor_email": 5}, "actor_email"),
        ({"zone_name": "a\nb"}, "zone_name"),
        ({"action_type": "  "}, "action_type"),
        ({"id": 12}, "id"),
    ],
)
def test_bad_input_names_the_parameter(kwargs: dict, parameter: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        AuditLogQuery.build(**kwargs)
    assert info.value.parameter == parameter
    assert str(info.value).startswith(f"{parameter}: ")
    assert isinstance(info.value, ValueError)


def test_filters_map_to_wire_names() -> None:
    q = AuditLogQuery.build(
        id="abc",
        action_type="change_setting",
        actor_email="michelle@example.com",
        actor_ip="198.51.100.0/24",
        zone_name="example.com",
        direction="ASC",
        hide_user_logs=True,
        per_page=50,
    )
    assert q.filter_params() == {
        "id": "abc",
        "action.type": "change_setting",
        "actor.email": "michelle@example.com",
        "actor.ip": "198.51.100.0/24",
        "zone.name": "example.com",
        "direction": "asc",
        "hide_user_logs": "true",
    }
    assert q.path == "/user/audit_logs" and q.scope == "user"
    acct = AuditLogQuery.build(account_id="023e105f4ecef8ad9ca31a8372d0c353")
    assert acct.path == "/accounts/023e105f4ecef8ad9ca31a8372d0c353/audit_logs"
    assert acct.scope == "account"


def test_ipv6_cidr_accepted() -> None:
    assert AuditLogQuery.build(actor_ip="2001:db8::/32").actor_ip == "2001:db8::/32"


NOW = pd.Timestamp("2026-11-25 12:00:00", tz="UTC")


def _spans(windows: list[Window]) -> list[tuple[str | None, str, bool]]:
    return [
        (None if w.start is None else w.start.isoformat(), w.end.isoformat(), w.cacheable)
        for w in windows
    ]


def test_windows_cover_the_range_without_gaps() -> None:
    since = pd.Timestamp("2026-08-15 06:30", tz="UTC")
    windows = plan_windows(since, NOW, NOW)
    assert windows[0].start == pd.Timestamp("2026-08-15", tz="UTC")
    for a, b in itertools.pairwise(windows):
        assert a.end == b.start
    assert windows[-1].end == NOW
    spans = _spans(windows)
    # partial August by days, whole September and October as months, November by days
    assert ("2026-09-01T00:00:00+00:00", "2026-10-01T00:00:00+00:00", True) in spans
    assert ("2026-10-01T00:00:00+00:00", "2026-11-01T00:00:00+00:00", True) in spans
    assert spans[-1] == ("2026-11-25T00:00:00+00:00", "2026-11-25T12:00:00+00:00", False)
    assert len(windows) == 17 + 2 + 25


def test_window_settles_an_hour_after_its_end() -> None:
    now = pd.Timestamp("2026-11-25 00:30", tz="UTC")
    windows = plan_windows(pd.Timestamp("2026-11-24", tz="UTC"), now, now)
    assert _spans(windows) == [
        ("2026-11-24T00:00:00+00:00", "2026-11-25T00:00:00+00:00", False),
        ("2026-11-25T00:00:00+00:00", "2026-11-25T00:30:00+00:00", False),
    ]


def test_no_since_starts_with_one_window_before_retention() -> None:
    windows = plan_windows(None, NOW, NOW)
    assert windows[0].start is None
    assert windows[0].end == pd.Timestamp("2025-05-01", tz="UTC")


def test_reload_a_day_later_reuses_every_closed_window() -> None:
    since = NOW - pd.Timedelta(days=30)
    first = {w for w in plan_windows(since, NOW, NOW) if w.cacheable}
    later = NOW + pd.Timedelta(days=1)
    second = plan_windows(later - pd.Timedelta(days=30), later, later)
    new = [w for w in second if w not in first]
    # only yesterday's (now closed) day and today's open window are new
    assert _spans(new) == [
        ("2026-11-25T00:00:00+00:00", "2026-11-26T00:00:00+00:00", True),
        ("2026-11-26T00:00:00+00:00", "2026-11-26T12:00:00+00:00", False),
    ]


def test_unaligned_is_one_window_and_bounds_widen_by_a_second() -> None:
    since = pd.Timestamp("2026-10-01 10:00:00.5", tz="UTC")
    (w,) = plan_windows(since, NOW, NOW, align=False)
    assert w.wire_bounds() == {"since": "2026-10-01T09:59:59Z", "before": "2026-11-25T12:00:01Z"}
    assert w.wire_bounds(widen=False) == {
        "since": "2026-10-01T10:00:00Z",
        "before": "2026-11-25T12:00:00Z",
    }


def test_rolling_window_from_the_first_of_a_month_stays_in_days() -> None:
    # "the last 30 days" run on Oct 1 and on Sep 30: the second run fetches only what is new
    oct1 = pd.Timestamp("2026-10-01 10:00", tz="UTC")
    sep30 = pd.Timestamp("2026-09-30 10:00", tz="UTC")
    today = plan_windows(oct1 - pd.Timedelta(days=30), oct1, oct1)
    yesterday = {
        w for w in plan_windows(sep30 - pd.Timedelta(days=30), sep30, sep30) if w.cacheable
    }
    assert all(w.end - w.start <= pd.Timedelta(days=1) for w in today if w.start is not None)
    assert _spans([w for w in today if w not in yesterday]) == [
        ("2026-09-30T00:00:00+00:00", "2026-10-01T00:00:00+00:00", True),
        ("2026-10-01T00:00:00+00:00", "2026-10-01T10:00:00+00:00", False),
    ]
    # a range that covers the whole month still gets one month window
    whole = plan_windows(pd.Timestamp("2026-09-01", tz="UTC"), oct1, oct1)
    assert _spans(whole)[0] == ("2026-09-01T00:00:00+00:00", "2026-10-01T00:00:00+00:00", True)
