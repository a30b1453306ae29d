"""The audit-log frame on disk: one writer and one reader for CSV, JSON lines and Parquet.

:func:`write_frame` is what ``auditkit fetch -o FILE`` and
:meth:`auditkit.FilterPanel.to_csv` write with, so a file means the same thing
whichever wrote it; :func:`read_frame` reads any of the three formats back into
the typed frame (the dtypes of :data:`auditkit.schema.COLUMNS`).

Examples
--------
>>> import os, tempfile
>>> import auditkit
>>> from auditkit.frame import read_frame, write_frame
>>> df = auditkit.records_to_frame([{"id": "a", "when": "2026-10-01T12:00:00Z"}])
>>> path = write_frame(df, os.path.join(tempfile.mkdtemp(), "logs.csv"))
>>> read_frame(path).equals(df)
True
"""

from __future__ import annotations

from ._io import read_frame, write_frame

__all__ = ["read_frame", "write_frame"]
