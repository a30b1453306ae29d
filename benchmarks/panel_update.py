"""How long a FilterPanel update takes: under 300 ms on 100,000 rows, under 1 s on 1,000,000.

For each size, builds an audit-log frame from the sandbox's synthetic account (its
records through :func:`auditkit.frame.records_to_frame`, repeated with distinct
ids, actors, IPs and shifted times), builds a :class:`auditkit.panel.FilterPanel`
on it, then sets each control several times and times the whole update as a
notebook user sees it in the kernel (mask, count, chart SVG, actor summary,
risky changes, first rows; the browser round trip is not included). Each update is also
compared with a naive pandas filter of the same conditions written from scratch
(``Series.isin``, ``.dt.normalize()``, ``.str.contains(case=False)`` over the text
columns), which computes the matching rows only and draws nothing.

Run::

    python benchmarks/panel_update.py            # 100,000 and 1,000,000 rows
    python benchmarks/panel_update.py --rows 20000 --repeat 3

It exits non-zero when an update is over its size's target (:func:`target_ms`)
or the panel's rows differ from the naive filter's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
import pandas as pd

matplotlib.use("Agg")

TARGET_MS = 300.0
#: Sizes run by default, and the target of the largest.
SIZES = (100_000, 1_000_000)
LARGE_TARGET_MS = 1000.0


def target_ms(rows: int) -> float:
    """The update target for a frame of ``rows`` rows: 300 ms up to 100,000, else 1 s."""
    return TARGET_MS if rows <= 100_000 else LARGE_TARGET_MS


ANCHOR = "2026-11-01T00:00:00Z"


def build_frame(rows: int = 100_000, seed: int = 0) -> pd.DataFrame:
    """A ``rows``-row audit-log frame: the sandbox account, repeated with variations.

    Copy ``k`` of the synthetic account (about 3,700 records) gets ids suffixed
    ``-k``, actor emails ``name+k@domain``, IPs with the last octet/group varied
    and times shifted by ``k`` times 17 minutes, so the multi-choice controls have
    over 100 actors and many IPs.
    """
    from auditkit.frame import records_to_frame
    from auditkit.sandbox import generate_records

    base = records_to_frame(generate_records(seed=seed, anchor=ANCHOR))
    copies = []
    k = 0
    total = 0
    while total < rows:
        part = base.copy()
        if k:
            part["id"] = part["id"] + f"-{k}"
            part["actor_email"] = part["actor_email"].str.replace("@", f"+{k}@", regex=False)
            part["actor_ip"] = part["actor_ip"].astype("string") + f"{k % 10}"
            part["when"] = part["when"] - pd.Timedelta(minutes=17 * k)
        copies.append(part)
        total += len(part)
        k += 1
    out = pd.concat(copies, ignore_index=True).iloc[:rows]
    out = out.sort_values("when", ascending=False, kind="stable").reset_index(drop=True)
    for name in ("action_type", "actor_type", "interface", "resource_type"):
        out[name] = out[name].astype(base[name].dtype)
    for name in ("actor_id", "actor_email", "actor_ip", "owner_id", "zone_name"):
        if str(base[name].dtype) == "category":  # as a load has them: dictionary-encoded
            out[name] = out[name].astype("category")
    return out


def naive_filter(df: pd.DataFrame, conditions: dict[str, Any]) -> pd.DataFrame:
    """The matching rows, computed from scratch with plain pandas (the baseline).

    What one would write without the panel: nothing precomputed, every condition
    evaluated on the frame's columns, the search over every text column.
    """
    mask = pd.Series(True, index=df.index)
    from auditkit.analysis import actor_label

    actor = actor_label(df)  # the one definition of "actor" (not re-implemented here)
    columns = {
        "actor": actor,
        "action_type": df["action_type"],
        "resource_type": df["resource_type"],
        "zone": df["zone_name"],
        "interface": df["interface"],
    }
    for name, values in conditions.items():
        if name in columns:
            mask &= columns[name].isin(list(values)).fillna(False)
        elif name == "result":
            mask &= df["action_result"].eq(values == "succeeded").fillna(False)
        elif name == "date_range":
            day = df["when"].dt.tz_convert(None).dt.normalize()
            lo, hi = (pd.Timestamp(v) for v in values)
            mask &= (day >= lo) & (day <= hi)
        elif name == "search":
            for term in values.lower().split():
                hit = pd.Series(False, index=df.index)
                for col in df.columns:
                    if col == "when" or str(df[col].dtype) == "boolean":
                        continue
                    text = df[col].astype(str) if df[col].dtype == object else df[col]
                    hit |= (
                        text.astype("string").str.contains(term, case=False, regex=False)
                    ).fillna(False)
                mask &= hit
    return df[mask]


def _timed(func: Callable[[], Any]) -> float:
    start = time.perf_counter()
    func()
    return (time.perf_counter() - start) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, nargs="+", default=list(SIZES), help="frame sizes to time"
    )
    parser.add_argument("--repeat", type=int, default=5, help="updates timed per scenario")
    args = parser.parse_args(argv)
    results = [run(rows, args.repeat) for rows in args.rows]
    print()
    for rows, (_code, worst) in zip(args.rows, results, strict=True):
        print(f"{rows:>10,} rows: worst update {worst:7.1f} ms (target {target_ms(rows):.0f} ms)")
    return max(code for code, _ in results)


def run(rows: int, repeat: int) -> tuple[int, float]:
    """Time every scenario on a ``rows``-row frame: (exit code, worst update in ms)."""
    from auditkit.panel import FilterPanel

    target = target_ms(rows)
    t0 = time.perf_counter()
    df = build_frame(rows)
    print(f"frame: {len(df):,} rows built in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    panel = FilterPanel(df)
    print(f"panel: built in {(time.perf_counter() - t0) * 1000:.0f} ms (precompute + first render)")

    actors = [v for v, _ in zip(panel.controls["actor"].options, range(3), strict=False)]
    top_actor = actors[0][1]
    three = tuple(v for _, v in actors)
    days = panel.controls["date_range"].options
    month = (days[-31][1], days[-1][1])
    week = (days[-60][1], days[-54][1])
    zones = tuple(v for _, v in panel.controls["zone"].options[:2])

    # name -> (settings applied to the panel, the same conditions for the baseline)
    scenarios: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
        "actor (1 of many)": ({"actor": (top_actor,)}, {"actor": (top_actor,)}),
        "actor (3)": ({"actor": three}, {"actor": three}),
        "action_type": ({"action_type": ("change_setting",)}, {"action_type": ("change_setting",)}),
        "resource_type": ({"resource_type": ("zone",)}, {"resource_type": ("zone",)}),
        "zone (2)": ({"zone": zones}, {"zone": zones}),
        "interface": ({"interface": ("API",)}, {"interface": ("API",)}),
        "result failed": ({"result": "failed"}, {"result": "failed"}),
        "date_range (31 days)": ({"date_range": month}, {"date_range": month}),
        "search 1 term": ({"search": "min_tls_version"}, {"search": "min_tls_version"}),
        "search 2 terms": ({"search": "203.0.113 login"}, {"search": "203.0.113 login"}),
        "combined (5 filters)": (
            {
                "actor": three,
                "resource_type": ("zone", "DNS_record"),
                "result": "succeeded",
                "date_range": week,
                "search": "example",
            },
            {
                "actor": three,
                "resource_type": ("zone", "DNS_record"),
                "result": "succeeded",
                "date_range": week,
                "search": "example",
            },
        ),
    }

    def prepare(settings: dict[str, Any]) -> tuple[str, Any]:
        """Reset, then set all but the last control (untimed); return the last one."""
        *before, last = settings.items()
        panel.reset()
        if before:
            with panel.hold():
                for name, value in before:
                    panel.controls[name].value = value
        return last

    def change(name: str, value: Any) -> None:
        panel.controls[name].value = value  # one control change = one update

    print(
        f"\n{'scenario':24} {'rows':>7} {'median ms':>10} {'max ms':>8} "
        f"{'naive ms':>9} {'ratio':>6}  target {target:.0f} ms"
    )
    worst = 0.0
    for label, (settings, baseline) in scenarios.items():
        times, naive = [], []
        matched = 0
        for _ in range(repeat):
            name, value = prepare(settings)
            times.append(_timed(lambda n=name, v=value: change(n, v)))
            matched = panel.count
            naive.append(_timed(lambda b=baseline: naive_filter(df, b)))
        expected = naive_filter(df, baseline)
        if not panel.filtered.index.equals(expected.index):
            print(f"MISMATCH in {label}: panel {panel.count} rows, naive {len(expected)} rows")
            return 2, float("nan")
        med, mx, nmed = statistics.median(times), max(times), statistics.median(naive)
        worst = max(worst, mx)
        verdict = "ok" if mx < target else "SLOW"
        print(
            f"{label:24} {matched:>7,} {med:>10.1f} {mx:>8.1f} {nmed:>9.1f} "
            f"{med / nmed:>6.2f}  {verdict}"
        )
    reset_ms = []
    for _ in range(repeat):
        prepare(scenarios["combined (5 filters)"][0])
        reset_ms.append(_timed(panel.reset))
    print(
        f"{'reset':24} {panel.count:>7,} {statistics.median(reset_ms):>10.1f} {max(reset_ms):>8.1f}"
    )
    worst = max(worst, max(reset_ms))
    print(
        f"\nworst update {worst:.1f} ms on {len(df):,} rows: "
        f"{'within' if worst < target else 'OVER'} the {target:.0f} ms target"
        f" (numpy {np.__version__}, pandas {pd.__version__}, python {sys.version.split()[0]},"
        f" {dt.date.today().isoformat()})"
    )
    print("ratio = panel update (mask + chart + summary + rows) / naive pandas filter (mask only)")
    return (0 if worst < target else 1), worst


if __name__ == "__main__":
    sys.exit(main())
