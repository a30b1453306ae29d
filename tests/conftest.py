"""Shared fixtures: a clean environment for every test, and sandboxes on loopback."""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
import pytest

from tests.s3server import s3_bucket, s3_server  # noqa: F401  (fixtures: a real S3 server on loopback)

matplotlib.use("Agg")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's credentials or touches the user's cache."""
    for name in (
        "CLOUDFLARE_API_TOKEN",
        "CLOUDFLARE_EMAIL",
        "CLOUDFLARE_API_KEY",
        "CLOUDFLARE_BASE_URL",
        "AUDITKIT_OFFLINE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUDITKIT_CACHE", str(tmp_path / "default-cache.sqlite"))


@pytest.fixture(scope="session")
def real_records() -> list[dict[str, Any]]:
    lines = (FIXTURES / "real-audit-records.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    """The synthetic sandbox account, shared by a module's tests (do not change its data)."""
    from auditkit import sandbox

    with sandbox.start(anchor="2026-11-01T00:00:00Z") as server:
        yield server


@pytest.fixture()
def fresh_sb() -> Iterator[Any]:
    """A sandbox of one's own, for tests that turn fault knobs or add records."""
    from auditkit import sandbox

    with sandbox.start(anchor="2026-11-01T00:00:00Z") as server:
        yield server


@pytest.fixture()
def real_sb(real_records: list[dict[str, Any]]) -> Iterator[Any]:
    """A sandbox serving the anonymised real records."""
    from auditkit import sandbox

    with sandbox.start(records=real_records) as server:
        yield server


_real_getaddrinfo = socket.getaddrinfo


def _no_dns(host: Any, *args: Any, **kwargs: Any) -> Any:
    """``socket.getaddrinfo`` for IP literals and ``localhost`` only: no test asks DNS."""
    name = host.decode() if isinstance(host, bytes) else host
    if name is not None and name != "localhost":
        try:
            ipaddress.ip_address(str(name).strip("[]").split("%")[0])
        except ValueError:
            raise socket.gaierror(f"tests never resolve host names through DNS: {name!r}") from None
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def _never_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with name resolution limited to IP literals and ``localhost``."""
    monkeypatch.setattr(socket, "getaddrinfo", _no_dns)


@pytest.fixture()
def forget_panel_selections() -> Iterator[None]:
    """Panels remember selections per frame (re-running the cell): a test starts fresh."""
    from auditkit.panel._state import REGISTRY

    REGISTRY.clear()
    yield
    REGISTRY.clear()
