"""The archive under stress: syncs killed (SIGKILL) at each step, two syncs at once, and
object storage on the real S3-compatible server on loopback (no mock of fsspec)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import auditkit
from auditkit import sandbox
from auditkit.archive import read_archive, sync_archive
from auditkit.archive._layout import LOCK
from auditkit.errors import ArchiveBusyError
from tests.s3server import S3Server

ANCHOR = "2026-11-01T00:00:00Z"
ROOT = Path(__file__).resolve().parents[1]

# Run in a child process: a sync that SIGKILLs itself at the n-th call of one step.
CHILD = textwrap.dedent(
    """
    import json, os, signal, sys
    import auditkit.archive._files as files
    import auditkit.archive._lock as lock
    import auditkit.archive._sync as sync
    from auditkit.archive import sync_archive
    args = json.loads(sys.argv[1])
    step, nth = args.pop("kill_at", "none:0").split(":")
    if args.pop("steal", False):
        lock.STALE_AFTER = -1.0  # every lock looks stale: take it over
    calls = {"n": 0}

    def killing(original):
        def wrapper(*a, **k):
            calls["n"] += 1
            if calls["n"] == int(nth):
                if step == "write_parquet":  # half a file, then death
                    a[1].write(b"PAR1 half written")
                    a[1].flush()
                os.kill(os.getpid(), signal.SIGKILL)
            return original(*a, **k)
        return wrapper

    if step == "write_parquet":  # the archive's Parquet writer: pq.write_table(table, handle)
        sync.pq.write_table = killing(sync.pq.write_table)
    elif step != "none":
        setattr(files, step, killing(getattr(files, step)))
    sleep, dest = args.pop("sleep_in_load", 0), args["dest"]
    if sleep:
        import functools, time, auditkit.archive._public as public
        real = public.load_audit_logs
        @functools.wraps(real)
        def slow(**kw):
            out = real(**kw)
            open(dest + ".loaded", "w").close() if "://" not in dest else None
            time.sleep(sleep)
            return out
        public.load_audit_logs = slow
    try:
        result = sync_archive(args.pop("dest"), **args)
    except Exception as exc:
        print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
        sys.exit(3)
    print(json.dumps({"rows": result.rows, "files": result.files}))
    """
)


def child(**args: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def run_child(**args: Any) -> tuple[int, dict[str, Any]]:
    proc = child(**args)
    out, err = proc.communicate(timeout=120)
    last = out.strip().splitlines()[-1] if out.strip() else "{}"
    return proc.returncode, json.loads(last) if last.startswith("{") else {"stderr": err}


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    with sandbox.start(records=sandbox.generate_records(anchor=ANCHOR)[:1500]) as sb:
        yield sb


def opts(sb: Any) -> dict[str, Any]:
    return {"base_url": sb.base_url, "token": sb.token, "cache": False, "progress": False}


def duckdb_ids(glob: str) -> list[str]:
    import duckdb

    rel = duckdb.sql(f"select id from read_parquet('{glob}', hive_partitioning = true)")
    return [r[0] for r in rel.fetchall()]


@pytest.mark.parametrize(
    "kill_at",
    ["write_file:3", "write_parquet:2", "put_atomic:1", "rename:1", "rename:4"],
)
def test_a_killed_sync_leaves_a_readable_archive_the_next_sync_completes(
    server: Any, tmp_path: Path, kill_at: str
) -> None:
    dest = tmp_path / "crash"
    first = sync_archive(dest, before="2026-09-15", **opts(server))
    assert first.rows > 0
    code, _ = run_child(dest=str(dest), kill_at=kill_at, **opts(server))
    assert code == -signal.SIGKILL
    full = auditkit.load_audit_logs(**opts(server))
    # readable after the crash: committed rows only, each once
    after = read_archive(dest)
    assert after["id"].is_unique and set(after["id"]) <= set(full["id"])
    committed_now = kill_at.startswith("rename")  # killed after the manifest's commit
    assert len(after) == (len(full) if committed_now else first.rows)
    # no glob sees a staged or half-written file; it sees at most the committed rows
    seen = duckdb_ids(f"{dest}/**/*.parquet")
    assert len(seen) == len(set(seen)) and set(seen) <= set(after["id"])
    if not committed_now:
        assert sorted(seen) == sorted(after["id"])
    # the next sync completes it: every entry once, nothing staged left behind
    sync_archive(dest, **opts(server))
    done = read_archive(dest)
    pd.testing.assert_frame_equal(done, full)
    assert sorted(duckdb_ids(f"{dest}/**/*.parquet")) == sorted(full["id"])
    assert not [p for p in dest.rglob("*.tmp")]


def test_two_syncs_at_once_one_waits_or_fails_cleanly(server: Any, tmp_path: Path) -> None:
    dest = tmp_path / "two"
    slow = child(dest=str(dest), sleep_in_load=1.5, **opts(server))
    deadline = time.monotonic() + 60
    while not Path(str(dest) + ".loaded").exists():  # the first sync holds the lock
        assert time.monotonic() < deadline and slow.poll() is None
        time.sleep(0.05)
    code, out = run_child(dest=str(dest), **opts(server))
    assert (code, out["error"]) == (3, "ArchiveBusyError")
    assert "another sync holds the archive" in out["message"]
    waiting = child(dest=str(dest), wait=60, **opts(server))
    assert slow.wait(60) == 0
    out_w, _ = waiting.communicate(timeout=60)
    assert waiting.returncode == 0 and json.loads(out_w.splitlines()[-1])["rows"] == 0
    pd.testing.assert_frame_equal(read_archive(dest), auditkit.load_audit_logs(**opts(server)))


def test_a_lock_of_a_killed_sync_does_not_block_the_next(server: Any, tmp_path: Path) -> None:
    dest = tmp_path / "flock"
    proc = child(dest=str(dest), sleep_in_load=30, **opts(server))
    deadline = time.monotonic() + 60
    while not Path(str(dest) + ".loaded").exists():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert (dest / LOCK).exists()
    assert sync_archive(dest, **opts(server)).rows == 1500


# ------------------------------------------------------------------ object storage (S3)


def s3_objects(s3: S3Server, url: str) -> dict[str, bytes]:
    import fsspec

    fs = fsspec.filesystem("s3", **s3.storage_options)
    root = url.removeprefix("s3://").rstrip("/")
    return {p: fs.cat_file(p) for p in fs.find(root)}


def test_sync_and_read_on_s3(server: Any, s3_server: S3Server, s3_bucket: str) -> None:
    url = f"s3://{s3_bucket}/cloudflare/"
    so = s3_server.storage_options
    first = sync_archive(url, storage_options=so, **opts(server))
    assert first.rows == 1500
    assert sync_archive(url, storage_options=so, **opts(server)).rows == 0
    full = auditkit.load_audit_logs(**opts(server))
    pd.testing.assert_frame_equal(read_archive(url, storage_options=so), full)
    week = read_archive(url, storage_options=so, since="2026-10-20", before="2026-10-27")
    pd.testing.assert_frame_equal(
        week, auditkit.load_audit_logs(since="2026-10-20", before="2026-10-27", **opts(server))
    )
    objects = s3_objects(s3_server, url)
    names = [n.split("/cloudflare/", 1)[1] for n in objects]
    assert "_auditkit_archive.json" in names and LOCK not in names  # the lock is released
    assert all(n.startswith("api=v1/account=user/day=") for n in names if n.endswith(".parquet"))
    for body in objects.values():  # no credential anywhere in the bucket
        for secret in (b"testing-secret", b"testing-key", server.token.encode()):
            assert secret not in body


def test_s3_crash_between_commit_and_rename_is_finished(
    server: Any, s3_server: S3Server, s3_bucket: str
) -> None:
    url = f"s3://{s3_bucket}/a"
    so = s3_server.storage_options
    sync_archive(url, storage_options=so, before="2026-09-15", **opts(server))
    code, _ = run_child(dest=url, storage_options=so, kill_at="rename:2", **opts(server))
    assert code == -signal.SIGKILL
    full = auditkit.load_audit_logs(**opts(server))
    pd.testing.assert_frame_equal(read_archive(url, storage_options=so), full)  # reads .tmp
    sync_archive(url, storage_options=so, **opts(server))
    assert not [n for n in s3_objects(s3_server, url) if n.endswith(".tmp")]
    pd.testing.assert_frame_equal(read_archive(url, storage_options=so), full)


def _wait_for_lock_object(so: dict[str, Any], key: str, holder: Any) -> None:
    """Until the sync ``holder`` (a child process, still running) has put its lock object."""
    import fsspec

    fs = fsspec.filesystem("s3", **so)
    deadline = time.monotonic() + 60
    while not fs.exists(key):
        fs.invalidate_cache()
        assert time.monotonic() < deadline and holder.poll() is None
        time.sleep(0.1)


def test_s3_lock_object_makes_the_second_sync_fail(
    server: Any, s3_server: S3Server, s3_bucket: str
) -> None:
    url = f"s3://{s3_bucket}/busy"
    so = s3_server.storage_options
    slow = child(dest=url, storage_options=so, sleep_in_load=3, **opts(server))
    _wait_for_lock_object(so, f"{s3_bucket}/busy/{LOCK}", slow)
    code, out = run_child(dest=url, storage_options=so, **opts(server))
    assert (code, out["error"]) == (3, "ArchiveBusyError")
    assert slow.wait(60) == 0
    assert len(read_archive(url, storage_options=so)) == 1500


def test_s3_compare_before_commit_catches_a_stolen_lock(
    server: Any, s3_server: S3Server, s3_bucket: str
) -> None:
    url = f"s3://{s3_bucket}/steal"
    so = s3_server.storage_options
    slow = child(dest=url, storage_options=so, sleep_in_load=4, **opts(server))
    _wait_for_lock_object(so, f"{s3_bucket}/steal/{LOCK}", slow)
    code, out = run_child(dest=url, storage_options=so, steal=True, **opts(server))
    assert code == 0 and out["rows"] == 1500  # took the "stale" lock and committed
    out_slow, _ = slow.communicate(timeout=60)
    assert slow.returncode == 3
    assert json.loads(out_slow.splitlines()[-1])["error"] == "ArchiveBusyError"
    pd.testing.assert_frame_equal(
        read_archive(url, storage_options=so), auditkit.load_audit_logs(**opts(server))
    )
    assert not [n for n in s3_objects(s3_server, url) if n.endswith(".tmp")]


def test_busy_error_is_an_archive_error() -> None:
    assert issubclass(ArchiveBusyError, auditkit.AuditKitError)


def test_a_refused_s3_credential_is_a_storage_error_without_the_secret(
    server: Any, s3_server: S3Server, s3_bucket: str
) -> None:
    from auditkit.errors import StorageError

    so = {**s3_server.storage_options, "key": "no-such-key", "secret": "hunter2-secret"}
    url = f"s3://no-such-bucket-{s3_bucket}/x"
    with pytest.raises(StorageError) as caught:
        sync_archive(url, storage_options=so, **opts(server))
    assert "hunter2" not in str(caught.value) and "hunter2" not in repr(caught.value)
    assert url.rstrip("/") in str(caught.value) or "no-such-bucket" in str(caught.value)
