"""Reads at scale: one pool of N tasks (overlap 3) on SQLite and PostgreSQL, this tree next to a base commit.

For each database and size, one database is filled once and both servers read the same rows:
  1. `clipcrowd serve` from this tree creates the pool's N tasks over HTTP (creation rate), then
     the answers are written in bulk (`services.bulk_fill`, N x 3 answers, one task per suite);
  2. this tree's server is measured: paging all assignments through `GET /api/v1/assignments`
     (`id_gt` cursor, 1,000 per page; the client parses pages with pydantic-core), each export
     downloaded whole (time, and the server's peak RSS above its RSS just before the request;
     `--no-exports` leaves them out), the desk pages (median of 3), aggregate-by-pool with
     Dawid-Skene (request to finished operation) next to the bare algorithm on the same answers in
     memory, and next + submit round trips through the worker API on a second, open pool of
     2,000 tasks in the same database (the server process's CPU seconds per round trip, from /proc);
  3. the schema is taken back to the base's revision (`--base-revision`; nothing to do when the
     base has this tree's schema), the base commit's server (`PYTHONPATH=<base>/src`) is measured
     the same way, and then creates a second pool of N tasks (its creation rate).
Every measured read goes through HTTP. Prints one table per database: both commits, the ratio
this/base at the largest size, and this tree's growth factor between the two largest sizes.
Each export also reports the server's CPU seconds (and answers per CPU second): on a shared machine
the wall-clock time mostly measures the other processes. Beyond 100,000 tasks the pool's first
tasks are added in bulk through the task service and only its last 100,000 over HTTP.
`--parts` picks what to measure (a million tasks: `--parts exports --base-sizes 10000,100000`).

    git worktree add /tmp/scale-base 0c081e6
    PYTHONPATH=src .venv/bin/python bench/scale.py [--sizes 10000,100000] [--million] [--db sqlite,postgres]
        [--base /tmp/scale-base/src] [--base-revision 0011] [--base-sizes 10000] [--no-exports]
        [--parts paging,exports,desk,aggregate,round-trips]
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from alembic import command
from alembic.config import Config
from pydantic_core import from_json
from sqlalchemy import create_engine, make_url, text

from clipcrowd.aggregation import aggregate
from clipcrowd.services import bulk_fill
from clipcrowd.services.aggregation import AggregationRequest, load_answers
from clipcrowd.store import db as store_db
from clipcrowd.store.db import Database

ROOT = Path(__file__).resolve().parents[1]
PG_BASE = os.environ.get("CLIPCROWD_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
OVERLAP = 3
PAGE = 1000
ROUND_TRIP_POOL = 2000  # tasks of the open pool the round trips are measured on
ROUND_TRIPS = 300
HTTP_TASKS = 100_000  # tasks of a pool created over HTTP; a bigger pool gets the rest in bulk first
PARTS = ("paging", "exports", "desk", "aggregate", "round-trips")
DESK = ("/desk", "/desk/pools/{pool}", "/desk/pools/{pool}/review", "/desk/pools/{pool}/workers")
EXPORTS_BOTH = {"results.csv": "/desk/pools/{pool}/results.csv", "results.json": "/desk/pools/{pool}/results.json"}
EXPORTS_NEW = {"results.jsonl": "/api/v1/pools/{pool}/results.jsonl",
               "results.parquet": "/api/v1/pools/{pool}/results.parquet",
               "assignments.tsv": "/api/new/requester/pools/{pool}/assignments.tsv?status=APPROVED"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tree(pid: int) -> list[int]:
    """A process and its descendants (from /proc); processes that ended meanwhile are left out."""
    found = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += tree(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return found


def rss(pid: int) -> int:
    """Resident bytes of a process and its children."""
    total = 0
    for one in tree(pid):
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


class PeakRss:
    """Samples a process tree's RSS every 10 ms while in use; `above` is the peak minus the start."""

    def __init__(self, pid: int):
        self.pid, self.start, self.peak = pid, rss(pid), 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss(self.pid))
            self.stop.wait(0.01)

    def __enter__(self) -> PeakRss:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()
        self.peak = max(self.peak, rss(self.pid))

    @property
    def above(self) -> int:
        return max(self.peak - self.start, 0)


class Server:
    """`clipcrowd serve` (one process) from the source tree `src` over `database_url`."""

    def __init__(self, src: Path, database_url: str, home: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(src), "CLIPCROWD_HOME": str(home), "CLIPCROWD_LOG_LEVEL": "warning",
               "CLIPCROWD_DATABASE_URL": database_url}
        clipcrowd = str(Path(sys.executable).parent / "clipcrowd")
        self.token = subprocess.run([clipcrowd, "tokens", "create", "--name", "bench"], env=env, check=True,
                                    capture_output=True, text=True).stdout.strip()
        self.process = subprocess.Popen([clipcrowd, "serve", "--port", str(self.port), "--workers", "1"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not start")
        self.http = httpx.Client(base_url=self.url, timeout=600, headers={"Authorization": f"OAuth {self.token}"},
                                 cookies={"clipcrowd_token": self.token})

    def stop(self) -> None:
        self.http.close()
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a request still running (e.g. after a failed measurement)
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=60)


def make_pool(server: Server, tasks: int) -> tuple[str, float]:
    """A pool of `tasks` tasks made over HTTP in batches of 5,000; (pool id, tasks per second)."""
    pool = new_pool(server)
    return pool, add_tasks(server, pool, tasks)


def new_pool(server: Server) -> str:
    """An empty pool (of a new project) made over HTTP."""
    http = server.http
    project = http.post("/api/v1/projects", json={"public_name": "scale", "task_spec": {
        "input_spec": {"text": {"type": "string"}},
        "output_spec": {"result": {"type": "string", "allowed_values": ["a", "b"]}}}}).json()
    pool = http.post("/api/v1/pools", json={
        "project_id": project["id"], "private_name": "scale", "reward_per_assignment": 0.01,
        "assignment_max_duration_seconds": 600, "will_expire": "2099-01-01T00:00:00",
        "defaults": {"default_overlap_for_new_task_suites": OVERLAP},
        "mixer_config": {"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0}}).json()
    return str(pool["id"])


def add_tasks(server: Server, pool: str, tasks: int, first: int = 0) -> float:
    """`tasks` tasks (numbered from `first`) added over HTTP in batches of 5,000; tasks per second."""
    started = time.perf_counter()
    for start in range(first, first + tasks, 5000):
        batch = [{"pool_id": pool, "input_values": {"text": f"task {i}"}, "overlap": OVERLAP}
                 for i in range(start, min(first + tasks, start + 5000))]
        response = server.http.post("/api/v1/tasks", json=batch)
        assert response.status_code in (200, 201), response.text[:300]
    return tasks / (time.perf_counter() - started)


def download(server: Server, path: str) -> dict[str, Any]:
    """One export downloaded whole: seconds, megabytes, the server's peak RSS above its level just
    before, and its CPU seconds (what the export costs, whatever else the machine is running)."""
    cpu = cpu_seconds(server.process.pid)
    with PeakRss(server.process.pid) as peak:
        started = time.perf_counter()
        size = 0
        try:
            with server.http.stream("GET", path) as response:
                for piece in response.iter_bytes():
                    size += len(piece)
                status = response.status_code
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "mb": size / 1e6, "rss_mb": peak.above / 1e6, "status": status,
            "cpu": cpu_seconds(server.process.pid) - cpu}


def page_all(server: Server, pool: str) -> dict[str, float]:
    """Assignments per second, paging the whole pool with the id cursor, and per second of the
    server's CPU (what the server could page on a machine of its own)."""
    started, seen, last = time.perf_counter(), 0, None
    cpu = cpu_seconds(server.process.pid)
    gc.disable()  # see `client_parse`
    try:
        while True:
            params: dict[str, Any] = {"pool_id": pool, "sort": "id", "limit": PAGE}
            if last:
                params["id_gt"] = last
            response = server.http.get("/api/v1/assignments", params=params)
            assert response.status_code == 200, response.text[:300]
            body = client_parse(response.content)
            seen += len(body["items"])
            if not body["has_more"]:
                break
            last = body["items"][-1]["id"]
    finally:
        gc.enable()
    cpu = cpu_seconds(server.process.pid) - cpu
    return {"paging assignments/s": seen / (time.perf_counter() - started),
            "paging assignments per server CPU s": seen / cpu if cpu > 0 else 0.0}


def client_parse(body: bytes) -> Any:
    """A page parsed by the client, which must not be what is measured: pydantic-core's parser, with
    the garbage collector off (the caller's part). A page is tens of thousands of new dicts and
    lists, which set off collections that scanned this process's whole heap (its imports): 4.9 ms
    of CPU per page of 1,000 assignments against 1.7 ms with the collector off. Parsed JSON holds
    no cycles, so every page is freed when dropped all the same."""
    return from_json(body)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children so far (from /proc)."""
    total = 0.0
    for one in tree(pid):
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def round_trips(server: Server, pool: str, count: int, workers: int = 10) -> dict[str, float]:
    """`count` next + submit round trips through the worker API by `workers` workers taking turns
    (one client, one request at a time); the server's CPU seconds per round trip."""
    tokens = []
    for i in range(workers):
        made = server.http.post("/api/v1/workers", json={"login": f"rt-{pool}-{i}-{time.monotonic_ns()}"}).json()
        tokens.append({"Authorization": f"Bearer {made['token']}"})
    done, before, started = 0, cpu_seconds(server.process.pid), time.perf_counter()
    with httpx.Client(base_url=server.url, timeout=60) as client:
        while done < count:
            headers = tokens[done % workers]
            suite = client.post(f"/api/v1/worker/pools/{pool}/next", headers=headers)
            if suite.status_code != 200:
                raise RuntimeError(f"next: HTTP {suite.status_code} {suite.text[:200]}")
            body = suite.json()
            answer = {"solutions": [{"output_values": {"result": "a"}} for _ in body["tasks"]]}
            sent = client.post(f"/api/v1/worker/assignments/{body['id']}/submit", headers=headers, json=answer)
            if sent.status_code != 200:
                raise RuntimeError(f"submit: HTTP {sent.status_code} {sent.text[:200]}")
            done += 1
    seconds, cpu = time.perf_counter() - started, cpu_seconds(server.process.pid) - before
    return {"round trips/s": done / seconds, "server CPU ms per round trip": 1000 * cpu / done}


def aggregate_by_pool(server: Server, pool: str) -> float:
    started = time.perf_counter()
    op = server.http.post("/api/v1/aggregated-solutions/aggregate-by-pool",
                          json={"pool_id": pool, "method": "ds"}).json()
    while op["status"] in ("PENDING", "RUNNING"):
        time.sleep(0.02)
        op = server.http.get(f"/api/v1/operations/{op['id']}").json()
    if op["status"] != "SUCCESS":
        raise RuntimeError(op)
    return time.perf_counter() - started


def measure(server: Server, pool: str, parts: set[str], answers: int) -> dict[str, Any]:
    out: dict[str, Any] = {"idle rss MB": rss(server.process.pid) / 1e6}
    if "paging" in parts:
        out.update(page_all(server, pool))
    for name, path in ({**EXPORTS_BOTH, **EXPORTS_NEW} if "exports" in parts else {}).items():
        result = download(server, path.format(pool=pool))
        ok = result["status"] == 200
        out[f"{name} s"] = result["seconds"] if ok else f"HTTP {result['status']}"
        out[f"{name} server CPU s"] = result["cpu"]
        out[f"{name} answers per server CPU s"] = answers / result["cpu"] if ok and result["cpu"] > 0 else "-"
        out[f"{name} peak RSS MB"] = result["rss_mb"]
        out[f"{name} MB"] = result["mb"] if ok else "-"
    if "desk" in parts:
        out.update(desk(server, pool))
    if "aggregate" in parts:
        # the first job a server runs also spawns its job worker process (imports included); the
        # second shows the steady state, what the aggregation itself costs
        out["aggregate-by-pool ds first s"] = aggregate_by_pool(server, pool)
        out["aggregate-by-pool ds s"] = aggregate_by_pool(server, pool)
    if "round-trips" in parts:
        open_pool, _ = make_pool(server, ROUND_TRIP_POOL)
        server.http.post(f"/api/v1/pools/{open_pool}/open").raise_for_status()
        out.update(round_trips(server, open_pool, ROUND_TRIPS))
    return out


def desk(server: Server, pool: str) -> dict[str, float]:
    """Each desk page's time, median of 3."""
    out = {}
    for path in DESK:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            response = server.http.get(path.format(pool=pool))
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        out[f"{path.replace('{pool}', '<id>')} ms"] = 1000 * statistics.median(times)
    return out


def bare_ds(db: Database, pool: str) -> float:
    """Dawid-Skene itself on the same answers, already in memory as a plain (task, worker, label) frame."""
    with db.read() as conn:
        frame, _ = load_answers(conn, AggregationRequest(int(pool), "ds", "result", False, {}))
    frame = pd.DataFrame({c: frame[c].astype(str) if c != "label" else frame[c] for c in frame.columns})
    started = time.perf_counter()
    aggregate(frame, "ds")
    return time.perf_counter() - started


def fresh_postgres(name: str) -> str:
    """The URL of a new, empty PostgreSQL database `name` beside PG_BASE's (one left by a run before is dropped)."""
    drop_postgres(name)
    engine = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(PG_BASE).set(database=name).render_as_string(hide_password=False)


def drop_postgres(name: str) -> None:
    engine = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def database_url(kind: str, home: Path, name: str = "") -> str:
    """A new database for one measured size: a file in `home`, or a PostgreSQL database whose name is
    this run's own (two runs at once, or two helpers on one server, never share one) and carries
    `name`, so whoever runs it can find (and drop) what it left."""
    if kind == "sqlite":
        return f"sqlite:///{home / 'scale.db'}"
    return fresh_postgres(f"bench_{name}_{os.getpid()}_{uuid.uuid4().hex[:8]}" if name
                          else f"clipcrowd_scale_{os.getpid()}_{uuid.uuid4().hex[:8]}")


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database `database_url` made (a SQLite file goes with its home)."""
    if make_url(url).get_backend_name() == "postgresql":
        drop_postgres(str(make_url(url).database))


def downgrade(url: str, revision: str) -> None:
    _migrate(url, command.downgrade, revision)


def upgrade(url: str, revision: str = "head") -> None:
    _migrate(url, command.upgrade, revision)


def _migrate(url: str, step: Any, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(store_db.__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    engine = create_engine(url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        step(config, revision)
    engine.dispose()


def run_size(kind: str, size: int, base: Path | None, base_revision: str, parts: set[str],
             name: str = "") -> dict[str, dict[str, Any]]:
    """This tree measured on a pool of `size` tasks, then (unless `base` is None) the base commit on
    the same rows. Beyond `HTTP_TASKS`, the pool's first tasks are added in bulk through the task
    service (`bulk_fill.add_tasks`) and its last `HTTP_TASKS` over HTTP: the creation rate is then
    that of a pool already holding the rest."""
    home = Path(tempfile.mkdtemp(prefix=f"cc-scale-{kind}-"))
    url = database_url(kind, home, name)
    try:
        return _measure_size(kind, size, base, base_revision, parts, home, url)
    finally:
        drop_database(url)


def _measure_size(kind: str, size: int, base: Path | None, base_revision: str, parts: set[str], home: Path,
                  url: str) -> dict[str, dict[str, Any]]:
    server = Server(ROOT / "src", url, home)
    db = Database(url)
    try:
        pool = new_pool(server)
        over_http = min(size, HTTP_TASKS)
        started = time.perf_counter()
        bulk_fill.add_tasks(db, int(pool), count=size - over_http, overlap=OVERLAP,
                            inputs=lambda i: {"text": f"task {i}"})
        rate = add_tasks(server, pool, over_http, first=size - over_http)
        print(f"  {kind} {size}: {size} tasks ({size - over_http} in bulk) in {time.perf_counter() - started:.1f} s",
              flush=True)
        started = time.perf_counter()
        bulk_fill.answer(db, int(pool), overlap=OVERLAP, suite=1, crowd=20)
        print(f"  {kind} {size}: {size * OVERLAP} answers written in bulk in {time.perf_counter() - started:.1f} s",
              flush=True)
        this = {"task creation tasks/s": rate, **measure(server, pool, parts, size * OVERLAP)}
        if "aggregate" in parts:
            this["bare ds s"] = bare_ds(db, pool)
            this["aggregate / bare"] = this["aggregate-by-pool ds s"] / this["bare ds s"]
    finally:
        server.stop()
    db.dispose()
    print(f"  {kind} {size}: this tree measured", flush=True)
    before: dict[str, Any] = {}
    if base is not None:
        downgrade(url, base_revision)
        server = Server(base, url, home)
        try:
            before = measure(server, pool, parts, size * OVERLAP)
            if "aggregate" in parts:
                before["bare ds s"] = this["bare ds s"]
                before["aggregate / bare"] = before["aggregate-by-pool ds s"] / before["bare ds s"]
            before["task creation tasks/s"] = make_pool(server, size)[1]
        finally:
            server.stop()
        print(f"  {kind} {size}: base measured", flush=True)
    return {"this": this, "base": before}


def cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"
    return str(value) if value is not None else "-"


def ratio(a: Any, b: Any) -> str:
    return f"{a / b:.2f}x" if isinstance(a, float) and isinstance(b, float) and b > 0 else "-"


def table(kind: str, sizes: list[int], results: dict[int, dict[str, dict[str, Any]]]) -> str:
    keys = list(dict.fromkeys(k for s in sizes for side in ("this", "base") for k in results[s][side]))
    head = ["measure"] + [f"{who} {s:,}" for s in sizes for who in ("base", "this")]
    head += [f"this/base {sizes[-1]:,}"]
    if len(sizes) > 1:
        head += [f"growth this {sizes[-2]:,}->{sizes[-1]:,}", f"growth base {sizes[-2]:,}->{sizes[-1]:,}"]
    lines = [f"### {kind}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key in keys:
        row = [key] + [cell(results[s][who].get(key)) for s in sizes for who in ("base", "this")]
        last = results[sizes[-1]]
        row.append(ratio(last["this"].get(key), last["base"].get(key)))
        if len(sizes) > 1:
            prev = results[sizes[-2]]
            row += [ratio(last["this"].get(key), prev["this"].get(key)),
                    ratio(last["base"].get(key), prev["base"].get(key))]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--million", action="store_true", help="also 1,000,000 tasks (long)")
    parser.add_argument("--base", default="/tmp/scale-base/src", help="the base commit's src directory")
    parser.add_argument("--base-revision", default="0011", help="the base commit's newest migration")
    parser.add_argument("--base-sizes", default=None,
                        help="sizes at which the base is measured too (default: every size; '' for none)")
    parser.add_argument("--no-exports", action="store_true", help="leave the (long) export downloads out")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"what to measure, of {','.join(PARTS)}")
    parser.add_argument("--name", default="", help="put in the PostgreSQL database's name (bench_<name>_...)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] + ([1_000_000] if args.million else [])
    base_sizes = set(sizes) if args.base_sizes is None else {int(s) for s in args.base_sizes.split(",") if s}
    parts = {p.strip() for p in args.parts.split(",") if p.strip()} - ({"exports"} if args.no_exports else set())
    if parts - set(PARTS):
        sys.exit(f"unknown --parts {sorted(parts - set(PARTS))}; of {','.join(PARTS)}")
    base = Path(args.base)
    if base_sizes and not (base / "clipcrowd").is_dir():
        sys.exit(f"no clipcrowd sources under {base}: git worktree add /tmp/scale-base <commit>")
    tables = []
    for kind in args.db.split(","):
        results = {size: run_size(kind, size, base if size in base_sizes else None, args.base_revision, parts,
                                 args.name)
                   for size in sizes}
        tables.append(table(kind, sizes, results))
        print("\n" + tables[-1] + "\n", flush=True)
    print("\n\n".join(tables))


if __name__ == "__main__":
    main()
