"""Rules applied to a frame (:func:`risky_changes`) and described (:func:`rules_table`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..errors import AuditKitError, InvalidParameterError
from ._checks import _short, require_columns
from ._columns import (
    REQUIRED_COLUMNS,
    REQUIRED_COLUMNS_V2,
    STRING,
    _empty,
    _typed,
    check_when,
    is_v2_frame,
)
from ._default_rules import DEFAULT_RULES
from ._default_rules_v2 import DEFAULT_RULES_V2
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
        Audit-log frame: v1, or Audit Logs v2 (told apart by its columns, see
        :func:`~auditkit.analysis._columns.is_v2_frame`).
    rules
        Rules to apply; when ``None``, :data:`DEFAULT_RULES` on a v1 frame and
        :data:`DEFAULT_RULES_V2` on a v2 frame (the same story in v2's vocabulary:
        ``action_type`` create/update/delete/view on a ``resource_product`` /
        ``resource_type``; settings read from the request and response bodies).
    extra_rules
        More rules, applied after ``rules`` (e.g. your own :class:`RiskRule`). Any
        rule runs on either shape; its predicate must read columns the frame has
        (:func:`action_in` for v1's action types, :func:`action_on` for v2's).

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
        ``df`` is not a frame with the needed columns (v1's, or v2's
        :data:`~auditkit.analysis._columns.REQUIRED_COLUMNS_V2`); ``rules`` or ``extra_rules``
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

    On a v2 frame:

    >>> from auditkit.frame import V2
    >>> v2 = records_to_frame([
    ...     {"id": "t2", "action": {"time": "2026-10-01T09:00:00Z", "type": "create"},
    ...      "actor": {"email": "ana@example.com"},
    ...      "resource": {"product": "api_tokens", "type": "api_token", "request": {"name": "ci"}}},
    ... ], schema=V2)
    >>> risky_changes(v2)[["rule", "severity", "reason"]]
                rule severity                 reason
    0  token_created   medium  API token created: ci
    """
    v2 = is_v2_frame(df)
    needed = REQUIRED_COLUMNS_V2 if v2 else REQUIRED_COLUMNS
    require_columns(df, needed["risky_changes"], "risky_changes")
    check_when(df)
    defaults = DEFAULT_RULES_V2 if v2 else DEFAULT_RULES
    base = list(defaults) if rules is None else _check_rules("rules", rules, needs=())
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


def rules_table(rules: Sequence[Rule] | None = None, *, schema: Any = "v1") -> pd.DataFrame:
    """The rules as a table: ``name``, ``kind``, ``severity``, ``reason``, ``matches``.

    Parameters
    ----------
    rules
        Rules to describe; when ``None``, the built-in rules of ``schema``.
    schema
        Whose built-in rules ``rules=None`` describes: ``"v1"`` (:data:`DEFAULT_RULES`)
        or ``"v2"`` (:data:`DEFAULT_RULES_V2`), or the schema itself
        (:data:`auditkit.frame.V2`).

    Raises
    ------
    auditkit.errors.InvalidParameterError
        ``rules`` is not a list of rules, or ``schema`` is not ``"v1"`` or ``"v2"``.

    Examples
    --------
    >>> t = rules_table()
    >>> t.loc[t["name"] == "failed_login", "matches"].item()
    "action_in('login', result=False)"
    >>> t2 = rules_table(schema="v2")
    >>> t2.loc[t2["name"] == "failed_action", "matches"].item()
    'action_on(result=False)'
    """
    if rules is None:
        chosen: Sequence[Any] = DEFAULT_RULES_V2 if _schema_name(schema) == "v2" else DEFAULT_RULES
    else:
        _schema_name(schema)
        chosen = _check_rules("rules", rules, needs=("name", "severity", "reason"))
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


def _schema_name(schema: Any) -> str:
    """``"v1"`` or ``"v2"`` for ``rules_table``'s ``schema`` (a name or a ``Schema``)."""
    name = getattr(schema, "name", schema)
    if name not in ("v1", "v2"):
        raise InvalidParameterError(
            "schema", f"must be 'v1' or 'v2' (or auditkit.frame.V2), got {_short(schema)}"
        )
    return str(name)
