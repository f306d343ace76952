"""Do the desk's counters make concurrent submissions into one pool queue on PostgreSQL?

Every submission changes its pool's counts (migration 0019_pool_counters: a trigger adds it to a row of
`pool_counts` its transaction id picks, one of SHARDS per pool). This runs 20 simulated workers
flat out on one pool (`bench/issue_submit.py`'s crowd, two server processes) against this tree and
against a base tree without the counters, taking turns, each on a fresh database of its own: round
trips per second and p50/p99 latency side by side. A single counter row would serialise the 20
transactions on its lock; sharded, the rates should be the base's.

    mkdir -p /tmp/desk-base && git archive 4018d36 src | tar -x -C /tmp/desk-base
    PYTHONPATH=src .venv/bin/python bench/counter_contention.py --base /tmp/desk-base/src [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from issue_submit import ROOT, Server, pg_database, run


def one(src: Path, workers: int, seconds: float) -> dict[str, float]:
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(src)  # the server processes import this tree's or the base's code
    try:
        server = Server(pg_database("counters_contention_bench"), 2)
        try:
            return run(server, workers, seconds)
        finally:
            server.stop()
    finally:
        if previous is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = previous


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the src folder of the commit to compare with")
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"this": [], "base": []}
    for _ in range(args.rounds):
        for name, src in (("base", args.base), ("this", ROOT / "src")):
            r = one(src, args.workers, args.seconds)
            results[name].append(r)
            print(f"{name}: {r['round_trips_per_s']:.1f} rt/s p50 {r['p50_ms']:.1f} ms p99 {r['p99_ms']:.1f} ms "
                  f"errors {r['errors']} over overlap {r['over_overlap']} lost {r['lost']}", flush=True)
    print(f"{'measure':<24} {'base':>8} {'this':>8} {'this/base':>10}   ({args.workers} workers, one pool, "
          f"median of {args.rounds})")
    for key in ("round_trips_per_s", "p50_ms", "p99_ms"):
        b = statistics.median(r[key] for r in results["base"])
        t = statistics.median(r[key] for r in results["this"])
        print(f"{key:<24} {b:>8.1f} {t:>8.1f} {t / b:>9.2f}x")


if __name__ == "__main__":
    main()
