"""Paging a whole pool through `GET /api/v1/assignments` (`id_gt` cursor, 1,000 per page) with this
tree's server and a base commit's side by side on one database, page for page.

`bench/scale.py` fills a new database for every run (a quarter of an hour at 100,000 tasks) and
measures one server after the other; on a shared machine the load then differs between them.
Here both servers run at once over a pool already filled, and each page is asked of both in turn
(which goes first alternates), so both meet the same load; their bodies must be the same bytes.
Prints, per server, the median and mean time per page (wall clock) and its CPU per page, and on
PostgreSQL the CPU per page of that server's database backends (each server connects under its own
`application_name`, so its backends are found in `pg_stat_activity`); then the client's own CPU per
page parsing the body (`bench.scale.client_parse`, as `page_all` does), the share of a
page's wall clock that is no server's work.

    git archive <commit> src | tar -x -C /tmp/base
    PYTHONPATH=src:. .venv/bin/python bench/paging.py --url sqlite:////tmp/x.db --fill 100000 \\
        --base /tmp/base/src [--walks 4]       # later runs on the same rows: --pool <the id it printed>
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.scale import OVERLAP, PAGE, ROOT, Server, client_parse, cpu_seconds, page_all
from sqlalchemy import create_engine, make_url, text

from clipcrowd.services import bulk_fill
from clipcrowd.store.db import Database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the database holding the pool")
    parser.add_argument("--pool", help="the pool's id")
    parser.add_argument("--fill", type=int, default=0,
                        help="first fill a new pool of this many tasks (overlap 3, one task a suite, answered in bulk"
                             " as `bench/scale.py` does, the tasks in bulk too) and page that one")
    parser.add_argument("--base", required=True, help="the base commit's src directory")
    parser.add_argument("--walks", type=int, default=0,
                        help="then walk the whole pool this many times with each server in turn, as `bench/scale.py`"
                             " measures it (`page_all`: the client's parse in the time)")
    args = parser.parse_args()
    if args.fill:
        args.pool = fill(args.url, args.fill)
    if not args.pool:
        parser.error("--pool or --fill")
    home = Path(tempfile.mkdtemp(prefix="cc-paging-"))
    postgres = make_url(args.url).get_backend_name() == "postgresql"
    urls = {name: _named(args.url, f"paging_{name}_{os.getpid()}") if postgres else args.url
            for name in ("base", "this")}
    servers = {"base": Server(Path(args.base), urls["base"], home), "this": Server(ROOT / "src", urls["this"], home)}
    try:
        walls: dict[str, list[float]] = {name: [] for name in servers}
        cpu = {name: cpu_seconds(server.process.pid) for name, server in servers.items()}
        backends = {name: _backend_cpu(args.url, urls[name]) for name in servers} if postgres else {}
        last, items, parsing = None, 0, 0.0
        gc.disable()  # see `bench.scale.client_parse`
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
            started = time.process_time()
            page = client_parse(bodies["this"])
            parsing += time.process_time() - started
            items += len(page["items"])
            if not page["has_more"]:
                break
            last = page["items"][-1]["id"]
        gc.enable()
        print(f"{len(walls['this'])} pages, {items:,} assignments, every body the same bytes on both\n")
        pages = len(walls["this"])
        print("| server | ms per page, median | ms per page, mean | server CPU ms per page"
              " | PostgreSQL backends' CPU ms per page |\n|---|---|---|---|---|")
        for name, server in servers.items():
            backend = (f"{(_backend_cpu(args.url, urls[name]) - backends[name]) / pages * 1000:.1f}"
                       if postgres else "-")
            print(f"| {name} | {statistics.median(walls[name]) * 1000:.1f} | {statistics.mean(walls[name]) * 1000:.1f}"
                  f" | {(cpu_seconds(server.process.pid) - cpu[name]) / pages * 1000:.1f} | {backend} |")
        print(f"\nclient CPU parsing a page (from_json): {parsing / pages * 1000:.1f} ms")
        rates: dict[str, list[float]] = {name: [] for name in servers}
        for walk in range(args.walks):
            for name in list(servers) if walk % 2 == 0 else list(reversed(servers)):
                rates[name].append(page_all(servers[name], args.pool)["paging assignments/s"])
        for name, seen in rates.items():
            if seen:
                print(f"{name}: whole pool walks (page_all), assignments/s: {', '.join(f'{r:,.0f}' for r in seen)};"
                      f" median {statistics.median(seen):,.0f}")
    finally:
        for server in servers.values():
            server.stop()


def fill(url: str, tasks: int) -> str:
    """A new pool of `tasks` tasks answered OVERLAP times (the schema made first if the database is new)."""
    db = Database(url)
    try:
        db.migrate()
        started = time.perf_counter()
        project = {"public_name": "paging", "task_spec": {"input_spec": {"text": {"type": "string"}},
                                                          "output_spec": {"result": {"type": "string",
                                                                                     "allowed_values": ["a", "b"]}}}}
        pool = {"private_name": "paging", "reward_per_assignment": 0.01, "assignment_max_duration_seconds": 600,
                "will_expire": "2099-01-01T00:00:00", "defaults": {"default_overlap_for_new_task_suites": OVERLAP},
                "mixer_config": {"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0}}
        filled = bulk_fill.fill(db, project, pool, count=tasks, overlap=OVERLAP, inputs=lambda i: {"text": f"task {i}"})
        seconds = time.perf_counter() - started
        print(f"pool {filled.pool_id}: {tasks:,} tasks, {filled.answers:,} answers in {seconds:.0f} s")
        return filled.pool_id
    finally:
        db.dispose()


def _named(url: str, name: str) -> str:
    """`url` whose connections say `name` in `pg_stat_activity`."""
    return make_url(url).update_query_dict({"application_name": name}).render_as_string(hide_password=False)


def _backend_cpu(url: str, named: str) -> float:
    """CPU seconds so far of the backends serving the connections of `named` (same machine)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            pids = [pid for (pid,) in conn.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = :n"),
                                                   {"n": make_url(named).query["application_name"]})]
    finally:
        engine.dispose()
    return sum(cpu_seconds(pid) for pid in pids)


if __name__ == "__main__":
    main()
