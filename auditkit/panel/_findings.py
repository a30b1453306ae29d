"""The risky-changes view's pure part: the frame's findings, computed once, and those of a filter.

:func:`auditkit.analysis.risky_changes` costs about 400 ms on 100,000 rows, more
than the panel's whole update budget, so :class:`Findings` runs it once, on the
whole frame, when the panel is built, and each update keeps the findings whose
flagged row matches the filter (a burst's: its first row). To know each
finding's row exactly (ids need not be unique in a hand-made frame) the rules
run on the frame with ``id`` replaced by the row's position; the findings get
the frame's own ids back.

Findings are ordered by severity (high first), then as
:func:`~auditkit.analysis.risky_changes` orders them (time, then rule order).
Nothing here imports ipywidgets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from auditkit.analysis import risky_changes
from auditkit.analysis._columns import _as_string
from auditkit.analysis._risky import SEVERITIES
from auditkit.errors import AuditKitError

#: Columns of :meth:`Findings.matching`: those of :func:`auditkit.analysis.risky_changes`.
FINDING_COLUMNS = (
    "when",
    "severity",
    "rule",
    "reason",
    "actor",
    "resource_type",
    "resource_id",
    "resource",
    "zone_name",
    "events",
    "id",
)


class Findings:
    """The risky changes of a frame, computed once, filtered by a row mask.

    Parameters
    ----------
    df
        The panel's frame. When :func:`~auditkit.analysis.risky_changes` cannot
        read it (a column it needs is missing, ``when`` is not times), there are
        no findings and :attr:`error` says why.

    Examples
    --------
    >>> import numpy as np
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([
    ...     {"id": "a", "when": "2026-10-01T09:00:00Z", "action": {"type": "login"}},
    ...     {"id": "t", "when": "2026-10-01T10:00:00Z", "action": {"type": "token_create"},
    ...      "actor": {"email": "ana@example.com"}, "metadata": {"token_name": "ci"}},
    ... ])
    >>> found = Findings(df)
    >>> found.matching(np.array([True, True]))[["rule", "actor", "id"]].values.tolist()
    [['token_created', 'ana@example.com', 't']]
    >>> len(found.matching(np.array([True, False])))
    0
    """

    def __init__(self, df: pd.DataFrame) -> None:
        #: Why there are no findings (``risky_changes`` refused the frame), else ``None``.
        self.error: str | None = None
        positions = pd.Series(np.arange(len(df)).astype(str), index=df.index, dtype="string")
        try:
            found = risky_changes(df.assign(id=positions))
        except AuditKitError as exc:
            self.error = str(exc)
            found = None
        if found is None or found.empty:
            self._table = pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})
            self._pos = np.zeros(0, dtype=np.int64)
            return
        pos = found["id"].astype("int64").to_numpy()
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        order = np.argsort(
            [rank.get(str(s).lower(), len(rank)) for s in found["severity"]], kind="stable"
        )
        table = found.iloc[order].reset_index(drop=True)
        table["id"] = _as_string(df["id"]).to_numpy(dtype=object)[pos[order]]
        self._table = table[list(FINDING_COLUMNS)]
        #: Per finding (in order), the position of its flagged row in the frame.
        self._pos = pos[order]

    def __len__(self) -> int:
        return len(self._pos)

    def matching(self, mask: np.ndarray) -> pd.DataFrame:
        """The findings whose flagged row ``mask`` lets through, high severity first."""
        if not len(self._pos):
            return self._table
        keep = mask[self._pos]
        return self._table if keep.all() else self._table[keep].reset_index(drop=True)
