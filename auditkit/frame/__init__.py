"""The audit-log frame: its schema, the ``json`` dtype, and the one reader/writer of files.

- The schema (:data:`COLUMNS`: one :class:`Column` per column, with its name,
  pandas dtype and wire path) drives the loader, :func:`empty_frame`,
  :func:`records_to_frame` and the README's table (:func:`schema_markdown`;
  ``python -m auditkit.frame`` prints it). A :class:`Schema` is one frame's
  columns with their lookups: :data:`V1` (Audit Logs v1, :data:`COLUMNS`, the
  default of every function that takes ``schema=``) and :data:`V2` (Audit Logs
  v2: v1's shared columns under the same names and dtypes, then v2's own).
  Low-cardinality text (actors, IPs, owners, zones, accounts, tokens, user
  agents) is dictionary-encoded: ``category`` columns whose categories are the
  values seen, a few bytes a row instead of the text's length.
- :func:`concat` joins frames (two loads, say) keeping those ``category``
  dtypes, which ``pd.concat`` turns into plain strings when the frames' values differ.
- The three free-form JSON columns use :class:`JSONDtype` (``json``): each
  distinct JSON text stored once, each read a fresh ``dict`` or ``list``.
- :func:`write_frame` is what ``auditkit fetch -o FILE`` and
  :meth:`auditkit.FilterPanel.to_csv` write with, so a file means the same thing
  whichever wrote it; :func:`read_frame` reads any of the three formats (CSV,
  JSON lines, Parquet) back into the typed frame. Both are imported on first
  use (they bring pyarrow's CSV and Parquet modules).

Modules, one job each:

- ``_schema``: the columns (:class:`Column`, :class:`Schema`, :data:`COLUMNS`
  and :data:`V1`, their names, :func:`column`, :func:`schema_markdown`).
- ``_schema_v2``: the v2 columns (:data:`V2`).
- ``_records``: raw records to the frame in one call (:func:`records_to_frame`,
  the batch-shape check), the empty frame and its :func:`dtypes`.
- ``_chunk``: the loader's path: raw columns out of records, cleaned and typed
  into Arrow chunks (``Chunk``), and chunks into the frame.
- ``_memory``: a load's Arrow memory: the system allocator while it runs, and
  handing freed memory back (:func:`~auditkit.frame._memory.release_unused`).
- ``_depth``: how deep JSON nests, and the cut at :data:`MAX_DEPTH`.
- ``_jsoncodec``: JSON text in and out (the decoder and encoders).
- ``_jsondtype``: :class:`JSONDtype` and the pool of distinct texts its arrays share.
- ``_json``: :class:`JSONArray`, the pandas extension array of the ``json`` columns.
- ``_jsoncolumn``: any column as JSON (is it a ``json`` column; its texts).
- ``_io``: :func:`read_frame` and :func:`write_frame`.
- ``_concat``: :func:`concat`, frames end to end with their ``category`` dtypes kept.

Examples
--------
>>> import os, tempfile
>>> from auditkit.frame import read_frame, records_to_frame, write_frame
>>> df = records_to_frame([{"id": "a", "when": "2026-10-01T12:00:00Z"}])
>>> path = write_frame(df, os.path.join(tempfile.mkdtemp(), "logs.csv"))
>>> read_frame(path).equals(df)
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._concat import concat
from ._depth import MAX_DEPTH
from ._json import JSONArray
from ._jsondtype import JSONDtype
from ._records import dtypes, empty_frame, record_shape_problem, records_to_frame
from ._schema import (
    COLUMNS,
    KNOWN_FIELDS,
    V1,
    Column,
    Schema,
    column,
    column_names,
    schema_markdown,
)
from ._schema_v2 import V2

if TYPE_CHECKING:
    from ._io import WHEN_FORMAT, read_frame, write_frame

__all__ = [
    "COLUMNS",
    "KNOWN_FIELDS",
    "MAX_DEPTH",
    "V1",
    "V2",
    "WHEN_FORMAT",
    "Column",
    "JSONArray",
    "JSONDtype",
    "Schema",
    "column",
    "column_names",
    "concat",
    "dtypes",
    "empty_frame",
    "read_frame",
    "record_shape_problem",
    "records_to_frame",
    "schema_markdown",
    "write_frame",
]

_LAZY = ("WHEN_FORMAT", "read_frame", "write_frame")


def __getattr__(name: str) -> Any:
    """The file reader/writer, imported on first use (keeps ``import auditkit`` light)."""
    if name in _LAZY:
        from . import _io

        return getattr(_io, name)
    raise AttributeError(f"module 'auditkit.frame' has no attribute {name!r}")
