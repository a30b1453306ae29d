"""A real S3-compatible server (moto's, in server mode) on loopback, for the storage tests.

Nothing is mocked: s3fs talks HTTP to it exactly as it would to S3 or R2. The server holds
its objects in memory; each test gets a bucket of its own.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests


@dataclass(frozen=True)
class S3Server:
    """Where the loopback S3 server listens, and the options fsspec needs to reach it."""

    endpoint_url: str

    @property
    def storage_options(self) -> dict[str, Any]:
        """``storage_options`` for an ``s3://`` URL on this server (fixed test keys)."""
        return {
            "key": "testing-key",
            "secret": "testing-secret",
            "client_kwargs": {"endpoint_url": self.endpoint_url, "region_name": "us-east-1"},
        }

    def new_bucket(self) -> str:
        """A new empty bucket's name."""
        name = f"bkt-{uuid.uuid4().hex[:12]}"
        response = requests.put(f"{self.endpoint_url}/{name}", timeout=10)
        response.raise_for_status()
        return name


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server on 127.0.0.1 (a port the OS picks), for the whole session."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        yield S3Server(f"http://127.0.0.1:{server._server.port}")
    finally:
        server.stop()


@pytest.fixture()
def s3_bucket(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket on the loopback server; AWS settings point nowhere else (no metadata service)."""
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return s3_server.new_bucket()
