"""Rules applied to a frame (:func:`risky_changes`) and described (:func:`rules_table`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..errors import AuditKitError, InvalidParameterError
from ._checks import require_columns
from ._columns import REQUIRED_COLUMNS, STRING, _empty, _typed, check_when
from ._default_rules import DEFAULT_RULES
from ._predicates import action_in  # noqa: F401  (used by the examples)
from ._rules import (
    RISKY_CHANGES_COLUMNS,
    BurstRule,
    RiskRule,  # noqa: F401  (used by the examples)
    Rule,
    RuleContext,
    SettingRule,
    _check_rules,
)

SEVERITIES = ("high", "medium", "low")


def risky_changes(
    df: pd.DataFrame,
    rules: Sequence[Rule] | None = None,
    extra_rules: Sequence[Rule] = (),
) -> pd.DataFrame:
    """Security-relevant events, each with the rule that flagged it and a reason.

    Parameters
    ----------
    df
        Audit-log frame.
    rules
        Rules to apply; :data:`DEFAULT_RULES` when ``None``.
    extra_rules
        More rules, applied after ``rules`` (e.g. your own :class:`RiskRule`).

    Returns
    -------
    pandas.DataFrame
        One row per finding (an event may be flagged by several rules; a burst is one
        row). Columns ``when``, ``actor``, ``action_type``, ``resource``
        (``"<resource_type> <resource_id>"``), ``resource_type``, ``resource_id``,
        ``zone_name``, ``rule``, ``severity``, ``reason``, ``events`` (int64; rows a
        burst spans, else 1), ``id`` (the flagged row's id; a burst's first row).
        Sorted by ``when`` (``NaT`` last), then severity (high first), then rule order.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``df`` is not a frame with the needed columns; ``rules`` or ``extra_rules``
        is not a list of rules, or one of its rules fails on the frame (its
        predicate raises or does not return one boolean per row).

    Examples
    --------
    >>> from auditkit.frame import records_to_frame
    >>> df = records_to_frame([
    ...     {"id": "t", "when": "2026-10-01T09:00:00Z", "action": {"type": "token_create"},
    ...      "actor": {"email": "ana@example.com"}, "metadata": {"token_name": "ci"}},
    ... ])
    >>> risky_changes(df)[["rule", "severity", "reason"]]
                rule severity                 reason
    0  token_created   medium  API token created: ci
    >>> mine = RiskRule("tokens", "token made", "low", action_in("token_create"))
    >>> risky_changes(df, rules=[], extra_rules=[mine])["rule"].tolist()
    ['tokens']
    """
    require_columns(df, REQUIRED_COLUMNS["risky_changes"], "risky_changes")
    check_when(df)
    base = list(DEFAULT_RULES) if rules is None else _check_rules("rules", rules, needs=())
    chosen = [*base, *_check_rules("extra_rules", extra_rules, needs=())]
    if df.empty or not chosen:
        return _empty(RISKY_CHANGES_COLUMNS)
    settings = [n for r in chosen if isinstance(r, SettingRule) for n in r.settings]
    ctx = RuleContext(df, settings)
    parts = []
    for order, rule in enumerate(chosen):
        found = _find(rule, ctx, "rules" if order < len(base) else "extra_rules")
        if len(found):
            parts.append(found.assign(_rule_order=order))
    if not parts:
        return _empty(RISKY_CHANGES_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    out["_severity"] = [rank.get(str(s).lower(), len(rank)) for s in out["severity"]]
    out = out.sort_values(["when", "_severity", "_rule_order"], kind="stable", na_position="last")
    return _typed(out, RISKY_CHANGES_COLUMNS)


def _find(rule: Any, ctx: RuleContext, parameter: str) -> pd.DataFrame:
    """``rule.find(ctx)``; a rule that fails is reported as a bad ``parameter``."""
    name = getattr(rule, "name", None)
    try:
        found = rule.find(ctx)
    except InvalidParameterError as exc:
        if exc.parameter == "df":
            raise
        detail = str(exc).removeprefix(f"{exc.parameter}: ")
        raise InvalidParameterError(parameter, detail) from exc
    except AuditKitError:
        raise
    except Exception as exc:
        raise InvalidParameterError(
            parameter, f"rule {name!r} failed on this frame: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(found, pd.DataFrame) or any(
        c not in found.columns for c in RISKY_CHANGES_COLUMNS
    ):
        raise InvalidParameterError(
            parameter, f"rule {name!r}: find() must return a frame with the risky_changes columns"
        )
    return found


def rules_table(rules: Sequence[Rule] | None = None) -> pd.DataFrame:
    """The rules as a table: ``name``, ``kind``, ``severity``, ``reason``, ``matches``.

    Parameters
    ----------
    rules
        Rules to describe; :data:`DEFAULT_RULES` when ``None``.

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``rules`` is not a list of rules.

    Examples
    --------
    >>> t = rules_table()
    >>> t.loc[t["name"] == "failed_login", "matches"].item()
    "action_in('login', result=False)"
    """
    chosen = (
        DEFAULT_RULES
        if rules is None
        else _check_rules("rules", rules, needs=("name", "severity", "reason"))
    )
    rows = []
    for r in chosen:
        if isinstance(r, SettingRule):
            matches = f"{'/'.join(r.settings)} lowered in {' < '.join(r.order)}"
        elif isinstance(r, BurstRule):
            matches = f"{r.min_events}+ of {r.predicate!r} by one actor within {r.window}"
        else:
            matches = repr(getattr(r, "predicate", r))
        rows.append((r.name, getattr(r, "kind", "event"), r.severity, r.reason, matches))
    return pd.DataFrame(rows, columns=["name", "kind", "severity", "reason", "matches"]).astype(
        STRING
    )
