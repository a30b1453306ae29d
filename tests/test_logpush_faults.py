"""read_logpush on bad and odd files: an error naming the file and line, never a short frame.

Odd shapes that still mean something (another case, missing fields, extra fields, values
as strings or objects, a BOM, stray bytes) are read, with exact values; what cannot be read
whole raises ``LogpushFileError`` (a ``StorageError``), or with ``skip_bad=True`` is left out
and listed in ``df.attrs["skipped"]``.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import msgspec
import pandas as pd
import pytest

from auditkit.errors import AuditKitError, InvalidParameterError, StorageError
from auditkit.sources.logpush import LogpushFileError, read_logpush

GOOD = {"ID": "a", "When": "2026-11-01T10:00:00Z", "ActionType": "login", "ActionResult": True}


def lines(*records: Any) -> bytes:
    return b"".join(
        (r if isinstance(r, bytes) else msgspec.json.encode(r)) + b"\n" for r in records
    )


def put(folder: Path, data: bytes, name: str = "20261101T100000Z_20261101T110000Z_ab.log.gz"):
    day = folder / "20261101"
    day.mkdir(exist_ok=True)
    (day / name).write_bytes(data)
    return f"{folder}/20261101/{name}"


def read(folder: Path, **kw: Any) -> pd.DataFrame:
    return read_logpush(folder, progress=False, **kw)


@pytest.mark.parametrize(
    ("data", "line", "needle"),
    [
        (gzip.compress(lines(GOOD, GOOD))[:-9], None, "truncated or corrupt gzip"),
        (b"\x1f\x8b" + b"\x00" * 30, None, "truncated or corrupt gzip"),
        (b'{"ID":"a"}\n', None, "not gzip (no gzip header)"),
        (b"", None, "an empty file"),
        (gzip.compress(lines(GOOD, b"{not json", GOOD)), 2, "not JSON"),
        (gzip.compress(lines(GOOD, b'["ID","a"]')), 2, "not a JSON object (list)"),
        (gzip.compress(lines(GOOD, {"When": 1762000000})), 2, "record without ID"),
        (gzip.compress(lines(GOOD, {"ID": "", "When": 1762000000})), 2, "record without ID"),
        (gzip.compress(lines(GOOD, GOOD, {"ID": "b"})), 3, "record without When"),
        (gzip.compress(lines({"ID": "b", "When": 1762000000000})), 1, "'1762000000000' is in no"),
        (gzip.compress(lines({"ID": "b", "When": "2026-11-01T10:00:00"})), 1, "in no Logpush"),
        (gzip.compress(lines({"ID": "b", "When": "yesterday"})), 1, "'yesterday' is in no"),
        (gzip.compress(lines({"ID": "b", "When": True})), 1, "True' is in no"),
        (gzip.compress(b"\n\n" + lines(GOOD, {"id": "c", "When": None})), 4, "without When"),
    ],
)
def test_a_bad_file_or_line_raises_naming_it(
    tmp_path: Path, data: bytes, line: int | None, needle: str
) -> None:
    path = put(tmp_path, data)
    with pytest.raises(LogpushFileError) as info:
        read(tmp_path)
    err = info.value
    assert isinstance(err, StorageError) and isinstance(err, AuditKitError)
    assert (err.path, err.line) == (path, line)
    assert needle in str(err) and str(err).startswith(path + (f": line {line}: " if line else ": "))


def test_the_first_bad_file_in_listing_order_is_the_one_reported(tmp_path: Path) -> None:
    put(tmp_path, b"\x1f\x8bbroken", "20261101T100000Z_20261101T110000Z_b.log.gz")
    first = put(tmp_path, b"\x1f\x8bbroken", "20261101T090000Z_20261101T100000Z_a.log.gz")
    for _ in range(3):
        with pytest.raises(LogpushFileError) as info:
            read(tmp_path, workers=4)
        assert info.value.path == first


def test_skip_bad_leaves_out_what_it_cannot_read_and_says_so(tmp_path: Path) -> None:
    put(tmp_path, gzip.compress(lines(GOOD, b"{oops", {"ID": "n"}, {**GOOD, "ID": "b"})))
    broken = put(tmp_path, b"\x1f\x8b\x08rest", "20261101T110000Z_20261101T120000Z_c.log.gz")
    with pytest.warns(RuntimeWarning, match="skipped 3 bad"):
        df = read(tmp_path, skip_bad=True)
    assert df["id"].tolist() == ["b", "a"]
    skipped = df.attrs["skipped"]
    assert [(s["line"], s["reason"][:20]) for s in skipped] == [
        (2, "not JSON (JSON is ma"),
        (3, "record without When"),
        (None, "truncated or corrupt"),
    ]
    assert skipped[2]["file"] == broken


def test_odd_shapes_read_with_exact_values(tmp_path: Path) -> None:
    records = [
        # another case, Metadata absent, ActionResult as text, values as plain strings
        {
            "id": "1",
            "when": 1762000000,
            "actiontype": "change_setting",
            "ACTIONRESULT": "false",
            "OldValue": "high",
            "NewValue": "low",
            "actorIP": "192.0.2.1",
        },
        # objects in OldValue/NewValue, Metadata an object, an extra unknown field
        {
            "ID": "2",
            "When": "1762000001",
            "OldValue": {"a": 1},
            "NewValue": [1, 2],
            "Metadata": {"zone_name": "example.com"},
            "ActionInfo": "extra",
            "ActionResult": True,
        },
        # a numeric id, fields missing, "null" as a value, nanoseconds
        {"ID": 3, "When": 1762000002123456789, "OldValue": "null", "NewValue": ""},
    ]
    put(tmp_path, gzip.compress(lines(*records)))
    with pytest.warns(RuntimeWarning, match="dropped: ActionInfo"):
        df = read(tmp_path, direction="asc")
    assert df["id"].tolist() == ["1", "2", "3"]
    assert df["when"].tolist() == [
        pd.Timestamp("2025-11-01 12:26:40", tz="UTC"),
        pd.Timestamp("2025-11-01 12:26:41", tz="UTC"),
        pd.Timestamp("2025-11-01 12:26:42.123456", tz="UTC"),
    ]
    assert df["action_type"].tolist()[0] == "change_setting"
    assert df["action_result"].tolist() == [False, True, pd.NA]
    assert df["actor_ip"].tolist()[0] == "192.0.2.1"
    assert df["old_value"].tolist() == ["high", pd.NA, pd.NA]
    assert df["new_value"].tolist() == ["low", pd.NA, pd.NA]
    assert df["old_value_json"].tolist() == [None, {"a": 1}, None]
    assert df["new_value_json"].tolist() == [None, [1, 2], None]
    assert df["metadata"].tolist() == [None, {"zone_name": "example.com"}, None]
    assert df["zone_name"].tolist() == [pd.NA, "example.com", pd.NA]
    assert df["action_info"].isna().all()
    assert df.attrs["unknown_fields"] == ["ActionInfo"]


def test_a_bom_stray_bytes_and_crlf_are_read(tmp_path: Path) -> None:
    text = b"\xef\xbb\xbf" + lines(GOOD).replace(b"\n", b"\r\n") + b'{"ID":"b\xff","When":1}\r\n'
    put(tmp_path, gzip.compress(text))
    df = read(tmp_path, direction="asc")
    assert df["id"].tolist() == ["b\ufffd", "a"]
    assert df["when"].tolist()[0] == pd.Timestamp("1970-01-01 00:00:01", tz="UTC")


def test_rfc3339_offsets_and_nanosecond_fractions(tmp_path: Path) -> None:
    put(
        tmp_path,
        gzip.compress(
            lines(
                {"ID": "a", "When": "2026-11-01T12:00:00+02:00"},
                {"ID": "b", "When": "2026-11-01T10:00:00.123456789Z"},
            )
        ),
    )
    df = read(tmp_path, direction="asc")
    assert df["when"].tolist() == [
        pd.Timestamp("2026-11-01 10:00:00", tz="UTC"),
        pd.Timestamp("2026-11-01 10:00:00.123456", tz="UTC"),
    ]


def test_the_wrong_dataset_says_which_field_is_missing(tmp_path: Path) -> None:
    put(tmp_path, gzip.compress(lines(GOOD)))
    with pytest.raises(LogpushFileError, match="record without AuditLogID"):
        read(tmp_path, dataset="audit_logs_v2")


def test_a_missing_folder_is_a_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no such folder"):
        read(tmp_path / "nope")


@pytest.mark.parametrize(
    ("kw", "param"),
    [
        ({"dataset": "audit"}, "dataset"),
        ({"direction": "up"}, "direction"),
        ({"margin": "soon"}, "margin"),
        ({"margin": "-1h"}, "margin"),
        ({"skip_bad": 1}, "skip_bad"),
        ({"workers": 0}, "workers"),
        ({"since": "2026-11-02", "before": "2026-11-01"}, "since"),
        ({"before": "never"}, "before"),
        ({"progress": "yes"}, "progress"),
        ({"storage_options": ["x"]}, "storage_options"),
        ({"sinse": "2026-11-01"}, "sinse"),
    ],
)
def test_bad_arguments_name_the_parameter(tmp_path: Path, kw: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        read_logpush(tmp_path, **kw)
    assert info.value.parameter == param


def test_bad_src_names_src() -> None:
    with pytest.raises(InvalidParameterError) as info:
        read_logpush(3)  # type: ignore[arg-type]
    assert info.value.parameter == "src"


def test_the_general_path_gives_the_rows_the_fast_path_gives(tmp_path: Path) -> None:
    from auditkit.sandbox import generate_records
    from auditkit.sandbox._logpush import logpush_record

    records = [logpush_record(r) for r in generate_records(anchor="2026-12-01")[:300]]
    fast, odd = tmp_path / "fast", tmp_path / "odd"
    fast.mkdir()
    odd.mkdir()
    put(fast, gzip.compress(lines(*records)))
    put(odd, gzip.compress(lines(*({k.lower(): v for k, v in r.items()} for r in records))))
    pd.testing.assert_frame_equal(read(odd), read(fast))
    assert read(fast)["new_value_json"].notna().sum() > 50


def test_with_many_files_the_error_is_still_the_first_bad_file(tmp_path: Path) -> None:
    good = gzip.compress(lines(GOOD))
    for minute in range(60):
        put(tmp_path, good, f"20261101T10{minute:02d}00Z_20261101T10{minute:02d}59Z_g.log.gz")
    first = put(tmp_path, b"\x1f\x8bbad", "20261101T100500Z_20261101T100501Z_b.log.gz")
    put(tmp_path, b"\x1f\x8bbad", "20261101T105900Z_20261101T105901Z_b.log.gz")
    for workers in (1, 2, 8):
        with pytest.raises(LogpushFileError) as info:
            read(tmp_path, workers=workers)
        assert info.value.path == first
