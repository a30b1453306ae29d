"""The process-wide rate budget paces loads instead of hitting Cloudflare's 429s."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from auditkit import load_audit_logs
from auditkit.errors import InvalidParameterError
from auditkit.http import RateBudget, get_rate_budget, set_rate_budget


@pytest.fixture()
def small_budget() -> Iterator[RateBudget]:
    budget = set_rate_budget(5, 1.0)
    yield budget
    set_rate_budget()


def test_default_budget_is_below_cloudflares_limit() -> None:
    budget = get_rate_budget()
    assert budget.requests == 1000 and budget.period == 300.0  # Cloudflare: 1200 / 300 s


def test_sliding_window_with_a_fake_clock() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    budget = RateBudget(3, 10.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        budget.acquire()
    assert slept == []
    now[0] = 4.0
    budget.acquire()  # must wait until t=10, when the first request ages out
    assert slept == [6.0]
    assert budget.waited == 6.0


def test_budget_is_shared_by_threads() -> None:
    budget = RateBudget(4, 0.5)
    stamps: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(3):
            budget.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    assert len(stamps) == 12
    for i in range(len(stamps) - 4):
        assert stamps[i + 4] - stamps[i] >= 0.5 - 1e-3


def test_a_load_larger_than_the_budget_is_paced(fresh_sb: Any, small_budget: RateBudget) -> None:
    start = time.monotonic()
    # 13 closed days at 20 entries a page: more requests than 5 per second allows
    df = load_audit_logs(
        base_url=fresh_sb.base_url,
        token=fresh_sb.token,
        since="2026-09-01",
        before="2026-09-14",
        per_page=20,
        cache=False,
        progress=False,
    )
    elapsed = time.monotonic() - start
    sent = sorted(r.time for r in fresh_sb.requests if r.audit_log)
    assert df.attrs["requests"] == len(sent) == len(df) // 20 + 1 >= 12
    assert elapsed >= math.ceil(len(sent) / 5) - 1  # a full second per 5 requests
    for i in range(len(sent) - 5):
        assert sent[i + 5] - sent[i] >= 1.0 - 0.05
    assert small_budget.waited > 0
    assert not any(r.status == 429 for r in fresh_sb.requests)


def test_cached_pages_cost_no_budget(
    fresh_sb: Any, small_budget: RateBudget, tmp_path: Any
) -> None:
    kwargs = {
        "base_url": fresh_sb.base_url,
        "token": fresh_sb.token,
        "since": "2026-09-01",
        "before": "2026-09-04",
        "cache": tmp_path / "c.sqlite",
        "progress": False,
    }
    load_audit_logs(**kwargs)
    time.sleep(1.05)
    assert small_budget.in_window() == 0
    for _ in range(3):
        assert load_audit_logs(**kwargs).attrs["requests"] == 0
    assert small_budget.in_window() == 0


@pytest.mark.parametrize(("requests", "period"), [(0, 1.0), (True, 1.0), (5, 0), (5, "1")])
def test_bad_budget(requests: Any, period: Any) -> None:
    with pytest.raises(InvalidParameterError):
        RateBudget(requests, period)
