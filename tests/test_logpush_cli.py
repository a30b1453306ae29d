"""``auditkit logpush SRC -o FILE``: read_logpush from the command line, secrets refused."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from auditkit.cli import main
from auditkit.frame import read_frame
from auditkit.sandbox import generate_records, write_logpush
from auditkit.sources.logpush import read_logpush
from tests.s3server import S3Server

RECORDS = generate_records(anchor="2026-12-01")[:400]


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    src = tmp_path / "logpush"
    write_logpush(src, RECORDS, duplicates=3)
    (src / "ownership-challenge-x.txt").write_text("x")
    return src


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_logpush_writes_every_format(folder: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"logs{suffix}"
    argv = ["logpush", str(folder), "--since", "2026-11-29", "-o", str(out), "--quiet"]
    assert main(argv) == 0
    expected = read_logpush(folder, since="2026-11-29", progress=False)
    if suffix == ".jsonl":
        ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    else:
        ids = read_frame(out)["id"].tolist()
    assert ids == expected["id"].tolist() and len(ids) == 21
    if suffix == ".parquet":
        pd.testing.assert_frame_equal(read_frame(out), expected, check_categorical=False)


def test_logpush_prints_what_it_read(folder: Path, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "x.csv"
    since = "2026-11-29T12:00:00Z"
    assert main(["logpush", str(folder), "-o", str(out), "--since", since, "--margin", "1h"]) == 0
    text = capsys.readouterr().out
    df = read_logpush(folder, since=since, margin="1h", progress=False)
    a = df.attrs
    assert a["files_pruned"] > 10 and a["duplicates"] == 3
    assert text == (
        f"wrote {len(df)} entries to {out} (read {a['files']} files, "
        f"{a['bytes_read'] / 1e6:.1f} MB; {a['files_pruned']} pruned by time; "
        "1 not .log.gz ignored; 3 duplicates dropped)\n"
    )


def test_a_bad_file_is_exit_1_naming_file_and_line(tmp_path: Path, capsys: Any) -> None:
    day = tmp_path / "src" / "20261101"
    day.mkdir(parents=True)
    (day / "f.log.gz").write_bytes(gzip.compress(b'{"ID":"a","When":1}\n{"ID":"b"}\n'))
    assert main(["logpush", str(tmp_path / "src"), "-o", str(tmp_path / "o.csv")]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"auditkit logpush: LogpushFileError: {day}/f.log.gz: line 2: record without When\n"
    )
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["-o", "x.txt"], "--output: must end in one of"),
        (["-o", "x.csv", "--since", "garbage"], "since: "),
        (["-o", "x.csv", "--workers", "many"], "--workers: must be an integer"),
        (["-o", "x.csv", "--storage-option", "secret=hunter2"], "secret looks like a credential"),
        (["-o", "x.csv", "--storage-option", "client_kwargs.aws_access_key_id=AKIA"], "credential"),
        (["-o", "x.csv", "--storage-option", "nothing"], "takes KEY=VALUE"),
        (["-o", "x.csv", "--margin", "soon"], "margin: must be a duration"),
    ],
)
def test_bad_options_exit_2_without_echoing_values(
    folder: Path, tmp_path: Path, argv: list[str], needle: str, capsys: Any
) -> None:
    argv = [a if a not in ("x.txt", "x.csv") else str(tmp_path / a) for a in argv]
    assert main(["logpush", str(folder), *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert "hunter2" not in err and "AKIA" not in err


def test_margin_none_reads_every_file(folder: Path, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "all.csv"
    argv = ["logpush", str(folder), "--since", "2026-11-29", "--margin", "none", "-o", str(out)]
    assert main(argv) == 0
    assert "pruned" not in capsys.readouterr().out


def test_logpush_from_s3_with_credentials_from_the_environment(
    s3_server: S3Server, s3_bucket: str, tmp_path: Path, capsys: Any
) -> None:
    url = f"s3://{s3_bucket}/audit/"
    write_logpush(url, RECORDS, storage_options=s3_server.storage_options)
    out = tmp_path / "s3.parquet"
    argv = [
        "logpush",
        url,
        "-o",
        str(out),
        "--storage-option",
        f"endpoint_url={s3_server.endpoint_url}",
        "--quiet",
    ]
    assert main(argv) == 0
    assert len(read_frame(out)) == len(RECORDS)
    assert capsys.readouterr().err == ""
