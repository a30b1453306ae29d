"""Tests of the sandbox's Audit Logs v2, ``GET /accounts`` and several accounts, over real HTTP.

Every expectation is exact: filters are checked against a plain-Python filter of the
records the sandbox holds (``sb.v2_records_of``), cursor walks against the whole
filtered set, error envelopes by status and Cloudflare code.
"""

from __future__ import annotations

import collections
import hashlib
import json
import math
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cloudflare
import msgspec
import pytest
import requests

from auditkit import sandbox
from auditkit.sandbox import _accounts, _people, _v2data
from auditkit.sandbox._times import parse_timestamp_ns

ANCHOR = "2026-10-01"
SINCE, BEFORE = "2026-03-01", "2026-10-01"  # the whole synthetic history
FIXTURE = Path(__file__).parent / "fixtures" / "real-audit-records.jsonl"
Record = dict[str, Any]


def load_fixture() -> list[Record]:
    return [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]


# ---------------------------------------------------------------------------
# fixtures and helpers
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sb() -> Iterator[sandbox.Sandbox]:
    """Three accounts (the first is the usual synthetic account); read-only."""
    with sandbox.start(anchor=ANCHOR, accounts=3) as s:
        yield s


@pytest.fixture
def fresh() -> Iterator[sandbox.Sandbox]:
    with sandbox.start(anchor=ANCHOR) as s:
        yield s


@pytest.fixture
def small() -> Iterator[sandbox.Sandbox]:
    """The 13 anonymised real records, read as v2."""
    with sandbox.start(records=load_fixture()) as s:
        yield s


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.trust_env = False
        yield s


@pytest.fixture
def no_cf_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for suffix in ("API_TOKEN", "EMAIL", "API_KEY", "API_USER_SERVICE_KEY", "BASE_URL"):
        monkeypatch.delenv(f"CLOUDFLARE_{suffix}", raising=False)


def token_headers(s: sandbox.Sandbox) -> dict[str, str]:
    return {"Authorization": f"Bearer {s.token}"}


def key_headers(s: sandbox.Sandbox) -> dict[str, str]:
    return {"X-Auth-Email": s.email, "X-Auth-Key": s.api_key}


def logs_path(s: sandbox.Sandbox, account: str | None = None) -> str:
    return f"/accounts/{account or s.account_id}/logs/audit"


def get(
    s: sandbox.Sandbox,
    params: Any = None,
    *,
    path: str | None = None,
    headers: dict[str, str] | None = None,
    session: requests.Session | None = None,
) -> requests.Response:
    """GET a v2 path (default: the first account's logs); ``since``/``before`` not added."""
    h = token_headers(s) if headers is None else headers
    url = s.url(path or logs_path(s))
    return (session or requests).get(url, params=params, headers=h, timeout=20)


def window(**params: Any) -> dict[str, Any]:
    return {"since": SINCE, "before": BEFORE, **params}


def cursor_of(info: dict[str, Any], style: str = "after") -> str | None:
    if style == "cursor":
        return info.get("cursor")
    return (info.get("cursors") or {}).get("after")


def walk(
    s: sandbox.Sandbox,
    params: dict[str, Any],
    *,
    path: str | None = None,
    style: str = "after",
    session: requests.Session | None = None,
    max_pages: int = 10_000,
) -> tuple[list[Record], int]:
    """Follow cursors to the end; check each page's envelope. Returns (records, pages).

    The last page's ``result_info`` is left in ``LAST_INFO``.
    """
    out: list[Record] = []
    cursor: str | None = None
    for pages in range(1, max_pages + 1):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        r = get(s, query, path=path, session=session)
        assert r.status_code == 200, r.text
        body = r.json()
        assert list(body) == ["result", "result_info", "success", "errors", "messages"]
        assert body["success"] is True and body["errors"] == [] and body["messages"] == []
        info = body["result_info"]
        assert info["count"] == str(len(body["result"]))
        out.extend(body["result"])
        cursor = cursor_of(info, style)
        if not cursor:
            LAST_INFO.clear()
            LAST_INFO.update(info)
            return out, pages
    raise AssertionError("the cursor walk did not end")


LAST_INFO: dict[str, Any] = {}


def error(r: requests.Response) -> tuple[int, int]:
    body = r.json()
    assert body["success"] is False and body["result"] is None and body["messages"] == []
    return r.status_code, body["errors"][0]["code"]


def ns(text: str) -> int:
    return parse_timestamp_ns(text)


def dig(rec: Record, *path: str) -> Any:
    value: Any = rec
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def in_window(recs: list[Record], since: str = SINCE, before: str = BEFORE) -> list[Record]:
    lo, hi = ns(since), ns(before)
    return [r for r in recs if lo <= ns(r["action"]["time"]) < hi]


def ids(recs: list[Record]) -> list[str]:
    return [r["id"] for r in recs]


# ---------------------------------------------------------------------------
# required parameters, limit, direction
# ---------------------------------------------------------------------------


def test_since_and_before_are_required(sb: sandbox.Sandbox, http: requests.Session) -> None:
    r = get(sb, {}, session=http)
    assert error(r) == (400, 1004)
    errs = r.json()["errors"]
    assert [e["code"] for e in errs] == [1004, 1004]
    assert errs[0]["message"].startswith("since is required")
    assert errs[1]["message"] == "before is required"
    r = get(sb, {"since": SINCE}, session=http)
    assert error(r) == (400, 1004) and len(r.json()["errors"]) == 1
    assert r.json()["errors"][0]["message"].startswith("before is required")
    assert error(get(sb, {"before": BEFORE, "since": ""}, session=http)) == (400, 1004)


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "2026-10-01T12:00:00", "1727740800"])
def test_bad_times_are_400(sb: sandbox.Sandbox, http: requests.Session, bad: str) -> None:
    for params in ({"since": bad, "before": BEFORE}, {"since": SINCE, "before": bad}):
        r = get(sb, params, session=http)
        assert error(r) == (400, 1004)
        assert "RFC 3339" in r.json()["errors"][0]["message"]


def test_since_inclusive_before_exclusive_to_the_microsecond(
    sb: sandbox.Sandbox, http: requests.Session
) -> None:
    rec = next(r for r in sb.v2_records if "." in r["action"]["time"])
    t = rec["action"]["time"]
    dt = datetime.fromisoformat(t)
    plus = (dt + timedelta(microseconds=1)).isoformat().replace("+00:00", "Z")
    got, _ = walk(sb, {"since": t, "before": plus, "limit": 1000}, session=http)
    assert rec["id"] in ids(got)
    got, _ = walk(sb, {"since": SINCE, "before": t, "limit": 1000}, session=http)
    assert rec["id"] not in ids(got)
    # offsets and dates
    same = dt.astimezone(UTC).replace(tzinfo=None).isoformat() + "+00:00"
    assert ids(walk(sb, {"since": same, "before": plus}, session=http)[0])[-1] == rec["id"]


def test_dates_mean_utc_midnight(sb: sandbox.Sandbox, http: requests.Session) -> None:
    got, _ = walk(sb, {"since": "2026-09-01", "before": "2026-09-08", "limit": 1000}, session=http)
    expected = in_window(sb.v2_records, "2026-09-01T00:00:00Z", "2026-09-08T00:00:00Z")
    assert got == expected and len(expected) > 100


def test_since_not_before_before_is_empty(sb: sandbox.Sandbox, http: requests.Session) -> None:
    for since, before in (("2026-09-08", "2026-09-01"), ("2026-09-01", "2026-09-01")):
        body = get(sb, {"since": since, "before": before}, session=http).json()
        assert body["result"] == [] and body["result_info"] == {"count": "0"}


def test_default_page_and_envelope(sb: sandbox.Sandbox, http: requests.Session) -> None:
    r = get(sb, window(), session=http)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert body["result"] == sb.v2_records[:100]
    assert list(body["result_info"]) == ["count", "cursors"]
    assert body["result_info"]["count"] == "100"
    assert isinstance(body["result_info"]["cursors"]["after"], str)


@pytest.mark.parametrize("limit", ["1", "1000", "37"])
def test_limit_valid(sb: sandbox.Sandbox, http: requests.Session, limit: str) -> None:
    body = get(sb, window(limit=limit), session=http).json()
    assert body["result"] == sb.v2_records[: int(limit)]
    assert body["result_info"]["count"] == limit


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "10.0", "ten", " 5"])
def test_limit_invalid(sb: sandbox.Sandbox, http: requests.Session, limit: str) -> None:
    r = get(sb, window(limit=limit), session=http)
    assert error(r) == (400, 1004)
    assert "limit" in r.json()["errors"][0]["message"]


def test_direction(sb: sandbox.Sandbox, http: requests.Session) -> None:
    params = window(zone_name="example.org", limit=1000)
    desc, _ = walk(sb, params, session=http)
    asc, _ = walk(sb, {**params, "direction": "ASC"}, session=http)
    assert asc == desc[::-1] and len(desc) == 695
    keys = [(ns(r["action"]["time"]), r["id"]) for r in desc]
    assert keys == sorted(keys, reverse=True)
    assert walk(sb, {**params, "direction": "desc"}, session=http)[0] == desc
    assert error(get(sb, window(direction="up"), session=http)) == (400, 1004)


def test_ties_broken_by_id(http: requests.Session) -> None:
    recs = [{"id": i, "action": {"time": "2026-09-01T00:00:00Z"}} for i in ("b", "c", "a")] + [
        {"id": "z", "action": {"time": "2026-08-01T00:00:00Z"}}
    ]
    with sandbox.start(records=[], v2_records=recs) as s:
        desc, pages = walk(s, window(limit=1), session=http)
        assert ids(desc) == ["c", "b", "a", "z"] and pages == 4
        asc, _ = walk(s, window(limit=2, direction="asc"), session=http)
        assert ids(asc) == ["z", "a", "b", "c"]


# ---------------------------------------------------------------------------
# filters
# ---------------------------------------------------------------------------

#: filter -> (path in the record, how values compare): what the docs say, written here
#: independently of the sandbox's own table.
FILTERS: dict[str, tuple[tuple[str, ...], str]] = {
    "account_name": (("account", "name"), "fold"),
    "action_result": (("action", "result"), "exact"),
    "action_type": (("action", "type"), "exact"),
    "actor_context": (("actor", "context"), "exact"),
    "actor_email": (("actor", "email"), "fold"),
    "actor_id": (("actor", "id"), "exact"),
    "actor_ip_address": (("actor", "ip_address"), "exact"),
    "actor_token_id": (("actor", "token_id"), "exact"),
    "actor_token_name": (("actor", "token_name"), "exact"),
    "actor_type": (("actor", "type"), "exact"),
    "id": (("id",), "exact"),
    "audit_log_id": (("id",), "exact"),
    "raw_cf_ray_id": (("raw", "cf_ray_id"), "exact"),
    "raw_method": (("raw", "method"), "fold"),
    "raw_status_code": (("raw", "status_code"), "int"),
    "raw_uri": (("raw", "uri"), "exact"),
    "resource_id": (("resource", "id"), "exact"),
    "resource_product": (("resource", "product"), "exact"),
    "resource_scope": (("resource", "scope"), "exact"),
    "resource_type": (("resource", "type"), "exact"),
    "zone_id": (("zone", "id"), "exact"),
    "zone_name": (("zone", "name"), "fold"),
}


def norm(value: Any, how: str) -> Any:
    if value is None:
        return None
    if how == "fold":
        return str(value).casefold()
    if how == "int":
        return int(value)
    return str(value)


def matching(
    recs: list[Record],
    include: dict[str, list[Any]] | None = None,
    exclude: dict[str, list[Any]] | None = None,
) -> list[Record]:
    out = []
    for rec in recs:
        ok = True
        for name, values in (include or {}).items():
            path, how = FILTERS[name]
            have = norm(dig(rec, *path), how)
            ok = ok and have is not None and have in {norm(v, how) for v in values}
        for name, values in (exclude or {}).items():
            path, how = FILTERS[name]
            have = norm(dig(rec, *path), how)
            ok = ok and not (have is not None and have in {norm(v, how) for v in values})
        if ok:
            out.append(rec)
    return out


def sample_values(recs: list[Record], name: str, n: int) -> list[Any]:
    """``n`` distinct values of a filter's field, the most common first (deterministic)."""
    path, _ = FILTERS[name]
    counts = collections.Counter(dig(r, *path) for r in recs if dig(r, *path) is not None)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return [value for value, _ in ranked[:n]]


def send_form(value: Any, how: str) -> str:
    """How a test sends a value: other case where the comparison ignores case."""
    text = str(value)
    return text.swapcase() if how == "fold" else text


FILTER_WINDOW = {"since": "2026-07-01", "before": "2026-09-01"}


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_filter_single_repeated_and_not(
    sb: sandbox.Sandbox, http: requests.Session, name: str
) -> None:
    recs = in_window(sb.v2_records, FILTER_WINDOW["since"], FILTER_WINDOW["before"])

    def window(**params: Any) -> dict[str, Any]:
        return {**FILTER_WINDOW, **params}

    _, how = FILTERS[name]
    one, two = [*sample_values(recs, name, 2), None][:2]
    assert one is not None
    # single value
    got, _ = walk(sb, window(limit=1000, **{name: send_form(one, how)}), session=http)
    expected = matching(recs, {name: [one]})
    assert got == expected and expected
    if two is not None:
        # repeated: any of them
        sent = [send_form(one, how), send_form(two, how)]
        got, _ = walk(sb, window(limit=1000, **{name: sent}), session=http)
        assert got == matching(recs, {name: [one, two]})
        assert len(got) > len(expected)
        # .not, repeated
        got, _ = walk(sb, window(limit=1000, **{f"{name}.not": sent}), session=http)
        assert got == matching(recs, exclude={name: [one, two]})
    got, _ = walk(sb, window(limit=1000, **{f"{name}.not": send_form(one, how)}), session=http)
    assert got == matching(recs, exclude={name: [one]})
    assert len(got) == len(recs) - len(expected)


def test_filters_combine_with_and(sb: sandbox.Sandbox, http: requests.Session) -> None:
    recs = in_window(sb.v2_records)
    params = window(
        limit=1000,
        action_type=["delete", "update"],
        zone_name=["example.com", "shop.example.com"],
        actor_context="dash",
        **{"actor_email.not": ["raj@example.com"], "resource_type.not": "zone_setting"},
    )
    got, _ = walk(sb, params, session=http)
    expected = matching(
        recs,
        {
            "action_type": ["delete", "update"],
            "zone_name": ["example.com", "shop.example.com"],
            "actor_context": ["dash"],
        },
        {"actor_email": ["raj@example.com"], "resource_type": ["zone_setting"]},
    )
    assert got == expected and 100 < len(expected) < len(recs) / 4
    # a value both wanted and excluded: excluded
    both = window(zone_name="example.com", **{"zone_name.not": "EXAMPLE.COM"})
    assert get(sb, both, session=http).json()["result"] == []


def test_raw_status_code_is_an_integer(sb: sandbox.Sandbox, http: requests.Session) -> None:
    failed = [r for r in sb.v2_records if r["action"]["result"] == "failure"]
    for sent in ("403", "0403"):
        got, _ = walk(sb, window(raw_status_code=sent, limit=1000), session=http)
        assert got == failed and len(failed) == 38
    assert all(
        r["raw"]["status_code"] == 403 and r["action"]["description"] == "Log in" for r in failed
    )
    assert error(get(sb, window(raw_status_code="4o3"), session=http)) == (400, 1004)
    assert error(get(sb, window(raw_status_code="403.0"), session=http)) == (400, 1004)


def test_actor_ip_address_takes_addresses_and_ranges(
    sb: sandbox.Sandbox, http: requests.Session
) -> None:
    got, _ = walk(sb, window(actor_ip_address="203.0.113.0/24", limit=1000), session=http)
    assert len(got) == 28 and all(r["actor"]["ip_address"].startswith("203.0.113.") for r in got)
    v6 = next(
        r["actor"]["ip_address"] for r in sb.v2_records if ":" in r["actor"].get("ip_address", "")
    )
    spelled = str(uuid.UUID(int=0))  # not an address
    got, _ = walk(sb, window(actor_ip_address=v6.upper(), limit=1000), session=http)
    assert got and all(r["actor"]["ip_address"] == v6 for r in got)
    assert error(get(sb, window(actor_ip_address=spelled), session=http)) == (400, 1004)


def test_bracketed_names_and_sdk_alias(sb: sandbox.Sandbox, http: requests.Session) -> None:
    recs = in_window(sb.v2_records)
    got, _ = walk(
        sb,
        window(limit=1000, **{"zone_name[]": ["example.org"], "actor_type.not[]": ["system"]}),
        session=http,
    )
    assert got == matching(recs, {"zone_name": ["example.org"]}, {"actor_type": ["system"]})
    rec = next(r for r in recs[5:] if "raw" in r)
    got = get(sb, window(raw_cf_rayid=rec["raw"]["cf_ray_id"]), session=http).json()["result"]
    assert ids(got) == [rec["id"]]


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("action_type", "login"),
        ("action_result", "true"),
        ("actor_context", "ui"),
        ("actor_type", "admin"),
        ("resource_scope", "zone"),
        ("action_type.not", "rec_add"),
    ],
)
def test_enumerations_are_checked(
    sb: sandbox.Sandbox, http: requests.Session, name: str, bad: str
) -> None:
    r = get(sb, window(**{name: bad}), session=http)
    assert error(r) == (400, 1004)
    assert name.removesuffix(".not") in r.json()["errors"][0]["message"]
    # any case
    assert get(sb, window(action_result="FAILURE", limit=1), session=http).status_code == 200


def test_empty_filter_values_and_unknown_parameters_are_ignored(
    sb: sandbox.Sandbox, http: requests.Session
) -> None:
    ref = get(sb, window(limit=5), session=http).json()
    same = get(sb, window(limit=5, zone_name="", unknown="x", page="7"), session=http).json()
    assert same == ref


def test_product_category(sb: sandbox.Sandbox, http: requests.Session) -> None:
    recs = in_window(sb.v2_records)
    got, _ = walk(sb, window(product_category="Security", limit=1000), session=http)
    assert got == matching(recs, {"resource_product": ["waf", "firewall", "ssl"]}) and got
    # unioned with explicit products
    got, _ = walk(
        sb, window(product_category="dns", resource_product="cache", limit=1000), session=http
    )
    assert got == matching(recs, {"resource_product": ["dns", "cache"]})
    assert error(get(sb, window(product_category="nope"), session=http)) == (400, 1004)
    r = get(sb, path=f"/accounts/{sb.account_id}/logs/audit/product_categories", session=http)
    cats = r.json()["result"]
    assert r.json()["success"] is True
    assert {c["value"] for c in cats} == set(sandbox.PRODUCT_CATEGORIES)
    assert {"label": "DNS", "products": [{"label": "DNS", "value": "dns"}], "value": "dns"} in cats


# ---------------------------------------------------------------------------
# cursors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["after", "cursor", "both"])
@pytest.mark.parametrize("end", ["omit", "empty"])
@pytest.mark.parametrize("direction", ["desc", "asc"])
def test_cursor_walk_is_the_whole_filtered_set(
    http: requests.Session, style: str, end: str, direction: str
) -> None:
    with sandbox.start(anchor=ANCHOR, v2_cursor=style, v2_cursor_end=end) as s:  # type: ignore[arg-type]
        params = window(zone_name="example.com", action_type="delete", limit=7, direction=direction)
        got, pages = walk(s, params, style=style, session=http)
        expected = matching(
            in_window(s.v2_records), {"zone_name": ["example.com"], "action_type": ["delete"]}
        )
        if direction == "asc":
            expected.reverse()
        assert got == expected and len(set(ids(got))) == len(got) == 71
        assert pages == math.ceil(len(expected) / 7)
        first = get(s, params, session=http).json()["result_info"]
        keys = {
            "after": ["count", "cursors"],
            "cursor": ["count", "cursor"],
            "both": ["count", "cursor", "cursors"],
        }
        assert list(first) == keys[style]
        if style == "both":
            assert first["cursor"] == first["cursors"]["after"]
        # the last page: no cursor, or an empty one
        assert LAST_INFO["count"] == str(len(expected) - 7 * (pages - 1))
        if end == "omit":
            assert list(LAST_INFO) == ["count"]
        else:
            assert {k: v for k, v in LAST_INFO.items() if k != "count"} == {
                "after": {"cursors": {"after": ""}},
                "cursor": {"cursor": ""},
                "both": {"cursor": "", "cursors": {"after": ""}},
            }[style]


def test_a_full_last_page_has_no_cursor(sb: sandbox.Sandbox, http: requests.Session) -> None:
    params = window(actor_ip_address="203.0.113.66")
    n = len(walk(sb, params, session=http)[0])
    body = get(sb, {**params, "limit": n}, session=http).json()
    assert body["result_info"] == {"count": str(n)}
    got, pages = walk(sb, {**params, "limit": n - 1}, session=http)
    assert pages == 2 and len(got) == n


def test_limit_may_change_between_pages(sb: sandbox.Sandbox, http: requests.Session) -> None:
    params = window(zone_name="example.org")
    first = get(sb, {**params, "limit": 10}, session=http).json()
    cursor = first["result_info"]["cursors"]["after"]
    second = get(sb, {**params, "limit": 25, "cursor": cursor}, session=http).json()
    assert (
        first["result"] + second["result"]
        == walk(sb, {**params, "limit": 1000}, session=http)[0][:35]
    )


def test_cursors_are_deterministic(sb: sandbox.Sandbox, http: requests.Session) -> None:
    a = get(sb, window(limit=3), session=http).json()["result_info"]["cursors"]["after"]
    b = get(sb, window(limit=3), session=http).json()["result_info"]["cursors"]["after"]
    assert a == b


def test_invalid_cursors_are_400(sb: sandbox.Sandbox, http: requests.Session) -> None:
    params = window(limit=3)
    good = get(sb, params, session=http).json()["result_info"]["cursors"]["after"]
    body, sig = good.split(".")
    for bad in ("garbage", good[:-1], f"{body}.{'0' * 16}", f"x{body}.{sig}", "é.é", body):
        r = get(sb, {**params, "cursor": bad}, session=http)
        assert error(r) == (400, 1004), bad
        assert "cursor" in r.json()["errors"][0]["message"]
    assert get(sb, {**params, "cursor": ""}, session=http).json() == get(sb, params).json()


@pytest.mark.parametrize(
    "other",
    [
        {"since": "2026-03-02"},
        {"before": "2026-09-30"},
        {"direction": "asc"},
        {"zone_name": "example.com"},
        {"actor_type.not": "system"},
    ],
)
def test_a_cursor_from_another_query_is_400(
    sb: sandbox.Sandbox, http: requests.Session, other: dict[str, str]
) -> None:
    params = window(limit=3)
    cursor = get(sb, params, session=http).json()["result_info"]["cursors"]["after"]
    r = get(sb, {**params, **other, "cursor": cursor}, session=http)
    assert error(r) == (400, 1004)
    assert "another query" in r.json()["errors"][0]["message"]


def test_a_cursor_from_another_scope_is_400(sb: sandbox.Sandbox, http: requests.Session) -> None:
    params = window(limit=3)
    cursor = get(sb, params, session=http).json()["result_info"]["cursors"]["after"]
    for path in (
        logs_path(sb, sb.account_ids[1]),
        f"/organizations/{sb.organization_id}/logs/audit",
    ):
        assert error(get(sb, {**params, "cursor": cursor}, path=path, session=http)) == (400, 1004)


def test_pages_stay_stable_while_records_are_added(
    fresh: sandbox.Sandbox, http: requests.Session
) -> None:
    params = window(zone_name="example.org", limit=50)
    everything = walk(fresh, {**params, "limit": 1000}, session=http)[0]
    first = get(fresh, params, session=http).json()
    cursor = first["result_info"]["cursors"]["after"]
    fresh.add_v2_records(
        [
            {
                "id": "newer",
                "action": {"time": "2026-09-30T23:00:00Z"},
                "zone": {"name": "example.org"},
            },
            {
                "id": "older",
                "action": {"time": "2026-03-02T00:00:00Z"},
                "zone": {"name": "example.org"},
            },
        ]
    )
    rest, _ = walk(fresh, {**params, "cursor": cursor}, session=http)
    # the one before the position is not seen, the one after it is; nothing repeats
    assert ids(first["result"] + rest) == [*ids(everything), "older"]


# ---------------------------------------------------------------------------
# auth, scope, routing
# ---------------------------------------------------------------------------

AUTH_CASES: list[tuple[str, Callable[[sandbox.Sandbox], dict[str, str]], int, int, int | None]] = [
    ("missing", lambda s: {}, 400, 6003, 6103),
    ("basic", lambda s: {"Authorization": "Basic dXNlcjpwYXNz"}, 400, 6003, 6111),
    ("bare-token", lambda s: {"Authorization": s.token}, 400, 6003, 6111),
    ("empty-bearer", lambda s: {"Authorization": "Bearer "}, 400, 6003, 6111),
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
    ("make", "status", "code", "chain"), [c[1:] for c in AUTH_CASES], ids=[c[0] for c in AUTH_CASES]
)
@pytest.mark.parametrize("where", ["account", "organization", "accounts"])
def test_auth_rejections(
    sb: sandbox.Sandbox,
    http: requests.Session,
    make: Callable[[sandbox.Sandbox], dict[str, str]],
    status: int,
    code: int,
    chain: int | None,
    where: str,
) -> None:
    path = {
        "account": logs_path(sb),
        "organization": f"/organizations/{sb.organization_id}/logs/audit",
        "accounts": "/accounts",
    }[where]
    r = get(sb, window(), path=path, headers=make(sb), session=http)
    assert error(r) == (status, code)
    err = r.json()["errors"][0]
    if chain is None:
        assert "error_chain" not in err and err["message"] == "Authentication error"
    else:
        assert [c["code"] for c in err["error_chain"]] == [chain]


def test_both_auth_styles_give_the_same_answer(sb: sandbox.Sandbox, http: requests.Session) -> None:
    for path in (logs_path(sb), "/accounts"):
        by_token = get(sb, window(limit=20), path=path, headers=token_headers(sb), session=http)
        by_key = get(sb, window(limit=20), path=path, headers=key_headers(sb), session=http)
        assert by_token.status_code == by_key.status_code == 200
        assert by_token.json() == by_key.json()
    assert [q.auth for q in sb.requests[-4:]] == ["token", "key", "token", "key"]


def test_scope(sb: sandbox.Sandbox, http: requests.Session) -> None:
    other = "f" * 32
    for path in (
        logs_path(sb, other),
        f"/organizations/{other}/logs/audit",
        f"/accounts/{other}/logs/audit/product_categories",
    ):
        r = get(sb, window(), path=path, session=http)
        assert error(r) == (403, 9109)
        assert r.json()["errors"][0]["message"] == "Unauthorized to access requested resource"
        assert error(get(sb, window(), path=path, headers={}, session=http)) == (400, 6003)
    # the organization id is not an account id, nor the reverse
    assert error(get(sb, window(), path=logs_path(sb, sb.organization_id), session=http)) == (
        403,
        9109,
    )
    org_path = f"/organizations/{sb.account_id}/logs/audit"
    assert error(get(sb, window(), path=org_path, session=http)) == (403, 9109)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/abc/logs/audit",
        "/accounts//logs/audit",
        "/organizations/abc/logs/audit",
        "/accounts/{acct}/logs/audit/",
        "/accounts/{acct}/logs/audits",
        "/accounts/{acct}/logs",
        "/accounts/",
        "/organizations",
    ],
)
def test_unknown_paths_are_404(sb: sandbox.Sandbox, http: requests.Session, path: str) -> None:
    r = get(sb, window(), path=path.format(acct=sb.account_id), session=http)
    assert error(r) == (404, 7003)
    assert r.json()["errors"][1]["code"] == 7000


def test_other_methods_are_405(sb: sandbox.Sandbox, http: requests.Session) -> None:
    for path in (logs_path(sb), "/accounts", f"/organizations/{sb.organization_id}/logs/audit"):
        r = http.post(sb.url(path), headers=token_headers(sb), json={})
        assert error(r) == (405, 7001) and r.headers["Allow"] == "GET"


# ---------------------------------------------------------------------------
# the organization
# ---------------------------------------------------------------------------


def test_organization_serves_every_account(sb: sandbox.Sandbox, http: requests.Session) -> None:
    path = f"/organizations/{sb.organization_id}/logs/audit"
    got, _ = walk(sb, window(limit=1000), path=path, session=http)
    per_account = [in_window(sb.v2_records_of(acct)) for acct in sb.account_ids]
    assert len(got) == sum(len(recs) for recs in per_account) == 6365
    assert got == in_window(sb.v2_records_of(sb.organization_id))
    assert all(r["organization"] == {"id": sb.organization_id} for r in got)
    assert list(got[0]) == [
        "id",
        "account",
        "action",
        "actor",
        "organization",
        "raw",
        "resource",
        "zone",
    ]
    by_id = {r["id"]: r for recs in per_account for r in recs}
    assert all({k: v for k, v in r.items() if k != "organization"} == by_id[r["id"]] for r in got)
    keys = [(ns(r["action"]["time"]), r["id"]) for r in got]
    assert keys == sorted(keys, reverse=True)
    names = collections.Counter(r["account"]["name"] for r in got)
    assert names == {"Example Corp": 3853, "Northwind Traders": 1285, "Contoso": 1227}
    # filters work there too
    got, _ = walk(sb, window(limit=1000, account_name="contoso"), path=path, session=http)
    assert got == [
        r
        for r in in_window(sb.v2_records_of(sb.organization_id))
        if r["account"]["name"] == "Contoso"
    ]


# ---------------------------------------------------------------------------
# GET /accounts
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seven() -> Iterator[sandbox.Sandbox]:
    with sandbox.start(anchor=ANCHOR, accounts=7) as s:
        yield s


def test_accounts_list_paging(seven: sandbox.Sandbox, http: requests.Session) -> None:
    def page(**params: Any) -> dict[str, Any]:
        r = get(seven, params, path="/accounts", session=http)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        assert list(body) == ["result", "result_info", "success", "errors", "messages"]
        return body

    body = page()
    assert body["result"] == seven.accounts and len(body["result"]) == 7
    assert body["result_info"] == {
        "page": 1,
        "per_page": 20,
        "count": 7,
        "total_count": 7,
        "total_pages": 1,
    }
    one, two, three = page(per_page=5), page(per_page=5, page=2), page(per_page=5, page=3)
    assert [a["id"] for a in one["result"] + two["result"]] == seven.account_ids
    assert two["result_info"] == {
        "page": 2,
        "per_page": 5,
        "count": 2,
        "total_count": 7,
        "total_pages": 2,
    }
    assert three["result"] == [] and three["result_info"]["count"] == 0
    assert [a["id"] for a in page(direction="desc")["result"]] == seven.account_ids[::-1]
    named = page(name="contoso")["result"]
    assert [a["name"] for a in named] == ["Contoso"]
    assert page(per_page=50)["result_info"]["per_page"] == 50
    for bad in ({"per_page": 4}, {"per_page": 51}, {"page": 0}, {"page": "x"}, {"direction": "up"}):
        assert error(get(seven, bad, path="/accounts", session=http)) == (400, 1004)


def test_account_objects(seven: sandbox.Sandbox) -> None:
    accounts = seven.accounts
    assert [a["name"] for a in accounts] == [
        "Example Corp",
        "Northwind Traders",
        "Contoso",
        "Fabrikam",
        "Tailspin Toys",
        "Wide World Importers",
        "Adventure Works",
    ]
    for acct in accounts:
        assert list(acct) == ["id", "name", "type", "created_on", "managed_by", "settings"]
        assert len(acct["id"]) == 32 and acct["type"] == "standard"
        assert acct["managed_by"] == {
            "parent_org_id": seven.organization_id,
            "parent_org_name": "Example Org",
        }
        assert set(acct["settings"]) == {"abuse_contact_email", "enforce_twofactor"}
        first = min(ns(r["when"]) for r in seven.records_of(acct["id"]))
        assert ns(acct["created_on"]) < first
    created = [ns(a["created_on"]) for a in accounts]
    assert created == sorted(created)
    # the story: 2fa enforced on day 3, disabled by the attacker, enforced again that morning
    assert accounts[0]["settings"] == {
        "abuse_contact_email": "abuse@example.com",
        "enforce_twofactor": True,
    }
    assert accounts[2]["settings"]["abuse_contact_email"] == "abuse@contoso.example"


def test_faults_do_not_touch_accounts_list(small: sandbox.Sandbox, http: requests.Session) -> None:
    small.faults.rate_limit(1, retry_after=0)
    assert get(small, path="/accounts", session=http).status_code == 200
    assert small.faults.pending == [("rate_limit", 1)]
    assert small.requests[-1].api == "accounts" and small.requests[-1].audit_log is False


# ---------------------------------------------------------------------------
# several accounts
# ---------------------------------------------------------------------------


def test_first_account_is_unchanged_by_more_accounts(sb: sandbox.Sandbox) -> None:
    assert sb.account_id == sb.account_ids[0] == _people.identity(0).account_id
    assert sb.records == sandbox.generate_records(anchor=ANCHOR)
    assert sb.v2_records == sandbox.generate_v2_records(anchor=ANCHOR)
    with sandbox.start(anchor=ANCHOR) as one:
        assert one.account_ids == [one.account_id] == [sb.account_id]
        assert one.records == sb.records and one.v2_records == sb.v2_records
        assert one.organization_id == sb.organization_id


def test_other_accounts_have_their_own_smaller_history(
    sb: sandbox.Sandbox, http: requests.Session
) -> None:
    first, second, third = sb.account_ids
    assert len(set(sb.account_ids)) == 3
    v1 = [sb.records_of(acct) for acct in sb.account_ids]
    v2 = [sb.v2_records_of(acct) for acct in sb.account_ids]
    assert [len(recs) for recs in v1] == [len(recs) for recs in v2] == [3853, 1285, 1227]
    for recs in v1[1:]:
        span = datetime.fromisoformat(recs[0]["when"]) - datetime.fromisoformat(recs[-1]["when"])
        assert span < timedelta(days=60)
    assert not set(ids(v2[0])) & set(ids(v2[1])) and not set(ids(v2[1])) & set(ids(v2[2]))
    emails = [
        {r["actor"].get("email") for r in recs} - {None, "support@cloudflare.com"} for recs in v2
    ]
    assert emails[1] == {
        "michelle@northwind.example",
        "raj@northwind.example",
        "ana@northwind-net.example",
        "tom@northwind-org.example",
    }
    assert not emails[0] & emails[1] and not emails[1] & emails[2]
    zones = {r["zone"]["name"] for r in v2[2] if "zone" in r}
    assert zones == {
        "contoso.example",
        "shop.contoso.example",
        "contoso-org.example",
        "api.contoso-net.example",
    }
    assert all(r["account"] == {"id": second, "name": "Northwind Traders"} for r in v2[1])
    # v1 endpoints serve each account's own v1 records; the user scope stays the first's
    for acct, recs in zip(sb.account_ids, v1, strict=True):
        r = get(sb, {"per_page": 1000}, path=f"/accounts/{acct}/audit_logs", session=http)
        assert r.json()["result_info"]["total_count"] == len(recs)
        assert r.json()["result"] == recs[:1000]
    r = get(sb, {"per_page": 5}, path="/user/audit_logs", session=http)
    assert r.json()["result_info"]["total_count"] == 3853
    # and v2 endpoints each account's v2 records
    got, _ = walk(sb, window(limit=1000), path=logs_path(sb, third), session=http)
    assert got == in_window(v2[2])
    # same data on every start
    with sandbox.start(anchor=ANCHOR, accounts=3) as again:
        assert again.account_ids == sb.account_ids and again.accounts == sb.accounts
        assert again.v2_records_of(third) == v2[2]
    assert first == sb.account_id


def test_accounts_argument_is_checked() -> None:
    for bad in (0, 101, True, 2.0, "2"):
        with pytest.raises(ValueError):
            sandbox.start(records=[], accounts=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sandbox.start(records=[], v2_cursor="next")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sandbox.start(records=[], v2_cursor_end="none")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# the v2 data
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def v2recs() -> list[Record]:
    return sandbox.generate_v2_records(anchor=ANCHOR)


def test_v2_generator_is_deterministic_and_fast(v2recs: list[Record]) -> None:
    spec = _accounts.account_specs(0, 1)[0]
    _accounts.account_template(spec)  # the v1 template: timed by test_sandbox.py
    best, rebuilt = math.inf, b""
    for _ in range(3):  # CPU time, best of up to three
        t0 = time.process_time()
        rebuilt = _v2data._v2_template.__wrapped__(spec)
        best = min(best, time.process_time() - t0)
        if best < 0.3:
            break
    assert best < 0.3
    assert rebuilt == _v2data._v2_template(spec)
    t0 = time.process_time()
    again = sandbox.generate_v2_records(seed=0, anchor=ANCHOR)
    assert time.process_time() - t0 < 0.3
    assert again == v2recs and again is not v2recs and again[0] is not v2recs[0]
    # pinned: the same records on every machine, process and PYTHONHASHSEED
    assert len(v2recs) == 3853
    assert (v2recs[0]["id"], v2recs[-1]["id"]) == (
        "166812e9be494ea3972ab28c9773ca30",
        "58c6326390a15cd2a17df247c6361291",
    )
    digest = hashlib.sha256(msgspec.json.encode(v2recs)).hexdigest()
    assert digest == "f86c827ff7350e48c635b47b80f39713c9dcc5ef9bda9dd2834c9f80760b0656"
    other = sandbox.generate_v2_records(seed=1, anchor=ANCHOR)
    assert not set(ids(v2recs)) & set(ids(other))


def test_v2_anchor_moves_only_times() -> None:
    a = sandbox.generate_v2_records(anchor=ANCHOR)
    b = sandbox.generate_v2_records(anchor="2027-03-15T13:45:07Z")
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert json.dumps(x).replace(x["action"]["time"], "") == json.dumps(y).replace(
            y["action"]["time"], ""
        )
        assert datetime.fromisoformat(y["action"]["time"]) - datetime.fromisoformat(
            x["action"]["time"]
        ) == timedelta(weeks=23)


def test_v2_tells_the_v1_story(v2recs: list[Record]) -> None:
    v1 = sandbox.generate_records(anchor=ANCHOR)
    types = {
        "user": "user",
        "admin": "cloudflare_admin",
        "system": "system",
        "Cloudflare": "system",
    }
    for old, new in zip(v1, v2recs, strict=True):
        assert new["id"] == uuid.UUID(old["id"]).hex and len(new["id"]) == 32
        assert new["action"]["time"] == old["when"]
        assert new["action"]["result"] == ("success" if old["action"]["result"] else "failure")
        assert new["action"]["description"] == sandbox.V2_ACTIONS[old["action"]["type"]].description
        assert new["actor"]["id"] == old["actor"]["id"]
        assert new["actor"]["type"] == types[old["actor"]["type"]]
        assert new["actor"].get("email") == old["actor"].get("email")
        assert new["actor"].get("ip_address") == old["actor"].get("ip")
        assert (new.get("zone") or {}).get("name") == old["metadata"].get("zone_name")
        assert new["account"] == {"id": _people.identity(0).account_id, "name": "Example Corp"}
        assert list(new)[:4] == ["id", "account", "action", "actor"]
        assert list(new["action"]) == ["description", "result", "time", "type"]
        assert set(new["resource"]) <= {"id", "product", "request", "response", "scope", "type"}
        if new["actor"]["type"] == "system":
            assert "raw" not in new and "context" not in new["actor"]
        else:
            raw = new["raw"]
            assert list(raw) == ["cf_ray_id", "method", "status_code", "uri", "user_agent"]
            assert len(raw["cf_ray_id"]) == 16 and raw["uri"].startswith("/")
            assert raw["method"] == sandbox.V2_ACTIONS[old["action"]["type"]].method
        if old["action"]["type"] == "change_setting":
            assert new["resource"]["id"] == old["metadata"]["name"]
            assert new["resource"]["request"] == {"value": old["metadata"]["value"]}
            assert new["resource"]["response"]["after"]["value"] == old["metadata"]["value"]
        if old["action"]["type"] == "rec_set":
            assert new["resource"]["response"] == {
                "before": old["oldValueJson"],
                "after": old["newValueJson"],
            }
            assert new["resource"]["id"] == old["newValueJson"]["id"]


def test_v2_only_fields(v2recs: list[Record]) -> None:
    contexts = collections.Counter(r["actor"].get("context") for r in v2recs)
    assert set(contexts) == {"dash", "api_token", "api_key", "oauth", None}
    tokens = collections.Counter(
        r["actor"].get("token_name") for r in v2recs if "token_id" in r["actor"]
    )
    assert set(tokens) == {
        "terraform-ci",
        "cert-manager",
        "dns-edit contractor",
        "waf-sync",
        "Wrangler",
    }
    created = {
        r["resource"]["id"]: (r["actor"]["id"], ns(r["action"]["time"]))
        for r in v2recs
        if r["action"]["description"] == "Create API token"
    }
    for r in v2recs:
        actor = r["actor"]
        if actor.get("context") == "api_token":
            owner, at = created[actor["token_id"]]
            assert owner == actor["id"] and at <= ns(r["action"]["time"])
        if actor.get("context") in ("api_token", "oauth"):
            assert {"token_id", "token_name"} <= set(actor)
        else:
            assert "token_id" not in actor and "token_name" not in actor
        if actor.get("ip_address") == "198.51.100.200":  # the CI runner
            assert actor["token_name"] in ("terraform-ci", "cert-manager")
            assert r["raw"]["user_agent"].startswith(("Terraform/", "cert-manager"))
    # the story in v2's own fields: the attacker's browser and the brute-force script
    attacker = [r for r in v2recs if r["actor"].get("ip_address") == "203.0.113.66"]
    assert attacker and all(r["actor"]["context"] == "dash" for r in attacker)
    assert {r["raw"]["user_agent"] for r in attacker} == {
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    }
    brute = [r for r in v2recs if r["actor"].get("ip_address") == "203.0.113.199"]
    assert len(brute) == 8 and all(r["raw"]["status_code"] == 403 for r in brute)
    assert {r["action"]["type"] for r in v2recs} == {"create", "update", "delete", "view"}
    assert {r["resource"]["scope"] for r in v2recs} == {"zones", "user", "accounts"}
    assert {r["resource"]["product"] for r in v2recs} >= {
        "dns",
        "waf",
        "ssl",
        "members",
        "api_tokens",
    }
    methods = {(r["action"]["type"], r["raw"]["method"]) for r in v2recs if "raw" in r}
    assert methods == {
        ("create", "POST"),
        ("update", "PATCH"),
        ("update", "PUT"),
        ("delete", "DELETE"),
        ("view", "GET"),
    }
    lowered = [
        r
        for r in v2recs
        if r["resource"]["id"] == "ssl" and r["resource"]["request"] == {"value": "flexible"}
    ]
    assert len(lowered) == 2  # day 40 (undone after 2 h) and the compromise


def test_records_given_are_read_as_v2(small: sandbox.Sandbox, http: requests.Session) -> None:
    fixture = load_fixture()
    assert len(small.v2_records) == 13
    assert {r["id"] for r in small.v2_records} == {uuid.UUID(r["id"]).hex for r in fixture}
    got, _ = walk(small, {"since": "2021-01-01", "before": "2022-01-01"}, session=http)
    assert got == small.v2_records
    twice = [
        sandbox.v2_records_from_v1(
            fixture, account_id=small.account_id, account_name="Example Corp"
        )
        for _ in range(2)
    ]
    newest_first = sorted(twice[0], key=lambda r: (ns(r["action"]["time"]), r["id"]), reverse=True)
    assert twice[0] == twice[1] and newest_first == small.v2_records
    assert {r["actor"].get("context") for r in twice[0]} == {"dash", None}
    # odd records are read as far as they go
    odd = [{"id": 7, "when": None, "actor": "x", "action": [], "metadata": {"zone_name": 3}}, {}]
    out = sandbox.v2_records_from_v1(odd, account_id="a" * 32, account_name="A")
    assert out[0]["id"] == 7 and "id" not in out[1]


def test_v2_records_given_are_served_verbatim(http: requests.Session) -> None:
    recs = [{"id": "x", "action": {"time": "2026-09-01T00:00:00Z"}, "extra": [1, {"a": None}]}]
    with sandbox.start(anchor=ANCHOR, v2_records=recs) as s:
        assert get(s, window(), session=http).json()["result"] == recs
        assert len(s.records) == 3853  # v1 is the synthetic account still
        s.add_records([{"id": "v1-only", "when": "2026-09-02T00:00:00Z"}])
        assert ids(s.v2_records) == ["x"]  # not derived: not mirrored


def test_added_v1_records_are_read_as_v2(fresh: sandbox.Sandbox, http: requests.Session) -> None:
    rec = {
        "action": {"result": True, "type": "purge"},
        "actor": {"email": "x@example.com", "id": "u", "ip": "192.0.2.1", "type": "user"},
        "id": "0b3f3e4e-1111-4222-8333-444455556666",
        "interface": "",
        "metadata": {"zone_name": "example.com"},
        "resource": {"id": "z", "type": "zone"},
        "when": "2026-09-30T00:00:00Z",
    }
    fresh.add_records([rec, {"id": "odd", "action": "?"}])
    got = get(fresh, window(actor_email="x@example.com"), session=http).json()["result"]
    assert ids(got) == ["0b3f3e4e111142228333444455556666"]
    assert got[0]["zone"] == {
        "id": _people.identity(0).zone_ids["example.com"],
        "name": "example.com",
    }
    assert "odd" in ids(fresh.v2_records)


def test_add_v2_records_to_another_account() -> None:
    with sandbox.start(records=[], accounts=2) as s:
        other = s.account_ids[1]
        s.add_v2_records(
            [{"id": "n", "action": {"time": "2030-01-01T00:00:00Z"}}], account_id=other
        )
        assert s.v2_records_of(other)[0]["id"] == "n"
        assert s.v2_records_of(s.organization_id)[0] == {
            "id": "n",
            "action": {"time": "2030-01-01T00:00:00Z"},
            "organization": {"id": s.organization_id},
        }
        with pytest.raises(KeyError):
            s.add_v2_records([], account_id="f" * 32)
        with pytest.raises(KeyError):
            s.v2_records_of("f" * 32)


def test_unserialisable_v2_record_is_an_internal_error(
    http: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    recs = [{"id": "x", "action": {"time": "2026-09-01T00:00:00Z"}, "bad": object()}]
    with sandbox.start(records=[], v2_records=recs) as s:
        assert error(get(s, window(), session=http)) == (500, 1000)
        assert get(s, {"since": "2026-09-02", "before": BEFORE}, session=http).status_code == 200
    assert "not JSON-serialisable" in caplog.text


# ---------------------------------------------------------------------------
# faults
# ---------------------------------------------------------------------------


def test_faults_apply_to_v2(small: sandbox.Sandbox, http: requests.Session) -> None:
    params = {"since": "2021-01-01", "before": "2022-01-01"}
    full = get(small, params, session=http).content
    small.faults.rate_limit(1, retry_after=2).server_error(1).success_false(1).truncate_json(1)
    r = get(small, params, session=http)
    assert error(r) == (429, 971) and r.headers["Retry-After"] == "2"
    r = get(small, {}, session=http)  # fires before validation
    assert r.status_code == 503 and r.headers["Content-Type"].startswith("text/html")
    assert error(get(small, params, session=http)) == (200, 1000)
    r = get(small, params, session=http)
    assert r.content == full[: len(full) // 2]
    small.faults.drop_connection(1)
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.ConnectionError)):
        get(small, params).content  # noqa: B018
    assert get(small, params, session=http).content == full
    faults = [q.fault for q in small.requests[-7:]]
    assert faults == [
        None,
        "rate_limit",
        "server_error",
        "success_false",
        "truncate_json",
        "drop_connection",
        None,
    ]
    assert all(q.api == "v2" and q.scope == "account" for q in small.requests[-7:])
    small.faults.latency = 0.2
    t0 = time.perf_counter()
    get(small, params, path=f"/organizations/{small.organization_id}/logs/audit", session=http)
    assert time.perf_counter() - t0 >= 0.2
    small.faults.reset()


def test_write_during_load_reaches_v2(fresh: sandbox.Sandbox, http: requests.Session) -> None:
    n = len(fresh.v2_records)
    fresh.faults.write_during_load(every=1, count=2, times=1)
    get(fresh, window(limit=1), session=http)
    assert len(fresh.v2_records) == n + 2 and len(fresh.records) == 3853 + 2
    org = fresh.v2_records_of(fresh.organization_id)
    assert len(org) == n + 2


def test_repeat_cursor(http: requests.Session) -> None:
    with sandbox.start(anchor=ANCHOR) as s:
        params = window(zone_name="example.org", limit=100)
        first = get(s, params, session=http).json()
        cursor = first["result_info"]["cursors"]["after"]
        second = get(s, {**params, "cursor": cursor}, session=http).json()
        # a first page whose cursor leads to the first page again
        s.faults.repeat_cursor(1)
        again = get(s, params, session=http).json()
        assert again["result"] == first["result"]
        loop = again["result_info"]["cursors"]["after"]
        assert get(s, {**params, "cursor": loop}, session=http).json() == first
        # a later page hands back the cursor it was asked with, with the same records
        s.faults.repeat_cursor(1)
        repeated = get(s, {**params, "cursor": cursor}, session=http).json()
        assert repeated["result"] == second["result"]
        assert repeated["result_info"]["cursors"]["after"] == cursor
        assert s.requests[-1].fault == "repeat_cursor"
        # the last page too: a cursor where there was none
        s.faults.repeat_cursor(1)
        tail = get(s, {**params, "limit": 1000}, session=http).json()
        assert tail["result_info"]["count"] == "695"
        assert (
            get(
                s, {**params, "limit": 1000, "cursor": tail["result_info"]["cursors"]["after"]}
            ).json()
            == get(s, {**params, "limit": 1000}).json()
        )
        # a v1 page or an error is left as it is; the fault is used up
        s.faults.repeat_cursor(2)
        v1 = get(s, {"per_page": 1}, path="/user/audit_logs", session=http).json()
        assert v1["result_info"]["count"] == 1
        assert error(get(s, {}, session=http)) == (400, 1004)
        assert s.faults.pending == []
        # a client that stops on a cursor it has already sent ends
        sent: list[str] = [cursor]
        cur: str | None = cursor
        s.faults.repeat_cursor(1)
        for _ in range(20):
            body = get(s, {**params, **({"cursor": cur} if cur else {})}, session=http).json()
            cur = cursor_of(body["result_info"])
            if not cur or cur in sent:
                break
            sent.append(cur)
        assert cur == cursor and sent == [cursor]


# ---------------------------------------------------------------------------
# request log
# ---------------------------------------------------------------------------


def test_request_log_keeps_every_value(small: sandbox.Sandbox, http: requests.Session) -> None:
    get(
        small,
        {
            "since": "2021-01-01",
            "before": "2022-01-01",
            "zone_name": ["a.com", "b.com"],
            "token": small.token,
        },
    )
    entry = small.requests[-1]
    assert entry.query == (
        ("since", "2021-01-01"),
        ("before", "2022-01-01"),
        ("zone_name", "a.com"),
        ("zone_name", "b.com"),
        ("token", "[redacted]"),
    )
    assert entry.params["zone_name"] == "b.com" and small.token not in repr(small.requests)
    assert (entry.api, entry.scope, entry.audit_log) == ("v2", "account", True)
    get(small, window(), path=f"/organizations/{small.organization_id}/logs/audit", session=http)
    assert small.requests[-1].scope == "organization"


# ---------------------------------------------------------------------------
# the official SDK, unchanged
# ---------------------------------------------------------------------------


def test_sdk_iterates_v2_to_the_end(sb: sandbox.Sandbox, no_cf_env: None) -> None:
    client = cloudflare.Cloudflare(api_token=sb.token, base_url=sb.base_url, max_retries=0)
    before = len(sb.requests)
    got = [
        e.id
        for e in client.accounts.logs.audit.list(
            account_id=sb.account_id, since=SINCE, before=BEFORE
        )
    ]
    assert got == ids(in_window(sb.v2_records)) and len(got) == 3853
    # one request per page of 100, no extra empty page
    assert len(sb.requests) - before == math.ceil(3853 / 100)
    assert all(q.status == 200 and q.api == "v2" for q in sb.requests[before:])


def test_sdk_filters_and_models(sb: sandbox.Sandbox, no_cf_env: None) -> None:
    client = cloudflare.Cloudflare(api_email=sb.email, api_key=sb.api_key, base_url=sb.base_url)
    pages = client.accounts.logs.audit.list(
        account_id=sb.account_id,
        since=datetime(2026, 6, 1, tzinfo=UTC),
        before="2026-09-01",
        direction="asc",
        limit=50,
        actor_type={"not": ["system"]},
        raw_status_code={"not": [403]},
        extra_query={"zone_name": ["example.com", "shop.example.com"], "action_type": "update"},
    )
    entries = list(pages)
    expected = matching(
        in_window(sb.v2_records, "2026-06-01T00:00:00Z", "2026-09-01T00:00:00Z"),
        {"zone_name": ["example.com", "shop.example.com"], "action_type": ["update"]},
        {"actor_type": ["system"], "raw_status_code": [403]},
    )[::-1]
    assert [e.id for e in entries] == ids(expected) and len(expected) > 200
    e = entries[0]
    assert e.action is not None and e.action.time is not None and e.action.time.tzinfo is not None
    assert e.raw is not None and e.raw.cf_rayid == expected[0]["raw"]["cf_ray_id"]
    assert e.zone is not None and e.zone.name in ("example.com", "shop.example.com")


def test_sdk_organizations_accounts_and_categories(sb: sandbox.Sandbox, no_cf_env: None) -> None:
    client = cloudflare.Cloudflare(api_token=sb.token, base_url=sb.base_url, max_retries=0)
    org = client.organizations.logs.audit.list(
        sb.organization_id, since="2026-09-01", before=BEFORE, limit=1000
    )
    got = [e.id for e in org]
    assert got == ids(in_window(sb.v2_records_of(sb.organization_id), "2026-09-01"))
    accounts = list(client.accounts.list())
    assert [a.id for a in accounts] == sb.account_ids
    assert accounts[0].name == "Example Corp" and accounts[0].type == "standard"
    assert accounts[0].settings is not None and accounts[0].settings.enforce_twofactor is True
    assert (
        accounts[0].managed_by is not None
        and accounts[0].managed_by.parent_org_id == sb.organization_id
    )
    cats = list(client.accounts.logs.audit.product_categories(account_id=sb.account_id))
    assert {c.value for c in cats} == set(sandbox.PRODUCT_CATEGORIES)


def test_sdk_needs_the_after_cursor(no_cf_env: None) -> None:
    """The SDK reads ``cursors.after`` only: with ``v2_cursor="cursor"`` it stops after one page."""
    with sandbox.start(anchor=ANCHOR, v2_cursor="cursor") as s:
        client = cloudflare.Cloudflare(api_token=s.token, base_url=s.base_url, max_retries=0)
        pages = client.accounts.logs.audit.list(account_id=s.account_id, since=SINCE, before=BEFORE)
        assert len(list(pages)) == 100
        s.v2_cursor = "both"  # settable while running
        pages = client.accounts.logs.audit.list(account_id=s.account_id, since=SINCE, before=BEFORE)
        assert len(list(pages)) == 3853


def test_sdk_errors(sb: sandbox.Sandbox, no_cf_env: None) -> None:
    bad = cloudflare.Cloudflare(api_token="x" * 40, base_url=sb.base_url, max_retries=0)
    with pytest.raises(cloudflare.AuthenticationError):
        next(
            iter(bad.accounts.logs.audit.list(account_id=sb.account_id, since=SINCE, before=BEFORE))
        )
    good = cloudflare.Cloudflare(api_token=sb.token, base_url=sb.base_url, max_retries=0)
    with pytest.raises(cloudflare.PermissionDeniedError):
        next(iter(good.accounts.logs.audit.list(account_id="f" * 32, since=SINCE, before=BEFORE)))
    with pytest.raises(cloudflare.BadRequestError):
        next(
            iter(
                good.accounts.logs.audit.list(
                    account_id=sb.account_id, since=SINCE, before=BEFORE, limit=10.0
                )
            )
        )
