"""aggregate-by-pool end to end (HTTP request to finished operation) next to the bare algorithm, this
tree and a base commit side by side, on SQLite and PostgreSQL.

For each database: one pool of N tasks answered 3 times (`services.bulk_fill`, N x 3 answers, one
task per suite, 20 workers) is written once (PostgreSQL is then ANALYZEd, as a live database would
be). Each tree is then measured on those rows, this tree first; the schema is taken back to the
base's revision (`--base-revision`) before the base is measured. Per tree:
  * in a process of its own (`PYTHONPATH=<tree>/src`): "bare" is `aggregation.aggregate(answers,
    "ds")` on the coded answers that tree reads (`services.aggregation.load_coded`), and "in-process
    run" is `services.aggregation.run` called directly (read, aggregate, store, finish), so end to
    end minus it is what HTTP and the job runner add; one more run under cProfile (CPU clock)
    splits it into packing answers (`answer_chunks.pack`, where the tree has it), read
    (`load_coded`), fit (`aggregate`), store labels (`label_runs.store`) and the rest (worker
    qualities, event, rules, operation, commits);
  * its `clipcrowd serve` runs Dawid-Skene once (the first job also starts the job worker process:
    "first s" and "first job worker cpu s") and then `--repeat` more times.
Times are medians of the repeats. CPU seconds (from /proc: the nanoseconds each live thread ran,
`own_cpu`; a job's few clock ticks were too coarse a measure) are the steadier figure
on a shared machine: the job worker process's per request (the work itself; on SQLite the
database's work is in it), PostgreSQL's backends of the bench's database (its own work, which the
job worker waits for), and the server process's (the request and the client's looks at the
operation every `POLL` seconds).

    git archive c952ba6 src | tar -x -C /tmp/aggregate-base
    PYTHONPATH=src:. .venv/bin/python bench/aggregate_job.py [--size 100000] [--db sqlite,postgres]
        [--repeat 5] [--base /tmp/aggregate-base/src] [--base-revision 0025_auto_accepted]

PostgreSQL runs in a database of its own, `bench_aggregate_<pid>`, dropped at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.scale import PG_BASE, ROOT, Server, downgrade, drop_postgres, fresh_postgres
from sqlalchemy import Engine, create_engine, text

from clipcrowd.aggregation import aggregate
from clipcrowd.services import aggregation, bulk_fill, operations
from clipcrowd.store.db import Database

DATABASE = f"bench_aggregate_{os.getpid()}"  # several people may run this on one PostgreSQL
#: (file, function) of each part of `services.aggregation.run` the breakdown names
PARTS = {"pack": ("services/answer_chunks.py", "pack"), "read": ("services/aggregation.py", "load_coded"),
         "fit": ("aggregation/api.py", "aggregate"), "store labels": ("services/label_runs.py", "store")}
POLL = 0.05  # seconds between looks at the operation (each look costs the server a little CPU)
PROJECT = {"public_name": "aggregate", "task_spec": {
    "input_spec": {"text": {"type": "string"}},
    "output_spec": {"result": {"type": "string", "allowed_values": ["a", "b"]}}}}
POOL = {"private_name": "aggregate", "reward_per_assignment": 0.01, "assignment_max_duration_seconds": 600,
        "will_expire": "2099-01-01T00:00:00", "defaults": {"default_overlap_for_new_task_suites": 3},
        "mixer_config": {"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0}}


def database_url(kind: str, home: Path) -> str:
    return f"sqlite:///{home / 'aggregate.db'}" if kind == "sqlite" else fresh_postgres(DATABASE)


def by_http(server: Server, pool: str, postgres: Engine | None) -> tuple[float, float, float, float]:
    """(seconds from the request to the finished operation, CPU seconds meanwhile of the job worker
    process, of the server process itself (the request and the polls), of PostgreSQL's backends)."""
    workers = {pid: own_cpu(pid) for pid in children(server.process.pid)}  # the job worker, once started
    server_cpu = own_cpu(server.process.pid)
    backends = backend_cpu(postgres)
    started = time.perf_counter()
    op = server.http.post("/api/v1/aggregated-solutions/aggregate-by-pool", json={"pool_id": pool, "method": "ds"})
    body = op.json()
    while body["status"] in ("PENDING", "RUNNING"):
        time.sleep(POLL)
        body = server.http.get(f"/api/v1/operations/{body['id']}").json()
    if body["status"] != "SUCCESS":
        raise RuntimeError(body)
    seconds = time.perf_counter() - started
    worker = sum(own_cpu(pid) - workers.get(pid, 0.0) for pid in children(server.process.pid))
    database = sum(cpu - backends.get(pid, 0.0) for pid, cpu in backend_cpu(postgres).items())
    return (seconds, worker, own_cpu(server.process.pid) - server_cpu, database)


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, from every /proc/<n>/stat (a thread's `children` list,
    which `scale.tree` reads, loses the children of a request thread that has ended)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return found


def backend_cpu(postgres: Engine | None) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to the bench's database (a backend
    that ends between two looks is missed; the server keeps its connections)."""
    if postgres is None:
        return {}
    with postgres.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": DATABASE})
        return {int(pid): own_cpu(int(pid)) for pid in pids.scalars()}


def own_cpu(pid: int) -> float:
    """CPU seconds of one process: the nanoseconds its live threads ran (/proc/<pid>/task/*/schedstat;
    a request's job costs a few clock ticks, the 10 ms steps of /proc/<pid>/stat), or else user +
    system ticks from /proc/<pid>/stat (a thread that ended is only in those)."""
    try:
        return sum(int(stat.read_text().split()[0]) for stat in Path(f"/proc/{pid}/task").glob("*/schedstat")) / 1e9
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        pass
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(src: Path, url: str, home: Path, pool: str, repeat: int, postgres: Engine | None) -> dict[str, float]:
    server = Server(src, url, home)
    try:
        first = by_http(server, pool, postgres)
        runs = [by_http(server, pool, postgres) for _ in range(repeat)]
    finally:
        server.stop()
    row = {"first s": first[0], "first job worker cpu s": first[1], "s": statistics.median(r[0] for r in runs),
           "job worker cpu s": statistics.median(r[1] for r in runs),
           "server process cpu s": statistics.median(r[2] for r in runs)}
    if postgres is not None:
        row["postgres cpu s"] = statistics.median(r[3] for r in runs)
    return row


def timed(call: Any, repeat: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of `call()`."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def in_process(url: str, pool: str, repeat: int) -> dict[str, float]:
    """Bare and in-process figures of the tree this process imports (see the module's docstring)."""
    db = Database(url)
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
    row = {"bare s": bare, "bare cpu s": bare_cpu, "in-process run s": whole, "in-process run cpu s": whole_cpu}
    row.update(breakdown(run))
    db.dispose()
    return row


def breakdown(run: Any) -> dict[str, float]:
    """CPU seconds of each of `PARTS` in one run under cProfile (its overhead lands in "rest")."""
    profile = cProfile.Profile(time.process_time)
    profile.runcall(run)
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]

    def cumulative(path: str, name: str) -> float:
        return sum(v[3] for (file, _, function), v in stats.items() if file.endswith(path) and function == name)

    parts = {f"  {part} cpu s": cumulative(*where) for part, where in PARTS.items()}
    parts["  rest cpu s"] = cumulative("services/aggregation.py", "run") - sum(parts.values())
    return parts


def tree_in_process(src: Path, url: str, pool: str, repeat: int) -> dict[str, float]:
    """`in_process` run by the tree at `src` in a process of its own."""
    env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{ROOT}"}
    done = subprocess.run([sys.executable, __file__, "--in-process", url, pool, str(repeat)], env=env, check=True,
                          capture_output=True, text=True)
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def measure(kind: str, size: int, base: Path, base_revision: str, repeat: int) -> dict[str, dict[str, float]]:
    home = Path(tempfile.mkdtemp(prefix=f"cc-aggregate-{kind}-"))
    url = database_url(kind, home)
    db = Database(url)
    db.migrate()
    filled = bulk_fill.fill(db, PROJECT, POOL, count=size, overlap=3, suite=1, crowd=20)
    if kind == "postgres":
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    db.dispose()
    print(f"  {kind}: {filled.answers} answers written", flush=True)
    postgres = create_engine(PG_BASE, pool_size=1) if kind == "postgres" else None
    try:
        this = tree_in_process(ROOT / "src", url, filled.pool_id, repeat)
        this.update(serve(ROOT / "src", url, home, filled.pool_id, repeat, postgres))
        print(f"  {kind}: this tree measured", flush=True)
        downgrade(url, base_revision)
        before = tree_in_process(base, url, filled.pool_id, repeat)
        before.update(serve(base, url, home, filled.pool_id, repeat, postgres))
        print(f"  {kind}: base measured", flush=True)
    finally:
        if postgres is not None:
            postgres.dispose()
            drop_postgres(DATABASE)
    for row in (this, before):
        row["end to end / bare"] = row["s"] / row["bare s"]
        row["job worker cpu / bare cpu"] = row["job worker cpu s"] / row["bare cpu s"]
        row["in-process run cpu / bare cpu"] = row["in-process run cpu s"] / row["bare cpu s"]
        if "postgres cpu s" in row:
            row["(job worker + postgres) cpu / bare cpu"] = (
                (row["job worker cpu s"] + row["postgres cpu s"]) / row["bare cpu s"])
    return {"this": this, "base": before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--base", type=Path, default=Path("/tmp/aggregate-base/src"))
    parser.add_argument("--base-revision", default="0025_auto_accepted")
    parser.add_argument("--in-process", nargs=3, metavar=("URL", "POOL", "REPEAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process:
        url, pool, repeat = args.in_process
        print(json.dumps(in_process(url, pool, int(repeat))))
        return
    for kind in args.db.split(","):
        result = measure(kind, args.size, args.base, args.base_revision, args.repeat)
        print(f"\n#### {kind}, {args.size:,} tasks, {3 * args.size:,} answers, aggregate-by-pool ds\n")
        print("| measure | base | this | this/base |\n|---|---|---|---|")
        for name in result["this"]:
            base, this = result["base"].get(name), result["this"].get(name)
            cells = [f"{v:.3f}" if v is not None else "-" for v in (base, this)]
            share = f"{this / base:.2f}x" if base and this else "-"
            print(f"| {name} | {cells[0]} | {cells[1]} | {share} |", flush=True)


if __name__ == "__main__":
    main()
