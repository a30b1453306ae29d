"""Profile one auditkit load against the benchmark sandbox (cProfile, main thread).

``workers=1`` by default so that every page is fetched and typed in the main
thread, where cProfile sees it (it does not follow worker threads).

Usage::

    python benchmarks/profile_load.py --mode cold            # no cache
    python benchmarks/profile_load.py --mode fill            # cold, writing a fresh cache
    python benchmarks/profile_load.py --mode warm --top 30   # every window cached
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import Server, load

from auditkit import set_rate_budget


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--mode", choices=("cold", "fill", "warm"), default="cold")
    p.add_argument("--entries", type=int, default=20_000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--sort", default="tottime", help="pstats sort key (default tottime)")
    args = p.parse_args()
    set_rate_budget(1_000_000, 300)  # the sandbox has no rate limit
    with tempfile.TemporaryDirectory() as tmp, Server(args.entries) as srv:
        cache: bool | Path = False
        if args.mode != "cold":
            cache = Path(tmp) / "cache.sqlite"
        if args.mode == "warm":
            load(srv, cache=cache, workers=args.workers)  # fill it, untimed
        profiler = cProfile.Profile()
        t0 = time.perf_counter()
        profiler.enable()
        df = load(srv, cache=cache, workers=args.workers)
        profiler.disable()
        elapsed = time.perf_counter() - t0
        print(
            f"{args.mode} load: {len(df):,} rows, {df.attrs['requests']} requests, "
            f"{elapsed:.2f} s under the profiler (workers={args.workers})"
        )
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
