"""Benchmark the Parquet archive: its three speed figures as ratios against baselines.

1. ``read``: ``read_archive`` of the whole archive vs ``pyarrow.dataset`` reading the
   same files into a table (goal: within 1.5x).
2. ``narrow``: bytes a query for one actor over one week reads, as a share of the
   archive's bytes (goal: under 5%), counted by a filesystem that counts every byte read.
3. ``sync``: ``sync_archive`` of a day's new entries vs ``load_audit_logs`` of the same
   range from the same sandbox (goal: under 1.2x).

Each pair is timed in the same process, interleaved, ``--repeat`` rounds after a warm-up;
ratios are the median of the per-round ratios.

Usage::

    python benchmarks/archive.py               # 1,000,000 rows (a few minutes)
    python benchmarks/archive.py --rows 100000 --repeat 3
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.dataset as ds
from fsspec.implementations.local import LocalFileSystem
from fsspec.registry import register_implementation

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import scaled_records

import auditkit
from auditkit import sandbox
from auditkit.archive import read_archive, sync_archive
from auditkit.archive._sync import DEFAULT_OVERLAP, recorded_filters, sync_frames
from auditkit.storage import open_location


class CountingFS(LocalFileSystem):
    """The local filesystem under another name, counting every byte read through it."""

    protocol = "countfile"
    read_bytes = 0

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
        handle = super()._open(path, mode, **kwargs)
        real = handle.read

        def read(*args: Any) -> bytes:
            data: bytes = real(*args)
            CountingFS.read_bytes += len(data)
            return data

        handle.read = read
        return handle


register_implementation("countfile", CountingFS, clobber=True)


def timed(fn: Any) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def rounds(a: Any, b: Any, repeat: int) -> tuple[float, float, float, list[str]]:
    """Median seconds of ``a``, of ``b``, the median per-round ratio a/b, and every round."""
    a(), b()
    ta, tb = [], []
    for i in range(repeat):
        pair = [(ta, a), (tb, b)] if i % 2 == 0 else [(tb, b), (ta, a)]
        for out, fn in pair:
            out.append(timed(fn))
    ratios = [x / y for x, y in zip(ta, tb, strict=True)]
    return (
        statistics.median(ta),
        statistics.median(tb),
        statistics.median(ratios),
        each(ta, tb, ratios),
    )


def each(ta: list[float], tb: list[float], ratios: list[float]) -> list[str]:
    """Every round as ``a/b=ratio`` (the medians hide how noisy a shared machine is)."""
    return [f"{x:.3f}/{y:.3f}={r:.2f}x" for x, y, r in zip(ta, tb, ratios, strict=True)]


def build(dest: Path, frame: pd.DataFrame, upper: pd.Timestamp) -> None:
    """An archive of ``frame`` written through the sync's own seam (the producer)."""
    frame.attrs["upper_bound"] = upper.isoformat()
    loc = open_location(dest, None, param="dest")
    sync_frames(
        loc, "v1", None, recorded_filters("v1", {}), lambda since, accounts: frame,
        single="user", since=None, overlap=DEFAULT_OVERLAP, wait=0, progress=False,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    anchor = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=2
    )
    tmp = Path(tempfile.mkdtemp(prefix="auditkit-archive-bench-"))
    try:
        t0 = time.perf_counter()
        records = scaled_records(args.rows, anchor)
        whole = auditkit.records_to_frame(records)
        day = whole["when"].max().floor("D")  # the last day holding entries: "today's"
        old = whole[whole["when"] < day].reset_index(drop=True)
        base = tmp / "base"
        build(base, old.copy(), day)
        files = sorted(base.rglob("*.parquet"))
        total = sum(p.stat().st_size for p in files)
        print(
            f"archive: {len(old):,} rows, {len(files)} files, {total / 1e6:.1f} MB "
            f"(built in {time.perf_counter() - t0:.0f} s)"
        )
        # 1. read the whole archive vs pyarrow.dataset into a table
        t_read, t_ds, ratio, every = rounds(
            lambda: read_archive(base),
            lambda: ds.dataset(str(base), format="parquet", partitioning="hive").to_table(),
            args.repeat,
        )
        print(f"read      read_archive {t_read:.2f} s, pyarrow.dataset {t_ds:.2f} s: "
              f"{ratio:.2f}x (goal < 1.5x)")  # fmt: skip
        print(f"          rounds: {', '.join(every)}")
        # 2. one actor over one week: bytes read / archive bytes
        actor = old["actor_email"].value_counts().index[0]
        week_end = day - pd.Timedelta(days=7)
        week_start = week_end - pd.Timedelta(days=7)
        CountingFS.read_bytes = 0
        narrow = read_archive(
            f"countfile://{base}", since=week_start, before=week_end, actor_email=actor
        )
        share = CountingFS.read_bytes / total
        print(f"narrow    {len(narrow):,} rows of {actor} in one week: read "
              f"{CountingFS.read_bytes / 1e6:.2f} MB of {total / 1e6:.1f} MB = {share:.2%} "
              f"(goal < 5%)")  # fmt: skip
        # 3. a day's new entries: sync vs load of the same range from the same sandbox
        new = [r for r in records if pd.Timestamp(r["when"]) >= day - DEFAULT_OVERLAP]
        with sandbox.start(records=new) as sb:
            kw = {"base_url": sb.base_url, "token": sb.token, "cache": False, "progress": False,
                  "before": pd.Timestamp(anchor)}  # fmt: skip
            state = {"n": 0}

            def one_sync() -> None:
                state["n"] += 1
                dest = tmp / f"sync-{state['n']}"
                shutil.copytree(base, dest)  # untimed: copied before the clock starts
                os.sync()  # the copy's dirty pages are not the sync's fsync to pay
                state["dest"] = dest

            def sync() -> None:
                sync_archive(state["dest"], **kw)

            def load() -> None:
                auditkit.load_audit_logs(since=day - DEFAULT_OVERLAP, **kw)

            t_sync, t_load, ratios = [], [], []
            for i in range(args.repeat + 1):
                one_sync()
                pair = [(t_sync, sync), (t_load, load)]
                for out, fn in pair if i % 2 == 0 else pair[::-1]:
                    out.append(timed(fn))
                shutil.rmtree(state["dest"])
            t_sync, t_load = t_sync[1:], t_load[1:]  # the first round warms up
            ratios = [a / b for a, b in zip(t_sync, t_load, strict=True)]
            print(f"sync      {len(new):,} entries: sync_archive {statistics.median(t_sync):.3f} s,"
                  f" load_audit_logs {statistics.median(t_load):.3f} s: "
                  f"{statistics.median(ratios):.2f}x (goal < 1.2x)")  # fmt: skip
            print(f"          rounds: {', '.join(each(t_sync, t_load, ratios))}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
