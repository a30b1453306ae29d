"""auditkit.storage: a path or fsspec URL opened once, credentials kept out of what is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditkit.errors import InvalidParameterError
from auditkit.storage import open_location, redact_url
from tests.s3server import S3Server


def test_a_local_folder_is_an_absolute_local_location(tmp_path: Path) -> None:
    loc = open_location(tmp_path / "archive", None, param="dest")
    assert loc.is_local
    assert loc.root == str(tmp_path / "archive")
    assert loc.join("api=v1", "/day=2026-11-30/") == f"{tmp_path}/archive/api=v1/day=2026-11-30"


def test_an_s3_url_on_the_loopback_server(s3_server: S3Server, s3_bucket: str) -> None:
    loc = open_location(f"s3://{s3_bucket}/audit/", s3_server.storage_options, param="dest")
    assert not loc.is_local
    assert (loc.root, loc.url) == (f"{s3_bucket}/audit", f"s3://{s3_bucket}/audit/")
    loc.fs.pipe(loc.join("x.txt"), b"1")
    assert loc.fs.cat(loc.join("x.txt")) == b"1"
    assert "testing-secret" not in repr(loc)


@pytest.mark.parametrize(
    ("url", "options", "param", "needle"),
    [
        (3, None, "dest", "expected a folder or a URL, got int"),
        ("  ", None, "dest", "expected a folder or a URL"),
        ("nope://bucket/x", None, "dest", "Protocol not known: nope"),
        ("gs://bucket/x", None, "dest", 'pip install "auditkit[gcs]"'),
        ("s3://AKIA:hunter2@bucket/x", None, "dest", "not the URL"),
        ("s3://bucket/x", ["key"], "storage_options", "expected a mapping, got list"),
    ],
)
def test_bad_locations_name_the_parameter(
    url: object, options: object, param: str, needle: str
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        open_location(url, options, param="dest")  # type: ignore[arg-type]
    assert info.value.parameter == param
    assert needle in str(info.value)
    assert "hunter2" not in str(info.value)


def test_redact_url_drops_userinfo_only() -> None:
    assert redact_url("s3://K:S@b/p") == "s3://b/p"
    assert redact_url("/plain/path@x") == "/plain/path@x"
