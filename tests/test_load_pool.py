"""A load's Arrow memory comes from the system allocator (``frame._memory.load_pool``).

mimalloc, pyarrow's default pool on Linux, keeps memory the loader's worker threads free
(measured: 250 MiB more than in use during a 300,000-entry load). During a load the default
pool is glibc's ``malloc``; it is restored after, a pool the user chose is left alone, and
nothing the load keeps is built in mimalloc behind the default pool's back (Arrow's
dictionary concatenation does that: ``_paging.merged`` and ``_paging._take`` unify first).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import auditkit
import auditkit._paging as paging_module
from auditkit import sandbox
from auditkit._paging import _split, _take, merged
from auditkit._windows import Window
from auditkit.frame import V1
from auditkit.frame import _memory as memory_module
from auditkit.frame._chunk import Chunk, extract_columns
from auditkit.frame._memory import load_pool

glibc_mimalloc = pytest.mark.skipif(
    not memory_module._glibc() or pa.default_memory_pool().backend_name != "mimalloc",
    reason="the switch is made only from pyarrow's mimalloc, on glibc",
)


@pytest.fixture()
def mimalloc_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[pa.MemoryPool]:
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    before = pa.default_memory_pool()
    yield before
    pa.set_memory_pool(before)
    assert memory_module._loads == 0


@glibc_mimalloc
def test_a_load_allocates_from_the_system_pool_and_restores_the_default(
    mimalloc_default: pa.MemoryPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    finish = paging_module._finish

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(pa.default_memory_pool().backend_name)
        return finish(*args, **kwargs)

    monkeypatch.setattr(auditkit._load, "_finish", spy)
    with sandbox.start(seed=2) as sb:
        df = auditkit.load_audit_logs(base_url=sb.base_url, token=sb.token, cache=False)
    assert len(df) == len(sb.records) and seen == ["system"]
    assert pa.default_memory_pool().backend_name == "mimalloc"


@glibc_mimalloc
def test_the_pool_is_restored_when_a_load_fails(mimalloc_default: pa.MemoryPool) -> None:
    with pytest.raises(auditkit.AuditKitError):
        auditkit.load_audit_logs(base_url="http://127.0.0.1:9", token="t" * 40, cache=False)
    assert pa.default_memory_pool().backend_name == "mimalloc"
    assert memory_module._loads == 0


@glibc_mimalloc
def test_loads_in_several_threads_share_one_switch(mimalloc_default: pa.MemoryPool) -> None:
    inside, leave = threading.Barrier(3), threading.Event()
    during: list[str] = []

    def one() -> None:
        with load_pool():
            inside.wait(5)
            leave.wait(5)
            during.append(pa.default_memory_pool().backend_name)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait(5)
    with load_pool():  # a third, nested in the main thread
        assert memory_module._loads == 3
    assert pa.default_memory_pool().backend_name == "system"
    leave.set()
    for t in threads:
        t.join(5)
    assert during == ["system", "system"]
    assert pa.default_memory_pool().backend_name == "mimalloc"


def test_a_pool_the_user_chose_is_left_alone(
    mimalloc_default: pa.MemoryPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        chosen = pa.jemalloc_memory_pool()  # a pool other than the default and the switch's
    except NotImplementedError:
        pytest.skip("this pyarrow has no jemalloc")
    pa.set_memory_pool(chosen)
    with load_pool():
        assert pa.default_memory_pool().backend_name == chosen.backend_name
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
    pa.set_memory_pool(mimalloc_default)
    with load_pool():
        assert pa.default_memory_pool().backend_name == mimalloc_default.backend_name


def _day(day: int) -> pd.Timestamp:
    return pd.Timestamp("2026-10-01", tz="UTC") + pd.Timedelta(days=day - 1)


def _pages(n: int) -> list[Chunk]:
    """``n`` pages of 200 rows, each dictionary-encoded on its own (JSON texts partly shared)."""
    pages = []
    for p in range(n):
        records = [
            {
                "id": f"{p}-{i}",
                "when": f"2026-10-{1 + (p * 200 + i) % 28:02d}T00:00:00Z",
                "newValueJson": {"n": (p * 150 + i) % 700, "pad": "x" * 40},
                "actor": {"ip": f"10.0.0.{i % 9}"},
            }
            for i in range(200)
        ]
        pages.append(Chunk.from_columns(extract_columns(records)).encoded())
    return pages


@glibc_mimalloc
def test_merge_and_take_build_nothing_in_mimalloc(mimalloc_default: pa.MemoryPool) -> None:
    mimalloc = pa.mimalloc_memory_pool()
    pages = _pages(6)
    whole = Chunk.concat(pages)
    rows = np.arange(len(whole) - 1, -1, -3)
    with load_pool():
        before = mimalloc.bytes_allocated()
        block = merged(pages, V1)
        taken = _take(whole.table, rows)
        days = [Window(start=_day(d), end=_day(d + 1), cacheable=True) for d in range(1, 29)]
        cut = _split(whole, days)
        assert mimalloc.bytes_allocated() - before == 0
    # The same rows as Arrow's own combine and take (which do build in mimalloc).
    assert block.table.equals(whole.table.combine_chunks())
    assert taken.equals(whole.table.take(pa.array(rows)))
    assert sum(len(c) for c in cut) == len(whole)
    assert block.table.column("new_value_json").num_chunks == 1


def test_release_unused_frees_nothing_in_use() -> None:
    arr = pa.array(np.arange(1_000_000))
    with load_pool():
        copy = pc.multiply(arr, 2)
        in_use = pa.total_allocated_bytes()
        memory_module.release_unused()
        assert pa.total_allocated_bytes() == in_use >= copy.nbytes
    assert copy[999_999].as_py() == 1_999_998 and pc.sum(copy).as_py() == 999_999_000_000
