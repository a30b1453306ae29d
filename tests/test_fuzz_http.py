"""Whatever a server sends, a load returns a frame or raises an ``AuditKitError``.

A stub server on loopback answers every request with what hypothesis draws:
valid pages cut short anywhere, bytes flipped, random JSON in every envelope
field, odd statuses and headers. No other exception may come out of
:func:`auditkit.load_audit_logs` (``KeyboardInterrupt`` aside).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditkit import AuditKitError, RetryPolicy, load_audit_logs
from tests.stubserver import Reply, StubServer, envelope, record

ONCE = RetryPolicy(max_retries=1, backoff=0.0, max_backoff=0.0, max_wait=0.05, timeout=5)
RANGE = {"since": "2026-09-01", "before": "2026-09-02"}
PAGE = envelope([record(n) for n in range(3)], page=1, per_page=1000, count=3, total_count=3)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["cut", "flip", "field", "record", "raw"]))
    if kind == "cut":
        return PAGE[: draw(st.integers(0, len(PAGE) - 1))]
    if kind == "flip":
        data = bytearray(PAGE)
        for _ in range(draw(st.integers(1, 4))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if kind == "field":
        page = json.loads(PAGE)
        page[draw(st.sampled_from(["success", "errors", "result", "result_info", "messages"]))] = (
            draw(json_values)
        )
        return _dumps(page)
    if kind == "record":
        page = json.loads(PAGE)
        rec = page["result"][draw(st.integers(0, 2))]
        path = draw(st.sampled_from(["id", "when", "action", "actor", "metadata", "oldValueJson"]))
        rec[path] = draw(json_values)
        if draw(st.booleans()) and isinstance(rec.get("actor"), dict):
            rec["actor"]["email"] = draw(json_values)
        return _dumps(page)
    return draw(st.binary(max_size=64))


@st.composite
def replies(draw: st.DrawFn) -> Reply:
    status = draw(st.sampled_from([200, 200, 200, 204, 301, 400, 401, 403, 404, 429, 500, 502]))
    headers: dict[str, str] = {}
    if draw(st.booleans()):
        headers["Retry-After"] = draw(
            st.sampled_from(["inf", "1e20", "nan", "-5", "0", "x", "Tue, 01 Dec 9999 00:00:00 GMT"])
        )
    if draw(st.booleans()):
        headers["Content-Type"] = draw(st.sampled_from(["application/json", "text/html", "x/y"]))
    return Reply(status=status, body=draw(bodies()), headers=headers)


@pytest.fixture(scope="module")
def stub() -> Iterator[tuple[StubServer, list[Reply]]]:
    current: list[Reply] = [Reply(body=PAGE)]
    with StubServer(lambda req: current[0]) as server:
        yield server, current


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(reply=replies())
def test_any_answer_gives_a_frame_or_an_auditkit_error(
    stub: tuple[StubServer, list[Reply]], reply: Reply
) -> None:
    server, current = stub
    current[0] = reply
    try:
        df = load_audit_logs(
            base_url=server.base_url,
            token="t",
            cache=False,
            progress=False,
            retry=ONCE,
            workers=1,
            **RANGE,
        )
    except AuditKitError:
        return
    assert isinstance(df, pd.DataFrame)
