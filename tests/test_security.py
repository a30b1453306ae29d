"""Secrets stay where they belong: plain http only to loopback, never a redirect.

Over real HTTP on loopback. Name resolution is limited to IP literals for every
test (``conftest._never_dns``); here a test also checks no lookup was tried.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from auditkit import (
    APIError,
    InvalidParameterError,
    RetryPolicy,
    export_audit_logs,
    load_audit_logs,
)
from tests.stubserver import Reply, StubServer, envelope, pages_handler, record

FAST = RetryPolicy(backoff=0.01, max_backoff=0.02, timeout=10)
RANGE = {"since": "2026-09-01", "before": "2026-09-02"}
CREDENTIALS = [
    {"token": "canary-token-0123456789"},
    {"email": "canary@example.com", "api_key": "canary-key-0123456789"},
]


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.attacker.example/client/v4",
        "http://127.0.0.1.nip.io/client/v4",
        "http://localhost.attacker.example/client/v4",
        "http://[::ffff:8.8.8.8]/client/v4",
        "http://10.0.0.1/client/v4",
    ],
)
def test_plain_http_is_refused_to_anything_but_a_loopback_literal(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[Any] = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: looked_up.append(a))
    with pytest.raises(InvalidParameterError) as info:
        load_audit_logs(base_url=base_url, token="canary-token-0123456789", cache=False)
    assert info.value.parameter == "base_url"
    assert looked_up == []


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost"])
def test_plain_http_to_loopback_is_allowed(host: str) -> None:
    bind = "127.0.0.1" if host == "localhost" else host
    with StubServer(pages_handler([record(1)]), host=bind) as stub:
        url = f"http://{host}:{stub.port}/client/v4"
        df = load_audit_logs(base_url=url, token="t", cache=False, progress=False, **RANGE)
    assert list(df["id"]) == ["r000001"]


def _redirecting(target: str) -> StubServer:
    return StubServer(
        lambda req: Reply(status=302, headers={"Location": f"{target}{req.path}?leak=1"})
    )


@pytest.mark.parametrize("credentials", CREDENTIALS, ids=["token", "global_key"])
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_credential_never_follows_a_redirect(credentials: dict[str, str], status: int) -> None:
    with (
        StubServer(lambda req: Reply(body=envelope([record(1)]))) as elsewhere,
        StubServer(
            lambda req: Reply(
                status=status, headers={"Location": f"{elsewhere.base_url}{req.path}"}
            )
        ) as stub,
    ):
        with pytest.raises(APIError) as info:
            load_audit_logs(
                base_url=stub.base_url,
                cache=False,
                progress=False,
                retry=FAST,
                **credentials,
                **RANGE,
            )
        assert len(stub.requests) == 1  # not retried
    assert elsewhere.requests == []
    assert info.value.status == status
    assert elsewhere.origin in str(info.value) and "redirect" in str(info.value)


@pytest.mark.parametrize("credentials", CREDENTIALS, ids=["token", "global_key"])
def test_an_export_never_follows_a_redirect(credentials: dict[str, str], tmp_path: Path) -> None:
    with (
        StubServer(lambda req: Reply(body=b"id,when\n")) as elsewhere,
        StubServer(
            lambda req: Reply(status=302, headers={"Location": f"{elsewhere.base_url}{req.path}"})
        ) as stub,
        pytest.raises(APIError),
    ):
        export_audit_logs(tmp_path / "out.csv", base_url=stub.base_url, retry=FAST, **credentials)
    assert elsewhere.requests == []
    assert list(tmp_path.iterdir()) == []


def test_a_cached_load_never_follows_a_redirect(tmp_path: Path) -> None:
    with (
        StubServer(lambda req: Reply(body=envelope([record(1)]))) as elsewhere,
        StubServer(
            lambda req: Reply(status=302, headers={"Location": f"{elsewhere.base_url}{req.path}"})
        ) as stub,
        pytest.raises(APIError),
    ):
        load_audit_logs(
            base_url=stub.base_url,
            email="canary@example.com",
            api_key="canary-key-0123456789",
            cache=tmp_path / "c.sqlite",
            progress=False,
            retry=FAST,
            **RANGE,
        )
    assert elsewhere.requests == []
