"""Paging a whole pool through `GET /api/v1/assignments` (`id_gt` cursor, 1,000 per page) with this
tree's server and a base commit's side by side on one database, page for page.

`bench/scale.py` fills a new database for every run (a quarter of an hour at 100,000 tasks) and
measures one server after the other; on a shared machine the load then differs between them.
Here both servers run at once over a pool already filled, and each page is asked of both in turn
(which goes first alternates), so both meet the same load; their bodies must be the same bytes.
Prints, per server, the median and mean time per page (wall clock) and its CPU per page.

    git archive <commit> src | tar -x -C /tmp/base
    PYTHONPATH=src:. .venv/bin/python bench/paging.py --url sqlite:////tmp/x.db --pool 000000000001 \\
        --base /tmp/base/src
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.scale import PAGE, ROOT, Server, cpu_seconds
from pydantic_core import from_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the database holding the pool")
    parser.add_argument("--pool", required=True, help="the pool's id")
    parser.add_argument("--base", required=True, help="the base commit's src directory")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="cc-paging-"))
    servers = {"base": Server(Path(args.base), args.url, home), "this": Server(ROOT / "src", args.url, home)}
    try:
        walls: dict[str, list[float]] = {name: [] for name in servers}
        cpu = {name: cpu_seconds(server.process.pid) for name, server in servers.items()}
        last, items = None, 0
        while True:
            params: dict[str, Any] = {"pool_id": args.pool, "sort": "id", "limit": PAGE}
            if last:
                params["id_gt"] = last
            turn = list(servers) if len(walls["base"]) % 2 == 0 else list(reversed(servers))
            bodies = {}
            for name in turn:
                started = time.perf_counter()
                response = servers[name].http.get("/api/v1/assignments", params=params)
                walls[name].append(time.perf_counter() - started)
                assert response.status_code == 200, response.text[:300]
                bodies[name] = response.content
            assert bodies["base"] == bodies["this"], f"the bodies differ after {last}"
            page = from_json(bodies["this"])
            items += len(page["items"])
            if not page["has_more"]:
                break
            last = page["items"][-1]["id"]
        print(f"{len(walls['this'])} pages, {items:,} assignments, every body the same bytes on both\n")
        print("| server | ms per page, median | ms per page, mean | server CPU ms per page |\n|---|---|---|---|")
        for name, server in servers.items():
            pages = len(walls[name])
            print(f"| {name} | {statistics.median(walls[name]) * 1000:.1f} | {statistics.mean(walls[name]) * 1000:.1f}"
                  f" | {(cpu_seconds(server.process.pid) - cpu[name]) / pages * 1000:.1f} |")
    finally:
        for server in servers.values():
            server.stop()


if __name__ == "__main__":
    main()
