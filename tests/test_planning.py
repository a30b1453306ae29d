"""Which requests a load plans: months that cannot hold data cost (almost) nothing.

Over real HTTP against small stub servers on loopback that filter by time like
Cloudflare, one of them ignoring ``direction`` as a server might.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from auditkit import RetryPolicy, load_audit_logs
from tests.stubserver import StubServer, filtering_handler, record

FAST = RetryPolicy(backoff=0.01, max_backoff=0.02, timeout=10)


def _records(now: pd.Timestamp) -> list[dict[str, Any]]:
    """48 entries over the two months before this one."""
    first = (now.normalize() - pd.DateOffset(months=2)).replace(day=3)
    return [
        record(n, (first + pd.Timedelta(hours=29 * n)).strftime("%Y-%m-%dT%H:%M:%SZ"))
        for n in range(48)
    ]


def _load(stub: StubServer, **kwargs: Any) -> pd.DataFrame:
    return load_audit_logs(
        base_url=stub.base_url, token="t", cache=False, progress=False, retry=FAST, **kwargs
    )


@pytest.mark.parametrize("honour_direction", [True, False])
def test_an_old_since_costs_a_handful_of_requests_not_one_per_empty_month(
    honour_direction: bool,
) -> None:
    now = pd.Timestamp.now(tz="UTC")
    records = _records(now)
    with StubServer(filtering_handler(records, honour_direction=honour_direction)) as stub:
        df = _load(stub, since="2017-01-01")
    assert sorted(df["id"]) == sorted(r["id"] for r in records)
    # the probe, one window below the data, the data's two months, this month's days
    days_this_month = now.day
    assert df.attrs["requests"] == len(stub.requests) <= 4 + days_this_month
    assert len(stub.requests) < 40  # was 120: one per month since 2017


def test_a_server_ignoring_direction_still_gives_every_entry_without_since() -> None:
    now = pd.Timestamp.now(tz="UTC")
    records = _records(now)
    with StubServer(filtering_handler(records, honour_direction=False)) as stub:
        df = _load(stub)
    assert sorted(df["id"]) == sorted(r["id"] for r in records)


def test_entries_older_than_retention_are_one_window() -> None:
    now = pd.Timestamp.now(tz="UTC")
    old = [record(900 + n, f"2019-0{n + 1}-15T00:00:00Z") for n in range(3)]
    with StubServer(filtering_handler(old + _records(now))) as stub:
        df = _load(stub, since="2017-01-01")
    assert len(df) == 51
    below = [r for r in stub.requests if r.params.get("since", "").startswith("2016-12-31")]
    assert len(below) == 2  # the probe and the one window below the retention floor


def test_a_recent_since_sends_no_probe() -> None:
    now = pd.Timestamp.now(tz="UTC")
    records = _records(now)
    since = (now - pd.Timedelta(days=30)).floor("D")
    with StubServer(filtering_handler(records)) as stub:
        df = _load(stub, since=since)
    assert all(r.params.get("per_page") != "1" for r in stub.requests)
    assert sorted(df["id"]) == sorted(r["id"] for r in records if pd.Timestamp(r["when"]) >= since)
