"""``auditkit archive sync DEST [load options]`` and ``auditkit archive info DEST``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from auditkit import sandbox
from auditkit.archive import info, read_archive
from auditkit.cli import main
from auditkit.sandbox import write_logpush
from auditkit.sources.logpush import read_logpush


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with sandbox.start(anchor="2026-12-01") as server:
        yield server


@pytest.fixture()
def env(sb: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", sb.token)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", sb.base_url)
    return sb


def test_sync_prints_what_it_added_then_nothing(env: Any, tmp_path: Path, capsys: Any) -> None:
    dest = tmp_path / "archive"
    assert main(["archive", "sync", str(dest), "--since", "2026-11-01", "--no-cache"]) == 0
    first = capsys.readouterr().out.splitlines()
    rows = len(read_archive(dest))
    days = info(dest).days
    assert first[0] == (
        f"auditkit: {dest}: archived {rows:,} new entries on {days} days "
        f"({days} files, {sum(p.stat().st_size for p in dest.rglob('*.parquet')):,} bytes)"
    )
    assert first[1] == f"  v1/user: {rows:,}"
    assert main(["archive", "sync", str(dest), "--no-cache"]) == 0
    again = capsys.readouterr().out.splitlines()
    assert again[0].endswith("archived 0 new entries on 0 days (0 files, 0 bytes)")


def test_sync_v2_every_account_then_info(env: Any, tmp_path: Path, capsys: Any) -> None:
    dest = tmp_path / "archive"
    argv = ["archive", "sync", str(dest), "--api", "v2", "--account-id", "*", "--quiet"]
    assert main([*argv, "--since", "2026-11-20", "--no-cache"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["archive", "info", str(dest)]) == 0
    lines = capsys.readouterr().out.splitlines()
    found = info(dest)
    assert lines[0].startswith(f"{dest}: {found.rows:,} entries on {found.days} days in ")
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        f"{s.api}/{s.account}" for s in found.streams
    ]
    assert main(["archive", "info", str(dest), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == found.as_dict()


def test_sync_from_logpush_files(env: Any, tmp_path: Path, capsys: Any) -> None:
    folder = tmp_path / "logpush"
    write_logpush(folder, env.records)
    dest = tmp_path / "archive"
    argv = ["archive", "sync", str(dest), "--source", str(folder), "--account-id", env.account_id]
    assert main([*argv, "--since", "2026-11-01", "--quiet"]) == 0
    expected = read_logpush(folder, since="2026-11-01", progress=False)
    pd.testing.assert_frame_equal(read_archive(dest, since="2026-11-01"), expected)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--id", "x"], "auditkit archive sync: error: --id: a sync keeps every entry"),
        (["--wait", "soon"], "auditkit archive sync: error: --wait: must be seconds"),
        (["--overlap", "soon"], "auditkit archive sync: error: --overlap: must be a duration"),
        (["--source", "."], "auditkit archive sync: error: --account-id: with source="),
        (
            ["--storage-option", "secret=hunter2"],
            "--storage-option: secret looks like a credential",
        ),
        (["--source-option", "key=AKIA"], "--source-option: key looks like a credential"),
        (["--source-option", "anon=true"], "--source-option: is for a Logpush source"),
        (["--dataset", "audit_logs_v2"], "--dataset: is for a Logpush source"),
        (["--margin", "none"], "--margin: is for a Logpush source"),
    ],
)
def test_bad_sync_options_are_named_as_typed(
    env: Any, tmp_path: Path, capsys: Any, argv: list[str], message: str
) -> None:
    assert main(["archive", "sync", str(tmp_path / "a"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "hunter2" not in err and "AKIA" not in err
    assert not (tmp_path / "a").exists()


def test_a_filter_other_than_the_streams_is_refused_by_option_name(
    env: Any, tmp_path: Path, capsys: Any
) -> None:
    dest = tmp_path / "archive"
    assert main(["archive", "sync", str(dest), "--since", "2026-11-25", "--quiet"]) == 0
    assert main(["archive", "sync", str(dest), "--zone-name", "example.com"]) == 2
    assert capsys.readouterr().err.startswith("auditkit archive sync: error: --zone-name: ")


def test_info_of_a_folder_that_is_no_archive(tmp_path: Path, capsys: Any) -> None:
    assert main(["archive", "info", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith("auditkit archive info: ArchiveError: ")


def test_a_filter_with_a_logpush_source_is_refused_not_ignored(tmp_path: Path, capsys: Any) -> None:
    argv = ["archive", "sync", str(tmp_path / "a"), "--source", str(tmp_path), "--account-id"]
    assert main([*argv, "abc", "--zone-name", "example.com"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("auditkit archive sync: error: --zone-name: is not taken with source=")
    assert not (tmp_path / "a").exists()
