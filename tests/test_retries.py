"""Retries and faults, driven through the sandbox's fault knobs over real HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from auditkit import APIError, RateLimitError, RetryPolicy, TransportError, load_audit_logs

FAST = RetryPolicy(backoff=0.01, max_backoff=0.02, timeout=10)
RANGE = {"since": "2026-09-01", "before": "2026-09-03"}  # two closed day windows


def load(server: Any, **kwargs: Any) -> pd.DataFrame:
    kwargs.setdefault("cache", False)
    kwargs.setdefault("progress", False)
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("workers", 1)
    return load_audit_logs(base_url=server.base_url, token=server.token, **kwargs)


@pytest.fixture()
def baseline(fresh_sb: Any) -> pd.DataFrame:
    df = load(fresh_sb, **RANGE)
    assert len(df) > 0
    return df


def test_429_retry_after_is_honoured(fresh_sb: Any, baseline: pd.DataFrame) -> None:
    fresh_sb.faults.rate_limit(1, retry_after=1)
    start = time.monotonic()
    df = load(fresh_sb, **RANGE)
    assert time.monotonic() - start >= 1.0
    pd.testing.assert_frame_equal(df, baseline, check_like=False)


def test_429_longer_than_max_wait_raises_with_when_to_retry(fresh_sb: Any) -> None:
    fresh_sb.faults.rate_limit(1, retry_after=3600)
    start = time.monotonic()
    with pytest.raises(RateLimitError) as info:
        load(fresh_sb, retry=RetryPolicy(max_wait=60, backoff=0.01), **RANGE)
    assert time.monotonic() - start < 5
    err = info.value
    assert err.status == 429 and err.retry_after == 3600
    assert err.retry_at is not None
    assert abs(err.retry_at - (datetime.now(UTC) + timedelta(hours=1))) < timedelta(seconds=30)
    assert "max_wait=60" in str(err) and "Retry after" in str(err)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(fresh_sb: Any, baseline: pd.DataFrame, status: int) -> None:
    fresh_sb.faults.server_error(2, status=status)
    df = load(fresh_sb, **RANGE)
    assert df.attrs["requests"] == baseline.attrs["requests"] + 2
    pd.testing.assert_frame_equal(df, baseline)


def test_retries_are_bounded(fresh_sb: Any) -> None:
    fresh_sb.faults.server_error(50, status=503)
    with pytest.raises(APIError) as info:
        load(fresh_sb, retry=RetryPolicy(max_retries=3, backoff=0.01), **RANGE)
    assert info.value.status == 503


def test_dropped_connection_is_retried(fresh_sb: Any, baseline: pd.DataFrame) -> None:
    fresh_sb.faults.drop_connection(2)
    pd.testing.assert_frame_equal(load(fresh_sb, **RANGE), baseline)


def test_dropped_connection_every_time_is_a_transport_error(fresh_sb: Any) -> None:
    fresh_sb.faults.drop_connection(50)
    with pytest.raises(TransportError):
        load(fresh_sb, retry=RetryPolicy(max_retries=2, backoff=0.01), **RANGE)


def test_truncated_json_is_retried(fresh_sb: Any, baseline: pd.DataFrame) -> None:
    fresh_sb.faults.truncate_json(2)
    pd.testing.assert_frame_equal(load(fresh_sb, **RANGE), baseline)


def test_success_false_is_not_an_empty_page(fresh_sb: Any, baseline: pd.DataFrame) -> None:
    fresh_sb.faults.success_false(1)
    pd.testing.assert_frame_equal(load(fresh_sb, **RANGE), baseline)
    fresh_sb.faults.success_false(50)
    with pytest.raises(APIError) as info:
        load(fresh_sb, retry=RetryPolicy(max_retries=1, backoff=0.01), **RANGE)
    assert info.value.status == 200 and info.value.codes


def _recent_records(n: int, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "id": f"rec-{i:04d}",
            "action": {"result": True, "type": "login"},
            "actor": {"email": "a@example.com", "id": "u1", "ip": "192.0.2.1", "type": "user"},
            "interface": "UI",
            "metadata": {},
            "newValue": "",
            "oldValue": "",
            "owner": {"id": "o1"},
            "resource": {"id": "r1", "type": "account"},
            "when": (now - timedelta(seconds=30 + 20 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("direction", ["desc", "asc"])
def test_entries_written_during_a_load_neither_duplicate_nor_displace(direction: str) -> None:
    from auditkit import sandbox

    now = datetime.now(UTC)
    records = _recent_records(95, now)
    with sandbox.start(records=records) as server:
        server.faults.write_during_load(every=1, count=3)
        df = load(server, since=now - timedelta(hours=2), per_page=10, direction=direction)
        served = len(server.records)
    assert served > 95  # entries really were written while paging
    assert sorted(df["id"]) == sorted(r["id"] for r in records)
    assert df["id"].is_unique
    assert (
        df["when"].is_monotonic_decreasing
        if direction == "desc"
        else df["when"].is_monotonic_increasing
    )
