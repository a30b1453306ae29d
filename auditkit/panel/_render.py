"""The filter panel's HTML and SVG: each view rendered from plain data (frames, arrays, numbers).

The count line, the date-range label, the "By actor" table, the table of first
matching rows (with :func:`change_texts`), the risky-changes view's lines, the
export status and the activity chart. A missing value reads :data:`MISSING`
(``"(none)"``), as in the multi-choice controls. The chart is inline SVG
drawn here (a matplotlib figure costs 100 ms or more per redraw, a third of the
panel's update budget), with its axis helpers :func:`_nice_ticks` and
:func:`_date_ticks`. Every text from the frame is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from auditkit.analysis import text_labels
from auditkit.analysis._columns import _missing, column_for
from auditkit.plotting._style import FAILURE_COLOR

from ._index import MISSING, as_date

#: Keys of a JSON value shown as a change side, in order (a DNS record's).
_RECORD_KEYS = ("type", "name", "content")

#: Columns shown in the table of first matching rows (``interface`` is headed by the
#: column it is read from: ``actor_context`` on a v2 frame).
ROW_COLUMNS = (
    "when",
    "actor",
    "action_type",
    "result",
    "resource_type",
    "resource_id",
    "zone_name",
    "interface",
    "actor_ip",
    "change",
)

_EVENT_COLOR = "#1f77b4"

#: The panel's style sheet (scoped to ``.auditkit-panel``).
CSS = """
<style>
.auditkit-panel .ak-table {max-width: 100%; overflow-x: auto;}
.auditkit-panel .ak-table table {border-collapse: collapse; font-size: 12px; width: 100%;}
.auditkit-panel .ak-table th {text-align: left; padding: 2px 8px; border-bottom: 1px solid #999;}
.auditkit-panel .ak-table td {padding: 2px 8px; border-bottom: 1px solid rgba(128,128,128,.25);
  white-space: nowrap; max-width: 28em; overflow: hidden; text-overflow: ellipsis;}
.auditkit-panel .ak-title {font-weight: 600; margin: 6px 0 2px 0;}
.auditkit-panel .ak-count {font-size: 15px;}
.auditkit-panel .ak-failed {color: #d62728; font-weight: 600;}
.auditkit-panel .ak-sev {font-weight: 600; display: inline-block; min-width: 4.5em;}
</style>
"""


def _nice_ticks(peak: int) -> tuple[int, list[int]]:
    """Top of the y axis and its ticks: a 1-2-5 step giving at most 5 ticks."""
    peak = max(peak, 1)
    step = 1
    while True:
        for mult in (1, 2, 5):
            s = step * mult
            if -(-peak // s) <= 4:
                top = -(-peak // s) * s
                return top, list(range(0, top + 1, s))
        step *= 10


def _date_ticks(first_day: int, end_day: int) -> list[tuple[int, str]]:
    """Tick positions (day numbers in ``[first_day, end_day]``) and labels, at most ~8."""
    span = end_day - first_day
    start = as_date(first_day)
    ticks: list[tuple[int, str]] = []
    if span <= 16:
        every = 1 if span <= 8 else 2
        for d in range(first_day, end_day + 1, every):
            ticks.append((d, as_date(d).strftime("%b %d")))
        return ticks
    if span <= 70:
        # Mondays
        d = first_day + (7 - start.weekday()) % 7
        every = 7 if span <= 56 else 14
        while d <= end_day:
            ticks.append((d, as_date(d).strftime("%b %d")))
            d += every
        return ticks
    months = 1 if span <= 250 else (3 if span <= 800 else 12)
    year, month = start.year, start.month
    previous_year = None
    while True:
        if month > 12:
            year, month = year + 1, month - 12
        day = (dt.date(year, month, 1) - dt.date(1970, 1, 1)).days
        if day > end_day:
            break
        if day >= first_day and (month - 1) % months == 0:
            label = dt.date(year, month, 1).strftime("%b")
            if previous_year != year:
                label += f" {year}" if months < 12 else ""
                label = str(year) if months == 12 else label
                previous_year = year
            ticks.append((day, label))
        month += 1
    return ticks


def count_html(n: int, total: int, active: Sequence[str]) -> str:
    """The count line: ``n`` of ``total`` entries match, and the ``active`` filters' names."""
    shown = f" &nbsp;<small>filters: {html.escape(', '.join(active))}</small>" if active else ""
    return f'<span class="ak-count"><b>{n:,}</b> of {total:,} entries match</span>{shown}'


def range_label_html(lo: dt.date, hi: dt.date) -> str:
    """The label beside the date slider: both days and the number of days."""
    n_days = (hi - lo).days + 1
    return f"{lo.isoformat()} → {hi.isoformat()} <small>({n_days:,} day{'s' if n_days > 1 else ''})</small>"


def export_status_html(count: int, path: str | Path) -> str:
    """The status beside the export button once ``count`` rows are written to ``path``."""
    return f"wrote {count:,} rows to <code>{html.escape(str(path))}</code>"


def summary_html(summary: pd.DataFrame, top_actors: int) -> str:
    """The "By actor" table: the first ``top_actors`` rows of ``summary`` (``FilterPanel.summary``)."""
    total = len(summary)
    head = summary.head(top_actors)
    if head.empty:
        return '<div class="ak-table"><i>no matching entries</i></div>'
    view = pd.DataFrame(
        {
            "actor": head["actor"].astype(object),
            "events": head["events"].map("{:,}".format),
            "failures": head["failures"].map("{:,}".format),
            "IPs": head["distinct_ips"],
            "zones": head["distinct_zones"],
            "top action": head["top_action"].astype(object).fillna(MISSING),
            "last seen": head["last_seen"].dt.strftime("%Y-%m-%d %H:%M").fillna(MISSING),
        }
    )
    more = (
        f"<div><small>… and {total - len(head):,} more actors</small></div>"
        if total > len(head)
        else ""
    )
    return f'<div class="ak-table">{view.to_html(index=False, border=0)}{more}</div>'


def _cells(col: pd.Series) -> np.ndarray:
    """A column's values as table cells: text, missing (or empty) as :data:`MISSING`."""
    return text_labels(col).to_numpy(dtype=object)


def value_text(plain: Any, json_value: Any) -> str | None:
    """One side of a change as text: the plain value, else the JSON value, else ``None``.

    A JSON object with a ``type``, ``name`` or ``content`` (a DNS record) is shown
    as those, space-separated (``"A www.example.com 192.0.2.1"``); any other JSON
    value as compact JSON text.

    Examples
    --------
    >>> value_text(None, {"type": "A", "name": "www", "content": "192.0.2.1", "ttl": 1})
    'A www 192.0.2.1'
    >>> value_text("full", None), value_text(None, [1, 2]), value_text(None, None)
    ('full', '[1,2]', None)
    """
    if not _missing(plain) and str(plain) != "":
        return str(plain)
    if _missing(json_value):
        return None
    if isinstance(json_value, dict):
        parts = [str(json_value[k]) for k in _RECORD_KEYS if not _missing(json_value.get(k))]
        if parts:
            return " ".join(parts)
    return json.dumps(json_value, separators=(",", ":"), sort_keys=True, default=str)


def change_texts(rows: pd.DataFrame, width: int = 60) -> list[str]:
    """Per row, ``"<old> → <new>"`` (a missing side as :data:`MISSING`), or ``""`` for no change.

    Each side is :func:`value_text` of ``old_value``/``old_value_json`` and
    ``new_value``/``new_value_json``: a deleted DNS record (``rec_del``) reads
    ``"A www.example.com 192.0.2.1 → (none)"``. Cut to ``width`` characters.
    """

    def column(name: str) -> list[Any]:
        if name not in rows.columns:
            return [None] * len(rows)
        return list(rows[name].astype(object))

    out = []
    for sides in zip(
        column("old_value"),
        column("old_value_json"),
        column("new_value"),
        column("new_value_json"),
        strict=True,
    ):
        old, new = value_text(sides[0], sides[1]), value_text(sides[2], sides[3])
        if old is None and new is None:
            out.append("")
            continue
        text = f"{MISSING if old is None else old} → {MISSING if new is None else new}"
        out.append(text if len(text) <= width else text[: width - 1] + "…")
    return out


def rows_html(rows: pd.DataFrame, actor: np.ndarray, count: int) -> str:
    """The table of first matching rows: ``rows`` of the frame, their ``actor`` labels.

    ``count`` is the number of matching rows in all (the table says how many more).
    """
    if len(rows) == 0:
        return '<div class="ak-table"><i>no matching entries</i></div>'
    when = rows["when"]
    when_text = (
        when.dt.strftime("%Y-%m-%d %H:%M:%S").fillna(MISSING)
        if isinstance(when.dtype, pd.DatetimeTZDtype)
        else when.astype(str)
    )
    result = [
        "ok" if v is True else ("FAILED" if v is False else MISSING)
        for v in rows["action_result"].astype(object).where(rows["action_result"].notna(), None)
    ]
    change = change_texts(rows)
    view = pd.DataFrame(
        {
            "when": when_text.to_numpy(dtype=object),
            "actor": actor,
            "action_type": text_labels(rows["action_type"]).to_numpy(dtype=object),
            "result": result,
            "resource_type": text_labels(rows["resource_type"]).to_numpy(dtype=object),
            "resource_id": _cells(rows["resource_id"]),
            "zone_name": _cells(rows["zone_name"]),
            "interface": _cells(rows[column_for(rows, "interface")]),
            "actor_ip": _cells(rows["actor_ip"]),
            "change": change,
        }
    )
    more = count - len(view)
    tail = f"<div><small>… and {more:,} more</small></div>" if more > 0 else ""
    view = view[list(ROW_COLUMNS)].rename(columns={"interface": column_for(rows, "interface")})
    table = view.to_html(index=False, border=0)
    table = table.replace("<td>FAILED</td>", '<td class="ak-failed">FAILED</td>')
    return f'<div class="ak-table">{table}{tail}</div>'


def chart_svg(
    step: int, first: int, counts: np.ndarray, fails: np.ndarray, lo: int, hi: int
) -> str:
    """The activity chart as inline SVG: events per day, failures in red.

    ``step``, ``first``, ``counts``, ``fails`` are the bins of
    :meth:`~auditkit.panel._index.PanelIndex.binned`; ``lo`` and ``hi`` the
    date slider's index (the days shown). Drawn by hand (two step areas,
    gridlines, date ticks) rather than with matplotlib: it costs about a
    millisecond, stays sharp at any zoom and takes its text colour from the
    notebook theme.
    """
    lo_bin, hi_bin = lo // step, hi // step + 1
    counts, fails = counts[lo_bin:hi_bin], fails[lo_bin:hi_bin]
    x0_day = first + lo_bin * step
    span = max(len(counts) * step, 1)
    width, height = 640, 210
    left, right, top, bottom = 46, 12, 26, 30
    pw, ph = width - left - right, height - top - bottom
    ymax, yticks = _nice_ticks(int(counts.max()) if len(counts) else 0)

    def sx(day: Any) -> Any:  # a number or an array of them
        return left + (day - x0_day) / span * pw

    def sy(v: Any) -> Any:
        return top + ph - v / ymax * ph

    def area(values: np.ndarray) -> str:
        if not len(values) or not values.any():
            return ""
        xs = sx(x0_day + step * np.arange(len(values) + 1))
        ys = sy(values.astype(float))
        pts = [f"M{xs[0]:.1f},{sy(0):.1f}"]
        for i, y in enumerate(ys):
            pts.append(f"L{xs[i]:.1f},{y:.1f}L{xs[i + 1]:.1f},{y:.1f}")
        pts.append(f"L{xs[-1]:.1f},{sy(0):.1f}Z")
        return "".join(pts)

    period = {1: "day", 7: "week", 30: "30 days"}[step]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" class="ak-svg" '
        'style="font: 11px sans-serif; color: inherit">',
        f"<title>Matching events per {period} (UTC)</title>",
        f'<text x="{left}" y="14" fill="currentColor" font-weight="600">'
        f"Matching events per {period} (UTC)</text>",
        f'<rect x="{width - 150}" y="6" width="10" height="10" fill="{_EVENT_COLOR}"/>'
        f'<text x="{width - 136}" y="15" fill="currentColor">events</text>'
        f'<rect x="{width - 84}" y="6" width="10" height="10" fill="{FAILURE_COLOR}"/>'
        f'<text x="{width - 70}" y="15" fill="currentColor">failed</text>',
    ]
    for v in yticks:
        y = sy(v)
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="currentColor" stroke-opacity="0.15"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'fill="currentColor">{v:,}</text>'
        )
    out.append(f'<path d="{area(counts)}" fill="{_EVENT_COLOR}"/>')
    out.append(f'<path d="{area(fails)}" fill="{FAILURE_COLOR}"/>')
    base = sy(0)
    out.append(
        f'<line x1="{left}" x2="{width - right}" y1="{base:.1f}" y2="{base:.1f}" '
        'stroke="currentColor" stroke-opacity="0.6"/>'
    )
    for day, label in _date_ticks(x0_day, x0_day + span):
        x = sx(day)
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base:.1f}" y2="{base + 4:.1f}" '
            'stroke="currentColor" stroke-opacity="0.6"/>'
            f'<text x="{x:.1f}" y="{base + 17:.1f}" text-anchor="middle" '
            f'fill="currentColor">{html.escape(label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


#: Colour of each severity in the risky-changes view.
SEVERITY_COLORS = {"high": FAILURE_COLOR, "medium": "#ff7f0e", "low": "#7f7f7f"}


def finding_html(finding: Any) -> str:
    """One finding of the risky-changes view: severity, time, rule, reason, actor, resource.

    ``finding`` is a row of :meth:`auditkit.panel._findings.Findings.matching`
    (anything with those keys); a missing value reads :data:`MISSING`.

    Examples
    --------
    >>> print(finding_html({"severity": "high", "when": pd.NaT, "rule": "waf_off",
    ...     "reason": "WAF <off>", "actor": "ana", "resource": None, "events": 1}))
    ... # doctest: +NORMALIZE_WHITESPACE
    <span class="ak-sev ak-sev-high" style="color: #d62728">high</span>
    <code>(none)</code> <b>waf_off</b> WAF &lt;off&gt; · ana · (none)
    """

    def text(key: str) -> str:
        value = finding[key]
        return html.escape(MISSING if _missing(value) else str(value))

    severity = str(finding["severity"]).lower()
    color = SEVERITY_COLORS.get(severity, "inherit")
    when = finding["when"]
    when_text = MISSING if _missing(when) else pd.Timestamp(when).strftime("%Y-%m-%d %H:%M")
    events = finding["events"]
    burst = f" ({int(events):,} events)" if not _missing(events) and int(events) > 1 else ""
    return (
        f'<span class="ak-sev ak-sev-{html.escape(severity)}" style="color: {color}">'
        f"{html.escape(severity)}</span> <code>{when_text}</code> <b>{text('rule')}</b> "
        f"{text('reason')}{burst} · {text('actor')} · {text('resource')}"
    )


def findings_title_html(shown: int, total: int, error: str | None = None) -> str:
    """The risky-changes view's title: how many findings match, how many are listed.

    Examples
    --------
    >>> findings_title_html(3, 40)
    '<div class="ak-title">Risky changes: 40 findings (first 3; high severity first)</div>'
    """
    if error is not None:
        return (
            '<div class="ak-title">Risky changes</div>'
            f"<div><small>not available for this frame: {html.escape(error)}</small></div>"
        )
    if total == 0:
        return '<div class="ak-title">Risky changes: none among the matching entries</div>'
    first = f"first {shown:,}; " if shown < total else ""
    noun = "finding" if total == 1 else "findings"
    return (
        f'<div class="ak-title">Risky changes: {total:,} {noun} ({first}high severity first)</div>'
    )
