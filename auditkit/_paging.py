"""Page a load's windows in threads into typed chunks; clip, deduplicate and sort them.

Worker threads fetch pages (and type what pyarrow can type outside the GIL);
this thread types the rest a few pages at a time and finishes each run of
windows when its last page is in. The first failure stops every thread.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._progress import Progress
from ._windows import Window
from .frame._chunk import Chunk
from .frame._dictionary import present, same_text_groups, take_in_order
from .frame._memory import RELEASE_BYTES, RELEASE_ROWS, release_unused
from .frame._schema import Schema
from .http import ApiClient, Envelope, Page
from .sources import Query, Source
from .store import WindowStore


class _Stopped(Exception):
    """Internal: another window failed; stop paging this one."""


def _fetch_windows(
    source: Source[Any],
    client: ApiClient,
    query: Query,
    windows: list[Window],
    workers: int,
    bar: Progress,
    store: WindowStore | None,
    key_of: Callable[[Window], str | None],
) -> list[Chunk]:
    """Page every window, ``workers`` at a time; the first failure stops them all.

    A closed window already in the window store is read from there. Pages
    fetched before a failure or an interrupt stay in the HTTP cache, so the
    next run resumes where this one stopped. On a failure or an interrupt the
    client is halted (:meth:`~auditkit.http.ApiClient.halt`) and no worker is waited for:
    Ctrl-C returns within a second or so even while requests hang, and a worker
    that finishes later discards what it got instead of caching it.
    """
    keys = {i: key_of(w) for i, w in enumerate(windows)}
    stored = store.get_many([k for k in keys.values() if k is not None]) if store else {}
    done: dict[int, Chunk] = {}
    for i, key in keys.items():
        if key is not None and key in stored:
            chunk, pages = stored[key]
            client.stats.add(pages=pages, pages_from_cache=pages)
            bar.update(windows=1, entries=len(chunk))
            done[i] = chunk
    todo = [(i, w) for i, w in enumerate(windows) if i not in done]
    runs = _runs(todo, source.run_days)
    pages_pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="auditkit-page")
    prefetch = pages_pool if workers > 1 else None

    def pages_of(run: list[tuple[int, Window]]) -> Iterator[Page]:
        first, last = run[0][1], run[-1][1]
        span = first if len(run) == 1 else Window(first.start, last.end, cacheable=True)
        return source.pages(client, query, span, prefetch)

    def finish(run: list[tuple[int, Window]], batch: _Batch) -> None:
        whole, pages = Chunk.concat(batch.chunks(), source.schema), batch.pages
        pieces = [whole] if len(run) == 1 else _split(whole, [w for _, w in run])
        stored: list[tuple[str, Chunk, int]] = []
        for n, ((index, _), piece) in enumerate(zip(run, pieces, strict=True)):
            key = keys[index]
            if key is not None:
                # A day cut from a merged block would store the block's whole dictionaries.
                kept = _compact(piece) if batch.merged and len(run) > 1 else piece
                stored.append((key, kept, pages if n == 0 else 0))
            done[index] = piece
        if store is not None:
            store.put_many(stored)  # a run's days in one transaction
        bar.update(windows=len(run))

    try:
        if workers == 1 or len(runs) <= 1:
            for run in runs:
                batch = _Batch(source.rows_of, source.schema)
                for page in pages_of(run):
                    batch.add(page)
                    bar.update(entries=len(page))
                finish(run, batch)
        else:
            _pipeline(runs, pages_of, finish, source.rows_of, source.schema, workers, bar)
    except BaseException:
        # An interrupt or a failure: stop every request in flight (their sockets are shut
        # down, their late answers discarded, never cached) and wait for no thread.
        client.halt()
        pages_pool.shutdown(wait=False, cancel_futures=True)
        raise
    pages_pool.shutdown(wait=True, cancel_futures=True)
    release_unused(in_use_over=RELEASE_BYTES)  # the ended threads' heaps
    return [done[i] for i in range(len(windows))]


_END = object()


class _Batch:
    """A run's pages, typed a few at a time (one Arrow conversion per column per batch).

    Every :attr:`MERGE` batches are merged into one block: contiguous columns, one
    dictionary per encoded column instead of one per page. A run (up to a month)
    holds its rows until its last page is in; as blocks, values shared by its pages
    are held once a block, and the pages' own buffers, allocated in the threads
    that typed them among those threads' transient work, are let go as the load
    goes rather than at its end (measured at 300,000 sandbox entries: a peak of
    355-366 MiB against 396-404 MiB unmerged).
    """

    #: Pages typed together: fewer, larger Arrow calls, bounded Python objects.
    SIZE = 8
    #: Typed batches merged into one block.
    MERGE = 4

    def __init__(self, rows_of: Callable[[Sequence[Envelope]], Chunk], schema: Schema) -> None:
        self._rows_of = rows_of
        self._schema = schema
        self._pending: list[Page] = []
        self._typed: list[Chunk] = []
        self._blocks: list[Chunk] = []
        self.pages = 0
        self.merged = False

    def add(self, page: Page) -> None:
        self._pending.append(page)
        self.pages += 1
        if len(self._pending) >= self.SIZE:
            self.flush()

    def flush(self) -> None:
        """Type the pages waiting in the batch; merge the typed batches every :attr:`MERGE`."""
        if self._pending:
            self._typed.append(self._rows_of([p.payload for p in self._pending]))
            self._pending = []
            if len(self._typed) >= self.MERGE:
                self._blocks.append(merged(self._typed, self._schema))
                self._typed = []
                self.merged = True
                release_unused(
                    in_use_over=RELEASE_BYTES
                )  # what the pages held, and their typing's leftovers

    def chunks(self) -> list[Chunk]:
        """Every page's rows, in order (the batch is left empty)."""
        self.flush()
        out, self._blocks, self._typed = [*self._blocks, *self._typed], [], []
        return out


def _compact(chunk: Chunk) -> Chunk:
    """``chunk`` with each encoded column holding only the values its rows hold."""
    table = chunk.table
    for i, name in enumerate(table.column_names):
        column = table.column(i)
        if pa.types.is_dictionary(column.type) and len(column):
            plain = column.cast(column.type.value_type).combine_chunks()
            encoded = pc.dictionary_encode(plain).cast(column.type)
            table = table.set_column(i, name, pa.chunked_array([encoded]))
    return Chunk(table)


def merged(chunks: Sequence[Chunk], schema: Schema) -> Chunk:
    """The rows of ``chunks`` as one chunk of one Arrow chunk per column (copied).

    Encoded columns get one dictionary: the pages' dictionaries unified, in the
    order their values first appear (what the frame's own unification gives).
    Unified before they are combined: concatenating dictionaries that differ
    builds the unified one in Arrow's built-in default pool (mimalloc), whatever
    pool is the default (pyarrow 26), and a block's dictionaries live until the
    frame is made (see :mod:`auditkit.frame._memory`).
    """
    return Chunk(Chunk.concat(chunks, schema).table.unify_dictionaries().combine_chunks())


def _pipeline(
    runs: list[list[tuple[int, Window]]],
    pages_of: Callable[[list[tuple[int, Window]]], Iterator[Page]],
    finish: Callable[[list[tuple[int, Window]], _Batch], None],
    rows_of: Callable[[Sequence[Envelope]], Chunk],
    schema: Schema,
    workers: int,
    bar: Progress,
) -> None:
    """Page the runs in ``workers`` threads; finish them in this one.

    Worker threads fetch, and type what pyarrow's JSON reader can type outside
    the GIL (:meth:`~auditkit.sources.v1.Payload.prepare`, for v1); they hand each page over
    through a bounded queue. This thread types whatever is left in Python
    (``rows_of``, the source's, a few pages at a time, and whenever it has nothing else
    to do) and finishes each run when its last page is in. Python-level typing
    stays in one thread because in many it costs about twice the CPU (measured:
    0.31 s against 0.62 s for 20,000 entries). The first failure in any thread
    stops them all and is raised here.
    """
    stop = threading.Event()
    inbox: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=4 * workers)

    def hand(item: tuple[int, Any]) -> None:
        while True:
            try:
                inbox.put(item, timeout=0.1)
                return
            except queue.Full:
                if stop.is_set():
                    raise _Stopped from None

    def walk(r: int) -> None:
        try:
            for page in pages_of(runs[r]):
                if stop.is_set():
                    raise _Stopped
                hand((r, page))
            hand((r, _END))
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the main thread, raised there
            with contextlib.suppress(_Stopped):
                hand((r, exc))

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="auditkit")
    batches = [_Batch(rows_of, schema) for _ in runs]
    try:
        futures = [pool.submit(walk, r) for r in range(len(runs))]
        remaining = len(runs)
        while remaining:
            try:
                r, item = inbox.get_nowait()
            except queue.Empty:
                # Nothing has arrived: type what has, rather than all of it at the end.
                for batch in batches:
                    batch.flush()
                r, item = inbox.get()
            if item is _END:
                finish(runs[r], batches[r])
                remaining -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                batches[r].add(item)
                bar.update(entries=len(item))
    except BaseException:
        stop.set()
        for future in futures:
            future.cancel()
        # Workers may be blocked in a request: the caller halts the client; wait for none.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True, cancel_futures=True)


#: Longest run of adjacent closed day windows fetched as one range.
MAX_RUN_DAYS = 31


def _runs(
    todo: list[tuple[int, Window]], max_days: int = MAX_RUN_DAYS
) -> list[list[tuple[int, Window]]]:
    """Group adjacent closed day windows into runs of at most ``max_days``, each one range.

    The day stays the unit of caching (each day's rows are stored under the
    day's own key), so a later load still fetches only the days it lacks, but
    a cold load of "the last 30 days" pages through one range instead of
    asking for every day on its own. A source whose walk is sequential (v2's
    cursors) keeps its days apart (``max_days=1``), so that they are fetched at
    once instead.
    """

    def day(w: Window) -> bool:
        return w.cacheable and w.start is not None and w.end - w.start <= pd.Timedelta(days=1)

    runs: list[list[tuple[int, Window]]] = []
    for item in todo:
        window = item[1]
        if runs and len(runs[-1]) < max_days:
            previous = runs[-1][-1][1]
            if day(previous) and day(window) and previous.end == window.start:
                runs[-1].append(item)
                continue
        runs.append([item])
    return runs


def _split(chunk: Chunk, windows: list[Window]) -> list[Chunk]:
    """The rows of ``chunk`` in each of the adjacent ``windows`` (by ``when``).

    Rows with no time go to the first window; rows outside all of them (the
    one-second margins of the fetched range) are dropped. A window whose rows
    are one block of ``chunk`` is a zero-copy slice of it.
    """
    micros, missing = _when_micros(chunk.table)
    edges = np.array(
        [w.start.value // 1000 for w in windows if w.start is not None]
        + [windows[-1].end.value // 1000],
        dtype=np.int64,
    )
    slot = np.searchsorted(edges, micros, side="right") - 1
    slot[missing] = 0
    rows = np.flatnonzero((slot >= 0) & (slot < len(windows)))
    rows = rows[np.argsort(slot[rows], kind="stable")]
    counts = np.bincount(slot[rows], minlength=len(windows))
    pieces, offset = [], 0
    unified: pa.Table | None = None
    for count in counts.tolist():
        mine = rows[offset : offset + count]
        if count and mine[-1] - mine[0] == count - 1:
            # Pages come in time order, so a day is usually one block already: no copy.
            pieces.append(Chunk(chunk.table.slice(int(mine[0]), count)))
        else:
            # Unified once for every day taken (what _take does for one take).
            unified = chunk.table.unify_dictionaries() if unified is None else unified
            pieces.append(Chunk(unified.take(pa.array(mine, type=pa.int64()))))
        offset += count
    return pieces


def _take(table: pa.Table, rows: np.ndarray) -> pa.Table:
    """The ``rows`` of ``table``, its dictionaries unified first.

    Arrow's take of a dictionary column of several chunks concatenates them,
    which builds the unified dictionary in Arrow's built-in default pool
    (mimalloc) whatever pool is the default (pyarrow 26); unified first, the
    take shares the one dictionary (see :mod:`auditkit.frame._memory`).
    """
    return table.unify_dictionaries().take(pa.array(rows, type=pa.int64()))


def _when_micros(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """``when`` as int64 microseconds (0 where missing), and where it is missing."""
    when = table.column("when")
    micros = pc.fill_null(when.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
    missing = np.asarray(when.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    return micros.astype(np.int64, copy=False), missing


def _finish(chunk: Chunk, query: Query, upper: pd.Timestamp) -> Chunk:
    """Clip to ``since <= when < upper``, drop repeated ids, order by ``when`` (then ``id``).

    An id repeats within one account: rows with an ``account_id`` column are
    deduplicated per account.

    Done on the Arrow table, before the frame exists: one take of the rows kept,
    in their order, instead of a pandas copy per step; none when the rows are
    all kept and in order already (a default load's usual case).
    """
    table = chunk.table
    when = table.column("when")
    micros, missing = _when_micros(table)
    keep = missing | (micros < upper.value // 1000)
    if query.since is not None:
        keep &= missing | (micros >= query.since.value // 1000)
    ids = table.column("id")
    repeated = _repeated(table)
    if repeated is not None:
        keep &= ~repeated
    rows = np.flatnonzero(keep)
    descending = query.direction != "asc"
    if _in_order(
        micros[rows], missing[rows], ids.take(rows) if len(rows) < len(ids) else ids, descending
    ):
        taken = rows
    else:
        order = "descending" if descending else "ascending"
        keys = pa.table({"when": when.take(rows), "id": ids.take(rows)})
        position = pc.sort_indices(
            keys, sort_keys=[("when", order, "at_end"), ("id", order, "at_end")]
        )
        taken = rows[position.to_numpy()]
    if len(taken) == len(table) and (np.diff(taken) == 1).all():
        return chunk  # nothing dropped and already in order: no copy
    return Chunk(_take(table, taken))


def _in_order(
    micros: np.ndarray, missing: np.ndarray, ids: pa.ChunkedArray, descending: bool
) -> bool:
    """Whether rows are in the order :func:`_finish` sorts them in (``when``, then ``id``,
    missing values last): what a stable sort would leave as it is."""
    if len(micros) < 2:
        return True
    if (np.diff(missing.view(np.int8)) < 0).any():  # a missing time before a present one
        return False
    step = np.diff(micros)
    both = ~missing[:-1] & ~missing[1:]
    if ((step > 0 if descending else step < 0) & both).any():
        return False
    # Equal times (or both missing): their ids decide.
    ties = np.flatnonzero((step == 0) | (missing[:-1] & missing[1:]))
    if not len(ties):
        return True
    first, second = ids.take(pa.array(ties)), ids.take(pa.array(ties + 1))
    if first.null_count and pc.any(pc.and_(first.is_null(), second.is_valid())).as_py():
        return False  # a missing id before a present one
    worse = pc.less(first, second) if descending else pc.greater(first, second)
    return not pc.any(worse).as_py()


def _repeated(table: pa.Table) -> np.ndarray | None:
    """Per row, whether an earlier row holds its id (and account); ``None``: no id repeats.

    Rows with no id are never repeats. The ids are hashed a group at a time
    (:func:`~auditkit.frame._dictionary.text_groups`: a repeat is always in its
    id's group), each group's ids taken from the chunks as they are: the hash
    table and the copy are a fraction of one over all the ids.
    """
    ids = table.column("id")
    if len(ids) < 2:
        return None
    if len(ids) < RELEASE_ROWS and pc.count_distinct(ids).as_py() == len(ids) - ids.null_count:
        return None  # small: one hash table over all ids is quicker, and small too
    text = (pa.types.is_string, pa.types.is_large_string)
    arrays = [a if any(t(a.type) for t in text) else a.cast(pa.string()) for a in ids.chunks]
    starts = np.cumsum([0] + [len(a) for a in arrays]).astype(np.int64)
    valid = present(arrays)
    accounts: np.ndarray | None = None
    if "account_id" in table.column_names:
        # Several accounts: an id repeats only within an account (window margins);
        # the same id read from two accounts is two rows, each saying where it was.
        accounts, _ = pd.factorize(
            pd.array(table.column("account_id"), dtype=pd.StringDtype("pyarrow"))
        )
    repeated = np.zeros(len(ids), dtype=bool)
    for rows in same_text_groups(arrays, valid):
        repeated[_repeats_among(arrays, starts, rows, accounts)] = True
    return repeated if repeated.any() else None


def _repeats_among(
    arrays: list[pa.Array], starts: np.ndarray, rows: np.ndarray, accounts: np.ndarray | None
) -> np.ndarray:
    """Of ``rows`` (one group's, in order), those whose id (and account) an earlier one holds."""
    part = take_in_order(arrays, starts, rows)
    if pc.count_distinct(part).as_py() == len(part):
        return rows[:0]  # no id repeats in this group
    codes = pc.dictionary_encode(part).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    if accounts is not None:
        codes = codes * (int(accounts.max(initial=-1)) + 2) + accounts[rows] + 1
    first = np.zeros(len(codes), dtype=bool)
    _, first_rows = np.unique(codes, return_index=True)
    first[first_rows] = True
    return rows[~first]
