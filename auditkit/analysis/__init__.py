"""Analyses of the audit-log frame: plain functions, frame in, frame out.

Every function takes the frame built by :func:`auditkit.frame.records_to_frame`
(or any frame with the columns it needs), never modifies it, and returns a new
frame. An empty input gives an empty output with the documented columns and
dtypes. The same functions are methods of the ``df.audit`` accessor.

Who did something is the *actor*: the actor's email, or the actor id where there
is no email (system actors such as ``1``), or ``"(unknown)"`` when both are
missing.

This package's one job is those analyses; its private modules, each with one job:

- ``_checks``: argument checks (``check_*``, :func:`require_columns`).
- ``_columns``: the columns each analysis reads (:data:`REQUIRED_COLUMNS`) and how
  values are read (as text, actor, group labels, times) and outputs typed.
- ``_activity``: :func:`activity_by_actor`, :func:`activity_over_time`,
  :func:`activity_heatmap`, :func:`new_ips`.
- ``_changes``: :func:`change_timeline`, value changes and JSON diffs.
- ``_predicates``: the rule predicates :func:`action_in`, :func:`action_matches`.
- ``_rules``: the rules engine (:class:`RiskRule`, :class:`SettingRule`,
  :class:`BurstRule`, :class:`RuleContext`, findings).
- ``_default_rules``: the built-in rules as data (:data:`DEFAULT_RULES`).
- ``_risky``: :func:`risky_changes` and :func:`rules_table`.

Data flows one way: ``_checks`` <- ``_columns`` <- ``_activity``, ``_changes``,
``_predicates`` <- ``_rules`` <- ``_default_rules`` <- ``_risky`` <- this package.

Examples
--------
>>> from auditkit.frame import records_to_frame
>>> df = records_to_frame([
...     {"id": "a", "when": "2026-10-01T09:00:00Z", "action": {"type": "login", "result": True},
...      "actor": {"email": "ana@example.com", "ip": "192.0.2.1", "type": "user"}},
...     {"id": "b", "when": "2026-10-01T09:05:00Z", "action": {"type": "login", "result": False},
...      "actor": {"email": "ana@example.com", "ip": "192.0.2.9", "type": "user"}},
... ])
>>> activity_by_actor(df)[["actor", "events", "failures", "distinct_ips"]]
             actor  events  failures  distinct_ips
0  ana@example.com       2         1             2
>>> risky_changes(df)[["rule", "reason"]]
           rule                       reason
0  failed_login  failed login from 192.0.2.9
"""

from __future__ import annotations

# A name imported with a redundant ``as`` is importable but not public (not in
# __all__): a building block that auditkit.plotting, auditkit.panel,
# auditkit.accessor or the tests import from here.
from ._activity import ACTIVITY_BY_ACTOR_COLUMNS as ACTIVITY_BY_ACTOR_COLUMNS
from ._activity import NEW_IPS_COLUMNS as NEW_IPS_COLUMNS
from ._activity import WEEKDAYS as WEEKDAYS
from ._activity import activity_by_actor, activity_heatmap, activity_over_time, new_ips
from ._changes import CHANGE_TIMELINE_COLUMNS as CHANGE_TIMELINE_COLUMNS
from ._changes import NOISE_KEYS as NOISE_KEYS
from ._changes import change_timeline
from ._checks import _short as _short
from ._checks import check_bool as check_bool
from ._checks import check_by_type as check_by_type
from ._checks import check_filter as check_filter
from ._checks import check_freq as check_freq
from ._checks import check_int as check_int
from ._checks import check_timedelta as check_timedelta
from ._checks import check_tz as check_tz
from ._checks import require_columns as require_columns
from ._columns import ACTOR_COLUMNS, actor_label, text_labels
from ._columns import MISSING_LABEL as MISSING_LABEL
from ._columns import REQUIRED_COLUMNS as REQUIRED_COLUMNS
from ._columns import STRING as STRING
from ._columns import UNKNOWN_ACTOR as UNKNOWN_ACTOR
from ._columns import UTC as UTC
from ._columns import _as_string as _as_string
from ._columns import _empty as _empty
from ._columns import _missing as _missing
from ._columns import _typed as _typed
from ._columns import _when as _when
from ._columns import check_by as check_by
from ._columns import check_when as check_when
from ._default_rules import DEFAULT_RULES
from ._predicates import ActionIn as ActionIn
from ._predicates import ActionMatches as ActionMatches
from ._predicates import action_in, action_matches
from ._risky import SEVERITIES as SEVERITIES
from ._risky import risky_changes, rules_table
from ._rules import RISKY_CHANGES_COLUMNS as RISKY_CHANGES_COLUMNS
from ._rules import BurstRule, RiskRule, SettingRule
from ._rules import Rule as Rule
from ._rules import RuleContext as RuleContext

__all__ = [
    "ACTOR_COLUMNS",
    "DEFAULT_RULES",
    "BurstRule",
    "RiskRule",
    "SettingRule",
    "action_in",
    "action_matches",
    "activity_by_actor",
    "activity_heatmap",
    "activity_over_time",
    "actor_label",
    "change_timeline",
    "new_ips",
    "risky_changes",
    "rules_table",
    "text_labels",
]
