"""New IPs: :func:`new_ips`, the first time each actor acts from an IP it had not used."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd

from ._checks import check_timedelta, require_columns
from ._columns import (
    REQUIRED_COLUMNS,
    STRING,
    UTC,
    _as_string,
    _empty,
    _typed,
    _when,
    actor_label,
    check_when,
)

#: Output columns (and dtypes) of :func:`new_ips`.
NEW_IPS_COLUMNS: dict[str, Any] = {
    "when": UTC,
    "actor": STRING,
    "actor_ip": STRING,
    "previous_ip": STRING,
    "known_ips": "int64",
    "action_type": STRING,
    "id": STRING,
}


def new_ips(df: pd.DataFrame, warmup: str | timedelta | pd.Timedelta = "7D") -> pd.DataFrame:
    """The first time each actor acts from an IP it had not used before.

    The first ``warmup`` of the frame (from its earliest event) is a learning
    window: IPs used then are known, not reported. After it, each actor's first
    event from each IP it had never used in the frame is one row; an actor that
    first appears after the window is reported for its first IP (``known_ips`` 0).
    Rows without ``when`` or ``actor_ip`` (system actors) are ignored.

    Parameters
    ----------
    df
        Audit-log frame.
    warmup
        Length of the learning window (``"7D"``, ``"12h"``, a ``Timedelta``; ``"0D"``
        reports every actor's first IP too).

    Returns
    -------
    pandas.DataFrame
        Columns ``when``, ``actor``, ``actor_ip`` (the new IP), ``previous_ip`` (IP of
        the actor's previous event; missing if none), ``known_ips`` (int64: distinct
        IPs the actor had used before), ``action_type``, ``id``; in time order.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``df`` is not a frame with the needed columns, or ``warmup`` is not a
        duration >= 0.

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([
    ...     {"id": "a", "when": "2026-10-01T09:00:00Z",
    ...      "actor": {"email": "ana@example.com", "ip": "192.0.2.1"}},
    ...     {"id": "b", "when": "2026-10-09T09:00:00Z",
    ...      "actor": {"email": "ana@example.com", "ip": "192.0.2.1"}},
    ...     {"id": "c", "when": "2026-10-10T09:00:00Z",
    ...      "actor": {"email": "ana@example.com", "ip": "203.0.113.7"}},
    ... ])
    >>> new_ips(df)[["actor_ip", "previous_ip", "known_ips", "id"]]
          actor_ip previous_ip  known_ips id
    0  203.0.113.7   192.0.2.1          1  c
    """
    require_columns(df, REQUIRED_COLUMNS["new_ips"], "new_ips")
    check_when(df)
    window = check_timedelta("warmup", warmup)
    when = _when(df, None)
    ip = _as_string(df["actor_ip"])
    valid = (when.notna() & ip.notna()).to_numpy(dtype=bool)
    if not valid.any():
        return _empty(NEW_IPS_COLUMNS)
    work = pd.DataFrame(
        {
            "when": when[valid].array,
            "actor": actor_label(df)[valid].array,
            "actor_ip": ip[valid].array,
            "action_type": _as_string(df["action_type"])[valid].array,
            "id": _as_string(df["id"])[valid].array,
        }
    ).sort_values("when", kind="stable", ignore_index=True)
    work["previous_ip"] = work.groupby("actor")["actor_ip"].shift()
    first = work.drop_duplicates(["actor", "actor_ip"]).copy()
    first["known_ips"] = first.groupby("actor").cumcount()
    cutoff = work["when"].iloc[0] + window
    out = first[first["when"] >= cutoff]
    return _typed(out, NEW_IPS_COLUMNS)
