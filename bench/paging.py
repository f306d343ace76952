"""Paging a whole pool through `GET /api/v1/assignments` (`bench.scale.page_all`: `id_gt` cursor,
1,000 per page) with this tree's server and a base commit's, taking turns on the same database.

`bench/scale.py` fills a new database for every run (a quarter of an hour at 100,000 tasks); this
one reads a pool already there, so several turns of each server fit in a few minutes and the
machine's other load falls on both alike. Prints each turn, then the medians and their ratio:
assignments per second (wall clock) and per second of the server's CPU.

    git archive <commit> src | tar -x -C /tmp/base
    PYTHONPATH=src:. .venv/bin/python bench/paging.py --url sqlite:////tmp/x.db --pool 000000000001 \\
        --base /tmp/base/src [--turns 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench.scale import ROOT, Server, page_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the database holding the pool")
    parser.add_argument("--pool", required=True, help="the pool's id")
    parser.add_argument("--base", required=True, help="the base commit's src directory")
    parser.add_argument("--turns", type=int, default=3)
    args = parser.parse_args()
    trees = {"base": Path(args.base), "this": ROOT / "src"}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    home = Path(tempfile.mkdtemp(prefix="cc-paging-"))
    for turn in range(args.turns):
        for name, src in trees.items():
            server = Server(src, args.url, home)
            try:
                results[name].append(page_all(server, args.pool))
            finally:
                server.stop()
            print(f"turn {turn + 1} {name}: " + ", ".join(f"{k} {v:,.0f}" for k, v in results[name][-1].items()),
                  flush=True)
    print("\n| measure | base | this | this/base |\n|---|---|---|---|")
    for key in results["this"][0]:
        base, this = (statistics.median(r[key] for r in results[name]) for name in ("base", "this"))
        print(f"| {key} (median of {args.turns}) | {base:,.0f} | {this:,.0f} | {this / base:.2f}x |")


if __name__ == "__main__":
    main()
