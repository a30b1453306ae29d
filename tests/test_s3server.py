"""The loopback S3 server the storage tests use answers as S3 does, through s3fs."""

from __future__ import annotations

import fsspec

from tests.s3server import S3Server


def test_s3fs_round_trip_on_loopback(s3_server: S3Server, s3_bucket: str) -> None:
    fs, root = fsspec.core.url_to_fs(f"s3://{s3_bucket}/a", **s3_server.storage_options)
    fs.pipe(f"{root}/b.txt", b"hello")
    assert fs.cat(f"{root}/b.txt") == b"hello"
    assert [p.rsplit("/", 1)[-1] for p in fs.ls(root)] == ["b.txt"]
    assert s3_server.endpoint_url.startswith("http://127.0.0.1:")
