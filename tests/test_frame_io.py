"""One frame writer and reader: CSV, JSON lines and Parquet round-trip the typed frame."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import auditkit
from auditkit import sandbox
from auditkit.cli import main
from auditkit.cli import write_frame as cli_write_frame
from auditkit.errors import InvalidParameterError
from auditkit.frame import dtypes, empty_frame, read_frame, records_to_frame, write_frame

FORMATS = ["csv", "jsonl", "parquet"]
WHEN_TEXT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
SINCE, BEFORE = "2026-10-01", "2026-10-15"


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with sandbox.start(anchor="2026-11-01T00:00:00Z") as sb:
        yield sb


@pytest.fixture(scope="module")
def loaded(server: Any) -> pd.DataFrame:
    return auditkit.load_audit_logs(
        base_url=server.base_url, token=server.token, cache=False, progress=False
    )


@pytest.fixture(scope="module")
def real(real_records: list[dict[str, Any]]) -> pd.DataFrame:
    return records_to_frame(real_records)


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_equals_the_loaded_frame(loaded: pd.DataFrame, tmp_path: Path, fmt: str) -> None:
    assert len(loaded) > 100 and loaded["metadata"].notna().any()
    back = read_frame(write_frame(loaded, tmp_path / f"logs.{fmt}"))
    pd.testing.assert_frame_equal(back, loaded)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_of_the_real_records(real: pd.DataFrame, tmp_path: Path, fmt: str) -> None:
    back = read_frame(write_frame(real, tmp_path / f"real.{fmt}"))
    pd.testing.assert_frame_equal(back, real)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_of_the_empty_frame(tmp_path: Path, fmt: str) -> None:
    back = read_frame(write_frame(empty_frame(), tmp_path / f"empty.{fmt}"))
    pd.testing.assert_frame_equal(back, empty_frame())


def test_parquet_keeps_the_categories_of_a_filtered_frame(
    loaded: pd.DataFrame, tmp_path: Path
) -> None:
    part = loaded[loaded["action_type"] == "login"]
    back = read_frame(write_frame(part, tmp_path / "login.parquet"))
    pd.testing.assert_frame_equal(back, part.reset_index(drop=True))


def test_text_formats_rebuild_categories_as_the_loader_does(
    loaded: pd.DataFrame, tmp_path: Path
) -> None:
    part = loaded[loaded["action_type"] == "login"]
    for fmt in ("csv", "jsonl"):
        back = read_frame(write_frame(part, tmp_path / f"login.{fmt}"))
        assert back["action_type"].cat.categories.tolist() == ["login"]
        assert str(back["action_type"].cat.categories.dtype) == "string"
        assert back["actor_type"].cat.categories.tolist()[:4] == [
            "user",
            "admin",
            "Cloudflare",
            "system",
        ]
        assert back["id"].tolist() == part["id"].tolist()


# ------------------------------------------------------------------ the text of each format


def test_when_is_rfc3339_utc_with_microseconds_everywhere(tmp_path: Path) -> None:
    df = records_to_frame(
        [
            {"id": "a", "when": "2026-10-01T12:00:00Z"},
            {"id": "b", "when": "2026-10-01T12:00:00.5+02:00"},
            {"id": "c"},
        ]
    )
    csv_rows = pd.read_csv(write_frame(df, tmp_path / "x.csv"), dtype=str, keep_default_na=False)
    assert csv_rows["when"].tolist() == [
        "2026-10-01T12:00:00.000000Z",
        "2026-10-01T10:00:00.500000Z",
        "",
    ]
    jsonl = [json.loads(line) for line in _lines(write_frame(df, tmp_path / "x.jsonl"))]
    assert [r["when"] for r in jsonl] == [
        "2026-10-01T12:00:00.000000Z",
        "2026-10-01T10:00:00.500000Z",
        None,
    ]


def test_loaded_when_text_matches_the_format(loaded: pd.DataFrame, tmp_path: Path) -> None:
    text = pd.read_csv(write_frame(loaded, tmp_path / "x.csv"), dtype=str)["when"]
    assert text.map(lambda t: bool(WHEN_TEXT.match(t))).all()


def test_json_columns_are_json_text_in_csv_and_nested_in_jsonl(tmp_path: Path) -> None:
    df = records_to_frame(
        [{"id": "a", "metadata": {"zone_name": "example.com", "n": [1, 2]}, "newValueJson": []}]
    )
    row = pd.read_csv(write_frame(df, tmp_path / "x.csv"), dtype=str, keep_default_na=False)
    assert row.loc[0, "metadata"] == '{"zone_name":"example.com","n":[1,2]}'
    assert row.loc[0, "new_value_json"] == "[]"
    assert row.loc[0, "old_value_json"] == ""
    (line,) = _lines(write_frame(df, tmp_path / "x.jsonl"))
    assert '"metadata":{"zone_name":"example.com","n":[1,2]}' in line
    rec = json.loads(line)
    assert rec["metadata"] == {"zone_name": "example.com", "n": [1, 2]}
    assert rec["new_value_json"] == [] and rec["old_value_json"] is None
    assert rec["action_result"] is None and list(rec) == list(df.columns)


def test_csv_empty_text_reads_as_missing_jsonl_and_parquet_keep_it(tmp_path: Path) -> None:
    df = records_to_frame([{"id": "a", "actor": {"email": "x@example.com"}}, {"id": "b"}])
    df["actor_email"] = df["actor_email"].cat.add_categories([""])
    df.loc[0, "actor_email"] = ""
    csv_back = read_frame(write_frame(df, tmp_path / "x.csv"))
    assert csv_back["actor_email"].isna().all()
    for fmt in ("jsonl", "parquet"):
        back = read_frame(write_frame(df, tmp_path / f"x.{fmt}"))
        assert back.loc[0, "actor_email"] == "" and pd.isna(back.loc[1, "actor_email"])


def test_parquet_with_plain_pandas_gives_the_json_dtype(
    loaded: pd.DataFrame, tmp_path: Path
) -> None:
    back = pd.read_parquet(write_frame(loaded, tmp_path / "x.parquet"))
    assert {k: str(v) for k, v in back.dtypes.items()} == dtypes()
    assert str(back["metadata"].dtype) == "json"
    assert back["metadata"].tolist() == loaded["metadata"].tolist()
    assert back["old_value_json"].tolist() == loaded["old_value_json"].tolist()
    assert back["when"].equals(loaded["when"])


def test_reads_files_of_the_old_cli_writer(real: pd.DataFrame, tmp_path: Path) -> None:
    path = write_frame(real, tmp_path / "x.csv")
    # pandas' str() of the time, as the old CLI wrote it: 2021-11-30 20:19:48.000000+00:00
    old = re.sub(r"(\d{4}-\d\d-\d\d)T([\d:.]+)Z", r"\1 \2+00:00", path.read_text())
    assert old != path.read_text() and "20:19:48.000000+00:00" in old
    path.write_text(old)
    pd.testing.assert_frame_equal(read_frame(path), real)
    flat = real.copy()
    flat["metadata"] = flat["metadata"].astype("string")  # the old CLI's Parquet column
    flat.to_parquet(tmp_path / "old.parquet")
    pd.testing.assert_frame_equal(read_frame(tmp_path / "old.parquet"), real)


# ------------------------------------------------------------------ one writer


def test_cli_output_and_panel_csv_are_byte_identical(
    server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", server.token)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", server.base_url)
    cli_out = tmp_path / "cli.csv"
    argv = ["fetch", "--since", SINCE, "--before", BEFORE, "--no-cache", "--quiet"]
    assert main([*argv, "-o", str(cli_out)]) == 0
    df = auditkit.load_audit_logs(since=SINCE, before=BEFORE, cache=False, progress=False)
    panel = auditkit.FilterPanel(df, chart=False)
    panel_out = panel.to_csv(tmp_path / "panel.csv")
    assert len(_lines(cli_out)) == len(df) + 1
    assert panel_out.read_bytes() == cli_out.read_bytes()
    # and for a filtered view: the panel writes exactly its rows, as the CLI writer would
    panel.controls["result"].value = "failed"
    assert 0 < panel.count < len(df)
    cli_write_frame(df[panel.mask], tmp_path / "cli-failed.csv")
    filtered = panel.to_csv(tmp_path / "panel-failed.csv")
    assert filtered.read_bytes() == (tmp_path / "cli-failed.csv").read_bytes()
    assert WHEN_TEXT.match(pd.read_csv(filtered, dtype=str)["when"].iloc[0])


def test_panel_to_csv_writes_csv_whatever_the_suffix(real: pd.DataFrame, tmp_path: Path) -> None:
    out = auditkit.FilterPanel(real, chart=False).to_csv(tmp_path / "export.txt")
    assert out == (tmp_path / "export.txt").resolve()
    assert out.read_bytes() == write_frame(real, tmp_path / "same.csv").read_bytes()


# ------------------------------------------------------------------ file safety and errors


@pytest.mark.parametrize("fmt", FORMATS)
def test_files_are_owner_only(real: pd.DataFrame, tmp_path: Path, fmt: str) -> None:
    old = os.umask(0o022)
    try:
        out = write_frame(real, tmp_path / f"x.{fmt}")
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [f"x.{fmt}"]


def test_a_symlinked_target_is_replaced_not_followed(real: pd.DataFrame, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "x.csv"
    out.symlink_to(victim)
    write_frame(real, out)
    assert victim.read_text() == "precious"
    assert not out.is_symlink() and len(read_frame(out)) == len(real)


def test_a_failed_write_leaves_the_target_and_no_temp_file(
    real: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "x.parquet"
    out.write_bytes(b"before")

    def broken(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(OSError, match="No space"):
        write_frame(real, out)
    assert out.read_bytes() == b"before"
    assert [p.name for p in tmp_path.iterdir()] == ["x.parquet"]


@pytest.mark.parametrize("name", ["x.txt", "x.json", "x", "x.csv.gz"])
def test_a_bad_suffix_is_an_invalid_parameter(
    real: pd.DataFrame, tmp_path: Path, name: str
) -> None:
    with pytest.raises(InvalidParameterError) as info:
        write_frame(real, tmp_path / name)
    assert info.value.parameter == "path" and ".parquet" in str(info.value)
    with pytest.raises(InvalidParameterError) as info:
        read_frame(tmp_path / name)
    assert info.value.parameter == "path"
    assert list(tmp_path.iterdir()) == []


def test_other_bad_arguments(real: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError) as info:
        write_frame(real, tmp_path / "x.txt", format="xlsx")  # type: ignore[arg-type]
    assert info.value.parameter == "format"
    with pytest.raises(InvalidParameterError) as info:
        write_frame(real.to_dict(), tmp_path / "x.csv")
    assert info.value.parameter == "df"
    with pytest.raises(InvalidParameterError) as info:
        write_frame(real, "")
    assert info.value.parameter == "path"
    assert list(tmp_path.iterdir()) == []


def test_a_suffix_is_matched_case_insensitively(real: pd.DataFrame, tmp_path: Path) -> None:
    back = read_frame(write_frame(real, tmp_path / "X.PARQUET"))
    pd.testing.assert_frame_equal(back, real)


def test_csv_with_a_bad_boolean_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,action_result\na,yes\n")
    with pytest.raises(InvalidParameterError, match="action_result"):
        read_frame(path)


# ------------------------------------------------------------------ Parquet: one dataset


def test_parquet_dictionaries_have_32_bit_indices_and_files_read_as_one_dataset(
    loaded: pd.DataFrame, tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    few = loaded.iloc[:5].copy()
    few["actor_ip"] = few["actor_ip"].cat.remove_unused_categories()
    many = loaded.copy()
    extra = [f"2001:db8::{i:x}" for i in range(200)]
    many["actor_ip"] = many["actor_ip"].cat.add_categories(extra)
    # pandas' codes: as narrow as the categories allow, so two widths
    assert (few["actor_ip"].cat.codes.dtype, many["actor_ip"].cat.codes.dtype) == ("int8", "int16")
    (tmp_path / "d").mkdir()
    write_frame(few, tmp_path / "d" / "a.parquet")
    write_frame(many, tmp_path / "d" / "b.parquet")
    for name in ("a", "b"):
        schema = pq.read_schema(tmp_path / "d" / f"{name}.parquet")
        kinds = {f.name: f.type.index_type for f in schema if pa.types.is_dictionary(f.type)}
        assert set(kinds) >= {"actor_ip", "action_type", "metadata", "old_value_json"}
        assert {str(k) for k in kinds.values()} == {"int32"}
    table = ds.dataset(str(tmp_path / "d"), format="parquet").to_table()
    assert table.num_rows == len(few) + len(many)
    assert table.column("actor_ip").to_pylist()[:5] == few["actor_ip"].tolist()


def test_parquet_of_a_slice_stores_only_its_json_texts_and_keeps_its_categories(
    loaded: pd.DataFrame, tmp_path: Path
) -> None:
    import io

    import pyarrow.parquet as pq

    from auditkit.frame._parquet import write_parquet

    part = loaded.iloc[:20]
    assert len(part["metadata"].array.texts) > part["metadata"].astype("string").nunique()
    path = write_frame(part, tmp_path / "part.parquet")
    table = pq.read_table(path)
    stored = table.column("metadata").chunk(0).dictionary.to_pylist()
    assert sorted(stored) == sorted(set(part["metadata"].astype("string").dropna()))
    # the categories are written whole: the slice reads back exactly
    assert len(table.column("actor_ip").chunk(0).dictionary) == len(part["actor_ip"].cat.categories)
    pd.testing.assert_frame_equal(read_frame(path), part)
    # compact (the archive's files): only the values rows hold
    buf = io.BytesIO()
    write_parquet(part, buf, compact=True)
    small = pq.read_table(buf)
    assert set(small.column("actor_ip").chunk(0).dictionary.to_pylist()) == set(
        part["actor_ip"].dropna().astype(str)
    )
    assert buf.tell() < path.stat().st_size


def test_compact_parquet_keeps_each_category_columns_text_type(loaded: pd.DataFrame) -> None:
    """A category column with no value in a compact file still stores Arrow text (a
    dictionary typed ``null`` would make a dataset read of it and others lose values)."""
    import pyarrow as pa

    from auditkit.frame._parquet import _used_categories, parquet_table

    part = loaded[loaded["zone_name"].isna()].iloc[:5]
    some = loaded[loaded["zone_name"].notna()].iloc[:5]
    assert len(part) == 5 and len(some) == 5
    for rows in (part, some, loaded.iloc[:0]):
        table = parquet_table(rows, compact=True)
        kind = table.schema.field("zone_name").type
        assert kind == pa.dictionary(pa.int32(), pa.large_string()), kind
        got, want = (
            _used_categories(rows["zone_name"]),
            rows["zone_name"].cat.remove_unused_categories(),
        )
        pd.testing.assert_series_equal(got, want)
    assert table.num_rows == 0
