"""``read_archive``: the archived rows as the typed frame of a load, read as little as possible.

Time bounds are pushed down twice: the manifest's per-file oldest and newest ``when``
(and the ``day=`` partitions) choose the files, and a dataset filter on ``when`` skips
row groups by their statistics. The other filters apply after reading
(:mod:`._filters`), before any pandas object exists. The rows are ordered as a load
orders them (``when``, then ``id``) and typed as the loader types them: the plain
columns by its own :func:`~auditkit.frame._chunk.chunks_to_frame`, the category and
JSON columns straight from the files' dictionaries, in threads (see :func:`_frame`),
so dtypes, categories and JSON values are a load's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._query import FILTER_NAMES, MAX_PER_PAGE, filter_values
from .._suggest import did_you_mean
from ..errors import ArchiveError, InvalidParameterError, StorageError
from ..frame._chunk import Chunk, chunks_to_frame, frame_of_taken
from ..frame._dictionary import category_dtype, held_codes
from ..frame._json import JSONArray
from ..frame._jsondtype import _code_dtype
from ..frame._parquet import int32_dictionaries
from ..frame._schema import Column, Schema, with_account
from ..sources import get_source
from ..storage import Location, open_location, storage_error
from . import _commit, _files, _filters
from ._layout import STAGED, USER, stream_folder
from ._manifest import FileEntry, Manifest

__all__ = ["open_committed", "read_archive", "read_opened", "select_files", "stream_accounts"]

#: Threads building a read's category and JSON columns (beside the one building the others).
_WORKERS = min(4, os.cpu_count() or 1)

_READ_FILTERS = tuple(n for n in FILTER_NAMES if n not in ("account_id", "organization_id"))


@contextlib.contextmanager
def open_committed(loc: Location, entry: FileEntry) -> Iterator[IO[bytes]]:
    """A committed file, under its final name or (committed, not yet renamed) its staged one."""
    for rel in (entry.path, entry.path + STAGED):
        try:
            handle = loc.fs.open(loc.join(rel), "rb")
        except FileNotFoundError:
            continue
        except Exception as exc:
            raise storage_error(loc, f"cannot read {rel} in", exc) from None
        with handle:
            yield handle
        return
    raise ArchiveError(f"{loc.url}: {entry.path} is listed in the manifest but missing")


def _resolved(loc: Location, files: list[FileEntry]) -> list[str]:
    """Each file's path: its final name, or (committed, not yet renamed) its staged one.

    Locally each file is looked up (a stat); on object storage the folders of the
    streams read are listed, never the whole archive.
    """
    if loc.is_local:
        names = set()
        for entry in files:
            for rel in (entry.path, entry.path + STAGED):
                if os.path.isfile(loc.join(rel)):
                    names.add(rel)
                    break
    else:
        folders = sorted({stream_folder(f.api, f.account) for f in files})
        names = {n for folder in folders for n in _files.list_files(loc, folder)}
    out = []
    for entry in files:
        if entry.path in names:
            out.append(loc.join(entry.path))
        elif entry.path + STAGED in names:
            out.append(loc.join(entry.path + STAGED))
        else:
            raise ArchiveError(f"{loc.url}: {entry.path} is listed in the manifest but missing")
    return out


def _arrow_fs(loc: Location) -> Any:
    import pyarrow.fs as pafs

    if loc.is_local:
        return pafs.LocalFileSystem()
    return pafs.PyFileSystem(pafs.FSSpecHandler(loc.fs))


def select_files(
    manifest: Manifest,
    api: str,
    accounts: list[str],
    since: pd.Timestamp | None,
    before: pd.Timestamp | None,
) -> list[FileEntry]:
    """The committed files of these streams that can hold ``since <= when < before``."""
    chosen = [
        f
        for f in manifest.files
        if f.api == api and f.account in accounts and f.overlaps(since, before)
    ]
    # Newest file first (files without a time last): their rows, read in this order, are
    # most often in a default load's order already.
    return sorted(chosen, key=lambda f: (f.max_when is None, _micros(f.max_when)), reverse=False)


def _micros(text: str | None) -> int:
    return 0 if text is None else -int(pd.Timestamp(text).value // 1000)


def stream_accounts(
    manifest: Manifest, api: str, account_id: Any, organization_id: Any
) -> tuple[list[str], bool]:
    """The streams' account keys chosen, and whether the frame gets an ``account_id``."""
    held = sorted({s.account for s in manifest.streams.values() if s.api == api})
    if organization_id is not None:
        return [f"org-{organization_id}"], False
    if account_id is None:
        return held, len(held) > 1
    if account_id == "*":
        return [a for a in held if a != USER and not a.startswith("org-")], True
    if isinstance(account_id, list | tuple):
        return [str(a) for a in account_id], True
    return [str(account_id)], False


def _scope_args(api: str, account_id: Any, organization_id: Any) -> dict[str, Any]:
    """The scope to validate the query with (several streams: a placeholder account)."""
    if organization_id is not None:
        return {"account_id": None, "organization_id": organization_id}
    if isinstance(account_id, str) and account_id != "*":
        return {"account_id": None if account_id == USER else account_id}
    if isinstance(account_id, list | tuple):
        for item in account_id:
            if not isinstance(item, str) or not item:
                raise InvalidParameterError("account_id", f"a list holds account ids, not {item!r}")
    return {"account_id": None if api == "v1" else "any"}


def _time_filter(since: pd.Timestamp | None, before: pd.Timestamp | None) -> Any:
    import pyarrow.dataset as ds  # on first use: keeps `import auditkit` light

    when = ds.field("when")
    expr = None
    kind = pa.timestamp("us", tz="UTC")
    if since is not None:
        expr = when >= pa.scalar(since.to_pydatetime(), kind)
    if before is not None:
        upper = when < pa.scalar(before.to_pydatetime(), kind)
        expr = upper if expr is None else expr & upper
    return None if expr is None else expr | when.is_null()


def _dataset_schema(paths: list[str], fs: Any, fmt: Any, columns: list[str]) -> pa.Schema:
    """The schema ``paths`` are read with: the first file's, dictionaries with 32-bit indices.

    Fail safe: a dataset read with one file's schema casts the others' columns to it,
    and a column Arrow typed ``null`` there (no value in that file) would come out
    missing in every file, as would a column that file lacks. Then every file's schema
    is read and the schemas unified (``null`` gives way to the type the others have).
    """
    import pyarrow.dataset as ds

    first = ds.dataset(paths[:1], format=fmt, filesystem=fs).schema
    lacking = any(c not in first.names for c in columns if c != "account_id")
    if lacking or any(_holds_null(f.type) for f in first):
        each = [ds.dataset([p], format=fmt, filesystem=fs).schema for p in paths]
        first = pa.unify_schemas(each, promote_options="permissive")
    return int32_dictionaries(first)


def _holds_null(kind: pa.DataType) -> bool:
    return pa.types.is_null(kind) or (
        pa.types.is_dictionary(kind) and pa.types.is_null(kind.value_type)
    )


def read_table(
    loc: Location,
    files: list[FileEntry],
    since: pd.Timestamp | None,
    before: pd.Timestamp | None,
    columns: list[str],
    account_column: bool,
) -> pa.Table:
    """The rows of ``files`` within the bounds, in Arrow (``account_id`` added if asked)."""
    import pyarrow.dataset as ds

    paths = _resolved(loc, files)
    if not paths:
        return pa.table({})
    fs = _arrow_fs(loc)
    fmt = ds.ParquetFileFormat()
    expr = _time_filter(since, before)
    tables = []
    groups: dict[str, list[str]] = {}
    for entry, path in zip(files, paths, strict=True):
        groups.setdefault(entry.account if account_column else "", []).append(path)
    try:
        for account, group in groups.items():
            schema = _dataset_schema(group, fs, fmt, columns)
            dataset = ds.dataset(group, format=fmt, filesystem=fs, schema=schema)
            names = [c for c in columns if c in dataset.schema.names]
            table = dataset.to_table(columns=names, filter=expr)
            if account_column and "account_id" not in table.column_names:
                table = table.append_column(
                    "account_id", pa.array([account] * table.num_rows, pa.string())
                )
            tables.append(table)
    except (OSError, pa.ArrowException) as exc:
        if isinstance(exc, FileNotFoundError | PermissionError):
            raise storage_error(loc, "cannot read", exc) from None
        raise ArchiveError(f"{loc.url}: an archived file is not readable Parquet ({exc})") from None
    if len(tables) == 1:
        return tables[0]
    return pa.concat_tables(tables, promote_options="permissive")


def _ordered(table: pa.Table, direction: str) -> pa.Table:
    """The rows by ``when`` then ``id`` (``direction``), missing ``when`` last, as a load."""
    if table.num_rows < 2 or (direction == "desc" and _newest_first(table)):
        return table  # files are written newest first and read newest file first
    order = "ascending" if direction == "asc" else "descending"
    keys = pa.table({"when": table.column("when"), "id": table.column("id")})
    position = pc.sort_indices(keys, sort_keys=[("when", order, "at_end"), ("id", order, "at_end")])
    return table.take(position)


def _newest_first(table: pa.Table) -> bool:
    """Whether the rows are ordered by ``when``, then ``id``, descending (no missing ``when``)."""
    when = table.column("when")
    if when.null_count or table.column("id").null_count:
        return False
    stamps = when.cast(pa.int64()).to_numpy()
    steps = np.diff(stamps)
    if (steps > 0).any():
        return False
    ties = np.flatnonzero(steps == 0)
    if not len(ties):
        return True
    ids = table.column("id")
    later = pc.greater_equal(ids.take(pa.array(ties)), ids.take(pa.array(ties + 1)))
    return bool(pc.all(later).as_py())


def _frame(table: pa.Table, schema: Schema) -> pd.DataFrame:
    """The loader's frame of ``table``: its dtypes, categories and JSON columns.

    The columns that are not dictionary-encoded are typed by the loader's own
    :func:`chunks_to_frame`. Category and JSON columns (one dictionary per file read)
    are built straight from the files' dictionaries, in threads while this one builds
    the others:

    - a category column from one dictionary unified over the files (small: the
      distinct values once), its missing-value literals cleaned in it once, not in
      each file's;
    - a JSON column from the files' dictionaries as they are, one after the other: a
      text some files share is held once per file (:class:`JSONArray` allows it; its
      operations treat equal texts as one value), so no text is hashed. Unifying them
      hashed every text of every file: half of the frame's work in a large read.

    The result is the frame :func:`chunks_to_frame` makes (the same values and dtypes).
    """
    if not table.num_rows:
        return chunks_to_frame([], schema)
    direct = [
        c
        for c in schema.columns
        if c.kind in ("category", "json") and pa.types.is_dictionary(table.column(c.name).type)
    ]
    rest = _rest_schema(schema, tuple(c.name for c in direct))
    data: dict[str, pd.Series] = {}
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        # Largest first: the JSON columns, then the categories (Arrow and numpy, most
        # of it without the GIL), while this thread builds the other columns.
        pending = {
            c.name: pool.submit(_json_series, table.column(c.name))
            for c in direct
            if c.kind == "json"
        }
        for col in direct:
            if col.kind == "category":
                pending[col.name] = pool.submit(_category_series, col, table.column(col.name))
        # `table` holds every column until the frame is made: nothing to hand back.
        typed = frame_of_taken([Chunk(table.select(list(rest.names)))], rest, release=False)
        for name in rest.names:
            data[name] = typed[name]
        for name, job in pending.items():
            data[name] = job.result()
    return pd.DataFrame({name: data[name] for name in schema.names}, copy=False)


@functools.cache
def _rest_schema(schema: Schema, without: tuple[str, ...]) -> Schema:
    """``schema`` without the columns ``without`` (made once per pair)."""
    return dataclasses.replace(
        schema, columns=tuple(c for c in schema.columns if c.name not in without)
    )


def _unified(arr: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Codes (``-1``: missing) into one dictionary of the chunks' dictionaries unified.

    The dictionary is each chunk's entries once, in the order they first appear.
    """
    if not arr.num_chunks:
        return np.zeros(0, dtype=np.int32), pa.array([], arr.type.value_type)
    one = pa.table({"c": arr}).unify_dictionaries().column("c")
    indices = pa.concat_arrays([chunk.indices for chunk in one.chunks])
    if indices.null_count:
        indices = pc.fill_null(indices, -1)
    return indices.to_numpy(zero_copy_only=False), one.chunk(0).dictionary


def _stacked(arr: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Codes (``-1``: missing) into the chunks' dictionaries one after the other."""
    sizes = [len(chunk.dictionary) for chunk in arr.chunks]
    codes = np.empty(len(arr), dtype=_code_dtype(sum(sizes)))
    start = offset = 0
    for chunk, size in zip(arr.chunks, sizes, strict=True):
        out = codes[start : start + len(chunk)]
        indices = chunk.indices
        if indices.null_count:
            local = pc.fill_null(indices, -1).to_numpy()
            np.add(local, offset, out=out, casting="unsafe")
            out[local < 0] = -1
        else:
            np.add(indices.to_numpy(), offset, out=out, casting="unsafe")
        start += len(chunk)
        offset += size
    if not sizes:
        return codes, pa.array([], arr.type.value_type)
    return codes, pa.concat_arrays([chunk.dictionary for chunk in arr.chunks])


def _json_series(arr: pa.ChunkedArray) -> pd.Series:
    """A ``json`` column of the files' JSON texts: each file's once (see :func:`_frame`)."""
    codes, texts = _stacked(arr)
    used, codes = held_codes(codes, len(texts))
    kept = texts if used.all() else texts.filter(pa.array(used))
    kept = kept.cast(pa.large_string())
    return pd.Series(JSONArray(codes.astype(_code_dtype(len(kept)), copy=False), kept))


def _category_series(col: Column, arr: pa.ChunkedArray) -> pd.Series:
    """A category column as the loader makes it (:func:`auditkit.frame._dictionary.categorical`
    of the cleaned text): ``""`` and the column's null literals missing, the categories the
    column's known values then the others rows hold, sorted."""
    codes, dictionary = _unified(arr)
    values = dictionary.to_pylist()
    missing = {"", *col.null_literals}
    used = np.bincount(codes + 1, minlength=len(values) + 1)[1:] > 0
    seen = [v for v, u in zip(values, used.tolist(), strict=True) if u and v not in missing]
    dtype = category_dtype(col, seen)
    # The categories' texts once, from Arrow (iterating the Index makes a scalar each).
    position = {v: i for i, v in enumerate(pa.array(dtype.categories.array).to_pylist())}
    # Codes as narrow as pandas keeps them, so the categorical takes them as they are.
    width = _code_dtype(len(dtype.categories))
    remap = np.array(
        [-1 if v in missing else position.get(v, -1) for v in values] + [-1], dtype=width
    )
    return pd.Series(pd.Categorical.from_codes(remap[codes], dtype=dtype, validate=False))


def _check_names(filters: Mapping[str, Any]) -> None:
    for name in filters:
        if name not in _READ_FILTERS and name != "exclude":
            hint = did_you_mean(name, [*_READ_FILTERS, "exclude"])
            raise InvalidParameterError(
                name, "is not a keyword of read_archive" + (f"; {hint}" if hint else "")
            )


def read_archive(
    src: str | os.PathLike[str],
    *,
    api: str | None = None,
    account_id: str | list[str] | None = None,
    organization_id: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """Read an archive :func:`sync_archive` wrote as the typed frame of a load.

    The frame equals :func:`auditkit.load_audit_logs` with the same filters on the
    same data: the same columns, dtypes (``json``, categories with the loader's
    categories), row order (``direction``) and, in ``df.attrs``, ``api``, ``query``
    and ``scope`` (see ``docs/archive.md`` for the attrs that differ). Time bounds
    choose the files (partitions and the manifest's per-file times) and row groups
    (statistics): a narrow query reads a small part of a large archive.

    Parameters
    ----------
    src
        The archive's folder or fsspec URL.
    api
        ``"v1"`` or ``"v2"``; default: the one the archive holds (both: an
        ``InvalidParameterError`` naming ``api``).
    account_id, organization_id
        Which streams: default every stream of ``api``; an account id (v1's user logs:
        ``"user"``), a list, ``"*"`` (every account), or a v2 organization. A v1 read
        of several streams gets an ``account_id`` column, as a load of several
        accounts does (``"user"`` for the user's logs).
    storage_options
        For fsspec, as in :func:`sync_archive`.
    **filters
        ``since``, ``before`` (``since <= when < before``), ``direction`` and the
        filters of :func:`auditkit.load_audit_logs` for ``api`` (``actor_email``,
        ``actor_ip`` as an IP or CIDR, ``exclude`` for v2...), with its checks.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    InvalidParameterError
        A bad argument or a misspelt keyword.
    ArchiveError, StorageError
        No archive at ``src``, a damaged one, or the storage failed.

    Examples
    --------
    >>> import tempfile
    >>> from auditkit import sandbox
    >>> from auditkit.archive import sync_archive
    >>> dest = tempfile.mkdtemp()
    >>> with sandbox.start(anchor="2026-11-01") as sb:
    ...     _ = sync_archive(dest, base_url=sb.base_url, token=sb.token, cache=False,
    ...                      progress=False)
    >>> df = read_archive(dest, since="2026-10-01", action_type="login")
    >>> sorted(set(df["action_type"])), str(df["when"].dtype)
    (['login'], 'datetime64[us, UTC]')
    """
    _check_names(filters)
    loc = open_location(src, storage_options, param="src")
    manifest, raw = _commit.read_state(loc)
    return read_opened(loc, manifest, raw, api, account_id, organization_id, filters)


def read_opened(
    loc: Location,
    manifest: Manifest,
    raw: bytes | None,
    api: str | None,
    account_id: Any,
    organization_id: str | None,
    filters: Mapping[str, Any],
) -> pd.DataFrame:
    """:func:`read_archive` of an archive already opened, its manifest read (``raw``:
    the manifest's bytes, ``None`` when there is none); ``filters`` checked by name."""
    if raw is None:
        raise ArchiveError(f"{loc.url}: no archive here (no {'_auditkit_archive.json'})")
    held = sorted({s.api for s in manifest.streams.values()})
    if api is None:
        if len(held) > 1:
            raise InvalidParameterError(
                "api", f"the archive holds {' and '.join(held)}: choose one (api='v2')"
            )
        api = held[0] if held else "v1"
    source = get_source(api)
    values = {**filter_values(filters), "exclude": filters.get("exclude")}
    query = source.build_query(
        {**values, **_scope_args(source.name, account_id, organization_id)}, MAX_PER_PAGE
    )
    preds = _filters.predicates(source.name, query)
    accounts, account_column = stream_accounts(manifest, source.name, account_id, organization_id)
    schema = with_account(source.schema) if account_column else source.schema
    files = select_files(manifest, source.name, accounts, query.since, query.before)
    try:
        table = read_table(
            loc, files, query.since, query.before, list(schema.names), account_column
        )
    except StorageError:
        raise
    table = _ordered(_filters.apply(table, preds), query.direction)
    if table.num_columns:
        table = table.select(list(schema.names))
    frame = _frame(table, schema)
    marks = [
        s.watermark
        for s in manifest.streams.values()
        if s.api == source.name and s.account in accounts and s.watermark
    ]
    frame.attrs.update(
        {
            "api": source.name,
            "query": {**query.describe(), "account_id": account_id},
            "scope": query.scope if not account_column else "account",
            "archive": loc.url,
            "upper_bound": min(marks) if marks else None,
            "files": len(files),
            "bytes": sum(f.bytes for f in files),
        }
    )
    if account_column:
        frame.attrs["accounts"] = accounts
    return frame
