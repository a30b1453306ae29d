"""The cache file is data, never code; links, locks, read-only disks and full disks are survived.

Every scenario is real: real SQLite files, a real second process holding the write
lock, real symbolic links, and (where this machine lets the test mount one) a real
tmpfs remounted read-only or filled up. Nothing about caching or storage is mocked.
"""

from __future__ import annotations

import json
import os
import pathlib
import pickle
import sqlite3
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import auditkit
from auditkit import (
    AuditKitError,
    CacheError,
    InvalidParameterError,
    OfflineCacheMissError,
    RetryPolicy,
    load_audit_logs,
)
from auditkit.cli import main
from auditkit.sources.v1 import SOURCE
from auditkit.store import LOCK_WAIT, open_session
from tests.stubserver import Reply, StubServer

FAST = RetryPolicy(backoff=0.01, max_backoff=0.02, timeout=10)
RANGE = {"since": "2026-08-01", "before": "2026-10-01"}  # two closed months
SMALL = {"since": "2026-09-01", "before": "2026-09-03"}


def load(server: Any, **kwargs: Any) -> pd.DataFrame:
    kwargs.setdefault("cache", False)
    kwargs.setdefault("progress", False)
    kwargs.setdefault("retry", FAST)
    kwargs.setdefault("token", server.token)
    return load_audit_logs(base_url=server.base_url, **kwargs)


def _runtime_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


@pytest.fixture(scope="module")
def truth(sb: Any) -> pd.DataFrame:
    return load(sb, per_page=100, **RANGE)


# ------------------------------------------------------------------ tmpfs


def _mount(*args: str) -> bool:
    try:
        done = subprocess.run(["mount", *args], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@pytest.fixture()
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """``mount(size)``: a fresh tmpfs of that size; ``remount_ro(path)`` makes it read-only.

    Read-only for root too (file modes do not stop root; a read-only mount does).
    Skipped where the test may not mount (not root, no CAP_SYS_ADMIN).
    """
    mounted: list[Path] = []

    def mount(size: str = "16m") -> Path:
        where = tmp_path / f"fs-{len(mounted)}"
        where.mkdir()
        if not _mount("-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)):
            pytest.skip("cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN)")
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=20)


def _remount_ro(where: Path) -> None:
    assert _mount("-o", "remount,ro", str(where)), "could not remount read-only"
    with pytest.raises(OSError):
        (where / "probe").touch()


# ------------------------------------------------------------------ 1. no pickle


class _Planted:
    """Unpickling this creates ``marker``: proof that code from the cache file ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def _plant_pickles(sb: Any, cache: Path, marker: Path, *, format_row: bool) -> None:
    """A real cache of SMALL, with every stored value replaced by a code-running pickle.

    ``format_row`` also claims the current format (an attacker can write that row
    too), so the pickles cannot be told apart by the marker row alone.
    """
    load(sb, cache=cache, **SMALL)
    evil = pickle.dumps(_Planted(marker))
    with sqlite3.connect(cache) as con:
        assert con.execute("SELECT count(*) FROM responses").fetchone()[0] > 0
        con.execute("UPDATE responses SET value = ?", (evil,))
        con.execute("INSERT OR REPLACE INTO redirects VALUES ('r', ?, NULL)", (evil,))
        con.execute("DELETE FROM auditkit_windows")  # so a load reads the pages
        con.execute("INSERT INTO auditkit_windows VALUES ('w', 1, 0, ?, ?)", (evil, evil))
        con.execute("DROP TABLE IF EXISTS auditkit_meta")
        if format_row:
            con.execute("CREATE TABLE auditkit_meta (name TEXT PRIMARY KEY, value TEXT)")
            con.execute("INSERT INTO auditkit_meta VALUES ('format', 'json-1')")
    assert not marker.exists()


_ENTRIES = ["cache_info", "clear_cache", "cli_info", "cli_clear", "load", "load_offline"]


@pytest.mark.parametrize(
    ("entry", "format_row"),
    [
        *((e, False) for e in _ENTRIES),
        # clearing never decodes a value, so a file claiming the format has nothing to add there
        *((e, True) for e in _ENTRIES if "clear" not in e),
    ],
    ids=lambda v: {False: "old-file", True: "claims-new-format"}.get(v, v),
)
def test_a_crafted_pickle_in_the_cache_never_runs(
    sb: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    entry: str,
    format_row: bool,
) -> None:
    cache = tmp_path / "c.sqlite"
    marker = tmp_path / "PWNED"
    _plant_pickles(sb, cache, marker, format_row=format_row)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if entry == "cache_info":
            assert len(auditkit.cache_info(cache)) == 0  # nothing decodes as a page
        elif entry == "clear_cache":
            auditkit.clear_cache(cache)
        elif entry in ("cli_info", "cli_clear"):
            assert main(["cache", entry[4:], "--cache", str(cache)]) == 0
        elif entry == "load":
            df = load(sb, cache=cache, **SMALL)
            pd.testing.assert_frame_equal(df, load(sb, **SMALL))
            assert df.attrs["pages_from_cache"] == 0
        else:
            with pytest.raises(OfflineCacheMissError):
                load(sb, cache=cache, offline=True, **SMALL)
    assert not marker.exists(), "code from the cache file ran"
    if not format_row and entry in ("clear_cache", "cli_clear", "load", "load_offline"):
        assert any("pickle" in m for m in _runtime_warnings(caught))  # cleared, and said so
    capsys.readouterr()


def test_pages_are_stored_as_json_byte_for_byte(tmp_path: Path) -> None:
    """Bodies survive exactly (odd spacing, escapes, number forms, 3 MB), as JSON rows."""
    filler = "x" * 3_000_000
    body = (
        b'{"success": true,  "errors":[], "messages":[], "result": [],'
        b' "n": 1.0e5, "e": "\\u00e9\xc3\xa9", "big": "' + filler.encode() + b'"}'
    )
    with StubServer(lambda req: Reply(body=body)) as stub:
        cache = tmp_path / "c.sqlite"
        session = open_session(cache, "fp", decode=SOURCE.decode)
        url = f"{stub.base_url}/user/audit_logs"
        first = session.get(url, expire_after=-1, timeout=10)
        again = session.get(url, expire_after=-1, timeout=10)
        session.close()
    assert not first.from_cache and again.from_cache
    assert again.content == body
    with sqlite3.connect(cache) as con:
        (value,) = con.execute("SELECT value FROM responses").fetchone()
        assert con.execute("SELECT value FROM auditkit_meta").fetchone() == ("json-1",)
    stored = json.loads(bytes(value))  # JSON, not a pickle
    assert stored["url"].startswith(url)


# ------------------------------------------------------------------ 2. links


def _other_app_db(path: Path) -> bytes:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE prefs (name TEXT, value TEXT)")
        con.execute("INSERT INTO prefs VALUES ('theme', 'dark')")
    con.close()
    path.chmod(0o644)
    return path.read_bytes()


def test_a_symlinked_cache_path_is_refused_and_its_target_untouched(
    sb: Any, tmp_path: Path
) -> None:
    other = tmp_path / "other-app.sqlite"
    before = _other_app_db(other)
    link = tmp_path / "c.sqlite"
    link.symlink_to(other)
    for call in (
        lambda: load(sb, cache=link, **SMALL),
        lambda: auditkit.cache_info(link),
        lambda: auditkit.clear_cache(link),
    ):
        with pytest.raises(InvalidParameterError) as info:
            call()
        assert info.value.parameter == "cache" and "symbolic link" in str(info.value)
    assert other.read_bytes() == before
    assert other.stat().st_mode & 0o777 == 0o644
    assert not list(tmp_path.glob("other-app.sqlite-*"))


def test_a_symlinked_wal_file_is_refused(sb: Any, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    load(sb, cache=cache, **SMALL)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    Path(f"{cache}-wal").symlink_to(victim)
    with pytest.raises(InvalidParameterError, match="symbolic link"):
        load(sb, cache=cache, since="2026-07-01", before="2026-07-03")
    assert victim.read_text() == "precious"


def test_another_applications_database_is_not_taken_over(sb: Any, tmp_path: Path) -> None:
    other = tmp_path / "other-app.sqlite"
    before = _other_app_db(other)
    with pytest.raises(InvalidParameterError, match="another application"):
        load(sb, cache=other, **SMALL)
    assert other.read_bytes() == before
    assert other.stat().st_mode & 0o777 == 0o644


@pytest.fixture()
def env(sb: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", sb.token)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", sb.base_url)
    return sb


def test_cli_does_not_write_through_a_planted_temp_file_link(env: Any, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out.csv"
    (tmp_path / ".out.csv.part").symlink_to(victim)
    argv = ["fetch", *("--since", SMALL["since"], "--before", SMALL["before"])]
    assert main([*argv, "--no-cache", "--quiet", "-o", str(out)]) == 0
    assert victim.read_text() == "precious"
    assert not out.is_symlink() and pd.read_csv(out)["id"].is_unique
    assert not [p for p in tmp_path.glob(".out.csv.*") if not p.is_symlink()]


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_cli_output_files_are_owner_only(env: Any, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"out{suffix}"
    argv = ["fetch", *("--since", SMALL["since"], "--before", SMALL["before"])]
    old = os.umask(0o022)
    try:
        assert main([*argv, "--no-cache", "--quiet", "-o", str(out)]) == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o600


def _one_line_error(capsys: Any) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err


def test_cli_disk_full_is_one_line_and_exit_1(
    env: Any, tmpfs: Callable[[str], Path], capsys: Any
) -> None:
    small = tmpfs("64k")
    out = small / "out.csv"
    argv = ["fetch", *("--since", RANGE["since"], "--before", RANGE["before"])]
    assert main([*argv, "--no-cache", "--quiet", "-o", str(out)]) == 1
    assert "No space left" in _one_line_error(capsys)
    assert list(small.iterdir()) == []  # no output, no temporary file left


def test_cli_unwritable_output_is_one_line_and_exit_1(
    env: Any, tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "taken.csv"
    out.mkdir()  # a folder where the file should go
    argv = ["fetch", *("--since", SMALL["since"], "--before", SMALL["before"])]
    assert main([*argv, "--no-cache", "--quiet", "-o", str(out)]) == 1
    _one_line_error(capsys)
    assert [p.name for p in tmp_path.iterdir()] == ["taken.csv"]


# ------------------------------------------------------------------ 3. lock held elsewhere


_HOLDER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(300)
"""


def test_a_lock_held_by_another_process_bounds_the_wait_and_skips_writing(
    sb: Any, truth: pd.DataFrame, tmp_path: Path
) -> None:
    cache = tmp_path / "c.sqlite"
    load(sb, cache=cache, since="2026-07-01", before="2026-07-02")  # an existing cache file
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(cache)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        result: list[Any] = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start = time.monotonic()
            worker = threading.Thread(
                target=lambda: result.append(load(sb, per_page=100, cache=cache, **RANGE)),
                daemon=True,
            )
            worker.start()
            worker.join(timeout=LOCK_WAIT + 30)
            elapsed = time.monotonic() - start
        assert result, f"the load was still waiting for the lock after {elapsed:.0f} s"
    finally:
        holder.kill()
        holder.wait(timeout=10)
    pd.testing.assert_frame_equal(result[0], truth)
    messages = _runtime_warnings(caught)
    assert len(messages) == 1 and "locked by another process" in messages[0], messages
    assert "not be cached" in messages[0]
    assert LOCK_WAIT <= elapsed < LOCK_WAIT + 30
    # nothing was written meanwhile; with the lock gone the next load caches as usual
    assert load(sb, per_page=100, cache=cache, **RANGE).attrs["pages_from_cache"] == 0
    assert load(sb, per_page=100, cache=cache, **RANGE).attrs["requests"] == 0


# ------------------------------------------------------------------ 4. read-only disk


@pytest.fixture()
def ro_cache(sb: Any, tmpfs: Callable[[str], Path]) -> Path:
    """A good cache of RANGE on a file system that is then remounted read-only."""
    where = tmpfs("16m")
    cache = where / "c.sqlite"
    load(sb, per_page=100, cache=cache, **RANGE)
    _remount_ro(where)
    return cache


def test_read_only_cache_serves_offline_loads(sb: Any, truth: pd.DataFrame, ro_cache: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = load(sb, per_page=100, cache=ro_cache, offline=True, **RANGE)
    pd.testing.assert_frame_equal(df, truth)
    assert df.attrs["requests"] == 0
    assert not any("moved" in m for m in _runtime_warnings(caught))


def test_read_only_cache_online_load_reads_it_writes_nothing_warns_once(
    sb: Any, ro_cache: Path
) -> None:
    wider = {"since": "2026-07-01", "before": RANGE["before"]}  # July is not cached
    before = ro_cache.read_bytes()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = load(sb, per_page=100, cache=ro_cache, **wider)
    pd.testing.assert_frame_equal(df, load(sb, per_page=100, **wider))
    assert 0 < df.attrs["pages_from_cache"] < df.attrs["pages"]
    messages = _runtime_warnings(caught)
    assert len(messages) == 1 and "read-only" in messages[0], messages
    assert ro_cache.read_bytes() == before
    assert len(auditkit.cache_info(ro_cache)) > 0  # info reads it too


def test_read_only_cache_cannot_be_cleared_one_clear_error(ro_cache: Path, capsys: Any) -> None:
    with pytest.raises(CacheError, match="read-only"):
        auditkit.clear_cache(ro_cache)
    assert main(["cache", "clear", "--cache", str(ro_cache)]) == 1
    assert "CacheError" in _one_line_error(capsys)


def test_damaged_cache_that_cannot_be_moved_says_so_and_loads_uncached(
    sb: Any, tmpfs: Callable[[str], Path]
) -> None:
    where = tmpfs("1m")
    cache = where / "c.sqlite"
    cache.write_bytes(b"this is not a database" * 100)
    _remount_ro(where)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = load(sb, cache=cache, **SMALL)
    pd.testing.assert_frame_equal(df, load(sb, **SMALL))
    messages = _runtime_warnings(caught)
    assert len(messages) == 1 and "could not be moved" in messages[0], messages
    assert "moved it to" not in messages[0]
    assert [p.name for p in where.iterdir()] == ["c.sqlite"]
    with pytest.raises(CacheError), pytest.warns(RuntimeWarning, match="could not be moved"):
        load(sb, cache=cache, offline=True, **SMALL)  # offline has nothing to go on: an error


# ------------------------------------------------------------------ 5. errors are AuditKitErrors


def test_cache_info_on_a_damaged_file_is_a_cache_error_and_moves_nothing(
    tmp_path: Path, capsys: Any
) -> None:
    cache = tmp_path / "c.sqlite"
    cache.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CacheError):
        auditkit.cache_info(cache)
    assert main(["cache", "info", "--cache", str(cache)]) == 1
    assert "CacheError" in _one_line_error(capsys)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("c.")] == ["c.sqlite"]


def test_an_uncreatable_cache_degrades_to_an_uncached_load(sb: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    cache = blocker / "c.sqlite"  # its folder cannot be made: a file is in the way
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = load(sb, cache=cache, **SMALL)
    assert len(df) > 0 and len(_runtime_warnings(caught)) == 1
    with pytest.raises(AuditKitError):
        load(sb, cache=cache, offline=True, **SMALL)
