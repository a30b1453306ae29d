"""Audit Logs v2 as a source: its query, its cursor walk (over stub servers that page
the way Cloudflare documents it, and the ways it might not), and the one call.

The stub servers here are not the sandbox: they answer exactly what each test
needs (a cursor in ``cursors.after`` or in ``cursor``, a repeated cursor, a
count that lies, a page larger than asked) so that the pager's rules are
tested against shapes the sandbox would not produce by itself.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

import auditkit
from auditkit import IncompleteLoadError, InvalidParameterError, RetryPolicy
from auditkit.errors import APIError
from auditkit.sources import get_source
from auditkit.sources.v2 import V2Query, decode_body
from tests.stubserver import Reply, Request, StubServer

FAST = RetryPolicy(backoff=0.01, max_backoff=0.02, timeout=10)
DAY = {"since": "2026-09-01", "before": "2026-09-02"}


def v2_record(n: int, when: str = "2026-09-01T12:00:00Z", **extra: Any) -> dict[str, Any]:
    """A v2 record with id ``v<n>``, as Cloudflare's schema describes one."""
    rec: dict[str, Any] = {
        "id": f"v{n:06d}",
        "account": {"id": "acc1", "name": "Example"},
        "action": {"description": "Update DNS record", "result": "success", "time": when,
                   "type": "update"},
        "actor": {"id": "u1", "context": "api_token", "email": "a@example.com",
                  "ip_address": "192.0.2.1", "token_id": "t1", "token_name": "terraform-ci",
                  "type": "user"},
        "raw": {"cf_ray_id": f"ray{n}", "method": "PATCH", "status_code": 200,
                "uri": "/client/v4/zones/z1/dns_records/d1", "user_agent": "terraform/1.9"},
        "resource": {"id": "d1", "product": "dns", "request": {"ttl": 300},
                     "response": {"ttl": 300}, "scope": "zones", "type": "dns_record"},
        "zone": {"id": "z1", "name": "example.com"},
    }  # fmt: skip
    rec.update(extra)
    return rec


def v2_page(records: list[Any], cursor: str | None = None, *, where: str = "after",
            count: Any = None) -> bytes:  # fmt: skip
    info: dict[str, Any] = {"count": str(len(records)) if count is None else count}
    if cursor is not None:
        if where in ("after", "both"):
            info["cursors"] = {"after": cursor}
        if where in ("cursor", "both"):
            info["cursor"] = cursor
    body = {"success": True, "errors": [], "messages": [], "result": records, "result_info": info}
    return json.dumps(body).encode()


def cursor_handler(
    records: list[dict[str, Any]], limit_cap: int | None = None, where: str = "after"
) -> Any:
    """Pages ``records`` by an opaque cursor (the offset, spelled out), newest first."""

    def handle(req: Request) -> Reply:
        if "since" not in req.params or "before" not in req.params:
            return Reply(400, json.dumps({"success": False, "errors": [
                {"code": 10001, "message": "since and before are required"}]}).encode())  # fmt: skip
        if req.params.get("limit") == "1" and req.params.get("direction") == "asc":
            oldest = sorted(records, key=lambda r: r["action"]["time"])[:1]
            return Reply(body=v2_page(oldest))
        limit = int(req.params.get("limit", "100"))
        if limit_cap is not None:
            limit = min(limit, limit_cap)
        start = int(req.params.get("cursor", "off-0").split("-")[1])
        chunk = records[start : start + limit]
        nxt = f"off-{start + limit}" if start + limit < len(records) else None
        return Reply(body=v2_page(chunk, nxt, where=where))

    return handle


def load_v2(stub: StubServer, **kwargs: Any) -> pd.DataFrame:
    args: dict[str, Any] = {"api": "v2", "account_id": "acc1", "base_url": stub.base_url,
                            "token": "t", "cache": False, "progress": False, "retry": FAST, **DAY}  # fmt: skip
    args.update(kwargs)
    return auditkit.load_audit_logs(**args)


RECORDS = [v2_record(n, when=f"2026-09-01T{23 - n // 60:02d}:{59 - n % 60:02d}:00Z")
           for n in range(250)]  # fmt: skip


# ------------------------------------------------------------------ the query


def test_v2_query_paths_and_array_filters() -> None:
    q = V2Query.build(
        {"account_id": "acc1", "zone_name": ["a.com", "b.com", "a.com"], "actor_ip": "192.0.2.1",
         "raw_status_code": [404, "403"], "exclude": {"actor_context": ["dash", "oauth"]}}
    )  # fmt: skip
    assert q.path == "/accounts/acc1/logs/audit" and q.scope == "account"
    assert q.filter_params() == {
        "direction": "desc",
        "actor_ip_address": "192.0.2.1",
        "zone_name": ["a.com", "b.com"],
        "raw_status_code": ["403", "404"],
        "actor_context.not": ["dash", "oauth"],
    }
    org = V2Query.build({"organization_id": "org-1"})
    assert org.path == "/organizations/org-1/logs/audit" and org.scope == "organization"


@pytest.mark.parametrize(
    ("filters", "parameter", "words"),
    [
        ({}, "account_id", "give account_id or organization_id"),
        ({"account_id": "a", "organization_id": "o"}, "organization_id", "not both"),
        ({"account_id": "a", "hide_user_logs": True}, "hide_user_logs", "api='v1'"),
        ({"account_id": "a", "action_result": "ok"}, "action_result", "success, failure"),
        ({"account_id": "a", "action_type": "login"}, "action_type", "create, delete"),
        ({"account_id": "a", "raw_status_code": 99}, "raw_status_code", "100 to 599"),
        ({"account_id": "a", "raw_status_code": True}, "raw_status_code", "status code"),
        ({"account_id": "a", "zone_name": []}, "zone_name", "empty list"),
        ({"account_id": "a", "zone_name": ["a.com", 3]}, "zone_name", "list of strings"),
        ({"account_id": "a", "actor_ip_address": "not-an-ip"}, "actor_ip_address", "IP address"),
        ({"account_id": "a", "actor_ip": "192.0.2.1", "actor_ip_address": "192.0.2.2"},
         "actor_ip", "give one"),
        ({"account_id": "a", "exclude": {"since": "2026-01-01"}}, "exclude", "negated"),
        ({"account_id": "a", "exclude": ["dash"]}, "exclude", "dict"),
        ({"account_id": "a", "exclude": {"actor_context": None}}, "exclude", "a value"),
        ({"account_id": "a", "since": "2026-09-02", "before": "2026-09-01"}, "since", "earlier"),
    ],
)  # fmt: skip
def test_v2_bad_filters_name_the_parameter(
    filters: dict[str, Any], parameter: str, words: str
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        V2Query.build(filters)
    assert info.value.parameter == parameter
    assert words in str(info.value)


def test_a_v2_filter_given_to_v1_names_it_and_the_api() -> None:
    with pytest.raises(InvalidParameterError) as info:
        auditkit.load_audit_logs(resource_product="dns", token="t", cache=False)
    assert info.value.parameter == "resource_product"
    assert "is not a filter of api='v1' (only of api='v2')" in str(info.value)
    with pytest.raises(InvalidParameterError) as info:
        auditkit.load_audit_logs(actor_email=["a@b.c", "d@e.f"], token="t", cache=False)
    assert info.value.parameter == "actor_email"
    with pytest.raises(InvalidParameterError) as info:
        auditkit.load_audit_logs(exclude={"zone_name": "a.com"}, token="t", cache=False)
    assert info.value.parameter == "exclude"
    with pytest.raises(InvalidParameterError) as info:
        auditkit.load_audit_logs(api="v3", token="t", cache=False)
    assert info.value.parameter == "api"


# ------------------------------------------------------------------ the cursor walk


@pytest.mark.parametrize("where", ["after", "cursor", "both"])
def test_the_cursor_walk_reads_every_entry_wherever_the_cursor_is(where: str) -> None:
    with StubServer(cursor_handler(RECORDS, where=where)) as stub:
        df = load_v2(stub, per_page=100)
    assert len(df) == 250 and df["id"].is_unique
    walks = [r for r in stub.requests if r.params.get("limit") == "100"]
    assert [r.params.get("cursor") for r in walks] == [None, "off-100", "off-200"]
    assert all(r.params["since"] == "2026-08-31T23:59:59Z" for r in walks)
    assert all(r.params["before"] == "2026-09-02T00:00:01Z" for r in walks)
    assert df.attrs["api"] == "v2" and df.attrs["endpoint"].endswith("/accounts/acc1/logs/audit")


def test_a_server_capping_limit_is_walked_to_the_end() -> None:
    with StubServer(cursor_handler(RECORDS, limit_cap=40)) as stub:
        df = load_v2(stub)
    assert len(df) == 250
    assert len([r for r in stub.requests if r.params.get("limit") == "1000"]) == 7


def test_array_filters_and_exclusions_reach_the_wire_repeated() -> None:
    with StubServer(cursor_handler(RECORDS[:3])) as stub:
        load_v2(stub, zone_name=["a.com", "b.com"], resource_product="dns",
                exclude={"actor_context": ["dash", "oauth"]}, raw_status_code=[200, 204])  # fmt: skip
    sent = next(r for r in stub.requests if r.params.get("limit") == "1000")
    pairs = [(k, v) for k, v in sent.query if k not in ("since", "before", "limit", "direction")]
    assert pairs == [
        ("zone_name", "a.com"), ("zone_name", "b.com"), ("raw_status_code", "200"),
        ("raw_status_code", "204"), ("resource_product", "dns"), ("actor_context.not", "dash"),
        ("actor_context.not", "oauth"),
    ]  # fmt: skip


def test_a_repeated_cursor_is_an_error_not_a_loop() -> None:
    def handle(req: Request) -> Reply:
        n = 0 if "cursor" not in req.params else 1
        return Reply(body=v2_page([v2_record(n)], "same"))

    with StubServer(handle) as stub, pytest.raises(IncompleteLoadError) as info:
        load_v2(stub, since="2026-09-01", before="2026-09-01T13:00:00")
    assert "cursor already followed" in str(info.value)
    assert len(stub.requests) <= 3


def test_a_page_of_known_ids_is_an_error_not_a_loop() -> None:
    def handle(req: Request) -> Reply:
        cursor = req.params.get("cursor", "c0")
        return Reply(body=v2_page([v2_record(1)], f"c{int(cursor[1:]) + 1}"))

    with StubServer(handle) as stub, pytest.raises(IncompleteLoadError) as info:
        load_v2(stub, since="2026-09-01", before="2026-09-01T13:00:00")
    assert "repeated entries already seen" in str(info.value)
    assert len(stub.requests) == 2


def test_a_count_larger_than_the_page_is_an_incomplete_load() -> None:
    def handle(req: Request) -> Reply:
        return Reply(body=v2_page([v2_record(1)], None, count="5"))

    with StubServer(handle) as stub, pytest.raises(IncompleteLoadError) as info:
        load_v2(stub, since="2026-09-01", before="2026-09-01T13:00:00")
    assert "says it holds 5 entries" in str(info.value)


@pytest.mark.parametrize("count", ["1", 1, "one", None, "", "-2"])
def test_a_count_that_is_not_larger_is_accepted(count: Any) -> None:
    body = v2_page([v2_record(1)], None, count=count)
    with StubServer(lambda req: Reply(body=body)) as stub:
        df = load_v2(stub, since="2026-09-01", before="2026-09-01T13:00:00")
    assert df["id"].tolist() == ["v000001"]


def test_an_empty_page_ends_the_walk_even_with_a_cursor() -> None:
    def handle(req: Request) -> Reply:
        if "cursor" not in req.params:
            return Reply(body=v2_page([v2_record(1)], "next"))
        return Reply(body=v2_page([], "more"))

    with StubServer(handle) as stub:
        df = load_v2(stub, since="2026-09-01", before="2026-09-01T13:00:00")
    assert df["id"].tolist() == ["v000001"] and len(stub.requests) == 2


def test_a_page_larger_than_the_limit_is_refused() -> None:
    body = v2_page([v2_record(n) for n in range(3)])
    with StubServer(lambda req: Reply(body=body)) as stub, pytest.raises(APIError) as info:
        load_v2(stub, since="2026-09-01", before="2026-09-01T13:00:00", per_page=2)
    assert "on a page of limit=2" in str(info.value)


def test_v1_records_on_the_v2_endpoint_are_an_error_not_missing_values() -> None:
    v1 = {"id": "r1", "when": "2026-09-01T10:00:00Z", "action": {"type": "login", "result": True},
          "interface": "UI"}  # fmt: skip
    v1_only = {"id": "r2", "when": "2026-09-01T10:00:00Z", "interface": "UI"}
    for records in ([v1_only],):
        body = v2_page(records)
        with StubServer(lambda req, b=body: Reply(body=b)) as stub, pytest.raises(APIError):
            load_v2(stub, since="2026-09-01", before="2026-09-01T13:00:00")
    assert v1  # a v1 record with an ``action`` object reads as v2 (id, action.type)


def test_v2_sends_since_even_for_a_window_open_at_the_start() -> None:
    with StubServer(cursor_handler(RECORDS[:5])) as stub:
        df = load_v2(stub, since=None, before="2026-09-02")
    assert len(df) == 5
    assert all("since" in r.params and "before" in r.params for r in stub.requests)


def test_the_v2_frame_has_the_shared_columns_with_v1s_dtypes() -> None:
    with StubServer(cursor_handler(RECORDS[:2])) as stub:
        df = load_v2(stub)
    v1 = auditkit.empty_frame()
    for name in ("id", "when", "action_type", "action_result", "actor_id", "actor_email",
                 "actor_ip", "actor_type", "resource_id", "resource_type", "zone_name"):  # fmt: skip
        assert name in df.columns, name
        assert str(df[name].dtype) == str(v1[name].dtype) or df[name].dtype.name == "category"
    row = df.iloc[0]
    assert row["id"] == "v000000" and row["actor_ip"] == "192.0.2.1"
    assert bool(row["action_result"]) is True and row["resource_product"] == "dns"
    assert row["actor_token_name"] == "terraform-ci" and row["raw_status_code"] == 200
    assert row["resource_request"] == {"ttl": 300} and row["account_id"] == "acc1"
    assert row["when"] == pd.Timestamp("2026-09-01T23:59:00Z")


def test_closed_v2_windows_are_cached_and_reused(tmp_path: Any) -> None:
    cache = tmp_path / "c.sqlite"
    with StubServer(cursor_handler(RECORDS)) as stub:
        first = load_v2(stub, cache=cache, per_page=100)
        sent = len(stub.requests)
        again = load_v2(stub, cache=cache, per_page=100)
    assert len(stub.requests) == sent  # the second load sent nothing
    assert again.attrs["requests"] == 0 and again.attrs["cache_hit"] is True
    pd.testing.assert_frame_equal(first, again)
    offline = load_v2(stub, cache=cache, per_page=100, offline=True)
    pd.testing.assert_frame_equal(first, offline)


def test_the_v2_decoder_never_raises_on_odd_bodies() -> None:
    for body in (b"", b"[]", b"null", b'{"result": 5}', b"\xff\xfe", b'{"result": [1, "x"]}'):
        page = decode_body(body)
        assert isinstance(len(page), int)
    assert decode_body(b'{"result": 5}').ids is None
    assert get_source("v2").name == "v2"


def test_an_accounts_list_that_repeats_itself_is_an_error_not_a_loop() -> None:
    same = json.dumps(
        {
            "success": True,
            "errors": [],
            "result": [{"id": f"{n:032x}"} for n in range(50)],
            "result_info": {"page": 1, "per_page": 50, "count": 50},
        }
    ).encode()

    def handle(req: Request) -> Reply:
        if req.path == "/accounts":
            return Reply(body=same)
        return Reply(body=v2_page([]))

    with StubServer(handle) as stub, pytest.raises(IncompleteLoadError) as info:
        load_v2(stub, account_id="*")
    assert "repeated accounts already listed" in str(info.value)
    assert [r.params["page"] for r in stub.requests] == ["1", "2"]


def test_the_accounts_list_is_paged_to_total_pages() -> None:
    def handle(req: Request) -> Reply:
        if req.path == "/accounts":
            page = int(req.params["page"])
            ids = [{"id": f"{page:016x}{n:016x}"} for n in range(50 if page < 2 else 3)]
            return Reply(body=json.dumps({"success": True, "errors": [], "result": ids,
                                          "result_info": {"total_pages": 2}}).encode())  # fmt: skip
        return Reply(body=v2_page([]))

    with StubServer(handle) as stub:
        df = load_v2(stub, account_id="*")
    assert len(df.attrs["accounts"]) == 53 and len(df) == 0
    walks = {r.path for r in stub.requests if r.path != "/accounts"}
    assert len(walks) == 53


def test_the_cli_fetches_v2(
    tmp_path: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditkit.cli import main

    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "t")
    out = tmp_path / "v2.parquet"
    with StubServer(cursor_handler(RECORDS[:7])) as stub:
        code = main(["fetch", "--api", "v2", "--account-id", "acc1", "--resource-product", "dns",
                     "--since", "2026-09-01", "--before", "2026-09-02", "--base-url",
                     stub.base_url, "--no-cache", "-o", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    df = auditkit.frame.read_frame(out)
    assert len(df) == 7 and "resource_product" in df.columns
    sent = next(r for r in stub.requests if r.params.get("limit"))
    assert sent.params["resource_product"] == "dns" and sent.path == "/accounts/acc1/logs/audit"


def test_closed_days_are_walked_apart_so_they_run_at_once() -> None:
    days = [v2_record(n, when=f"2026-09-0{1 + n % 5}T12:00:00Z") for n in range(50)]
    with StubServer(cursor_handler(days)) as stub:
        df = load_v2(stub, since="2026-09-01", before="2026-09-06", per_page=4)
    assert len(df) == 50
    first_pages = [r for r in stub.requests if "cursor" not in r.params]
    assert sorted(r.params["since"][:10] for r in first_pages) == [
        "2026-08-31", "2026-09-01", "2026-09-02", "2026-09-03", "2026-09-04",
    ]  # fmt: skip


def test_ctrl_c_returns_at_once_while_several_accounts_hang() -> None:
    import signal
    import time

    from tests.test_client_faults import _interrupt_in

    def handle(req: Request) -> Reply:
        return Reply(hang=True)

    previous = signal.getsignal(signal.SIGINT)
    try:
        with StubServer(handle) as stub:
            sent = _interrupt_in(0.5)
            with pytest.raises(KeyboardInterrupt):
                load_v2(stub, account_id=["a1", "a2", "a3"], retry=RetryPolicy(timeout=30))
            assert time.monotonic() - sent[0] < 2.0
    finally:
        signal.signal(signal.SIGINT, previous)
