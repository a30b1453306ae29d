"""read_logpush from object storage: moto's real S3 server on loopback, s3fs over HTTP.

Nothing of fsspec is mocked: files are written to the bucket by ``write_logpush`` and read
back by ``read_logpush``, with credentials through ``storage_options`` or the environment.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from auditkit.errors import StorageError
from auditkit.sandbox import generate_records, write_logpush
from auditkit.sources.logpush import LogpushFileError, read_logpush
from tests.s3server import S3Server

RECORDS = generate_records(anchor="2026-12-01")


def test_a_bucket_reads_as_the_local_folder_does(
    s3_server: S3Server, s3_bucket: str, tmp_path: Any
) -> None:
    url = f"s3://{s3_bucket}/audit/"
    records = RECORDS[:800]
    written = write_logpush(url, records, storage_options=s3_server.storage_options)
    write_logpush(tmp_path, records)
    remote = read_logpush(
        url, since="2026-11-01", storage_options=s3_server.storage_options, progress=False
    )
    local = read_logpush(tmp_path, since="2026-11-01", progress=False)
    pd.testing.assert_frame_equal(remote, local)
    assert len(remote) == sum(r["when"] >= "2026-11-01" for r in records)
    assert remote.attrs["location"] == url and remote.attrs["files"] <= len(written)
    assert remote.attrs["files_pruned"] > 0
    assert "testing-secret" not in repr(remote.attrs)


def test_credentials_from_the_environment(s3_server: S3Server, s3_bucket: str) -> None:
    # The fixture put AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment: only the
    # endpoint goes in storage_options, no key.
    url = f"s3://{s3_bucket}/audit"
    write_logpush(url, RECORDS[:50], storage_options=s3_server.storage_options)
    df = read_logpush(url, storage_options={"endpoint_url": s3_server.endpoint_url}, progress=False)
    assert len(df) == 50


def test_a_corrupt_object_names_its_url(s3_server: S3Server, s3_bucket: str) -> None:
    options = s3_server.storage_options
    write_logpush(f"s3://{s3_bucket}/audit", RECORDS[:5], storage_options=options)
    from auditkit.storage import open_location

    loc = open_location(f"s3://{s3_bucket}/audit", options, param="dest")
    loc.fs.pipe_file(
        loc.join("20261130", "20261130T000000Z_20261130T010000Z_x.log.gz"), b"\x1f\x8b"
    )
    with pytest.raises(LogpushFileError) as info:
        read_logpush(f"s3://{s3_bucket}/audit", storage_options=options, progress=False)
    assert info.value.path == (
        f"s3://{s3_bucket}/audit/20261130/20261130T000000Z_20261130T010000Z_x.log.gz"
    )


def test_a_missing_bucket_is_a_storage_error_without_secrets(s3_server: S3Server) -> None:
    with pytest.raises(StorageError) as info:
        read_logpush(
            "s3://no-such-bucket-hb/audit",
            storage_options=s3_server.storage_options,
            progress=False,
        )
    assert "testing-secret" not in str(info.value)
    assert "s3://no-such-bucket-hb/audit" in str(info.value)
