"""read_logpush: the sandbox's entries written as Logpush files read back as the API's frame.

Each test writes Logpush files of the sandbox's entries (``write_logpush``: PascalCase
fields, gzip NDJSON, ``YYYYMMDD/<start>_<end>_<hash>.log.gz``) and compares what
``read_logpush`` gives, row by row, with the frame ``load_audit_logs`` reads from the
sandbox's API over HTTP for the same range. Logpush's ``audit_logs`` has no field for
v1's ``action.info``: that column must come back all missing.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from auditkit import load_audit_logs, sandbox
from auditkit.sandbox import write_logpush
from auditkit.sandbox._logpush import logpush_record
from auditkit.sources.logpush import read_logpush

SINCE, BEFORE = "2026-09-01", "2026-12-01"


class Api:
    """The sandbox's records and the API's frames of ``[SINCE, BEFORE)``."""

    def __init__(self) -> None:
        with sandbox.start(anchor="2026-12-01") as sb:
            common: dict[str, Any] = dict(
                base_url=sb.base_url, token=sb.token, cache=False, progress=False
            )
            self.v1 = load_audit_logs(since=SINCE, before=BEFORE, **common)
            self.v1_asc = load_audit_logs(since=SINCE, before=BEFORE, direction="asc", **common)
            self.v2 = load_audit_logs(
                since=SINCE, before=BEFORE, api="v2", account_id=sb.account_id, **common
            )
            self.records = sb.records
            self.v2_records = sb.v2_records


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    yield Api()


def without_action_info(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with ``action_info`` missing everywhere: what Logpush can carry of it."""
    out = df.copy()
    out["action_info"] = pd.Series(pd.NA, index=out.index, dtype=df["action_info"].dtype)
    return out


@pytest.mark.parametrize("when_format", ["rfc3339", "unix", "unixnano"])
def test_each_when_format_reads_as_the_api_frame(
    api: Api, tmp_path: Path, when_format: str
) -> None:
    write_logpush(tmp_path, api.records, when_format=when_format)
    df = read_logpush(tmp_path, since=SINCE, before=BEFORE, progress=False)
    expected = without_action_info(api.v1)
    if when_format == "unix":  # unix seconds carry no fraction: the API's times, floored
        expected["when"] = expected["when"].dt.floor("s")
    assert api.v1["action_info"].notna().sum() > 0  # the column Logpush drops had values
    pd.testing.assert_frame_equal(df, expected)
    assert len(df) == 1917


def test_three_formats_in_one_folder_and_numbers_as_text(api: Api, tmp_path: Path) -> None:
    # A third of the entries each way; unix times written as digits in strings, as some jobs do.
    parts = [api.records[0::3], api.records[1::3], api.records[2::3]]
    write_logpush(tmp_path, parts[0], when_format="rfc3339")
    write_logpush(tmp_path, parts[1], when_format="unixnano", numbers_as_text=True)
    write_logpush(tmp_path, parts[2], when_format="unixnano", files_per_day=96)
    df = read_logpush(tmp_path, since=SINCE, before=BEFORE, progress=False)
    pd.testing.assert_frame_equal(df, without_action_info(api.v1))
    lines = [
        gzip.decompress(p.read_bytes()).split(b"\n")[0] for p in sorted(tmp_path.rglob("*.gz"))
    ]
    assert any(b'"When":"17' in line for line in lines)  # digits as text were written
    assert any(b'"When":17' in line for line in lines)
    assert any(b'"When":"2026-' in line for line in lines)


def test_audit_logs_v2_reads_as_the_api_v2_frame(api: Api, tmp_path: Path) -> None:
    write_logpush(tmp_path, api.v2_records, dataset="audit_logs_v2", when_format="rfc3339")
    df = read_logpush(tmp_path, since=SINCE, before=BEFORE, dataset="audit_logs_v2", progress=False)
    pd.testing.assert_frame_equal(df, api.v2)
    assert df.attrs["api"] == "v2" and df.attrs["dataset"] == "audit_logs_v2"
    assert df["raw_status_code"].notna().sum() > 1800 and df["resource_scope"].notna().all()


def test_duplicates_are_dropped_and_asc_order_matches_the_api(api: Api, tmp_path: Path) -> None:
    write_logpush(tmp_path, api.records, duplicates=500)
    df = read_logpush(tmp_path, since=SINCE, before=BEFORE, direction="asc", progress=False)
    pd.testing.assert_frame_equal(df, without_action_info(api.v1_asc))
    in_range = sum(SINCE <= r["when"][:10] < BEFORE for r in api.records[:500])
    assert df.attrs["duplicates"] == in_range
    assert df.attrs["entries_read"] > len(df)


def test_pruning_skips_files_outside_the_range_plus_margin(api: Api, tmp_path: Path) -> None:
    paths = write_logpush(tmp_path, api.records, files_per_day=24)
    df = read_logpush(tmp_path, since="2026-11-20", before="2026-11-21", progress=False)
    # Only 2026-11-19..2026-11-22's folders are listed (margin 1 day, +1 day of slack each
    # side), and in them only files whose window (+-1 day) meets the range.
    days = {Path(p).parent.name for p in paths}
    assert df.attrs["files_pruned"] >= len(days) - 4
    read_names = [p for p in paths if "20261119" <= Path(p).name[:8] <= "20261121"]
    assert df.attrs["files"] == len(read_names)
    whole = read_logpush(tmp_path, margin=None, progress=False)
    assert whole.attrs["files"] == len(paths) and whole.attrs["files_pruned"] == 0
    expected = whole[(whole["when"] >= "2026-11-20") & (whole["when"] < "2026-11-21")]
    assert len(df) > 0 and df["id"].tolist() == expected["id"].tolist()
    assert df["when"].tolist() == expected["when"].tolist()


def test_an_entry_pushed_later_than_the_margin_is_found_only_with_a_wider_margin(
    tmp_path: Path,
) -> None:
    # Pushed 3 h after it happened: its file's window starts after `before`.
    record = {"id": "late", "when": "2026-11-20T10:00:00Z", "action": {"type": "login"}}
    write_logpush(tmp_path, [record], delay="0s")
    late = tmp_path / "20261120"
    (only,) = late.iterdir()
    only.rename(late / "20261120T130000Z_20261120T131000Z_00000000.log.gz")
    narrow = read_logpush(tmp_path, before="2026-11-20T11:00:00Z", margin="1h", progress=False)
    assert len(narrow) == 0 and narrow.attrs["files_pruned"] == 1
    wide = read_logpush(tmp_path, before="2026-11-20T11:00:00Z", margin="6h", progress=False)
    assert wide["id"].tolist() == ["late"]


def test_attrs_say_where_the_frame_came_from(api: Api, tmp_path: Path) -> None:
    write_logpush(tmp_path, api.records[:100])
    (tmp_path / "ownership-challenge-1a2b.txt").write_text("token")
    (tmp_path / "README.md").write_text("not logs")
    df = read_logpush(str(tmp_path) + "/", since=SINCE, progress=False)
    attrs = df.attrs
    assert attrs["source"] == "logpush" and attrs["location"] == str(tmp_path) + "/"
    assert (attrs["since"], attrs["before"]) == ("2026-09-01T00:00:00+00:00", None)
    assert attrs["files_ignored"] == 2 and attrs["files"] == len(list(tmp_path.rglob("*.gz")))
    assert attrs["entries_read"] == 100 and attrs["unknown_fields"] == [] and not attrs["skipped"]
    assert attrs["bytes_read"] == sum(p.stat().st_size for p in tmp_path.rglob("*.gz"))


def test_an_empty_folder_is_an_empty_typed_frame(tmp_path: Path) -> None:
    from auditkit.frame import V1, empty_frame

    df = read_logpush(tmp_path, progress=False)
    pd.testing.assert_frame_equal(df, empty_frame(V1))
    assert df.attrs["files"] == 0


def test_one_file_can_be_read_and_a_plain_log_is_read_too(api: Api, tmp_path: Path) -> None:
    lines = b"".join(
        __import__("msgspec").json.encode(logpush_record(r)) + b"\n" for r in api.records[:5]
    )
    (tmp_path / "a.log").write_bytes(lines)  # not gzipped: read as it is
    (tmp_path / "b.log.gz").write_bytes(gzip.compress(lines))
    assert len(read_logpush(tmp_path / "a.log", progress=False)) == 5
    both = read_logpush(tmp_path, progress=False)
    assert len(both) == 5 and both.attrs["duplicates"] == 5


@pytest.mark.parametrize("when_format", ["rfc3339", "unixnano"])
def test_the_anonymised_real_records_read_as_the_api_serves_them(
    real_sb: Any, tmp_path: Path, when_format: str
) -> None:
    # Real quirks: "null" literals, fractional and whole seconds, system actors without
    # email or ip, oldValueJson/newValueJson objects, action.info (which Logpush drops).
    api = load_audit_logs(
        base_url=real_sb.base_url,
        token=real_sb.token,
        cache=False,
        progress=False,
        since="2020-01-01",
    )
    write_logpush(tmp_path, real_sb.records, when_format=when_format)
    df = read_logpush(tmp_path, since="2020-01-01", progress=False)
    pd.testing.assert_frame_equal(df, without_action_info(api))
    assert len(df) == len(real_sb.records) == 13


def test_progress_true_shows_a_bar_over_the_files(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = write_logpush(tmp_path, api.records[:200])
    read_logpush(tmp_path, progress=True)
    err = capsys.readouterr().err
    assert "logpush" in err and f"{len(paths)}/{len(paths)} [" in err and "file/s" in err
    read_logpush(tmp_path, progress=False)
    assert capsys.readouterr().err == ""
