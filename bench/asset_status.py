"""Asset listing with labelling status: what deriving the status costs a page, and a filter on it.

Run: ``.venv/bin/python bench/asset_status.py [--assets 20000] [--database-url URL]``. Fills a fresh
database (SQLite in a temporary directory by default; a URL must name an empty, throwaway
database) with ``--assets`` assets of one project, two tasks each (overlap 2) and two answers per
task in a mix of states, then times ``services.assets.find`` (the code behind ``GET /api/v1/assets``):
a page of 500 without the status, the same page with it, and ``labelling_status=`` filters that
match few or many assets. Prints the ratios to the page without status, and the query plan.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text

from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import asset_status
from clipcrowd.services import assets as asset_service
from clipcrowd.settings import Settings
from clipcrowd.store.db import Database
from clipcrowd.store.tables import (
    asset_tasks,
    assets,
    assignment_tasks,
    assignments,
    pools,
    projects,
    tasks,
    workers,
)

#: per asset, by asset index modulo 10: the states of its two tasks' answers (2 per task; REVIEWED is
#: ACCEPTED a minute after it was submitted). TODO 20 %, ONGOING 30 %, LABELED 30 %, TO_REVIEW and
#: REVIEWED 10 % each.
MIX = [[], [], ["SUBMITTED"], ["ACCEPTED", "ACCEPTED"], ["SUBMITTED", "SUBMITTED", "ACCEPTED", "REJECTED"],
       ["ACCEPTED"] * 4, ["ACCEPTED"] * 4, ["ACCEPTED"] * 4, ["SUBMITTED"] * 4, ["REVIEWED"] * 4]


def fill(db: Database, count: int) -> str:
    now = utcnow()
    with db.write() as conn:
        project = conn.execute(insert(projects).values(status="ACTIVE", created=now, data={})
                               .returning(projects.c.id)).scalar_one()
        pool = conn.execute(insert(pools).values(project_id=project, status="OPEN", created=now, data={})
                            .returning(pools.c.id)).scalar_one()
        people = [conn.execute(insert(workers).values(login=f"w{i}", languages=[], client_type="BROWSER", profile={},
                                                      created=now).returning(workers.c.id)).scalar_one()
                  for i in range(2)]
        conn.execute(insert(assets), [{"project_id": project, "external_id": str(i), "kind": "VIDEO",
                                       "status": "READY", "created": now, "updated": now, "source": {},
                                       "json_metadata": {}} for i in range(count)])
        asset_ids = [r.id for r in conn.execute(select(assets.c.id).order_by(assets.c.id))]
        task_rows, answers = [], []
        for i, asset_id in enumerate(asset_ids):
            states = MIX[i % len(MIX)]
            for t in range(2):
                mine = states[t * 2:t * 2 + 2]
                answered = sum(s != "REJECTED" for s in mine)
                task_rows.append({"pool_id": pool, "overlap": 2, "infinite_overlap": False, "golden": False,
                                  "assigned_count": answered, "answered_count": answered, "created": now,
                                  "data": {"input_values": {"asset": f"/api/v1/assets/{asset_id}/media"}}})
                answers.append(mine)
        ids = [r.id for r in conn.execute(insert(tasks).returning(tasks.c.id, sort_by_parameter_order=True),
                                          task_rows)]
        conn.execute(insert(asset_tasks), [{"asset_id": asset_ids[n // 2], "task_id": task_id}
                                           for n, task_id in enumerate(ids)])
        made = []
        for task_id, states in zip(ids, answers, strict=True):
            for k, state in enumerate(states):
                later = now + timedelta(minutes=1) if state == "REVIEWED" else now
                made.append(({"pool_id": pool, "worker_id": people[k], "status": state.replace("REVIEWED", "ACCEPTED"),
                              "created": now, "deadline": now, "submitted": now,
                              "accepted": later if state in ("ACCEPTED", "REVIEWED") else None,
                              "rejected": now if state == "REJECTED" else None, "task_ids": [task_id]},
                             task_id, people[k]))
        new = [r.id for r in conn.execute(insert(assignments).returning(assignments.c.id,
                                                                         sort_by_parameter_order=True),
                                          [m[0] for m in made])]
        conn.execute(insert(assignment_tasks), [{"assignment_id": a, "position": 0, "task_id": m[1],
                                                 "worker_id": m[2]} for a, m in zip(new, made, strict=True)])
    return str(project)


def timed(db: Database, settings: Settings, query: dict[str, str], runs: int) -> tuple[float, int]:
    spent, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        size = len(asset_service.find(db, settings, query)["items"])
        spent.append(time.perf_counter() - start)
    return statistics.median(spent), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home))
        db = Database(args.database_url or f"sqlite:///{home}/bench.db")
        db.migrate()
        project = fill(db, args.assets)
        base = {"project_id": project, "limit": "500"}
        plain = {**base, "fields": "id,external_id,status"}
        reference, _ = timed(db, settings, plain, args.runs)
        print(f"{args.assets} assets, {2 * args.assets} tasks; {db.engine.dialect.name}")
        print(f"page of 500 without labelling_status: 1.00 (reference), median of {args.runs}")
        for name, query in (("page of 500 with labelling_status", base),
                            ("labelling_status=REVIEWED (10% of assets)", {**base, "labelling_status": "REVIEWED"}),
                            ("labelling_status=LABELED (30%)", {**base, "labelling_status": "LABELED"}),
                            ("labelling_status=TODO,ONGOING (50%)", {**base, "labelling_status": "TODO,ONGOING"})):
            spent, size = timed(db, settings, query, args.runs)
            print(f"{name}: {spent / reference:.2f} x reference ({size} items)")
        with db.read() as conn:
            counts = dict(conn.execute(select(asset_status.labelling_status(), text("count(*)"))
                                       .select_from(assets).group_by(text("1"))).all())
            print("statuses:", counts)
            if db.engine.dialect.name == "sqlite":
                query = select(assets.c.id, asset_status.labelling_status()).where(assets.c.id < 500)
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(query.compile(
                    conn, compile_kwargs={"literal_binds": True}))).all()
                print("plan:", "; ".join(sorted({row[-1] for row in plan})))
        db.dispose()


if __name__ == "__main__":
    main()
