"""``auditkit demo``: the whole toolkit on the sandbox account, in one command.

Starts the sandbox, loads every entry (cold, then again from the cache), prints
a summary, the activity by actor and the risky changes, and writes each chart
as a PNG into the output folder.

Examples
--------
Shell::

    auditkit demo --out demo-output
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from ._suggest import plural

__all__ = ["run_demo"]

#: Zone settings whose history the demo charts.
SECURITY_SETTINGS = ("security_level", "ssl", "min_tls_version", "always_use_https", "waf")


def _print_table(title: str, frame: pd.DataFrame, rows: int = 15) -> None:
    print(f"\n{title}")
    print("-" * len(title))
    if frame.empty:
        print("(none)")
        return
    with pd.option_context(
        "display.width", 160, "display.max_columns", 20, "display.max_colwidth", 60
    ):
        print(frame.head(rows).to_string(index=False))
    if len(frame) > rows:
        print(f"... and {len(frame) - rows} more")


def _charts(df: pd.DataFrame, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import plotting

    jobs: list[tuple[str, Any, tuple[float, float]]] = [
        ("activity.png", lambda ax: plotting.plot_activity(df, freq="W", ax=ax), (11, 5)),
        ("activity_heatmap.png", lambda ax: plotting.plot_activity_heatmap(df, ax=ax), (11, 4.5)),
        ("actor_summary.png", lambda ax: plotting.plot_actor_summary(df, ax=ax), (9, 5)),
        (
            "security_settings_timeline.png",
            lambda ax: plotting.plot_change_timeline(df, setting=list(SECURITY_SETTINGS), ax=ax),
            (12, 5),
        ),
    ]
    written = []
    for name, draw, size in jobs:
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        draw(ax)
        path = out / name
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def run_demo(out: Path) -> None:
    """Run the demo: sandbox -> load -> summary -> analyses -> charts in ``out``.

    Parameters
    ----------
    out
        Folder for the PNG charts (created if missing).
    """
    from . import analysis, sandbox
    from ._load import load_audit_logs

    out.mkdir(parents=True, exist_ok=True)
    cache = out / "demo-cache.sqlite"
    with sandbox.start() as sb:
        print(
            f"auditkit demo: sandbox at {sb.base_url} "
            f"({plural(len(sb.records), 'synthetic entry', 'synthetic entries')})"
        )
        start = time.perf_counter()
        df = load_audit_logs(base_url=sb.base_url, token=sb.token, cache=cache, progress=False)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        again = load_audit_logs(base_url=sb.base_url, token=sb.token, cache=cache, progress=False)
        warm = time.perf_counter() - start
    print(
        f"loaded {plural(len(df), 'entry', 'entries')} in {cold:.2f} s "
        f"({plural(df.attrs['requests'], 'request')}, "
        f"{df.attrs['pages_from_cache']} of {plural(df.attrs['pages'], 'page')} from cache)"
    )
    print(
        f"loaded again in {warm:.2f} s ({plural(again.attrs['requests'], 'request')}, for the "
        f"live windows only; {again.attrs['pages_from_cache']} of "
        f"{plural(again.attrs['pages'], 'page')} from cache)"
    )
    if df.empty:
        print("no entries")
        return
    print(f"period: {df['when'].min():%Y-%m-%d %H:%M} to {df['when'].max():%Y-%m-%d %H:%M} UTC")
    print(
        f"actors: {plural(df['actor_email'].nunique(), 'person', 'people')} + "
        f"{df.loc[df['actor_email'].isna(), 'actor_id'].nunique()} without email; "
        f"zones: {df['zone_name'].nunique()}; IPs: {df['actor_ip'].nunique()}; "
        f"failed actions: {int((~df['action_result'].fillna(True)).sum())}"
    )
    top = df["action_type"].value_counts().head(8)
    print("top actions: " + ", ".join(f"{k} ({v})" for k, v in top.items()))

    actors = analysis.activity_by_actor(df)
    for col in ("first_seen", "last_seen"):
        actors[col] = actors[col].dt.strftime("%Y-%m-%d %H:%M")
    _print_table("Activity by actor", actors)
    risky = analysis.risky_changes(df)
    counts = risky["severity"].value_counts()
    _print_table(
        f"Risky changes ({', '.join(f'{n} {s}' for s, n in counts.items())})",
        risky.assign(when=risky["when"].dt.strftime("%Y-%m-%d %H:%M"))[
            ["when", "actor", "severity", "reason", "zone_name"]
        ],
        rows=25,
    )
    ips = analysis.new_ips(df)
    _print_table(
        "New IPs after a 7-day warm-up",
        ips.assign(when=ips["when"].dt.strftime("%Y-%m-%d %H:%M"))[
            ["when", "actor", "actor_ip", "action_type"]
        ],
    )
    paths = _charts(df, out)
    print("\ncharts:")
    for path in paths:
        print(f"  {path}")
