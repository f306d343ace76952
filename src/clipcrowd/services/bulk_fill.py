"""A pool answered in bulk, for scale tests and benchmarks: what a crowd would leave behind, written
in a few statements instead of one round trip per suite.

Tasks are validated by the task service like any batch (`add_tasks`); they, workers, answered
assignments with their answers, the (assignment, task) pairs, SUBMITTED events, the per-worker sums
and the tasks' counters are written directly on the driver with values already in their stored form
(JSON text; on SQLite, times as SQLAlchemy's text): `COPY` on PostgreSQL (a multi-row INSERT of
70,000 tasks costs psycopg seconds of parsing its huge statements), the driver's `executemany` on
SQLite (through SQLAlchemy, its per-row parameter processing was most of the fill's time). Suites
of `suite` consecutive tasks are answered `overlap` times, each time by the next worker round the
circle, so no worker answers a task twice; the label of each answer is
`labels[(task index + worker index) % len(labels)]`.

The database's own triggers keep every count (0019, 0021, 0022), as for any writer. On SQLite, whose
triggers run per row, the (assignment, task) pairs go in before their suites (foreign keys deferred
to the commit): a pair then finds no suite and counts nothing, and each suite's insert counts its
pairs at once, one chart upsert per suite instead of one per pair (a third of a 70,001-task fill's
CPU at ten tasks a suite). PostgreSQL's triggers count a whole `COPY` at once and its foreign keys
cannot wait, so there the suites go first.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, text, update

from clipcrowd.domain.errors import ValidationFailed
from clipcrowd.domain.ids import format_id
from clipcrowd.domain.models.projects import ProjectData
from clipcrowd.domain.timeutil import utcnow
from clipcrowd.services import pools, projects
from clipcrowd.services import tasks as task_service
from clipcrowd.store.db import Database
from clipcrowd.store.tables import assignment_tasks, assignments, events, pool_worker_stats, tasks, workers

TASK_BATCH = 10_000
TASK_COLUMNS = ("id", "pool_id", "overlap", "infinite_overlap", "golden", "assigned_count", "answered_count",
                "created", "data")


@dataclass(frozen=True)
class Filled:
    project_id: str
    pool_id: str
    worker_ids: list[int]
    tasks: int
    answers: int


def _copy(conn: Connection, table: Any, columns: Sequence[str], rows: Iterator[Sequence[Any]]) -> None:
    """Rows whose values are already what the driver stores (`_json`, `_time`), written on the
    transaction's own driver connection: `COPY` on PostgreSQL, `executemany` in slices on SQLite."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    if conn.dialect.name == "postgresql":
        with cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    try:
        while batch := list(islice(rows, 50_000)):
            cursor.executemany(statement, batch)
    finally:
        cursor.close()


def _json(value: Any) -> str:
    """A JSON column's value as its stored text (what SQLAlchemy's JSON type writes: `json.dumps`)."""
    return json.dumps(value)


def _time(conn: Connection, value: datetime) -> Any:
    """A date-time as the driver stores it: as is on PostgreSQL, SQLAlchemy's fixed text on SQLite."""
    return value if conn.dialect.name == "postgresql" else value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _next_id(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1


def _sync_sequence(conn: Connection, table: Any) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                          f"(SELECT max(id) FROM {table.name}))"))


def fill(db: Database, project_body: Mapping[str, Any], pool_body: Mapping[str, Any], *, count: int,
         overlap: int, suite: int = 1, crowd: int = 20, labels: Sequence[Any] = ("a", "b"),
         inputs: Any = None, status: str = "ACCEPTED") -> Filled:
    """A project, a pool and `count` tasks (through the task service) answered by `answer`.

    `inputs(i)` gives task i's input values (default: `{"text": "t<i>"}`).
    """
    project = projects.create(db, dict(project_body))
    pool = pools.create(db, {**pool_body, "project_id": project["id"]})
    add_tasks(db, int(pool["id"]), count=count, overlap=overlap, inputs=inputs, answered=True)
    return answer(db, int(pool["id"]), overlap=overlap, suite=suite, crowd=crowd, labels=labels, status=status)


def add_tasks(db: Database, pool_id: int, *, count: int, overlap: int, inputs: Any = None, start: int = 0,
              answered: bool = False) -> None:
    """`count` tasks added to the pool, validated by the task service in batches like any upload;
    task i (from `start`) has the input values `inputs(i)` (default: `{"text": "t<i>"}`).

    `answered`: the real tasks are written already issued and answered `overlap` times, the counts
    `answer` then leaves them with (`fill` answers every task at once). Written so, they never enter
    the partial indexes of open and unanswered tasks, and `answer` rewrites none of them: on SQLite,
    whose triggers run per row, the update of 70,001 tasks' counts cost 0.2 s of CPU."""
    make = inputs or (lambda i: {"text": f"t{i}"})
    counted = {"assigned_count": overlap, "answered_count": overlap} if answered else {}
    pick = itemgetter(*TASK_COLUMNS[1:-2])
    for first_task in range(start, start + count, TASK_BATCH):
        items = [{"pool_id": format_id(pool_id), "input_values": make(i), "overlap": overlap}
                 for i in range(first_task, min(first_task + TASK_BATCH, start + count))]
        batch = task_service.prepare(db, items, allow_defaults=False, skip_invalid=False)
        with db.write() as conn:
            now = _time(conn, utcnow())
            first = _next_id(conn, tasks)
            _copy(conn, tasks, TASK_COLUMNS,
                  ((first + n, *pick(row if row["golden"] or not counted else row | counted), now, _json(row["data"]))
                   for n, row in enumerate(batch.rows)))
            _sync_sequence(conn, tasks)


def answer(db: Database, pool_id: int, *, overlap: int, suite: int = 1, crowd: int = 20,
           labels: Sequence[Any] = ("a", "b"), status: str = "ACCEPTED") -> Filled:
    """Every real task of the pool answered `overlap` times by `crowd` new workers, in suites of
    `suite` tasks, into the project's first output field; assignments are left `status` (ACCEPTED
    or SUBMITTED). Answers take 30 s each (none is fast)."""
    if crowd < overlap:
        raise ValidationFailed.field("crowd", "needs at least as many workers as the overlap")
    with db.write() as conn:
        now = utcnow()
        created, submitted, deadline = (_time(conn, t) for t in (now - timedelta(seconds=30), now,
                                                                 now + timedelta(hours=1)))
        languages, profile = _json(["EN"]), _json({})
        pool = pools.load(conn, pool_id)
        field = next(iter(ProjectData.of(projects.load(conn, pool.project_id).data).task_spec.output_spec))
        task_ids = [t for (t,) in conn.execute(select(tasks.c.id).where(
            tasks.c.pool_id == pool_id, tasks.c.golden.is_(False)).order_by(tasks.c.id))]
        first_worker = _next_id(conn, workers)
        worker_ids = list(range(first_worker, first_worker + crowd))
        _copy(conn, workers, ("id", "login", "languages", "client_type", "profile", "balance", "created"),
              ((w, f"bulk-{format_id(pool_id)}-{w}", languages, "BROWSER", profile, 0.0, submitted)
               for w in worker_ids))
        first = _next_id(conn, assignments)
        suites = [task_ids[i:i + suite] for i in range(0, len(task_ids), suite)]
        plan = [(first + n * overlap + r, s, (n + r) % crowd) for n, s in enumerate(suites) for r in range(overlap)]
        offset = {t: i for i, t in enumerate(task_ids)}

        def values(ids: list[int], w: int) -> list[dict[str, Any]]:
            return [{field: labels[(offset[t] + w) % len(labels)]} for t in ids]

        def write_suites() -> None:
            _copy(conn, assignments, ("id", "pool_id", "worker_id", "status", "created", "deadline", "submitted",
                                      "accepted", "reward", "task_ids", "solutions"),
                  ((a, pool_id, worker_ids[w], status, created, deadline, submitted,
                    submitted if status == "ACCEPTED" else None, 0.0, _json(ids), _json(values(ids, w)))
                   for a, ids, w in plan))

        def write_pairs() -> None:
            _copy(conn, assignment_tasks, ("assignment_id", "position", "task_id", "worker_id"),
                  ((a, p, t, worker_ids[w]) for a, ids, w in plan for p, t in enumerate(ids)))

        if conn.dialect.name == "sqlite":  # pairs first: see the module's docstring
            conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # until this transaction ends
            write_pairs()
            write_suites()
        else:
            write_suites()
            write_pairs()
        _copy(conn, events, ("type", "created", "pool_id", "worker_id", "assignment_id", "data"),
              (("SUBMITTED", submitted, pool_id, worker_ids[w], a,
                _json({"duration_seconds": 30.0, "tasks": len(ids), "golden_outcomes": []}))
               for a, ids, w in plan))
        per_worker = Counter(w for _, _, w in plan)
        if conn.dialect.has_table(conn, pool_worker_stats.name):  # absent under the base revision 0005
            conn.execute(insert(pool_worker_stats), [
                {"pool_id": pool_id, "worker_id": worker_ids[w], "submitted": n, "golden_right": 0, "golden_total": 0,
                 "fast_submits": 0} for w, n in per_worker.items()])
        for table in (workers, assignments, events):
            _sync_sequence(conn, table)
        t = tasks.c  # tasks `add_tasks` wrote as answered already have their counts: none is rewritten
        conn.execute(update(tasks).where(
            t.pool_id == pool_id, t.golden.is_(False),
            or_(t.assigned_count.is_distinct_from(t.overlap), t.answered_count.is_distinct_from(t.overlap)),
        ).values(assigned_count=t.overlap, answered_count=t.overlap))
    return Filled(format_id(pool.project_id), format_id(pool_id), worker_ids, len(task_ids),
                  len(task_ids) * overlap)
