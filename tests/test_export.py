"""export_audit_logs streams the API's CSV export; nothing is left behind on failure."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import pytest

from auditkit import (
    APIError,
    AuthenticationError,
    InvalidParameterError,
    RetryPolicy,
    TransportError,
    export_audit_logs,
)


def test_export_writes_every_matching_row(sb: Any, tmp_path: Path) -> None:
    out = export_audit_logs(
        tmp_path / "logs.csv",
        base_url=sb.base_url,
        token=sb.token,
        since="2026-10-01",
        before="2026-10-08",
        action_type="login",
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    expected = [
        r["id"]
        for r in sb.records
        if r["action"]["type"] == "login" and "2026-10-01" <= r["when"][:10] < "2026-10-08"
    ]
    assert sorted(row["id"] for row in rows) == sorted(expected)
    assert len(rows) > 0
    last = sb.requests[-1]
    params = last["params"] if isinstance(last, dict) else last.params
    assert params["export"] == "true" and params["action.type"] == "login"
    assert params["since"] == "2026-10-01T00:00:00Z" and params["before"] == "2026-10-08T00:00:00Z"


def test_export_failure_leaves_nothing(sb: Any, tmp_path: Path) -> None:
    with pytest.raises(AuthenticationError):
        export_audit_logs(tmp_path / "x.csv", base_url=sb.base_url, token="bad" * 10)
    assert list(tmp_path.iterdir()) == []


def test_export_retries_server_errors(fresh_sb: Any, tmp_path: Path) -> None:
    fresh_sb.faults.server_error(1, status=503)
    out = export_audit_logs(
        tmp_path / "x.csv",
        base_url=fresh_sb.base_url,
        token=fresh_sb.token,
        since="2026-10-01",
        before="2026-10-02",
        retry=RetryPolicy(backoff=0.01),
    )
    assert out.exists()
    fresh_sb.faults.server_error(10, status=500)
    with pytest.raises(APIError):
        export_audit_logs(
            tmp_path / "y.csv",
            base_url=fresh_sb.base_url,
            token=fresh_sb.token,
            retry=RetryPolicy(max_retries=1, backoff=0.01),
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]


@pytest.mark.parametrize(
    ("path", "kwargs", "parameter"),
    [
        ("{tmp}/no/such/folder/x.csv", {}, "path"),
        ("{tmp}", {}, "path"),
        ("{tmp}/x.csv", {"since": "nope"}, "since"),
        ("{tmp}/x.csv", {"per_page_typo": 1}, "per_page_typo"),
    ],
)
def test_export_bad_input(sb: Any, tmp_path: Path, path: str, kwargs: dict, parameter: str) -> None:
    before = len(sb.requests)
    target = path.format(tmp=tmp_path)
    with pytest.raises(InvalidParameterError) as info:
        export_audit_logs(target, base_url=sb.base_url, token=sb.token, **kwargs)
    assert info.value.parameter == parameter
    assert len(sb.requests) == before


def test_a_trickling_export_fails_within_its_deadline(tmp_path: Path) -> None:
    from tests.stubserver import Reply, StubServer

    body = b"id,when\n" + b"x" * 400
    trickle = Reply(chunks=[body[i : i + 10] for i in range(0, len(body), 10)], chunk_delay=0.2)
    with StubServer(lambda req: trickle) as stub:
        start = time.monotonic()
        with pytest.raises(TransportError) as info:
            export_audit_logs(
                tmp_path / "out.csv",
                base_url=stub.base_url,
                token="t",
                retry=RetryPolicy(timeout=1.5, backoff=0.01),
            )
        elapsed = time.monotonic() - start
    assert elapsed < 3.5  # the trickle alone takes 8 s
    assert "too slow" in str(info.value)
    assert list(tmp_path.iterdir()) == []
