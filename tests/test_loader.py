"""load_audit_logs against the sandbox over real HTTP: paging, filters, auth, scopes, cache."""

from __future__ import annotations

import ipaddress
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import auditkit
from auditkit import (
    AuthenticationError,
    InvalidParameterError,
    MissingCredentialsError,
    OfflineCacheMissError,
    RetryPolicy,
    load_audit_logs,
)
from auditkit.frame import records_to_frame

FAST = RetryPolicy(backoff=0.01, max_backoff=0.02, timeout=10)


def audit_requests(server: Any) -> list[Any]:
    return [r for r in server.requests if "audit_logs" in _get(r, "path")]


def _get(entry: Any, name: str) -> Any:
    return entry[name] if isinstance(entry, dict) else getattr(entry, name)


def load(server: Any, **kwargs: Any) -> pd.DataFrame:
    kwargs.setdefault("cache", False)
    kwargs.setdefault("progress", False)
    kwargs.setdefault("retry", FAST)
    if "email" not in kwargs and "token" not in kwargs:
        kwargs["token"] = server.token
    kwargs.setdefault("base_url", server.base_url)
    return load_audit_logs(**kwargs)


@pytest.fixture(scope="module")
def everything(sb: Any) -> pd.DataFrame:
    return load(sb)


def ids(df: pd.DataFrame) -> list[str]:
    return df["id"].tolist()


# ------------------------------------------------------------------ every page, exactly once


def test_load_returns_every_record_exactly_once(sb: Any, everything: pd.DataFrame) -> None:
    assert len(everything) == len(sb.records)
    assert set(ids(everything)) == {r["id"] for r in sb.records}
    assert everything["id"].is_unique


def test_values_equal_the_schema_conversion_of_the_served_records(
    sb: Any, everything: pd.DataFrame
) -> None:
    expected = records_to_frame(sb.records).sort_values(["when", "id"], ascending=False)
    pd.testing.assert_frame_equal(
        everything.drop(columns=["action_type", "actor_type", "interface", "resource_type"]),
        expected.reset_index(drop=True).drop(
            columns=["action_type", "actor_type", "interface", "resource_type"]
        ),
    )
    for col in ("action_type", "actor_type", "interface", "resource_type"):
        assert everything[col].astype("string").tolist() == expected[col].astype("string").tolist()


def test_default_order_is_newest_first_and_asc_reverses(sb: Any, everything: pd.DataFrame) -> None:
    assert everything["when"].is_monotonic_decreasing
    asc = load(sb, direction="asc")
    assert asc["when"].is_monotonic_increasing
    assert set(ids(asc)) == set(ids(everything))


@pytest.mark.parametrize("per_page", [1000, 37])
def test_small_pages_give_the_same_result(sb: Any, everything: pd.DataFrame, per_page: int) -> None:
    since = everything["when"].max() - pd.Timedelta(days=20)
    df = load(sb, since=since, per_page=per_page)
    expected = everything.loc[everything["when"] >= since]
    assert ids(df) == ids(expected)


def test_small_pages_make_the_expected_number_of_requests(
    sb: Any, everything: pd.DataFrame
) -> None:
    # a closed month holds n entries: ceil((n + 1) / per_page) requests, the last one short
    month = everything.loc[
        (everything["when"] >= "2026-09-01") & (everything["when"] < "2026-10-01")
    ]
    before = len(audit_requests(sb))
    df = load(sb, since="2026-09-01", before="2026-10-01", per_page=50)
    sent = len(audit_requests(sb)) - before
    assert len(df) == len(month) > 100
    assert sent == df.attrs["requests"] == len(month) // 50 + 1


def test_real_fixture_records_load_with_their_values(real_sb: Any, real_records: list) -> None:
    df = load(real_sb)
    assert len(df) == 13
    assert ids(df) == [
        "73fd39ed-5aab-4a2a-b93c-c9a4abf0c425",
        "9929d149-1c4e-4524-87b5-bb81e83b5c84",
        "9320d713-8466-595e-a9f6-73891f89e8a3",  # same second as the next: ties by id
        "8d3396e8-c903-5a66-9421-00fc34570550",
        "2fedadd2-dda6-5357-9b08-c231baf1a172",
        "2ce6e0db-5527-4870-8f66-8ede1cd38791",
        "2fc845f5-9180-44c2-b67d-154bce5b220e",
        "46256ba8-2188-432c-8f55-21cfd2caf7d6",
        "d135d737-3a93-4a99-8ba3-8eaf8a149daf",
        "90dc929c-2e08-4a79-85ff-7120db4900fd",
        "e84686bd-25b7-5b1a-9ef0-a41346d9335a",
        "557dd5f0-829e-5567-9007-e5c5aeba7393",
        "0c4c5855-e752-55df-8705-26baac6ac0ac",
    ]
    row = df.set_index("id").loc["2ce6e0db-5527-4870-8f66-8ede1cd38791"]
    assert row["actor_type"] == "system" and pd.isna(row["actor_email"])
    assert row["when"] == pd.Timestamp("2021-10-10T10:13:46.214209Z")


# ------------------------------------------------------------------ filters


def test_filter_action_type(sb: Any, everything: pd.DataFrame) -> None:
    df = load(sb, action_type="login")
    assert ids(df) == ids(everything.loc[everything["action_type"] == "login"])
    assert len(df) > 0


def test_filter_actor_email(sb: Any, everything: pd.DataFrame) -> None:
    email = everything["actor_email"].dropna().iloc[0]
    df = load(sb, actor_email=email)
    assert ids(df) == ids(everything.loc[everything["actor_email"] == email])


def _in(ip: Any, net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    if pd.isna(ip):
        return False
    addr = ipaddress.ip_address(ip)
    return addr.version == net.version and addr in net


@pytest.mark.parametrize("kind", ["ipv4", "ipv4-cidr", "ipv6", "ipv6-cidr"])
def test_filter_actor_ip(sb: Any, everything: pd.DataFrame, kind: str) -> None:
    version = 6 if kind.startswith("ipv6") else 4
    ip = next(
        i for i in everything["actor_ip"].dropna() if ipaddress.ip_address(i).version == version
    )
    value = (
        ip
        if "cidr" not in kind
        else str(ipaddress.ip_network(f"{ip}/{16 if version == 4 else 32}", strict=False))
    )
    net = ipaddress.ip_network(value, strict=False)
    df = load(sb, actor_ip=value)
    expected = everything.loc[[_in(i, net) for i in everything["actor_ip"]]]
    assert ids(df) == ids(expected)
    assert len(df) > 0


def test_filter_zone_name(sb: Any, everything: pd.DataFrame) -> None:
    zone = everything["zone_name"].dropna().iloc[0]
    df = load(sb, zone_name=zone)
    assert ids(df) == ids(everything.loc[everything["zone_name"] == zone])


def test_filter_id(sb: Any, everything: pd.DataFrame) -> None:
    target = everything["id"].iloc[len(everything) // 2]
    df = load(sb, id=target)
    assert ids(df) == [target]


def test_filter_since_before_is_half_open(sb: Any, everything: pd.DataFrame) -> None:
    since = everything["when"].iloc[300]
    before = everything["when"].iloc[100]
    df = load(sb, since=since, before=before)
    expected = everything.loc[(everything["when"] >= since) & (everything["when"] < before)]
    assert ids(df) == ids(expected)
    assert since in set(df["when"]) and before not in set(df["when"])


def test_filter_combined(sb: Any, everything: pd.DataFrame) -> None:
    df = load(sb, action_type="change_setting", since="2026-09-01")
    mask = (everything["action_type"] == "change_setting") & (everything["when"] >= "2026-09-01")
    assert ids(df) == ids(everything.loc[mask])


def test_hide_user_logs_is_sent_and_honoured(sb: Any) -> None:
    shown = load(sb, hide_user_logs=False, since="2026-10-01")
    hidden = load(sb, hide_user_logs=True, since="2026-10-01")
    assert set(ids(hidden)) < set(ids(shown))
    last = audit_requests(sb)[-1]
    assert _get(last, "params").get("hide_user_logs") == "true"


def test_empty_result_is_an_empty_typed_frame(sb: Any) -> None:
    df = load(sb, actor_email="nobody@nowhere.invalid")
    assert len(df) == 0
    assert {c: str(t) for c, t in df.dtypes.items()} == auditkit.frame.dtypes()
    assert df.attrs["query"]["actor_email"] == "nobody@nowhere.invalid"


# ------------------------------------------------------------------ scopes and credentials


def test_account_scope(sb: Any) -> None:
    before = len(audit_requests(sb))
    df = load(sb, account_id=sb.account_id, since="2026-10-01")
    new = audit_requests(sb)[before:]
    assert new and all(
        _get(r, "path").endswith(f"/accounts/{sb.account_id}/audit_logs") for r in new
    )
    assert df.attrs["scope"] == "account"
    assert len(df) > 0


def test_wrong_account_is_an_authentication_error(sb: Any) -> None:
    with pytest.raises(AuthenticationError) as info:
        load(sb, account_id="0000000000000000000000000000dead")
    assert info.value.codes


def test_global_key_credentials(sb: Any) -> None:
    df = load(sb, email=sb.email, api_key=sb.api_key, since="2026-10-01")
    assert len(df) == len(load(sb, since="2026-10-01"))


def test_credentials_from_environment(sb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", sb.token)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", sb.base_url)
    df = load_audit_logs(since="2026-10-01", cache=False, progress=False)
    assert len(df) > 0 and df.attrs["endpoint"].startswith(sb.base_url)


def test_bad_token_raises_with_cloudflare_codes(sb: Any) -> None:
    with pytest.raises(AuthenticationError) as info:
        load(sb, token="0" * 40)
    assert 10000 in info.value.codes
    assert info.value.status == 401
    assert "0" * 40 not in str(info.value)


def test_no_credentials_never_falls_back_to_the_sandbox(sb: Any) -> None:
    before = len(sb.requests)
    with pytest.raises(MissingCredentialsError, match="sandbox"):
        load_audit_logs(base_url=sb.base_url, cache=False, progress=False)
    assert len(sb.requests) == before


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"since": "not a date"}, "since"),
        ({"since": "2026-10-02", "before": "2026-10-01"}, "since"),
        ({"actor_ip": "1.2.3.4/99"}, "actor_ip"),
        ({"per_page": 0}, "per_page"),
        ({"per_page": 1001}, "per_page"),
        ({"direction": "sideways"}, "direction"),
        ({"cache": 42}, "cache"),
        ({"base_url": "ftp://example.com"}, "base_url"),
        ({"base_url": "http://example.com/client/v4"}, "base_url"),
        ({"progress": "yes"}, "progress"),
        ({"workers": 0}, "workers"),
        ({"offline": "no"}, "offline"),
        ({"retry": {"max_retries": 1}}, "retry"),
        ({"actor_email": ""}, "actor_email"),
        ({"action_type": 5}, "action_type"),
        ({"zone_name": "  "}, "zone_name"),
        ({"id": 12}, "id"),
        ({"hide_user_logs": "yes"}, "hide_user_logs"),
        ({"account_id": "../../zones"}, "account_id"),
        ({"token": "has space"}, "token"),
        ({"token": None, "email": "a@b.c"}, "api_key"),
        ({"token": None, "api_key": "k"}, "email"),
        ({"cache": ""}, "cache"),
    ],
)
def test_bad_input_raises_before_any_request(sb: Any, kwargs: dict, parameter: str) -> None:
    before = len(sb.requests)
    with pytest.raises(InvalidParameterError) as info:
        load(sb, **kwargs)
    assert info.value.parameter == parameter
    assert len(sb.requests) == before


def test_bad_retry_policy_values_are_named() -> None:
    for field, value in [
        ("max_retries", -1),
        ("backoff", -0.1),
        ("max_wait", "60"),
        ("timeout", 0),
    ]:
        with pytest.raises(InvalidParameterError) as info:
            RetryPolicy(**{field: value})
        assert info.value.parameter == field


# ------------------------------------------------------------------ cache


def test_closed_range_second_load_makes_no_request(sb: Any, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    first = load(sb, since="2026-08-01", before="2026-10-01", cache=cache)
    assert first.attrs["requests"] > 0 and not first.attrs["cache_hit"]
    before = len(sb.requests)
    second = load(sb, since="2026-08-01", before="2026-10-01", cache=cache)
    assert len(sb.requests) == before
    assert second.attrs["requests"] == 0 and second.attrs["cache_hit"]
    pd.testing.assert_frame_equal(first, second)


def test_open_range_reuses_closed_windows(sb: Any, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    from auditkit._windows import plan_windows

    first = load(sb, since="2026-10-01", cache=cache)
    second = load(sb, since="2026-10-01", cache=cache)
    # only the live windows are asked for again: today's, and in the first hour after UTC
    # midnight yesterday's too (not settled yet); every closed window comes from the cache
    now = pd.Timestamp(second.attrs["loaded_at"])
    windows = plan_windows(pd.Timestamp("2026-10-01", tz="UTC"), now, now)
    live = [w for w in windows if not w.cacheable]
    assert len(live) in (1, 2) and live[-1].end == now
    assert second.attrs["requests"] == len(live)  # no live window holds 1000 entries here
    assert second.attrs["pages_from_cache"] == second.attrs["pages"] - len(live)
    assert ids(first) == ids(second)


def test_default_cache_location_is_used(sb: Any, tmp_path: Path) -> None:
    load(sb, since="2026-09-01", before="2026-09-03", cache=True)
    assert (tmp_path / "default-cache.sqlite").exists()
    assert len(auditkit.cache_info()) == 1  # two closed days, fetched as one range


def test_cache_false_writes_nothing(sb: Any, tmp_path: Path) -> None:
    load(sb, since="2026-09-01", before="2026-09-03", cache=False)
    assert not (tmp_path / "default-cache.sqlite").exists()


def test_cache_file_is_private(sb: Any, tmp_path: Path) -> None:
    cache = tmp_path / "private.sqlite"
    load(sb, since="2026-09-01", before="2026-09-03", cache=cache)
    assert cache.stat().st_mode & 0o777 == 0o600


def _cache_bytes(path: Path) -> bytes:
    data = b""
    for p in path.parent.glob(path.name + "*"):
        data += p.read_bytes()
    with sqlite3.connect(path) as conn:  # also every value, decoded
        for (value,) in conn.execute("SELECT value FROM responses"):
            data += bytes(value)
    return data


def test_no_credential_reaches_the_cache_file(tmp_path: Path) -> None:
    from auditkit import sandbox

    token = "tok-Zq8XbW3nR5tY7uI9oP1aS2dF4gH6jK8lZ0xC"
    email = "only-in-headers@credentials.invalid"
    api_key = "key-4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8"
    cache = tmp_path / "c.sqlite"
    with sandbox.start(
        anchor="2026-11-01T00:00:00Z", token=token, email=email, api_key=api_key
    ) as server:
        load(server, since="2026-08-01", before="2026-10-01", cache=cache)
        load(
            server,
            since="2026-08-01",
            before="2026-10-01",
            cache=cache,
            email=email,
            api_key=api_key,
        )
    data = _cache_bytes(cache)
    assert len(auditkit.cache_info(cache)) > 2
    for secret in (token, api_key, email):
        for form in (secret.encode(), secret.encode("utf-16-le"), secret.encode().hex().encode()):
            assert form not in data, "a credential reached the cache file"


def test_two_credentials_never_share_entries(sb: Any, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    load(sb, since="2026-08-01", before="2026-10-01", cache=cache)
    # the same query with another credential is not served from the first one's pages
    other = load(
        sb, since="2026-08-01", before="2026-10-01", cache=cache, email=sb.email, api_key=sb.api_key
    )
    assert other.attrs["requests"] > 0 and other.attrs["pages_from_cache"] == 0
    # and a bad credential gets an error, not someone else's cached data
    with pytest.raises(AuthenticationError):
        load(sb, since="2026-08-01", before="2026-10-01", cache=cache, token="f" * 40)


def test_failed_responses_are_not_cached(fresh_sb: Any, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    fresh_sb.faults.success_false(1)
    load(fresh_sb, since="2026-09-01", before="2026-09-02", cache=cache)
    info = auditkit.cache_info(cache)
    assert len(info) == 1  # only the good retry was stored
    with sqlite3.connect(cache) as conn:
        blobs = b"".join(bytes(v) for (v,) in conn.execute("SELECT value FROM responses"))
    assert b'"success":false' not in blobs.replace(b" ", b"")


def test_offline_answers_from_the_cache_alone(sb: Any, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    online = load(sb, since="2026-08-01", before="2026-10-01", cache=cache)
    before = len(sb.requests)
    offline = load(sb, since="2026-08-01", before="2026-10-01", cache=cache, offline=True)
    assert len(sb.requests) == before
    pd.testing.assert_frame_equal(online, offline)
    with pytest.raises(OfflineCacheMissError):
        load(sb, since="2026-06-01", before="2026-07-01", cache=cache, offline=True)
    assert len(sb.requests) == before


def test_clear_cache(sb: Any, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    load(sb, since="2026-09-01", before="2026-09-04", cache=cache)
    assert auditkit.clear_cache(cache) == 1  # three closed days, fetched as one range
    assert len(auditkit.cache_info(cache)) == 0
    assert load(sb, since="2026-09-01", before="2026-09-04", cache=cache).attrs["requests"] == 1


def test_cache_info_columns(sb: Any, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    df = load(sb, since="2026-09-01", before="2026-09-02", cache=cache)
    info = auditkit.cache_info(cache)
    assert list(info.columns) == [
        "endpoint",
        "params",
        "entries",
        "size_bytes",
        "created",
        "expires",
    ]
    assert info.loc[0, "endpoint"] == f"{sb.base_url}/user/audit_logs"
    assert info.loc[0, "entries"] >= len(df)
    assert info.loc[0, "params"]["since"] == "2026-08-31T23:59:59Z"
    assert pd.isna(info.loc[0, "expires"])


# ------------------------------------------------------------------ attrs


def test_attrs_record_the_query_and_never_a_credential(sb: Any) -> None:
    df = load(sb, email=sb.email, api_key=sb.api_key, since="2026-10-01", action_type="login")
    attrs = df.attrs
    assert attrs["query"]["action_type"] == "login"
    assert attrs["query"]["since"] == "2026-10-01T00:00:00+00:00"
    assert attrs["scope"] == "user"
    assert attrs["cache"] is None and attrs["cache_hit"] is False
    assert pd.Timestamp(attrs["loaded_at"]).tzinfo is not None
    text = repr(attrs)
    for secret in (sb.token, sb.api_key, sb.email):
        assert secret not in text


# ------------------------------------------------------------------ window store


def test_closed_windows_are_served_typed_from_the_window_store(sb: Any, tmp_path: Path) -> None:
    from auditkit.sources.v1 import SOURCE
    from auditkit.store import WindowStore, open_session

    cache = tmp_path / "c.sqlite"
    first = load(sb, since="2026-08-01", before="2026-10-01", cache=cache)
    session = open_session(cache, decode=SOURCE.decode)
    assert len(WindowStore(session)) == 2  # August and September
    session.close()
    second = load(sb, since="2026-08-01", before="2026-10-01", cache=cache)
    assert second.attrs["requests"] == 0
    assert second.attrs["pages"] == second.attrs["pages_from_cache"] == first.attrs["pages"]
    pd.testing.assert_frame_equal(first, second)


def test_damaged_window_entry_falls_back_to_the_page_cache(sb: Any, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    first = load(sb, since="2026-08-01", before="2026-10-01", cache=cache)
    with sqlite3.connect(cache) as conn:
        conn.execute("UPDATE auditkit_windows SET arrow = x'00ff00ff', json = x'0102'")
    again = load(sb, since="2026-08-01", before="2026-10-01", cache=cache)
    assert again.attrs["requests"] == 0  # every page still in the HTTP cache
    pd.testing.assert_frame_equal(first, again)


def test_clear_cache_also_empties_the_window_store(sb: Any, tmp_path: Path) -> None:
    from auditkit.sources.v1 import SOURCE
    from auditkit.store import WindowStore, open_session

    cache = tmp_path / "c.sqlite"
    load(sb, since="2026-08-01", before="2026-10-01", cache=cache)
    auditkit.clear_cache(cache)
    session = open_session(cache, decode=SOURCE.decode)
    assert len(WindowStore(session)) == 0
    session.close()


# ------------------------------------------------------------------ where the data starts


def test_without_since_one_probe_skips_the_empty_months() -> None:
    from auditkit import sandbox
    from auditkit._paging import _runs
    from auditkit._windows import month_start, plan_windows

    # data of the last six months, whatever today is (so always inside Cloudflare's retention)
    with sandbox.start() as server:
        everything = records_to_frame(server.records)
        df = load(server)
        sent = audit_requests(server)
    probe = _get(sent[0], "params")
    assert probe["direction"] == "asc" and probe["per_page"] == "1"
    now = pd.Timestamp(df.attrs["loaded_at"])
    # before this month's start, one second wider
    horizon = month_start(now) + pd.Timedelta(seconds=1)
    assert probe["before"] == horizon.strftime("%Y-%m-%dT%H:%M:%SZ")
    # the month grid starts at the oldest entry's month; all before it is one window
    start = month_start(everything["when"].min())
    windows = plan_windows(start, pd.Timestamp(df.attrs["upper_bound"]), now)
    assert df.attrs["windows"] == 1 + len(windows)
    # (windows are fetched in threads: the one without a lower bound is not always second)
    unbounded = [_get(r, "params") for r in sent[1:] if "since" not in _get(r, "params")]
    assert len(unbounded) == 1
    below = unbounded[0]
    assert below["before"] == (start + pd.Timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    # one page per fetch (no window or run of days holds 1000 entries here), plus the probe
    runs = _runs(list(enumerate(windows)))
    assert len(sent) == df.attrs["requests"] == 2 + len(runs)
    assert sorted(ids(df)) == sorted(everything["id"])


def test_without_since_nothing_matching_costs_one_request(sb: Any) -> None:
    df = load(sb, actor_email="nobody@nowhere.invalid", before="2026-10-15")
    assert len(df) == 0
    assert df.attrs["requests"] == 1 and df.attrs["windows"] == 0


def test_without_since_old_data_is_still_found(real_sb: Any) -> None:
    # entries from 2021, older than Cloudflare's retention: one window below the grid holds them
    df = load(real_sb)
    assert len(df) == 13


def test_window_store_round_trips_json_values_exactly(tmp_path: Path) -> None:
    from auditkit.frame._chunk import Chunk, chunks_to_frame, extract_columns
    from auditkit.sources.v1 import SOURCE
    from auditkit.store import WindowStore, open_session

    records = [
        {"id": "a", "metadata": {"n": 2**70, "f": 1.5, "l": [True, None, "é"]}},
        {"id": "b", "metadata": None, "newValueJson": [1, {"x": "y"}]},
    ]
    chunk = Chunk.from_columns(extract_columns(records))
    session = open_session(tmp_path / "c.sqlite", "fp", decode=SOURCE.decode)
    try:
        store = WindowStore(session)
        store.put("k", chunk, 3)
        ((back, pages),) = store.get_many(["k"]).values()
    finally:
        session.close()
    assert pages == 3 and back.table.equals(chunk.table)
    frame = chunks_to_frame([back])
    assert frame["metadata"].tolist() == [{"n": 2**70, "f": 1.5, "l": [True, None, "é"]}, None]
    assert frame["new_value_json"].tolist() == [None, [1, {"x": "y"}]]


def test_adjacent_closed_days_are_fetched_as_one_range_and_cached_per_day(
    sb: Any, everything: pd.DataFrame, tmp_path: Path
) -> None:
    cache = tmp_path / "c.sqlite"
    before = len(audit_requests(sb))
    ten = load(sb, since="2026-09-01", before="2026-09-11", cache=cache)
    sent = audit_requests(sb)[before:]
    assert len(sent) == ten.attrs["requests"] == 1
    assert (_get(sent[0], "params")["since"], _get(sent[0], "params")["before"]) == (
        "2026-08-31T23:59:59Z",
        "2026-09-11T00:00:01Z",
    )
    mask = (everything["when"] >= "2026-09-01") & (everything["when"] < "2026-09-11")
    assert ids(ten) == ids(everything.loc[mask])
    # every day was stored on its own: any subset is served without a request
    inner = load(sb, since="2026-09-03", before="2026-09-08", cache=cache)
    assert inner.attrs["requests"] == 0
    mask = (everything["when"] >= "2026-09-03") & (everything["when"] < "2026-09-08")
    assert ids(inner) == ids(everything.loc[mask])
    # a later range fetches only the two days it lacks, again as one range
    before = len(audit_requests(sb))
    later = load(sb, since="2026-09-05", before="2026-09-13", cache=cache)
    sent = audit_requests(sb)[before:]
    assert len(sent) == 1 and _get(sent[0], "params")["since"] == "2026-09-10T23:59:59Z"
    mask = (everything["when"] >= "2026-09-05") & (everything["when"] < "2026-09-13")
    assert ids(later) == ids(everything.loc[mask])


def split_into_two_days(records: list[dict[str, Any]]) -> tuple[Any, Any]:
    """``_split`` of ``records`` into the windows of 2026-09-01 and 2026-09-02; and the chunk."""
    from auditkit._paging import _split
    from auditkit._windows import Window
    from auditkit.frame._chunk import Chunk, extract_columns

    chunk = Chunk.from_columns(extract_columns(records))
    day = pd.Timedelta(days=1)
    start = pd.Timestamp("2026-09-01", tz="UTC")
    windows = [Window(start, start + day, True), Window(start + day, start + 2 * day, True)]
    return _split(chunk, windows), chunk


def test_split_puts_rows_in_their_day_and_drops_the_margins() -> None:
    records = [
        {"id": "d2", "when": "2026-09-02T08:00:00Z", "metadata": {"k": 2}},
        {"id": "edge", "when": "2026-09-02T00:00:00Z"},
        {"id": "d1", "when": "2026-09-01T23:59:59.999999Z", "metadata": {"k": 1}},
        {"id": "none", "when": "not a time"},
        {"id": "before", "when": "2026-08-31T23:59:59.5Z"},
        {"id": "after", "when": "2026-09-03T00:00:00Z"},
    ]
    (first, second), _ = split_into_two_days(records)
    assert first.table.column("id").to_pylist() == ["d1", "none"]
    assert first.table.column("metadata").to_pylist() == ['{"k":1}', None]
    assert second.table.column("id").to_pylist() == ["d2", "edge"]
    assert second.table.column("metadata").to_pylist() == ['{"k":2}', None]


def test_split_copies_only_a_day_whose_rows_are_not_one_block() -> None:
    records = [
        {"id": "a1", "when": "2026-09-01T10:00:00Z"},
        {"id": "b1", "when": "2026-09-02T10:00:00Z"},
        {"id": "b2", "when": "2026-09-02T09:00:00Z"},
        {"id": "a2", "when": "2026-09-01T09:00:00Z"},
    ]
    (first, second), chunk = split_into_two_days(records)
    assert first.table.column("id").to_pylist() == ["a1", "a2"]
    assert second.table.column("id").to_pylist() == ["b1", "b2"]
    # the second day is rows 1-2 of the chunk: a view of the same buffers, not a copy
    assert second.table.column("id").chunk(0).buffers()[2].address == (
        chunk.table.column("id").chunk(0).buffers()[2].address
    )
