"""Benchmark helper: serve a scaled synthetic account from a separate process.

Prints one JSON line ``{"base_url": ..., "token": ..., "entries": ...}`` when ready,
then serves until killed. The account is several seeds of the sandbox's synthetic
account side by side (distinct ids), anchored two days ago so every window is closed.

Usage::

    python benchmarks/_server.py --entries 20000 --latency 0.1
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta

from auditkit import sandbox


def scaled_records(entries: int, anchor: datetime) -> list[dict]:
    """``entries`` synthetic records (several seeds of the sandbox account), newest first."""
    out: list[dict] = []
    seed = 0
    while len(out) < entries:
        out.extend(sandbox.generate_records(seed=seed, anchor=anchor))
        seed += 1
    out = out[:entries]
    out.sort(key=lambda r: (r["when"], r["id"]), reverse=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    anchor = (datetime.now(UTC) - timedelta(days=2)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    records = scaled_records(args.entries, anchor)
    sb = sandbox.start(records=records, latency=args.latency)
    print(
        json.dumps(
            {
                "base_url": sb.base_url,
                "token": sb.token,
                "entries": len(records),
                "before": anchor.isoformat(),
            }
        ),
        flush=True,
    )
    try:
        sb.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()
    sys.exit(0)


if __name__ == "__main__":
    main()
