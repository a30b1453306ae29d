"""What rules look at: :class:`RuleContext`, computed once per ``risky_changes`` call.

The frame with the ``actor`` column (and, on an Audit Logs v2 frame,
``resource_label``), and the setting changes setting rules compare: read from
v1's values (:func:`._changes._changes`) or from v2's request and response
bodies (:func:`._changes_v2._changes_v2`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from ._changes import _changes, _json_values
from ._changes_v2 import _changes_v2, _resource_labels
from ._columns import STRING, _lower_actions, actor_label, is_v2_frame


class RuleContext:
    """What rules look at, computed once per :func:`risky_changes` call.

    Attributes
    ----------
    events
        The frame with a ``RangeIndex`` and an extra ``actor`` column; on a v2 frame
        also ``resource_label``: the resource's name from its request/response
        bodies (``name``, else ``email``, else ``description``), else its
        ``resource_id``.
    v2
        Whether the frame is an Audit Logs v2 frame (:func:`is_v2_frame`).
    """

    def __init__(self, df: pd.DataFrame, settings: Iterable[str] = ()) -> None:
        events = df.reset_index(drop=True)
        self.v2 = is_v2_frame(events)
        if self.v2:
            events = events.assign(resource_label=_resource_labels(events))
        self.events: pd.DataFrame = events.assign(actor=actor_label(events))
        self._settings = frozenset(n.lower() for n in settings)
        self._changes: pd.DataFrame | None = None

    def changes_of(self, names: Iterable[str]) -> pd.DataFrame:
        """:func:`change_timeline` rows whose ``key`` (or, for plain values, ``setting``)
        is one of ``names``, plus ``_pos``: the row's position in ``events``.

        Names are compared ignoring case, but only JSON values with a top-level key
        spelt in lower case are diffed (as Cloudflare spells them); setting changes
        always are. The work is done once for all the settings the context was made
        for. On a v2 frame the rows also have ``_target``: what a setting belongs to
        (the zone for a setting, else the zone and the resource)."""
        wanted = frozenset(n.lower() for n in names)
        if not wanted <= self._settings:
            return self._compute_changes(wanted)
        if self._changes is None:
            self._changes = self._compute_changes(self._settings)
        changes = self._changes
        name = changes["key"].fillna(changes["setting"]).str.lower()
        return changes[name.isin(wanted).fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)

    def _compute_changes(self, wanted: frozenset[str]) -> pd.DataFrame:
        if self.v2:
            return self._compute_changes_v2(wanted)
        events = self.events
        tops = {n.split(".", 1)[0] for n in wanted}

        def has_key(value: Any) -> bool:
            return isinstance(value, dict) and not tops.isdisjoint(value)

        def json_text(value: Any) -> bool:
            return isinstance(value, str) and value[:1] == "{"

        candidate = (
            _lower_actions(events).str.contains("setting", regex=False).fillna(False).to_numpy()
            | np.fromiter(map(has_key, _json_values(events["old_value_json"])), bool, len(events))
            | np.fromiter(map(has_key, _json_values(events["new_value_json"])), bool, len(events))
            | np.fromiter(map(json_text, events["old_value"]), bool, len(events))
            | np.fromiter(map(json_text, events["new_value"]), bool, len(events))
        )
        positions = np.flatnonzero(candidate)
        changes = _changes(events.iloc[positions].drop(columns="actor"), with_position=True)
        changes["_pos"] = positions[changes["_pos"].to_numpy()]
        name = changes["key"].fillna(changes["setting"]).str.lower()
        picked = changes[name.isin(wanted).fillna(False).to_numpy(dtype=bool)]
        return picked.reset_index(drop=True)

    def _compute_changes_v2(self, wanted: frozenset[str]) -> pd.DataFrame:
        events = self.events
        candidate = (
            events["resource_request"].notna() | events["resource_response"].notna()
        ).to_numpy(dtype=bool)
        positions = np.flatnonzero(candidate)
        changes = _changes_v2(events.iloc[positions], with_position=True)
        changes["_pos"] = positions[changes["_pos"].to_numpy()]
        name = changes["key"].fillna(changes["setting"]).str.lower()
        picked = changes[name.isin(wanted).fillna(False).to_numpy(dtype=bool)].reset_index(
            drop=True
        )
        # v2 names a zone setting's resource by the setting ("ssl"): settings (a setting
        # change, or a ``*setting*`` resource such as tls_settings) belong to their zone,
        # as v1's (whose resource is the zone); other values to zone + resource.
        zone = picked["zone_name"].fillna("")
        is_setting = picked["setting"].notna() | picked["resource_type"].str.lower().str.contains(
            "setting", regex=False
        ).fillna(False)
        resource = picked["resource_id"].fillna("").mask(is_setting.astype(bool), "")
        picked["_target"] = (zone + "|" + resource).astype(STRING)
        return picked
