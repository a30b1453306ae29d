"""The 1M-row load's memory (issue 13): the loader lets go of what the frame no longer needs.

The frame is built from a chunk it owns, column by column, freeing each Arrow
column once converted (:func:`~auditkit.frame._chunk.frame_of_taken`); encoded
JSON columns are turned into frame columns chunk by chunk
(:func:`~auditkit.frame._dictionary.json_codes`); a run's pages are merged into
blocks as they come (``_paging._Batch``); duplicate ids are found a group of ids
at a time (``_paging._repeated``) and ordered rows are not sorted again
(``_paging._in_order``). Each gives exactly what the code before it gave,
checked here against that code, kept below as the reference.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import auditkit
import auditkit._paging as paging_module
from auditkit import sandbox
from auditkit._paging import _Batch, _finish, _in_order, _repeated, merged
from auditkit.frame import V1, V2
from auditkit.frame import _chunk as chunk_module
from auditkit.frame._chunk import Chunk, chunks_to_frame, extract_columns, frame_of_taken
from auditkit.frame._dictionary import json_codes
from auditkit.frame._json import JSONArray
from auditkit.frame._schema import with_account
from auditkit.store._windows import recent_tables


def _assert_same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Same columns, dtypes, categories (in order), values, order, and JSON texts."""
    pd.testing.assert_frame_equal(got, want)
    assert list(got.dtypes.astype(str)) == list(want.dtypes.astype(str))
    for name in got.columns:
        a, b = got[name], want[name]
        if isinstance(a.dtype, pd.CategoricalDtype):
            assert a.cat.categories.tolist() == b.cat.categories.tolist(), name
            assert a.cat.codes.tolist() == b.cat.codes.tolist(), name
        if isinstance(a.array, JSONArray):
            assert a.array.text_values() == b.array.text_values(), name
            assert a.array.texts.to_pylist() == b.array.texts.to_pylist(), name
            assert a.array._codes.dtype == b.array._codes.dtype, name


def _pages(records: list[dict[str, Any]], size: int, schema: Any = V1) -> list[Chunk]:
    """``records`` typed ``size`` at a time, each page dictionary-encoded on its own."""
    return [
        Chunk.from_columns(extract_columns(records[i : i + size], schema), schema).encoded(schema)
        for i in range(0, len(records), size)
    ]


def _frame_before(chunks: list[Chunk], schema: Any = V1) -> pd.DataFrame:
    """The frame as ``chunks_to_frame`` made it before this change (the reference)."""
    whole = Chunk.concat(chunks, schema)
    data: dict[str, Any] = {}
    for col in schema.columns:
        arr = whole.table.column(col.name)
        if col.kind in ("string", "category"):
            arr = chunk_module._clean_text(col, arr)
        if col.kind == "json":
            data[col.name] = pd.Series(JSONArray.from_arrow(arr))
        elif col.kind == "string":
            data[col.name] = pd.Series(
                pd.arrays.ArrowStringArray(arr), dtype=chunk_module.STRING_DTYPE
            )
        elif col.kind == "category":
            data[col.name] = chunk_module._categorical(col, arr)
        elif col.kind == "boolean":
            data[col.name] = pd.Series(
                pd.array(arr.to_numpy(zero_copy_only=False), dtype="boolean")
            )
        elif col.kind == "integer":
            data[col.name] = chunk_module._integers(arr)
        else:
            when = arr.to_pandas() if len(arr) else pd.Series([], dtype=object)
            data[col.name] = pd.Series(pd.DatetimeIndex(when, tz="UTC").as_unit("us"))
    return pd.DataFrame(data)


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return sandbox.generate_records(seed=3)[:2500]


@pytest.fixture(scope="module")
def v2_records() -> list[dict[str, Any]]:
    return sandbox.generate_v2_records(seed=3)[:1500]


# ---------------------------------------------------------------- the frame, column by column


@pytest.mark.parametrize("large", [False, True])
@pytest.mark.parametrize("size", [1, 7, 100, 5000])
def test_frame_of_taken_is_the_frame_of_before(
    records: list[dict[str, Any]], size: int, large: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if large:  # the path of a large load: JSON chunk by chunk, memory released per column
        monkeypatch.setattr(chunk_module, "RELEASE_ROWS", 1)
    pages = _pages(records, size)
    want = _frame_before(pages)
    held = [Chunk.concat(pages)]
    got = frame_of_taken(held)
    assert held == []
    _assert_same_frame(got, want)
    _assert_same_frame(chunks_to_frame(pages), want)


def test_frame_of_taken_v2_plain_and_sliced(v2_records: list[dict[str, Any]]) -> None:
    # v2 chunks reach the frame plain (not encoded); a slice and a take leave texts unused.
    plain = [Chunk.from_columns(extract_columns(v2_records[i : i + 300], V2), V2) for i in (0, 300)]
    encoded = [p.encoded(V2) for p in plain]
    sliced = [Chunk(encoded[0].table.slice(17, 200)), Chunk(encoded[1].table.take([5, 3, 5, 250]))]
    for chunks in (plain, encoded, sliced, [*plain, *encoded]):
        want = _frame_before(chunks, V2)
        _assert_same_frame(frame_of_taken([Chunk.concat(chunks, V2)], V2), want)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(chunk_module, "RELEASE_ROWS", 1)
            _assert_same_frame(frame_of_taken([Chunk.concat(chunks, V2)], V2), want)


def test_frame_of_taken_empty_and_with_account() -> None:
    _assert_same_frame(frame_of_taken([Chunk.empty(V2)], V2), _frame_before([], V2))
    schema = with_account(V1)
    table = Chunk.from_columns(extract_columns([{"id": "a"}, {"id": "b"}])).table
    chunk = Chunk(table.append_column("account_id", pa.array(["x", "y"])))
    got = frame_of_taken([chunk], schema)
    assert got.columns[-1] == "account_id"
    _assert_same_frame(got, _frame_before([chunk], schema))


def test_frame_of_taken_frees_each_column_once_converted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chunk's JSON text (one big dictionary per page) is freed before the last column is
    made; with the chunks still held elsewhere (``chunks_to_frame``), it is not."""
    texts = [f'{{"n":{i},"pad":"{"x" * 400}"}}' for i in range(500)]
    records = [
        {"id": f"id-{i}", "when": "2026-10-01T00:00:00Z", "newValueJson": {"n": i % 500}}
        for i in range(20 * 500)
    ]
    pages = []
    for p in range(20):  # 20 pages, each holding all 500 texts: 20 copies, ~4 MB each
        page = Chunk.from_columns(extract_columns(records[p * 500 : (p + 1) * 500])).encoded()
        column = pc.dictionary_encode(pa.array(texts, pa.large_string()))
        pages.append(Chunk(page.table.set_column(17, "new_value_json", [column])))
    page_bytes = sum(p.table.column("new_value_json").nbytes for p in pages)
    assert page_bytes > 4_000_000
    seen: list[tuple[str, int]] = []
    convert = chunk_module._frame_column

    def spy(col: Any, arr: Any) -> Any:
        seen.append((col.name, pa.total_allocated_bytes()))
        return convert(col, arr)

    monkeypatch.setattr(chunk_module, "_frame_column", spy)
    held = [Chunk.concat(pages)]
    del pages
    before = pa.total_allocated_bytes()
    frame = frame_of_taken(held)
    # The largest JSON column first (here new_value_json), then the others; JSON before the rest.
    assert [name for name, _ in seen[:3]] == ["new_value_json", "old_value_json", "metadata"]
    # By the last column, the pages' JSON dictionaries are gone; the frame keeps 500 texts.
    assert before - seen[-1][1] > page_bytes - 2 * frame["new_value_json"].array.texts.nbytes
    assert frame["new_value_json"].array.texts.to_pylist() == texts

    seen.clear()
    kept = [Chunk.from_columns(extract_columns(records[:500])).encoded() for _ in range(3)]
    start = pa.total_allocated_bytes()
    chunks_to_frame(kept)
    assert all(at >= start - 1000 for _, at in seen)  # the caller's chunks: nothing freed


# ---------------------------------------------------------------- JSON codes, chunk by chunk


def _random_json_column(rng: random.Random) -> pa.ChunkedArray:
    # Texts of every length from 1 byte on: equal texts must fall in the same group.
    pool = [f'{{"v":{i}}}' for i in range(12)] + ["1", "[]", "{}", '"a"', "[1]", "x" * 50, "é"]
    chunks = []
    for _ in range(rng.randint(1, 6)):
        n = rng.randint(0, 9)
        values = [rng.choice([*pool, None]) for _ in range(n)]
        arr = pc.dictionary_encode(pa.array(values, pa.large_string()))
        choice = rng.random()
        if choice < 0.2 and n > 2:
            arr = arr.slice(1, n - 2)  # entries no row holds
        elif choice < 0.35:  # a dictionary with a null entry, a repeated entry, unused ones
            dictionary = pa.array(['{"v":1}', None, '{"v":1}', '{"v":3}'], pa.large_string())
            indices = pa.array([rng.choice([0, 1, 2, None]) for _ in range(n)], pa.int32())
            arr = pa.DictionaryArray.from_arrays(indices, dictionary)
        elif choice < 0.45:  # a plain-string dictionary (another older chunk)
            arr = pc.dictionary_encode(pa.array(values, pa.string())).cast(
                pa.dictionary(pa.int32(), pa.large_string())
            )
        chunks.append(arr)
    return pa.chunked_array(chunks, pa.dictionary(pa.int32(), pa.large_string()))


def test_json_codes_equal_json_array_from_arrow() -> None:
    rng = random.Random(13)
    for _ in range(400):
        arr = _random_json_column(rng)
        codes, texts = json_codes(arr)
        values = texts.to_pylist()
        assert [values[c] if c >= 0 else None for c in codes] == arr.to_pylist()
        assert len(set(values)) == len(values) and None not in values
        assert np.bincount(codes[codes >= 0], minlength=len(texts)).all()  # no unused text
        try:
            want = JSONArray.from_arrow(arr)
        except pa.ArrowInvalid:  # "cannot yet unify dictionaries with nulls": only here
            continue
        assert values == want.texts.to_pylist()
        assert codes.tolist() == want._codes.tolist()


# ---------------------------------------------------------------- merged batches


def test_batch_merges_every_few_batches_into_one_block(records: list[dict[str, Any]]) -> None:
    pages = _pages(records, 60)  # 42 pages: 41 of 60 rows and one of 40
    batch = _Batch(lambda payloads: Chunk.concat(list(payloads)), V1)

    class _Page:  # what _Batch reads of a page
        def __init__(self, chunk: Chunk) -> None:
            self.payload = chunk

    for page in pages:
        batch.add(_Page(page))  # type: ignore[arg-type]
    got = batch.chunks()
    assert (_Batch.SIZE, _Batch.MERGE) == (8, 4)
    assert batch.merged and batch.pages == 42
    # One block of 4 batches of 8 pages, then the batches typed since (8 pages, then 2).
    assert [len(c) for c in got] == [32 * 60, 8 * 60, 60 + 40]
    assert got[0].table.column("new_value_json").num_chunks == 1
    assert batch.chunks() == []
    _assert_same_frame(chunks_to_frame(got), _frame_before(pages))


def test_merged_block_has_one_dictionary_per_column(records: list[dict[str, Any]]) -> None:
    pages = _pages(records[:900], 100)
    block = merged(pages, V1)
    assert {block.table.column(n).num_chunks for n in block.table.column_names} == {1}
    assert block.table.schema == pages[0].table.schema
    _assert_same_frame(chunks_to_frame([block]), _frame_before(pages))


# ---------------------------------------------------------------- dedupe and order


def _finish_before(chunk: Chunk, since: Any, upper: pd.Timestamp, direction: str) -> list[int]:
    """The rows ``_finish`` kept, in order, before this change (the reference)."""
    table = chunk.table
    when = table.column("when")
    micros = pc.fill_null(when.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
    missing = np.asarray(when.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    keep = missing | (micros < upper.value // 1000)
    if since is not None:
        keep &= missing | (micros >= since.value // 1000)
    ids = table.column("id")
    if len(ids) and pc.count_distinct(ids, mode="all").as_py() < len(ids):
        codes, _ = pd.factorize(pd.array(ids, dtype=pd.StringDtype("pyarrow")))
        present = codes >= 0
        if "account_id" in table.column_names:
            accounts, _ = pd.factorize(
                pd.array(table.column("account_id"), dtype=pd.StringDtype("pyarrow"))
            )
            codes = codes.astype(np.int64) * (int(accounts.max(initial=-1)) + 2) + accounts + 1
        first = np.zeros(len(codes), dtype=bool)
        _, first_rows = np.unique(codes[present], return_index=True)
        first[np.flatnonzero(present)[first_rows]] = True
        keep &= ~present | first
    rows = np.flatnonzero(keep)
    order = "ascending" if direction == "asc" else "descending"
    keys = pa.table({"when": when.take(rows), "id": ids.take(rows)})
    position = pc.sort_indices(keys, sort_keys=[("when", order, "at_end"), ("id", order, "at_end")])
    return rows[position.to_numpy()].tolist()


class _Query:
    def __init__(self, since: Any, direction: str) -> None:
        self.since, self.direction = since, direction


def _random_rows(rng: random.Random, accounts: bool) -> Chunk:
    n = rng.randint(0, 40)
    base = pd.Timestamp("2026-10-01T00:00:00Z")
    ids = [rng.choice([None, "", "a", "b", "c7", "d7", "ab", "é", f"x{i}"]) for i in range(n)]
    when = [
        None if rng.random() < 0.1 else base + pd.Timedelta(seconds=rng.randint(0, 5))
        for _ in range(n)
    ]
    if rng.random() < 0.3:  # mostly in order already, as loads come
        pairs = sorted(
            zip(when, ids, strict=True),
            key=lambda p: (p[0] is None, p[0] or base, p[1] is None, p[1] or ""),
            reverse=rng.random() < 0.5,
        )
        when, ids = [p[0] for p in pairs], [p[1] for p in pairs]
    table = pa.table(
        {"id": pa.array(ids, pa.string()), "when": pa.array(when, pa.timestamp("us", tz="UTC"))}
    )
    if accounts:
        table = table.append_column("account_id", pa.array([rng.choice("pq") for _ in range(n)]))
    if n > 3 and rng.random() < 0.5:  # several chunks, one of them a slice
        table = pa.concat_tables([table.slice(0, n // 2), table.slice(n // 2 + 1)])
    return Chunk(table)


@pytest.mark.parametrize("large", [False, True])
def test_finish_keeps_the_rows_of_before_in_the_same_order(
    large: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if large:  # ids hashed a group at a time, as in a large load
        monkeypatch.setattr(paging_module, "RELEASE_ROWS", 1)
    rng = random.Random(7)
    upper = pd.Timestamp("2026-10-01T00:00:04Z")
    for i in range(1500):
        chunk = _random_rows(rng, accounts=i % 3 == 0)
        since = rng.choice([None, pd.Timestamp("2026-10-01T00:00:01Z")])
        direction = rng.choice(["asc", "desc"])
        got = _finish(chunk, _Query(since, direction), upper)  # type: ignore[arg-type]
        want = _finish_before(chunk, since, upper, direction)
        position = pa.array(want, pa.int64())
        assert got.table.equals(chunk.table.take(position)), (i, want)
        if want == list(range(len(chunk))):
            assert got is chunk  # nothing dropped and in order: no copy


def test_repeated_and_in_order_on_their_own() -> None:
    table = pa.table({"id": ["b", None, "b", "a", None, "ab", "a"], "when": pa.array([3] * 7)})
    assert _repeated(table).tolist() == [False, False, True, False, False, False, True]
    assert _repeated(pa.table({"id": ["a", "b", None, None]})) is None
    micros = np.array([5, 5, 4, 0])
    missing = np.array([False, False, False, True])
    ids = pa.chunked_array([["b", "a", "z", None]])
    assert _in_order(micros, missing, ids, descending=True)
    assert not _in_order(micros, missing, ids, descending=False)
    assert not _in_order(micros[::-1].copy(), missing[::-1].copy(), ids, descending=True)


def test_a_scaled_load_is_the_frame_of_its_records() -> None:
    """A load of more pages than one merged block (4 x 8 pages) of 100 entries each: the
    frame is the one ``records_to_frame`` makes of the sandbox's records."""
    with sandbox.start(seed=5) as sb:
        df = auditkit.load_audit_logs(
            base_url=sb.base_url, token=sb.token, cache=False, progress=False, per_page=100
        )
        want = auditkit.frame.records_to_frame(
            sorted(sb.records, key=lambda r: (r["when"], r["id"]), reverse=True)
        )
    assert df.attrs["pages"] > _Batch.SIZE * _Batch.MERGE
    _assert_same_frame(df.reset_index(drop=True), want)


def test_days_cut_from_merged_blocks_are_stored_compact(tmp_path: Any) -> None:
    """A run of days paged in more than one merged block: each stored day holds only the
    dictionary values its rows hold, and the warm load gives the cold load's frame."""
    cache = tmp_path / "cache.sqlite"
    kwargs = {"since": "2026-10-01", "before": "2026-10-15", "per_page": 2, "progress": False}
    with sandbox.start() as sb:
        cold = auditkit.load_audit_logs(base_url=sb.base_url, token=sb.token, cache=cache, **kwargs)
        warm = auditkit.load_audit_logs(base_url=sb.base_url, token=sb.token, cache=cache, **kwargs)
    assert cold.attrs["pages"] > _Batch.SIZE * _Batch.MERGE and cold.attrs["windows"] > 1
    assert warm.attrs["cache_hit"] and warm.attrs["requests"] == 0
    pd.testing.assert_frame_equal(warm, cold)
    tables = recent_tables(cache, 100)
    assert len(tables) > 1
    for table in tables:
        for name in table.column_names:
            column = table.column(name)
            if pa.types.is_dictionary(column.type):
                held = set(column.cast(column.type.value_type).to_pylist()) - {None}
                stored = {v for c in column.chunks for v in c.dictionary.to_pylist()}
                assert stored == held, name  # no value no row of the day holds
