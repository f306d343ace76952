"""The desk's pool page and its charts at scale: 100k tasks, 300k answered assignments.

One pool is filled in bulk through the service layer (`services.bulk_fill`: 100,000 tasks, overlap
3, one task per suite, 200 workers), then spread out so the charts have something to draw
(submissions over the last six hours, 4-60 s each, a fast-submit rule at 10 s, golden sums for every
worker). `clipcrowd serve` from this tree (one process) answers; every measured request goes over
HTTP from this process (localhost), first once to warm up, then `--runs` times: the median, the
slowest and the bytes are printed per page, next to the 1 s target.

    PYTHONPATH=src .venv/bin/python bench/desk.py [--tasks 100000] [--runs 5] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import PG_BASE, ROOT, Server

from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import bulk_fill
from clipcrowd.store.db import Database

TARGET_SECONDS = 1.0
CHARTS = ("completion", "answers-per-worker", "quality", "submit-times")
PROJECT = {"public_name": "desk bench", "task_spec": {"input_spec": {"text": {"type": "string"}},
                                                      "output_spec": {"result": {"type": "string"}}}}
POOL = {"private_name": "desk bench", "reward_per_assignment": 0.01, "assignment_max_duration_seconds": 600,
        "will_expire": "2099-01-01T00:00:00", "defaults": {"default_overlap_for_new_task_suites": 3},
        "quality_control": {"configs": [{
            "collector_config": {"type": "ASSIGNMENT_SUBMIT_TIME", "parameters": {
                "history_size": 5, "fast_submit_threshold_seconds": 10}},
            "rules": [{"conditions": [{"key": "fast_submitted_count", "operator": "GTE", "value": 3}],
                       "action": {"type": "RESTRICTION_V2", "parameters": {
                           "scope": "POOL", "duration": 1, "duration_unit": "DAYS", "private_comment": "fast"}}}]}]}}


def postgres_database(name: str = "clipcrowd_desk_bench") -> str:
    """A new empty database of its own (bench/scale.py uses another name, so both may run at once)."""
    engine = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(PG_BASE).set(database=name).render_as_string(hide_password=False)


def spread(db: Database, pool_id: int) -> None:
    """Submissions over the six hours before now, 4-60 s each (their events too: the pool page's
    pace reads the last 15 minutes of them); golden sums per worker (what a real crowd leaves)."""
    with db.write() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("UPDATE assignments SET submitted = datetime(submitted, '-' || (id % 21600) || "
                              "' seconds') WHERE pool_id = :p"), {"p": pool_id})
            conn.execute(text("UPDATE assignments SET created = datetime(submitted, '-' || (4 + id % 57) || "
                              "' seconds') WHERE pool_id = :p"), {"p": pool_id})
        else:
            conn.execute(text("UPDATE assignments SET submitted = submitted - make_interval(secs => id % 21600) "
                              "WHERE pool_id = :p"), {"p": pool_id})
            conn.execute(text("UPDATE assignments SET created = submitted - make_interval(secs => 4 + id % 57) "
                              "WHERE pool_id = :p"), {"p": pool_id})
        conn.execute(text("UPDATE pools SET created = :t WHERE id = :p"),
                     {"t": utcnow() - timedelta(hours=7), "p": pool_id})
        conn.execute(text("UPDATE events SET created = (SELECT submitted FROM assignments a "
                          "WHERE a.id = events.assignment_id) WHERE pool_id = :p"), {"p": pool_id})
        conn.execute(text("UPDATE pool_worker_stats SET golden_total = 20, golden_right = 8 + worker_id % 13 "
                          "WHERE pool_id = :p"), {"p": pool_id})


def measure(server: Server, path: str, runs: int) -> dict[str, float]:
    response = server.http.get(path)  # warm-up (and a check)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = server.http.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return {"median": statistics.median(times), "max": max(times), "bytes": len(response.content)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="cc-desk-bench-"))
    url = postgres_database() if args.db == "postgres" else f"sqlite:///{home / 'desk.db'}"
    db = Database(url)
    db.migrate()
    started = time.perf_counter()
    filled = bulk_fill.fill(db, PROJECT, POOL, count=args.tasks, overlap=3, crowd=200, status="ACCEPTED")
    spread(db, int(filled.pool_id))
    if args.db == "postgres":  # statistics, as autovacuum would have gathered them on a live database
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    db.dispose()
    print(f"{args.db}: filled {filled.tasks} tasks, {filled.answers} assignments "
          f"in {time.perf_counter() - started:.1f} s")
    server = Server(ROOT / "src", url, home)
    try:
        paths = {"pool page": f"/desk/pools/{filled.pool_id}"}
        paths.update({f"{name}.svg": f"/desk/pools/{filled.pool_id}/charts/{name}.svg" for name in CHARTS})
        paths.update({f"project {name}.svg": f"/desk/projects/{filled.project_id}/charts/{name}.svg"
                      for name in CHARTS})
        print(f"{'page':<32} {'median s':>9} {'max s':>8} {'KB':>7}  target < {TARGET_SECONDS:g} s")
        worst = 0.0
        for name, path in paths.items():
            m = measure(server, path, args.runs)
            worst = max(worst, m["median"])
            print(f"{name:<32} {m['median']:>9.3f} {m['max']:>8.3f} {m['bytes'] / 1024:>7.1f}  "
                  f"{'ok' if m['median'] < TARGET_SECONDS else 'SLOW'}")
        print(f"slowest median / target: {worst / TARGET_SECONDS:.2f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
