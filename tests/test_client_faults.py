"""The HTTP client's fault handling and bounds, against real servers on loopback (issue 10).

Each scenario drives a whole load through :class:`tests.stubserver.StubServer`:
servers that cap ``per_page``, lie about ``total_count``, mix statuses and codes,
send nonsense ``Retry-After`` headers, huge or trickled bodies, refuse
connections or never answer.
"""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import auditkit
from auditkit import (
    APIError,
    AuthenticationError,
    IncompleteLoadError,
    RateLimitError,
    RetryPolicy,
    TransportError,
)
from auditkit.http import _transport
from auditkit.sources.v1 import _pager
from tests.stubserver import Reply, Request, StubServer, envelope, pages_handler, record

FAST = RetryPolicy(backoff=0.01, max_backoff=0.02, timeout=5)
DAY = {"since": "2026-09-01", "before": "2026-09-02"}  # one closed day window


def load(stub: StubServer, **kwargs: Any) -> pd.DataFrame:
    kwargs.setdefault("cache", False)
    kwargs.setdefault("progress", False)
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("token", "t")
    for name, value in DAY.items():
        kwargs.setdefault(name, value)
    return auditkit.load_audit_logs(base_url=stub.base_url, **kwargs)


def pages(stub: StubServer) -> list[str]:
    return [r.params.get("page", "") for r in stub.requests]


def error_body(code: int, message: str = "boom") -> bytes:
    return json.dumps(
        {"success": False, "errors": [{"code": code, "message": message}], "messages": []}
    ).encode()


def then_good(first: Reply, records: list[dict[str, Any]]) -> Any:
    """A handler answering ``first`` once, then paging ``records``."""
    good = pages_handler(records)
    sent = [False]

    def handle(req: Request) -> Reply:
        if not sent[0]:
            sent[0] = True
            return first
        return good(req)

    return handle


RECORDS = [record(n) for n in range(35)]


# ------------------------------------------------------------------ 1. per_page caps


def test_server_stating_a_smaller_per_page_is_paged_at_that_size() -> None:
    with StubServer(pages_handler(RECORDS, cap=10)) as stub:
        df = load(stub)
    assert len(df) == 35 and df["id"].is_unique
    assert sorted(pages(stub)) == ["1", "2", "3", "4"]  # 2 to 4 requested at once


def test_server_capping_silently_is_paged_after_one_probe() -> None:
    def silent(req: Request) -> Reply:
        page = int(req.params["page"])
        return Reply(body=envelope(RECORDS[(page - 1) * 10 : page * 10]))  # no result_info

    with StubServer(silent) as stub:
        df = load(stub)
    assert len(df) == 35
    assert pages(stub) == ["1", "2", "3", "4"]


def test_short_page_without_hints_costs_one_probe() -> None:
    def silent(req: Request) -> Reply:
        page = int(req.params["page"])
        return Reply(body=envelope(RECORDS[:7] if page == 1 else []))

    with StubServer(silent) as stub:
        df = load(stub)
    assert len(df) == 7 and pages(stub) == ["1", "2"]


def test_total_count_beyond_what_was_sent_is_incomplete() -> None:
    def short(req: Request) -> Reply:
        return Reply(body=envelope(RECORDS[:10], per_page=1000, total_count=35))

    with StubServer(short) as stub, pytest.raises(IncompleteLoadError, match="35 entries"):
        load(stub)


def test_stated_cap_with_repeated_ids_raises_instead_of_looping() -> None:
    def stuck(req: Request) -> Reply:
        return Reply(body=envelope(RECORDS[:10], per_page=10, total_count=35))

    with StubServer(stuck) as stub, pytest.raises(IncompleteLoadError, match="repeated"):
        load(stub)
    assert len(stub.requests) <= 2 + _pager.MAX_READ_AHEAD


# ------------------------------------------------------------------ 2. status before codes


@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.parametrize("code", [10000, 10001, 9109])
def test_server_error_with_an_auth_code_is_retried(status: int, code: int) -> None:
    first = Reply(status=status, body=error_body(code))
    with StubServer(then_good(first, RECORDS)) as stub:
        df = load(stub)
    assert len(df) == 35


def test_200_success_false_with_an_auth_code_is_retried() -> None:
    first = Reply(status=200, body=error_body(10000))
    with StubServer(then_good(first, RECORDS)) as stub:
        assert len(load(stub)) == 35


def test_400_with_header_codes_is_still_an_authentication_error() -> None:
    body = json.dumps(
        {
            "success": False,
            "errors": [
                {
                    "code": 6003,
                    "message": "Invalid request headers",
                    "error_chain": [{"code": 6111}],
                }
            ],
        }
    ).encode()
    with (
        StubServer(lambda req: Reply(status=400, body=body)) as stub,
        pytest.raises(AuthenticationError),
    ):
        load(stub)
    assert len(stub.requests) == 1


# ------------------------------------------------------------------ 3. Retry-After nonsense


@pytest.mark.parametrize("value", ["inf", "1e20", "Fri, 31 Dec 9999 23:59:59 GMT", "1e400"])
def test_absurd_retry_after_is_a_rate_limit_error(value: str) -> None:
    first = Reply(status=429, body=error_body(971), headers={"Retry-After": value})
    with StubServer(then_good(first, RECORDS)) as stub, pytest.raises(RateLimitError) as info:
        load(stub)
    assert "max_wait" in str(info.value)


@pytest.mark.parametrize("value", ["nan", "-5", "soon", ""])
def test_meaningless_retry_after_falls_back_to_backoff(value: str) -> None:
    first = Reply(status=429, body=error_body(971), headers={"Retry-After": value})
    with StubServer(then_good(first, RECORDS)) as stub:
        assert len(load(stub)) == 35


# ------------------------------------------------------------------ 4. caps


def test_page_larger_than_asked_is_refused_and_not_cached(tmp_path: Path) -> None:
    many = [record(n) for n in range(25)]
    with StubServer(lambda req: Reply(body=envelope(many))) as stub:
        for _ in range(2):
            with pytest.raises(APIError, match="25 entries on a page of per_page=10"):
                load(stub, per_page=10, cache=tmp_path / "c.sqlite")
    assert len(stub.requests) == 2  # not retried, and not served from the cache the second time


def test_body_announcing_more_than_the_limit_is_refused_unread() -> None:
    huge = 200 * 1024 * 1024
    reply = Reply(chunks=[b"{" * 1024] * 4, content_length=huge)
    with StubServer(lambda req: reply) as stub:
        start = time.monotonic()
        with pytest.raises(APIError, match="MAX_BODY_BYTES"):
            load(stub)
    assert time.monotonic() - start < 2 and len(stub.requests) == 1


def test_chunked_body_past_the_limit_is_refused_while_reading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_transport, "MAX_BODY_BYTES", 1 << 20)
    reply = Reply(chunks=[b" " * 65536] * 64, chunked=True)  # 4 MiB, no Content-Length
    with StubServer(lambda req: reply) as stub, pytest.raises(APIError, match="went past"):
        load(stub)
    assert len(stub.requests) == 1


def test_false_total_count_costs_a_bounded_read_ahead() -> None:
    def lying(req: Request) -> Reply:
        page = int(req.params["page"])
        chunk = RECORDS[(page - 1) * 10 : page * 10]
        return Reply(body=envelope(chunk, per_page=10, total_count=10**9))

    with StubServer(lying) as stub, pytest.raises(IncompleteLoadError, match="1000000000"):
        load(stub, per_page=10, workers=4)
    assert len(stub.requests) <= 4 + _pager.MAX_READ_AHEAD


# ------------------------------------------------------------------ 5. deadlines


def test_trickled_body_fails_within_the_deadline() -> None:
    body = envelope(RECORDS)
    step = len(body) // 40 + 1
    parts = [body[i : i + step] for i in range(0, len(body), step)]  # 40 parts over 8 s
    reply = Reply(chunks=parts, chunk_delay=0.2)
    retry = RetryPolicy(max_retries=0, timeout=2)
    with StubServer(lambda req: reply) as stub:
        start = time.monotonic()
        with pytest.raises(TransportError, match=r"no complete response .* within 2 s"):
            load(stub, retry=retry)
        elapsed = time.monotonic() - start
    assert 1.9 <= elapsed < 3.0


def test_trickled_headers_fail_within_the_deadline() -> None:
    """A server sending its status line and headers a byte every 0.1 s (for 30 s)."""
    head = b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"a" * 300 + b"\r\n\r\n"
    stop = threading.Event()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                for byte in head:
                    if stop.wait(0.1):
                        break
                    try:
                        conn.sendall(bytes([byte]))
                    except OSError:
                        break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    retry = RetryPolicy(max_retries=0, timeout=1.5)
    try:
        start = time.monotonic()
        with pytest.raises(TransportError, match=r"no complete response .* within 1.5 s"):
            auditkit.load_audit_logs(
                base_url=f"http://127.0.0.1:{port}/client/v4",
                token="t",
                cache=False,
                progress=False,
                retry=retry,
                since="2026-09-01",
                before="2026-09-02",
            )
        elapsed = time.monotonic() - start
    finally:
        stop.set()
        thread.join(5)
        listener.close()
    assert 1.4 <= elapsed < 2.5


# ------------------------------------------------------------------ 6. refused


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused_fails_fast_and_says_so() -> None:
    port = _closed_port()
    start = time.monotonic()
    with pytest.raises(TransportError) as info:
        auditkit.load_audit_logs(
            base_url=f"http://127.0.0.1:{port}/client/v4", token="t", cache=False,
            progress=False, **DAY,
        )  # fmt: skip
    assert time.monotonic() - start < 3.5
    assert f"nothing is listening at 127.0.0.1:{port} (connection refused)" in str(info.value)


# ------------------------------------------------------------------ 7. Ctrl-C


def _interrupt_in(seconds: float) -> list[float]:
    """Send SIGINT to the main thread in ``seconds``, as Ctrl-C would.

    Python's KeyboardInterrupt handler is installed first: a process started in
    the background of a shell without job control inherits SIGINT ignored, and
    the interrupt would then never arrive (the test would hang, then fail).
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sent: list[float] = []

    def fire() -> None:
        sent.append(time.monotonic())
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    threading.Timer(seconds, fire).start()
    return sent


@pytest.mark.parametrize("cached", [False, True])
def test_ctrl_c_returns_at_once_while_requests_hang(tmp_path: Path, cached: bool) -> None:
    previous = signal.getsignal(signal.SIGINT)
    try:
        _ctrl_c_while_requests_hang(tmp_path, cached)
    finally:
        signal.signal(signal.SIGINT, previous)


def _ctrl_c_while_requests_hang(tmp_path: Path, cached: bool) -> None:
    cache: Any = tmp_path / "c.sqlite" if cached else False
    months = {"since": "2026-05-01", "before": "2026-09-01"}  # several runs of days

    def handle(req: Request) -> Reply:
        if req.params.get("per_page") == "1":  # a planning probe, if the planner sends one
            return Reply(body=envelope([record(0, when="2026-05-01T00:00:05Z")]))
        return Reply(hang=True)

    with StubServer(handle) as stub:
        sent = _interrupt_in(0.5)
        with pytest.raises(KeyboardInterrupt):
            load(stub, workers=4, cache=cache, retry=RetryPolicy(timeout=30), **months)
        assert time.monotonic() - sent[0] < 2.0
        assert sum(r.params.get("per_page") == "1000" for r in stub.requests) >= 2
    if cached:
        with StubServer(pages_handler(RECORDS)) as healthy:
            assert len(load(healthy, cache=cache)) == 35
        with sqlite3.connect(cache) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# ------------------------------------------------------------------ 8. no credential in chains

CANARY = "canary-9f2c1d7e-secret"


def _reachable(exc: BaseException) -> list[Any]:
    """Everything reachable from ``exc`` through chains, args, attributes, request/response."""
    out: list[Any] = []
    todo: list[Any] = [exc]
    seen: set[int] = set()
    while todo:
        item = todo.pop()
        if id(item) in seen or len(seen) > 5000:
            continue
        seen.add(id(item))
        out.append(item)
        if isinstance(item, BaseException):
            todo += [item.__cause__, item.__context__, *item.args]
            todo += list(vars(item).values())
            todo += [getattr(item, "request", None), getattr(item, "response", None)]
        elif isinstance(item, dict):
            todo += list(item.keys()) + list(item.values())
        elif isinstance(item, list | tuple | set):
            todo += list(item)
        elif hasattr(item, "headers"):  # requests' PreparedRequest / Response
            todo += [dict(item.headers), getattr(item, "request", None)]
    return out


def _leaks(exc: BaseException) -> bool:
    return any(CANARY in repr(item) for item in _reachable(exc))


@pytest.mark.parametrize("fault", ["refused", "timeout", "dropped", "500", "401"])
def test_no_credential_is_reachable_from_the_error(fault: str) -> None:
    retry = RetryPolicy(max_retries=1, backoff=0.01, max_backoff=0.02, timeout=0.5)
    replies = {
        "timeout": Reply(hang=True),
        "dropped": Reply(drop=True),
        "500": Reply(status=500, body=error_body(1000)),
        "401": Reply(status=401, body=error_body(10000)),
    }
    with StubServer(lambda req: replies.get(fault, Reply())) as stub:
        base = f"http://127.0.0.1:{_closed_port()}/client/v4" if fault == "refused" else None
        with pytest.raises(auditkit.AuditKitError) as info:
            auditkit.load_audit_logs(
                base_url=base or stub.base_url, token=CANARY, cache=False, progress=False,
                retry=retry, **DAY,
            )  # fmt: skip
    assert not _leaks(info.value), f"{fault}: the token is reachable from {info.value!r}"
    assert info.value.__context__ is None and info.value.__cause__ is None
