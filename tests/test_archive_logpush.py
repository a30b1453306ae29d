"""sync_archive(source=...): Logpush files into the archive, in the same stream as the API's.

The sandbox's entries are written as Logpush files (``write_logpush``) and synced; the
archive must then read back exactly what ``read_logpush`` reads (v1 and v2), a second
sync must add nothing, and a Logpush sync after an API sync of the same account must
store no id twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from auditkit import load_audit_logs, sandbox
from auditkit.archive import read_archive, sync_archive
from auditkit.errors import ArchiveError, InvalidParameterError
from auditkit.sandbox import write_logpush
from auditkit.sources.logpush import read_logpush

SINCE, BEFORE = "2026-10-01", "2026-12-01"


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with sandbox.start(anchor="2026-12-01") as server:
        yield server


def _logpush(tmp_path: Path, records: list[dict[str, Any]], dataset: str = "audit_logs") -> Path:
    folder = tmp_path / "logpush"
    write_logpush(folder, records, dataset=dataset, when_format="unixnano")
    return folder


def test_a_logpush_folder_syncs_whole_and_once(sb: Any, tmp_path: Path) -> None:
    folder = _logpush(tmp_path, sb.records)
    dest = tmp_path / "archive"
    first = sync_archive(
        dest, source=folder, account_id=sb.account_id, since=SINCE, before=BEFORE, progress=False
    )
    expected = read_logpush(folder, since=SINCE, before=BEFORE, progress=False)
    assert first.rows == len(expected) > 0
    assert first.streams == {f"v1/{sb.account_id}": len(expected)}
    assert sorted(p.parent.parent.name for p in dest.rglob("*.parquet"))[0] == (
        f"account={sb.account_id}"
    )
    again = sync_archive(dest, source=folder, account_id=sb.account_id, progress=False)
    assert (again.rows, again.files) == (0, 0)
    back = read_archive(dest, account_id=sb.account_id, since=SINCE, before=BEFORE)
    pd.testing.assert_frame_equal(back, expected)


def test_logpush_after_an_api_sync_of_the_account_stores_no_id_twice(
    sb: Any, tmp_path: Path
) -> None:
    dest = tmp_path / "archive"
    common: dict[str, Any] = dict(base_url=sb.base_url, token=sb.token, cache=False)
    api = sync_archive(
        dest, account_id=sb.account_id, since=SINCE, before=BEFORE, progress=False, **common
    )
    loaded = load_audit_logs(account_id=sb.account_id, since=SINCE, before=BEFORE, **common)
    assert api.rows == len(loaded) > 0
    folder = _logpush(tmp_path, sb.records)
    pushed = sync_archive(
        dest, source=folder, account_id=sb.account_id, since=SINCE, before=BEFORE, progress=False
    )
    assert pushed.rows == 0
    back = read_archive(dest, account_id=sb.account_id, since=SINCE, before=BEFORE)
    assert back["id"].is_unique and len(back) == len(loaded)


def test_a_v2_job_syncs_into_the_v2_stream(sb: Any, tmp_path: Path) -> None:
    folder = _logpush(tmp_path, sb.v2_records, dataset="audit_logs_v2")
    dest = tmp_path / "archive"
    result = sync_archive(
        dest,
        source=folder,
        dataset="audit_logs_v2",
        account_id=sb.account_id,
        since=SINCE,
        before=BEFORE,
        progress=False,
    )
    expected = read_logpush(
        folder, dataset="audit_logs_v2", since=SINCE, before=BEFORE, progress=False
    )
    assert result.streams == {f"v2/{sb.account_id}": len(expected)}
    back = read_archive(dest, api="v2", since=SINCE, before=BEFORE)
    pd.testing.assert_frame_equal(back, expected)


def test_a_v2_job_of_another_account_is_refused(sb: Any, tmp_path: Path) -> None:
    folder = _logpush(tmp_path, sb.v2_records, dataset="audit_logs_v2")
    dest = tmp_path / "archive"
    with pytest.raises(ArchiveError, match="not only 0123"):
        sync_archive(
            dest, source=folder, dataset="audit_logs_v2", account_id="0123", progress=False
        )
    assert not list(dest.rglob("*.parquet"))


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({}, "account_id"),
        ({"account_id": "*"}, "account_id"),
        ({"account_id": ["a", "b"]}, "account_id"),
        ({"account_id": "a", "organization_id": "o"}, "organization_id"),
        ({"account_id": "a", "dataset": "audit_log"}, "dataset"),
        ({"account_id": "a", "api": "v2"}, "api"),
        ({"account_id": "a", "zone_name": "example.com"}, "zone_name"),
        ({"account_id": "a", "token": "t"}, "token"),
        ({"account_id": "a", "zone_nme": "x"}, "zone_nme"),
        ({"account_id": "a", "before": "bogus"}, "before"),
        ({"account_id": "a", "source_options": ["k"]}, "source_options"),
    ],
)
def test_bad_logpush_syncs_name_the_parameter_and_write_nothing(
    tmp_path: Path, kwargs: dict[str, Any], parameter: str
) -> None:
    dest = tmp_path / "archive"
    with pytest.raises(InvalidParameterError) as info:
        sync_archive(dest, source=tmp_path, progress=False, **kwargs)
    assert info.value.parameter == parameter
    assert not dest.exists()


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [({"dataset": "audit_logs_v2"}, "dataset"), ({"source_options": {}}, "source_options")],
)
def test_logpush_options_without_a_source_are_refused(
    tmp_path: Path, kwargs: dict[str, Any], parameter: str
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        sync_archive(tmp_path / "archive", progress=False, **kwargs)
    assert info.value.parameter == parameter
