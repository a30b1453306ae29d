"""`load_audit_logs(api="v2")` end to end against the sandbox's Audit Logs v2 (real HTTP).

The frame must hold exactly the records the sandbox holds for the range, whatever
the filters, the scope (an account or the organization) or where the cursor is.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import auditkit
from auditkit import sandbox

SINCE, BEFORE = "2026-09-01", "2026-10-01"


@pytest.fixture(scope="module")
def sb() -> Iterator[sandbox.Sandbox]:
    with sandbox.start(anchor="2026-10-01", accounts=2) as server:
        yield server


def load(sb: sandbox.Sandbox, **kwargs: Any) -> pd.DataFrame:
    args: dict[str, Any] = {"api": "v2", "account_id": sb.account_id, "base_url": sb.base_url,
                            "token": sb.token, "cache": False, "progress": False,
                            "since": SINCE, "before": BEFORE}  # fmt: skip
    args.update(kwargs)
    return auditkit.load_audit_logs(**args)


def expected_ids(records: list[dict[str, Any]], keep: Any = lambda r: True) -> set[str]:
    lo, hi = pd.Timestamp(SINCE, tz="UTC"), pd.Timestamp(BEFORE, tz="UTC")
    return {r["id"] for r in records if lo <= pd.Timestamp(r["action"]["time"]) < hi and keep(r)}


def test_an_account_loads_every_record_of_the_range(sb: sandbox.Sandbox) -> None:
    df = load(sb)
    want = expected_ids(sb.v2_records_of(sb.account_id))
    assert len(want) > 300
    assert set(df["id"]) == want and df["id"].is_unique
    assert df["when"].is_monotonic_decreasing
    assert df.attrs["api"] == "v2" and df.attrs["scope"] == "account"
    assert set(df["account_id"].dropna()) == {sb.account_id}


@pytest.mark.parametrize("style", ["after", "cursor", "both"])
def test_wherever_the_sandbox_puts_the_cursor(sb: sandbox.Sandbox, style: str) -> None:
    sb.v2_cursor = style
    try:
        df = load(sb, per_page=50)
    finally:
        sb.v2_cursor = "after"
    assert set(df["id"]) == expected_ids(sb.v2_records_of(sb.account_id))


def test_filters_and_exclusions_match_the_records(sb: sandbox.Sandbox) -> None:
    df = load(sb, resource_product=["dns", "ssl"], exclude={"actor_context": "dash"})

    def keep(r: dict[str, Any]) -> bool:
        product = r.get("resource", {}).get("product")
        return product in ("dns", "ssl") and r.get("actor", {}).get("context") != "dash"

    want = expected_ids(sb.v2_records_of(sb.account_id), keep)
    assert want and set(df["id"]) == want
    assert set(df["resource_product"].astype(str)) <= {"dns", "ssl"}


def test_the_organization_holds_every_account(sb: sandbox.Sandbox) -> None:
    df = load(sb, account_id=None, organization_id=sb.organization_id)
    want = set()
    for account in sb.account_ids:
        want |= expected_ids(sb.v2_records_of(account))
    assert set(df["id"]) == want
    assert set(df["account_id"].dropna()) == set(sb.account_ids)
    assert df.attrs["scope"] == "organization"


def test_a_second_load_is_served_from_the_cache(sb: sandbox.Sandbox, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    first = load(sb, cache=cache)
    again = load(sb, cache=cache)
    assert first.attrs["requests"] > 0 and again.attrs["requests"] == 0
    pd.testing.assert_frame_equal(first, again)


def test_time_analyses_and_plots_work_on_a_v2_frame(sb: sandbox.Sandbox) -> None:
    import matplotlib

    matplotlib.use("Agg")
    df = load(sb)
    per_day = auditkit.activity_over_time(df, freq="D")
    assert int(per_day.to_numpy().sum()) == len(df)
    assert len(auditkit.new_ips(df)) > 0
    ax = auditkit.plot_activity(df)
    assert ax.get_title()


# ------------------------------------------------------------------ several accounts


def test_a_list_of_accounts_is_one_frame(sb: sandbox.Sandbox) -> None:
    df = load(sb, account_id=list(sb.account_ids))
    want: set[str] = set()
    for account in sb.account_ids:
        want |= expected_ids(sb.v2_records_of(account))
    assert set(df["id"]) == want and df["id"].is_unique
    assert set(df["account_id"].dropna()) == set(sb.account_ids)
    assert df.attrs["accounts"] == list(sb.account_ids) and df.attrs["skipped_accounts"] == []
    assert df["when"].is_monotonic_decreasing


def test_star_is_every_account_the_credential_lists(sb: sandbox.Sandbox) -> None:
    df = load(sb, account_id="*")
    assert df.attrs["accounts"] == list(sb.account_ids)
    assert set(df["account_id"].dropna()) == set(sb.account_ids)
    listing = [r for r in sb.requests if r.api == "accounts"]
    assert listing and all("page" in dict(r.query) for r in listing)


def test_an_unreadable_account_is_named_or_skipped(sb: sandbox.Sandbox) -> None:
    foreign = "f" * 32
    with pytest.raises(auditkit.AuthenticationError) as info:
        load(sb, account_id=[sb.account_id, foreign])
    assert f"account {foreign}" in str(info.value) and info.value.status == 403
    with pytest.warns(RuntimeWarning, match=f"skipped 1 account.*{foreign}"):
        df = load(sb, account_id=[sb.account_id, foreign], skip_unreadable=True)
    assert df.attrs["skipped_accounts"] == [foreign]
    assert df.attrs["accounts"] == [sb.account_id]
    assert set(df["id"]) == expected_ids(sb.v2_records_of(sb.account_id))


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"account_id": []}, "account_id"),
        ({"account_id": ["a", 5]}, "account_id"),
        ({"account_id": "*", "offline": True, "cache": "unused.sqlite"}, "account_id"),
        ({"account_id": ["a"], "skip_unreadable": "yes"}, "skip_unreadable"),
    ],
)
def test_bad_account_lists_are_refused_before_any_request(
    kwargs: dict[str, Any], parameter: str, tmp_path: Path
) -> None:
    if "cache" in kwargs:
        kwargs = {**kwargs, "cache": tmp_path / "c.sqlite"}
    args: dict[str, Any] = {"api": "v2", "base_url": "http://127.0.0.1:9/client/v4",
                            "token": "t", "cache": False, "progress": False}  # fmt: skip
    args.update(kwargs)
    with pytest.raises(auditkit.InvalidParameterError) as info:
        auditkit.load_audit_logs(**args)
    assert info.value.parameter == parameter
