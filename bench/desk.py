"""Every desk page at scale (100k tasks, 300k answered assignments by default), this tree next to a base.

One pool is filled in bulk through the service layer (`services.bulk_fill`: `--tasks` tasks, overlap
3, one task per suite, 200 workers), then spread out so the charts have something to draw
(submissions over the last six hours, 4-60 s each, a fast-submit rule at 10 s, golden sums for every
worker). `clipcrowd serve` from this tree (one process) answers; every measured request goes over
HTTP from this process (localhost), first once to warm up, then `--runs` times: the median and the
slowest per page, next to the 300 ms target. With `--base <src of another commit>` the schema is
then taken back to `--base-revision` and that commit's server reads the same rows; the table shows
both medians and their ratio.

The pool is filled and spread under `--fill-revision` (the schema before the chart counters, whose
per-row triggers on SQLite would make the spreading UPDATEs of every suite slow), then the schema
is brought to head: the counters are those the migration's backfill counts (equal to what the
triggers keep, tests/test_chart_counters.py); the backfill's time is printed.

    mkdir -p /tmp/desk-base && git archive 4018d36 src | tar -x -C /tmp/desk-base
    PYTHONPATH=src .venv/bin/python bench/desk.py [--tasks 100000] [--runs 5] [--db sqlite|postgres]
        [--base /tmp/desk-base/src] [--base-revision 0018_asset_status] [--fill-revision 0020_label_runs]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import PG_BASE, ROOT, Server, downgrade, fresh_postgres, upgrade

from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import bulk_fill
from clipcrowd.store.db import Database

TARGET_SECONDS = 0.3  # issue 16: every desk page under 300 ms at a million tasks
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


def postgres_database(name: str = "charts_desk_bench") -> str:
    """A new empty database of its own (bench/scale.py uses another name, so both may run at once)."""
    return fresh_postgres(name)


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


def measure(servers: list[Server], path: str, runs: int) -> list[dict[str, float]]:
    """Each server's median and slowest time for `path`, the servers' requests taking turns."""
    times: list[list[float]] = [[] for _ in servers]
    for server in servers:  # warm-up (and a check)
        response = server.http.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    for _ in range(runs):
        for server, spent in zip(servers, times, strict=True):
            started = time.perf_counter()
            response = server.http.get(path)
            spent.append(time.perf_counter() - started)
            assert response.status_code == 200
    return [{"median": statistics.median(t), "max": max(t)} for t in times]


def copy_database(url: str) -> str:
    """A second database holding the same rows (the base's schema is taken back on it)."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        copy = path.with_name("base.db")
        shutil.copyfile(path, copy)
        return f"sqlite:///{copy}"
    source = make_url(url)
    name = f"{source.database}_base"
    engine = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"'))
    engine.dispose()
    return source.set(database=name).render_as_string(hide_password=False)


def drop_databases(*urls: str) -> None:
    engine = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for url in urls:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def pages(filled: bulk_fill.Filled) -> dict[str, str]:
    pool, project = filled.pool_id, filled.project_id
    found = {"/desk": "/desk", "pool page": f"/desk/pools/{pool}", "workers page": f"/desk/pools/{pool}/workers",
             "review page": f"/desk/pools/{pool}/review", "project page": f"/desk/projects/{project}"}
    found.update({f"{name}.svg": f"/desk/pools/{pool}/charts/{name}.svg" for name in CHARTS})
    found.update({f"project {name}.svg": f"/desk/projects/{project}/charts/{name}.svg" for name in CHARTS})
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--base", type=Path, help="the src folder of the commit to compare with")
    parser.add_argument("--base-revision", default="0018_asset_status", help="the base commit's schema head")
    parser.add_argument("--fill-revision", default="0020_label_runs", help="the schema the pool is filled under")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="cc-desk-bench-"))
    url = postgres_database() if args.db == "postgres" else f"sqlite:///{home / 'desk.db'}"
    upgrade(url, args.fill_revision)
    db = Database(url)
    started = time.perf_counter()
    filled = bulk_fill.fill(db, PROJECT, POOL, count=args.tasks, overlap=3, crowd=200, status="ACCEPTED")
    spread(db, int(filled.pool_id))
    db.dispose()
    print(f"{args.db}: filled {filled.tasks} tasks, {filled.answers} assignments "
          f"in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    upgrade(url)
    print(f"upgraded from {args.fill_revision} to head in {time.perf_counter() - started:.1f} s", flush=True)
    if args.db == "postgres":  # statistics, as autovacuum would have gathered them on a live database
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        engine.dispose()
    paths = pages(filled)
    base_url = copy_database(url) if args.base else None  # before any server holds a connection to it
    servers: list[Server] = []
    try:
        servers.append(Server(ROOT / "src", url, home))
        if args.base and base_url:
            downgrade(base_url, args.base_revision)
            base_home = home / "base"
            base_home.mkdir()
            servers.append(Server(args.base, base_url, base_home))
        measured = {name: measure(servers, path, args.runs) for name, path in paths.items()}
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(home, ignore_errors=True)
        if args.db == "postgres":
            drop_databases(*(u for u in (url, base_url) if u))
    this = {name: m[0] for name, m in measured.items()}
    base = {name: m[1] for name, m in measured.items() if len(m) > 1}
    print(f"{'page':<32} {'this ms':>9} {'max ms':>8} {'base ms':>9} {'this/base':>10}  target < "
          f"{TARGET_SECONDS * 1000:g} ms")
    for name in paths:
        m, b = this[name], base.get(name)
        print(f"{name:<32} {m['median'] * 1000:>9.1f} {m['max'] * 1000:>8.1f} "
              f"{b['median'] * 1000 if b else float('nan'):>9.1f} "
              f"{m['median'] / b['median'] if b else float('nan'):>9.2f}x  "
              f"{'ok' if m['median'] < TARGET_SECONDS else 'SLOW'}")
    worst = max(m["median"] for m in this.values())
    print(f"slowest median / target: {worst / TARGET_SECONDS:.2f}")


if __name__ == "__main__":
    main()
