"""Issue + submit round trips per second with 10, 50 and 200 concurrent simulated workers.

Starts `clipcrowd serve` as a separate process (SQLite, and PostgreSQL in its own database, with
two server processes), fills a pool with tasks, and lets the simulated crowd work through the
worker API, exactly as browsers would, for a fixed time: once flat out (every worker asks again
the moment an answer is in: the most the server can do, where latency is all queueing), and once
paced so that the crowd offers a set rate (`--paced`, default 200 suites/s: the latency people see
at that load). Prints round trips per second and p50/p99 latency of each request. Target on
this 2-core machine: at least 200 round trips/s on PostgreSQL with p99 under 200 ms at 50 workers.

    .venv/bin/python bench/issue_submit.py [--db sqlite,postgres] [--workers 10,50,200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from scale import free_port, fresh_postgres

from clipcrowd.client import Client
from clipcrowd.sim import make_crowd, simulate_async

ROOT = Path(__file__).resolve().parents[1]
pg_database = fresh_postgres  # counter_contention.py imports it from here


class Server:
    def __init__(self, database_url: str | None, server_workers: int):
        self.home = Path(tempfile.mkdtemp(prefix="cc-bench-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "CLIPCROWD_HOME": str(self.home), "CLIPCROWD_LOG_LEVEL": "warning"}
        if database_url:
            env["CLIPCROWD_DATABASE_URL"] = database_url
        clipcrowd = str(Path(sys.executable).parent / "clipcrowd")
        self.token = subprocess.run([clipcrowd, "tokens", "create", "--name", "bench"], env=env, check=True,
                                    capture_output=True, text=True).stdout.strip()
        self.process = subprocess.Popen(
            [clipcrowd, "serve", "--port", str(self.port), "--workers", str(server_workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 120  # a busy machine starts two server processes slowly
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()  # never leave a half-started server behind
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)
        shutil.rmtree(self.home, ignore_errors=True)


def make_pool(client: Client, tasks: int) -> str:
    project = client.create_project({
        "public_name": "bench", "task_spec": {
            "input_spec": {"text": {"type": "string"}},
            "output_spec": {"result": {"type": "string", "allowed_values": ["a", "b"]}}}})
    pool = client.create_pool({
        "project_id": project["id"], "private_name": "bench", "reward_per_assignment": 0.01,
        "assignment_max_duration_seconds": 600, "will_expire": "2099-01-01T00:00:00",
        "defaults": {"default_overlap_for_new_task_suites": 1},
        "mixer_config": {"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0}})
    for start in range(0, tasks, 10_000):
        client.create_tasks([{"pool_id": pool["id"], "input_values": {"text": f"t{i}"}}
                             for i in range(start, min(tasks, start + 10_000))])
    client.open_pool(pool["id"])
    return str(pool["id"])


def run(server: Server, workers: int, seconds: float, rate: float | None = None) -> dict[str, float]:
    """Flat out (each worker asks again at once), or paced so that the crowd offers `rate` suites/s."""
    with Client(server.url, server.token) as client:
        pool_id = make_pool(client, tasks=max(2000, int(workers * seconds * 8)))
    crowd = make_crowd(workers, accuracy=0.9)
    report = asyncio.run(simulate_async(server.url, server.token, pool_id, crowd, timeout=seconds, idle_seconds=5,
                                        pace=workers / rate if rate else None))
    latencies = sorted(report.latencies)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 100 else [max(latencies)] * 99
    # any error stops its worker; "idle" (no task left) and "timeout" (the run is over) are how a run ends
    errors = {code: n for code, n in report.stopped.items() if code not in ("idle", "timeout")}
    with Client(server.url, server.token) as client:  # audit: what the server kept of what it acknowledged
        kept = client.get_assignments(pool_id, status="SUBMITTED,ACCEPTED")
    per_task = Counter(task["id"] for a in kept for task in a["tasks"])
    return {"round_trips_per_s": report.round_trips / report.seconds, "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * q[98], "requests": len(latencies), "errors": sum(errors.values()), "by_code": errors,
            "over_overlap": sum(1 for n in per_task.values() if n > 1),  # the pool's overlap is 1
            "lost": max(0, report.round_trips - len(kept))}  # acknowledged submits the server does not have


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--workers", default="10,50,200")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--server-workers", type=int, default=2, help="uvicorn processes (PostgreSQL only)")
    parser.add_argument("--paced", type=float, default=200.0,
                        help="also run each crowd paced to offer this many suites/s (0: flat out only)")
    args = parser.parse_args()
    rows = []
    for db in args.db.split(","):
        url = pg_database("clipcrowd_bench") if db == "postgres" else None
        server = Server(url, args.server_workers if db == "postgres" else 1)
        try:
            for n in (int(x) for x in args.workers.split(",")):
                for mode, rate in (("flat out", None), (f"paced {args.paced:g}/s", args.paced or None)):
                    if mode != "flat out" and not rate:
                        continue
                    result = run(server, n, args.seconds, rate)
                    rows.append((db, n, mode, result))
                    print(f"{db:9s} {n:4d} workers {mode:12s}: {result['round_trips_per_s']:7.1f} round trips/s  "
                          f"p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:7.1f} ms  "
                          f"({result['requests']} requests, {result['errors']} errors {result['by_code']}, "
                          f"{result['over_overlap']} tasks over overlap, {result['lost']} acknowledged answers lost)",
                          flush=True)
        finally:
            server.stop()
    print("\ndb        workers mode          rt/s    p50 ms  p99 ms   "
          "target (postgres, 50 workers): >= 200 rt/s, p99 < 200 ms")
    for db, n, mode, r in rows:
        print(f"{db:9s} {n:7d} {mode:12s} {r['round_trips_per_s']:7.1f} {r['p50_ms']:7.1f} {r['p99_ms']:8.1f}")


if __name__ == "__main__":
    main()
