"""A pool's answers, one per (assignment, task), read in keyset chunks: memory holds one chunk.

Each chunk is its own short read transaction (`assignments.id > last ORDER BY id LIMIT n` over the
`(pool_id, id)` index), so an export never pins a transaction or a connection while the client
downloads, and costs the same per row at a thousand answers as at a million. Tasks and stored
aggregated labels of a chunk are fetched with one list parameter each (`store.lists.one_of`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from clipcrowd.domain.ids import format_id
from clipcrowd.services import desk_aggregates, label_runs, pools
from clipcrowd.services.projects import load as load_project
from clipcrowd.services.restrictions import active_condition
from clipcrowd.store.db import Database
from clipcrowd.store.lists import one_of
from clipcrowd.store.tables import assignments, tasks, user_restrictions

ANSWERED = ("SUBMITTED", "ACCEPTED", "REJECTED")
CHUNK = 1000  # assignments per read: a fixed cost per chunk, whatever the pool's size


@dataclass(frozen=True)
class Answer:
    """One task of one assignment: the assignment row, the task row, the worker's values for it,
    and the task's latest stored aggregated label per field (`desk_aggregates.latest_labels`; empty
    when none was stored)."""

    assignment: Any
    task: Any
    values: dict[str, Any]
    aggregated: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Shape:
    """What columns an export of this pool has, known before its first row is read."""

    pool: Any
    input_spec: dict[str, Any]
    output_spec: dict[str, Any]
    aggregated_fields: list[str] = field(default_factory=list)

    @property
    def inputs(self) -> list[str]:
        return sorted(self.input_spec)

    @property
    def outputs(self) -> list[str]:
        return sorted(self.output_spec)


@dataclass(frozen=True)
class Selection:
    """Which answers: statuses, a submission time window, and whether to leave out barred workers."""

    statuses: Collection[str] = ANSWERED
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    exclude_banned: bool = False


def shape(db: Database, pool_id: int) -> Shape:
    """Columns from the project's specs and the fields some aggregation run stored (NotFound: 404)."""
    with db.read() as conn:
        pool = pools.load(conn, pool_id)
        spec = load_project(conn, pool.project_id).data.get("task_spec", {})
        stored = label_runs.stored_fields(conn, pool_id)
    return Shape(pool, dict(spec.get("input_spec") or {}), dict(spec.get("output_spec") or {}), stored)


def _barred(conn: Connection, pool: Any) -> set[int]:
    """Workers barred from the pool right now (a restriction of theirs covers it)."""
    r = user_restrictions.c
    return {w for (w,) in conn.execute(select(r.worker_id).where(
        active_condition(r.worker_id, pool.project_id, pool.id)).distinct())}


def answers(db: Database, shape: Shape, selection: Selection = Selection(), chunk: int = CHUNK) -> Iterator[Answer]:
    """Every selected answer of the pool in assignment order, then task order within a suite."""
    a = assignments.c
    pool_id = shape.pool.id
    statuses = set(selection.statuses)
    conditions = [a.pool_id == pool_id]
    if selection.submitted_from is not None:
        conditions.append(a.submitted >= selection.submitted_from)
    if selection.submitted_to is not None:
        conditions.append(a.submitted <= selection.submitted_to)
    barred: set[int] = set()
    if selection.exclude_banned:
        with db.read() as conn:
            barred = _barred(conn, shape.pool)
    last = 0
    while True:
        with db.read() as conn:
            # statuses are filtered here, not in SQL: the scan then follows (pool_id, id) in order
            # instead of sorting each chunk of a status index
            rows = conn.execute(select(a.id, a.worker_id, a.status, a.created, a.submitted, a.accepted, a.rejected,
                                       a.skipped, a.expired, a.reward, a.public_comment, a.task_ids, a.solutions)
                                .where(*conditions, a.id > last).order_by(a.id).limit(chunk)).all()
            if not rows:
                return
            last = rows[-1].id
            rows = [r for r in rows if r.status in statuses and r.worker_id not in barred]
            ids = sorted({t for r in rows for t in r.task_ids})
            by_id = {t.id: t for t in conn.execute(
                select(tasks.c.id, tasks.c.golden, tasks.c.data).where(one_of(tasks.c.id, ids)))} if ids else {}
            labels = desk_aggregates.latest_labels(conn, pool_id, ids) if ids and shape.aggregated_fields else {}
        for row in rows:
            # an assignment without answers (ACTIVE, SKIPPED, EXPIRED) still names its tasks
            for task_id, values in zip(row.task_ids, row.solutions or [{}] * len(row.task_ids), strict=False):
                task = by_id.get(task_id)
                if task is not None:
                    yield Answer(row, task, values or {}, labels.get(format_id(task_id), {}))
