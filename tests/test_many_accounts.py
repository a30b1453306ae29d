"""Several accounts with Audit Logs v1 (``account_id=[...]`` or ``"*"``), over real HTTP.

v1 records do not name their account, so the loader adds an ``account_id`` column
(last) from the request each row was read from. The sandbox serves one story per
account; the stub servers behave in ways it does not (the same id in two accounts,
an id repeated within one, no account listed at all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import auditkit
from auditkit import sandbox
from auditkit.frame import V1, V2
from tests.stubserver import Reply, Request, StubServer, envelope, filtering_handler, record

SINCE, BEFORE = "2026-09-01", "2026-10-01"


@pytest.fixture(scope="module")
def sb() -> Iterator[sandbox.Sandbox]:
    with sandbox.start(anchor="2026-10-01", accounts=3) as server:
        yield server


def load(sb: sandbox.Sandbox, **kwargs: Any) -> pd.DataFrame:
    args: dict[str, Any] = {"base_url": sb.base_url, "token": sb.token, "cache": False,
                            "progress": False, "since": SINCE, "before": BEFORE}  # fmt: skip
    args.update(kwargs)
    return auditkit.load_audit_logs(**args)


def v1_ids(records: list[dict[str, Any]]) -> set[str]:
    lo, hi = pd.Timestamp(SINCE, tz="UTC"), pd.Timestamp(BEFORE, tz="UTC")
    return {r["id"] for r in records if lo <= pd.Timestamp(r["when"]) < hi}


def test_a_list_of_v1_accounts_is_one_frame_saying_where_each_row_came_from(
    sb: sandbox.Sandbox,
) -> None:
    accounts = list(sb.account_ids)
    df = load(sb, account_id=accounts)
    assert list(df.columns) == [*V1.names, "account_id"]
    assert str(df["account_id"].dtype) == "category"
    for account in accounts:
        mine = v1_ids(sb.records_of(account))
        assert len(mine) > 100
        assert set(df.loc[df["account_id"] == account, "id"]) == mine
    assert len(df) == sum(len(v1_ids(sb.records_of(a))) for a in accounts)
    assert df["when"].is_monotonic_decreasing
    assert df.attrs["accounts"] == accounts and df.attrs["skipped_accounts"] == []
    assert df.attrs["endpoint"] == f"{sb.base_url}/accounts/{{account_id}}/audit_logs"
    paths = {r.path for r in sb.requests if r.api != "accounts"}
    assert {f"/client/v4/accounts/{a}/audit_logs" for a in accounts} <= paths


def test_star_lists_the_accounts_then_loads_each_with_v1(sb: sandbox.Sandbox) -> None:
    sb.reset_requests()
    df = load(sb, account_id="*", action_type="login")
    assert df.attrs["accounts"] == list(sb.account_ids)
    assert set(df["account_id"]) <= set(sb.account_ids)
    want = {
        (a, r["id"])
        for a in sb.account_ids
        for r in sb.records_of(a)
        if r["action"]["type"] == "login" and SINCE <= r["when"][:10] < BEFORE
    }
    assert set(zip(df["account_id"], df["id"], strict=True)) == want
    assert any(r.api == "accounts" for r in sb.requests)


def test_an_unreadable_v1_account_is_named_or_skipped(sb: sandbox.Sandbox) -> None:
    foreign = "e" * 32
    with pytest.raises(auditkit.AuthenticationError) as info:
        load(sb, account_id=[sb.account_id, foreign])
    assert f"account {foreign}" in str(info.value)
    with pytest.warns(RuntimeWarning, match=f"skipped 1 account.*{foreign}"):
        df = load(sb, account_id=[sb.account_id, foreign], skip_unreadable=True)
    assert df.attrs["skipped_accounts"] == [foreign]
    assert set(df["account_id"]) == {sb.account_id}
    assert set(df["id"]) == v1_ids(sb.records_of(sb.account_id))


def test_several_v1_accounts_reload_from_the_cache_with_no_request(
    sb: sandbox.Sandbox, tmp_path: Path
) -> None:
    cache = tmp_path / "c.sqlite"
    first = load(sb, account_id=list(sb.account_ids), cache=cache)
    sb.reset_requests()
    again = load(sb, account_id=list(sb.account_ids), cache=cache)
    assert [r for r in sb.requests if r.api != "accounts"] == []
    assert again.attrs["requests"] == 0 and again.attrs["cache_hit"] is True
    pd.testing.assert_frame_equal(first, again)


def test_one_v1_account_keeps_v1s_columns(sb: sandbox.Sandbox) -> None:
    df = load(sb, account_id=sb.account_id)
    assert list(df.columns) == list(V1.names)


def test_a_v2_frame_of_several_accounts_keeps_v2s_own_account_column(sb: sandbox.Sandbox) -> None:
    df = load(sb, api="v2", account_id=list(sb.account_ids))
    assert list(df.columns) == list(V2.names)


# ------------------------------------------------------------------ stub servers


def per_account(records: dict[str, list[dict[str, Any]]]) -> Callable[[Request], Reply]:
    handlers = {a: filtering_handler(rs) for a, rs in records.items()}

    def handle(req: Request) -> Reply:
        if req.path == "/accounts":
            return Reply(body=envelope([{"id": a} for a in records], total_pages=1))
        account = req.path.split("/")[2]
        if account not in handlers:
            return Reply(status=403, body=envelope([], success=False))
        return handlers[account](req)

    return handle


def stub_load(stub: StubServer, **kwargs: Any) -> pd.DataFrame:
    args: dict[str, Any] = {"base_url": stub.base_url, "token": "t", "cache": False,
                            "progress": False, "since": "2026-09-01",
                            "before": "2026-09-02"}  # fmt: skip
    args.update(kwargs)
    return auditkit.load_audit_logs(**args)


def test_the_same_id_in_two_accounts_is_two_rows() -> None:
    shared = record(1, when="2026-09-01T10:00:00Z")
    with StubServer(per_account({"a1": [shared, record(2)], "a2": [shared]})) as stub:
        df = stub_load(stub, account_id=["a1", "a2"])
    pairs = sorted(zip(df["account_id"], df["id"], strict=True))
    assert pairs == [("a1", "r000001"), ("a1", "r000002"), ("a2", "r000001")]


def test_an_id_repeated_within_one_account_is_one_row() -> None:
    twice = [record(1, when="2026-09-01T10:00:00Z")] * 2 + [record(2)]
    with StubServer(per_account({"a1": twice, "a2": [record(3)]})) as stub:
        df = stub_load(stub, account_id=["a1", "a2"])
    pairs = sorted(zip(df["account_id"], df["id"], strict=True))
    assert pairs == [("a1", "r000001"), ("a1", "r000002"), ("a2", "r000003")]


def test_accounts_with_no_entries_give_the_empty_frame_with_its_account_column() -> None:
    with StubServer(per_account({"a1": [], "a2": []})) as stub:
        df = stub_load(stub, account_id="*")
    assert df.empty and list(df.columns) == [*V1.names, "account_id"]
    assert str(df["account_id"].dtype) == "category"
    assert df.attrs["accounts"] == ["a1", "a2"]


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_a_credential_listing_no_account_is_an_error_not_an_empty_frame(api: str) -> None:
    with StubServer(per_account({})) as stub:
        with pytest.raises(auditkit.AuthenticationError) as info:
            stub_load(stub, api=api, account_id="*")
        assert "lists no account" in str(info.value)
        assert [r.path for r in stub.requests] == ["/accounts"]
