"""``load_audit_logs(..., archive=src)``: the past from the archive, what is newer from the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import auditkit
from auditkit import sandbox
from auditkit.errors import InvalidParameterError
from tests.s3server import S3Server

ANCHOR = "2026-11-01T00:00:00Z"


def creds(server: Any) -> dict[str, Any]:
    return {"base_url": server.base_url, "token": server.token, "cache": False, "progress": False}


def test_entries_aged_out_of_the_api_come_from_the_archive(tmp_path: Path) -> None:
    records = sandbox.generate_records(anchor=ANCHOR)
    dest = tmp_path / "archive"
    with sandbox.start(records=records) as full:
        # A sync on 1 October: the archive holds everything before it, its watermark.
        auditkit.sync_archive(dest, before="2026-10-01", **creds(full))
        expected = auditkit.load_audit_logs(**creds(full))
    # Later, the API holds only entries from mid-September on: the older ones aged out.
    recent = [r for r in records if r["when"] >= "2026-09-15"]
    assert 0 < len(recent) < len(records)
    with sandbox.start(records=recent) as server:
        both = auditkit.load_audit_logs(archive=dest, **creds(server))
        asc = auditkit.load_audit_logs(archive=dest, direction="asc", **creds(server))
        tom = auditkit.load_audit_logs(archive=dest, actor_email="tom@example.org", **creds(server))
    pd.testing.assert_frame_equal(both, expected)
    archived = sum(r["when"] < "2026-10-01" for r in records)
    assert both.attrs["archive_rows"] == archived and both.attrs["archive"] == str(dest)
    pd.testing.assert_frame_equal(
        asc, expected.iloc[::-1].reset_index(drop=True), check_categorical=False
    )
    mask = expected["actor_email"].astype("string").str.lower() == "tom@example.org"
    assert tom["id"].tolist() == expected.loc[mask.fillna(False), "id"].tolist()
    assert len(tom) > 0


def test_an_archive_on_s3(s3_server: S3Server, s3_bucket: str) -> None:
    url = f"s3://{s3_bucket}/audit/"
    options = s3_server.storage_options
    with sandbox.start(anchor=ANCHOR) as server:
        auditkit.sync_archive(url, storage_options=options, before="2026-10-15", **creds(server))
        expected = auditkit.load_audit_logs(**creds(server))
        both = auditkit.load_audit_logs(archive=url, storage_options=options, **creds(server))
    pd.testing.assert_frame_equal(both, expected)
    assert both.attrs["archive_rows"] > 0
    assert "testing-secret" not in repr(both.attrs)


def test_storage_options_without_an_archive_is_refused() -> None:
    with pytest.raises(InvalidParameterError) as info:
        auditkit.load_audit_logs(storage_options={"anon": True}, token="t")
    assert info.value.parameter == "storage_options"
