"""`auditkit demo` loads the sandbox account, prints the analyses and writes every chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditkit.cli import main
from auditkit.sandbox import generate_records


def test_demo_prints_summary_and_writes_every_chart(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    n = len(generate_records(seed=0))
    assert f"loaded {n:,} entries" in text
    assert "loaded again" in text and "pages from cache" in text
    for title in ("Activity by actor", "Risky changes (", "New IPs after a 7-day warm-up"):
        assert title in text
    assert "security level lowered from high to medium" in text
    charts = sorted(p.name for p in out.glob("*.png"))
    assert charts == [
        "activity.png",
        "activity_heatmap.png",
        "actor_summary.png",
        "security_settings_timeline.png",
    ]
    for name in charts:
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
