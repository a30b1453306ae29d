"""The rules engine: rule kinds, what they look at, and how they report findings.

:class:`RiskRule` (every selected event), :class:`SettingRule` (a setting
lowered), :class:`BurstRule` (many selected events by one actor in a short
time); :class:`RuleContext` (from :mod:`._context`), computed once per
``risky_changes`` call; and :func:`_findings`, a rule's rows as ``risky_changes``
output. The built-in rules
are data, in :mod:`._default_rules` (v1) and :mod:`._default_rules_v2` (v2).
The same rules run on both shapes: on an Audit Logs v2 frame the context reads
setting changes from the request and response bodies (:mod:`._changes_v2`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ._checks import _short, check_int, check_timedelta
from ._columns import STRING, UTC, _as_string, _empty, _missing, _when
from ._context import RuleContext as RuleContext  # re-exported: rules' find() takes one
from ._predicates import action_in  # noqa: F401  (used by the examples)

#: Output columns (and dtypes) of ``risky_changes`` and of every rule's ``find``.
RISKY_CHANGES_COLUMNS: dict[str, Any] = {
    "when": UTC,
    "actor": STRING,
    "action_type": STRING,
    "resource": STRING,
    "resource_type": STRING,
    "resource_id": STRING,
    "zone_name": STRING,
    "rule": STRING,
    "severity": STRING,
    "reason": STRING,
    "events": "int64",
    "id": STRING,
}


class _Reason(string.Formatter):
    """``str.format`` that renders missing or absent fields as ``unknown``."""

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        try:
            obj, first = super().get_field(field_name, args, kwargs)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError):
            return "unknown", field_name
        return ("unknown" if _missing(obj) or obj == "" else obj), first


def _reason(template: str, fields: Mapping[str, Any]) -> str:
    try:
        return _Reason().vformat(template, (), dict(fields))
    except (ValueError, TypeError):
        return template


def _rule_mask(name: str, predicate: Callable[[pd.DataFrame], Any], events: pd.DataFrame) -> Any:
    """The predicate's selection as a boolean array (missing counts as False)."""
    mask = predicate(events)
    if isinstance(mask, pd.Series):
        mask = mask.astype("boolean").fillna(False).to_numpy(dtype=bool)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (len(events),):
        raise InvalidParameterError(
            "predicate",
            f"rule {name!r}: the predicate must return one boolean per row "
            f"({len(events)}), got shape {mask.shape}",
        )
    return mask


def _findings(
    rule: Any, events: pd.DataFrame, positions: Sequence[int], extra: Sequence[Mapping[str, Any]]
) -> pd.DataFrame:
    """Output rows of :func:`risky_changes` for rows ``positions`` of ``events``.

    ``extra`` holds, per finding, more template fields for the reason (and
    ``events``, the count of rows a finding stands for, when not 1).
    """
    rows = events.iloc[list(positions)].reset_index(drop=True)
    reasons = [
        _reason(rule.reason, {**fields, **more})
        for fields, more in zip(rows.to_dict("records"), extra, strict=True)
    ]
    rtype = _as_string(rows["resource_type"])
    rid = _as_string(rows["resource_id"])
    return pd.DataFrame(
        {
            "when": _when(rows, None).array,
            "actor": rows["actor"].array,
            "action_type": _as_string(rows["action_type"]).array,
            "resource": (rtype + " " + rid).fillna(rtype).fillna(rid).array,
            "resource_type": rtype.array,
            "resource_id": rid.array,
            "zone_name": [
                more.get("zone_name", zone)
                for more, zone in zip(extra, _as_string(rows["zone_name"]), strict=True)
            ],
            "rule": [rule.name] * len(rows),
            "severity": [rule.severity] * len(rows),
            "reason": reasons,
            "events": [int(more.get("events", 1)) for more in extra],
            "id": _as_string(rows["id"]).array,
        }
    )


@dataclass(frozen=True)
class RiskRule:
    """An event rule: every row the predicate selects is a finding.

    Parameters
    ----------
    name
        Short identifier, shown in the ``rule`` column.
    reason
        Plain-words reason; a :meth:`str.format` template over the row's columns
        plus ``actor`` (e.g. ``"failed login from {actor_ip}"``,
        ``"{metadata[token_name]}"``); missing fields read ``unknown``.
    severity
        ``"high"``, ``"medium"`` or ``"low"`` (other text sorts after ``low``).
    predicate
        ``frame -> boolean Series`` (or array), one value per row; the frame has a
        ``RangeIndex`` and an extra ``actor`` column. See :func:`action_in`.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``name``, ``reason`` or ``severity`` is not a string, or ``predicate`` is
        not callable.

    Examples
    --------
    >>> rule = RiskRule("worker_deleted", "Worker script deleted by {actor}", "medium",
    ...                 action_in("script_delete"))
    >>> rule.kind
    'event'
    """

    name: str
    reason: str
    severity: str
    predicate: Callable[[pd.DataFrame], Any]

    def __post_init__(self) -> None:
        _check_rule_fields(self)

    @property
    def kind(self) -> str:
        """``"event"``."""
        return "event"

    def find(self, ctx: RuleContext) -> pd.DataFrame:
        """Findings of this rule, with the output columns of :func:`risky_changes`."""
        positions = np.flatnonzero(_rule_mask(self.name, self.predicate, ctx.events))
        return _findings(self, ctx.events, positions.tolist(), [{}] * len(positions))


def _check_rule_fields(rule: Any) -> None:
    """The checks every rule class makes of ``name``, ``reason``, ``severity``, ``predicate``."""
    for parameter in ("name", "reason", "severity"):
        value = getattr(rule, parameter)
        if not isinstance(value, str):
            raise InvalidParameterError(parameter, f"must be a string, got {_short(value)}")
    predicate = getattr(rule, "predicate", None)
    if not isinstance(rule, SettingRule) and not callable(predicate):
        raise InvalidParameterError(
            "predicate",
            f"must be a function of the frame (e.g. action_in(...)), got {_short(predicate)}",
        )


def _check_rules(parameter: str, rules: Any, *, needs: tuple[str, ...]) -> list[Any]:
    """``rules`` (an iterable of rules) as a list; each must have the attributes ``needs``."""
    if isinstance(rules, str | bytes | Mapping) or not isinstance(rules, Iterable):
        raise InvalidParameterError(
            parameter,
            f"must be a list of rules (RiskRule, SettingRule, BurstRule), got {_short(rules)}",
        )
    chosen = list(rules)
    for i, rule in enumerate(chosen):
        if any(not hasattr(rule, a) for a in needs) or not callable(getattr(rule, "find", None)):
            raise InvalidParameterError(
                parameter,
                f"item {i} is {_short(rule)}, not a rule (RiskRule, SettingRule or BurstRule)",
            )
    return chosen


def _norm_text(value: str) -> str:
    return str(value).strip().lower()


def _norm_switch(value: str) -> str:
    v = _norm_text(value)
    return {"true": "on", "false": "off", "1": "on", "0": "off"}.get(v, v)


def _norm_ssl(value: str) -> str:
    v = re.sub(r"[^a-z0-9]+", "_", _norm_text(value)).strip("_")
    return {"full_strict": "strict"}.get(v, v)


def _norm_tls(value: str) -> str:
    return re.sub(r"^tls\s*v?\s*", "", _norm_text(value))


@dataclass(frozen=True)
class SettingRule:
    """A downgrade rule: a setting changed to a value ranked lower in ``order``.

    Looks at the :func:`change_timeline` rows whose ``setting`` (for plain values)
    or ``key`` (for JSON values, e.g. TLS settings) is one of ``settings``,
    ignoring case. Values are normalised with ``normalize`` and compared by their
    position in ``order`` (weakest first); values not in ``order`` are ignored.
    When a change records only the new value, the old value is taken to be the
    previous new value of the same setting on the same resource in the frame (on a
    v2 frame, where a zone setting's ``resource_id`` is the setting's name: in the
    same zone, for a setting or a ``*setting*`` resource such as ``tls_settings``).

    Parameters
    ----------
    name, reason, severity
        As for :class:`RiskRule`; ``reason`` may also use ``{old}``, ``{new}`` and
        ``{setting}``.
    settings
        Setting names (or JSON keys), e.g. ``("security_level",)``.
    order
        Normalised values from weakest to strongest, e.g. ``("off", "on")``.
    normalize
        Maps a recorded value (text) to its form in ``order``. The default lowers
        case and reads ``true``/``false``/``1``/``0`` as ``on``/``off``.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``name``, ``reason`` or ``severity`` is not a string, ``settings`` or
        ``order`` is not a tuple (or list) of strings, or ``normalize`` is not
        callable.

    Examples
    --------
    >>> rule = SettingRule("ipv6_off", "IPv6 turned off", "low", ("ipv6",), ("off", "on"))
    >>> rule.rank("true"), rule.rank("off"), rule.rank("maybe")
    (1, 0, None)
    """

    name: str
    reason: str
    severity: str
    settings: tuple[str, ...]
    order: tuple[str, ...]
    normalize: Callable[[str], str] = field(default=_norm_switch)

    def __post_init__(self) -> None:
        _check_rule_fields(self)
        for parameter in ("settings", "order"):
            value = getattr(self, parameter)
            if isinstance(value, str | bytes) or not isinstance(value, Sequence):
                raise InvalidParameterError(
                    parameter, f"must be a tuple of strings, got {_short(value)}"
                )
            for i, item in enumerate(value):
                if not isinstance(item, str):
                    raise InvalidParameterError(
                        parameter, f"must hold only strings; item {i} is {_short(item)}"
                    )
        if not callable(self.normalize):
            raise InvalidParameterError(
                "normalize", f"must be a function of one string, got {_short(self.normalize)}"
            )

    @property
    def kind(self) -> str:
        """``"setting"``."""
        return "setting"

    def rank(self, value: Any) -> int | None:
        """Position of ``value`` in ``order`` after normalising, or ``None``."""
        if _missing(value):
            return None
        try:
            return self.order.index(self.normalize(str(value)))
        except ValueError:
            return None

    def find(self, ctx: RuleContext) -> pd.DataFrame:
        """Findings of this rule, with the output columns of :func:`risky_changes`."""
        picked = ctx.changes_of(self.settings)
        if picked.empty:
            return _empty(RISKY_CHANGES_COLUMNS)
        name = picked["key"].fillna(picked["setting"]).str.lower()
        if "_target" in picked.columns:
            target = picked["_target"]
        else:
            target = picked["resource_id"].fillna(picked["zone_name"]).fillna("")
        previous = picked["new_value"].groupby([target, name], sort=False).shift()
        old = picked["old_value"].fillna(previous)
        positions: list[int] = []
        extra: list[dict[str, Any]] = []
        for pos, o, n, s in zip(picked["_pos"], old, picked["new_value"], name, strict=True):
            before, after = self.rank(o), self.rank(n)
            if before is not None and after is not None and after < before:
                positions.append(int(pos))
                extra.append({"old": o, "new": n, "setting": s})
        return _findings(self, ctx.events, positions, extra)


@dataclass(frozen=True)
class BurstRule:
    """A burst rule: ``min_events`` or more selected rows by one actor within ``window``.

    Every selected row that lies in some ``window``-long span holding at least
    ``min_events`` of the actor's selected rows is part of a burst; overlapping and
    adjacent spans merge, so one spree is one finding (``events`` = its size,
    ``when``/``id`` of its first row).

    Parameters
    ----------
    name, reason, severity
        As for :class:`RiskRule`; ``reason`` may also use ``{events}``,
        ``{duration}``, ``{first}``, ``{last}`` and ``{zones}``.
    predicate
        Selects the rows that count, e.g. ``action_in("rec_del")``.
    min_events
        Smallest burst.
    window
        Time span the ``min_events`` must fall in (``"10min"``, a ``Timedelta``).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``name``, ``reason`` or ``severity`` is not a string, ``predicate`` is not
        callable, ``min_events`` is not an integer >= 1, or ``window`` is not a
        duration >= 0.

    Examples
    --------
    >>> rule = BurstRule("purge_burst", "{events} purges in {duration}", "low",
    ...                  action_in("purge"), min_events=20, window="1h")
    >>> rule.kind, rule.min_events
    ('burst', 20)
    """

    name: str
    reason: str
    severity: str
    predicate: Callable[[pd.DataFrame], Any]
    min_events: int = 5
    window: str | timedelta | pd.Timedelta = "10min"

    def __post_init__(self) -> None:
        _check_rule_fields(self)
        check_int("min_events", self.min_events, 1)
        check_timedelta("window", self.window)

    @property
    def kind(self) -> str:
        """``"burst"``."""
        return "burst"

    def find(self, ctx: RuleContext) -> pd.DataFrame:
        """Findings of this rule, with the output columns of :func:`risky_changes`."""
        events = ctx.events
        when = _when(events, None)
        mask = _rule_mask(self.name, self.predicate, events) & when.notna().to_numpy(dtype=bool)
        selected = pd.DataFrame(
            {
                "pos": np.flatnonzero(mask),
                "actor": events["actor"].array[mask],
                "when": when.dt.tz_convert(None).array[mask],
                "zone": _as_string(events["zone_name"]).array[mask],
            }
        ).sort_values(["actor", "when"], kind="stable")
        window = pd.Timedelta(self.window).to_timedelta64()
        positions: list[int] = []
        extra: list[dict[str, Any]] = []
        for _, group in selected.groupby("actor", sort=False):
            times = group["when"].to_numpy()
            for start, stop in _bursts(times, self.min_events, window):
                part = group.iloc[start:stop]
                zones = sorted(set(part["zone"].dropna()))
                first, last = part["when"].iloc[0], part["when"].iloc[-1]
                positions.append(int(part["pos"].iloc[0]))
                extra.append(
                    {
                        "events": stop - start,
                        "first": first.tz_localize("UTC"),
                        "last": last.tz_localize("UTC"),
                        "duration": _duration(last - first),
                        "zones": ", ".join(zones) if zones else "unknown",
                        "zone_name": zones[0] if len(zones) == 1 else None,
                    }
                )
        return _findings(self, events, positions, extra)


def _bursts(times: np.ndarray, min_events: int, window: np.timedelta64) -> list[tuple[int, int]]:
    """Index ranges ``[start, stop)`` of bursts in sorted ``times``."""
    n = len(times)
    if n < min_events or min_events < 1:
        return []
    ends = np.searchsorted(times, times + window, side="right")
    marked = np.zeros(n + 1, dtype=np.int64)
    for i in np.flatnonzero(ends - np.arange(n) >= min_events).tolist():
        marked[i] += 1
        marked[ends[i]] -= 1
    inside = (np.cumsum(marked[:n]) > 0).tolist()
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for i in range(n):
        if inside[i] and start is not None and times[i] - times[i - 1] > window:
            spans.append((start, i))
            start = i
        elif inside[i] and start is None:
            start = i
        elif not inside[i] and start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, n))
    return spans


def _duration(delta: pd.Timedelta) -> str:
    seconds = round(pd.Timedelta(delta).total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


Rule = RiskRule | SettingRule | BurstRule
