"""The frame's columns as every analysis reads them.

Which columns each analysis needs (:data:`REQUIRED_COLUMNS`; a needed column may
be read from another one, see :data:`COLUMN_ALIASES`; on an Audit Logs v2 frame,
told apart by :func:`is_v2_frame`, ``change_timeline`` and ``risky_changes``
need :data:`REQUIRED_COLUMNS_V2`), and the one way
values are read: as text (:func:`_as_string`), as the actor (:func:`actor_label`),
as group labels (:func:`text_labels`), as times (:func:`_when`); and how outputs
get their documented columns and dtypes (:func:`_empty`, :func:`_typed`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..frame._chunk import as_text
from ..frame._dictionary import categorical_text
from ..frame._jsoncolumn import is_json_column
from ._checks import COLUMN_ALIASES as COLUMN_ALIASES  # re-exported beside REQUIRED_COLUMNS
from ._checks import check_by_type, require_columns
from ._checks import column_for as column_for

STRING = pd.StringDtype("pyarrow")
UTC = pd.DatetimeTZDtype(unit="us", tz="UTC")

#: Actor label when a row has neither an email nor an actor id.
UNKNOWN_ACTOR = "(unknown)"
#: Group label for missing values in ``activity_over_time`` / ``activity_heatmap``.
MISSING_LABEL = "(none)"

#: Columns the actor label is derived from (see :func:`actor_label`; it reads
#: ``actor_type`` too when the frame has it).
ACTOR_COLUMNS = ("actor_email", "actor_id")

#: Columns each analysis reads (the accessor checks them before calling). A name
#: with :data:`COLUMN_ALIASES` is met by any of them: ``activity_by_actor``'s
#: ``interface`` is a v1 frame's ``interface``, else a v2 frame's ``actor_context``.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "activity_by_actor": (
        "when",
        "action_type",
        "action_result",
        *ACTOR_COLUMNS,
        "actor_ip",
        "actor_type",
        "interface",
        "zone_name",
    ),
    "change_timeline": (
        "id",
        "when",
        "action_type",
        *ACTOR_COLUMNS,
        "resource_type",
        "resource_id",
        "zone_name",
        "old_value",
        "new_value",
        "old_value_json",
        "new_value_json",
        "metadata",
    ),
    "activity_over_time": ("when",),
    "activity_heatmap": ("when",),
    "new_ips": ("id", "when", "action_type", *ACTOR_COLUMNS, "actor_ip"),
    "risky_changes": (
        "id",
        "when",
        "action_type",
        "action_result",
        *ACTOR_COLUMNS,
        "actor_ip",
        "resource_type",
        "resource_id",
        "zone_name",
        "old_value",
        "new_value",
        "old_value_json",
        "new_value_json",
        "metadata",
    ),
}


#: Columns ``change_timeline`` and ``risky_changes`` read on an Audit Logs v2 frame
#: (:func:`is_v2_frame`): v2's request and response bodies stand for v1's values.
REQUIRED_COLUMNS_V2: dict[str, tuple[str, ...]] = {
    "change_timeline": (
        "id",
        "when",
        "action_type",
        *ACTOR_COLUMNS,
        "resource_type",
        "resource_id",
        "zone_name",
        "resource_request",
        "resource_response",
    ),
    "risky_changes": (
        "id",
        "when",
        "action_type",
        "action_result",
        *ACTOR_COLUMNS,
        "actor_ip",
        "actor_token_id",
        "actor_token_name",
        "resource_type",
        "resource_id",
        "resource_product",
        "zone_name",
        "resource_request",
        "resource_response",
    ),
}

#: v1's own value columns: a frame with any of them is read as v1.
V1_VALUE_COLUMNS = ("metadata", "old_value", "new_value", "old_value_json", "new_value_json")
#: v2's own columns: a frame with one of them and none of :data:`V1_VALUE_COLUMNS` is v2.
V2_MARKER_COLUMNS = ("resource_product", "resource_request", "resource_response", "actor_context")


def required_for(df: Any, analysis: str) -> tuple[str, ...]:
    """The columns ``analysis`` reads on ``df``: v2's list on a v2 frame (:func:`is_v2_frame`).

    Examples
    --------
    >>> from auditkit.frame import V2, records_to_frame
    >>> "resource_request" in required_for(records_to_frame([], schema=V2), "change_timeline")
    True
    >>> required_for(records_to_frame([]), "change_timeline") == REQUIRED_COLUMNS["change_timeline"]
    True
    """
    if analysis in REQUIRED_COLUMNS_V2 and is_v2_frame(df):
        return REQUIRED_COLUMNS_V2[analysis]
    return REQUIRED_COLUMNS[analysis]


def is_v2_frame(df: Any) -> bool:
    """Whether ``df`` is read as an Audit Logs v2 frame (by its columns, not its values).

    A v2 frame has at least one of v2's own columns (:data:`V2_MARKER_COLUMNS`:
    ``resource_product``, ``resource_request``, ``resource_response``,
    ``actor_context``) and none of v1's value columns (:data:`V1_VALUE_COLUMNS`:
    ``metadata``, ``old_value``, ``new_value``, ``old_value_json``,
    ``new_value_json``). A frame with both is read as v1 (v1's columns win, as
    ``interface`` wins over ``actor_context``); a frame with neither is read as v1
    too, so what it lacks is named in v1's terms.

    Examples
    --------
    >>> from auditkit.frame import V2, records_to_frame
    >>> v2 = records_to_frame([{"id": "a"}], schema=V2)
    >>> is_v2_frame(v2), is_v2_frame(records_to_frame([{"id": "a"}]))
    (True, False)
    >>> is_v2_frame(pd.DataFrame(columns=["actor_context", "metadata"]))
    False
    """
    if not isinstance(df, pd.DataFrame):
        return False
    columns = set(df.columns)
    return not columns.intersection(V1_VALUE_COLUMNS) and bool(
        columns.intersection(V2_MARKER_COLUMNS)
    )


def _empty(columns: Mapping[str, Any]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in columns.items()})


def _typed(frame: pd.DataFrame, columns: Mapping[str, Any]) -> pd.DataFrame:
    """``frame``'s documented columns, in order, with their documented dtypes."""
    out = {}
    for name, dtype in columns.items():
        s = frame[name]
        if str(s.dtype) != str(dtype):
            s = _as_string(s) if dtype == STRING else s.astype(dtype)
        out[name] = s.reset_index(drop=True)
    return pd.DataFrame(out)


def _as_string(s: pd.Series) -> pd.Series:
    """Any series as the pyarrow string dtype, missing values as ``pd.NA``."""
    if s.dtype == STRING:
        return s
    if isinstance(s.dtype, pd.CategoricalDtype):
        return categorical_text(s)  # in Arrow: a dictionary-encoded column is not hashed again
    if isinstance(s.dtype, pd.StringDtype):
        return s.astype(STRING)
    return pd.Series(
        [None if _missing(v) else _text(v) for v in s], index=s.index, dtype=STRING, name=s.name
    )


#: Readable names of actors without an email, by ``actor_type`` (v1's and v2's types).
ACTOR_TYPE_NAMES = {
    "system": "system",
    "cloudflare": "Cloudflare",
    "cloudflare_admin": "Cloudflare",
}
#: The actor id each readable name stands for alone; another id is shown beside it.
NAMED_ACTOR_IDS = {"system": "1", "Cloudflare": "cloudflare"}


def actor_label(df: pd.DataFrame) -> pd.Series:
    """The actor of each row, as every analysis, plot and the panel show it.

    The one label rule: the actor's email; else, for system and Cloudflare actors
    (by ``actor_type``, when the frame has it: ``system``; ``Cloudflare`` or v2's
    ``cloudflare_admin``; or the actor id ``cloudflare``), a readable name,
    ``"system"`` or ``"Cloudflare"`` (with the id beside it, ``"system (7)"``,
    unless it is the usual one: ``1``, ``cloudflare``); else the actor id; else
    :data:`UNKNOWN_ACTOR`. The one definition of "actor": the ``actor`` column of
    every analysis, the labels of the plots and the panel's actor control.

    Parameters
    ----------
    df
        Audit-log frame (needs the :data:`ACTOR_COLUMNS`; reads ``actor_type`` if
        there).

    Returns
    -------
    pandas.Series
        Named ``actor``, string dtype, ``df``'s index; never missing.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``df`` is not a frame with the :data:`ACTOR_COLUMNS`.

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([
    ...     {"actor": {"email": "ana@example.com", "id": "u1"}},
    ...     {"actor": {"id": "1", "type": "system"}},
    ...     {"actor": {"id": "cloudflare", "type": "Cloudflare"}},
    ...     {"actor": {"id": "7", "type": "system"}},
    ...     {"actor": {"id": "u9", "type": "user"}},
    ...     {},
    ... ])
    >>> actor_label(df).tolist()
    ['ana@example.com', 'system', 'Cloudflare', 'system (7)', 'u9', '(unknown)']
    """
    require_columns(df, ACTOR_COLUMNS, "actor_label")
    email = _as_string(df["actor_email"])
    actor_id = _as_string(df["actor_id"])
    label = email.fillna(actor_id)
    no_email = email.isna().to_numpy(dtype=bool)
    if "actor_type" in df.columns and no_email.any() and not is_json_column(df["actor_type"]):
        # Only rows without an email need the rule (few: system actors).
        ids = actor_id[no_email]
        kind = _as_string(df["actor_type"][no_email]).str.lower().map(ACTOR_TYPE_NAMES)
        not_cloudflare = (ids.str.lower() != "cloudflare").fillna(True).astype(bool)
        kind = kind.where(not_cloudflare, "Cloudflare").astype(STRING)
        usual = kind.map(NAMED_ACTOR_IDS).astype(STRING)
        named = kind.where(
            (ids.isna() | (ids == usual).fillna(False)).astype(bool),
            kind + " (" + ids + ")",
        )
        label = label.copy()
        label[no_email] = named.fillna(ids)
    return label.fillna(UNKNOWN_ACTOR).astype(STRING).rename("actor")


def text_labels(s: pd.Series) -> pd.Series:
    """A column's values as group labels: text, missing values as :data:`MISSING_LABEL`.

    The labels of ``activity_over_time(by=...)``, ``activity_heatmap(by=...)`` and
    of the panel's multi-choice controls.

    Parameters
    ----------
    s
        Any column of the frame (not a JSON column).

    Returns
    -------
    pandas.Series
        String dtype, ``s``'s index and name; never missing.

    Examples
    --------
    >>> text_labels(pd.Series(["UI", None, "API"], dtype="string")).tolist()
    ['UI', '(none)', 'API']
    """
    return _as_string(s).fillna(MISSING_LABEL)


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _text(value: Any) -> str | None:
    """A value as display text, like the loader does: ``""`` and ``None`` are missing."""
    if type(value) is str:
        return value or None
    if isinstance(value, np.generic):
        value = value.item()
    return None if _missing(value) else as_text(value)


def _lower_actions(df: pd.DataFrame) -> pd.Series:
    return _as_string(df["action_type"]).str.lower()


def _group_labels(df: pd.DataFrame, by: str, check_only: bool = False) -> pd.Series:
    """Group labels (text, missing as ``MISSING_LABEL``) for ``by``; ``"actor"`` is derived.

    With ``check_only``, only raise if ``by`` cannot be used (and return an empty series).
    """
    if by == "actor" and "actor" not in df.columns:
        require_columns(df, ACTOR_COLUMNS, "grouping by actor")
        return pd.Series(dtype=STRING) if check_only else actor_label(df)
    if by not in df.columns:
        names = ", ".join(map(str, df.columns))
        raise InvalidParameterError(
            "by",
            f"cannot group by {by!r}: not a column of the frame (nor 'actor'); "
            f"columns are {names if len(names) <= 400 else names[:397] + '...'}",
        )
    require_columns(df, [by], f"grouping by {by!r}")
    col = df[by]
    if is_json_column(col) or (
        col.dtype == object and any(isinstance(v, (dict, list)) for v in col)
    ):
        raise InvalidParameterError(
            "by", f"cannot group by {by!r}: it holds JSON objects, not labels"
        )
    if check_only:
        return pd.Series(dtype=STRING)
    return text_labels(col).rename(by)


def _when(df: pd.DataFrame, tz: str | None) -> pd.Series:
    when = df["when"]
    if not isinstance(when.dtype, pd.DatetimeTZDtype):
        try:
            converted = pd.to_datetime(when, utc=True, errors="coerce")
        except (TypeError, ValueError):
            converted = None
        if not isinstance(getattr(converted, "dtype", None), pd.DatetimeTZDtype):
            raise InvalidParameterError(
                "df",
                "the 'when' column must hold times (datetime64 with a time zone, "
                f"or ISO 8601 text), not {df['when'].dtype} values",
            )
        when = converted
    return when.dt.tz_convert(tz) if tz is not None else when


def check_when(df: pd.DataFrame) -> None:
    """Raise :class:`~auditkit.errors.InvalidParameterError` if ``df["when"]`` cannot be read as times."""
    if not isinstance(df["when"].dtype, pd.DatetimeTZDtype):
        _when(df, None)


def check_by(df: pd.DataFrame, by: Any) -> None:
    """Raise :class:`~auditkit.errors.InvalidParameterError` unless ``df`` can be grouped by ``by``."""
    check_by_type(by)
    if by is not None:
        _group_labels(df, by, check_only=True)
