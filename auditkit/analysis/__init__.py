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
- ``_changetable``: the change table's columns, JSON diffs and assembly.
- ``_changes_v2``: value changes of a v2 frame, from its request/response bodies.
- ``_changes``: :func:`change_timeline`, value changes and JSON diffs.
- ``_predicates``: the rule predicates :func:`action_in`, :func:`action_matches`.
- ``_predicates_v2``: the v2 rule predicates :func:`action_on`,
  :func:`first_token_use`.
- ``_context``: what rules look at (:class:`RuleContext`), on v1 and v2 frames.
- ``_rules``: the rules engine (:class:`RiskRule`, :class:`SettingRule`,
  :class:`BurstRule`, findings).
- ``_default_rules``: the built-in rules as data (:data:`DEFAULT_RULES`).
- ``_default_rules_v2``: the built-in rules for v2 frames as data
  (:data:`DEFAULT_RULES_V2`).
- ``_risky``: :func:`risky_changes` and :func:`rules_table`.

A v2 frame (Audit Logs v2) is told apart by its columns (``_columns.is_v2_frame``);
``change_timeline`` and ``risky_changes`` then read v2's request and response
bodies, and ``risky_changes`` applies :data:`DEFAULT_RULES_V2`.

Data flows one way: ``_checks`` <- ``_columns`` <- ``_activity``, ``_changetable``
<- ``_changes_v2`` <- ``_changes``; ``_columns`` <- ``_predicates``,
``_predicates_v2``; ``_changes`` <- ``_context`` <- ``_rules``; ``_predicates``,
``_predicates_v2``, ``_rules`` <- ``_default_rules``, ``_default_rules_v2`` <-
``_risky`` <- this package.

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

# Imported with a redundant ``as``: not public (not in __all__), the accessor's
# contract (which columns each analysis needs, and how that is checked).
# Everything else the package's neighbours use they import from its modules.
from ._activity import activity_by_actor, activity_heatmap, activity_over_time
from ._changes import change_timeline
from ._checks import check_by_type as check_by_type
from ._checks import require_columns as require_columns
from ._columns import ACTOR_COLUMNS, actor_label, text_labels
from ._columns import REQUIRED_COLUMNS as REQUIRED_COLUMNS
from ._columns import required_for as required_for
from ._default_rules import DEFAULT_RULES
from ._default_rules_v2 import DEFAULT_RULES_V2
from ._newips import new_ips
from ._predicates import action_in, action_matches
from ._predicates_v2 import action_on, first_token_use
from ._risky import risky_changes, rules_table
from ._rules import BurstRule, RiskRule, SettingRule

__all__ = [
    "ACTOR_COLUMNS",
    "DEFAULT_RULES",
    "DEFAULT_RULES_V2",
    "BurstRule",
    "RiskRule",
    "SettingRule",
    "action_in",
    "action_matches",
    "action_on",
    "activity_by_actor",
    "activity_heatmap",
    "activity_over_time",
    "actor_label",
    "change_timeline",
    "first_token_use",
    "new_ips",
    "risky_changes",
    "rules_table",
    "text_labels",
]
