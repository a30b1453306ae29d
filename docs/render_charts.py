"""Render every chart of auditkit as a PNG into ``docs/``, from the sandbox's data.

Deterministic: the sandbox's synthetic account (seed 0) dated for a fixed anchor,
matplotlib's default style, the Agg backend and a fixed size and dpi per chart, so
the same auditkit and matplotlib give the same PNGs. Run it with
``python docs/render_charts.py`` (``make docs`` does); it prints each file written.

Charts: ``activity.png`` (events per period by actor, the period chosen from the
range), ``activity_heatmap.png`` (weekday x hour), ``actor_summary.png`` (events
and failures per actor), ``change_timeline.png`` (value changes on example.com at
the late-October incident, downgrades marked) and ``activity_v2.png`` (an Audit
Logs v2 frame's events by how the actors came in).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

import auditkit
from auditkit.frame import V2, records_to_frame
from auditkit.sandbox import generate_records, generate_v2_records

#: End of the synthetic history: fixed, so the charts do not change from day to day.
ANCHOR = "2026-11-30"
SEED = 0
DPI = 100
DOCS = Path(__file__).resolve().parent


def incident_window(df: pd.DataFrame) -> pd.DataFrame:
    """The rows from two days before to three days after example.com's SSL downgrade."""
    risky = auditkit.risky_changes(df)
    ssl = risky[(risky["rule"] == "ssl_downgraded") & (risky["zone_name"] == "example.com")]
    start = ssl["when"].max().floor("D") - pd.Timedelta("2D")
    return df[(df["when"] >= start) & (df["when"] < start + pd.Timedelta("5D"))]


def charts(v1: pd.DataFrame, v2: pd.DataFrame) -> list[tuple[str, Callable[[], Any]]]:
    """Each chart's file name and the call that draws it on a new figure."""
    return [
        ("activity.png", lambda: auditkit.plot_activity(v1)),
        ("activity_heatmap.png", lambda: auditkit.plot_activity_heatmap(v1)),
        ("actor_summary.png", lambda: auditkit.plot_actor_summary(v1)),
        (
            "change_timeline.png",
            lambda: auditkit.plot_change_timeline(incident_window(v1), zone_name="example.com"),
        ),
        ("activity_v2.png", lambda: auditkit.plot_activity(v2, by="actor_context")),
    ]


def main(out: Path = DOCS) -> list[Path]:
    """Write the PNGs into ``out``; return their paths."""
    plt.style.use("default")
    v1 = records_to_frame(generate_records(seed=SEED, anchor=ANCHOR))
    v2 = records_to_frame(generate_v2_records(seed=SEED, anchor=ANCHOR), schema=V2)
    written = []
    for name, draw in charts(v1, v2):
        ax = draw()
        path = out / name
        ax.figure.savefig(path, dpi=DPI, metadata={"Software": None})
        plt.close(ax.figure)
        written.append(path)
        print(path)
    return written


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS)
