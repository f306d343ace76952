"""aggregate-by-pool end to end (HTTP request to finished operation) next to the bare algorithm, this
tree and a base commit side by side, on SQLite and PostgreSQL.

For each database: one pool of N tasks answered 3 times (`services.bulk_fill`, N x 3 answers, one
task per suite, 20 workers) is written once (PostgreSQL is then ANALYZEd, as a live database would
be). This tree's `clipcrowd serve` runs Dawid-Skene on it once (the first job also spawns the job
worker process) and then `--repeat` more times; the schema is taken back to the base's revision and
the base's server does the same over the same rows. "bare" is `aggregation.aggregate(answers, "ds")`
on the coded answers this tree reads (`services.aggregation.load_coded`), in this process;
"in-process run" is `services.aggregation.run` called directly (read, aggregate, store), so
end-to-end minus it is what HTTP and the job runner add. Times are medians of the repeats. CPU
seconds (user + system, from /proc) are the steadier figure on a shared machine: the job worker
process's per request (the work itself, PostgreSQL's own CPU not included) and the server
process's (the request and the client's looks at the operation every `POLL` seconds).

    git worktree add --detach /tmp/agg-base 4c915f1
    PYTHONPATH=src:. .venv/bin/python bench/aggregate_job.py [--size 100000] [--db sqlite,postgres]
        [--repeat 5] [--base /tmp/agg-base/src] [--base-revision 0020_label_runs]

PostgreSQL runs in a database of its own, `aggregate_bench_<pid>`, dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.scale import ROOT, Server, downgrade, drop_postgres, fresh_postgres, tree
from sqlalchemy import text

from clipcrowd.aggregation import aggregate
from clipcrowd.services import aggregation, bulk_fill, operations
from clipcrowd.store.db import Database

DATABASE = f"aggregate_bench_{os.getpid()}"  # several people may run this on one PostgreSQL
POLL = 0.05  # seconds between looks at the operation (each look costs the server a little CPU)
PROJECT = {"public_name": "aggregate", "task_spec": {
    "input_spec": {"text": {"type": "string"}},
    "output_spec": {"result": {"type": "string", "allowed_values": ["a", "b"]}}}}
POOL = {"private_name": "aggregate", "reward_per_assignment": 0.01, "assignment_max_duration_seconds": 600,
        "will_expire": "2099-01-01T00:00:00", "defaults": {"default_overlap_for_new_task_suites": 3},
        "mixer_config": {"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0}}


def database_url(kind: str, home: Path) -> str:
    return f"sqlite:///{home / 'aggregate.db'}" if kind == "sqlite" else fresh_postgres(DATABASE)


def by_http(server: Server, pool: str) -> tuple[float, float, float]:
    """(seconds from the request to the finished operation, CPU seconds of the job worker process
    meanwhile, CPU seconds of the server process itself: the request and the polls)."""
    workers = [pid for pid in tree(server.process.pid) if pid != server.process.pid]
    worker_cpu, server_cpu = sum(map(own_cpu, workers)), own_cpu(server.process.pid)
    started = time.perf_counter()
    op = server.http.post("/api/v1/aggregated-solutions/aggregate-by-pool", json={"pool_id": pool, "method": "ds"})
    body = op.json()
    while body["status"] in ("PENDING", "RUNNING"):
        time.sleep(POLL)
        body = server.http.get(f"/api/v1/operations/{body['id']}").json()
    if body["status"] != "SUCCESS":
        raise RuntimeError(body)
    seconds = time.perf_counter() - started
    workers = workers or [pid for pid in tree(server.process.pid) if pid != server.process.pid]
    return (seconds, sum(map(own_cpu, workers)) - worker_cpu, own_cpu(server.process.pid) - server_cpu)


def own_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (its threads included), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(src: Path, url: str, home: Path, pool: str, repeat: int) -> dict[str, float]:
    server = Server(src, url, home)
    try:
        first = by_http(server, pool)[0]
        runs = [by_http(server, pool) for _ in range(repeat)]
    finally:
        server.stop()
    return {"first s": first, "s": statistics.median(r[0] for r in runs),
            "job worker cpu s": statistics.median(r[1] for r in runs),
            "server process cpu s": statistics.median(r[2] for r in runs)}


def timed(call: Any, repeat: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of `call()`."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def in_process(db: Database, pool: str, repeat: int) -> dict[str, float]:
    request = aggregation.AggregationRequest(int(pool), "ds", "result", False, {})
    with db.read() as conn:
        answers, _ = aggregation.load_coded(conn, request)
    bare, bare_cpu = timed(lambda: aggregate(answers, "ds"), repeat)

    def run() -> None:
        op_id = str(uuid.uuid4())
        with db.write() as conn:
            operations.start(conn, aggregation.OPERATION, request.public(), op_id=op_id)
        aggregation.run(db, request, op_id)

    whole, whole_cpu = timed(run, repeat)
    return {"bare s": bare, "bare cpu s": bare_cpu, "in-process run s": whole, "in-process run cpu s": whole_cpu}


def measure(kind: str, size: int, base: Path, base_revision: str, repeat: int) -> dict[str, dict[str, float]]:
    home = Path(tempfile.mkdtemp(prefix=f"cc-aggregate-{kind}-"))
    url = database_url(kind, home)
    db = Database(url)
    db.migrate()
    filled = bulk_fill.fill(db, PROJECT, POOL, count=size, overlap=3, suite=1, crowd=20)
    if kind == "postgres":
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    print(f"  {kind}: {filled.answers} answers written", flush=True)
    this: dict[str, float] = {**in_process(db, filled.pool_id, repeat)}
    db.dispose()
    this.update(serve(ROOT / "src", url, home, filled.pool_id, repeat))
    print(f"  {kind}: this tree measured", flush=True)
    downgrade(url, base_revision)
    before = serve(base, url, home, filled.pool_id, repeat)
    print(f"  {kind}: base measured", flush=True)
    if kind == "postgres":
        drop_postgres(DATABASE)
    this["in-process run cpu / bare cpu"] = this["in-process run cpu s"] / this["bare cpu s"]
    for row in (this, before):
        row["bare s"], row["bare cpu s"] = this["bare s"], this["bare cpu s"]
        row["end to end / bare"] = row["s"] / this["bare s"]
        row["job worker cpu / bare cpu"] = row["job worker cpu s"] / this["bare cpu s"]
    return {"this": this, "base": before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--base", type=Path, default=Path("/tmp/agg-base/src"))
    parser.add_argument("--base-revision", default="0020_label_runs")
    args = parser.parse_args()
    rows = ("first s", "s", "job worker cpu s", "server process cpu s", "in-process run s", "in-process run cpu s",
            "bare s", "bare cpu s", "end to end / bare", "job worker cpu / bare cpu", "in-process run cpu / bare cpu")
    for kind in args.db.split(","):
        result = measure(kind, args.size, args.base, args.base_revision, args.repeat)
        print(f"\n#### {kind}, {args.size:,} tasks, {3 * args.size:,} answers, aggregate-by-pool ds\n")
        print("| measure | base | this | this/base |\n|---|---|---|---|")
        for name in rows:
            base, this = result["base"].get(name), result["this"].get(name)
            cells = [f"{v:.3f}" if v is not None else "-" for v in (base, this)]
            share = f"{this / base:.2f}x" if base and this else "-"
            print(f"| {name} | {cells[0]} | {cells[1]} | {share} |", flush=True)


if __name__ == "__main__":
    main()
