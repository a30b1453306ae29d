"""Tests of the sandbox itself, over real HTTP on loopback.

Every expectation is exact: filters are checked against a plain-Python filter of
``sb.records``, error envelopes by status and Cloudflare code.
"""

from __future__ import annotations

import collections
import csv
import hashlib
import io
import ipaddress
import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import cloudflare
import msgspec
import pytest
import requests

from auditkit import sandbox
from auditkit.sandbox import _catalog, _data, _people

ANCHOR = "2026-10-01"
ANCHOR_DT = datetime(2026, 10, 1, tzinfo=UTC)
FIXTURE = Path(__file__).parent / "fixtures" / "real-audit-records.jsonl"
Record = dict[str, Any]


def load_fixture() -> list[Record]:
    return [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]


# ---------------------------------------------------------------------------
# fixtures and helpers
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sb() -> Iterator[sandbox.Sandbox]:
    """The synthetic account; read-only (tests that mutate use ``fresh``/``small``)."""
    with sandbox.start(anchor=ANCHOR) as s:
        yield s


@pytest.fixture
def fresh() -> Iterator[sandbox.Sandbox]:
    with sandbox.start(anchor=ANCHOR) as s:
        yield s


@pytest.fixture
def small() -> Iterator[sandbox.Sandbox]:
    """A sandbox serving the 13 anonymised real records."""
    with sandbox.start(records=load_fixture()) as s:
        yield s


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.trust_env = False
        yield s


@pytest.fixture
def no_cf_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the SDK from picking up real credentials from the environment."""
    for suffix in ("API_TOKEN", "EMAIL", "API_KEY", "API_USER_SERVICE_KEY", "BASE_URL"):
        monkeypatch.delenv(f"CLOUDFLARE_{suffix}", raising=False)


def token_headers(s: sandbox.Sandbox) -> dict[str, str]:
    return {"Authorization": f"Bearer {s.token}"}


def key_headers(s: sandbox.Sandbox) -> dict[str, str]:
    return {"X-Auth-Email": s.email, "X-Auth-Key": s.api_key}


def get(
    s: sandbox.Sandbox,
    params: dict[str, Any] | None = None,
    *,
    path: str = "/user/audit_logs",
    headers: dict[str, str] | None = None,
    session: requests.Session | None = None,
) -> requests.Response:
    h = token_headers(s) if headers is None else headers
    return (session or requests).get(s.url(path), params=params, headers=h, timeout=10)


def fetch_all(
    s: sandbox.Sandbox,
    params: dict[str, Any] | None = None,
    *,
    per_page: int = 1000,
    path: str = "/user/audit_logs",
    session: requests.Session | None = None,
) -> list[Record]:
    """Walk pages until an empty one; assert the envelope on every page."""
    out: list[Record] = []
    page = 1
    while True:
        r = get(
            s, {**(params or {}), "per_page": per_page, "page": page}, path=path, session=session
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["success"] is True and body["errors"] == []
        info = body["result_info"]
        assert info["page"] == page and info["per_page"] == per_page
        assert info["count"] == len(body["result"])
        if not body["result"]:
            return out
        out.extend(body["result"])
        page += 1


def when_dt(rec: Record) -> datetime:
    return datetime.fromisoformat(rec["when"])


def ids(recs: list[Record]) -> list[str]:
    return [r["id"] for r in recs]


def error(r: requests.Response) -> tuple[int, int]:
    body = r.json()
    assert body["success"] is False and body["result"] is None and body["messages"] == []
    return r.status_code, body["errors"][0]["code"]


def user_ids_of(records: list[Record]) -> set[str]:
    ident = _people.identity(0)
    found = {r["actor"]["id"] for r in records if r.get("actor", {}).get("type") == "user"}
    return found | set(ident.user_ids)


def ip_in(rec: Record, net: str) -> bool:
    ip = rec.get("actor", {}).get("ip")
    if not ip:
        return False
    addr = ipaddress.ip_address(ip)
    network = ipaddress.ip_network(net, strict=False)
    return addr.version == network.version and addr in network


# ---------------------------------------------------------------------------
# envelope and records
# ---------------------------------------------------------------------------


def test_default_page_envelope(sb: sandbox.Sandbox, http: requests.Session) -> None:
    r = get(sb, session=http)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert list(body) == ["result", "result_info", "success", "errors", "messages"]
    assert body["result_info"] == {
        "page": 1,
        "per_page": 100,
        "count": 100,
        "total_count": len(sb.records),
    }
    assert body["success"] is True and body["errors"] == [] and body["messages"] == []
    assert body["result"] == sb.records[:100]


def test_records_are_newest_first_ties_by_id(sb: sandbox.Sandbox) -> None:
    recs = sb.records
    keys = [(when_dt(r), r["id"]) for r in recs]
    assert keys == sorted(keys, reverse=True)
    assert len(set(ids(recs))) == len(recs)


def test_base_url_and_credentials(sb: sandbox.Sandbox) -> None:
    assert sb.base_url == f"http://127.0.0.1:{sb.port}/client/v4"
    assert sb.port > 0
    assert len(sb.token) == 40 and sb.token == sandbox.DEFAULT_TOKEN
    assert sb.email == "michelle@example.com" and len(sb.api_key) == 37
    assert len(sb.account_id) == 32 and int(sb.account_id, 16) >= 0
    assert sb.user_id == _people.identity(0).people["michelle"].id
    assert sb.anchor == ANCHOR_DT
    assert sb.token not in repr(sb)


def test_fixture_records_served_verbatim(small: sandbox.Sandbox, http: requests.Session) -> None:
    fixture = load_fixture()
    served = fetch_all(small, session=http)
    expected = sorted(fixture, key=lambda r: (when_dt(r), r["id"]), reverse=True)
    assert served == expected
    assert small.records == expected
    by_id = {r["id"]: r for r in served}
    rec_del = by_id["46256ba8-2188-432c-8f55-21cfd2caf7d6"]
    assert rec_del["newValue"] == "null" and rec_del["oldValueJson"]["type"] == "TXT"
    system = by_id["2ce6e0db-5527-4870-8f66-8ede1cd38791"]
    assert system["actor"] == {"id": "1", "type": "system"}
    assert system["when"] == "2021-10-10T10:13:46.214209Z"
    assert by_id["8d3396e8-c903-5a66-9421-00fc34570550"]["action"]["info"].startswith("key digest:")


def test_odd_records_do_not_break_filters(http: requests.Session) -> None:
    odd: list[Record] = [
        {"id": "a", "when": "not a time", "actor": {"ip": "not-an-ip"}, "metadata": []},
        {"id": "b"},
        {"id": "c", "when": "2026-01-01T00:00:00Z", "actor": None, "owner": "x"},
    ]
    with sandbox.start(records=odd) as s:
        assert ids(fetch_all(s, session=http)) == ["c", "b", "a"]
        assert fetch_all(s, {"actor.ip": "10.0.0.0/8"}, session=http) == []
        assert ids(fetch_all(s, {"since": "2025-01-01"}, session=http)) == ["c"]
        assert ids(fetch_all(s, {"hide_user_logs": "true"}, session=http)) == ["c", "b", "a"]


# ---------------------------------------------------------------------------
# filters
# ---------------------------------------------------------------------------

Pred = Callable[[Record], bool]


def _filter_cases() -> list[tuple[str, dict[str, str], Pred]]:
    ident = _people.identity(0)
    michelle_v6 = ident.people["michelle"].ipv6
    return [
        ("type-login", {"action.type": "login"}, lambda r: r["action"]["type"] == "login"),
        (
            "type-API_key_view",
            {"action.type": "API_key_view"},
            lambda r: r["action"]["type"] == "API_key_view",
        ),
        ("type-unknown", {"action.type": "nope"}, lambda r: False),
        (
            "email-case-insensitive",
            {"actor.email": "RAJ@example.com"},
            lambda r: r["actor"].get("email") == "raj@example.com",
        ),
        (
            "zone",
            {"zone.name": "shop.example.com"},
            lambda r: r["metadata"].get("zone_name") == "shop.example.com",
        ),
        (
            "zone-case-insensitive",
            {"zone.name": "Example.ORG"},
            lambda r: r["metadata"].get("zone_name") == "example.org",
        ),
        ("ip-v4", {"actor.ip": "192.0.2.10"}, lambda r: r["actor"].get("ip") == "192.0.2.10"),
        ("cidr-v4", {"actor.ip": "192.0.2.0/24"}, lambda r: ip_in(r, "192.0.2.0/24")),
        ("cidr-v4-host-bits", {"actor.ip": "203.0.113.7/24"}, lambda r: ip_in(r, "203.0.113.0/24")),
        ("ip-v6", {"actor.ip": michelle_v6}, lambda r: r["actor"].get("ip") == michelle_v6),
        ("cidr-v6", {"actor.ip": "2001:db8:1000::/48"}, lambda r: ip_in(r, "2001:db8:1000::/48")),
        ("cidr-v6-wide", {"actor.ip": "2001:db8::/32"}, lambda r: ip_in(r, "2001:db8::/32")),
        ("all-v4", {"actor.ip": "0.0.0.0/0"}, lambda r: "." in r["actor"].get("ip", "")),
        ("all-v6", {"actor.ip": "::/0"}, lambda r: ":" in r["actor"].get("ip", "")),
        (
            "hide-user-logs",
            {"hide_user_logs": "true"},
            lambda r: r["owner"]["id"] not in ident.user_ids,
        ),
        ("show-user-logs", {"hide_user_logs": "false"}, lambda r: True),
        (
            "combined-burst",
            {"action.type": "rec_del", "zone.name": "example.com", "actor.ip": "203.0.113.66"},
            lambda r: r["action"]["type"] == "rec_del" and r["actor"].get("ip") == "203.0.113.66",
        ),
        ("blank-is-absent", {"action.type": "", "zone.name": ""}, lambda r: True),
        ("unknown-param-ignored", {"foo": "bar", "token": "x"}, lambda r: True),
    ]


@pytest.mark.parametrize(
    ("params", "pred"),
    [(p, f) for _, p, f in _filter_cases()],
    ids=[name for name, _, _ in _filter_cases()],
)
def test_filter_matches_python_filter(
    sb: sandbox.Sandbox, http: requests.Session, params: dict[str, str], pred: Pred
) -> None:
    expected = [r for r in sb.records if pred(r)]
    served = fetch_all(sb, params, session=http)
    assert ids(served) == ids(expected)
    total = get(sb, {**params, "per_page": 1}, session=http).json()["result_info"]["total_count"]
    assert total == len(expected)


def test_filter_id(sb: sandbox.Sandbox, http: requests.Session) -> None:
    target = sb.records[1234]
    assert fetch_all(sb, {"id": target["id"]}, session=http) == [target]
    assert fetch_all(sb, {"id": "00000000-0000-4000-8000-000000000000"}, session=http) == []


def test_filter_expectations_are_not_trivial(sb: sandbox.Sandbox) -> None:
    recs = sb.records
    assert (
        len([r for r in recs if ip_in(r, "203.0.113.0/24")]) == 28
    )  # attacker (20) + brute force (8)
    assert len([r for r in recs if r["owner"]["id"] in _people.identity(0).user_ids]) == 668
    burst = [
        r
        for r in recs
        if r["action"]["type"] == "rec_del" and r["actor"].get("ip") == "203.0.113.66"
    ]
    assert len(burst) == 9


def test_hide_user_logs_on_fixture(small: sandbox.Sandbox, http: requests.Session) -> None:
    shown = fetch_all(small, {"hide_user_logs": "true"}, session=http)
    assert len(shown) == 8
    assert {r["owner"]["id"] for r in shown} == {"eojhfbg334i88zs2pr2rd7wr82jf2h95"}
    assert len(fetch_all(small, {"hide_user_logs": "false"}, session=http)) == 13


@pytest.mark.parametrize("value", ["300.1.1.1", "10.0.0.0/33", "abc", "2001:db8::/129", "1.2.3"])
def test_bad_ip_is_400(sb: sandbox.Sandbox, http: requests.Session, value: str) -> None:
    r = get(sb, {"actor.ip": value}, session=http)
    assert error(r) == (400, 1004)
    assert "actor.ip" in r.json()["errors"][0]["message"]


@pytest.mark.parametrize(("name", "value"), [("hide_user_logs", "yes"), ("export", "maybe")])
def test_bad_boolean_is_400(
    sb: sandbox.Sandbox, http: requests.Session, name: str, value: str
) -> None:
    assert error(get(sb, {name: value}, session=http)) == (400, 1004)


# ---------------------------------------------------------------------------
# paging, per_page, direction
# ---------------------------------------------------------------------------


def test_pages_concatenate_to_everything(sb: sandbox.Sandbox, http: requests.Session) -> None:
    n = len(sb.records)
    per_page = 337
    pages: list[list[Record]] = []
    for page in range(1, math.ceil(n / per_page) + 2):
        body = get(sb, {"per_page": per_page, "page": page}, session=http).json()
        assert body["result_info"]["total_count"] == n
        pages.append(body["result"])
    assert [len(p) for p in pages[:-2]] == [per_page] * (len(pages) - 2)
    assert len(pages[-2]) == n - per_page * (len(pages) - 2)
    assert pages[-1] == []
    flat = [r for p in pages for r in p]
    assert flat == sb.records
    assert len(set(ids(flat))) == n


def test_paging_with_filter(sb: sandbox.Sandbox, http: requests.Session) -> None:
    expected = [r for r in sb.records if r["action"]["type"] == "rec_set"]
    assert fetch_all(sb, {"action.type": "rec_set"}, per_page=100, session=http) == expected


def test_page_past_the_end_is_empty(sb: sandbox.Sandbox, http: requests.Session) -> None:
    body = get(sb, {"page": 999, "per_page": 1000}, session=http).json()
    assert body["result"] == []
    assert body["result_info"] == {
        "page": 999,
        "per_page": 1000,
        "count": 0,
        "total_count": len(sb.records),
    }


@pytest.mark.parametrize("value", ["1", "1000", "0050"])
def test_per_page_valid(sb: sandbox.Sandbox, http: requests.Session, value: str) -> None:
    body = get(sb, {"per_page": value}, session=http).json()
    assert body["result_info"]["per_page"] == int(value)
    assert len(body["result"]) == int(value)


@pytest.mark.parametrize("value", ["0", "1001", "1000.0", "-1", "abc", "1e3", "5.5", " 5", "+5"])
def test_per_page_invalid(sb: sandbox.Sandbox, http: requests.Session, value: str) -> None:
    r = get(sb, {"per_page": value}, session=http)
    assert error(r) == (400, 1004)
    assert "per_page" in r.json()["errors"][0]["message"]


@pytest.mark.parametrize("value", ["0", "1.0", "-1", "x"])
def test_page_invalid(sb: sandbox.Sandbox, http: requests.Session, value: str) -> None:
    r = get(sb, {"page": value}, session=http)
    assert error(r) == (400, 1004)
    assert "page" in r.json()["errors"][0]["message"]


def test_direction(sb: sandbox.Sandbox, http: requests.Session) -> None:
    desc = fetch_all(sb, {"direction": "desc"}, session=http)
    asc = fetch_all(sb, {"direction": "asc"}, session=http)
    assert desc == sb.records
    assert asc == desc[::-1]
    # ties on `when` are ordered by id: rotate_API_key and API_key_created share a second
    tied = [r for r in desc if r["action"]["type"] in ("rotate_API_key", "API_key_created")]
    assert tied[0]["when"] == tied[1]["when"]
    assert tied[0]["id"] > tied[1]["id"]
    assert error(get(sb, {"direction": "up"}, session=http)) == (400, 1004)


def test_asc_paging(sb: sandbox.Sandbox, http: requests.Session) -> None:
    expected = [r for r in sb.records if r["action"]["type"] == "purge"][::-1]
    got = fetch_all(sb, {"action.type": "purge", "direction": "ASC"}, per_page=77, session=http)
    assert got == expected


# ---------------------------------------------------------------------------
# since / before
# ---------------------------------------------------------------------------


def _fractional(sb: sandbox.Sandbox) -> Record:
    return next(r for r in sb.records[500:] if "." in r["when"])


def test_since_is_inclusive_before_is_exclusive(
    sb: sandbox.Sandbox, http: requests.Session
) -> None:
    rec = _fractional(sb)
    t = when_dt(rec)
    plus_1us = (t + timedelta(microseconds=1)).isoformat().replace("+00:00", "Z")
    since = fetch_all(sb, {"since": rec["when"]}, session=http)
    assert ids(since) == ids([r for r in sb.records if when_dt(r) >= t])
    assert rec["id"] in ids(since)
    assert rec["id"] not in ids(fetch_all(sb, {"since": plus_1us}, session=http))
    before = fetch_all(sb, {"before": rec["when"]}, session=http)
    assert ids(before) == ids([r for r in sb.records if when_dt(r) < t])
    assert rec["id"] in ids(fetch_all(sb, {"before": plus_1us}, session=http))


def test_since_nanosecond_precision(sb: sandbox.Sandbox, http: requests.Session) -> None:
    rec = _fractional(sb)
    assert rec["when"].endswith("Z") and len(rec["when"].split(".")[1]) == 7
    one_ns_later = rec["when"][:-1] + "001Z"
    assert rec["id"] not in ids(fetch_all(sb, {"since": one_ns_later}, session=http))
    assert rec["id"] in ids(fetch_all(sb, {"before": one_ns_later}, session=http))


def test_since_before_dates(sb: sandbox.Sandbox, http: requests.Session) -> None:
    lo, hi = datetime(2026, 9, 1, tzinfo=UTC), datetime(2026, 9, 8, tzinfo=UTC)
    expected = [r for r in sb.records if lo <= when_dt(r) < hi]
    assert len(expected) > 50
    got = fetch_all(sb, {"since": "2026-09-01", "before": "2026-09-08"}, session=http)
    assert ids(got) == ids(expected)
    with_offsets = fetch_all(
        sb,
        {"since": "2026-09-01T02:00:00+02:00", "before": "2026-09-07T19:00:00.000-05:00"},
        session=http,
    )
    assert ids(with_offsets) == ids(expected)
    assert fetch_all(sb, {"since": "2026-09-08", "before": "2026-09-01"}, session=http) == []


def test_whole_history_is_before_anchor(sb: sandbox.Sandbox, http: requests.Session) -> None:
    assert fetch_all(sb, {"since": ANCHOR}, session=http) == []
    # the history starts on the Monday on or before anchor - 183 days (2026-03-31 -> 03-30)
    assert len(fetch_all(sb, {"since": "2026-03-30", "before": ANCHOR}, session=http)) == len(
        sb.records
    )
    assert fetch_all(sb, {"before": "2026-03-30"}, session=http) == []


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2026-13-01",
        "2026-02-30",
        "2026-10-01T12:00:00",
        "2026-10-01T25:00:00Z",
        "2026-10-01T12:00:00 02:00",
        "2026-10-01T12:00Z",
        "1696118400",
    ],
)
@pytest.mark.parametrize("name", ["since", "before"])
def test_bad_dates_are_400(
    sb: sandbox.Sandbox, http: requests.Session, name: str, value: str
) -> None:
    r = get(sb, {name: value}, session=http)
    assert error(r) == (400, 1004)
    assert name in r.json()["errors"][0]["message"]


# ---------------------------------------------------------------------------
# auth
# ---------------------------------------------------------------------------


def test_both_auth_styles(sb: sandbox.Sandbox, http: requests.Session) -> None:
    params = {"action.type": "purge", "per_page": 20}
    by_token = get(sb, params, headers=token_headers(sb), session=http)
    by_key = get(sb, params, headers=key_headers(sb), session=http)
    assert by_token.status_code == by_key.status_code == 200
    assert by_token.json() == by_key.json()
    lower = get(sb, params, headers={"authorization": f"bearer {sb.token}"}, session=http)
    assert lower.status_code == 200


AUTH_CASES: list[tuple[str, Callable[[sandbox.Sandbox], dict[str, str]], int, int, int | None]] = [
    ("missing", lambda s: {}, 400, 6003, 6103),
    ("basic", lambda s: {"Authorization": "Basic dXNlcjpwYXNz"}, 400, 6003, 6111),
    ("bare-token", lambda s: {"Authorization": s.token}, 400, 6003, 6111),
    ("empty-bearer", lambda s: {"Authorization": "Bearer "}, 400, 6003, 6111),
    (
        "basic-wins-over-key",
        lambda s: {"Authorization": "Basic eA==", **key_headers(s)},
        400,
        6003,
        6111,
    ),
    ("email-only", lambda s: {"X-Auth-Email": s.email}, 400, 6003, 6103),
    ("key-only", lambda s: {"X-Auth-Key": s.api_key}, 400, 6003, 6102),
    ("wrong-token", lambda s: {"Authorization": "Bearer " + "x" * 40}, 401, 10000, None),
    ("wrong-key", lambda s: {"X-Auth-Email": s.email, "X-Auth-Key": "0" * 37}, 401, 10000, None),
    (
        "wrong-email",
        lambda s: {"X-Auth-Email": "raj@example.com", "X-Auth-Key": s.api_key},
        401,
        10000,
        None,
    ),
]


@pytest.mark.parametrize(
    ("make", "status", "code", "chain"),
    [c[1:] for c in AUTH_CASES],
    ids=[c[0] for c in AUTH_CASES],
)
def test_auth_rejections(
    sb: sandbox.Sandbox,
    http: requests.Session,
    make: Callable[[sandbox.Sandbox], dict[str, str]],
    status: int,
    code: int,
    chain: int | None,
) -> None:
    r = get(sb, headers=make(sb), session=http)
    assert error(r) == (status, code)
    err = r.json()["errors"][0]
    if chain is None:
        assert "error_chain" not in err
        assert err["message"] == "Authentication error"
    else:
        assert err["message"] == "Invalid request headers"
        assert [c["code"] for c in err["error_chain"]] == [chain]


def test_missing_auth_exact_envelope(sb: sandbox.Sandbox, http: requests.Session) -> None:
    r = get(sb, headers={}, session=http)
    assert r.status_code == 400
    assert r.json() == {
        "success": False,
        "errors": [
            {
                "code": 6003,
                "message": "Invalid request headers",
                "error_chain": [{"code": 6103, "message": "Invalid format for X-Auth-Key header"}],
            }
        ],
        "messages": [],
        "result": None,
    }


@pytest.mark.parametrize("param", ["token", "api_token", "access_token"])
def test_token_in_query_string_is_rejected_and_redacted(
    small: sandbox.Sandbox, http: requests.Session, param: str
) -> None:
    r = get(small, {param: small.token}, headers={}, session=http)
    assert error(r) == (400, 6003)
    logged = small.requests[-1]
    assert logged.params[param] == "[redacted]"
    assert small.token not in repr(small.requests)


def test_custom_credentials(http: requests.Session) -> None:
    acct = "0123456789abcdef0123456789abcdef"
    with sandbox.start(
        records=load_fixture(),
        token="t" * 40,
        email="ops@example.org",
        api_key="k" * 37,
        account_id=acct,
    ) as s:
        assert (s.token, s.email, s.api_key, s.account_id) == (
            "t" * 40,
            "ops@example.org",
            "k" * 37,
            acct,
        )
        assert get(s, session=http).status_code == 200
        assert get(s, headers=key_headers(s), session=http).status_code == 200
        assert (
            get(s, headers={"Authorization": f"Bearer {sandbox.DEFAULT_TOKEN}"}).status_code == 401
        )
        assert get(s, path=f"/accounts/{acct}/audit_logs", session=http).status_code == 200


# ---------------------------------------------------------------------------
# account scope and routing
# ---------------------------------------------------------------------------


def test_account_scope_serves_the_same_records(sb: sandbox.Sandbox, http: requests.Session) -> None:
    path = f"/accounts/{sb.account_id}/audit_logs"
    params = {"zone.name": "example.com", "action.type": "change_setting"}
    assert fetch_all(sb, params, path=path, session=http) == fetch_all(sb, params, session=http)
    r = get(sb, {"per_page": 3}, path=path, headers=key_headers(sb), session=http)
    assert r.json()["result_info"]["total_count"] == len(sb.records)


def test_wrong_account(sb: sandbox.Sandbox, http: requests.Session) -> None:
    other = "f" * 32
    r = get(sb, path=f"/accounts/{other}/audit_logs", session=http)
    assert error(r) == (403, 9109)
    assert r.json()["errors"][0]["message"] == "Unauthorized to access requested resource"
    # auth is checked before the account
    assert error(get(sb, path=f"/accounts/{other}/audit_logs", headers={}, session=http)) == (
        400,
        6003,
    )


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/abc/audit_logs",
        "/accounts//audit_logs",
        "/user/audit_log",
        "/user/audit_logs/",
        "/zones",
        "/",
    ],
)
def test_unknown_paths_are_404(sb: sandbox.Sandbox, http: requests.Session, path: str) -> None:
    r = get(sb, path=path, session=http)
    assert error(r) == (404, 7003)
    errs = r.json()["errors"]
    assert errs[0]["message"].startswith("Could not route to ")
    assert errs[1]["code"] == 7000


def test_outside_api_prefix_is_404(sb: sandbox.Sandbox, http: requests.Session) -> None:
    r = http.get(f"http://127.0.0.1:{sb.port}/user/audit_logs", headers=token_headers(sb))
    assert error(r) == (404, 7003)


def test_other_methods_are_405(sb: sandbox.Sandbox, http: requests.Session) -> None:
    r = http.post(sb.url("/user/audit_logs"), headers=token_headers(sb), json={"x": 1})
    assert error(r) == (405, 7001)
    assert r.headers["Allow"] == "GET"
    assert http.delete(sb.url("/user/audit_logs"), headers=token_headers(sb)).status_code == 405


# ---------------------------------------------------------------------------
# CSV export
# ---------------------------------------------------------------------------


def _csv(r: requests.Response) -> list[dict[str, str]]:
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8")
    assert text.splitlines()[0].split(",") == list(sandbox.CSV_COLUMNS)
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_everything(sb: sandbox.Sandbox, http: requests.Session) -> None:
    rows = _csv(get(sb, {"export": "true"}, session=http))
    assert len(rows) == len(sb.records)
    assert [row["id"] for row in rows] == ids(sb.records)


def test_csv_export_values(sb: sandbox.Sandbox, http: requests.Session) -> None:
    rec = next(r for r in sb.records if r["action"]["type"] == "rec_set" and "oldValueJson" in r)
    row = _csv(get(sb, {"export": "true", "id": rec["id"]}, session=http))[0]
    assert row["when"] == rec["when"]
    assert row["action.type"] == "rec_set" and row["action.result"] == "true"
    assert row["action.info"] == ""
    assert row["actor.email"] == rec["actor"]["email"] and row["actor.ip"] == rec["actor"]["ip"]
    assert row["metadata.zone_name"] == rec["metadata"]["zone_name"]
    assert row["resource.type"] == "DNS_record" and row["owner.id"] == rec["owner"]["id"]
    assert json.loads(row["oldValueJson"]) == rec["oldValueJson"]
    assert json.loads(row["newValueJson"]) == rec["newValueJson"]
    assert json.loads(row["metadata"]) == rec["metadata"]
    system = next(r for r in sb.records if r["actor"]["type"] == "system")
    srow = _csv(get(sb, {"export": "true", "id": system["id"]}, session=http))[0]
    assert srow["actor.email"] == "" and srow["actor.ip"] == "" and srow["actor.id"] == "1"


def test_csv_export_filtered_ignores_paging(sb: sandbox.Sandbox, http: requests.Session) -> None:
    expected = [
        r for r in sb.records if r["action"]["type"] == "login" and r["action"]["result"] is False
    ]
    params = {"export": "1", "action.type": "login", "direction": "asc", "per_page": 5, "page": 2}
    rows = _csv(get(sb, params, session=http))
    logins = [r for r in sb.records if r["action"]["type"] == "login"][::-1]
    assert [row["id"] for row in rows] == ids(logins)
    assert sum(row["action.result"] == "false" for row in rows) == len(expected)
    assert error(get(sb, {"export": "true", "per_page": 5000}, session=http)) == (400, 1004)


def test_csv_export_fixture_quirks(small: sandbox.Sandbox, http: requests.Session) -> None:
    rows = _csv(get(small, {"export": "true"}, session=http))
    assert len(rows) == 13
    by_id = {row["id"]: row for row in rows}
    assert by_id["46256ba8-2188-432c-8f55-21cfd2caf7d6"]["newValue"] == "null"
    assert by_id["557dd5f0-829e-5567-9007-e5c5aeba7393"]["metadata"] == (
        '{"name":"IPv6","type":"network","value":true,"zone_name":"example.com"}'
    )


# ---------------------------------------------------------------------------
# faults
# ---------------------------------------------------------------------------


def test_rate_limit(small: sandbox.Sandbox) -> None:
    small.faults.rate_limit(2, retry_after=3)
    assert small.faults.pending == [("rate_limit", 2)]
    for _ in range(2):
        r = get(small)
        assert error(r) == (429, 971)
        assert r.headers["Retry-After"] == "3"
        assert r.json()["errors"][0]["message"] == (
            "Please wait and consider throttling your request speed"
        )
    assert get(small).status_code == 200
    assert [q.fault for q in small.requests] == ["rate_limit", "rate_limit", None]
    assert [q.status for q in small.requests] == [429, 429, 200]


def test_faults_count_only_audit_log_requests(small: sandbox.Sandbox) -> None:
    small.faults.rate_limit(1, retry_after=0)
    assert get(small, path="/zones").status_code == 404
    assert get(small, path="/accounts/abc/audit_logs").status_code == 404
    assert get(small, headers={}).status_code == 429  # fires before auth
    assert get(small).status_code == 200


def test_server_error_html_and_json(small: sandbox.Sandbox) -> None:
    small.faults.server_error(1).server_error(1, status=500).server_error(
        1, status=502, body="json"
    )
    r = get(small)
    assert r.status_code == 503 and r.headers["Content-Type"].startswith("text/html")
    assert "503 Service Unavailable" in r.text
    assert error(get(small)) == (500, 1000)
    assert error(get(small)) == (502, 1000)
    assert get(small).status_code == 200


def test_faults_fire_in_arming_order(small: sandbox.Sandbox) -> None:
    small.faults.rate_limit(1, retry_after=0).server_error(2).success_false(1)
    assert [get(small).status_code for _ in range(5)] == [429, 503, 503, 200, 200]
    assert [q.fault for q in small.requests] == [
        "rate_limit",
        "server_error",
        "server_error",
        "success_false",
        None,
    ]


def test_drop_connection(small: sandbox.Sandbox) -> None:
    small.faults.drop_connection(2)
    for _ in range(2):
        with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
            get(small).content  # noqa: B018
    assert get(small).json()["result_info"]["total_count"] == 13


def test_truncate_json(small: sandbox.Sandbox) -> None:
    full = get(small).content
    small.faults.truncate_json(1)
    r = get(small)
    assert r.status_code == 200
    assert int(r.headers["Content-Length"]) == len(r.content) == len(full) // 2
    assert r.content == full[: len(full) // 2]
    with pytest.raises(ValueError):
        r.json()
    assert get(small).content == full


def test_success_false(small: sandbox.Sandbox) -> None:
    small.faults.success_false(1)
    r = get(small)
    assert r.status_code == 200
    assert r.json() == {
        "success": False,
        "errors": [{"code": 1000, "message": "Internal error"}],
        "messages": [],
        "result": None,
    }
    assert get(small).json()["success"] is True


@pytest.mark.parametrize("bad", ["object", "surrogate", "cycle"])
def test_unserialisable_record_is_an_internal_error(
    bad: str, caplog: pytest.LogCaptureFixture
) -> None:
    rec: Record = {"id": "x", "when": "2026-10-01T00:00:00Z", "metadata": {}}
    rec["metadata"]["v"] = {"object": object(), "surrogate": "\ud800", "cycle": rec}[bad]
    with sandbox.start(records=[rec]) as s:
        assert error(get(s)) == (500, 1000)
        assert get(s, {"since": "2026-10-02T00:00:00Z"}).json()["success"] is True
    assert "not JSON-serialisable" in caplog.text


def test_latency(small: sandbox.Sandbox) -> None:
    small.faults.latency = 0.2
    t0 = time.perf_counter()
    assert get(small).status_code == 200
    assert time.perf_counter() - t0 >= 0.2
    t0 = time.perf_counter()
    get(small, path="/zones")  # not an audit-log request: no delay
    assert time.perf_counter() - t0 < 0.2
    small.faults.reset()
    assert small.faults.latency == 0.0
    with pytest.raises(ValueError):
        small.faults.latency = -1


def test_start_latency(http: requests.Session) -> None:
    with sandbox.start(records=[], latency=0.15) as s:
        t0 = time.perf_counter()
        get(s, session=http)
        assert time.perf_counter() - t0 >= 0.15


def test_write_during_load_now(fresh: sandbox.Sandbox, http: requests.Session) -> None:
    n = len(fresh.records)
    fresh.faults.write_during_load(every=1, count=2)
    t0 = datetime.now(UTC)
    first = get(fresh, {"per_page": 10}, session=http).json()
    assert first["result_info"]["total_count"] == n  # inserted after this answer was built
    second = get(fresh, {"per_page": 10}, session=http).json()
    assert second["result_info"]["total_count"] == n + 2
    new = second["result"][:2]
    for rec in new:
        assert when_dt(rec) >= t0 - timedelta(seconds=1) and when_dt(rec) > ANCHOR_DT
        assert rec["id"] not in ids(first["result"])
    assert len(fresh.records) == n + 4
    # a load with a fixed upper bound is not disturbed
    bounded = get(fresh, {"before": ANCHOR, "per_page": 1}, session=http).json()
    assert bounded["result_info"]["total_count"] == n


def test_write_during_load_past_shifts_pages(
    fresh: sandbox.Sandbox, http: requests.Session
) -> None:
    n = len(fresh.records)
    newest, oldest = when_dt(fresh.records[0]), when_dt(fresh.records[-1])
    fresh.faults.write_during_load(when="past")
    naive: list[Record] = []
    for page in range(1, 6):
        naive.extend(get(fresh, {"per_page": 100, "page": page}, session=http).json()["result"])
    counts = collections.Counter(ids(naive))
    assert sum(c > 1 for c in counts.values()) == 4  # each later page repeats one entry
    assert len(fresh.records) == n + 5
    original = set(ids(_data.generate_records(0, ANCHOR)))
    inserted = [r for r in fresh.records if r["id"] not in original]
    assert len(inserted) == 5
    assert all(oldest < when_dt(r) < newest for r in inserted)


def test_write_during_load_every_and_times(small: sandbox.Sandbox) -> None:
    small.faults.write_during_load(every=2, count=3, times=2)
    totals = [get(small).json()["result_info"]["total_count"] for _ in range(6)]
    assert totals == [13, 13, 16, 16, 19, 19]
    assert small.faults.pending == []


def test_write_during_load_explicit_time(small: sandbox.Sandbox) -> None:
    at = datetime(2021, 9, 1, 12, 0, tzinfo=UTC)
    small.faults.write_during_load(when=at, times=1)
    get(small)
    body = get(small, {"since": "2021-09-01T12:00:00Z", "before": "2021-09-01T12:00:01Z"}).json()
    assert [r["when"] for r in body["result"]] == ["2021-09-01T12:00:00Z"]


def test_fault_reset_and_validation(small: sandbox.Sandbox) -> None:
    f = small.faults
    f.rate_limit(3).drop_connection(1).write_during_load()
    f.latency = 1.0
    f.reset()
    assert f.pending == [] and f.latency == 0.0
    assert get(small).status_code == 200
    assert f.rate_limit(0).pending == []
    for bad in (
        lambda: f.rate_limit(-1),
        lambda: f.rate_limit(1, retry_after=1.5),
        lambda: f.server_error(1, status=404),
        lambda: f.write_during_load(every=0),
        lambda: f.write_during_load(when="later"),  # type: ignore[arg-type]
        lambda: f.write_during_load(when=datetime(2026, 1, 1)),
    ):
        with pytest.raises(ValueError):
            bad()


# ---------------------------------------------------------------------------
# request log
# ---------------------------------------------------------------------------


def test_request_log(small: sandbox.Sandbox) -> None:
    get(small, {"per_page": 5, "action.type": "login"})
    get(small, headers=key_headers(small))
    get(small, headers={"Authorization": "Bearer wrongsecret0123456789"})
    get(small, path="/zones")
    log = small.requests
    assert [q.status for q in log] == [200, 200, 401, 404]
    assert log[0].params == {"per_page": "5", "action.type": "login"}
    assert log[0].path == "/client/v4/user/audit_logs" and log[0].method == "GET"
    assert (log[0].auth, log[1].auth, log[2].auth) == ("token", "key", None)
    assert log[0]["auth_scheme"] == "Bearer" and log[1].auth_scheme is None
    assert log[1].has_x_auth_email and log[1].has_x_auth_key and not log[1].has_authorization
    assert [q.audit_log for q in log] == [True, True, True, False]
    assert log[3].scope is None and log[0].scope == "user"
    text = repr(log)
    for secret in (small.token, small.api_key, "wrongsecret0123456789"):
        assert secret not in text
    small.reset_requests()
    assert small.requests == []


def test_concurrent_requests(sb: sandbox.Sandbox) -> None:
    before = len(sb.requests)
    results: list[int] = []
    lock = threading.Lock()

    def worker(page: int) -> None:
        for _ in range(5):
            code = get(sb, {"per_page": 50, "page": page}).status_code
            with lock:
                results.append(code)

    threads = [threading.Thread(target=worker, args=(p,)) for p in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 40
    assert len(sb.requests) - before == 40


# ---------------------------------------------------------------------------
# add_records and lifecycle
# ---------------------------------------------------------------------------


def test_add_records(small: sandbox.Sandbox, http: requests.Session) -> None:
    rec = {
        "action": {"result": True, "type": "purge"},
        "actor": {"email": "x@example.com", "id": "u", "ip": "192.0.2.1", "type": "user"},
        "id": "added-1",
        "interface": "",
        "metadata": {"zone_name": "example.com"},
        "owner": {"id": "acct"},
        "resource": {"id": "z", "type": "zone"},
        "when": "2021-10-01T00:00:00Z",
    }
    small.add_records([rec])
    got = fetch_all(small, session=http)
    assert len(got) == 14
    assert got[ids(got).index("added-1") - 1]["when"] > rec["when"]
    assert fetch_all(small, {"actor.email": "x@example.com"}, session=http) == [rec]
    with pytest.raises(TypeError):
        small.add_records(["nope"])  # type: ignore[list-item]


def test_stop_and_context_manager() -> None:
    with sandbox.start(records=[]) as s:
        assert s.running
        url = s.url("/user/audit_logs")
        assert requests.get(url, headers=token_headers(s), timeout=5).status_code == 200
    assert not s.running
    s.stop()  # idempotent
    with pytest.raises(requests.ConnectionError):
        requests.get(url, headers=token_headers(s), timeout=5)


def test_stop_with_open_keepalive_connection() -> None:
    s = sandbox.start(records=[])
    with requests.Session() as session:
        assert get(s, session=session).status_code == 200  # leaves a keep-alive connection
        t0 = time.perf_counter()
        s.stop()
        assert time.perf_counter() - t0 < 2


def test_serve_forever_blocks_until_stopped() -> None:
    s = sandbox.start(records=[])
    t = threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05})
    t.start()
    time.sleep(0.1)
    assert t.is_alive()
    assert get(s).status_code == 200
    s.stop()
    t.join(timeout=5)
    assert not t.is_alive()


def test_ipv6_loopback() -> None:
    try:
        s = sandbox.start(host="::1", records=load_fixture())
    except OSError:
        pytest.skip("no IPv6 loopback")
    with s:
        assert s.base_url == f"http://[::1]:{s.port}/client/v4"
        assert len(fetch_all(s)) == 13


# ---------------------------------------------------------------------------
# the synthetic data
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recs() -> list[Record]:
    return sandbox.generate_records(anchor=ANCHOR)


def test_generator_is_deterministic_and_fast(recs: list[Record]) -> None:
    # generate_records caches an anchor-free template: rebuild it from scratch, timed
    best, rebuilt = math.inf, b""
    for _ in range(3):  # CPU time, best of up to three: robust to a busy machine
        t0 = time.process_time()
        rebuilt = _data._template.__wrapped__(0, None)
        best = min(best, time.process_time() - t0)
        if best < 0.3:
            break
    assert best < 0.3
    assert rebuilt == _data._template(0, None)
    again = sandbox.generate_records(seed=0, anchor=ANCHOR)
    assert again == recs and again is not recs and again[0] is not recs[0]
    # pinned: the same records on every machine, process and PYTHONHASHSEED
    assert len(recs) == 3853
    assert (recs[0]["id"], recs[-1]["id"]) == (
        "166812e9-be49-4ea3-972a-b28c9773ca30",
        "58c63263-90a1-5cd2-a17d-f247c6361291",
    )
    digest = hashlib.sha256(msgspec.json.encode(recs)).hexdigest()
    assert digest == "b2c2d2662338b0f2effc10ddec2cf39dddd96d5e687db7eb5bac4bbaf4e556ec"
    other = msgspec.json.decode(_data._template.__wrapped__(1, None))
    assert not set(ids(recs)) & {rec["id"] for _, rec in other}


def test_generator_anchor_shifts_only_times_by_whole_weeks() -> None:
    a = sandbox.generate_records(seed=0, anchor=ANCHOR)
    later = datetime(2027, 3, 15, 13, 45, 7, tzinfo=UTC)
    b = sandbox.generate_records(seed=0, anchor=later)
    # both histories start at midnight on a Monday: 2026-03-30 and 2026-09-07
    shift = timedelta(weeks=23)
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert {**x, "when": None} == {**y, "when": None}
        assert when_dt(y) - when_dt(x) == shift
        assert ("." in x["when"]) == ("." in y["when"])
    assert max(when_dt(y) for y in b) < later


def test_weekends_fall_on_saturdays_and_sundays() -> None:
    recs = sandbox.generate_records(seed=0, anchor="2026-11-25")
    per_weekday = [0] * 7
    for r in recs:
        if r["actor"].get("type") == "user" and r["action"]["type"] == "login":
            per_weekday[when_dt(r).weekday()] += 1
    weekday_mean = sum(per_weekday[:5]) / 5
    assert per_weekday[5] < weekday_mean / 4 and per_weekday[6] < weekday_mean / 4
    assert min(per_weekday[:5]) > weekday_mean / 2


def test_anchor_forms() -> None:
    ref = sandbox.generate_records(anchor=ANCHOR)
    assert sandbox.generate_records(anchor=ANCHOR_DT) == ref
    assert sandbox.generate_records(anchor=date(2026, 10, 1)) == ref
    assert sandbox.generate_records(anchor="2026-10-01T02:00:00.75+02:00") == ref
    with pytest.raises(ValueError):
        sandbox.generate_records(anchor=datetime(2026, 10, 1))
    with pytest.raises(ValueError):
        sandbox.generate_records(anchor="soon")


def test_default_anchor_is_today_utc_midnight() -> None:
    with sandbox.start() as s:
        today = datetime.now(UTC).date()
        assert s.anchor == datetime(today.year, today.month, today.day, tzinfo=UTC)
        assert when_dt(s.records[0]) < s.anchor
        assert s.records == sandbox.generate_records(anchor=s.anchor)


def test_account_id_only_changes_owner() -> None:
    acct = "0123456789abcdef0123456789abcdef"
    a = sandbox.generate_records(anchor=ANCHOR)
    b = sandbox.generate_records(anchor=ANCHOR, account_id=acct)
    default = _people.identity(0).account_id
    assert ids(a) == ids(b)
    assert sum(r["owner"]["id"] == acct for r in b) == sum(r["owner"]["id"] == default for r in a)


def test_volume_and_composition(recs: list[Record]) -> None:
    assert 3000 <= len(recs) <= 6000
    assert len(set(ids(recs))) == len(recs)
    span = when_dt(recs[0]) - when_dt(recs[-1])
    assert timedelta(days=175) < span < timedelta(days=183)
    types = collections.Counter(r["action"]["type"] for r in recs)
    for t in (
        "login",
        "rec_add",
        "rec_set",
        "rec_del",
        "change_setting",
        "tls_settings_deployed",
        "token_create",
        "token_roll",
        "token_revoke",
        "API_key_view",
        "rotate_API_key",
        "API_key_created",
        "purge",
        "member_add",
        "member_role_change",
        "member_remove",
        "2fa_enforcement_disable",
        "pending",
    ):
        assert types[t] > 0, t
    assert types["rec_set"] > types["rec_add"] > types["rec_del"] > types["tls_settings_deployed"]
    actors = {(r["actor"]["type"], r["actor"].get("email")) for r in recs}
    assert {e for t, e in actors if t == "user"} == {
        "michelle@example.com",
        "raj@example.com",
        "ana@example.net",
        "tom@example.org",
    }
    assert {t for t, _ in actors} == {"user", "admin", "Cloudflare", "system"}
    zones = {r["metadata"].get("zone_name") for r in recs} - {None}
    assert zones == set(_catalog.ZONES)
    assert {r["interface"] for r in recs} == {"", "UI", "API"}


def test_records_have_the_real_quirks(recs: list[Record]) -> None:
    assert any(r["newValue"] == "null" for r in recs)
    assert any("." in r["when"] for r in recs) and any("." not in r["when"] for r in recs)
    assert all(r["when"].endswith("Z") for r in recs)
    system = [r for r in recs if r["actor"]["type"] == "system"]
    assert system and all(r["actor"] == {"id": "1", "type": "system"} for r in system)
    assert all("newValueJson" in r for r in system)
    assert all(
        r["action"]["info"].startswith("key digest: ") for r in recs if "info" in r["action"]
    )
    assert any(r["action"]["result"] is False for r in recs)
    assert {r["id"][14] for r in recs} == {"4", "5"}  # uuid v4 and v5, like the real data
    ips = {r["actor"]["ip"] for r in recs if "ip" in r["actor"]}
    assert any(":" in ip for ip in ips) and any("." in ip for ip in ips)
    for r in recs:
        assert set(r) >= {"action", "actor", "id", "interface", "metadata", "newValue", "oldValue"}
        if r["resource"]["type"] == "DNS_record":
            assert r["resource"]["id"].isdigit()
            assert ("newValueJson" in r) or ("oldValueJson" in r)
        if r["action"]["type"] == "rec_set":
            assert r["oldValueJson"]["id"] == r["newValueJson"]["id"]
        if r["action"]["type"] == "change_setting":
            assert set(r["metadata"]) == {"name", "type", "value", "zone_name"}
            assert r["resource"]["type"] == "zone"


def test_story_security_lowering_burst_off_hours(recs: list[Record]) -> None:
    changes = {
        (r["metadata"]["name"], r["oldValue"], r["newValue"])
        for r in recs
        if r["action"]["type"] == "change_setting"
    }
    for lowering in (
        ("security_level", "high", "low"),
        ("ssl", "full", "flexible"),
        ("min_tls_version", "1.2", "1.0"),
        ("always_use_https", "on", "off"),
        ("waf", "on", "off"),
    ):
        assert lowering in changes
    dels = sorted(when_dt(r) for r in recs if r["action"]["type"] == "rec_del")
    assert any(dels[i + 7] - dels[i] < timedelta(minutes=5) for i in range(len(dels) - 7))
    tom_logins = [
        when_dt(r)
        for r in recs
        if r["action"]["type"] == "login" and r["actor"]["email"] == "tom@example.org"
    ]
    night = [t for t in tom_logins if t.hour < 5]
    assert 3 <= len(night) < len(tom_logins) / 4
    failed = [r for r in recs if r["action"]["type"] == "login" and not r["action"]["result"]]
    assert sum(r["actor"]["ip"] == "203.0.113.199" for r in failed) == 8


def test_users_mostly_use_one_or_two_ips(recs: list[Record]) -> None:
    for email in ("michelle@example.com", "raj@example.com", "ana@example.net", "tom@example.org"):
        logins = [
            r["actor"]["ip"]
            for r in recs
            if r["action"]["type"] == "login" and r["actor"]["email"] == email
        ]
        top2 = sum(c for _, c in collections.Counter(logins).most_common(2))
        assert top2 / len(logins) >= 0.85, email
        assert len(set(logins)) > 2, email  # occasionally a new one


def test_records_load_into_the_schema(recs: list[Record]) -> None:
    schema = pytest.importorskip("auditkit.frame")
    df = schema.records_to_frame(recs)
    assert len(df) == len(recs)
    assert df["when"].notna().all()


# ---------------------------------------------------------------------------
# the official SDK, unchanged
# ---------------------------------------------------------------------------


def test_sdk_user_audit_logs_autopaging(sb: sandbox.Sandbox, no_cf_env: None) -> None:
    client = cloudflare.Cloudflare(api_token=sb.token, base_url=sb.base_url, max_retries=0)
    before = len(sb.requests)
    got = [e.id for e in client.user.audit_logs.list(per_page=50)]
    assert got == ids(sb.records)
    assert len(got) == len(set(got))
    # one request per page plus the empty page that ends the SDK's auto-pager
    assert len(sb.requests) - before == math.ceil(len(sb.records) / 50) + 1
    assert all(q.status == 200 and q.auth == "token" for q in sb.requests[before:])


def test_sdk_account_audit_logs(sb: sandbox.Sandbox, no_cf_env: None) -> None:
    client = cloudflare.Cloudflare(api_token=sb.token, base_url=sb.base_url, max_retries=0)
    pages = client.audit_logs.list(account_id=sb.account_id, action={"type": "login"}, per_page=100)
    got = [e.id for e in pages]
    expected = [r for r in sb.records if r["action"]["type"] == "login"]
    assert got == ids(expected) and len(expected) > 500


def test_sdk_filters(sb: sandbox.Sandbox, no_cf_env: None) -> None:
    client = cloudflare.Cloudflare(api_email=sb.email, api_key=sb.api_key, base_url=sb.base_url)
    since = datetime(2026, 8, 1, tzinfo=UTC)
    got = client.user.audit_logs.list(
        action={"type": "change_setting"},
        zone={"name": "example.com"},
        since=since,
        before="2026-09-01",
        direction="asc",
        hide_user_logs=True,
        per_page=25,
    )
    expected = [
        r
        for r in sb.records
        if r["action"]["type"] == "change_setting"
        and r["metadata"]["zone_name"] == "example.com"
        and since <= when_dt(r) < datetime(2026, 9, 1, tzinfo=UTC)
    ][::-1]
    assert [e.id for e in got] == ids(expected) and expected
    ips = [e.actor.ip for e in client.user.audit_logs.list(actor={"ip": "203.0.113.0/24"})]
    assert len(ips) == 28 and all(ip.startswith("203.0.113.") for ip in ips)


def test_sdk_errors(sb: sandbox.Sandbox, no_cf_env: None) -> None:
    bad = cloudflare.Cloudflare(api_token="x" * 40, base_url=sb.base_url, max_retries=0)
    with pytest.raises(cloudflare.AuthenticationError):
        next(iter(bad.user.audit_logs.list()))
    good = cloudflare.Cloudflare(api_token=sb.token, base_url=sb.base_url, max_retries=0)
    with pytest.raises(cloudflare.PermissionDeniedError):
        next(iter(good.audit_logs.list(account_id="f" * 32)))
    with pytest.raises(cloudflare.BadRequestError):
        next(iter(good.user.audit_logs.list(per_page=1000.0)))
